// Hessian: the curvature of a network's loss in all its parameters, and its eigenvalues.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "autograd/op.hpp"
#include "autograd/tensor.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"

namespace tapegrad::nn {

/// Where one parameter sits in the flattened parameter vector.
struct ParameterBlock {
  std::string name;    ///< `W^[1]`, `b^[1]`, ...
  Shape shape;
  std::size_t offset;  ///< index of its first element (row-major within the block)
};

/// The loss and its Hessian with respect to every parameter, flattened in the
/// order W^[1] (row-major), b^[1], W^[2], b^[2], ...
template <class T>
struct LossHessian {
  T loss{};
  std::vector<ParameterBlock> parameters;
  Tensor<T> hessian;  ///< (P, P), P = net.parameter_count()
};

/// The Hessian of the loss of `net` on inputs x (m, inputs) and targets y
/// (m, outputs), exact: one Hessian-vector product (forward-over-reverse, on
/// dual numbers) per parameter, so P times about four gradients' cost. relu's
/// second derivative is 0 (as PyTorch's). Throws as `loss` does for bad shapes
/// or targets.
template <class T>
LossHessian<T> loss_hessian(Mlp<T>& net, LossKind kind, TensorView<T> x, TensorView<T> y,
                            Reduction reduction = Reduction::mean);

/// The eigenvalues of a symmetric (n, n) matrix, ascending, by LAPACK's dsyevd
/// on (A + A^T) / 2 (a computed Hessian is symmetric only up to rounding).
/// Throws ShapeError for a non-square matrix.
std::vector<double> symmetric_eigenvalues(TensorView<double> a);

extern template LossHessian<float> loss_hessian(Mlp<float>&, LossKind, TensorView<float>,
                                                TensorView<float>, Reduction);
extern template LossHessian<double> loss_hessian(Mlp<double>&, LossKind, TensorView<double>,
                                                 TensorView<double>, Reduction);

}  // namespace tapegrad::nn
