// Tests for the hand derivation and the check: autodiff, docs/derivation.md and finite differences agree.
#include "reference/check.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "autograd/autograd.hpp"
#include "nn/losses.hpp"
#include "reference/example_4321.hpp"
#include "io/model_io.hpp"

using namespace tapegrad;
using nn::Activation;
using nn::LossKind;
using nn::Mlp;

namespace {

// The 4-3-2-1 example with fixed weights and one sample.
Mlp<double> example_network() { return reference::example_4321().net; }
const Tensor<double> example_x = reference::example_4321().x;
const Tensor<double> example_y = reference::example_4321().y;

Tensor<double> random_targets(LossKind kind, std::uint32_t m, std::uint32_t n, Generator& g) {
  Tensor<double> y({m, n}, 0.0);
  if (kind == LossKind::softmax_ce) {
    for (std::uint32_t i = 0; i < m; ++i) y(i, g.below(n)) = 1.0;
  } else if (kind == LossKind::bce) {
    for (auto& v : y) v = g.uniform();  // soft labels in [0, 1]
  } else {
    for (auto& v : y) v = g.normal();
  }
  return y;
}

}  // namespace

TEST_CASE("for the 4-3-2-1 example, sigmoid + bce gives g^[3z] = a^[3] - y and the check passes") {
  Mlp<double> net = example_network();
  const auto hand = reference::hand_backprop(net, example_x, example_y, LossKind::bce);
  REQUIRE(hand.depth() == 3);
  CHECK(hand.g_z[3][0] == hand.a[3][0] - 1.0);
  // g^[3W] = (a^[2])^T g^[3z], g^[3b] = g^[3z]
  CHECK(hand.g_W[3](0, 0) == doctest::Approx(hand.a[2][0] * hand.g_z[3][0]).epsilon(1e-15));
  CHECK(hand.g_W[3](1, 0) == doctest::Approx(hand.a[2][1] * hand.g_z[3][0]).epsilon(1e-15));
  CHECK(hand.g_b[3][0] == hand.g_z[3][0]);
  // g^[2a] = g^[3z] (W^[3])^T and g^[2z] = a^[2] (1 - a^[2]) o g^[2a]
  CHECK(hand.g_a[2][1] == doctest::Approx(hand.g_z[3][0] * -0.5).epsilon(1e-15));
  CHECK(hand.g_z[2][1] == doctest::Approx(hand.a[2][1] * (1 - hand.a[2][1]) * hand.g_a[2][1]).epsilon(1e-15));
  // g^[3a] = (a - y) / (a (1 - a)), the first line of the derivation
  CHECK(hand.g_a[3][0] == doctest::Approx((hand.a[3][0] - 1) / (hand.a[3][0] * (1 - hand.a[3][0]))).epsilon(1e-14));

  const reference::CheckReport report = reference::check_gradients(net, example_x, example_y, LossKind::bce);
  CHECK(report.passed());
  REQUIRE(report.parameters.size() == 6);
  CHECK(report.parameters[0].name == "W^[1]");
  CHECK(report.parameters[5].shape == Shape{1, 1});
  for (const auto& p : report.parameters) {
    CAPTURE(p.name);
    CHECK(p.autodiff_hand.rel <= 1e-12);
    CHECK(p.autodiff_fd.rel <= 1e-6);
    CHECK(p.hand_fd.rel <= 1e-6);
  }
  CHECK(report.loss_autodiff == doctest::Approx(report.loss_hand).epsilon(1e-15));
  CHECK(report.loss_autodiff == doctest::Approx(-std::log(hand.a[3][0])).epsilon(1e-14));
  // The check leaves the network as it found it.
  CHECK(net.layer(1).W.value == example_network().layer(1).W.value);
  CHECK(net.layer(1).W.grad == Tensor<double>::zeros({4, 3}));
}

TEST_CASE("the hand derivation's g^[ka] and g^[kz] equal the tape's intermediate gradients") {
  Mlp<double> net({5, 4, 3, 2}, {Activation::tanh, Activation::relu, Activation::identity}, 8);
  Generator g(8);
  const auto x = Tensor<double>::normal({3, 5}, g);
  const auto y = Tensor<double>::normal({3, 2}, g);
  Tape<double> tape;
  std::vector<nn::LayerVars<double>> trace;
  const auto L = nn::loss(LossKind::half_sse, net.forward(tape.variable(x.view()), trace),
                          tape.input(y.view()));
  tape.backward(L);
  const auto hand = reference::hand_backprop(net, x, y, LossKind::half_sse);
  for (std::size_t k = 1; k <= 3; ++k) {
    CAPTURE(k);
    CHECK(reference::difference(trace[k].z.grad(), hand.g_z[k].view()).rel <= 1e-13);
    CHECK(reference::difference(trace[k - 1].a.grad(), hand.g_a[k - 1].view()).rel <= 1e-13);
    CHECK(reference::difference(trace[k].a.value(), hand.a[k].view()).rel <= 1e-15);
  }
  CHECK(L.item() == doctest::Approx(hand.loss).epsilon(1e-15));
}

