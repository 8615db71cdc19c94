// gradcheck: one generic finite-difference check used by every op test.
#include "autograd/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tapegrad {
namespace {

double evaluate(const GradcheckFunction& f, std::span<const Tensor<double>> inputs) {
  Tape<double> tape;
  std::vector<Var<double>> vars;
  vars.reserve(inputs.size());
  for (const auto& x : inputs) vars.push_back(tape.constant(x.view()));
  return f(tape, vars).item();
}

}  // namespace

GradcheckReport gradcheck(const GradcheckFunction& f, std::span<const Tensor<double>> inputs,
                          double eps, double atol, double rtol) {
  GradcheckReport report;
  report.eps = eps;
  report.atol = atol;
  report.rtol = rtol;

  Tape<double> tape;
  std::vector<Var<double>> vars;
  for (const auto& x : inputs) vars.push_back(tape.variable(x.view()));
  Var<double> out = f(tape, vars);
  if (!out.shape().is_scalar())
    throw std::invalid_argument(
        fmt::format("gradcheck: the function must return a scalar; it returned {}", out.shape()));
  if (out.requires_grad()) tape.backward(out);

  std::vector<Tensor<double>> probe(inputs.begin(), inputs.end());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    GradcheckInput in;
    in.shape = inputs[i].shape();
    for (std::size_t k = 0; k < inputs[i].size(); ++k) {
      const double x = inputs[i][k];
      probe[i][k] = x + eps;
      const double up = evaluate(f, probe);
      probe[i][k] = x - eps;
      const double down = evaluate(f, probe);
      probe[i][k] = x;
      const double numeric = (up - down) / (2 * eps);
      const double autodiff = out.requires_grad() && tape.has_grad(vars[i].id()) ? vars[i].grad()[k] : 0.0;
      const double abs_err = std::abs(autodiff - numeric);
      const double rel_err = abs_err / std::max({std::abs(autodiff), std::abs(numeric), 1e-12});
      if (!(abs_err <= atol + rtol * std::abs(numeric))) in.passed = false;
      if (abs_err > in.max_abs || std::isnan(abs_err) || k == 0) {
        in.max_abs = abs_err;
        in.row = static_cast<std::uint32_t>(k / in.shape.cols);
        in.col = static_cast<std::uint32_t>(k % in.shape.cols);
        in.autodiff = autodiff;
        in.numeric = numeric;
      }
      in.max_rel = std::max(in.max_rel, rel_err);
    }
    report.inputs.push_back(in);
  }
  return report;
}

}  // namespace tapegrad

auto fmt::formatter<tapegrad::GradcheckReport>::format(const tapegrad::GradcheckReport& r,
                                                       format_context& ctx) const
    -> format_context::iterator {
  auto out = fmt::format_to(ctx.out(), "{:<6} {:<10} {:>10} {:>10} {:>10} {:>14} {:>14}  {}\n",
                            "input", "shape", "max abs", "max rel", "at", "autodiff", "numeric",
                            "ok");
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    const auto& in = r.inputs[i];
    out = fmt::format_to(out, "{:<6} {:<10} {:>10.3e} {:>10.3e} {:>10} {:>14.6e} {:>14.6e}  {}\n",
                         i, fmt::format("{}", in.shape), in.max_abs, in.max_rel,
                         fmt::format("({}, {})", in.row, in.col), in.autodiff, in.numeric,
                         in.passed ? "yes" : "NO");
  }
  return out;
}
