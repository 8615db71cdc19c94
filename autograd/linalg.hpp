// Linear algebra ops: matmul, transpose, and the fused layer ops: affine,
// z = a W + b, and dense, act(a W + b).
#pragma once

#include "autograd/expression.hpp"

namespace tapegrad {

/// (m, k) x (k, n) -> (m, n).
template <class T>
Var<T> matmul(Var<T> a, Var<T> b);
/// (m, n) -> (n, m).
template <class T>
Var<T> transpose(Var<T> a);
/// z = a W + b in one record: a (m, in), W (in, out), b (1, out) added to every
/// row. Backward gives dW = a^T g, da = g W^T and db = column sums of g.
template <class T>
Var<T> affine(Var<T> a, Var<T> W, Var<T> b);

/// y = act(a W + b) in one record, for a layer whose z the caller does not
/// need: a (m, in), W (in, out), b (1, out); y (m, out). `act` is any
/// elementwise op of one input (Op::sigmoid, Op::tanh, Op::relu, ...), its
/// plain numbers (leaky_relu's slope, elu's alpha) in `numbers`. It equals
/// `act(affine(a, W, b))`, with the row's own derivative: backward gives
/// g^[z] = g o act'(z), then dW = a^T g^[z], da = g^[z] W^T, db = column sums
/// of g^[z]. Throws ShapeError as affine does (naming dense) and
/// std::invalid_argument for an `act` that is not such an op.
template <class T>
Var<T> dense(Var<T> a, Var<T> W, Var<T> b, Op act, Attr numbers = {});

// The same, on expressions (each is recorded first).
template <VarLike X, VarLike Y>
  requires detail::is_expr<std::remove_cvref_t<X>> || detail::is_expr<std::remove_cvref_t<Y>>
Var<value_type_t<X>> matmul(X&& a, Y&& b) {
  return matmul(detail::as_var(a), detail::as_var(b));
}
template <class X>
  requires detail::is_expr<std::remove_cvref_t<X>>
Var<value_type_t<X>> transpose(X&& a) {
  return transpose(a.var());
}
template <VarLike X, VarLike Y, VarLike Z>
  requires detail::is_expr<std::remove_cvref_t<X>> || detail::is_expr<std::remove_cvref_t<Y>> ||
           detail::is_expr<std::remove_cvref_t<Z>>
Var<value_type_t<X>> affine(X&& a, Y&& W, Z&& b) {
  return affine(detail::as_var(a), detail::as_var(W), detail::as_var(b));
}
template <VarLike X, VarLike Y, VarLike Z>
  requires detail::is_expr<std::remove_cvref_t<X>> || detail::is_expr<std::remove_cvref_t<Y>> ||
           detail::is_expr<std::remove_cvref_t<Z>>
Var<value_type_t<X>> dense(X&& a, Y&& W, Z&& b, Op act, Attr numbers = {}) {
  return dense(detail::as_var(a), detail::as_var(W), detail::as_var(b), act, numbers);
}

}  // namespace tapegrad
