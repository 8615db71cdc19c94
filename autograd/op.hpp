// Op: the code of every recorded operation. What each op computes, its
// backward rule and its text live in one registry entry (autograd/registry.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tapegrad {

/// One code per recorded operation. The order is the registry's order
/// (autograd/registry.hpp checks it at compile time).
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
  sin, cos, log1p, expm1, softplus, leaky_relu, elu, gelu, gelu_tanh,
  maximum, minimum, clamp, pow_var, rpow_scalar,
};
inline constexpr std::size_t op_count = static_cast<std::size_t>(Op::rpow_scalar) + 1;

/// How a loss combines its per-sample terms l_i (one per row): `mean` is
/// (1/m) sum_i l_i, `sum` is sum_i l_i.
enum class Reduction : std::uint8_t { mean, sum };

/// The axis a reduction runs along: `rows` sums down each column to (1, cols),
/// `cols` sums along each row to (rows, 1).
enum class Axis : std::uint8_t { rows, cols };

/// The plain numbers an op takes besides its inputs (pow's exponent, clamp's
/// bounds, leaky_relu's slope); most ops take none.
struct Attr {
  double p = 0;
  double q = 0;
};

/// The op's name as dumps and messages show it (from the registry).
std::string_view op_name(Op op);

}  // namespace tapegrad
