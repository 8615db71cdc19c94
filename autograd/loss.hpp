// Losses: one record each, from predictions and targets of the same shape to (1, 1).
//
// Every loss sums its terms over the columns of a row into a per-sample loss
// l_i (rows are samples); Reduction::mean gives (1/m) sum_i l_i, Reduction::sum
// sum_i l_i. Gradients flow to both the prediction and the target.
#pragma once

#include "autograd/expression.hpp"

namespace tapegrad {

/// -sum_j [y log p + (1 - y) log(1 - p)] on probabilities p in [0, 1]. Each log
/// is clamped at -100 (as PyTorch does) so p = 0 or 1 stays finite; the
/// gradient's denominator p (1 - p) is clamped at 1e-12. Targets in [0, 1].
template <class T>
Var<T> binary_cross_entropy(Var<T> p, Var<T> y, Reduction r = Reduction::mean);
/// BCE of sigmoid(z), computed from the logits z as max(z, 0) - z y + log(1 + e^-|z|):
/// exact when the sigmoid saturates; gradient sigmoid(z) - y. Targets in [0, 1].
template <class T>
Var<T> binary_cross_entropy_with_logits(Var<T> z, Var<T> y, Reduction r = Reduction::mean);
/// Mean squared error per sample, l_i = (1/n) sum_j (a - y)^2; with Reduction::mean
/// that is the mean over all m n elements.
template <class T>
Var<T> mse(Var<T> a, Var<T> y, Reduction r = Reduction::mean);
/// Half the squared error of the 4-3-2-1 example, l_i = 1/2 sum_j (y - a)^2.
template <class T>
Var<T> half_sse(Var<T> a, Var<T> y, Reduction r = Reduction::mean);
/// Softmax cross-entropy on logits, l_i = -sum_j y_ij log softmax(z_i)_j; y rows
/// are class probabilities (one-hot for hard labels). Stable for any logits.
template <class T>
Var<T> cross_entropy(Var<T> z, Var<T> y, Reduction r = Reduction::mean);

// The same, on expressions (each is recorded first).
#define TAPEGRAD_LOSS_OF_EXPRESSIONS(name)                                                   \
  template <VarLike X, VarLike Y>                                                            \
    requires detail::is_expr<std::remove_cvref_t<X>> || detail::is_expr<std::remove_cvref_t<Y>> \
  Var<value_type_t<X>> name(X&& a, Y&& y, Reduction r = Reduction::mean) {                   \
    return name(detail::as_var(a), detail::as_var(y), r);                                    \
  }
TAPEGRAD_LOSS_OF_EXPRESSIONS(binary_cross_entropy)
TAPEGRAD_LOSS_OF_EXPRESSIONS(binary_cross_entropy_with_logits)
TAPEGRAD_LOSS_OF_EXPRESSIONS(mse)
TAPEGRAD_LOSS_OF_EXPRESSIONS(half_sse)
TAPEGRAD_LOSS_OF_EXPRESSIONS(cross_entropy)
#undef TAPEGRAD_LOSS_OF_EXPRESSIONS

}  // namespace tapegrad
