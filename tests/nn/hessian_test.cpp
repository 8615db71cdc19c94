// Tests for the loss Hessian of an MLP (nn/hessian.hpp): symmetric to 1e-12,
// equal to fourth-order finite differences of the reverse-mode gradient on
// random networks of every activation, loss, depth and batch size; the
// parameter order; LAPACK eigenvalues.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "nn/hessian.hpp"
#include "nn/nn.hpp"
#include "reference/example_4321.hpp"

using namespace tapegrad;
using namespace tapegrad::nn;

namespace {


// The loss gradient by reverse mode, parameters in the Hessian's order.
std::vector<double> gradient(Mlp<double>& net, LossKind kind, const Tensor<double>& x,
                             const Tensor<double>& y, Reduction r) {
  Tape<double> tape;
  net.zero_grad();
  tape.backward(loss(kind, net.forward(tape.input(x.view())), tape.input(y.view()), r));
  std::vector<double> g;
  for (const Parameter<double>* p : net.parameters())
    for (double e : p->grad) g.push_back(e);
  return g;
}

double& parameter_element(Mlp<double>& net, std::size_t j) {
  for (Parameter<double>* p : net.parameters()) {
    if (j < p->value.size()) return p->value[j];
    j -= p->value.size();
  }
  throw std::out_of_range("no such parameter");
}

// Column j of the Hessian by the fourth-order central difference of the
// gradient: error O(h^4), about 1e-11 here.
std::vector<double> difference_column(Mlp<double>& net, LossKind kind, const Tensor<double>& x,
                                      const Tensor<double>& y, Reduction r, std::size_t j) {
  const double h = 1e-3;
  double& theta = parameter_element(net, j);
  const double saved = theta;
  std::vector<std::vector<double>> g;
  for (double step : {2 * h, h, -h, -2 * h}) {
    theta = saved + step;
    g.push_back(gradient(net, kind, x, y, r));
  }
  theta = saved;
  std::vector<double> column(g[0].size());
  for (std::size_t i = 0; i < column.size(); ++i)
    column[i] = (-g[0][i] + 8 * g[1][i] - 8 * g[2][i] + g[3][i]) / (12 * h);
  return column;
}

// The smallest |z| over every layer's pre-activations: the finite differences
// must not step across a kink (relu, leaky_relu, elu).
double kink_distance(const Mlp<double>& net, const Tensor<double>& x) {
  double closest = INFINITY;
  Tensor<double> a = x, z;
  for (const auto& layer : net.layers()) {
    a = layer.apply(a.view(), z);
    for (double e : z) closest = std::min(closest, std::abs(e));
  }
  return closest;
}

struct Model {
  Mlp<double> net;
  LossKind kind;
  Reduction reduction;
  Tensor<double> x, y;
  std::string label;
};

// A random network: hidden layers of the given activation, an output layer that
// suits the loss, a batch of m samples with targets the loss accepts.
Model random_model(std::vector<std::uint32_t> sizes, Activation hidden, LossKind kind, std::uint32_t m,
                   Reduction reduction, std::uint64_t seed) {
  Generator g(seed);
  const Activation output = kind == LossKind::bce ? Activation::sigmoid
                            : kind == LossKind::softmax_ce ? Activation::identity
                                                           : hidden;
  std::vector<Activation> activations(sizes.size() - 1, hidden);
  activations.back() = output;
  Model model{Mlp<double>(sizes, activations, seed), kind, reduction, {}, {}, ""};
  // Non-zero biases, so that every parameter's curvature is exercised.
  for (Parameter<double>* p : model.net.parameters())
    for (double& e : p->value) e += g.uniform(-0.3, 0.3);
  const std::uint32_t outputs = sizes.back();
  do {
    model.x = Tensor<double>::uniform({m, sizes.front()}, g, -1.5, 1.5);
  } while (kink_distance(model.net, model.x) < 0.02);
  model.y = Tensor<double>({m, outputs}, 0.0);
  for (std::uint32_t i = 0; i < m; ++i) {
    if (kind == LossKind::softmax_ce) {
      model.y(i, static_cast<std::uint32_t>(g.below(outputs))) = 1.0;
    } else {
      for (std::uint32_t j = 0; j < outputs; ++j)
        model.y(i, j) = kind == LossKind::bce ? g.uniform(0.0, 1.0) : g.uniform(-1.0, 1.0);
    }
  }
  model.label = fmt::format("sizes {}, {} hidden, {} loss, m = {}, {}", fmt::join(sizes, "-"),
                            activation_name(hidden), loss_name(kind), m,
                            reduction == Reduction::mean ? "mean" : "sum");
  return model;
}

void check_against_differences(Model& model) {
  INFO(model.label);
  const LossHessian<double> h = loss_hessian(model.net, model.kind, model.x.view(), model.y.view(), model.reduction);
  const std::size_t P = model.net.parameter_count();
  REQUIRE(h.hessian.shape() == Shape{static_cast<std::uint32_t>(P), static_cast<std::uint32_t>(P)});
  for (std::size_t i = 0; i < P; ++i)
    for (std::size_t j = 0; j < i; ++j) CHECK(std::abs(h.hessian(i, j) - h.hessian(j, i)) <= 1e-12);
  for (std::size_t j = 0; j < P; ++j) {
    const std::vector<double> column = difference_column(model.net, model.kind, model.x, model.y, model.reduction, j);
    for (std::size_t i = 0; i < P; ++i) {
      CAPTURE(i);
      CAPTURE(j);
      CHECK(std::abs(h.hessian(i, j) - column[i]) <= 1e-8 * (1 + std::abs(column[i])));
    }
  }
}

}  // namespace

