// Tests for the layer activations leaky_relu, elu, gelu and softplus: names, the
// hand-written values and derivatives, the tape's ops, init and the three-way check.
#include "nn/activation.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"
#include "reference/check.hpp"
#include "nn/init.hpp"
#include "nn/mlp.hpp"

using namespace tapegrad;
using nn::Activation;
using nn::LossKind;
using nn::Mlp;

namespace {

const Activation new_activations[] = {Activation::leaky_relu, Activation::elu, Activation::gelu,
                                      Activation::softplus};

double value(Activation g, double z) { return nn::activation_value(g, z); }
double derivative(Activation g, double z) {
  return nn::activation_derivative(g, z, nn::activation_value(g, z));
}

}  // namespace

TEST_CASE("the new activations parse by name and keep the old ones' numbers") {
  CHECK(static_cast<int>(Activation::identity) == 0);
  CHECK(static_cast<int>(Activation::sigmoid) == 1);
  CHECK(static_cast<int>(Activation::tanh) == 2);
  CHECK(static_cast<int>(Activation::relu) == 3);
  CHECK(static_cast<int>(Activation::leaky_relu) == 4);
  CHECK(static_cast<int>(Activation::softplus) == 7);
  CHECK(nn::parse_activation("leaky_relu") == Activation::leaky_relu);
  CHECK(nn::parse_activation("elu") == Activation::elu);
  CHECK(nn::parse_activation("gelu") == Activation::gelu);
  CHECK(nn::parse_activation("softplus") == Activation::softplus);
  CHECK(nn::parse_activation("GELU") == std::nullopt);
  CHECK(nn::parse_activation("swish") == std::nullopt);
  CHECK(nn::parse_activation("") == std::nullopt);
  // Every activation round-trips through its name and appears in the list of accepted names.
  for (const Activation g : nn::all_activations) {
    CAPTURE(nn::activation_name(g));
    CHECK(nn::parse_activation(nn::activation_name(g)) == g);
    CHECK(nn::activation_names.find(nn::activation_name(g)) != std::string_view::npos);
  }
  CHECK(std::size(nn::all_activations) == 8);
  CHECK(nn::activation_names == "sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus or identity");
}

TEST_CASE("leaky_relu is z above 0 and 0.01 z below, with slope 0.01 at the kink") {
  const auto g = Activation::leaky_relu;
  CHECK(value(g, 3.0) == 3.0);
  CHECK(value(g, -2.0) == -0.02);
  CHECK(value(g, 0.0) == 0.0);
  CHECK(derivative(g, 0.5) == 1.0);
  CHECK(derivative(g, -2.0) == 0.01);
  CHECK(derivative(g, 0.0) == 0.01);
  CHECK(nn::activation_derivative<float>(g, 0.0f, 0.0f) == 0.01f);
}

TEST_CASE("elu is z above 0 and e^z - 1 below, with derivative a + 1 (alpha at the kink)") {
  const auto g = Activation::elu;
  CHECK(value(g, 2.0) == 2.0);
  CHECK(value(g, -1.0) == doctest::Approx(-0.6321205588285577).epsilon(1e-15));
  CHECK(value(g, -3.0) == doctest::Approx(-0.950212931632136).epsilon(1e-15));
  CHECK(value(g, 0.0) == 0.0);
  CHECK(derivative(g, 2.0) == 1.0);
  CHECK(derivative(g, -1.0) == doctest::Approx(0.36787944117144233).epsilon(1e-15));  // e^-1
  CHECK(derivative(g, -3.0) == doctest::Approx(0.049787068367863944).epsilon(1e-14));
  CHECK(derivative(g, 0.0) == 1.0);
  CHECK(value(g, -1000.0) == -1.0);
  CHECK(derivative(g, -1000.0) == 0.0);
}

