// Hand backprop: every gradient of an MLP by the derivation's formulas, on plain tensors, no tape.
//
// The derivation works back propagation by hand for the 4-3-2-1 example, a
// sigmoid network with BCE, one sample,
// row vectors z^[k] = a^[k-1] W^[k] + b^[k]. Written for m stacked samples and
// any depth, activation and loss, its result is:
//   g^[Lz]        from the loss and the output activation (sigmoid + BCE: a^[L] - y)
//   g^[kW]      = (a^[k-1])^T g^[kz]                 (n_{k-1} x n_k)
//   g^[kb]      = column sums of g^[kz]              (1 x n_k)
//   g^[(k-1)a]  = g^[kz] (W^[k])^T                   (m x n_{k-1})
//   g^[(k-1)z]  = g'(z^[k-1]) o g^[(k-1)a]           (m x n_{k-1}, o elementwise)
// for k = L down to 1. A mean-reduced loss divides every gradient by m.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "autograd/op.hpp"
#include "autograd/tensor.hpp"
#include "nn/activation.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"

namespace tapegrad::reference {

/// An activation's formulas for the hand derivation: a = g(z) and g'(z) given z and a.
template <class T>
struct ActivationRule {
  std::function<T(T z)> g;
  std::function<T(T z, T a)> derivative;
};

/// Options of `hand_backprop`. `replaced` swaps the formulas of one activation
/// (in every layer using it) for `rule`; the tape is unaffected, so the check can
/// show that a wrong formula is caught.
template <class T>
struct HandOptions {
  std::optional<nn::Activation> replaced;
  ActivationRule<T> rule;
};

/// A sign typo, planted: the sigmoid written as 1 / (1 - e^-z) with the
/// derivative a (1 - a). Only for showing that the check catches it.
template <class T>
HandOptions<T> typo_sigmoid();

/// Everything the hand derivation computes; index k is layer k of docs/derivation.md.
/// Vectors have L + 1 entries; entry 0 of z, g_z, g_W, g_b is empty.
template <class T>
struct HandGradients {
  std::vector<Tensor<T>> z;    ///< z^[k] (m, n_k)
  std::vector<Tensor<T>> a;    ///< a^[k] (m, n_k); a^[0] = x
  std::vector<Tensor<T>> g_a;  ///< g^[ka] = dL/da^[k] (m, n_k), k = 0..L
  std::vector<Tensor<T>> g_z;  ///< g^[kz] = dL/dz^[k] (m, n_k)
  std::vector<Tensor<T>> g_W;  ///< g^[kW] = dL/dW^[k] (n_{k-1}, n_k)
  std::vector<Tensor<T>> g_b;  ///< g^[kb] = dL/db^[k] (1, n_k)
  T loss = 0;                  ///< L, computed like the tape's loss

  std::size_t depth() const { return z.empty() ? 0 : z.size() - 1; }
};

/// Runs the derivation's forward and backward passes for `net` on x (m, inputs) and
/// targets y (m, outputs). Throws ShapeError for mismatched shapes and
/// std::invalid_argument for invalid targets (as `nn::loss` does).
template <class T>
HandGradients<T> hand_backprop(const nn::Mlp<T>& net, const Tensor<T>& x, const Tensor<T>& y,
                               nn::LossKind kind, Reduction reduction = Reduction::mean,
                               const HandOptions<T>& options = {});

}  // namespace tapegrad::reference
