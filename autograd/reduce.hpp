// Reductions: sum (all, over rows, over columns) and mean.
#pragma once

#include "autograd/expression.hpp"

namespace tapegrad {

/// Sum of every element -> (1, 1).
template <class T>
Var<T> sum(Var<T> a);
/// Axis::rows sums down each column -> (1, cols); Axis::cols along each row -> (rows, 1).
template <class T>
Var<T> sum(Var<T> a, Axis axis);
/// Mean of every element -> (1, 1).
template <class T>
Var<T> mean(Var<T> a);

// The same, on expressions (each is recorded first).
template <class X>
  requires detail::is_expr<std::remove_cvref_t<X>>
Var<value_type_t<X>> sum(X&& a) {
  return sum(a.var());
}
template <class X>
  requires detail::is_expr<std::remove_cvref_t<X>>
Var<value_type_t<X>> sum(X&& a, Axis axis) {
  return sum(a.var(), axis);
}
template <class X>
  requires detail::is_expr<std::remove_cvref_t<X>>
Var<value_type_t<X>> mean(X&& a) {
  return mean(a.var());
}

}  // namespace tapegrad
