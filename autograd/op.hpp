// Op: every op's code, each elementwise op's rule as one row of a table, and
// the small types ops take: Reduction, Axis, Attr, Role.
//
// An elementwise op is one row of a table below; the row is its whole
// definition. A unary row gives
//   name     the op's code and name, and (if `numbers` is `none`) the public
//            function name(x) that records it (autograd/elementwise.hpp);
//   numbers  `none`, or `p` if the op takes plain numbers p and q (pow's
//            exponent, clamp's bounds): its public function is written by hand;
//   f        y = f(x, p, q);
//   df       dy/dx, given x, y and the numbers.
// A binary row gives the public function's name, z = f(a, b) and the partials
// dz/da and dz/db given a, b and z. Formulas are written once, generic in the
// number type T, with the functions of autograd/math.hpp (exp(x) is
// math::exp). autograd/rules.hpp makes each row a Rule<op>; from it come the
// scalar path (a statement's partials), the tensor kernels
// (autograd/tensor_ops.cpp), the dual numbers of forward mode
// (autograd/dual.hpp: Hessians use the same rules) and the chain-rule text the
// step-through page shows (viz/rule_text.cpp, checked against the rule by
// tests/viz/rule_text_test.cpp).
//
// Tensor ops (matmul, softmax, the losses) have code, not formulas: their
// rules are in autograd/tensor_ops.cpp; only their names are listed here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

// clang-format off
#define TAPEGRAD_UNARY_RULES(X)                                                                 \
  /* name         numbers  y = f(x, p, q)                              dy/dx, given x and y */  \
  X(neg,          none,    -x,                                         -1)                      \
  X(add_scalar,   p,       x + p,                                      1)                       \
  X(mul_scalar,   p,       x * p,                                      p)                       \
  X(rsub_scalar,  p,       p - x,                                      -1)                      \
  X(rdiv_scalar,  p,       p / x,                                      -y / x)                  \
  X(exp,          none,    exp(x),                                     y)                       \
  X(log,          none,    log(x),                                     1 / x)                   \
  X(pow,          p,       pow(x, p),                                  p == 0 ? 0 : p * pow(x, p - 1)) \
  X(rpow_scalar,  p,       pow(p, x),                                  p == 0 && x >= 0 ? 0 : y * log(p)) \
  X(sqrt,         none,    sqrt(x),                                    1 / (2 * y))             \
  X(abs,          none,    abs(x),                                     sign(x))                 \
  X(sin,          none,    sin(x),                                     cos(x))                  \
  X(cos,          none,    cos(x),                                     -sin(x))                 \
  X(atan,         none,    atan(x),                                    1 / (1 + x * x))         \
  X(log1p,        none,    log1p(x),                                   1 / (1 + x))             \
  X(expm1,        none,    expm1(x),                                   y + 1)                   \
  X(clamp,        p,       x < p ? p : x > q ? q : x,                  x >= p && x <= q ? 1 : 0) \
  X(sigmoid,      none,    sigmoid(x),                                 y * (1 - y))             \
  X(tanh,         none,    tanh(x),                                    1 - y * y)               \
  X(relu,         none,    x > 0 ? x : 0,                              x > 0 ? 1 : 0)           \
  X(leaky_relu,   p,       x > 0 ? x : p * x,                          x > 0 ? 1 : p)           \
  X(elu,          p,       x > 0 ? x : p * expm1(x),                   x > 0 ? 1 : y + p)       \
  X(softplus,     none,    x > 20 ? x : (x > 0 ? x : 0) + log1p(exp(-abs(x))), x > 20 ? 1 : sigmoid(x)) \
  X(gelu,         none,     x * normal_cdf(x),                          normal_cdf(x) + x * normal_pdf(x)) \
  X(gelu_tanh,    none,     T(0.5) * x * (1 + tanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x))), \
                           T(0.5) * (1 + tanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x))) +    \
                           T(0.5) * x * (1 - tanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x)) * \
                           tanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x))) *                  \
                           T(0.7978845608028654) * (1 + 3 * T(0.044715) * x * x))

