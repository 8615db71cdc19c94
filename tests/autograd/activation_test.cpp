// Tests for activations: values, the +-1000 extremes, gradients, softmax rows.
#include "autograd/activation.hpp"

#include <cmath>

#include "gradcheck_helpers.hpp"

using namespace tapegrad;
using tapegrad::testing::check_gradients;
using tapegrad::testing::random;
using tapegrad::testing::test_shapes;
using tapegrad::testing::weighted_sum;
using Args = std::span<const Var<double>>;

TEST_CASE("sigmoid is the logistic 1 / (1 + e^-z), not the sign typo 1 / (1 - e^-z)") {
  Tape<double> tape;
  auto z = tape.variable(Tensor<double>{{0.0, 1.0, -2.0}});
  auto a = sigmoid(z);
  CHECK(a.value()[0] == 0.5);
  CHECK(a.value()[1] == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))).epsilon(1e-15));
  CHECK(a.value()[2] == doctest::Approx(1.0 / (1.0 + std::exp(2.0))).epsilon(1e-15));
  tape.backward(sum(a));
  // da/dz = a (1 - a)
  CHECK(z.grad()[0] == 0.25);
  CHECK(z.grad()[1] == doctest::Approx(a.value()[1] * (1 - a.value()[1])).epsilon(1e-15));
}

TEST_CASE_TEMPLATE("activations stay finite and exact at z = +-1000", T, float, double) {
  Tape<T> tape;
  auto z = tape.variable(Tensor<T>{{-1000, 1000}});
  SUBCASE("sigmoid") {
    auto a = sigmoid(z);
    CHECK(a.value()[0] == T(0));
    CHECK(a.value()[1] == T(1));
    tape.backward(sum(a));
    CHECK(z.grad()[0] == T(0));
    CHECK(z.grad()[1] == T(0));
  }
  SUBCASE("tanh") {
    auto a = tanh(z);
    CHECK(a.value()[0] == T(-1));
    tape.backward(sum(a));
    CHECK(z.grad()[1] == T(0));
  }
  SUBCASE("log_softmax") {
    auto a = log_softmax(z);
    CHECK(a.value()[0] == T(-2000));
    CHECK(a.value()[1] == T(0));
    tape.backward(sum(a * 1.0));
    CHECK(std::isfinite(z.grad()[0]));
    CHECK(z.grad()[0] == T(1));
    CHECK(z.grad()[1] == T(-1));
  }
  SUBCASE("softmax") {
    auto a = softmax(z);
    CHECK(a.value()[0] == T(0));
    CHECK(a.value()[1] == T(1));
    tape.backward(sum(a * a));
    CHECK(std::isfinite(z.grad()[0]));
    CHECK(std::isfinite(z.grad()[1]));
  }
}

TEST_CASE("softmax rows sum to one and log_softmax is its log") {
  Tape<double> tape;
  auto z = tape.constant(Tensor<double>{{1, 2, 3}, {0, 0, 0}});
  auto p = softmax(z);
  auto lp = log_softmax(z);
  for (std::uint32_t i = 0; i < 2; ++i) {
    CHECK(p.value()(i, 0) + p.value()(i, 1) + p.value()(i, 2) == doctest::Approx(1.0));
    for (std::uint32_t j = 0; j < 3; ++j)
      CHECK(std::log(p.value()(i, j)) == doctest::Approx(lp.value()(i, j)));
  }
  CHECK(p.value()(1, 2) == doctest::Approx(1.0 / 3));
}

TEST_CASE("relu passes positive values and blocks negative ones") {
  Tape<double> tape;
  auto z = tape.variable(Tensor<double>{{-1.5, 0.0, 2.5}});
  auto a = relu(z);
  CHECK(Tensor<double>(a.value()) == Tensor<double>{{0.0, 0.0, 2.5}});
  tape.backward(sum(a));
  CHECK(Tensor<double>(z.grad()) == Tensor<double>{{0.0, 0.0, 1.0}});
}

TEST_CASE("activations pass a finite-difference check on every shape") {
  Generator g(5);
  for (Shape s : test_shapes()) {
    CAPTURE(s);
    const std::vector<Tensor<double>> in{random(s, g, -3.0, 3.0)};
    SUBCASE("sigmoid") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(sigmoid(v[0])); }, in); }
    SUBCASE("tanh") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(tanh(v[0])); }, in); }
    SUBCASE("softmax") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(softmax(v[0])); }, in); }
    SUBCASE("log_softmax") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(log_softmax(v[0])); }, in); }
    SUBCASE("relu away from the kink") {
      Tensor<double> x = random(s, g, 0.2, 2.0);
      for (std::size_t k = 0; k < x.size(); k += 2) x[k] = -x[k];
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(relu(v[0])); }, {x});
    }
  }
}

TEST_CASE("sigmoid gradients at +-1000 match finite differences") {
  const std::vector<Tensor<double>> in{Tensor<double>{{-1000, 1000, -30, 30}}};
  check_gradients([](Tape<double>&, Args v) { return weighted_sum(sigmoid(v[0])); }, in);
  check_gradients([](Tape<double>&, Args v) { return weighted_sum(log_softmax(v[0])); }, in);
}
