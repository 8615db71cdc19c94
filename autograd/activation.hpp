// Activations: sigmoid, tanh, relu, and softmax / log_softmax over each row.
#pragma once

#include "autograd/tape.hpp"

namespace tapegrad {

/// The logistic sigmoid 1 / (1 + e^-z), evaluated so that it is exact and
/// finite for any z (e.g. +-1000); local derivative a (1 - a).
template <class T> Var<T> sigmoid(Var<T> z);
template <class T> Var<T> tanh(Var<T> z);
/// max(z, 0); its gradient at 0 is taken as 0.
template <class T> Var<T> relu(Var<T> z);
/// Softmax of each row of (m, n) logits; stable (the row maximum is subtracted).
template <class T> Var<T> softmax(Var<T> z);
/// log softmax of each row, z - max - log(sum exp(z - max)); stable.
template <class T> Var<T> log_softmax(Var<T> z);

/// The sigmoid of one number, stable for any sign of z.
template <class T>
inline T sigmoid_value(T z) {
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

}  // namespace tapegrad
