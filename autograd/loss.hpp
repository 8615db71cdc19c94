// Losses: one record each, from predictions and targets of the same shape to (1, 1).
#pragma once

#include "autograd/tape.hpp"

namespace tapegrad {

// Every loss sums its terms over the columns of a row into a per-sample loss
// l_i (rows are samples); Reduction::mean gives (1/m) sum_i l_i, Reduction::sum
// gives sum_i l_i. Gradients flow to both arguments when they need them.

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
template <class T> Var<T> mse(Var<T> a, Var<T> y, Reduction r = Reduction::mean);
/// The seed's half squared error, l_i = 1/2 sum_j (y - a)^2.
template <class T> Var<T> half_sse(Var<T> a, Var<T> y, Reduction r = Reduction::mean);
/// Softmax cross-entropy on logits, l_i = -sum_j y_ij log softmax(z_i)_j; y rows
/// are class probabilities (one-hot for hard labels). Stable for any logits.
template <class T> Var<T> cross_entropy(Var<T> z, Var<T> y, Reduction r = Reduction::mean);

}  // namespace tapegrad
