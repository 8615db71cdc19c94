// Reductions: forward sums and their broadcast-back gradients.
#include "autograd/reduce.hpp"

#include "autograd/backward_rules.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> reduce(Op op, Var<T> a) {
  Tape<T>& tape = a.tape();
  const Node<T>& na = tape.checked(a, op_name(op));
  const Shape s = na.shape;
  if (op == Op::mean) check_nonempty("mean", s);
  const T* x = na.value;
  const Shape out = op == Op::sum_rows ? Shape{1, s.cols}
                  : op == Op::sum_cols ? Shape{s.rows, 1}
                                       : Shape{1, 1};
  auto [z, n] = tape.push(op, out, {a});
  T* y = n.value;
  std::fill_n(y, out.size(), T(0));
  for (std::size_t i = 0; i < s.rows; ++i)
    for (std::size_t j = 0; j < s.cols; ++j) {
      const T v = x[i * s.cols + j];
      if (op == Op::sum_rows) y[j] += v;
      else if (op == Op::sum_cols) y[i] += v;
      else y[0] += v;
    }
  if (op == Op::mean) y[0] /= static_cast<T>(s.size());
  return z;
}

}  // namespace

template <class T> Var<T> sum(Var<T> a) { return reduce(Op::sum, a); }
template <class T> Var<T> sum(Var<T> a, Axis axis) {
  return reduce(axis == Axis::rows ? Op::sum_rows : Op::sum_cols, a);
}
template <class T> Var<T> mean(Var<T> a) { return reduce(Op::mean, a); }

namespace detail {

template <class T>
void backward_reduce(Tape<T>& tape, const Node<T>& n) {
  T* ga = tape.input_grad(n, 0);
  if (!ga) return;
  const Shape s = tape.input_shape(n, 0);
  const T* g = n.grad;
  // Each input element fed one output element, which hands its gradient back.
  const T scale = n.op == Op::mean ? T(1) / static_cast<T>(s.size()) : T(1);
  for (std::size_t i = 0; i < s.rows; ++i)
    for (std::size_t j = 0; j < s.cols; ++j) {
      const T gi = n.op == Op::sum_rows ? g[j] : n.op == Op::sum_cols ? g[i] : g[0];
      ga[i * s.cols + j] += gi * scale;
    }
}

template void backward_reduce(Tape<float>&, const Node<float>&);
template void backward_reduce(Tape<double>&, const Node<double>&);

}  // namespace detail

#define TAPEGRAD_INSTANTIATE(T)            \
  template Var<T> sum(Var<T>);             \
  template Var<T> sum(Var<T>, Axis);       \
  template Var<T> mean(Var<T>);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
