// Tests for nn::fit and nn::Trainer: the loop against a hand-written one, stepping, callbacks,
// validation, early stopping, keep_best, schedules, clipping and the errors.
#include "nn/fit.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "autograd/autograd.hpp"

using namespace tapegrad;
using nn::Activation;
using nn::LossKind;

namespace {

// Two noisy clusters, labels 0/1: a problem a small network learns in a few epochs.
template <class T>
nn::Dataset<T> clusters(std::uint32_t rows, std::uint64_t seed, bool flip = false) {
  Generator g(seed);
  nn::Dataset<T> d{Tensor<T>({rows, 2}, T(0)), Tensor<T>({rows, 1}, T(0))};
  for (std::uint32_t i = 0; i < rows; ++i) {
    const bool one = i % 2 == 1;
    d.x(i, 0) = static_cast<T>((one ? 1.0 : -1.0) + 0.7 * g.normal());
    d.x(i, 1) = static_cast<T>((one ? -0.5 : 0.5) + 0.7 * g.normal());
    d.y(i, 0) = static_cast<T>(one != flip ? 1 : 0);
  }
  return d;
}

template <class T>
std::vector<T> values_of(const nn::Mlp<T>& net) {
  std::vector<T> out;
  for (const Parameter<T>* p : net.parameters())
    out.insert(out.end(), p->value.data(), p->value.data() + p->value.size());
  return out;
}

// The mean BCE of the network on (x, y), recorded on a tape of its own.
template <class T>
double loss_of(nn::Mlp<T>& net, const Tensor<T>& x, const Tensor<T>& y) {
  Tape<T> tape;
  return static_cast<double>(nn::loss(LossKind::bce, net.forward(tape.input(x)), tape.input(y)).item());
}

nn::Mlp<double> small_net(std::uint64_t seed = 3) {
  return nn::Mlp<double>({2, 5, 1}, {Activation::tanh, Activation::sigmoid}, seed);
}

}  // namespace

TEST_CASE_TEMPLATE("fit lowers the loss and records one epoch per pass", T, float, double) {
  const auto train = clusters<T>(40, 1);
  nn::Mlp<T> net({2, 5, 1}, {Activation::tanh, Activation::sigmoid}, 3);
  nn::Adam<T> adam(net.parameters(), T(0.05));
  const auto run = nn::fit(net, adam, train, {.epochs = 15, .batch = 8, .loss = LossKind::bce});
  REQUIRE(run.history.size() == 15);
  for (std::uint32_t e = 0; e < 15; ++e) {
    CAPTURE(e);
    CHECK(run.history[e].epoch == e + 1);
    CHECK(run.history[e].lr == doctest::Approx(0.05));
    CHECK(std::isnan(run.history[e].val_loss));  // no validation set
    CHECK(std::isnan(run.history[e].val_accuracy));
    if (e > 0) CHECK(run.history[e].seconds >= run.history[e - 1].seconds);
  }
  CHECK(run.history.back().train_loss < 0.5 * run.history.front().train_loss);
  CHECK(run.history.back().train_accuracy >= 0.9);
  CHECK(run.best_epoch == 0);
  CHECK_FALSE(run.stopped_early);
  CHECK_FALSE(run.kept_best);
  // The recorded figures are those of the trained network on the whole set.
  const double loss_now = loss_of(net, train.x, train.y);
  CHECK(run.history.back().train_loss == doctest::Approx(loss_now).epsilon(1e-5));
}

