// Elementwise ops: arithmetic with broadcasting, and the unary math functions.
#pragma once

#include "autograd/tape.hpp"

namespace tapegrad {

/// a + b, a - b, a * b, a / b elementwise. Shapes broadcast as in NumPy, for
/// rank 2: each dimension equal or 1 on one side, so a (1, n) row adds onto
/// every row of (m, n) and a (1, 1) onto anything. The gradient of a
/// broadcast operand is summed back to its shape.
template <class T> Var<T> add(Var<T> a, Var<T> b);
template <class T> Var<T> sub(Var<T> a, Var<T> b);
template <class T> Var<T> mul(Var<T> a, Var<T> b);
template <class T> Var<T> div(Var<T> a, Var<T> b);
template <class T> Var<T> neg(Var<T> a);

/// With a plain number: a + c, a * c, c - a, c / a (one record, no constant leaf).
template <class T> Var<T> add_scalar(Var<T> a, double c);
template <class T> Var<T> mul_scalar(Var<T> a, double c);
template <class T> Var<T> rsub_scalar(double c, Var<T> a);
template <class T> Var<T> rdiv_scalar(double c, Var<T> a);

template <class T> Var<T> exp(Var<T> a);
/// Natural log; log(0) is -inf and its gradient inf, as in IEEE arithmetic.
template <class T> Var<T> log(Var<T> a);
/// a^p for a plain exponent p.
template <class T> Var<T> pow(Var<T> a, double p);
template <class T> Var<T> sqrt(Var<T> a);
/// |a|; its gradient at 0 is taken as 0.
template <class T> Var<T> abs(Var<T> a);

template <class T> Var<T> operator+(Var<T> a, Var<T> b) { return add(a, b); }
template <class T> Var<T> operator-(Var<T> a, Var<T> b) { return sub(a, b); }
template <class T> Var<T> operator*(Var<T> a, Var<T> b) { return mul(a, b); }
template <class T> Var<T> operator/(Var<T> a, Var<T> b) { return div(a, b); }
template <class T> Var<T> operator-(Var<T> a) { return neg(a); }
template <class T> Var<T> operator+(Var<T> a, double c) { return add_scalar(a, c); }
template <class T> Var<T> operator+(double c, Var<T> a) { return add_scalar(a, c); }
template <class T> Var<T> operator-(Var<T> a, double c) { return add_scalar(a, -c); }
template <class T> Var<T> operator-(double c, Var<T> a) { return rsub_scalar(c, a); }
template <class T> Var<T> operator*(Var<T> a, double c) { return mul_scalar(a, c); }
template <class T> Var<T> operator*(double c, Var<T> a) { return mul_scalar(a, c); }
template <class T> Var<T> operator/(Var<T> a, double c) { return mul_scalar(a, 1.0 / c); }
template <class T> Var<T> operator/(double c, Var<T> a) { return rdiv_scalar(c, a); }
template <class T> Var<T>& operator+=(Var<T>& a, Var<T> b) { return a = add(a, b); }
template <class T> Var<T>& operator-=(Var<T>& a, Var<T> b) { return a = sub(a, b); }
template <class T> Var<T>& operator*=(Var<T>& a, Var<T> b) { return a = mul(a, b); }
template <class T> Var<T>& operator/=(Var<T>& a, Var<T> b) { return a = div(a, b); }

}  // namespace tapegrad
