// Parameter: a trainable value with its gradient, owned outside any tape.
#pragma once

#include <atomic>
#include <string>
#include <utility>

#include "autograd/tensor.hpp"

namespace tapegrad {

namespace detail {
/// The tape whose backward pass last started accumulating into a parameter's
/// gradient. Each backward writes it at its start and reads it back at its
/// end: another tape there means two backward passes overlapped (on two
/// threads), and the one that sees it throws. Plain
/// (relaxed) stores and loads: an atomic exchange per parameter would cost
/// 10% of a small training step. A copied parameter starts with none.
struct BackwardOwner {
  std::atomic<const void*> tape{nullptr};
  BackwardOwner() = default;
  BackwardOwner(const BackwardOwner&) noexcept {}
  BackwardOwner& operator=(const BackwardOwner&) noexcept { return *this; }
};
}  // namespace detail

/// A value that outlives training steps (a layer's W or b) and the gradient
/// that backward accumulates into it. Tapes refer to its storage directly:
/// do not reshape, move or reassign `value` or `grad` while a tape that
/// recorded it may still run backward (docs/engine-safety.md). Tapes on
/// several threads may read one parameter, but only one backward at a time
/// may accumulate into it: when two overlap, at least one throws
/// std::logic_error (the parameter's gradient is then unreliable).
template <class T>
struct Parameter {
  Tensor<T> value;
  Tensor<T> grad;
  std::string name;
  detail::BackwardOwner backward_owner;

  Parameter() = default;
  explicit Parameter(Tensor<T> initial, std::string name_ = {})
      : value(std::move(initial)), grad(Tensor<T>::zeros(value.shape())), name(std::move(name_)) {}

  Shape shape() const { return value.shape(); }
  void zero_grad() { grad.fill(T(0)); }
};

}  // namespace tapegrad
