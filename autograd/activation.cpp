// Activations: forward formula and local derivative side by side.
#include "autograd/activation.hpp"

#include <algorithm>
#include <cmath>

#include "autograd/backward_rules.hpp"
#include "autograd/fast_exp.hpp"

namespace tapegrad {
namespace {

template <class T, class F>
Var<T> apply(Op op, Var<T> a, F f) {
  Tape<T>& tape = a.tape();
  const Node<T>& na = tape.checked(a, op);
  const T* x = na.value;
  if (na.shape.is_scalar()) return tape.push_scalar(op, f(x[0]), a);
  auto [z, n] = tape.push(op, na.shape, {a});
  for (std::size_t k = 0; k < n.shape.size(); ++k) n.value[k] = f(x[k]);
  return z;
}

// Writes log softmax of each row of x (rows x cols) into out.
template <class T>
void log_softmax_rows(const T* x, Shape s, T* out) {
  for (std::size_t i = 0; i < s.rows; ++i) {
    const T* row = x + i * s.cols;
    T* o = out + i * s.cols;
    const T max = *std::max_element(row, row + s.cols);
    T sum = 0;
    for (std::size_t j = 0; j < s.cols; ++j) sum += std::exp(row[j] - max);
    const T log_sum = std::log(sum) + max;
    for (std::size_t j = 0; j < s.cols; ++j) o[j] = row[j] - log_sum;
  }
}

}  // namespace

// Float tensors take a vectorised exp (the sigmoid is most of an MLP's
// elementwise time); below -88 the true value underflows to 0, and so does this.
// The clamps and the select are compares, which GCC vectorises only with
// -fno-trapping-math (meson.build passes it: tapegrad never reads FP flags).
void sigmoid_float(const float* z, float* a, std::size_t size) {
  for (std::size_t k = 0; k < size; ++k) {
    const float s = 1.0f / (1.0f + detail::fast_exp(-z[k]));
    a[k] = z[k] < -88.0f ? 0.0f : s;
  }
}

template <class T> Var<T> sigmoid(Var<T> z) {
  if constexpr (std::is_same_v<T, float>) {
    Tape<T>& tape = z.tape();
    const Node<T>& nz = tape.checked(z, Op::sigmoid);
    const T* x = nz.value;
    if (nz.shape.is_scalar()) return tape.push_scalar(Op::sigmoid, sigmoid_value(x[0]), z);
    auto [out, n] = tape.push(Op::sigmoid, nz.shape, {z});
    sigmoid_float(x, n.value, n.shape.size());
    return out;
  } else {
    return apply(Op::sigmoid, z, sigmoid_value<T>);
  }
}

template <class T> Var<T> tanh(Var<T> z) { return apply(Op::tanh, z, [](T x) { return std::tanh(x); }); }
template <class T> Var<T> relu(Var<T> z) { return apply(Op::relu, z, [](T x) { return x > T(0) ? x : T(0); }); }

template <class T>
Var<T> log_softmax(Var<T> z) {
  Tape<T>& tape = z.tape();
  const Node<T>& nz = tape.checked(z, "log_softmax");
  check_nonempty("log_softmax", nz.shape);
  const T* x = nz.value;
  auto [out, n] = tape.push(Op::log_softmax, nz.shape, {z});
  log_softmax_rows(x, n.shape, n.value);
  return out;
}

template <class T>
Var<T> softmax(Var<T> z) {
  Tape<T>& tape = z.tape();
  const Node<T>& nz = tape.checked(z, "softmax");
  check_nonempty("softmax", nz.shape);
  const T* x = nz.value;
  auto [out, n] = tape.push(Op::softmax, nz.shape, {z});
  log_softmax_rows(x, n.shape, n.value);
  for (std::size_t k = 0; k < n.shape.size(); ++k) n.value[k] = std::exp(n.value[k]);
  return out;
}

namespace detail {

template <class T>
void backward_activation(Tape<T>& tape, const Node<T>& n) {
  T* ga = tape.input_grad(n, 0);
  if (!ga) return;
  const T* g = n.grad;
  const T* a = n.value;
  const T* z = tape.input_value(n, 0);
  const std::size_t size = n.shape.size();
  const Shape s = n.shape;
  switch (n.op) {
    case Op::sigmoid:  // a = 1 / (1 + e^-z): dz = g a (1 - a)   (the seed's g'(z))
      for (std::size_t k = 0; k < size; ++k) ga[k] += g[k] * a[k] * (T(1) - a[k]);
      break;
    case Op::tanh:  // a = tanh z: dz = g (1 - a^2)
      for (std::size_t k = 0; k < size; ++k) ga[k] += g[k] * (T(1) - a[k] * a[k]);
      break;
    case Op::relu:  // a = max(z, 0): dz = g [z > 0]
      // Load g unconditionally so the select vectorises instead of branching.
      for (std::size_t k = 0; k < size; ++k) {
        const T gk = g[k];
        ga[k] += z[k] > T(0) ? gk : T(0);
      }
      break;
    case Op::softmax:  // a_j = e^z_j / sum e^z: dz_j = a_j (g_j - sum_k g_k a_k), per row
      for (std::size_t i = 0; i < s.rows; ++i) {
        const std::size_t r = i * s.cols;
        T dot = 0;
        for (std::size_t j = 0; j < s.cols; ++j) dot += g[r + j] * a[r + j];
        for (std::size_t j = 0; j < s.cols; ++j) ga[r + j] += a[r + j] * (g[r + j] - dot);
      }
      break;
    case Op::log_softmax:  // a_j = z_j - log sum e^z: dz_j = g_j - e^a_j sum_k g_k, per row
      for (std::size_t i = 0; i < s.rows; ++i) {
        const std::size_t r = i * s.cols;
        T total = 0;
        for (std::size_t j = 0; j < s.cols; ++j) total += g[r + j];
        for (std::size_t j = 0; j < s.cols; ++j) ga[r + j] += g[r + j] - std::exp(a[r + j]) * total;
      }
      break;
    default: break;
  }
}

template void backward_activation(Tape<float>&, const Node<float>&);
template void backward_activation(Tape<double>&, const Node<double>&);

}  // namespace detail

#define TAPEGRAD_INSTANTIATE(T)               \
  template Var<T> sigmoid(Var<T>);            \
  template Var<T> tanh(Var<T>);               \
  template Var<T> relu(Var<T>);               \
  template Var<T> softmax(Var<T>);            \
  template Var<T> log_softmax(Var<T>);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
