// Functions: W4's 4-3-2-1 example loss and W5's Rosenbrock, written once for every number type.
#pragma once

#include <cstddef>

namespace bench {

/// The 4-3-2-1 example's BCE loss for one sample. P is the parameter type, X the
/// input type (double, or an AD type when inputs are taped too); `sigmoid` and
/// `log` are passed in so each AD tool uses its own.
template <class P, class X, class Y, class Sigmoid, class Log>
P example_loss(const P* p, const X* x, const Y& y, Sigmoid sigmoid, Log log) {
  // Parameter layout: W1 (4x3) at 0, b1 at 12, W2 (3x2) at 15, b2 at 21, W3 (2x1) at 23, b3 at 25.
  auto layer = [&](const auto* a, std::size_t in, std::size_t out, std::size_t w, std::size_t b,
                   P* z) {
    for (std::size_t j = 0; j < out; ++j) {
      P s = p[b + j];
      for (std::size_t i = 0; i < in; ++i) s = s + p[w + i * out + j] * a[i];
      z[j] = sigmoid(s);
    }
  };
  P a1[3], a2[2], a3[1];
  layer(x, 4, 3, 0, 12, a1);
  layer(a1, 3, 2, 15, 21, a2);
  layer(a2, 2, 1, 23, 25, a3);
  return -(y * log(a3[0]) + (1 - y) * log(1 - a3[0]));
}

/// Extended Rosenbrock on n (even) values.
template <class S>
S rosenbrock(const S* x, std::size_t n) {
  auto term = [&](std::size_t i) -> S {  // S, not auto: AD tools return expression nodes
    const S t = x[2 * i + 1] - x[2 * i] * x[2 * i];
    const S u = 1 - x[2 * i];
    return 100 * t * t + u * u;
  };
  S f = term(0);
  for (std::size_t i = 1; i < n / 2; ++i) f = f + term(i);
  return f;
}

}  // namespace bench