TEST_CASE("fit's steps are the hand-written loop's, bit for bit") {
  const auto train = clusters<double>(10, 2);
  SUBCASE("full batch, rows in order, sgd") {
    auto net = small_net(), hand = small_net();
    nn::Sgd<double> sgd(net.parameters(), 0.5), hand_sgd(hand.parameters(), 0.5);
    nn::fit(net, sgd, train, {.epochs = 7, .batch = 0, .loss = LossKind::bce, .shuffle = false});
    Tape<double> tape;
    for (int s = 0; s < 7; ++s) {
      tape.clear();
      const auto L = nn::loss(LossKind::bce, hand.forward(tape.input(train.x)), tape.input(train.y));
      hand_sgd.zero_grad();
      tape.backward(L);
      hand_sgd.step();
    }
    CHECK(values_of(net) == values_of(hand));
  }
  SUBCASE("shuffled mini-batches with clipping: the Generator's shuffle, batches of 4, 4, 2") {
    auto net = small_net(), hand = small_net();
    nn::Adam<double> adam(net.parameters(), 0.1), hand_adam(hand.parameters(), 0.1);
    nn::fit(net, adam, train, {.epochs = 3, .batch = 4, .clip_norm = 0.3, .seed = 9});
    Generator g(9);
    std::vector<std::uint32_t> order;
    Tensor<double> x, y;
    Tape<double> tape;
    for (int e = 0; e < 3; ++e) {
      nn::shuffle_indices(order, 10, g);
      for (std::uint32_t first = 0; first < 10; first += 4) {
        const std::span<const std::uint32_t> rows(order.data() + first, std::min(4u, 10 - first));
        nn::gather_rows(train.x, rows, x);
        nn::gather_rows(train.y, rows, y);
        tape.clear();
        const auto L = nn::loss(LossKind::bce, hand.forward(tape.input(x)), tape.input(y));
        hand_adam.zero_grad();
        tape.backward(L);
        nn::clip_grad_norm(hand_adam.parameters(), 0.3);
        hand_adam.step();
      }
    }
    CHECK(values_of(net) == values_of(hand));
  }
}

TEST_CASE("a Trainer stepped one batch or one epoch at a time ends where fit ends") {
  const auto train = clusters<double>(30, 4), validation = clusters<double>(12, 5);
  const nn::FitOptions options{.epochs = 6, .batch = 7, .seed = 11};
  auto whole = small_net();
  nn::Momentum<double> m1(whole.parameters(), 0.2);
  const auto run = nn::fit(whole, m1, train, validation, options);

  auto stepped = small_net();
  nn::Momentum<double> m2(stepped.parameters(), 0.2);
  nn::Trainer<double> trainer(stepped, m2, train, validation, options);
  std::uint64_t calls = 0;
  while (trainer.step()) ++calls;
  CHECK(calls + 1 == 6 * 5);  // 30 rows in batches of 7: 5 steps an epoch; the last returns false
  CHECK(trainer.steps() == 30);
  CHECK(trainer.finished());
  CHECK_FALSE(trainer.step());  // a finished run does nothing
  CHECK(trainer.steps() == 30);
  CHECK(values_of(stepped) == values_of(whole));

  auto by_epoch = small_net();
  nn::Momentum<double> m3(by_epoch.parameters(), 0.2);
  nn::Trainer<double> epochs(by_epoch, m3, train, validation, options);
  std::uint32_t passes = 0;
  while (epochs.run_epoch()) CHECK(epochs.epoch() == ++passes);
  CHECK(epochs.epoch() == 6);
  CHECK(values_of(by_epoch) == values_of(whole));
  REQUIRE(epochs.history().size() == run.history.size());
  for (std::size_t k = 0; k < run.history.size(); ++k) {
    CHECK(epochs.history()[k].train_loss == run.history[k].train_loss);
    CHECK(epochs.history()[k].val_loss == run.history[k].val_loss);
  }
  SUBCASE("another seed shuffles otherwise") {
    auto other = small_net();
    nn::Momentum<double> m4(other.parameters(), 0.2);
    nn::FitOptions reseeded = options;
    reseeded.seed = 12;
    nn::fit(other, m4, train, validation, reseeded);
    CHECK(values_of(other) != values_of(whole));
  }
}

TEST_CASE("batch_x and batch_y hold the rows the last step trained on") {
  const auto train = clusters<double>(10, 2);
  auto net = small_net();
  nn::Sgd<double> sgd(net.parameters(), 0.1);
  nn::Trainer<double> trainer(net, sgd, train, {.epochs = 2, .batch = 4, .seed = 9});
  CHECK(trainer.batch_x().rows() == 0);  // no step yet
  Generator g(9);
  std::vector<std::uint32_t> order;
  nn::shuffle_indices(order, 10, g);
  for (std::uint32_t first = 0; first < 10; first += 4) {
    REQUIRE(trainer.step());
    const std::uint32_t rows = std::min(4u, 10 - first);
    REQUIRE(trainer.batch_x().shape() == Shape{rows, 2});
    REQUIRE(trainer.batch_y().shape() == Shape{rows, 1});
    for (std::uint32_t i = 0; i < rows; ++i) {
      CHECK(trainer.batch_x()(i, 0) == train.x(order[first + i], 0));
      CHECK(trainer.batch_x()(i, 1) == train.x(order[first + i], 1));
      CHECK(trainer.batch_y()(i, 0) == train.y(order[first + i], 0));
    }
  }
}

