// Op: the code of every recorded operation, and its printable name.
#pragma once

#include <cstdint>
#include <string_view>

namespace tapegrad {

/// One code per recorded operation; the backward pass is one switch over it.
enum class Op : std::uint8_t {
  leaf,  // parameter, variable, input or constant: nothing to propagate
  add, sub, mul, div, neg,
  add_scalar, mul_scalar, rsub_scalar, rdiv_scalar,
  exp, log, pow, sqrt, abs,
  sigmoid, tanh, relu, softmax, log_softmax,
  matmul, transpose, affine,
  sum, sum_rows, sum_cols, mean,
  binary_cross_entropy, binary_cross_entropy_with_logits, mse, half_sse, cross_entropy,
  custom,
};

/// How a loss combines its per-sample terms l_i (one per row): `mean` is
/// (1/m) sum_i l_i, `sum` is sum_i l_i.
enum class Reduction : std::uint8_t { mean, sum };

/// The axis a reduction runs along: `rows` sums down each column to (1, cols),
/// `cols` sums along each row to (rows, 1).
enum class Axis : std::uint8_t { rows, cols };

constexpr std::string_view op_name(Op op) {
  switch (op) {
    case Op::leaf: return "leaf";
    case Op::add: return "add";
    case Op::sub: return "sub";
    case Op::mul: return "mul";
    case Op::div: return "div";
    case Op::neg: return "neg";
    case Op::add_scalar: return "add_scalar";
    case Op::mul_scalar: return "mul_scalar";
    case Op::rsub_scalar: return "rsub_scalar";
    case Op::rdiv_scalar: return "rdiv_scalar";
    case Op::exp: return "exp";
    case Op::log: return "log";
    case Op::pow: return "pow";
    case Op::sqrt: return "sqrt";
    case Op::abs: return "abs";
    case Op::sigmoid: return "sigmoid";
    case Op::tanh: return "tanh";
    case Op::relu: return "relu";
    case Op::softmax: return "softmax";
    case Op::log_softmax: return "log_softmax";
    case Op::matmul: return "matmul";
    case Op::transpose: return "transpose";
    case Op::affine: return "affine";
    case Op::sum: return "sum";
    case Op::sum_rows: return "sum_rows";
    case Op::sum_cols: return "sum_cols";
    case Op::mean: return "mean";
    case Op::binary_cross_entropy: return "binary_cross_entropy";
    case Op::binary_cross_entropy_with_logits: return "bce_with_logits";
    case Op::mse: return "mse";
    case Op::half_sse: return "half_sse";
    case Op::cross_entropy: return "cross_entropy";
    case Op::custom: return "custom";
  }
  return "unknown";
}

}  // namespace tapegrad
