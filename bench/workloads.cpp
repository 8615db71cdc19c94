// Workloads: deterministic problem data shared by every contender.
#include "bench/workloads.hpp"

#include <cmath>

#include "autograd/random.hpp"

namespace bench {
namespace {

MlpProblem mlp(std::string name, std::vector<std::size_t> sizes, std::size_t batch, Hidden hidden,
               LossKind loss, bool float64, double lr, std::uint64_t seed) {
  MlpProblem p;
  p.name = std::move(name);
  p.sizes = std::move(sizes);
  p.batch = batch;
  p.hidden = hidden;
  p.loss = loss;
  p.float64 = float64;
  p.lr = lr;
  tapegrad::Generator gen(seed);
  for (std::size_t l = 0; l < p.layers(); ++l) {
    const std::size_t in = p.sizes[l], out = p.sizes[l + 1];
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    std::vector<double> W(in * out), b(out);
    for (double& w : W) w = gen.uniform(-bound, bound);
    for (double& v : b) v = gen.uniform(-bound, bound);
    p.W.push_back(std::move(W));
    p.b.push_back(std::move(b));
  }
  p.x.resize(batch * p.inputs());
  for (double& v : p.x) v = gen.uniform(-1.0, 1.0);
  p.y.assign(batch * p.outputs(), 0.0);
  if (loss == LossKind::cross_entropy) {
    for (std::size_t i = 0; i < batch; ++i) {
      const auto k = static_cast<std::int64_t>(gen.below(p.outputs()));
      p.labels.push_back(k);
      p.y[i * p.outputs() + static_cast<std::size_t>(k)] = 1.0;
    }
  } else {
    for (double& v : p.y) v = static_cast<double>(gen.below(2));
  }
  return p;
}

}  // namespace

std::size_t MlpProblem::parameter_count() const {
  std::size_t n = 0;
  for (std::size_t l = 0; l < layers(); ++l) n += sizes[l] * sizes[l + 1] + sizes[l + 1];
  return n;
}

double MlpProblem::step_flops() const {
  double flops = 0;
  const auto m = static_cast<double>(batch);
  for (std::size_t l = 0; l < layers(); ++l) {
    const double mk = m * static_cast<double>(sizes[l] * sizes[l + 1]);
    flops += 2 * mk;             // forward  z = a W
    flops += 2 * mk;             // backward dW = a^T g
    if (l > 0) flops += 2 * mk;  // backward da = g W^T (not for the input)
  }
  return flops;
}

MlpProblem w1_problem(std::size_t batch) {
  return mlp("W1", {4, 3, 2, 1}, batch, Hidden::sigmoid, LossKind::bce_with_logits, true, 0.1, 1);
}
MlpProblem w2_problem(std::size_t batch) {
  return mlp("W2", {784, 256, 128, 10}, batch, Hidden::relu, LossKind::cross_entropy, false, 0.01,
             2);
}
MlpProblem w3_problem(std::size_t batch) {
  return mlp("W3", {1024, 1024, 1024, 1}, batch, Hidden::sigmoid, LossKind::bce_with_logits,
             false, 0.01, 3);
}

Example4321Samples w4_problem(std::size_t count) {
  const MlpProblem net = w1_problem(count);
  Example4321Samples s;
  for (std::size_t l = 0; l < net.layers(); ++l) {
    s.params.insert(s.params.end(), net.W[l].begin(), net.W[l].end());
    s.params.insert(s.params.end(), net.b[l].begin(), net.b[l].end());
  }
  s.x = net.x;
  s.y = net.y;
  s.count = count;
  return s;
}

Rosenbrock w5_problem(std::size_t n) {
  tapegrad::Generator gen(5);
  Rosenbrock r;
  r.x.resize(n);
  for (double& v : r.x) v = gen.uniform(-1.2, 1.2);
  return r;
}

}  // namespace bench
