// Losses: the loss of a network's output, recorded on the tape in its numerically stable form.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "autograd/loss.hpp"
#include "autograd/op.hpp"
#include "autograd/tape.hpp"
#include "nn/mlp.hpp"

namespace tapegrad::nn {

/// The losses a network trains on (`loss` below documents each); model files
/// name them by `loss_name`.
enum class LossKind : std::uint8_t { bce, half_sse, softmax_ce, mse };

std::string_view loss_name(LossKind loss);
std::optional<LossKind> parse_loss(std::string_view name);

/// Throws std::invalid_argument unless the output activation fits the loss:
/// bce needs a sigmoid (the loss is computed from its logits), softmax_ce an
/// identity (it applies its own softmax). `where` names the activation in the
/// message, e.g. `loss bce needs a sigmoid last layer, but layers[1].activation
/// is relu`; the model format and `loss` both check with it.
void check_loss_activation(LossKind kind, Activation output, std::string_view where);

/// Whether y holds class indices for softmax_ce: one column (m, 1) of numbers
/// 0..k-1 against an output with k >= 2 columns (PyTorch's class-index target).
bool is_class_index(LossKind kind, Shape y, Shape output);

/// The targets as rows of the output's shape: class indices (see
/// is_class_index) become one-hot rows, any other y is returned as it is.
/// Throws std::invalid_argument for an index that is not a whole number in
/// 0..k-1, naming its row.
template <class T>
Tensor<T> dense_targets(LossKind kind, TensorView<T> y, Shape output);

/// Records L for a network output and targets y (same shape as y_hat, (m, n),
/// or for softmax_ce a column (m, 1) of class indices 0..n-1):
///  - `bce`: -sum_j [y log y_hat + (1 - y) log(1 - y_hat)]. With a sigmoid
///    output it is computed from the logits z^[L] (binary_cross_entropy_with_logits),
///    exact even when the sigmoid saturates; otherwise from y_hat, which must
///    lie in [0, 1]. Targets in [0, 1].
///  - `half_sse`: the derivation's 1/2 sum_j (y - y_hat)^2.
///  - `mse`: (1/n) sum_j (y_hat - y)^2 per sample.
///  - `softmax_ce`: -sum_j y_j log softmax(y_hat)_j; use it with an identity
///    output so that y_hat is the logits z^[L]. Each target row is a
///    distribution: non-negative, summing to 1 (one-hot for class labels).
/// The output's activation must fit the loss (check_loss_activation).
/// `Reduction::mean` averages the per-sample losses over the m rows,
/// `Reduction::sum` adds them. Labels the result `L` when the tape names records.
/// Throws ShapeError if y's shape differs from y_hat's and std::invalid_argument
/// for invalid targets, naming the first bad one.
template <class T>
Var<T> loss(LossKind kind, const Output<T>& output, Var<T> y, Reduction r = Reduction::mean);

/// The engine op `loss` records for `kind`, without checks or names; generic in
/// the number type (the loss Hessian records it on dual numbers).
template <class T>
Var<T> record_loss_op(LossKind kind, const Output<T>& output, Var<T> y, Reduction r) {
  switch (kind) {
    case LossKind::bce:
      // The derivation's loss; from the logits when y_hat = sigmoid(z^[L]), so
      // that its gradient is exactly the derivation's g^[Lz] = a^[L] - y.
      return output.activation == Activation::sigmoid
                 ? binary_cross_entropy_with_logits(output.z, y, r)
                 : binary_cross_entropy(output.a, y, r);
    case LossKind::half_sse: return half_sse(output.a, y, r);
    case LossKind::mse: return mse(output.a, y, r);
    case LossKind::softmax_ce: return cross_entropy(output.a, y, r);
  }
  throw std::invalid_argument("loss: unknown loss kind");
}

/// Checks targets for a loss without recording anything (the same checks `loss` makes).
template <class T>
void check_targets(LossKind kind, TensorView<T> y);

}  // namespace tapegrad::nn