TEST_CASE("callbacks see every step and every epoch, in order") {
  const auto train = clusters<double>(10, 6), validation = clusters<double>(6, 7);
  auto net = small_net();
  nn::Sgd<double> sgd(net.parameters(), 0.3);
  std::vector<nn::StepRecord> steps;
  std::vector<nn::EpochRecord> epochs;
  std::vector<std::uint64_t> steps_at_epoch;
  const nn::Callbacks<double> callbacks{
      .on_step = [&](nn::Trainer<double>&, const nn::StepRecord& r) { steps.push_back(r); },
      .on_epoch =
          [&](nn::Trainer<double>& t, const nn::EpochRecord& r) {
            epochs.push_back(r);
            steps_at_epoch.push_back(t.steps());
            CHECK(t.history().size() == r.epoch);
          }};
  // The first batch's loss, before any update: rows 0..3 in order.
  const std::vector<std::uint32_t> first_rows{0, 1, 2, 3};
  Tensor<double> x, y;
  nn::gather_rows(train.x, first_rows, x);
  nn::gather_rows(train.y, first_rows, y);
  const double first_loss = loss_of(net, x, y);

  const auto run = nn::fit(net, sgd, train, validation,
                           {.epochs = 3, .batch = 4, .shuffle = false}, callbacks);
  REQUIRE(steps.size() == 9);
  const std::uint32_t rows[] = {4, 4, 2};
  for (std::size_t k = 0; k < steps.size(); ++k) {
    CAPTURE(k);
    CHECK(steps[k].step == k + 1);
    CHECK(steps[k].epoch == k / 3 + 1);
    CHECK(steps[k].batch == k % 3 + 1);
    CHECK(steps[k].rows == rows[k % 3]);
    CHECK(steps[k].lr == 0.3);
  }
  CHECK(steps[0].loss == doctest::Approx(first_loss).epsilon(1e-14));
  REQUIRE(epochs.size() == 3);
  CHECK(steps_at_epoch == std::vector<std::uint64_t>{3, 6, 9});
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(epochs[k].epoch == k + 1);
    CHECK(epochs[k].val_loss == run.history[k].val_loss);
    CHECK(std::isfinite(epochs[k].val_loss));  // the validation set is measured each epoch
  }
}

TEST_CASE("a callback can stop training: after an epoch, or in the middle of one") {
  const auto train = clusters<double>(12, 8);
  SUBCASE("on_epoch stops after epoch 3 of 10") {
    auto net = small_net();
    nn::Sgd<double> sgd(net.parameters(), 0.3);
    const auto run = nn::fit(net, sgd, train, {.epochs = 10, .batch = 5},
                             {.on_epoch = [](nn::Trainer<double>& t, const nn::EpochRecord& r) {
                               if (r.epoch == 3) t.stop();
                             }});
    CHECK(run.history.size() == 3);
    CHECK(run.stopped_early);
  }
  SUBCASE("on_step stops at the 5th step: epoch 2 is cut short and not recorded") {
    auto net = small_net();
    nn::Sgd<double> sgd(net.parameters(), 0.3);
    nn::Trainer<double> trainer(net, sgd, train, {.epochs = 10, .batch = 5},
                                {.on_step = [](nn::Trainer<double>& t, const nn::StepRecord& r) {
                                  if (r.step == 5) t.stop();
                                }});
    const auto& history = trainer.run();
    CHECK(trainer.steps() == 5);  // 3 steps an epoch: epoch 1, then 2 of epoch 2
    CHECK(history.size() == 1);
    CHECK(trainer.finished());
    CHECK(trainer.result().stopped_early);
  }
  SUBCASE("stop() between steps ends the run at once") {
    auto net = small_net();
    nn::Sgd<double> sgd(net.parameters(), 0.3);
    nn::Trainer<double> trainer(net, sgd, train, {.epochs = 10, .batch = 5});
    trainer.step();
    const auto before = values_of(net);
    trainer.stop();
    CHECK(trainer.finished());
    CHECK_FALSE(trainer.step());
    CHECK(values_of(net) == before);
  }
}

