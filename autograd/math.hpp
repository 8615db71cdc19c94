// math: the elementary functions op rules call, for any number type the engine runs on.
//
// `math::exp(x)` is std::exp for float and double (inlined: no cost) and the
// Dual overload, found by argument-dependent lookup, for duals. Rules written
// with these are generic in their number type (autograd/dual.hpp).
#pragma once

#include <cmath>

namespace tapegrad::math {

#define TAPEGRAD_MATH_UNARY(name)          \
  template <class T>                       \
  inline T name(const T& x) {              \
    using std::name;                       \
    return name(x);                        \
  }
TAPEGRAD_MATH_UNARY(exp)
TAPEGRAD_MATH_UNARY(expm1)
TAPEGRAD_MATH_UNARY(log)
TAPEGRAD_MATH_UNARY(log1p)
TAPEGRAD_MATH_UNARY(sqrt)
TAPEGRAD_MATH_UNARY(sin)
TAPEGRAD_MATH_UNARY(cos)
TAPEGRAD_MATH_UNARY(tanh)
TAPEGRAD_MATH_UNARY(erf)
TAPEGRAD_MATH_UNARY(abs)
#undef TAPEGRAD_MATH_UNARY

template <class T>
inline T pow(const T& a, const T& b) {
  using std::pow;
  return pow(a, b);
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
  if constexpr (requires { x.tangent; }) return x.value == 0 && x.tangent == 0;
  else return x == T(0);
}

}  // namespace tapegrad::math
