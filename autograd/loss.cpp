// Losses: forward formula and gradient side by side, fused into one record each.
#include "autograd/loss.hpp"

#include <algorithm>
#include <cmath>

#include "autograd/activation.hpp"
#include "autograd/backward_rules.hpp"

namespace tapegrad {
namespace {

template <class T>
T clamped_log(T x) {
  return std::max(std::log(x), T(-100));
}

template <class T>
void check_unit_interval(std::string_view op, std::string_view what, const T* v, Shape s) {
  for (std::size_t k = 0; k < s.size(); ++k)
    if (!(v[k] >= T(0) && v[k] <= T(1)))
      throw std::invalid_argument(fmt::format("{}: {} {} at ({}, {}) is outside [0, 1]", op, what,
                                              v[k], k / s.cols, k % s.cols));
}

template <class T>
Var<T> loss(Op op, Var<T> a, Var<T> y, Reduction r) {
  const std::string_view name = op_name(op);
  Tape<T>& tape = a.tape();
  const Node<T>& na = tape.checked(a, name);
  const Node<T>& ny = tape.checked(y, name);
  const Shape s = na.shape;
  const char* first = op == Op::binary_cross_entropy ? "p"
                    : (op == Op::mse || op == Op::half_sse) ? "a" : "z";
  check_same_shape(name, first, s, "y", ny.shape);
  check_nonempty(name, s);
  const T* x = na.value;
  const T* t = ny.value;
  if (op == Op::binary_cross_entropy) {
    check_unit_interval(name, "probability", x, s);
    check_unit_interval(name, "target", t, s);
  }
  if (op == Op::binary_cross_entropy_with_logits) check_unit_interval(name, "target", t, s);
  const std::size_t aux = op == Op::cross_entropy ? s.size() : 0;
  auto [out, n] = tape.push(op, {1, 1}, {a, y}, 0.0, aux);
  n.reduction = r;
  T total = 0;
  switch (op) {
    case Op::binary_cross_entropy:
      for (std::size_t k = 0; k < s.size(); ++k)
        total -= t[k] * clamped_log(x[k]) + (T(1) - t[k]) * clamped_log(T(1) - x[k]);
      break;
    case Op::binary_cross_entropy_with_logits:
      for (std::size_t k = 0; k < s.size(); ++k)
        total += std::max(x[k], T(0)) - x[k] * t[k] + std::log1p(std::exp(-std::abs(x[k])));
      break;
    case Op::mse:
      for (std::size_t k = 0; k < s.size(); ++k) total += (x[k] - t[k]) * (x[k] - t[k]);
      total /= static_cast<T>(s.cols);
      break;
    case Op::half_sse:
      for (std::size_t k = 0; k < s.size(); ++k) total += (t[k] - x[k]) * (t[k] - x[k]);
      total /= T(2);
      break;
    case Op::cross_entropy:
      // aux keeps log softmax(z) for backward.
      for (std::size_t i = 0; i < s.rows; ++i) {
        const T* row = x + i * s.cols;
        T* lsm = n.aux + i * s.cols;
        const T max = *std::max_element(row, row + s.cols);
        T sum = 0;
        for (std::size_t j = 0; j < s.cols; ++j) sum += std::exp(row[j] - max);
        const T log_sum = std::log(sum) + max;
        for (std::size_t j = 0; j < s.cols; ++j) {
          lsm[j] = row[j] - log_sum;
          total -= t[i * s.cols + j] * lsm[j];
        }
      }
      break;
    default: break;
  }
  n.value[0] = r == Reduction::mean ? total / static_cast<T>(s.rows) : total;
  return out;
}

}  // namespace

template <class T> Var<T> binary_cross_entropy(Var<T> p, Var<T> y, Reduction r) {
  return loss(Op::binary_cross_entropy, p, y, r);
}
template <class T> Var<T> binary_cross_entropy_with_logits(Var<T> z, Var<T> y, Reduction r) {
  return loss(Op::binary_cross_entropy_with_logits, z, y, r);
}
template <class T> Var<T> mse(Var<T> a, Var<T> y, Reduction r) { return loss(Op::mse, a, y, r); }
template <class T> Var<T> half_sse(Var<T> a, Var<T> y, Reduction r) {
  return loss(Op::half_sse, a, y, r);
}
template <class T> Var<T> cross_entropy(Var<T> z, Var<T> y, Reduction r) {
  return loss(Op::cross_entropy, z, y, r);
}

namespace detail {

template <class T>
void backward_loss(Tape<T>& tape, const Node<T>& n) {
  const Shape s = tape.input_shape(n, 0);
  const T* x = tape.input_value(n, 0);
  const T* t = tape.input_value(n, 1);
  T* gx = tape.input_grad(n, 0);
  T* gt = tape.input_grad(n, 1);
  // dL/dl_i: the upstream gradient, divided by m for the mean.
  const T scale = n.grad[0] / (n.reduction == Reduction::mean ? static_cast<T>(s.rows) : T(1));
  const std::size_t size = s.size();
  switch (n.op) {
    case Op::binary_cross_entropy:
      // dp = (p - y) / (p (1 - p)), dy = log(1 - p) - log p
      for (std::size_t k = 0; k < size; ++k) {
        if (gx) gx[k] += scale * (x[k] - t[k]) / std::max(x[k] * (T(1) - x[k]), T(1e-12));
        if (gt) gt[k] += scale * (clamped_log(T(1) - x[k]) - clamped_log(x[k]));
      }
      break;
    case Op::binary_cross_entropy_with_logits:
      // dz = sigmoid(z) - y (the seed's g^[Lz] = a^[L] - y), dy = -z
      for (std::size_t k = 0; k < size; ++k) {
        if (gx) gx[k] += scale * (sigmoid_value(x[k]) - t[k]);
        if (gt) gt[k] -= scale * x[k];
      }
      break;
    case Op::mse: {
      // da = 2 (a - y) / n, dy = -da
      const T c = T(2) / static_cast<T>(s.cols);
      for (std::size_t k = 0; k < size; ++k) {
        const T d = scale * c * (x[k] - t[k]);
        if (gx) gx[k] += d;
        if (gt) gt[k] -= d;
      }
      break;
    }
    case Op::half_sse:
      // da = a - y, dy = y - a
      for (std::size_t k = 0; k < size; ++k) {
        const T d = scale * (x[k] - t[k]);
        if (gx) gx[k] += d;
        if (gt) gt[k] -= d;
      }
      break;
    case Op::cross_entropy:
      // dz_ij = softmax_ij sum_k y_ik - y_ij (softmax - y for rows summing to 1),
      // dy_ij = -log softmax_ij
      for (std::size_t i = 0; i < s.rows; ++i) {
        const std::size_t r = i * s.cols;
        T row_total = 0;
        for (std::size_t j = 0; j < s.cols; ++j) row_total += t[r + j];
        for (std::size_t j = 0; j < s.cols; ++j) {
          if (gx) gx[r + j] += scale * (std::exp(n.aux[r + j]) * row_total - t[r + j]);
          if (gt) gt[r + j] -= scale * n.aux[r + j];
        }
      }
      break;
    default: break;
  }
}

template void backward_loss(Tape<float>&, const Node<float>&);
template void backward_loss(Tape<double>&, const Node<double>&);

}  // namespace detail

#define TAPEGRAD_INSTANTIATE(T)                                                   \
  template Var<T> binary_cross_entropy(Var<T>, Var<T>, Reduction);               \
  template Var<T> binary_cross_entropy_with_logits(Var<T>, Var<T>, Reduction);   \
  template Var<T> mse(Var<T>, Var<T>, Reduction);                                 \
  template Var<T> half_sse(Var<T>, Var<T>, Reduction);                            \
  template Var<T> cross_entropy(Var<T>, Var<T>, Reduction);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