TEST_CASE("the check agrees for random deeper networks, every activation and loss, batch 1 and 5") {
  const Activation activations[] = {Activation::sigmoid, Activation::tanh, Activation::relu,
                                    Activation::identity};
  const LossKind losses[] = {LossKind::bce, LossKind::half_sse, LossKind::mse, LossKind::softmax_ce};
  std::uint64_t seed = 100;
  for (const std::uint32_t m : {1u, 5u}) {
    for (const Activation hidden : activations) {
      for (const LossKind kind : losses) {
        for (const Reduction reduction : {Reduction::mean, Reduction::sum}) {
          ++seed;
          // bce needs probabilities out (a sigmoid); softmax_ce takes logits (identity);
          // the squared losses get every output activation in turn.
          Activation output = kind == LossKind::bce          ? Activation::sigmoid
                              : kind == LossKind::softmax_ce ? Activation::identity
                                                             : activations[seed % 4];
          const std::uint32_t outputs = kind == LossKind::bce ? 2 : 3;
          Mlp<double> net({6, 5, 4, 4, outputs}, {hidden, hidden, hidden, output}, seed);
          Generator g(seed);
          // Non-zero biases: with zero biases a dead relu layer puts the next z exactly
          // on relu's kink, where finite differences see half the slope.
          for (auto& layer : net.layers()) layer.b.value = Tensor<double>::normal(layer.b.shape(), g, 0, 0.5);
          const auto x = Tensor<double>::normal({m, 6}, g);
          const auto y = random_targets(kind, m, outputs, g);
          const auto report = reference::check_gradients(net, x, y, kind, reduction);
          CAPTURE(m);
          CAPTURE(nn::activation_name(hidden));
          CAPTURE(nn::activation_name(output));
          CAPTURE(nn::loss_name(kind));
          CAPTURE(fmt::format("{}", report));
          CHECK(report.passed());
          CHECK(report.loss_autodiff == doctest::Approx(report.loss_hand).epsilon(1e-14));
        }
      }
    }
  }
}

TEST_CASE("the check catches the sign typo sigmoid 1 / (1 - e^-z) with derivative a (1 - a)") {
  Mlp<double> net = example_network();
  reference::CheckOptions options;
  options.hand = reference::typo_sigmoid<double>();
  const auto report = reference::check_gradients(net, example_x, example_y, LossKind::bce, Reduction::mean, options);
  CHECK_FALSE(report.passed());
  for (const auto& p : report.parameters) {
    CAPTURE(p.name);
    CHECK_FALSE(p.passed);
    CHECK(p.autodiff_hand.rel > 1e-3);
    CHECK(p.hand_fd.rel > 1e-3);
    CHECK(p.autodiff_fd.rel <= 1e-6);  // the tape stays right
  }
  CHECK(fmt::format("{}", report).find("MISMATCH") != std::string::npos);

  SUBCASE("also for a batch and a deeper network") {
    Mlp<double> deep({4, 6, 6, 1}, Activation::sigmoid, 3);
    Generator g(3);
    const auto x = Tensor<double>::normal({4, 4}, g);
    const Tensor<double> y{{1}, {0}, {0}, {1}};
    CHECK_FALSE(reference::check_gradients(deep, x, y, LossKind::bce, Reduction::mean, options).passed());
  }
}

TEST_CASE("the check's report prints as an aligned table with its verdict") {
  Mlp<double> net = example_network();
  const std::string text = fmt::format("{}", reference::check_gradients(net, example_x, example_y, LossKind::bce));
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  REQUIRE(lines.size() == 9);  // two header lines, six parameters, the verdict
  CHECK(lines[0].rfind("parameter  shape", 0) == 0);
  CHECK(lines[2].rfind("W^[1]      (4, 3)", 0) == 0);
  CHECK(lines[7].rfind("b^[3]      (1, 1)", 0) == 0);
  for (std::size_t i = 3; i < 8; ++i) CHECK(lines[i].size() == lines[2].size());
  CHECK(lines[2].substr(lines[2].size() - 3) == "yes");
  CHECK(lines[8].find("tolerances: autodiff vs hand 1e-12, vs finite differences 1e-06") != std::string::npos);
  CHECK(lines[8].substr(lines[8].size() - 6) == "passed");
}

TEST_CASE("the relative difference is absolute below 1 and relative above") {
  const Tensor<double> u{{1e-20, 1000.0}}, v{{3e-20, 1000.001}};
  const auto d = reference::difference(u.view(), v.view());
  CHECK(d.abs == doctest::Approx(0.001).epsilon(1e-6));
  CHECK(d.rel == doctest::Approx(0.001 / 1000.001).epsilon(1e-6));
  const Tensor<double> n{{NAN, 0.0}};
  CHECK(std::isnan(reference::difference(n.view(), u.view()).rel));
}

TEST_CASE("the check of a model description needs its data and loss") {
  io::ModelSpec spec = io::to_spec(example_network());
  CHECK_THROWS_WITH_AS(reference::check_gradients(spec), "check: the model needs x, y and a loss to be checked",
                       std::invalid_argument);
  spec.x = example_x;
  spec.y = example_y;
  spec.loss = LossKind::bce;
  CHECK(reference::check_gradients(spec).passed());
}

TEST_CASE("hand_backprop rejects mismatched shapes and bad targets") {
  const Mlp<double> net = example_network();
  CHECK_THROWS_WITH_AS(reference::hand_backprop(net, Tensor<double>{{1, 2, 3}}, example_y, LossKind::bce),
                       "hand_backprop: x columns differ from the network's inputs; x is (1, 3), W^[1] is (4, 3)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(reference::hand_backprop(net, example_x, Tensor<double>{{2.0}}, LossKind::bce),
                       "bce: target 2 at (0, 0) is outside [0, 1]", std::invalid_argument);
}
