// Tests for nn::loss: which record each loss makes, its value, and target validation.
#include "nn/losses.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "autograd/autograd.hpp"

using namespace tapegrad;
using nn::Activation;
using nn::LossKind;
using nn::Mlp;

namespace {

// A one-layer network with fixed weights: z = x W + b.
Mlp<double> one_layer(Activation g, std::uint32_t out = 1) {
  Mlp<double> net;
  Tensor<double> W({2, out}, 0.0), b({1, out}, 0.0);
  for (std::uint32_t j = 0; j < out; ++j) {
    W(0, j) = 0.5 + j;
    W(1, j) = -1.0;
    b(0, j) = 0.25 * j;
  }
  net.add(nn::Linear<double>(W, b, g));
  return net;
}

}  // namespace

TEST_CASE("bce on a sigmoid output is computed from the logits and equals the formula of docs/derivation.md") {
  auto net = one_layer(Activation::sigmoid);
  Tape<double> tape;
  const Tensor<double> x{{1, 2}, {-1, 0.5}, {3, -2}};
  const Tensor<double> y{{1}, {0}, {1}};
  const auto out = net.forward(tape.input(x.view()));
  const auto L = nn::loss(LossKind::bce, out, tape.input(y.view()));
  CHECK(L.node().op == Op::binary_cross_entropy_with_logits);
  CHECK(L.node().in[0] == out.z.id());
  CHECK(tape.name(L.id()) == "L");
  double expected = 0;
  for (std::uint32_t i = 0; i < 3; ++i) {
    const double a = out.a.value()[i];
    expected -= (1 - y[i]) * std::log(1 - a) + y[i] * std::log(a);
  }
  CHECK(L.item() == doctest::Approx(expected / 3).epsilon(1e-14));
  const auto S = nn::loss(LossKind::bce, out, tape.input(y.view()), Reduction::sum);
  CHECK(S.item() == doctest::Approx(expected).epsilon(1e-14));
}

TEST_CASE("bce stays finite when the sigmoid saturates") {
  Mlp<double> net;
  net.add(nn::Linear<double>(Tensor<double>{{100.0}}, Tensor<double>{{0.0}}, Activation::sigmoid));
  Tape<double> tape;
  const auto L = nn::loss(LossKind::bce, net.forward(tape.input(Tensor<double>{{1}}.view())),
                          tape.input(Tensor<double>{{0}}.view()));
  CHECK(L.item() == doctest::Approx(100.0));
  tape.backward(L);
  CHECK(net.layer(1).W.grad[0] == doctest::Approx(1.0));
}

TEST_CASE("bce on another output uses the probabilities, which must lie in [0, 1]") {
  auto net = one_layer(Activation::identity);
  Tape<double> tape;
  const auto out = net.forward(tape.input(Tensor<double>{{1, 2}}.view()));
  CHECK_THROWS_WITH_AS(nn::loss(LossKind::bce, out, tape.input(Tensor<double>{{1}}.view())),
                       "binary_cross_entropy: probability -1.5 at (0, 0) is outside [0, 1]",
                       std::invalid_argument);
}