TEST_CASE("the 4-3-2-1 example's Hessian: order, loss, symmetry and finite differences") {
  auto [net, x, y] = reference::example_4321();
  const LossHessian<double> h = loss_hessian(net, LossKind::bce, x.view(), y.view());
  REQUIRE(h.parameters.size() == 6);
  const std::vector<std::string> names{"W^[1]", "b^[1]", "W^[2]", "b^[2]", "W^[3]", "b^[3]"};
  const std::vector<Shape> shapes{{4, 3}, {1, 3}, {3, 2}, {1, 2}, {2, 1}, {1, 1}};
  const std::vector<std::size_t> offsets{0, 12, 15, 21, 23, 25};
  for (std::size_t k = 0; k < 6; ++k) {
    CHECK(h.parameters[k].name == names[k]);
    CHECK(h.parameters[k].shape == shapes[k]);
    CHECK(h.parameters[k].offset == offsets[k]);
  }
  CHECK(h.hessian.shape() == Shape{26, 26});
  Tape<double> tape;
  CHECK(h.loss == loss(LossKind::bce, net.forward(tape.input(x.view())), tape.input(y.view())).item());
  // The last bias: d2L/db3^2 = a (1 - a) for BCE on a sigmoid output.
  const double a = net.predict(x.view())[0];
  CHECK(h.hessian(25, 25) == doctest::Approx(a * (1 - a)).epsilon(1e-14));
  Model model{std::move(net), LossKind::bce, Reduction::mean, x, y, "the 4-3-2-1 example"};
  check_against_differences(model);
}

TEST_CASE("random networks: every activation, loss, depth and batch size match finite differences") {
  std::uint64_t seed = 100;
  for (Activation g : all_activations)
    for (LossKind kind : {LossKind::bce, LossKind::half_sse, LossKind::mse, LossKind::softmax_ce}) {
      const std::vector<std::uint32_t> sizes =
          seed % 3 == 0 ? std::vector<std::uint32_t>{3, 2} : seed % 3 == 1 ? std::vector<std::uint32_t>{2, 3, 2}
                                                                         : std::vector<std::uint32_t>{3, 2, 2, 2};
      const std::uint32_t m = 1 + static_cast<std::uint32_t>(seed % 4);
      Model model = random_model(sizes, g, kind, m, seed % 2 ? Reduction::sum : Reduction::mean, seed);
      check_against_differences(model);
      ++seed;
    }
}

