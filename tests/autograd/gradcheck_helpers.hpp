// Test helpers: random inputs of the four shape kinds and a gradcheck assertion.
#pragma once

#include <doctest/doctest.h>

#include <vector>

#include "autograd/autograd.hpp"

namespace tapegrad::testing {

/// The shapes every op is checked on: scalar, row, column, matrix.
inline const std::vector<Shape>& test_shapes() {
  static const std::vector<Shape> shapes{{1, 1}, {1, 4}, {3, 1}, {3, 4}};
  return shapes;
}

inline Tensor<double> random(Shape s, Generator& g, double low = -2.0, double high = 2.0) {
  return Tensor<double>::uniform(s, g, low, high);
}

/// Asserts that autodiff matches central differences for f on these inputs.
inline void check_gradients(const GradcheckFunction& f, const std::vector<Tensor<double>>& inputs,
                            double atol = 1e-6, double rtol = 1e-5) {
  const GradcheckReport report = gradcheck(f, inputs, 1e-6, atol, rtol);
  INFO(fmt::format("{}", report));
  CHECK(report.passed());
}

/// Reduces any output to a scalar with fixed random weights, so every output
/// element's gradient is exercised (a plain sum would hide sign errors).
inline Var<double> weighted_sum(Var<double> out, std::uint64_t seed = 99) {
  Generator g(seed);
  auto w = out.tape().constant(Tensor<double>::uniform(out.shape(), g, 0.5, 1.5).view());
  return sum(out * w);
}

}  // namespace tapegrad::testing
