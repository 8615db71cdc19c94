// Linear algebra ops: matmul, transpose, and the fused layer op affine.
#pragma once

#include "autograd/tape.hpp"

namespace tapegrad {

/// (m, k) x (k, n) -> (m, n).
template <class T> Var<T> matmul(Var<T> a, Var<T> b);
/// (m, n) -> (n, m).
template <class T> Var<T> transpose(Var<T> a);
/// z = a W + b in one record: a (m, in), W (in, out), b (1, out) added to every
/// row. Backward gives dW = a^T g, da = g W^T and db = column sums of g.
template <class T> Var<T> affine(Var<T> a, Var<T> W, Var<T> b);

}  // namespace tapegrad
