// The check: autodiff, the hand derivation and finite differences on one model and batch.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/op.hpp"
#include "autograd/tensor.hpp"
#include "reference/hand_backprop.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"

// Declared only: its header (io/model_format.hpp) brings in <filesystem>, which
// costs every file that includes this one a long parse.
namespace tapegrad::io {
struct ModelSpec;
}  // namespace tapegrad::io

namespace tapegrad::reference {

/// How far apart two gradients of one parameter are, over its elements:
/// `abs` is max |u - v|, `rel` is max |u - v| / max(1, |u|, |v|) (relative for
/// large values, absolute for values below 1, so tiny gradients do not inflate it).
struct Difference {
  double abs = 0;
  double rel = 0;
};

/// One parameter's three comparisons.
struct ParameterCheck {
  std::string name;  ///< `W^[k]` or `b^[k]`
  Shape shape;
  Difference autodiff_hand;  ///< tape vs hand derivation
  Difference autodiff_fd;    ///< tape vs central finite differences
  Difference hand_fd;        ///< hand derivation vs central finite differences
  bool passed = true;
};

/// Tolerances on `Difference::rel` and the finite-difference step.
struct CheckOptions {
  double hand_tolerance = 1e-12;  ///< autodiff vs hand derivation
  double fd_tolerance = 1e-6;     ///< autodiff and hand derivation vs finite differences
  double eps = 1e-6;              ///< step of (L(p + eps) - L(p - eps)) / (2 eps)
  HandOptions<double> hand;       ///< e.g. `typo_sigmoid<double>()`
};

/// The result of `check_gradients`; formats as an aligned table with a verdict.
struct CheckReport {
  std::vector<ParameterCheck> parameters;
  double loss_autodiff = 0;  ///< L from the tape
  double loss_hand = 0;      ///< L from the hand derivation's forward pass
  CheckOptions options;

  bool passed() const {
    for (const auto& p : parameters)
      if (!p.passed) return false;
    return true;
  }
};

/// Computes dL/dW^[k] and dL/db^[k] of `net` on x (m, inputs), y (m, outputs)
/// three ways, in float64: the tape (`nn::loss` on `nn::Mlp::forward`), the derivation's
/// hand derivation (`hand_backprop`), and central finite differences of the
/// tape's loss. A parameter passes when autodiff vs hand is within
/// `hand_tolerance` and both are within `fd_tolerance` of the finite
/// differences, all in the relative measure of `Difference`. The network's
/// parameters are restored and its gradients left zero.
CheckReport check_gradients(nn::Mlp<double>& net, const Tensor<double>& x, const Tensor<double>& y,
                            nn::LossKind kind, Reduction reduction = Reduction::mean,
                            const CheckOptions& options = {});

/// The same for a model file's contents, which must hold x, y and a loss.
CheckReport check_gradients(const io::ModelSpec& spec, const CheckOptions& options = {});

/// The two measures of `Difference` for one pair of arrays of equal size.
Difference difference(TensorView<double> u, TensorView<double> v);

}  // namespace tapegrad::reference

/// An aligned table, one line per parameter, then the tolerances and the verdict.
template <>
struct fmt::formatter<tapegrad::reference::CheckReport> : fmt::formatter<std::string_view> {
  auto format(const tapegrad::reference::CheckReport& r, format_context& ctx) const
      -> format_context::iterator;
};