TEST_CASE("float32: the loss Hessian agrees with float64 to single precision") {
  Model model = random_model({3, 4, 2}, Activation::tanh, LossKind::softmax_ce, 3, Reduction::mean, 7);
  // The same weights in float: layer by layer, each value rounded.
  Mlp<float> single;
  for (const auto& layer : model.net.layers()) {
    Tensor<float> W(layer.W.value.shape(), 0.0f), b(layer.b.value.shape(), 0.0f);
    for (std::size_t k = 0; k < W.size(); ++k) W[k] = static_cast<float>(layer.W.value[k]);
    for (std::size_t k = 0; k < b.size(); ++k) b[k] = static_cast<float>(layer.b.value[k]);
    single.add(Linear<float>(W, b, layer.activation));
  }
  Tensor<float> xf(model.x.shape(), 0.0f), yf(model.y.shape(), 0.0f);
  for (std::size_t k = 0; k < xf.size(); ++k) xf[k] = static_cast<float>(model.x[k]);
  for (std::size_t k = 0; k < yf.size(); ++k) yf[k] = static_cast<float>(model.y[k]);
  const auto hd = loss_hessian(model.net, model.kind, model.x.view(), model.y.view());
  const auto hf = loss_hessian(single, model.kind, xf.view(), yf.view());
  REQUIRE(hf.hessian.shape() == hd.hessian.shape());
  for (std::size_t k = 0; k < hd.hessian.size(); ++k)
    CHECK(static_cast<double>(hf.hessian[k]) == doctest::Approx(hd.hessian[k]).epsilon(1e-4).scale(1.0));
}

TEST_CASE("loss_hessian rejects targets and shapes as loss does") {
  auto [net, x, y] = reference::example_4321();
  CHECK_THROWS_WITH_AS(loss_hessian(net, LossKind::bce, x.view(), Tensor<double>{{1.5}}.view()),
                       "bce: target 1.5 at (0, 0) is outside [0, 1]", std::invalid_argument);
  CHECK_THROWS_AS(loss_hessian(net, LossKind::bce, x.view(), Tensor<double>{{1.0, 0.0}}.view()), ShapeError);
}

TEST_CASE("symmetric_eigenvalues: ascending, from LAPACK, checked against closed forms") {
  // [[2, 1], [1, 2]] has eigenvalues 1 and 3; a diagonal its diagonal.
  const std::vector<double> two = symmetric_eigenvalues(Tensor<double>{{2.0, 1.0}, {1.0, 2.0}}.view());
  REQUIRE(two.size() == 2);
  CHECK(two[0] == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(two[1] == doctest::Approx(3.0).epsilon(1e-15));
  const std::vector<double> diag = symmetric_eigenvalues(Tensor<double>{{5.0, 0, 0}, {0, -1.0, 0}, {0, 0, 2.0}}.view());
  CHECK(diag == std::vector<double>{-1.0, 2.0, 5.0});
  // The 4-3-2-1 example: the eigenvalues sum to the trace.
  auto [net, x, y] = reference::example_4321();
  const auto h = loss_hessian(net, LossKind::bce, x.view(), y.view());
  const std::vector<double> ev = symmetric_eigenvalues(h.hessian.view());
  double trace = 0;
  for (std::size_t i = 0; i < 26; ++i) trace += h.hessian(i, i);
  CHECK(std::accumulate(ev.begin(), ev.end(), 0.0) == doctest::Approx(trace).epsilon(1e-12));
  CHECK(std::is_sorted(ev.begin(), ev.end()));
  CHECK(symmetric_eigenvalues(Tensor<double>().view()).empty());
  CHECK_THROWS_WITH_AS(symmetric_eigenvalues(Tensor<double>{{1.0, 2.0}}.view()),
                       "eigenvalues: the matrix is not square; a is (1, 2), a^T is (2, 1)", ShapeError);
  CHECK_THROWS_WITH_AS(symmetric_eigenvalues(Tensor<double>{{1.0, NAN}, {NAN, 1.0}}.view()),
                       "eigenvalues: entry (0, 1) is nan, not a finite number", std::invalid_argument);
}