TEST_CASE("half_sse, mse and softmax_ce follow their formulas") {
  Tape<double> tape;
  const Tensor<double> x{{1, 2}, {0.5, -1}};
  SUBCASE("half_sse is the derivation's 1/2 (y - y_hat)^2") {
    auto net = one_layer(Activation::tanh, 2);
    const Tensor<double> y{{0.5, -0.5}, {0, 1}};
    const auto out = net.forward(tape.input(x.view()));
    const auto L = nn::loss(LossKind::half_sse, out, tape.input(y.view()), Reduction::sum);
    CHECK(L.node().op == Op::half_sse);
    double expected = 0;
    for (std::size_t k = 0; k < 4; ++k) expected += 0.5 * (y[k] - out.a.value()[k]) * (y[k] - out.a.value()[k]);
    CHECK(L.item() == doctest::Approx(expected).epsilon(1e-14));
  }
  SUBCASE("mse averages over every element") {
    auto net = one_layer(Activation::identity, 2);
    const Tensor<double> y{{0.5, -0.5}, {0, 1}};
    const auto out = net.forward(tape.input(x.view()));
    const auto L = nn::loss(LossKind::mse, out, tape.input(y.view()));
    double expected = 0;
    for (std::size_t k = 0; k < 4; ++k) expected += (y[k] - out.a.value()[k]) * (y[k] - out.a.value()[k]);
    CHECK(L.item() == doctest::Approx(expected / 4).epsilon(1e-14));
  }
  SUBCASE("softmax_ce takes the identity output as logits") {
    auto net = one_layer(Activation::identity, 3);
    const Tensor<double> y{{0, 1, 0}, {0.25, 0.25, 0.5}};
    const auto out = net.forward(tape.input(x.view()));
    const auto L = nn::loss(LossKind::softmax_ce, out, tape.input(y.view()));
    CHECK(L.node().op == Op::cross_entropy);
    double expected = 0;
    for (std::uint32_t i = 0; i < 2; ++i) {
      double total = 0;
      for (std::uint32_t j = 0; j < 3; ++j) total += std::exp(out.z.value()(i, j));
      for (std::uint32_t j = 0; j < 3; ++j)
        expected -= y(i, j) * std::log(std::exp(out.z.value()(i, j)) / total);
    }
    CHECK(L.item() == doctest::Approx(expected / 2).epsilon(1e-14));
  }
}

TEST_CASE("invalid targets are rejected with the first bad value named") {
  Tape<double> tape;
  SUBCASE("bce targets must lie in [0, 1]") {
    auto net = one_layer(Activation::sigmoid);
    const auto out = net.forward(tape.input(Tensor<double>{{1, 2}, {3, 4}}.view()));
    CHECK_THROWS_WITH_AS(nn::loss(LossKind::bce, out, tape.input(Tensor<double>{{1}, {1.5}}.view())),
                         "bce: target 1.5 at (1, 0) is outside [0, 1]", std::invalid_argument);
    CHECK_THROWS_WITH_AS(nn::loss(LossKind::bce, out, tape.input(Tensor<double>{{-0.5}, {1}}.view())),
                         "bce: target -0.5 at (0, 0) is outside [0, 1]", std::invalid_argument);
    CHECK_THROWS_WITH_AS(nn::loss(LossKind::bce, out, tape.input(Tensor<double>{{1, 0}, {0, 1}}.view())),
                         "bce: targets differ in shape from the output; y_hat is (2, 1), y is (2, 2)",
                         ShapeError);
  }
  SUBCASE("softmax_ce rows must be distributions") {
    auto net = one_layer(Activation::identity, 2);
    const auto out = net.forward(tape.input(Tensor<double>{{1, 2}, {3, 4}}.view()));
    CHECK_THROWS_WITH_AS(
        nn::loss(LossKind::softmax_ce, out, tape.input(Tensor<double>{{1, 0}, {0.5, 0.4}}.view())),
        "softmax_ce: target row 1 sums to 0.9, not 1 (rows are class probabilities, one-hot for "
        "labels)",
        std::invalid_argument);
    CHECK_THROWS_WITH_AS(
        nn::loss(LossKind::softmax_ce, out, tape.input(Tensor<double>{{1.5, -0.5}, {0, 1}}.view())),
        "softmax_ce: target -0.5 at (0, 1) is negative", std::invalid_argument);
  }
  SUBCASE("no loss accepts a NaN target") {
    auto net = one_layer(Activation::identity);
    const auto out = net.forward(tape.input(Tensor<double>{{1, 2}}.view()));
    CHECK_THROWS_WITH_AS(nn::loss(LossKind::mse, out, tape.input(Tensor<double>{{NAN}}.view())),
                         "mse: target nan at (0, 0) is not finite", std::invalid_argument);
  }
}
