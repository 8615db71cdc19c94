// DataParallel: ranks (threads here, MPI processes in mpi_train_test) train to the single-process model.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "dist/data_parallel.hpp"
#include "dist/train_data.hpp"
#include "nn/dataset.hpp"
#include "nn/fit.hpp"
#include "tests/dist/thread_ranks.hpp"

using namespace tapegrad;
using tapegrad::testing::ThreadGroup;

namespace {

template <class T>
std::unique_ptr<nn::Optimizer<T>> make(const std::string& kind, nn::Mlp<T>& net) {
  if (kind == "sgd") return std::make_unique<nn::Sgd<T>>(net.parameters(), T(0.5));
  if (kind == "momentum") return std::make_unique<nn::Momentum<T>>(net.parameters(), T(0.2));
  return std::make_unique<nn::Adam<T>>(net.parameters(), T(0.05));
}

template <class T>
std::vector<T> values_of(nn::Mlp<T>& net) {
  std::vector<T> out;
  for (const Parameter<T>* p : net.parameters())
    out.insert(out.end(), p->value.data(), p->value.data() + p->value.size());
  return out;
}

template <class T>
nn::Dataset<T> problem(std::uint32_t rows) {
  Generator g(7);
  nn::Dataset<T> d{Tensor<T>({rows, 4}, T(0)), Tensor<T>({rows, 1}, T(0))};
  for (std::size_t k = 0; k < d.x.size(); ++k) d.x[k] = static_cast<T>(g.uniform(-1, 1));
  for (std::uint32_t i = 0; i < rows; ++i) d.y[i] = static_cast<T>(g.below(2));
  return d;
}

constexpr int kSteps = 6;

// The seed's network trained on all rows in one process, loss the batch mean.
template <class T>
std::vector<T> single_process(const nn::Dataset<T>& d, const std::string& kind) {
  nn::Mlp<T> net({4, 3, 2, 1}, nn::Activation::sigmoid, 1);
  auto optimizer = make(kind, net);
  Tape<T> tape;
  for (int s = 0; s < kSteps; ++s) {
    tape.clear();
    const auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(d.x)), tape.input(d.y));
    optimizer->zero_grad();
    tape.backward(L);
    optimizer->step();
  }
  return values_of(net);
}

// The same on `shards.size()` thread ranks; rank r holds the next shards[r] rows
// and starts from other weights than rank 0 (the broadcast must fix them).
template <class T>
std::vector<std::vector<T>> data_parallel(const nn::Dataset<T>& d, const std::string& kind,
                                          const std::vector<std::uint32_t>& shards,
                                          std::vector<T>& losses) {
  ThreadGroup group(static_cast<int>(shards.size()));
  std::vector<std::vector<T>> trained(shards.size());
  losses.assign(shards.size(), T(0));
  group.run([&](dist::Communicator& comm) {
    const int r = comm.rank();
    nn::Mlp<T> net({4, 3, 2, 1}, nn::Activation::sigmoid, r == 0 ? 1 : 100 + r);
    auto optimizer = make(kind, net);
    dist::DataParallel<T> replicas(comm, *optimizer);
    const std::uint32_t first = std::accumulate(shards.begin(), shards.begin() + r, 0u);
    std::vector<std::uint32_t> rows(shards[r]);
    std::iota(rows.begin(), rows.end(), first);
    Tensor<T> x, y;
    nn::gather_rows(d.x, rows, x);
    nn::gather_rows(d.y, rows, y);
    Tape<T> tape;
    for (int s = 0; s < kSteps; ++s)
      losses[r] = dist::train_step(replicas, tape, net, nn::LossKind::bce, x, y, d.size());
    trained[r] = values_of(net);
  });
  return trained;
}

template <class T>
double relative_error(const std::vector<T>& a, const std::vector<T>& b) {
  double worst = 0;
  for (std::size_t k = 0; k < a.size(); ++k)
    worst = std::max(worst, std::abs(static_cast<double>(a[k]) - b[k]) /
                                std::max(std::abs(static_cast<double>(b[k])), 1e-12));
  return worst;
}

}  // namespace

