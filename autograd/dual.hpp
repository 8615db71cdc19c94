// Dual: a number with a tangent, a + b eps with eps^2 = 0, for forward-mode derivatives.
//
// The engine runs on any number type whose arithmetic and math functions it
// can call (autograd/math.hpp). On Dual<T> every op's forward computes f(x)
// and its directional derivative f'(x) v together, and every backward rule
// computes the gradient and its directional derivative (a Hessian-vector
// product): one definition of each rule serves the gradient and beyond it.
#pragma once

#include <cmath>
#include <concepts>
#include <numbers>
#include <type_traits>

#include <fmt/format.h>

namespace tapegrad {

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

  constexpr Dual& operator+=(const Dual& b) { return *this = *this + b; }
  constexpr Dual& operator-=(const Dual& b) { return *this = *this - b; }
  constexpr Dual& operator*=(const Dual& b) { return *this = *this * b; }
  constexpr Dual& operator/=(const Dual& b) { return *this = *this / b; }

  friend constexpr Dual operator+(const Dual& a) { return a; }
  friend constexpr Dual operator-(const Dual& a) { return {-a.value, -a.tangent}; }
  friend constexpr Dual operator+(const Dual& a, const Dual& b) {
    return {a.value + b.value, a.tangent + b.tangent};
  }
  friend constexpr Dual operator-(const Dual& a, const Dual& b) {
    return {a.value - b.value, a.tangent - b.tangent};
  }
  friend constexpr Dual operator*(const Dual& a, const Dual& b) {
    return {a.value * b.value, a.tangent * b.value + a.value * b.tangent};
  }
  friend constexpr Dual operator/(const Dual& a, const Dual& b) {
    const T z = a.value / b.value;
    return {z, (a.tangent - z * b.tangent) / b.value};
  }

  friend constexpr bool operator==(const Dual& a, const Dual& b) { return a.value == b.value; }
  friend constexpr auto operator<=>(const Dual& a, const Dual& b) { return a.value <=> b.value; }

  // The math functions, found by argument-dependent lookup: f(a) + f'(a) a.tangent eps.
  friend Dual exp(const Dual& a) {
    const T e = std::exp(a.value);
    return {e, e * a.tangent};
  }
  friend Dual expm1(const Dual& a) { return {std::expm1(a.value), std::exp(a.value) * a.tangent}; }
  friend Dual log(const Dual& a) { return {std::log(a.value), a.tangent / a.value}; }
  friend Dual log1p(const Dual& a) { return {std::log1p(a.value), a.tangent / (T(1) + a.value)}; }
  friend Dual sqrt(const Dual& a) {
    const T s = std::sqrt(a.value);
    return {s, a.tangent / (T(2) * s)};
  }
  friend Dual sin(const Dual& a) { return {std::sin(a.value), std::cos(a.value) * a.tangent}; }
  friend Dual cos(const Dual& a) { return {std::cos(a.value), -std::sin(a.value) * a.tangent}; }
  friend Dual tanh(const Dual& a) {
    const T t = std::tanh(a.value);
    return {t, (T(1) - t * t) * a.tangent};
  }
  friend Dual erf(const Dual& a) {
    // erf'(x) = 2 / sqrt(pi) e^(-x^2)
    return {std::erf(a.value),
            T(2) * std::numbers::inv_sqrtpi_v<T> * std::exp(-a.value * a.value) * a.tangent};
  }
  /// |a|; its derivative at 0 taken as 0 (as the abs op's).
  friend Dual abs(const Dual& a) {
    return {std::abs(a.value), a.value > T(0) ? a.tangent : a.value < T(0) ? -a.tangent : T(0)};
  }
  /// a^b: d = b a^(b-1) da + a^b log(a) db; each term only where its tangent is
  /// nonzero, so that a constant exponent never multiplies log of a negative base.
  friend Dual pow(const Dual& a, const Dual& b) {
    const T z = std::pow(a.value, b.value);
    T t = 0;
    if (a.tangent != T(0)) t += b.value == T(0) ? T(0) : b.value * std::pow(a.value, b.value - T(1)) * a.tangent;
    if (b.tangent != T(0)) t += (a.value == T(0) ? T(0) : z * std::log(a.value)) * b.tangent;
    return {z, t};
  }
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

}  // namespace tapegrad

/// A dual formats as its value (error messages, dumps); the tangent is not shown.
template <class T>
struct fmt::formatter<tapegrad::Dual<T>> : fmt::formatter<T> {
  template <class Context>
  auto format(const tapegrad::Dual<T>& d, Context& ctx) const {
    return fmt::formatter<T>::format(d.value, ctx);
  }
};
