// Tests for the training helpers: schedules against PyTorch's, early stopping, three-way splits.
#include "nn/training.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <set>
#include <vector>

#include "nn/dataset.hpp"

using namespace tapegrad;

namespace {

std::vector<double> rates(const nn::LrSchedule& s, std::uint32_t epochs) {
  std::vector<double> out;
  for (std::uint32_t e = 0; e < epochs; ++e) out.push_back(s.at(e));
  return out;
}

void check_rates(const std::vector<double>& got, const std::vector<double>& torch) {
  REQUIRE(got.size() == torch.size());
  for (std::size_t e = 0; e < got.size(); ++e) {
    CAPTURE(e);
    CHECK(got[e] == doctest::Approx(torch[e]).epsilon(1e-14));
  }
}

}  // namespace

// Expected rates: PyTorch 1.13's schedulers on SGD(lr=0.1), read before each epoch's step.
TEST_CASE("step and cosine schedules give StepLR's and CosineAnnealingLR's rates") {
  nn::LrSchedule s;
  s.alpha = 0.1;
  s.epochs = 10;
  SUBCASE("constant") { check_rates(rates(s, 3), {0.1, 0.1, 0.1}); }
  SUBCASE("step: StepLR(step_size=3, gamma=0.5)") {
    s.kind = nn::ScheduleKind::step;
    s.step_size = 3;
    s.gamma = 0.5;
    check_rates(rates(s, 10), {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125});
  }
  SUBCASE("cosine: CosineAnnealingLR(T_max=10, eta_min=0.01)") {
    s.kind = nn::ScheduleKind::cosine;
    s.min_alpha = 0.01;
    check_rates(rates(s, 10), {0.1, 0.09779754323328192, 0.09140576474687263, 0.08145033635316129,
                               0.06890576474687264, 0.05500000000000001, 0.04109423525312737,
                               0.028549663646838717, 0.01859423525312737, 0.012202456766718092});
  }
}

TEST_CASE("a linear warm-up precedes the schedule, as SequentialLR([LinearLR, ...], [warmup])") {
  nn::LrSchedule s;
  s.alpha = 0.1;
  s.epochs = 10;
  s.warmup = 3;
  SUBCASE("then cosine over the 7 epochs left") {
    s.kind = nn::ScheduleKind::cosine;
    check_rates(rates(s, 10), {0.03333333333333333, 0.06666666666666667, 0.1, 0.1,
                               0.09504844339512096, 0.08117449009293669, 0.061126046697815725,
                               0.03887395330218429, 0.018825509907063328, 0.004951556604879048});
  }
  SUBCASE("then step") {
    s.kind = nn::ScheduleKind::step;
    s.step_size = 2;
    s.gamma = 0.5;
    check_rates(rates(s, 10), {0.03333333333333333, 0.06666666666666667, 0.1, 0.1, 0.1, 0.05, 0.05,
                               0.025, 0.025, 0.0125});
  }
}

TEST_CASE("schedules that cannot run are refused, and names parse") {
  nn::LrSchedule s;
  s.kind = nn::ScheduleKind::step;
  s.step_size = 0;
  CHECK_THROWS_WITH_AS(s.check(), "schedule: step size is 0; expected >= 1", std::invalid_argument);
  s.step_size = 1;
  s.gamma = 1.5;
  CHECK_THROWS_WITH_AS(s.check(), "schedule: gamma is 1.5; expected 0 < gamma <= 1",
                       std::invalid_argument);
  s = {};
  s.kind = nn::ScheduleKind::cosine;
  s.epochs = 5;
  s.warmup = 5;
  CHECK_THROWS_WITH_AS(s.check(), "schedule: 5 warm-up epochs leave none of 5 for the cosine",
                       std::invalid_argument);
  s = {};
  s.alpha = 0;
  CHECK_THROWS_WITH_AS(s.check(), "schedule: learning rate is 0; expected > 0",
                       std::invalid_argument);
  CHECK(nn::parse_schedule("cosine") == nn::ScheduleKind::cosine);
  CHECK(nn::parse_schedule("step") == nn::ScheduleKind::step);
  CHECK_FALSE(nn::parse_schedule("linear"));
}