TEST_CASE("gelu is z Phi(z) with derivative Phi(z) + z phi(z), 1/2 at 0") {
  const auto g = Activation::gelu;
  CHECK(value(g, 0.0) == 0.0);
  CHECK(derivative(g, 0.0) == 0.5);
  CHECK(value(g, 1.0) == doctest::Approx(0.8413447460685429).epsilon(1e-15));
  CHECK(derivative(g, 1.0) == doctest::Approx(1.0833154705876864).epsilon(1e-15));
  CHECK(value(g, -1.0) == doctest::Approx(-0.15865525393145707).epsilon(1e-15));
  CHECK(derivative(g, -1.0) == doctest::Approx(-0.08331547058768629).epsilon(1e-14));
  CHECK(value(g, 2.5) == doctest::Approx(2.4844758366855597).epsilon(1e-15));
  CHECK(derivative(g, 2.5) == doctest::Approx(1.037611085908145).epsilon(1e-15));
  CHECK(value(g, -40.0) == 0.0);
  CHECK(derivative(g, 40.0) == 1.0);
  CHECK(nn::activation_derivative<float>(g, 0.0f, 0.0f) == 0.5f);
}

TEST_CASE("softplus is log(1 + e^z) with derivative sigmoid(z), z itself above 20") {
  const auto g = Activation::softplus;
  CHECK(value(g, 0.0) == doctest::Approx(0.6931471805599453).epsilon(1e-15));  // log 2
  CHECK(derivative(g, 0.0) == 0.5);
  CHECK(value(g, 1.0) == doctest::Approx(1.3132616875182228).epsilon(1e-15));
  CHECK(derivative(g, 1.0) == doctest::Approx(0.7310585786300049).epsilon(1e-15));
  CHECK(value(g, -2.0) == doctest::Approx(0.1269280110429725).epsilon(1e-15));
  CHECK(derivative(g, -2.0) == doctest::Approx(0.11920292202211755).epsilon(1e-15));
  // Stable far out: tiny but not zero below, no overflow above.
  CHECK(value(g, -30.0) == doctest::Approx(9.357622968839737e-14).epsilon(1e-14));
  CHECK(derivative(g, -30.0) == doctest::Approx(9.357622968839299e-14).epsilon(1e-14));
  CHECK(value(g, 20.0) == doctest::Approx(20.000000002061153).epsilon(1e-15));
  CHECK(value(g, 30.0) == 30.0);
  CHECK(derivative(g, 30.0) == 1.0);
  CHECK(value(g, 1000.0) == 1000.0);
  CHECK(std::isfinite(value(g, -1000.0)));
  CHECK(nn::activation_derivative<float>(g, 0.0f, nn::activation_value(g, 0.0f)) == 0.5f);
}

TEST_CASE("each hand derivative matches finite differences of its value away from kinks") {
  for (const Activation g : new_activations) {
    for (const double z : {-6.0, -2.5, -1.0, -0.3, -1e-3, 1e-3, 0.4, 1.0, 3.0, 7.0, 19.5, 21.0}) {
      const double h = 1e-6;
      const double fd = (value(g, z + h) - value(g, z - h)) / (2 * h);
      CAPTURE(nn::activation_name(g));
      CAPTURE(z);
      CHECK(derivative(g, z) == doctest::Approx(fd).epsilon(1e-7).scale(1));
    }
  }
}

TEST_CASE_TEMPLATE("the tape's ops give the same values and gradients as the hand formulas", T,
                   float, double) {
  const Tensor<T> points{{-25.0, -3.0, -1.0, -0.25, 0.0, 0.25, 1.0, 3.0, 20.0, 25.0}};
  for (const Activation g : new_activations) {
    CAPTURE(nn::activation_name(g));
    Tape<T> tape;
    const auto z = tape.variable(points);
    const auto a = nn::activate(g, z);
    tape.backward(sum(a));
    for (std::size_t k = 0; k < points.size(); ++k) {
      CAPTURE(points[k]);
      const T hand_a = nn::activation_value(g, points[k]);
      const T tol = std::is_same_v<T, float> ? T(1e-6) : T(1e-15);
      CHECK(a.value()[k] == doctest::Approx(hand_a).epsilon(tol));
      CHECK(z.grad()[k] == doctest::Approx(nn::activation_derivative(g, points[k], hand_a)).epsilon(tol));
    }
  }
}

