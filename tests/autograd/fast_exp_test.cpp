// Tests for fast_exp and the float sigmoid built on it: accuracy and extremes.
#include "autograd/fast_exp.hpp"

#include <cmath>

#include "autograd/activation.hpp"
#include "gradcheck_helpers.hpp"

using namespace tapegrad;

TEST_CASE("fast_exp is within 2 ulp of exp over its range") {
  double worst = 0;
  for (float x = -87.0f; x < 88.0f; x += 0.001953125f) {
    const double exact = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::abs(detail::fast_exp(x) - exact) / exact);
  }
  CHECK(worst < 2.5e-7);  // 2 ulp of float is 2.4e-7 relative
  CHECK(detail::fast_exp(0.0f) == 1.0f);
  CHECK(std::isfinite(detail::fast_exp(1000.0f)));
  CHECK(detail::fast_exp(-1000.0f) >= 0.0f);
}

TEST_CASE("the float sigmoid of a tensor agrees with the double one") {
  Generator g(4);
  const auto zf = Tensor<float>::normal({64, 33}, g, 0.0, 10.0);
  Tape<float> tf;
  auto af = sigmoid(tf.input(zf));
  for (std::size_t k = 0; k < zf.size(); ++k) {
    const double exact = sigmoid_value(static_cast<double>(zf[k]));
    CHECK(std::abs(af.value()[k] - exact) <= 3e-7 * exact + 1e-30);
  }
}

TEST_CASE("the float sigmoid of a tensor is exact at the extremes") {
  Tape<float> tape;
  auto a = sigmoid(tape.input(Tensor<float>{{-1000, -88.5f, 0, 88.5f, 1000}}));
  CHECK(Tensor<float>(a.value()) == Tensor<float>{{0, 0, 0.5f, 1, 1}});
}