TEST_CASE("early stopping waits `patience` epochs without a lower loss, and keeps the best") {
  nn::EarlyStopping stop(2);
  CHECK(stop.observe(1, 1.0));
  CHECK(stop.observe(2, 0.5));
  CHECK_FALSE(stop.observe(3, 0.6));
  CHECK_FALSE(stop.should_stop());
  CHECK(stop.observe(4, 0.4));  // an improvement resets the count
  CHECK_FALSE(stop.observe(5, 0.4));
  CHECK_FALSE(stop.should_stop());
  CHECK_FALSE(stop.observe(6, NAN));  // a NaN loss is no improvement
  CHECK(stop.should_stop());
  CHECK(stop.best_epoch() == 4);
  CHECK(stop.best_loss() == 0.4);
  SUBCASE("patience 0 never stops, but still tracks the best") {
    nn::EarlyStopping never;
    for (std::uint32_t e = 1; e <= 100; ++e) never.observe(e, 1.0 + e);
    CHECK_FALSE(never.should_stop());
    CHECK(never.best_epoch() == 1);
  }
  SUBCASE("min_delta: smaller gains do not count") {
    nn::EarlyStopping delta(1, 0.1);
    CHECK(delta.observe(1, 1.0));
    CHECK_FALSE(delta.observe(2, 0.95));
    CHECK(delta.should_stop());
  }
}

TEST_CASE("train_val_test_split deals disjoint parts; its test part is train_test_split's") {
  nn::Dataset<double> d{Tensor<double>({100, 1}, 0.0), Tensor<double>({100, 1}, 0.0)};
  for (std::uint32_t i = 0; i < 100; ++i) d.x(i, 0) = d.y(i, 0) = i;
  const auto s = nn::train_val_test_split(d, 0.15, 0.2, 7);
  CHECK(s.train.size() == 65);
  CHECK(s.validation.size() == 15);
  CHECK(s.test.size() == 20);
  std::set<double> seen;
  for (const auto* part : {&s.train, &s.validation, &s.test})
    for (std::uint32_t i = 0; i < part->size(); ++i) {
      CHECK(part->x(i, 0) == part->y(i, 0));
      seen.insert(part->x(i, 0));
    }
  CHECK(seen.size() == 100);
  CHECK(s.test.x == nn::train_test_split(d, 0.2, 7).test.x);
  SUBCASE("a zero fraction gives an empty part") {
    const auto none = nn::train_val_test_split(d, 0.0, 0.0, 7);
    CHECK(none.train.size() == 100);
    CHECK(none.validation.size() == 0);
  }
  SUBCASE("impossible splits are refused") {
    nn::Dataset<double> three{Tensor<double>({3, 1}, 0.0), Tensor<double>({3, 1}, 0.0)};
    CHECK_THROWS_WITH_AS(nn::train_val_test_split(three, 0.1, 0.0, 1),
                         "train_val_test_split: validation fraction 0.1 of 3 samples is no sample",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(
        nn::train_val_test_split(three, 0.4, 0.5, 1),
        "train_val_test_split: 2 test and 1 validation samples leave none of 3 to train on",
        std::invalid_argument);
    CHECK_THROWS_AS(nn::train_val_test_split(d, 1.0, 0.0, 1), std::invalid_argument);
  }
}

TEST_CASE("a history prints as CSV, one row per epoch, validation fields empty without one") {
  const nn::History history{{1, 0.5, NAN, 0.75, NAN, 0.01, 0.0123},
                            {2, 0.1 + 0.2, 0.25, 1.0, 0.5, 0.005, 1.5}};
  CHECK(nn::format_history_csv(history) ==
        "epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr,seconds\n"
        "1,0.5,,0.75,,0.01,0.012\n"
        "2,0.30000000000000004,0.25,1,0.5,0.005,1.500\n");
  CHECK(nn::format_history_csv({}) ==
        "epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr,seconds\n");
}
