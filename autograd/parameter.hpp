// Parameter: a trainable value with its gradient, owned outside any tape.
#pragma once

#include <string>
#include <utility>

#include "autograd/tensor.hpp"

namespace tapegrad {

/// A value that outlives training steps (a layer's W or b) and the gradient
/// that backward accumulates into it. Tapes refer to its storage directly:
/// do not reshape or move a parameter while a tape records on it.
template <class T>
struct Parameter {
  Tensor<T> value;
  Tensor<T> grad;
  std::string name;

  Parameter() = default;
  explicit Parameter(Tensor<T> initial, std::string name_ = {})
      : value(std::move(initial)), grad(Tensor<T>::zeros(value.shape())), name(std::move(name_)) {}

  Shape shape() const { return value.shape(); }
  void zero_grad() { grad.fill(T(0)); }
};

}  // namespace tapegrad
