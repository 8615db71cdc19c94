// Activations: the elementwise ones (sigmoid, tanh, relu, softplus, gelu are
// rows of autograd/op.hpp, recorded by autograd/elementwise.hpp), those that
// take a number (leaky_relu, elu, gelu's tanh form), and softmax, log_softmax.
#pragma once

#include <cstdint>

#include "autograd/elementwise.hpp"

namespace tapegrad {

/// The sigmoid of a plain number, 1 / (1 + e^-z), exact and finite for any z
/// (the sigmoid op's own formula, math::sigmoid).
template <class T>
inline T sigmoid_value(T z) {
  return math::sigmoid(z);
}

/// z for z > 0, else slope z (PyTorch's default slope 0.01).
template <VarLike X>
TAPEGRAD_INLINE Var<value_type_t<X>> leaky_relu(X&& z, double slope = 0.01) {
  return unary<Op::leaky_relu>(std::forward<X>(z), {slope}).var();
}
/// z for z > 0, else alpha (e^z - 1).
template <VarLike X>
TAPEGRAD_INLINE Var<value_type_t<X>> elu(X&& z, double alpha = 1.0) {
  return unary<Op::elu>(std::forward<X>(z), {alpha}).var();
}
/// GELU: the exact z Phi(z) (`gelu(z)`), or with `Gelu::tanh` the tanh
/// approximation (the op gelu_tanh).
enum class Gelu : std::uint8_t { exact, tanh };
template <VarLike X>
TAPEGRAD_INLINE Var<value_type_t<X>> gelu(X&& z, Gelu form) {
  if (form == Gelu::exact) return gelu(std::forward<X>(z));
  return gelu_tanh(std::forward<X>(z));
}

/// Softmax of each row of (m, n) logits; stable (the row maximum is subtracted).
template <class T>
Var<T> softmax(Var<T> z);
/// log softmax of each row, z - max - log(sum exp(z - max)); stable.
template <class T>
Var<T> log_softmax(Var<T> z);

template <class X>
  requires detail::is_expr<std::remove_cvref_t<X>>
Var<value_type_t<X>> softmax(X&& z) {
  return softmax(z.var());
}
template <class X>
  requires detail::is_expr<std::remove_cvref_t<X>>
Var<value_type_t<X>> log_softmax(X&& z) {
  return log_softmax(z.var());
}

}  // namespace tapegrad
