// Tests for the losses: hand-computed values, gradients, extremes, errors.
#include "autograd/loss.hpp"

#include <cmath>

#include "autograd/activation.hpp"
#include "gradcheck_helpers.hpp"

using namespace tapegrad;
using tapegrad::testing::check_gradients;
using tapegrad::testing::random;
using Args = std::span<const Var<double>>;

TEST_CASE("losses match hand-computed values for both reductions") {
  Tape<double> tape;
  auto p = tape.constant(Tensor<double>{{0.8}, {0.4}});
  auto y = tape.constant(Tensor<double>{{1.0}, {0.0}});
  const double l0 = -std::log(0.8), l1 = -std::log(0.6);
  CHECK(binary_cross_entropy(p, y).item() == doctest::Approx((l0 + l1) / 2).epsilon(1e-15));
  CHECK(binary_cross_entropy(p, y, Reduction::sum).item() == doctest::Approx(l0 + l1).epsilon(1e-15));
  CHECK(half_sse(p, y, Reduction::sum).item() == doctest::Approx(0.5 * (0.04 + 0.16)).epsilon(1e-15));
  CHECK(mse(p, y).item() == doctest::Approx((0.04 + 0.16) / 2).epsilon(1e-15));

  auto z = tape.constant(Tensor<double>{{2.0}, {-1.0}});
  const double s0 = 1 / (1 + std::exp(-2.0)), s1 = 1 / (1 + std::exp(1.0));
  CHECK(binary_cross_entropy_with_logits(z, y).item() ==
        doctest::Approx((-std::log(s0) - std::log(1 - s1)) / 2).epsilon(1e-14));

  auto logits = tape.constant(Tensor<double>{{1, 2, 3}});
  auto onehot = tape.constant(Tensor<double>{{0, 0, 1}});
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  CHECK(cross_entropy(logits, onehot).item() == doctest::Approx(lse - 3).epsilon(1e-14));
}

TEST_CASE("mse averages over every element, the per-sample losses over rows") {
  Tape<double> tape;
  auto a = tape.constant(Tensor<double>{{1, 2}, {3, 4}});
  auto y = tape.constant(Tensor<double>{{0, 0}, {0, 0}});
  CHECK(mse(a, y).item() == doctest::Approx(30.0 / 4));
  CHECK(mse(a, y, Reduction::sum).item() == doctest::Approx(30.0 / 2));
  CHECK(half_sse(a, y).item() == doctest::Approx(30.0 / 2 / 2));
}

TEST_CASE("BCE with logits has the derivation's gradient a - y") {
  Tape<double> tape;
  auto z = tape.variable(Tensor<double>{{0.3, -1.2}});
  auto y = tape.constant(Tensor<double>{{1.0, 0.0}});
  tape.backward(binary_cross_entropy_with_logits(z, y, Reduction::sum));
  CHECK(z.grad()[0] == doctest::Approx(sigmoid_value(0.3) - 1.0).epsilon(1e-15));
  CHECK(z.grad()[1] == doctest::Approx(sigmoid_value(-1.2)).epsilon(1e-15));
}

TEST_CASE("logit losses stay exact and finite at +-1000") {
  Tape<double> tape;
  auto z = tape.variable(Tensor<double>{{1000, -1000}});
  auto y = tape.constant(Tensor<double>{{0, 0}});
  auto L = binary_cross_entropy_with_logits(z, y, Reduction::sum);
  CHECK(L.item() == 1000.0);
  tape.backward(L);
  CHECK(z.grad()[0] == 1.0);
  CHECK(z.grad()[1] == 0.0);

  Tape<double> t2;
  auto logits = t2.variable(Tensor<double>{{1000, -1000, 0}});
  auto onehot = t2.constant(Tensor<double>{{0, 1, 0}});
  auto ce = cross_entropy(logits, onehot);
  CHECK(ce.item() == 2000.0);
  t2.backward(ce);
  CHECK(Tensor<double>(logits.grad()) == Tensor<double>{{1, -1, 0}});
}

TEST_CASE("BCE on probabilities clamps its logs at -100") {
  Tape<double> tape;
  auto p = tape.variable(Tensor<double>{{0.0, 1.0}});
  auto y = tape.constant(Tensor<double>{{1.0, 0.0}});
  auto L = binary_cross_entropy(p, y, Reduction::sum);
  CHECK(L.item() == 200.0);
  tape.backward(L);
  CHECK(std::isfinite(p.grad()[0]));
  CHECK(std::isfinite(p.grad()[1]));
}

TEST_CASE("losses pass a finite-difference check in both arguments and reductions") {
  Generator g(21);
  for (Shape s : {Shape{1, 1}, Shape{1, 3}, Shape{4, 1}, Shape{4, 3}}) {
    for (Reduction r : {Reduction::mean, Reduction::sum}) {
      CAPTURE(s);
      const std::vector<Tensor<double>> probs{random(s, g, 0.1, 0.9), random(s, g, 0.05, 0.95)};
      const std::vector<Tensor<double>> reals{random(s, g, -3, 3), random(s, g, 0.05, 0.95)};
      check_gradients([r](Tape<double>&, Args v) { return binary_cross_entropy(v[0], v[1], r); }, probs);
      check_gradients([r](Tape<double>&, Args v) { return binary_cross_entropy_with_logits(v[0], v[1], r); }, reals);
      check_gradients([r](Tape<double>&, Args v) { return mse(v[0], v[1], r); }, reals);
      check_gradients([r](Tape<double>&, Args v) { return half_sse(v[0], v[1], r); }, reals);
      check_gradients([r](Tape<double>&, Args v) { return cross_entropy(v[0], v[1], r); }, reals);
    }
  }
}

TEST_CASE("loss errors name the op, the shapes and bad targets") {
  Tape<double> tape;
  auto p = tape.constant(Tensor<double>{{0.5, 0.5}});
  auto y3 = tape.constant(Tensor<double>{{1, 0, 1}});
  CHECK_THROWS_WITH_AS(binary_cross_entropy(p, y3), "binary_cross_entropy: shapes differ; p is (1, 2), y is (1, 3)", ShapeError);
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(p, y3), "bce_with_logits: shapes differ; z is (1, 2), y is (1, 3)", ShapeError);
  CHECK_THROWS_WITH_AS(mse(p, y3), "mse: shapes differ; a is (1, 2), y is (1, 3)", ShapeError);
  CHECK_THROWS_WITH_AS(half_sse(p, y3), "half_sse: shapes differ; a is (1, 2), y is (1, 3)", ShapeError);
  CHECK_THROWS_WITH_AS(cross_entropy(p, y3), "cross_entropy: shapes differ; z is (1, 2), y is (1, 3)", ShapeError);
  auto bad = tape.constant(Tensor<double>{{0.5, 1.5}});
  CHECK_THROWS_WITH_AS(binary_cross_entropy(p, bad), "binary_cross_entropy: target 1.5 at (0, 1) is outside [0, 1]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(p, bad), "bce_with_logits: target 1.5 at (0, 1) is outside [0, 1]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(binary_cross_entropy(bad, p), "binary_cross_entropy: probability 1.5 at (0, 1) is outside [0, 1]", std::invalid_argument);
}
