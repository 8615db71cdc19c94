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

// Weight decay and AdamW against torch.optim, float64: w = (1, 2, -0.5) and the
// loss sum(w^3) / 3 + w . (0.5, -1, 0.25), whose gradient w^2 + c changes each
// step; three steps at lr 0.1, weight_decay 0.01. The expected weights are
// PyTorch 1.13's (torch.optim.SGD, SGD(momentum=0.9), Adam, AdamW).
namespace {

template <class Optimizer>
std::vector<std::vector<double>> three_steps(Optimizer& optimizer, Parameter<double>& w) {
  const double c[] = {0.5, -1.0, 0.25};
  std::vector<std::vector<double>> out;
  for (int s = 0; s < 3; ++s) {
    for (std::size_t k = 0; k < 3; ++k) w.grad[k] = w.value[k] * w.value[k] + c[k];
    optimizer.step();
    out.push_back({w.value[0], w.value[1], w.value[2]});
  }
  return out;
}

void check_weights(const std::vector<std::vector<double>>& got,
                   const std::vector<std::vector<double>>& torch) {
  for (std::size_t s = 0; s < torch.size(); ++s)
    for (std::size_t k = 0; k < 3; ++k) {
      CAPTURE(s);
      CAPTURE(k);
      CHECK(got[s][k] == doctest::Approx(torch[s][k]).epsilon(1e-13));
    }
}

Parameter<double> w0() { return Parameter<double>(Tensor<double>{{1.0, 2.0, -0.5}}, "w"); }

}  // namespace

TEST_CASE("weight decay adds lambda W to the gradient of sgd, momentum and adam, as PyTorch") {
  SUBCASE("sgd") {
    auto w = w0();
    nn::Sgd<double> sgd({&w}, 0.1, 0.01);
    check_weights(three_steps(sgd, w), {{0.849, 1.698, -0.5495},
                                        {0.7260709, 1.5079816, -0.604145525},
                                        {0.6226269339173189, 1.3790727678061439, -0.6650405610127526}});
  }
  SUBCASE("momentum") {
    auto w = w0();
    nn::Momentum<double> momentum({&w}, 0.1, 0.9, 0.01);
    check_weights(three_steps(momentum, w),
                  {{0.849, 1.698, -0.5495},
                   {0.5901708999999999, 1.2361815999999999, -0.6486955249999999},
                   {0.2718043699793189, 0.766494363582144, -0.8044033903905025}});
  }
  SUBCASE("adam") {
    auto w = w0();
    nn::Adam<double> adam({&w}, 0.1, 0.9, 0.999, 1e-8, 0.01);
    check_weights(three_steps(adam, w),
                  {{0.9000000006622517, 1.900000000331126, -0.599999997979798},
                   {0.8005783314347964, 1.8005986833661058, -0.7000262936874004},
                   {0.7021301540689494, 1.7022775535120747, -0.8001194648761576}});
  }
}

TEST_CASE("adamw decays the weights apart from the gradient, as torch.optim.AdamW") {
  auto w = w0();
  nn::AdamW<double> adamw({&w}, 0.1, 0.9, 0.999, 1e-8, 0.01);
  check_weights(three_steps(adamw, w),
                {{0.8990000006666666, 1.8980000003333333, -0.599499998},
                 {0.7986886854146845, 1.7967219544876414, -0.6989294156085224},
                 {0.6994653228618165, 1.6966650881192944, -0.7983312437901722}});
  SUBCASE("its default lambda is PyTorch's 0.01, and zero makes it adam") {
    auto a = w0(), b = w0();
    nn::AdamW<double> plain({&a}, 0.1, 0.9, 0.999, 1e-8, 0.0);
    nn::Adam<double> adam({&b}, 0.1);
    CHECK(nn::AdamW<double>({&a}).weight_decay == 0.01);
    CHECK(three_steps(plain, a) == three_steps(adam, b));
  }
}

TEST_CASE("a negative weight decay is refused") {
  auto w = w0();
  CHECK_THROWS_WITH_AS(nn::Sgd<double>({&w}, 0.1, -1.0), "optimizer: weight decay is -1; expected >= 0",
                       std::invalid_argument);
}

TEST_CASE("clip_grad_norm scales by max_norm / (norm + 1e-6) above max_norm, as PyTorch") {
  Parameter<double> a(Tensor<double>{{1.0, 2.0}}), b(Tensor<double>{{3.0}});
  a.grad = Tensor<double>{{3.0, 4.0}};
  b.grad = Tensor<double>{{12.0}};
  std::vector<Parameter<double>*> both{&a, &b};
  // torch.nn.utils.clip_grad_norm_ on the same gradients, max_norm 6.5
  CHECK(nn::clip_grad_norm<double>(both, 6.5) == 13.0);
  CHECK(a.grad[0] == doctest::Approx(1.4999998846153937).epsilon(1e-15));
  CHECK(a.grad[1] == doctest::Approx(1.9999998461538582).epsilon(1e-15));
  CHECK(b.grad[0] == doctest::Approx(5.999999538461575).epsilon(1e-15));
  SUBCASE("gradients within the norm are left alone") {
    CHECK(nn::clip_grad_norm<double>(both, 100.0) == doctest::Approx(6.5));
    CHECK(b.grad[0] == doctest::Approx(5.999999538461575).epsilon(1e-15));
  }
  CHECK_THROWS_WITH_AS(nn::clip_grad_norm<double>(both, 0.0), "clip_grad_norm: max_norm is 0; expected > 0",
                       std::invalid_argument);
}
