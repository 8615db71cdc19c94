// The backward rules of each op family, called by Tape::backward's switch.
#pragma once

#include "autograd/tape.hpp"

namespace tapegrad::detail {

// Each adds the gradient of the record's inputs, given the record's own gradient.
template <class T> void backward_elementwise(Tape<T>& tape, const Node<T>& n);
template <class T> void backward_activation(Tape<T>& tape, const Node<T>& n);
template <class T> void backward_linalg(Tape<T>& tape, const Node<T>& n);
template <class T> void backward_reduce(Tape<T>& tape, const Node<T>& n);
template <class T> void backward_loss(Tape<T>& tape, const Node<T>& n);

}  // namespace tapegrad::detail
