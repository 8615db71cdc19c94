// Losses: target checks, then one engine loss record on z^[L] or a^[L].
#include "nn/losses.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "autograd/loss.hpp"

namespace tapegrad::nn {

std::string_view loss_name(LossKind loss) {
  switch (loss) {
    case LossKind::bce: return "bce";
    case LossKind::half_sse: return "half_sse";
    case LossKind::softmax_ce: return "softmax_ce";
    case LossKind::mse: return "mse";
  }
  return "unknown";
}

std::optional<LossKind> parse_loss(std::string_view name) {
  for (auto loss : {LossKind::bce, LossKind::half_sse, LossKind::softmax_ce, LossKind::mse})
    if (loss_name(loss) == name) return loss;
  return std::nullopt;
}

void check_loss_activation(LossKind kind, Activation output, std::string_view where) {
  if (kind == LossKind::bce && output != Activation::sigmoid)
    throw std::invalid_argument(fmt::format("loss bce needs a sigmoid last layer, but {} is {}",
                                            where, activation_name(output)));
  if (kind == LossKind::softmax_ce && output != Activation::identity)
    throw std::invalid_argument(fmt::format(
        "loss softmax_ce applies its own softmax and needs an identity last layer, but {} is {}",
        where, activation_name(output)));
}

bool is_class_index(LossKind kind, Shape y, Shape output) {
  return kind == LossKind::softmax_ce && y.cols == 1 && output.cols >= 2 && y.rows == output.rows;
}

template <class T>
Tensor<T> dense_targets(LossKind kind, TensorView<T> y, Shape output) {
  if (!is_class_index(kind, y.shape, output)) return Tensor<T>(y);
  Tensor<T> dense({y.rows(), output.cols}, T(0));
  for (std::uint32_t i = 0; i < y.rows(); ++i) {
    const T k = y(i, 0);
    if (!(k >= T(0) && k < static_cast<T>(output.cols) && k == std::floor(k)))
      throw std::invalid_argument(fmt::format(
          "softmax_ce: target {} in row {} is not a class index 0..{}", k, i, output.cols - 1));
    dense(i, static_cast<std::uint32_t>(k)) = T(1);
  }
  return dense;
}

template <class T>
void check_targets(LossKind kind, TensorView<T> y) {
  const std::string_view name = loss_name(kind);
  check_nonempty(name, y.shape);
  for (std::size_t k = 0; k < y.size(); ++k)
    if (!std::isfinite(y[k]))
      throw std::invalid_argument(fmt::format("{}: target {} at ({}, {}) is not finite", name,
                                              y[k], k / y.cols(), k % y.cols()));
  if (kind == LossKind::bce) {
    for (std::size_t k = 0; k < y.size(); ++k)
      if (!(y[k] >= T(0) && y[k] <= T(1)))
        throw std::invalid_argument(fmt::format("bce: target {} at ({}, {}) is outside [0, 1]",
                                                y[k], k / y.cols(), k % y.cols()));
  }
  if (kind == LossKind::softmax_ce) {
    // Rows are class distributions; the tolerance allows rounding in the data.
    const T tolerance = std::is_same_v<T, float> ? T(1e-5) : T(1e-9);
    for (std::uint32_t i = 0; i < y.rows(); ++i) {
      T total = 0;
      for (std::uint32_t j = 0; j < y.cols(); ++j) {
        if (y(i, j) < T(0))
          throw std::invalid_argument(
              fmt::format("softmax_ce: target {} at ({}, {}) is negative", y(i, j), i, j));
        total += y(i, j);
      }
      if (std::abs(total - T(1)) > tolerance * static_cast<T>(y.cols()))
        throw std::invalid_argument(fmt::format(
            "softmax_ce: target row {} sums to {}, not 1 (rows are class probabilities, "
            "one-hot for labels)",
            i, total));
    }
  }
}

template <class T>
Var<T> loss(LossKind kind, const Output<T>& output, Var<T> y, Reduction r) {
  const std::string_view name = loss_name(kind);
  Tape<T>& tape = output.a.tape();
  const Shape s = output.a.shape();
  check_loss_activation(kind, output.activation, "the output activation");
  // Class indices become one-hot rows on the tape: the loss is the same
  // cross_entropy record, and indices have no gradient to carry.
  if (is_class_index(kind, y.shape(), s)) y = tape.input(dense_targets(kind, y.value(), s));
  if (y.shape() != s)
    fail_shapes(name, "targets differ in shape from the output", "y_hat", s, "y", y.shape());
  check_targets(kind, y.value());
  const Var<T> L = record_loss_op(kind, output, y, r);
  if (tape.naming()) tape.set_static_name(L, "L");
  return L;
}

#define TAPEGRAD_INSTANTIATE(T)                                              \
  template Tensor<T> dense_targets(LossKind, TensorView<T>, Shape);          \
  template void check_targets(LossKind, TensorView<T>);                      \
  template Var<T> loss(LossKind, const Output<T>&, Var<T>, Reduction);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad::nn
