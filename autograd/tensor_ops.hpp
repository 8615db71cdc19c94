// Tensor ops: what the tape and the tensor rules share (autograd/tensor_ops.cpp).
#pragma once

#include "autograd/tape.hpp"

namespace tapegrad {

/// One tensor record's inputs and output where a rule reads and writes them.
template <class T>
struct Call {
  const TensorRecord<T>& r;
  Tape<T>& tape;
  const T* const* x;  // input values
  T* const* gx;       // input gradients (null: none needed)
  const Shape* sx;    // input shapes
  T* z;               // the record's value
  T* g;               // and gradient
  Shape shape;
  const Attr& attr;
  Reduction reduction;

  static Call of(Tape<T>& tape, const TensorRecord<T>& r) {
    return {r, tape, r.x, r.gx, r.sx, r.value, r.grad, r.shape, r.attr, r.reduction};
  }
};

namespace detail {
/// Runs the backward rule of tensor record `r`: the reverse walk's one
/// dispatch, a table indexed by op code.
template <class T>
void run_rule(Tape<T>& tape, const TensorRecord<T>& r);
}  // namespace detail

}  // namespace tapegrad
