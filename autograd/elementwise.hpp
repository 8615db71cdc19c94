// Elementwise ops: the public functions of every row of autograd/op.hpp, and the operators.
//
// Operators build an expression (autograd/expression.hpp), recorded as one
// statement when it becomes a Var; functions record at once, one statement
// holding their argument's expression: `s + w * x` is one record, and so is
// `sigmoid(s + w * x)`. Tensors record one op each, with broadcasting: each
// dimension equal or 1 on one side, so a (1, n) row adds onto every row of
// (m, n) and a (1, 1) onto anything, and the gradient of a broadcast operand is
// summed back to its shape.
#pragma once

#include <stdexcept>

#include <fmt/format.h>

#include "autograd/expression.hpp"

namespace tapegrad {

// Every unary row without numbers: exp(x), log(x), sqrt(x), sigmoid(x), ...
// (log(0) is -inf and its gradient inf, as in IEEE arithmetic; abs and relu
// take 0 as their gradient at 0; softplus is z itself above 20, as PyTorch.)
#define TAPEGRAD_PUBLIC_UNARY_none(name)                               \
  template <class X>                                                   \
    requires VarLike<X>                                                \
  TAPEGRAD_INLINE Var<value_type_t<X>> name(X&& x) {                   \
    return unary<Op::name>(std::forward<X>(x)).var();                  \
  }
#define TAPEGRAD_PUBLIC_UNARY_p(name)  // takes numbers: written out below
#define TAPEGRAD_PUBLIC_UNARY(name, numbers, ...) TAPEGRAD_PUBLIC_UNARY_##numbers(name)
TAPEGRAD_UNARY_RULES(TAPEGRAD_PUBLIC_UNARY)
#undef TAPEGRAD_PUBLIC_UNARY
#undef TAPEGRAD_PUBLIC_UNARY_p
#undef TAPEGRAD_PUBLIC_UNARY_none

// Every binary row: add(a, b), sub, mul, div, maximum, minimum (a tie splits
// the gradient in half, as PyTorch), pow(a, b) (d/db = a^b log a).
#define TAPEGRAD_PUBLIC_BINARY(name, function, ...)                    \
  template <class X, class Y>                                          \
    requires VarLike<X> && VarLike<Y>                                  \
  TAPEGRAD_INLINE Var<value_type_t<X>> function(X&& a, Y&& b) {        \
    return binary<Op::name>(std::forward<X>(a), std::forward<Y>(b)).var(); \
  }
TAPEGRAD_BINARY_RULES(TAPEGRAD_PUBLIC_BINARY)
#undef TAPEGRAD_PUBLIC_BINARY

/// With a plain number: a + c, a * c, c - a, c / a (one op, no constant leaf).
template <VarLike X>
TAPEGRAD_INLINE Var<value_type_t<X>> add_scalar(X&& a, double c) {
  return unary<Op::add_scalar>(std::forward<X>(a), {c}).var();
}
template <VarLike X>
TAPEGRAD_INLINE Var<value_type_t<X>> mul_scalar(X&& a, double c) {
  return unary<Op::mul_scalar>(std::forward<X>(a), {c}).var();
}
template <VarLike X>
TAPEGRAD_INLINE Var<value_type_t<X>> rsub_scalar(double c, X&& a) {
  return unary<Op::rsub_scalar>(std::forward<X>(a), {c}).var();
}
template <VarLike X>
TAPEGRAD_INLINE Var<value_type_t<X>> rdiv_scalar(double c, X&& a) {
  return unary<Op::rdiv_scalar>(std::forward<X>(a), {c}).var();
}
/// a^p for a plain exponent p; its gradient is 0 for p = 0 (as PyTorch).
template <VarLike X>
TAPEGRAD_INLINE Var<value_type_t<X>> pow(X&& a, double p) {
  return unary<Op::pow>(std::forward<X>(a), {p}).var();
}
/// c^a for a plain base c.
template <VarLike X>
TAPEGRAD_INLINE Var<value_type_t<X>> pow(double c, X&& a) {
  return unary<Op::rpow_scalar>(std::forward<X>(a), {c}).var();
}
/// min(max(a, lo), hi); the gradient passes where lo <= a <= hi.
template <VarLike X>
Var<value_type_t<X>> clamp(X&& a, double lo, double hi) {
  if (!(lo <= hi)) throw std::invalid_argument(fmt::format("clamp: lo {} is greater than hi {}", lo, hi));
  return unary<Op::clamp>(std::forward<X>(a), {lo, hi}).var();
}

// Operators. A plain number (any arithmetic type) converts to the Var's number type.

template <class X, class Y>
  requires VarLike<X> && VarLike<Y>
TAPEGRAD_INLINE auto operator+(X&& a, Y&& b) {
  return binary<Op::add>(std::forward<X>(a), std::forward<Y>(b));
}
template <class X, class Y>
  requires VarLike<X> && VarLike<Y>
TAPEGRAD_INLINE auto operator-(X&& a, Y&& b) {
  return binary<Op::sub>(std::forward<X>(a), std::forward<Y>(b));
}
template <class X, class Y>
  requires VarLike<X> && VarLike<Y>
TAPEGRAD_INLINE auto operator*(X&& a, Y&& b) {
  return binary<Op::mul>(std::forward<X>(a), std::forward<Y>(b));
}
template <class X, class Y>
  requires VarLike<X> && VarLike<Y>
TAPEGRAD_INLINE auto operator/(X&& a, Y&& b) {
  return binary<Op::div>(std::forward<X>(a), std::forward<Y>(b));
}
template <VarLike X>
TAPEGRAD_INLINE auto operator-(X&& a) {
  return unary<Op::neg>(std::forward<X>(a));
}
template <VarLike X, Number N>
TAPEGRAD_INLINE auto operator+(X&& a, N c) {
  return unary<Op::add_scalar>(std::forward<X>(a), {static_cast<double>(c)});
}
template <Number N, VarLike X>
TAPEGRAD_INLINE auto operator+(N c, X&& a) {
  return unary<Op::add_scalar>(std::forward<X>(a), {static_cast<double>(c)});
}
template <VarLike X, Number N>
TAPEGRAD_INLINE auto operator-(X&& a, N c) {
  return unary<Op::add_scalar>(std::forward<X>(a), {-static_cast<double>(c)});
}
template <Number N, VarLike X>
TAPEGRAD_INLINE auto operator-(N c, X&& a) {
  return unary<Op::rsub_scalar>(std::forward<X>(a), {static_cast<double>(c)});
}
template <VarLike X, Number N>
TAPEGRAD_INLINE auto operator*(X&& a, N c) {
  return unary<Op::mul_scalar>(std::forward<X>(a), {static_cast<double>(c)});
}
template <Number N, VarLike X>
TAPEGRAD_INLINE auto operator*(N c, X&& a) {
  return unary<Op::mul_scalar>(std::forward<X>(a), {static_cast<double>(c)});
}
template <VarLike X, Number N>
TAPEGRAD_INLINE auto operator/(X&& a, N c) {
  return unary<Op::mul_scalar>(std::forward<X>(a), {1.0 / static_cast<double>(c)});
}
template <Number N, VarLike X>
TAPEGRAD_INLINE auto operator/(N c, X&& a) {
  return unary<Op::rdiv_scalar>(std::forward<X>(a), {static_cast<double>(c)});
}
template <class T, class Y>
  requires VarLike<Y> || Number<Y>
TAPEGRAD_INLINE Var<T>& operator+=(Var<T>& a, Y&& b) {
  return a = a + std::forward<Y>(b);
}
template <class T, class Y>
  requires VarLike<Y> || Number<Y>
TAPEGRAD_INLINE Var<T>& operator-=(Var<T>& a, Y&& b) {
  return a = a - std::forward<Y>(b);
}
template <class T, class Y>
  requires VarLike<Y> || Number<Y>
TAPEGRAD_INLINE Var<T>& operator*=(Var<T>& a, Y&& b) {
  return a = a * std::forward<Y>(b);
}
template <class T, class Y>
  requires VarLike<Y> || Number<Y>
TAPEGRAD_INLINE Var<T>& operator/=(Var<T>& a, Y&& b) {
  return a = a / std::forward<Y>(b);
}

}  // namespace tapegrad
