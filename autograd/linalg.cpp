// Linear algebra ops: forward and backward as gemm calls with transpose flags.
#include "autograd/linalg.hpp"

#include <algorithm>

#include "autograd/backward_rules.hpp"
#include "autograd/kernels.hpp"

namespace tapegrad {

template <class T>
Var<T> matmul(Var<T> a, Var<T> b) {
  Tape<T>& tape = a.tape();
  const Node<T>& na = tape.checked(a, "matmul");
  const Node<T>& nb = tape.checked(b, "matmul");
  check_matmul("matmul", na.shape, nb.shape);
  const Shape sa = na.shape, sb = nb.shape;
  const T* x = na.value;
  const T* y = nb.value;
  auto [z, n] = tape.push(Op::matmul, {sa.rows, sb.cols}, {a, b});
  gemm<T>(false, false, sa.rows, sb.cols, sa.cols, T(1), x, sa.cols, y, sb.cols, T(0), n.value,
          sb.cols);
  return z;
}

template <class T>
Var<T> transpose(Var<T> a) {
  Tape<T>& tape = a.tape();
  const Node<T>& na = tape.checked(a, "transpose");
  const Shape s = na.shape;
  const T* x = na.value;
  auto [z, n] = tape.push(Op::transpose, {s.cols, s.rows}, {a});
  for (std::size_t i = 0; i < s.rows; ++i)
    for (std::size_t j = 0; j < s.cols; ++j) n.value[j * s.rows + i] = x[i * s.cols + j];
  return z;
}

template <class T>
Var<T> affine(Var<T> a, Var<T> W, Var<T> b) {
  Tape<T>& tape = a.tape();
  const Node<T>& na = tape.checked(a, "affine");
  const Node<T>& nw = tape.checked(W, "affine");
  const Node<T>& nb = tape.checked(b, "affine");
  const Shape sa = na.shape, sw = nw.shape, sb = nb.shape;
  if (sa.cols != sw.rows)
    fail_shapes("affine", fmt::format("inner dimensions {} and {} differ", sa.cols, sw.rows),
                "a", sa, "W", sw);
  if (sb != Shape{1, sw.cols})
    fail_shapes("affine", fmt::format("b must be (1, {}), one bias per column of W", sw.cols),
                "W", sw, "b", sb);
  const T* x = na.value;
  const T* w = nw.value;
  const T* bias = nb.value;
  auto [z, n] = tape.push(Op::affine, {sa.rows, sw.cols}, {a, W, b});
  for (std::size_t i = 0; i < sa.rows; ++i) std::copy_n(bias, sw.cols, n.value + i * sw.cols);
  gemm<T>(false, false, sa.rows, sw.cols, sa.cols, T(1), x, sa.cols, w, sw.cols, T(1), n.value,
          sw.cols);
  return z;
}

namespace detail {

template <class T>
void backward_linalg(Tape<T>& tape, const Node<T>& n) {
  const T* g = n.grad;
  switch (n.op) {
    case Op::matmul:
    case Op::affine: {
      // z = a W (+ b): dW = a^T g [k x n], da = g W^T [m x k], db = colsum(g) [1 x n]
      const Shape sa = tape.input_shape(n, 0), sw = tape.input_shape(n, 1);
      const std::size_t m = sa.rows, k = sa.cols, cols = sw.cols;
      const T* a = tape.input_value(n, 0);
      const T* w = tape.input_value(n, 1);
      if (T* gw = tape.input_grad(n, 1)) gemm<T>(true, false, k, cols, m, T(1), a, k, g, cols, T(1), gw, cols);
      if (T* ga = tape.input_grad(n, 0)) gemm<T>(false, true, m, k, cols, T(1), g, cols, w, cols, T(1), ga, k);
      if (n.op == Op::affine)
        if (T* gb = tape.input_grad(n, 2))
          for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < cols; ++j) gb[j] += g[i * cols + j];
      break;
    }
    case Op::transpose: {  // z = a^T: da = g^T
      T* ga = tape.input_grad(n, 0);
      if (!ga) break;
      const Shape s = n.shape;  // (cols of a, rows of a)
      for (std::size_t i = 0; i < s.rows; ++i)
        for (std::size_t j = 0; j < s.cols; ++j) ga[j * s.rows + i] += g[i * s.cols + j];
      break;
    }
    default: break;
  }
}

template void backward_linalg(Tape<float>&, const Node<float>&);
template void backward_linalg(Tape<double>&, const Node<double>&);

}  // namespace detail

#define TAPEGRAD_INSTANTIATE(T)                       \
  template Var<T> matmul(Var<T>, Var<T>);             \
  template Var<T> transpose(Var<T>);                  \
  template Var<T> affine(Var<T>, Var<T>, Var<T>);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
