// Parameter: a trainable value with its gradient, owned outside any tape.
#pragma once

#include <atomic>
#include <string>
#include <utility>

#include "autograd/tensor.hpp"

namespace tapegrad {

namespace detail {
/// Set while a backward pass accumulates into a parameter's gradient, so a
/// second backward on another thread at the same time is refused rather than
/// losing updates. A copied parameter starts clear.
struct AccumulationFlag {
  std::atomic<bool> busy{false};
  AccumulationFlag() = default;
  AccumulationFlag(const AccumulationFlag&) noexcept {}
  AccumulationFlag& operator=(const AccumulationFlag&) noexcept { return *this; }
};
}  // namespace detail

/// A value that outlives training steps (a layer's W or b) and the gradient
/// that backward accumulates into it. Tapes refer to its storage directly:
/// do not reshape, move or reassign `value` or `grad` while a tape that
/// recorded it may still run backward (docs/engine-safety.md). Tapes on
/// several threads may read one parameter, but only one backward at a time
/// may accumulate into it: a second, concurrent one throws std::logic_error.
template <class T>
struct Parameter {
  Tensor<T> value;
  Tensor<T> grad;
  std::string name;
  detail::AccumulationFlag accumulating;

  Parameter() = default;
  explicit Parameter(Tensor<T> initial, std::string name_ = {})
      : value(std::move(initial)), grad(Tensor<T>::zeros(value.shape())), name(std::move(name_)) {}

  Shape shape() const { return value.shape(); }
  void zero_grad() { grad.fill(T(0)); }
};

}  // namespace tapegrad
