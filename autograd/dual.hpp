// Dual: a number with a tangent, a + b eps with eps^2 = 0, for forward-mode derivatives.
//
// The engine runs on any number type whose arithmetic and math functions it
// can call (autograd/math.hpp). On Dual<T> every op's forward computes f(x)
// and its directional derivative f'(x) v together, and every backward rule
// computes the gradient and its directional derivative (a Hessian-vector
// product).
//
// Nothing here states a derivative: a dual's arithmetic and math functions are
// the ops' own rules applied to its value and tangent (`apply_unary`,
// `apply_binary` below, with the rules of autograd/rules.hpp), so every rule
// is written once and serves the gradient and what lies beyond it. Include
// autograd/rules.hpp (or autograd/autograd.hpp) to compute with duals.
#pragma once

#include <cmath>
#include <concepts>
#include <type_traits>

#include <fmt/format.h>

#include "autograd/op.hpp"

namespace tapegrad {

template <class T>
struct Dual;

/// f(x) + f'(x) x.tangent eps, f and f' from the rule of unary op `op`.
template <Op op, class R>
Dual<R> apply_unary(const Dual<R>& x);
/// f(a, b) + (df/da a.tangent + df/db b.tangent) eps, from binary op `op`'s rule.
template <Op op, class R>
Dual<R> apply_binary(const Dual<R>& a, const Dual<R>& b);

/// value + tangent eps with eps^2 = 0. Comparisons look at the value only
/// (the branch a kinked op takes is the value's); `is_zero` looks at both.
template <class T>
struct Dual {
  static_assert(std::is_floating_point_v<T>, "Dual<T> holds float or double parts");
  using value_type = T;

  T value{};
  T tangent{};

  constexpr Dual() = default;
  constexpr Dual(T v, T t) : value(v), tangent(t) {}
  /// A plain number is a constant: its tangent is 0.
  template <class U>
    requires std::is_arithmetic_v<U>
  constexpr Dual(U v) : value(static_cast<T>(v)), tangent(0) {}  // NOLINT: implicit on purpose
  /// The value, for code that formats or converts numbers (graph dumps).
  template <class U>
    requires std::is_floating_point_v<U>
  explicit constexpr operator U() const { return static_cast<U>(value); }

  Dual& operator+=(const Dual& b) { return *this = *this + b; }
  Dual& operator-=(const Dual& b) { return *this = *this - b; }
  Dual& operator*=(const Dual& b) { return *this = *this * b; }
  Dual& operator/=(const Dual& b) { return *this = *this / b; }

  friend Dual operator+(const Dual& a) { return a; }
  friend Dual operator-(const Dual& a) { return apply_unary<Op::neg>(a); }
  friend Dual operator+(const Dual& a, const Dual& b) { return apply_binary<Op::add>(a, b); }
  friend Dual operator-(const Dual& a, const Dual& b) { return apply_binary<Op::sub>(a, b); }
  friend Dual operator*(const Dual& a, const Dual& b) { return apply_binary<Op::mul>(a, b); }
  friend Dual operator/(const Dual& a, const Dual& b) { return apply_binary<Op::div>(a, b); }

  friend constexpr bool operator==(const Dual& a, const Dual& b) { return a.value == b.value; }
  friend constexpr auto operator<=>(const Dual& a, const Dual& b) { return a.value <=> b.value; }

  friend bool isnan(const Dual& a) { return std::isnan(a.value) || std::isnan(a.tangent); }
  friend bool isfinite(const Dual& a) { return std::isfinite(a.value) && std::isfinite(a.tangent); }
};

template <class T>
inline constexpr bool is_dual = false;
template <class T>
inline constexpr bool is_dual<Dual<T>> = true;

/// The plain number a tape number stands on: T for T and for Dual<T>.
template <class T>
struct real_of {
  using type = T;
};
template <class T>
struct real_of<Dual<T>> {
  using type = T;
};
template <class T>
using real_t = typename real_of<T>::type;

// A constant (zero tangent) contributes nothing, even where the local
// derivative is not finite: pow(x, 2) must not multiply log(x) of a negative
// x into the tangent through its constant exponent.
template <Op op, class R>
Dual<R> apply_unary(const Dual<R>& x) {
  const R y = Rule<op>::f(x.value, R(0), R(0));
  return {y, x.tangent == R(0) ? R(0) : Rule<op>::df(x.value, y, R(0), R(0)) * x.tangent};
}

template <Op op, class R>
Dual<R> apply_binary(const Dual<R>& a, const Dual<R>& b) {
  const R z = Rule<op>::f(a.value, b.value);
  R t = a.tangent == R(0) ? R(0) : Rule<op>::da(a.value, b.value, z) * a.tangent;
  if (b.tangent != R(0)) t += Rule<op>::db(a.value, b.value, z) * b.tangent;
  return {z, t};
}

}  // namespace tapegrad

/// A dual formats as its value (error messages, dumps); the tangent is not shown.
/// Compiled in the library (autograd/format.cpp) for Dual<float> and Dual<double>.
template <class T>
struct fmt::formatter<tapegrad::Dual<T>> : fmt::formatter<T> {
  auto format(const tapegrad::Dual<T>& d, format_context& ctx) const -> format_context::iterator;
};
