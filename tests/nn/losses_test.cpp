// Tests for nn::loss: which record each loss makes, its value, and target validation.
#include "nn/losses.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "autograd/autograd.hpp"
#include "autograd/gradcheck.hpp"

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

TEST_CASE("softmax_ce takes a column of class indices, as one-hot rows (PyTorch's target form)") {
  auto net = one_layer(Activation::identity, 3);
  const Tensor<double> x{{1, 2}, {0.5, -1}, {-2, 0.25}};
  const Tensor<double> index{{2}, {0}, {1}};
  const Tensor<double> one_hot{{0, 0, 1}, {1, 0, 0}, {0, 1, 0}};
  for (const Reduction r : {Reduction::mean, Reduction::sum}) {
    Tape<double> tape;
    const auto out = net.forward(tape.input(x.view()));
    const double by_index = nn::loss(LossKind::softmax_ce, out, tape.input(index.view()), r).item();
    const double by_one_hot = nn::loss(LossKind::softmax_ce, out, tape.input(one_hot.view()), r).item();
    CHECK(by_index == by_one_hot);
  }
  SUBCASE("its gradient matches finite differences in the logits") {
    const auto report = gradcheck(
        [&](Tape<double>& tape, std::span<const Var<double>> in) {
          return nn::loss(LossKind::softmax_ce, {in[0], in[0], Activation::identity},
                          tape.input(index.view()));
        },
        std::vector<Tensor<double>>{Tensor<double>{{0.3, -1.2, 2.0}, {1.5, 0.1, -0.4}, {-0.7, 0.9, 0.2}}});
    CAPTURE(fmt::format("{}", report));
    CHECK(report.passed());
    CHECK(report.inputs[0].max_abs < 1e-8);
  }
  SUBCASE("an index that is no class is named with its row") {
    Tape<double> tape;
    const auto out = net.forward(tape.input(x.view()));
    CHECK_THROWS_WITH_AS(nn::loss(LossKind::softmax_ce, out, tape.input(Tensor<double>{{2}, {3}, {0}}.view())),
                         "softmax_ce: target 3 in row 1 is not a class index 0..2", std::invalid_argument);
    CHECK_THROWS_WITH_AS(nn::loss(LossKind::softmax_ce, out, tape.input(Tensor<double>{{2}, {0.5}, {0}}.view())),
                         "softmax_ce: target 0.5 in row 1 is not a class index 0..2", std::invalid_argument);
  }
}

TEST_CASE("loss rejects the loss/activation pairs the model format rejects, with its message") {
  Tape<double> tape;
  const Tensor<double> x{{1, 2}};
  SUBCASE("bce needs a sigmoid output") {
    auto net = one_layer(Activation::relu);
    const auto out = net.forward(tape.input(x.view()));
    CHECK_THROWS_WITH_AS(nn::loss(LossKind::bce, out, tape.input(Tensor<double>{{1}}.view())),
                         "loss bce needs a sigmoid last layer, but the output activation is relu",
                         std::invalid_argument);
  }
  SUBCASE("softmax_ce needs an identity output") {
    auto net = one_layer(Activation::sigmoid, 2);
    const auto out = net.forward(tape.input(x.view()));
    CHECK_THROWS_WITH_AS(nn::loss(LossKind::softmax_ce, out, tape.input(Tensor<double>{{1, 0}}.view())),
                         "loss softmax_ce applies its own softmax and needs an identity last layer, "
                         "but the output activation is sigmoid",
                         std::invalid_argument);
  }
  SUBCASE("the same check names the model file's layer") {
    CHECK_THROWS_WITH_AS(nn::check_loss_activation(LossKind::bce, Activation::tanh, "layers[2].activation"),
                         "loss bce needs a sigmoid last layer, but layers[2].activation is tanh",
                         std::invalid_argument);
    CHECK_NOTHROW(nn::check_loss_activation(LossKind::mse, Activation::tanh, "x"));
  }
}