TEST_CASE("early stopping: patience epochs without a lower validation loss end the run") {
  // Validation labels are the training labels flipped: the better the fit, the
  // worse the validation loss, so the best epoch is an early one.
  const auto train = clusters<double>(40, 9), validation = clusters<double>(20, 10, true);
  auto net = small_net();
  nn::Adam<double> adam(net.parameters(), 0.05);
  std::vector<std::vector<double>> weights;  // after each epoch
  const auto run = nn::fit(
      net, adam, train, validation, {.epochs = 100, .batch = 8, .patience = 4, .keep_best = true},
      {.on_epoch = [&](nn::Trainer<double>& t, const nn::EpochRecord&) {
        weights.push_back(values_of(t.net()));
      }});
  REQUIRE(run.best_epoch >= 1);
  CHECK(run.stopped_early);
  CHECK(run.history.size() == run.best_epoch + 4);
  CHECK(run.best_val_loss == run.history[run.best_epoch - 1].val_loss);
  for (const auto& r : run.history) CHECK(r.val_loss >= run.best_val_loss);
  SUBCASE("keep_best leaves the best epoch's weights") {
    CHECK(run.kept_best);
    CHECK(values_of(net) == weights[run.best_epoch - 1]);
    CHECK(values_of(net) != weights.back());
  }
  SUBCASE("without keep_best the last epoch's weights stay") {
    auto again = small_net();
    nn::Adam<double> adam2(again.parameters(), 0.05);
    const auto last = nn::fit(again, adam2, train, validation,
                              {.epochs = 100, .batch = 8, .patience = 4});
    CHECK(last.history.size() == run.history.size());
    CHECK_FALSE(last.kept_best);
    CHECK(values_of(again) == weights.back());
  }
  SUBCASE("min_delta: small gains do not reset the count") {
    auto again = small_net();
    nn::Adam<double> adam2(again.parameters(), 0.05);
    const auto strict = nn::fit(again, adam2, train, validation,
                                {.epochs = 100, .batch = 8, .patience = 4, .min_delta = 1e9});
    CHECK(strict.history.size() == 5);  // epoch 1 is the best; nothing after it counts
    CHECK(strict.best_epoch == 1);
  }
}

TEST_CASE("a schedule sets the learning rate of each epoch") {
  const auto train = clusters<double>(10, 12);
  auto net = small_net();
  nn::Sgd<double> sgd(net.parameters(), 123.0);  // replaced by the schedule
  const nn::LrSchedule schedule{.kind = nn::ScheduleKind::cosine, .alpha = 0.2, .warmup = 2, .epochs = 8};
  const auto run = nn::fit(net, sgd, train, {.epochs = 8, .batch = 4, .schedule = schedule});
  REQUIRE(run.history.size() == 8);
  for (std::uint32_t e = 0; e < 8; ++e) CHECK(run.history[e].lr == schedule.at(e));
}

TEST_CASE("with clip_norm every step's gradient is at most that norm") {
  const auto train = clusters<double>(16, 13);
  auto net = small_net();
  nn::Sgd<double> sgd(net.parameters(), 0.5);
  int clipped = 0;
  nn::fit(net, sgd, train, {.epochs = 4, .batch = 4, .clip_norm = 0.05},
          {.on_step = [&](nn::Trainer<double>& t, const nn::StepRecord&) {
            double sum = 0;
            for (const Parameter<double>* p : t.optimizer().parameters())
              for (std::size_t k = 0; k < p->grad.size(); ++k) sum += p->grad[k] * p->grad[k];
            CHECK(std::sqrt(sum) <= 0.05 * (1 + 1e-12));
            clipped += std::sqrt(sum) > 0.049;
          }});
  CHECK(clipped > 0);  // the bound was reached, so clipping really ran
}