TEST_CASE("ranks with even, uneven and empty shards train to the single-process model") {
  const auto d = problem<double>(7);
  for (const std::string kind : {"sgd", "momentum", "adam"}) {
    const auto expected = single_process(d, kind);
    for (const auto& shards : std::vector<std::vector<std::uint32_t>>{
             {7}, {3, 4}, {5, 0, 2}, {0, 7}, {1, 1, 1, 4}}) {
      CAPTURE(kind);
      CAPTURE(shards.size());
      std::vector<double> losses;
      const auto trained = data_parallel(d, kind, shards, losses);
      for (std::size_t r = 0; r < shards.size(); ++r) {
        CHECK(trained[r] == trained[0]);  // bit-identical replicas
        CHECK(losses[r] == losses[0]);
      }
      CHECK(relative_error(trained[0], expected) < 1e-12);
      if (shards.size() == 1) CHECK(trained[0] == expected);  // one rank: today's step exactly
    }
  }
}

TEST_CASE("float replicas agree with the float single-process model") {
  const auto d = problem<float>(9);
  std::vector<float> losses;
  const auto trained = data_parallel(d, "adam", {2, 3, 4}, losses);
  CHECK(trained[1] == trained[0]);
  CHECK(trained[2] == trained[0]);
  CHECK(relative_error(trained[0], single_process(d, "adam")) < 1e-4);
}

TEST_CASE("reduce_gradients weights each shard's mean gradient by its rows and returns the batch loss") {
  ThreadGroup group(2);
  std::vector<double> gradient(2), loss(2);
  group.run([&](dist::Communicator& comm) {
    Parameter<double> p(Tensor<double>({1, 1}, 0.0));
    nn::Sgd<double> optimizer({&p}, 1.0);
    dist::DataParallel<double> replicas(comm, optimizer);
    // Rank 0: 1 row, mean gradient 4, loss 10; rank 1: 3 rows, gradient 8, loss 2.
    p.grad[0] = comm.rank() == 0 ? 4.0 : 8.0;
    loss[comm.rank()] = replicas.reduce_gradients(comm.rank() == 0 ? 10.0 : 2.0,
                                                  comm.rank() == 0 ? 1 : 3, 4);
    gradient[comm.rank()] = p.grad[0];
  });
  CHECK(gradient[0] == doctest::Approx((1 * 4.0 + 3 * 8.0) / 4));
  CHECK(gradient[1] == gradient[0]);
  CHECK(loss[0] == doctest::Approx((1 * 10.0 + 3 * 2.0) / 4));
  CHECK(loss[1] == loss[0]);
}

TEST_CASE("an empty shard contributes zero even when its gradient holds garbage") {
  ThreadGroup group(2);
  std::vector<double> gradient(2);
  group.run([&](dist::Communicator& comm) {
    Parameter<double> p(Tensor<double>({1, 1}, 0.0));
    nn::Sgd<double> optimizer({&p}, 1.0);
    dist::DataParallel<double> replicas(comm, optimizer);
    p.grad[0] = comm.rank() == 0 ? 3.0 : std::nan("");
    replicas.reduce_gradients(comm.rank() == 0 ? 1.0 : std::nan(""), comm.rank() == 0 ? 5 : 0, 5);
    gradient[comm.rank()] = p.grad[0];
  });
  CHECK(gradient[0] == 3.0);
  CHECK(gradient[1] == 3.0);
}

TEST_CASE("reduce_gradients rejects a shard larger than its batch and an empty batch") {
  dist::SingleProcess one;
  Parameter<double> p(Tensor<double>({1, 1}, 0.0));
  nn::Sgd<double> optimizer({&p}, 1.0);
  dist::DataParallel<double> replicas(one, optimizer);
  CHECK_THROWS_AS(replicas.reduce_gradients(0.0, 3, 2), std::invalid_argument);
  CHECK_THROWS_AS(replicas.reduce_gradients(0.0, 0, 0), std::invalid_argument);
  CHECK(replicas.replicas_agree());
}

TEST_CASE("replicas_agree compares every rank's values bit for bit") {
  for (const bool perturb : {false, true}) {
    ThreadGroup group(3);
    std::vector<int> agree(3);
    group.run([&](dist::Communicator& comm) {
      nn::Mlp<double> net({4, 3, 1}, nn::Activation::tanh, 5);
      nn::Sgd<double> optimizer(net.parameters(), 0.1);
      dist::DataParallel<double> replicas(comm, optimizer);
      if (perturb && comm.rank() == 2) net.layer(2).b.value[0] += 1e-300;
      agree[comm.rank()] = replicas.replicas_agree();
    });
    CAPTURE(perturb);
    CHECK(agree == std::vector<int>(3, perturb ? 0 : 1));
  }
}