TEST_CASE("automatic init is He for the relu-like activations and Xavier for softplus") {
  CHECK(nn::default_init(Activation::relu) == nn::Init::he);
  CHECK(nn::default_init(Activation::leaky_relu) == nn::Init::he);
  CHECK(nn::default_init(Activation::elu) == nn::Init::he);
  CHECK(nn::default_init(Activation::gelu) == nn::Init::he);
  CHECK(nn::default_init(Activation::softplus) == nn::Init::xavier);
  CHECK(nn::default_init(Activation::sigmoid) == nn::Init::xavier);
  CHECK(nn::default_init(Activation::tanh) == nn::Init::xavier);
  CHECK(nn::default_init(Activation::identity) == nn::Init::xavier);
  Generator g1(4), g2(4);
  CHECK(nn::initial_weights<double>(nn::Init::automatic, 6, 5, Activation::gelu, g1) ==
        nn::initial_weights<double>(nn::Init::he, 6, 5, Activation::identity, g2));
}

TEST_CASE("an MLP with each new hidden activation passes the three-way gradient check") {
  struct Setup {
    Activation output;
    LossKind loss;
  };
  const Setup setups[] = {{Activation::sigmoid, LossKind::bce}, {Activation::identity, LossKind::mse}};
  std::uint64_t seed = 300;
  for (const Activation hidden : new_activations) {
    for (const Setup& setup : setups) {
      for (const Reduction reduction : {Reduction::mean, Reduction::sum}) {
        ++seed;
        Mlp<double> net({3, 4, 2}, {hidden, setup.output}, seed);
        Generator g(seed);
        for (auto& layer : net.layers()) layer.b.value = Tensor<double>::normal(layer.b.shape(), g, 0, 0.5);
        const auto x = Tensor<double>::normal({4, 3}, g);
        Tensor<double> y({4, 2}, 0.0);
        for (auto& v : y) v = setup.loss == LossKind::bce ? g.uniform() : g.normal();

        CAPTURE(nn::activation_name(hidden));
        CAPTURE(nn::loss_name(setup.loss));
        // No hidden pre-activation sits at (or within the finite-difference step of) a kink,
        // and both sides of 0 are exercised.
        const auto hand = reference::hand_backprop(net, x, y, setup.loss, reduction);
        const auto& z1 = hand.z[1];
        CHECK(std::all_of(z1.begin(), z1.end(), [](double v) { return std::abs(v) > 1e-3; }));
        CHECK(std::any_of(z1.begin(), z1.end(), [](double v) { return v < 0; }));
        CHECK(std::any_of(z1.begin(), z1.end(), [](double v) { return v > 0; }));

        const auto report = reference::check_gradients(net, x, y, setup.loss, reduction);
        CAPTURE(fmt::format("{}", report));
        CHECK(report.passed());
        CHECK(report.parameters.size() == 4);
        CHECK(report.loss_autodiff == doctest::Approx(report.loss_hand).epsilon(1e-14));
      }
    }
  }
}

TEST_CASE("deeper networks mixing the new activations pass the check, batch 1 and 5") {
  std::uint64_t seed = 400;
  for (const std::uint32_t m : {1u, 5u}) {
    ++seed;
    Mlp<double> net({5, 6, 6, 6, 6, 3},
                    {Activation::gelu, Activation::elu, Activation::softplus, Activation::leaky_relu,
                     Activation::identity},
                    seed);
    Generator g(seed);
    for (auto& layer : net.layers()) layer.b.value = Tensor<double>::normal(layer.b.shape(), g, 0, 0.5);
    const auto x = Tensor<double>::normal({m, 5}, g);
    const auto y = Tensor<double>::normal({m, 3}, g);
    const auto report = reference::check_gradients(net, x, y, LossKind::half_sse);
    CAPTURE(m);
    CAPTURE(fmt::format("{}", report));
    CHECK(report.passed());
  }
}

TEST_CASE("predict without a tape equals the recorded forward pass for each new activation") {
  for (const Activation hidden : new_activations) {
    CAPTURE(nn::activation_name(hidden));
    Mlp<double> net({3, 4, 2}, {hidden, hidden}, 11);
    Generator g(11);
    const auto x = Tensor<double>::normal({5, 3}, g, 0, 2);
    Tape<double> tape;
    const auto out = net.forward(tape.input(x.view()));
    const auto predicted = net.predict(x.view());
    CHECK(reference::difference(out.a.value(), predicted.view()).abs <= 1e-15);
  }
}
