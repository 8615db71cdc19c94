// gradcheck: autodiff gradients against central finite differences, in float64.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/tape.hpp"

namespace tapegrad {

/// How far one input's autodiff gradient is from the finite-difference one.
struct GradcheckInput {
  Shape shape;
  double max_abs = 0;     ///< max |autodiff - numeric| over the input's elements
  double max_rel = 0;     ///< max |autodiff - numeric| / max(|autodiff|, |numeric|, 1e-12)
  std::uint32_t row = 0;  ///< where max_abs occurs
  std::uint32_t col = 0;
  double autodiff = 0;  ///< both gradients at that element
  double numeric = 0;
  bool passed = true;  ///< every element within atol + rtol |numeric|
};

struct GradcheckReport {
  std::vector<GradcheckInput> inputs;
  double eps = 0, atol = 0, rtol = 0;
  bool passed() const {
    for (const auto& in : inputs)
      if (!in.passed) return false;
    return true;
  }
};

/// The function under test: records a scalar from its inputs on `tape`.
using GradcheckFunction = std::function<Var<double>(Tape<double>&, std::span<const Var<double>>)>;

/// Compares d f / d input for every input element with the central difference
/// (f(x + eps) - f(x - eps)) / (2 eps). An element passes when
/// |autodiff - numeric| <= atol + rtol |numeric|.
GradcheckReport gradcheck(const GradcheckFunction& f, std::span<const Tensor<double>> inputs,
                          double eps = 1e-6, double atol = 1e-6, double rtol = 1e-5);

}  // namespace tapegrad

/// An aligned table, one line per input.
template <>
struct fmt::formatter<tapegrad::GradcheckReport> : fmt::formatter<std::string_view> {
  auto format(const tapegrad::GradcheckReport& r, format_context& ctx) const
      -> format_context::iterator;
};
