// Reductions: sum (all, over rows, over columns) and mean.
#pragma once

#include "autograd/tape.hpp"

namespace tapegrad {

/// Sum of every element -> (1, 1).
template <class T> Var<T> sum(Var<T> a);
/// Axis::rows sums down each column -> (1, cols); Axis::cols along each row -> (rows, 1).
template <class T> Var<T> sum(Var<T> a, Axis axis);
/// Mean of every element -> (1, 1).
template <class T> Var<T> mean(Var<T> a);

}  // namespace tapegrad
