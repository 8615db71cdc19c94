// Linear: construction, naming, and the forward pass on a tape and on plain values.
#include "nn/linear.hpp"

#include <fmt/format.h>

#include "autograd/kernels.hpp"
#include "autograd/linalg.hpp"

namespace tapegrad::nn {

template <class T>
Linear<T>::Linear(std::uint32_t in, std::uint32_t out, Activation g, Generator& generator,
                  Init init, int index)
    : W(initial_weights<T>(init, in, out, g, generator)),
      b(Tensor<T>::zeros({1, out})),
      activation(g) {
  if (in == 0 || out == 0)
    throw ShapeError(fmt::format("linear: a layer needs at least one input and one output; "
                                 "in is {}, out is {}",
                                 in, out));
  set_index(index);
}

template <class T>
Linear<T>::Linear(Tensor<T> W_value, Tensor<T> b_value, Activation g, int index)
    : W(std::move(W_value)), b(std::move(b_value)), activation(g) {
  check_nonempty("linear", W.value.shape());
  if (b.value.shape() != Shape{1, W.value.cols()})
    fail_shapes("linear", "b must be (1, out)", "W", W.value.shape(), "b", b.value.shape());
  set_index(index);
}

template <class T>
void Linear<T>::set_index(int k) {
  index_ = k;
  W.name = fmt::format("W^[{}]", k);
  b.name = fmt::format("b^[{}]", k);
  z_name_ = intern_name(fmt::format("z^[{}]", k));
  a_name_ = intern_name(fmt::format("a^[{}]", k));
  W_name_ = intern_name(W.name);
  b_name_ = intern_name(b.name);
}

template <class T>
LayerVars<T> Linear<T>::forward(Var<T> a, std::string_view a_label) {
  return record(a, a_label, false);
}

template <class T>
LayerVars<T> Linear<T>::record(Var<T> a, std::string_view a_label, bool static_label) {
  Tape<T>& tape = a.tape();
  if (a.shape().cols != in())
    fail_shapes(std::string(z_name_), "input columns differ from the layer's inputs", "a", a.shape(), "W",
                W.value.shape());
  const Var<T> Wv = tape.parameter(W);
  const Var<T> bv = tape.parameter(b);
  // z^[k] = a^[k-1] W^[k] + b^[k]: (m, in) x (in, out) + (1, out) -> (m, out)
  const Var<T> z = affine(a, Wv, bv);
  // a^[k] = g(z^[k]), elementwise
  const Var<T> out = activate(activation, z);
  if (tape.naming()) {
    tape.set_static_name(Wv, W.name == W_name_ ? W_name_ : intern_name(W.name), index_);
    tape.set_static_name(bv, b.name == b_name_ ? b_name_ : intern_name(b.name), index_);
    tape.set_static_name(z, z_name_, index_);
    if (!a_label.empty() && static_label)
      tape.set_static_name(out, a_label, index_);
    else if (!a_label.empty())
      tape.set_name(out, a_label, index_);  // the caller's text: copied
    else if (activation != Activation::identity)
      tape.set_static_name(out, a_name_, index_);
  }
  return {z, out};
}

template <class T>
Var<T> Linear<T>::record_fused(Var<T> a) {
  Tape<T>& tape = a.tape();
  if (a.shape().cols != in())
    fail_shapes(std::string(z_name_), "input columns differ from the layer's inputs", "a", a.shape(), "W",
                W.value.shape());
  const ActivationOp g = activation_op(activation);
  // a^[k] = g(a^[k-1] W^[k] + b^[k]): (m, in) x (in, out) + (1, out) -> (m, out)
  return dense(a, tape.parameter(W), tape.parameter(b), g.op, g.numbers);
}

template <class T>
Tensor<T> Linear<T>::apply(TensorView<T> a, Tensor<T>& z) const {
  if (a.cols() != in())
    fail_shapes(std::string(z_name_), "input columns differ from the layer's inputs", "a", a.shape, "W",
                W.value.shape());
  const std::uint32_t m = a.rows();
  if (z.shape() != Shape{m, out()}) z = Tensor<T>::zeros({m, out()});
  // z = a W + b: every row starts as b, then gemm adds a W.
  for (std::uint32_t i = 0; i < m; ++i)
    std::copy(b.value.begin(), b.value.end(), z.data() + std::size_t{i} * out());
  gemm<T>(false, false, m, out(), in(), T(1), a.data, in(), W.value.data(), out(), T(1), z.data(),
          out());
  Tensor<T> result = z;
  for (auto& v : result) v = activation_value(activation, v);
  return result;
}

template class Linear<float>;
template class Linear<double>;

}  // namespace tapegrad::nn