TEST_CASE("evaluate measures a set's mean loss and accuracy; an empty set gives NaN") {
  const auto train = clusters<double>(10, 14);
  auto net = small_net();
  nn::Sgd<double> sgd(net.parameters(), 0.1);
  nn::Trainer<double> trainer(net, sgd, train, {.epochs = 1});
  const auto e = trainer.evaluate(train);
  CHECK(e.rows == 10);
  CHECK(e.loss == doctest::Approx(loss_of(net, train.x, train.y)).epsilon(1e-14));
  CHECK(e.accuracy == nn::accuracy(net.predict(train.x), train.y));
  const auto none = trainer.evaluate(nn::Dataset<double>{});
  CHECK(none.rows == 0);
  CHECK(std::isnan(none.loss));
  CHECK(std::isnan(none.accuracy));
}

TEST_CASE("zero epochs train nothing") {
  const auto train = clusters<double>(10, 15);
  auto net = small_net();
  const auto before = values_of(net);
  nn::Sgd<double> sgd(net.parameters(), 0.1);
  nn::Trainer<double> trainer(net, sgd, train, {.epochs = 0});
  CHECK(trainer.finished());
  CHECK_FALSE(trainer.step());
  CHECK(trainer.history().empty());
  CHECK(values_of(net) == before);
}

TEST_CASE("options and data that cannot run are refused before any step") {
  const auto train = clusters<double>(10, 16);
  auto net = small_net();
  nn::Sgd<double> sgd(net.parameters(), 0.1);
  CHECK_THROWS_WITH_AS(nn::fit(net, sgd, train, {.patience = 3}),
                       "fit: patience needs a validation set, and it has no rows",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::fit(net, sgd, train, {.keep_best = true}),
                       "fit: keep_best needs a validation set, and it has no rows",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::fit(net, sgd, train, {.clip_norm = -1}),
                       "fit: clip_norm is -1; expected >= 0 (0: no clipping)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::fit(net, sgd, train, {.min_delta = NAN}),
                       "fit: min_delta is nan; expected >= 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::fit(net, sgd, train, {.schedule = nn::LrSchedule{.alpha = 0}}),
                       "schedule: learning rate is 0; expected > 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::fit(net, sgd, nn::Dataset<double>{}, {}),
                       "fit: the training set has no rows", std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      nn::fit(net, sgd, nn::Dataset<double>{Tensor<double>({4, 3}, 0.0), Tensor<double>({4, 1}, 0.0)}, {}),
      "fit: x does not fit the network's 2 inputs; train x is (4, 3), W^[1] is (2, 5)", ShapeError);
  CHECK_THROWS_WITH_AS(
      nn::fit(net, sgd, train, nn::Dataset<double>{Tensor<double>({4, 2}, 0.0), Tensor<double>({4, 2}, 0.0)}, {}),
      "fit: y does not fit the network's 1 outputs; validation y is (4, 2), W^[2] is (5, 1)",
      ShapeError);
  CHECK_THROWS_WITH_AS(
      nn::fit(net, sgd, nn::Dataset<double>{Tensor<double>({4, 2}, 0.0), Tensor<double>({3, 1}, 0.0)}, {}),
      "fit: x and y have different row counts; train x is (4, 2), train y is (3, 1)", ShapeError);
  nn::Mlp<double> empty;
  nn::Sgd<double> none(empty.parameters(), 0.1);
  CHECK_THROWS_WITH_AS(nn::fit(empty, none, train, {}), "fit: the network has no layers",
                       std::invalid_argument);
  CHECK(values_of(net) == values_of(small_net()));  // nothing was trained
}

// A Trainer keeps references to its data sets: made from a temporary, it would dangle.
static_assert(std::is_constructible_v<nn::Trainer<double>, nn::Mlp<double>&, nn::Optimizer<double>&,
                                      const nn::Dataset<double>&, const nn::FitOptions&>);
static_assert(!std::is_constructible_v<nn::Trainer<double>, nn::Mlp<double>&, nn::Optimizer<double>&,
                                       nn::Dataset<double>&&, const nn::FitOptions&>);
static_assert(!std::is_constructible_v<nn::Trainer<double>, nn::Mlp<double>&, nn::Optimizer<double>&,
                                       const nn::Dataset<double>&, nn::Dataset<double>&&,
                                       const nn::FitOptions&>);
