// math: the elementary functions rules call, for any number type the engine runs on.
//
// For float and double each is the standard function (inlined: no cost). For
// a Dual it is the op of the same name applied to the dual (apply_unary), so
// its derivative is the op's rule, not a second statement of it. The few
// helpers that are not ops (sign, the normal distribution's Phi and phi)
// state their derivatives here, once.
#pragma once

#include <cmath>
#include <numbers>

#include "autograd/dual.hpp"

namespace tapegrad::math {

#define TAPEGRAD_MATH_OP(name)                                        \
  template <class T>                                                  \
  inline T name(const T& x) {                                         \
    if constexpr (is_dual<T>) return apply_unary<Op::name>(x);        \
    else return std::name(x);                                         \
  }
TAPEGRAD_MATH_OP(exp)
TAPEGRAD_MATH_OP(expm1)
TAPEGRAD_MATH_OP(log)
TAPEGRAD_MATH_OP(log1p)
TAPEGRAD_MATH_OP(sqrt)
TAPEGRAD_MATH_OP(sin)
TAPEGRAD_MATH_OP(cos)
TAPEGRAD_MATH_OP(atan)
TAPEGRAD_MATH_OP(tanh)
TAPEGRAD_MATH_OP(abs)
#undef TAPEGRAD_MATH_OP

/// a^b; for duals, the rule of pow with a Var exponent (pow_var).
template <class T>
inline T pow(const T& a, const T& b) {
  if constexpr (is_dual<T>) return apply_binary<Op::pow_var>(a, b);
  else return std::pow(a, b);
}

/// The logistic sigmoid 1 / (1 + e^-x), exact and finite for any x (e.g. +-1000).
template <class T>
inline T sigmoid(const T& x) {
  if constexpr (is_dual<T>) {
    return apply_unary<Op::sigmoid>(x);
  } else {
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  }
}

/// -1, 0 or 1 by the sign of x (0 at 0); its derivative is 0.
template <class T>
inline T sign(const T& x) {
  if constexpr (is_dual<T>) return T(sign(x.value), 0);
  else return T((x > T(0)) - (x < T(0)));
}

/// Phi(x), the standard normal distribution function; Phi' = phi.
template <class T>
inline T normal_cdf(const T& x);
/// phi(x) = e^(-x^2 / 2) / sqrt(2 pi), the standard normal density; phi' = -x phi.
template <class T>
inline T normal_pdf(const T& x) {
  if constexpr (is_dual<T>) {
    const auto p = normal_pdf(x.value);
    return T(p, x.tangent == 0 ? 0 : -x.value * p * x.tangent);
  } else {
    return std::exp(T(-0.5) * x * x) * static_cast<T>(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
  }
}
template <class T>
inline T normal_cdf(const T& x) {
  if constexpr (is_dual<T>)
    return T(normal_cdf(x.value), x.tangent == 0 ? 0 : normal_pdf(x.value) * x.tangent);
  else
    return T(0.5) * (T(1) + std::erf(x * static_cast<T>(std::numbers::sqrt2 / 2)));
}

template <class T>
inline bool isnan(const T& x) {
  using std::isnan;
  return isnan(x);
}
template <class T>
inline bool isfinite(const T& x) {
  using std::isfinite;
  return isfinite(x);
}
/// Whether x is exactly zero; a dual only when its tangent is zero too (a
/// gradient of 0 whose derivative is not must still flow back).
template <class T>
inline bool is_zero(const T& x) {
  if constexpr (is_dual<T>) return x.value == 0 && x.tangent == 0;
  else return x == T(0);
}

}  // namespace tapegrad::math
