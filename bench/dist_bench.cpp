// dist_bench: the W3 training step data-parallel on the ranks of an MPI job,
// compute time beside the time in MPI_Allreduce. Run it under mpirun:
//   OPENBLAS_NUM_THREADS=1 mpirun -np 2 build/bench/tapegrad_dist_bench [--steps N] [--batch B]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/tape.hpp"
#include "bench/blas.hpp"
#include "bench/workloads.hpp"
#include "dist/data_parallel.hpp"
#include "dist/mpi_communicator.hpp"

namespace {

using namespace tapegrad;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// W3 as an nn::Mlp<float>: the workload's weights, sigmoid layers, BCE on the
// logits (nn::loss takes them from z^[L] for a sigmoid output).
nn::Mlp<float> w3_network(const bench::MlpProblem& p) {
  nn::Mlp<float> net;
  for (std::size_t l = 0; l < p.layers(); ++l) {
    const auto in = static_cast<std::uint32_t>(p.sizes[l]);
    const auto out = static_cast<std::uint32_t>(p.sizes[l + 1]);
    Tensor<float> W({in, out}, 0.0f), b({1, out}, 0.0f);
    std::copy(p.W[l].begin(), p.W[l].end(), W.data());
    std::copy(p.b[l].begin(), p.b[l].end(), b.data());
    net.add(nn::Linear<float>(std::move(W), std::move(b), nn::Activation::sigmoid));
  }
  return net;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  bench::exec_with_known_blas_core(argv);
  bench::set_blas_threads(1);  // one BLAS thread per rank: ranks are the parallelism
  int steps = 30, warmup = 3;
  std::size_t batch = 256;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--steps") steps = std::max(1, std::atoi(argv[i + 1]));
    else if (arg == "--batch") batch = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: tapegrad_dist_bench [--steps N] [--batch B]\n");
      return 2;
    }
  }

  dist::MpiCommunicator comm;
  const int rank = comm.rank(), ranks = comm.size();
  const bench::MlpProblem p = bench::w3_problem(batch);
  nn::Mlp<float> net = w3_network(p);
  nn::Sgd<float> sgd(net.parameters(), static_cast<float>(p.lr));
  dist::DataParallel<float> group(comm, sgd);

  // This rank's contiguous shard of the fixed global batch.
  const auto first = static_cast<std::uint32_t>(batch * rank / ranks);
  const auto last = static_cast<std::uint32_t>(batch * (rank + 1) / ranks);
  const std::uint32_t rows = last - first, inputs = static_cast<std::uint32_t>(p.inputs());
  Tensor<float> x({rows, inputs}, 0.0f), y({rows, 1}, 0.0f);
  for (std::uint32_t i = 0; i < rows; ++i) {
    for (std::uint32_t j = 0; j < inputs; ++j)
      x(i, j) = static_cast<float>(p.x[(first + i) * inputs + j]);
    y(i, 0) = static_cast<float>(p.y[first + i]);
  }

  Tape<float> tape;
  tape.set_naming(false);
  std::vector<double> step_s, compute_s, wait_s, allreduce_s, update_s;
  float loss = 0;
  for (int s = 0; s < warmup + steps; ++s) {
    const auto start = Clock::now();
    sgd.zero_grad();
    tape.clear();
    const auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(x)), tape.input(y));
    tape.backward(L);
    const double compute = seconds_since(start);
    // A one-number sum first, so that waiting for a slower rank is not
    // counted as all-reduce time.
    const auto wait_start = Clock::now();
    double token = 0;
    comm.sum(std::span<double>(&token, 1));
    const double wait = seconds_since(wait_start);
    const double in_sum = group.reduce_seconds();
    loss = group.reduce_gradients(L.item(), rows, static_cast<std::uint32_t>(batch));
    const double allreduce = group.reduce_seconds() - in_sum;
    const auto update_start = Clock::now();
    sgd.step();
    const double update = seconds_since(update_start);
    if (s < warmup) continue;
    step_s.push_back(seconds_since(start));
    compute_s.push_back(compute);
    wait_s.push_back(wait);
    allreduce_s.push_back(allreduce);
    update_s.push_back(update);
  }
  if (!group.replicas_agree()) {
    std::fprintf(stderr, "dist_bench: the replicas differ\n");
    return 1;
  }
  // Every rank's medians, printed by rank 0 in rank order.
  std::vector<double> table(5 * static_cast<std::size_t>(ranks), 0.0);
  const double mine[5] = {median(step_s), median(compute_s), median(wait_s), median(allreduce_s),
                          median(update_s)};
  std::copy(mine, mine + 5, table.begin() + 5 * rank);
  comm.sum(table);
  if (rank != 0) return 0;
  const double bytes = static_cast<double>(p.parameter_count() + 1) * sizeof(float);
  fmt::print("W3 {} data-parallel, global batch {}, float32, {} ranks, 1 BLAS thread each, {} steps "
             "(medians, ms); all-reduce of {:.1f} MB; final loss {:.6f}\n",
             fmt::join(p.sizes, "-"), batch, ranks, steps, bytes / 1e6, loss);
  // other: the step's median less the others' medians: copying gradients into
  // and out of the flat buffer (2 or more ranks), and noise.
  fmt::print("rank  rows   step  compute  wait  all-reduce  update  other\n");
  for (int r = 0; r < ranks; ++r) {
    const double* t = table.data() + 5 * r;
    const auto rows_r = batch * (r + 1) / ranks - batch * r / ranks;
    fmt::print("{:>4}  {:>4}  {:>5.1f}  {:>7.1f}  {:>4.1f}  {:>10.1f}  {:>6.1f}  {:>5.1f}\n", r,
               rows_r, 1e3 * t[0], 1e3 * t[1], 1e3 * t[2], 1e3 * t[3], 1e3 * t[4],
               1e3 * std::max(0.0, t[0] - t[1] - t[2] - t[3] - t[4]));
  }
  fmt::print("{:.0f} samples/s\n", static_cast<double>(batch) / table[0]);
  return 0;
}
