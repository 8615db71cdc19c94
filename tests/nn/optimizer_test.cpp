// Tests for the optimizers: each update on hand-computed numbers, and training that lowers a loss.
#include "nn/optimizer.hpp"

#include <doctest/doctest.h>

#include "nn/losses.hpp"
#include "nn/mlp.hpp"

using namespace tapegrad;

namespace {

Parameter<double> parameter_with_grad() {
  Parameter<double> p(Tensor<double>{{1.0, 2.0}}, "W");
  p.grad = Tensor<double>{{0.5, -1.0}};
  return p;
}

}  // namespace

TEST_CASE("sgd is the derivation's W_{s+1} = W_s - alpha dL/dW_s") {
  auto p = parameter_with_grad();
  nn::Sgd<double> sgd({&p}, 0.1);
  sgd.step();
  CHECK(p.value(0, 0) == doctest::Approx(0.95).epsilon(1e-15));
  CHECK(p.value(0, 1) == doctest::Approx(2.1).epsilon(1e-15));
  CHECK(sgd.steps() == 1);
  sgd.zero_grad();
  CHECK(p.grad == Tensor<double>{{0, 0}});
  sgd.step();
  CHECK(p.value(0, 0) == doctest::Approx(0.95).epsilon(1e-15));
}

TEST_CASE("momentum accumulates v = mu v + g and steps by alpha v") {
  auto p = parameter_with_grad();
  nn::Momentum<double> momentum({&p}, 0.1, 0.9);
  momentum.step();  // v = (0.5, -1)
  CHECK(p.value(0, 0) == doctest::Approx(0.95).epsilon(1e-15));
  CHECK(p.value(0, 1) == doctest::Approx(2.1).epsilon(1e-15));
  momentum.step();  // v = (0.95, -1.9)
  CHECK(p.value(0, 0) == doctest::Approx(0.855).epsilon(1e-14));
  CHECK(p.value(0, 1) == doctest::Approx(2.29).epsilon(1e-14));
}

TEST_CASE("adam's bias-corrected first step moves each weight by about alpha") {
  auto p = parameter_with_grad();
  nn::Adam<double> adam({&p}, 0.1);
  adam.step();
  // m_hat = g, v_hat = g^2: the step is alpha g / (|g| + 1e-8)
  CHECK(p.value(0, 0) == doctest::Approx(1 - 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-15));
  CHECK(p.value(0, 1) == doctest::Approx(2 + 0.1 * 1 / (1 + 1e-8)).epsilon(1e-15));
  adam.step();
  // m = 0.095, v = 0.00049975; corrected by 0.19 and 0.001999: again g and g^2
  CHECK(p.value(0, 0) == doctest::Approx(1 - 0.2 * 0.5 / (0.5 + 1e-8)).epsilon(1e-12));
  CHECK(p.value(0, 1) == doctest::Approx(2 + 0.2 / (1 + 1e-8)).epsilon(1e-12));
}

TEST_CASE("a null parameter is refused") {
  CHECK_THROWS_WITH_AS(nn::Sgd<double>({nullptr}, 0.1), "optimizer: parameter 0 is null",
                       std::invalid_argument);
}

TEST_CASE_TEMPLATE("every optimizer lowers the loss of a small network", T, float, double) {
  const Tensor<T> x{{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  const Tensor<T> y{{0}, {1}, {1}, {1}};  // OR
  for (int which = 0; which < 3; ++which) {
    CAPTURE(which);
    nn::Mlp<T> net({2, 4, 1}, nn::Activation::tanh, 3);
    net.layer(2).activation = nn::Activation::sigmoid;
    std::unique_ptr<nn::Optimizer<T>> opt;
    if (which == 0) opt = std::make_unique<nn::Sgd<T>>(net.parameters(), T(0.5));
    if (which == 1) opt = std::make_unique<nn::Momentum<T>>(net.parameters(), T(0.1));
    if (which == 2) opt = std::make_unique<nn::Adam<T>>(net.parameters(), T(0.05));
    Tape<T> tape;
    T first = 0, last = 0;
    for (int step = 0; step < 100; ++step) {
      tape.clear();
      auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(x.view())), tape.input(y.view()));
      opt->zero_grad();
      tape.backward(L);
      opt->step();
      if (step == 0) first = L.item();
      last = L.item();
    }
    CHECK(last < first / 2);
  }
}