#define TAPEGRAD_BINARY_RULES(X)                                                                \
  /* name      function  z = f(a, b)                  dz/da, given a, b, z            dz/db */   \
  X(add,       add,      a + b,                       1,                              1)         \
  X(sub,       sub,      a - b,                       1,                              -1)        \
  X(mul,       mul,      a * b,                       b,                              a)         \
  X(div,       div,      a / b,                       1 / b,                          -z / b)    \
  X(maximum,   maximum,  isnan(a) || a > b ? a : b,   a > b ? 1 : a == b ? T(0.5) : 0, b > a ? 1 : a == b ? T(0.5) : 0) \
  X(minimum,   minimum,  isnan(a) || a < b ? a : b,   a < b ? 1 : a == b ? T(0.5) : 0, b < a ? 1 : a == b ? T(0.5) : 0) \
  X(pow_var,   pow,      pow(a, b),                   b == 0 ? 0 : b * pow(a, b - 1), a == 0 && b >= 0 ? 0 : z * log(a))

// Ops whose rules are code (autograd/tensor_ops.cpp), in the order of their codes: code, name.
#define TAPEGRAD_TENSOR_OPS(X)                                                                  \
  X(softmax, softmax) X(log_softmax, log_softmax) X(matmul, matmul) X(transpose, transpose)      \
  X(affine, affine) X(sum, sum) X(sum_rows, sum_rows) X(sum_cols, sum_cols) X(mean, mean)        \
  X(binary_cross_entropy, binary_cross_entropy)                                                 \
  X(binary_cross_entropy_with_logits, bce_with_logits) X(mse, mse) X(half_sse, half_sse)         \
  X(cross_entropy, cross_entropy) X(custom, custom) X(dense, dense)
// clang-format on

namespace tapegrad {


/// One code per recorded operation: leaves, expressions (several elementwise
/// ops recorded as one statement), the elementwise ops of the tables above,
/// the tensor ops, and `count`, the number of codes.
enum class Op : std::uint8_t {
  leaf,        // parameter, variable, input or constant: nothing to propagate
  expression,  // a statement of several elementwise ops: its partials were computed when recorded
#define TAPEGRAD_OP_CODE(name, ...) name,
  TAPEGRAD_UNARY_RULES(TAPEGRAD_OP_CODE) TAPEGRAD_BINARY_RULES(TAPEGRAD_OP_CODE)
#undef TAPEGRAD_OP_CODE
#define TAPEGRAD_OP_CODE(code, name) code,
  TAPEGRAD_TENSOR_OPS(TAPEGRAD_OP_CODE)
#undef TAPEGRAD_OP_CODE
  count
};
inline constexpr std::size_t op_count = static_cast<std::size_t>(Op::count);
static_assert(op_count < 256, "op codes are stored in 8 bits");

/// How the engine runs an op.
enum class OpKind : std::uint8_t { leaf, expression, unary, binary, tensor };

constexpr OpKind op_kind(Op op) {
  switch (op) {
    case Op::leaf: return OpKind::leaf;
    case Op::expression: return OpKind::expression;
#define TAPEGRAD_OP_KIND(name, ...) case Op::name: return OpKind::unary;
    TAPEGRAD_UNARY_RULES(TAPEGRAD_OP_KIND)
#undef TAPEGRAD_OP_KIND
#define TAPEGRAD_OP_KIND(name, ...) case Op::name: return OpKind::binary;
    TAPEGRAD_BINARY_RULES(TAPEGRAD_OP_KIND)
#undef TAPEGRAD_OP_KIND
    default: return OpKind::tensor;
  }
}
/// Whether unary op `op` takes plain numbers (pow's exponent, clamp's bounds).
constexpr bool op_takes_numbers(Op op) {
  switch (op) {
#define TAPEGRAD_OP_NUMBERS(name, numbers, ...) case Op::name: return #numbers[0] == 'p';
    TAPEGRAD_UNARY_RULES(TAPEGRAD_OP_NUMBERS)
#undef TAPEGRAD_OP_NUMBERS
    default: return false;
  }
}

/// Every op's rule, one specialisation per code (autograd/rules.hpp for the
/// elementwise ops, autograd/tensor_ops.cpp for the others).
template <Op op>
struct Rule;

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

/// What a leaf stands for: a Parameter's storage, a variable on the tape,
/// data fed in, or a fixed number. Records computed by ops are intermediate.
enum class Role : std::uint8_t { intermediate, parameter, variable, input, constant };

constexpr std::string_view role_name(Role role) {
  switch (role) {
    case Role::intermediate: return "intermediate";
    case Role::parameter: return "parameter";
    case Role::variable: return "variable";
    case Role::input: return "input";
    case Role::constant: return "constant";
  }
  return "unknown";
}

/// The op's name, distinct for every op, as dumps and messages show it.
std::string_view op_name(Op op);

}  // namespace tapegrad
