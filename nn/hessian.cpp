// Hessian: the network's loss recorded on dual numbers, one Hessian-vector product per column.
#include "nn/hessian.hpp"

#include <lapacke.h>

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "autograd/forward_mode.hpp"
#include "nn/activation.hpp"
#include "nn/losses.hpp"

namespace tapegrad::nn {

template <class T>
LossHessian<T> loss_hessian(Mlp<T>& net, LossKind kind, TensorView<T> x, TensorView<T> y,
                            Reduction reduction) {
  LossHessian<T> out;
  // The loss on plain numbers first: it checks shapes and targets, as `grad` does.
  {
    Tape<T> tape;
    tape.set_naming(false);
    const Output<T> output = net.forward(tape.input(x));
    out.loss = loss(kind, output, tape.input(y), reduction).item();
  }
  std::vector<Tensor<T>> theta;
  for (const Parameter<T>* p : net.parameters()) {
    out.parameters.push_back({p->name, p->shape(), detail::total_size<T>(theta)});
    theta.push_back(p->value);
  }
  // The same records as Mlp::forward and loss, with the parameters as the
  // function's inputs: affine, then the activation, layer by layer.
  const Tensor<Dual<T>> xd = detail::dual_of(Tensor<T>(x), static_cast<const T*>(nullptr));
  const Tensor<Dual<T>> yd = detail::dual_of(Tensor<T>(y), static_cast<const T*>(nullptr));
  const auto layers = net.layers();
  auto f = [&](std::span<const Var<Dual<T>>> params) {
    Tape<Dual<T>>& tape = params[0].tape();
    Output<Dual<T>> o;
    o.a = tape.input(xd.view());
    for (std::size_t k = 0; k < layers.size(); ++k) {
      o.z = affine(o.a, params[2 * k], params[2 * k + 1]);
      o.a = activate(layers[k].activation, o.z);
    }
    o.activation = net.output_activation();
    return record_loss_op(kind, o, tape.input(yd.view()), reduction);
  };
  out.hessian = hessian(f, std::span<const Tensor<T>>(theta));
  return out;
}

std::vector<double> symmetric_eigenvalues(TensorView<double> a) {
  const Shape s = a.shape;
  if (s.rows != s.cols) fail_shapes("eigenvalues", "the matrix is not square", "a", s, "a^T", {s.cols, s.rows});
  const std::size_t n = s.rows;
  std::vector<double> w(n), sym(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      if (!std::isfinite(a(i, j)))
        throw std::invalid_argument(
            fmt::format("eigenvalues: entry ({}, {}) is {}, not a finite number", i, j, a(i, j)));
      sym[i * n + j] = 0.5 * (a(i, j) + a(j, i));
    }
  if (n == 0) return w;
  const auto order = static_cast<lapack_int>(n);
  const lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'L', order, sym.data(), order, w.data());
  if (info != 0)
    throw std::runtime_error(fmt::format(
        "eigenvalues: LAPACK dsyevd failed (info {}): the matrix has non-finite entries or the "
        "iteration did not converge",
        info));
  return w;
}

template LossHessian<float> loss_hessian(Mlp<float>&, LossKind, TensorView<float>,
                                         TensorView<float>, Reduction);
template LossHessian<double> loss_hessian(Mlp<double>&, LossKind, TensorView<double>,
                                          TensorView<double>, Reduction);

}  // namespace tapegrad::nn