TEST_CASE("lowest_with names the lowest flagged rank; all and same vote on every rank") {
  ThreadGroup group(4);
  std::vector<int> lowest(4), none(4), all(4), same(4), differ(4);
  group.run([&](dist::Communicator& comm) {
    const int r = comm.rank();
    lowest[r] = comm.lowest_with(r == 2 || r == 3);
    none[r] = comm.lowest_with(false);
    all[r] = comm.all(r != 1);
    same[r] = comm.same(42);
    differ[r] = comm.same(r == 3 ? 41 : 42);
  });
  CHECK(lowest == std::vector<int>(4, 2));
  CHECK(none == std::vector<int>(4, -1));
  CHECK(all == std::vector<int>(4, 0));
  CHECK(same == std::vector<int>(4, 1));
  CHECK(differ == std::vector<int>(4, 0));
}

// nn::fit's loop on thread ranks, each holding rows i mod N, through dist::ShardedRows.
TEST_CASE("the training loop on ranks with sharded rows trains the single process's model") {
  const auto all = problem<double>(23);
  const nn::FitOptions options{.epochs = 60, .batch = 5, .clip_norm = 0.5, .seed = 3,
                               .patience = 3, .keep_best = true};
  const auto whole = dist::deal_shard(all, 23, 0.25, 0.0, 8, 0, 1);
  nn::Mlp<double> single({4, 3, 2, 1}, nn::Activation::sigmoid, 1);
  nn::Adam<double> single_adam(single.parameters(), 0.05);
  const auto expected = nn::fit(single, single_adam, whole.train, whole.validation, options);
  REQUIRE(expected.stopped_early);  // random labels: the validation loss turns up, and the ranks must agree when
  REQUIRE(expected.kept_best);

  for (const int ranks : {1, 2, 3}) {
    CAPTURE(ranks);
    ThreadGroup group(ranks);
    std::vector<std::vector<double>> trained(ranks);
    std::vector<nn::FitResult> runs(ranks);
    group.run([&](dist::Communicator& comm) {
      const int r = comm.rank();
      std::vector<std::uint32_t> rows;
      for (std::uint32_t i = r; i < 23; i += ranks) rows.push_back(i);
      nn::Dataset<double> mine;
      nn::gather_rows(all.x, rows, mine.x);
      nn::gather_rows(all.y, rows, mine.y);
      const auto shard = dist::deal_shard(mine, 23, 0.25, 0.0, 8, r, ranks);
      nn::Mlp<double> net({4, 3, 2, 1}, nn::Activation::sigmoid, r == 0 ? 1 : 50 + r);
      nn::Adam<double> adam(net.parameters(), 0.05);
      dist::DataParallel<double> replicas(comm, adam);
      dist::ShardedRows sharded(shard, replicas);
      nn::Trainer<double> trainer(net, adam, shard.train, shard.validation, options, {}, &sharded);
      trainer.run();
      runs[r] = trainer.result();
      trained[r] = values_of(net);
    });
    for (int r = 0; r < ranks; ++r) {
      CAPTURE(r);
      CHECK(trained[r] == trained[0]);  // bit-identical replicas
      CHECK(runs[r].best_epoch == expected.best_epoch);
      REQUIRE(runs[r].history.size() == expected.history.size());
      for (std::size_t k = 0; k < expected.history.size(); ++k) {
        CHECK(runs[r].history[k].train_loss == doctest::Approx(expected.history[k].train_loss).epsilon(1e-12));
        CHECK(runs[r].history[k].val_loss == doctest::Approx(expected.history[k].val_loss).epsilon(1e-12));
        CHECK(runs[r].history[k].val_accuracy == expected.history[k].val_accuracy);
      }
    }
    CHECK(relative_error(trained[0], values_of(single)) < 1e-12);
    if (ranks == 1) CHECK(trained[0] == values_of(single));  // one rank: the plain loop exactly
  }
}
