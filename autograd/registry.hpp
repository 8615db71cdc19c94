// The op registry: every op defined once, forward and local derivative side by side.
//
// Each op is one struct in namespace tapegrad::ops with
//   code         its Op code;
//   kind         unary or binary (elementwise, with broadcasting), or tensor;
//   text         its name, the label graph dumps draw, its inputs' labels and
//                the chain rule the step-through page shows for each input;
// and, by kind:
//   unary        f(x, attr) and df(x, y, attr) = dy/dx, given y = f(x);
//   binary       f(a, b) and da(a, b, z), db(a, b, z);
//   tensor       shape(inputs, attr) (checks them), forward(call), backward(call).
// Below each struct, the public function that records it. The reverse walk,
// gradcheck, the graph export and the page all read these entries, through
// the table at the end of this file, whose order static_asserts check
// against enum Op: an op without an entry, or an entry without its backward
// rule, does not compile.
//
// Scalars take an inline path: a (1, 1) elementwise op computes f and its
// partials here, in the caller, and appends one compact record
// (Tape::push_scalar). A tensor op appends a tensor record and runs its
// forward where it is recorded; its backward, and binary ops' broadcasting
// forward, come from the tables in registry.cpp, built from the same entries.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <numbers>
#include <string_view>
#include <type_traits>

#include "autograd/fast_exp.hpp"
#include "autograd/kernels.hpp"
#include "autograd/math.hpp"
#include "autograd/tape.hpp"

// Scalar code is a long run of tiny ops: each public elementwise function
// inlines into its caller, so a scalar op is a few loads and stores.
#define TAPEGRAD_INLINE [[gnu::always_inline]] inline

namespace tapegrad {

/// One code per recorded operation, in the order of ops::All below (checked
/// at compile time).
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

/// What dumps and the page show of an op. In `symbol` and `rules`, `{p}` and
/// `{q}` stand for the op's numbers and `{reduction}` for mean or sum; a rule's
/// other fields are gradient and value names: `{gin}` the input's gradient,
/// `{assign}` "=" or "+=", `{g}` the record's gradient, `{x}` the input,
/// `{r}` the record, `{in0}` `{in1}` the inputs, `{other}` the other input,
/// `{scale}` " / m" for a mean loss. An empty rule reads `d{r}/d{x} . {g}`.
struct OpText {
  std::string_view name;
  std::string_view symbol;
  std::array<std::string_view, 3> inputs{};
  std::array<std::string_view, 3> rules{};
};

enum class OpKind : std::uint8_t { leaf, unary, binary, tensor };

/// One record's inputs and output where a tensor kernel reads and writes them.
template <class T>
struct Call {
  const TensorRecord<T>& r;
  Tape<T>& tape;
  const T* x[3];  // input values
  T* gx[3];       // input gradients (null: none needed)
  Shape sx[3];    // input shapes
  T* z;           // the record's value
  T* g;           // and gradient
  Shape shape;
  const Attr& attr;
  Reduction reduction;

  /// Tensor record `r`'s inputs and output, as its kernels see them.
  static Call of(Tape<T>& tape, const TensorRecord<T>& r) {
    return {r,       tape,    {r.x[0], r.x[1], r.x[2]}, {r.gx[0], r.gx[1], r.gx[2]},
            {r.sx[0], r.sx[1], r.sx[2]}, r.value, r.grad, r.shape, r.attr, r.reduction};
  }
};

/// The sigmoid of one number, stable for any sign of z.
template <class T>
inline T sigmoid_value(T z) {
  if (z >= T(0)) return T(1) / (T(1) + math::exp(-z));
  const T e = math::exp(z);
  return e / (T(1) + e);
}

namespace detail {
// The vectorised float sigmoid (activation kernels; registry.cpp).
void sigmoid_float(const float* z, float* a, std::size_t size);
// Out-of-line tensor paths (registry.cpp): check, record, run the forward.
template <class T> Var<T> record_binary_tensor(Op op, Var<T> a, Var<T> b);
template <class T> void run_forward(Tape<T>& tape, Var<T> v);
}  // namespace detail

/// Records an elementwise unary op; (1, 1) values inline to a scalar record.
template <class Def, class T>
[[gnu::always_inline]] inline Var<T> record_unary(Var<T> a, Attr attr = {}) {
  if constexpr (Def::compact) {
    // A live scalar slot: its stamp is the tape's epoch, give or take kNeeds.
    Tape<T>* tape = a.tape_ptr();
    const std::uint32_t sa = a.stamp();
    if (tape && a.tape_word() == tape->word() && (sa & ~Var<T>::kNeeds) == tape->epoch()) [[likely]] {
      const T x = tape->slot_value(a);
      const T y = Def::template f<T>(x, attr);
      return tape->push_scalar(Def::code, y, Def::template df<T>(x, y, attr), a.id() + 1,
                               static_cast<T>(attr.p), 0,
                               sa & Var<T>::kNeeds ? Tape<T>::kNeedsGrad : 0u);
    }
  }
  // A tensor: one record, and f mapped over it here (the activation of a
  // small layer costs less than a call through the table).
  Tape<T>& tape = a.tape();
  tape.check(a, Def::text.name);
  auto [v, r] = tape.push(Def::code, tape.shape(a.id()), {a}, attr);
  const std::size_t n = r.shape.size();
  // (The requires-expression names no structured binding: clang 14 cannot.)
  if constexpr (requires(const T* x, T* out) { Def::map(x, out, n, attr); })
    Def::map(r.x[0], r.value, n, attr);
  else
    for (std::size_t k = 0; k < n; ++k) r.value[k] = Def::template f<T>(r.x[0][k], attr);
  return v;
}

/// Records an elementwise binary op; two (1, 1) values inline to a scalar record.
template <class Def, class T>
[[gnu::always_inline]] inline Var<T> record_binary(Var<T> a, Var<T> b) {
  Tape<T>* tape = a.tape_ptr();
  const std::uint32_t sa = a.stamp(), sb = b.stamp();
  if (tape && a.tape_word() == tape->word() && b.tape_word() == a.tape_word() &&
      ((sa | sb) & ~Var<T>::kNeeds) == tape->epoch() &&
      ((sa & sb) & ~Var<T>::kNeeds) == tape->epoch()) [[likely]] {
    const T x = tape->slot_value(a), y = tape->slot_value(b);
    const T z = Def::template f<T>(x, y);
    return tape->push_scalar(Def::code, z, Def::template da<T>(x, y, z), a.id() + 1,
                             Def::template db<T>(x, y, z), b.id() + 1,
                             (sa | sb) & Var<T>::kNeeds ? Tape<T>::kNeedsGrad : 0u);
  }
  return detail::record_binary_tensor(Def::code, a, b);
}

/// Records a tensor op: checks the inputs, asks the op for its shape, runs its forward.
template <class Def, class T>
Var<T> record_tensor(std::initializer_list<Var<T>> inputs, Attr attr = {},
                     Reduction reduction = Reduction::mean) {
  Tape<T>& tape = inputs.begin()->tape();
  Shape shapes[3];
  int k = 0;
  for (const Var<T>& v : inputs) {
    tape.check(v, Def::text.name);
    shapes[k++] = tape.shape(v.id());
  }
  const Shape shape = Def::shape(shapes, attr);
  std::size_t aux = 0;
  if constexpr (requires { Def::aux_size(shape, shapes); }) aux = Def::aux_size(shape, shapes);
  auto [v, r] = tape.push(Def::code, shape, inputs, attr, aux);
  r.reduction = reduction;
  // The forward runs here, inline: a small layer's whole op is a few dozen
  // multiply-adds, less than a call through the table would cost.
  Call<T> c = Call<T>::of(tape, r);
  Def::template forward<T>(c);
  return v;
}

namespace ops {

// ---------------------------------------------------------------- leaves

struct Leaf {
  static constexpr Op code = Op::leaf;
  static constexpr OpKind kind = OpKind::leaf;
  static constexpr OpText text{"leaf", "leaf"};
};

// ---------------------------------------------------------------- arithmetic

struct Add {
  static constexpr Op code = Op::add;
  static constexpr OpKind kind = OpKind::binary;
  static constexpr OpText text{"add", "+", {"a", "b"}, {"{gin} {assign} {g}", "{gin} {assign} {g}"}};
  template <class T> static T f(T a, T b) { return a + b; }
  // z = a + b: da = 1, db = 1
  template <class T> static T da(T, T, T) { return T(1); }
  template <class T> static T db(T, T, T) { return T(1); }
};

struct Sub {
  static constexpr Op code = Op::sub;
  static constexpr OpKind kind = OpKind::binary;
  static constexpr OpText text{"sub", "&#8722;", {"a", "b"}, {"{gin} {assign} {g}", "{gin} {assign} -{g}"}};
  template <class T> static T f(T a, T b) { return a - b; }
  // z = a - b: da = 1, db = -1
  template <class T> static T da(T, T, T) { return T(1); }
  template <class T> static T db(T, T, T) { return T(-1); }
};

struct Mul {
  static constexpr Op code = Op::mul;
  static constexpr OpKind kind = OpKind::binary;
  static constexpr OpText text{"mul", "&#215;", {"a", "b"},
                               {"{gin} {assign} {other} o {g}", "{gin} {assign} {other} o {g}"}};
  template <class T> static T f(T a, T b) { return a * b; }
  // z = a b: da = b, db = a
  template <class T> static T da(T, T b, T) { return b; }
  template <class T> static T db(T a, T, T) { return a; }
};

struct Div {
  static constexpr Op code = Op::div;
  static constexpr OpKind kind = OpKind::binary;
  static constexpr OpText text{"div", "/", {"a", "b"},
                               {"{gin} {assign} {g} / {in1}", "{gin} {assign} -{r} / {in1} o {g}"}};
  template <class T> static T f(T a, T b) { return a / b; }
  // z = a / b: da = 1 / b, db = -a / b^2 = -z / b
  template <class T> static T da(T, T b, T) { return T(1) / b; }
  template <class T> static T db(T, T b, T z) { return -z / b; }
};

struct Neg {
  static constexpr Op code = Op::neg;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"neg", "&#8722;x", {}, {"{gin} {assign} -{g}"}};
  template <class T> static T f(T x, Attr) { return -x; }
  template <class T> static T df(T, T, Attr) { return T(-1); }
};

struct AddScalar {
  static constexpr Op code = Op::add_scalar;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"add_scalar", "+ {p}", {}, {"{gin} {assign} {g}"}};
  template <class T> static T f(T x, Attr c) { return static_cast<T>(x + c.p); }
  template <class T> static T df(T, T, Attr) { return T(1); }
};

struct MulScalar {
  static constexpr Op code = Op::mul_scalar;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"mul_scalar", "&#215; {p}", {}, {"{gin} {assign} {p} {g}"}};
  template <class T> static T f(T x, Attr c) { return static_cast<T>(x * c.p); }
  template <class T> static T df(T, T, Attr c) { return static_cast<T>(c.p); }
};

struct RsubScalar {
  static constexpr Op code = Op::rsub_scalar;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"rsub_scalar", "{p} &#8722; x", {}, {"{gin} {assign} -{g}"}};
  template <class T> static T f(T x, Attr c) { return static_cast<T>(c.p - x); }
  template <class T> static T df(T, T, Attr) { return T(-1); }
};

struct RdivScalar {
  static constexpr Op code = Op::rdiv_scalar;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"rdiv_scalar", "{p} / x", {}, {"{gin} {assign} -{r} / {x} o {g}"}};
  template <class T> static T f(T x, Attr c) { return static_cast<T>(c.p / x); }
  // z = c / x: dx = -c / x^2 = -z / x
  template <class T> static T df(T x, T z, Attr) { return -z / x; }
};

// ---------------------------------------------------------------- math

struct Exp {
  static constexpr Op code = Op::exp;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"exp", "exp", {}, {"{gin} {assign} {r} o {g}"}};
  template <class T> static T f(T x, Attr) { return math::exp(x); }
  template <class T> static T df(T, T y, Attr) { return y; }
};

struct Log {
  static constexpr Op code = Op::log;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"log", "log", {}, {"{gin} {assign} {g} / {x}"}};
  // log(0) is -inf and its derivative inf, as in IEEE arithmetic.
  template <class T> static T f(T x, Attr) { return math::log(x); }
  template <class T> static T df(T x, T, Attr) { return T(1) / x; }
};

struct Pow {
  static constexpr Op code = Op::pow;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"pow", "pow {p}", {}, {"{gin} {assign} {p} {x}^({p} - 1) o {g}"}};
  template <class T> static T f(T x, Attr c) { return math::pow(x, static_cast<T>(c.p)); }
  // y = x^p: dx = p x^(p-1); 0 for p = 0 (as PyTorch), even at x = 0
  template <class T> static T df(T x, T, Attr c) {
    return c.p == 0 ? T(0) : static_cast<T>(c.p) * math::pow(x, static_cast<T>(c.p - 1));
  }
};

struct Sqrt {
  static constexpr Op code = Op::sqrt;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"sqrt", "sqrt", {}, {"{gin} {assign} {g} / (2 {r})"}};
  template <class T> static T f(T x, Attr) { return math::sqrt(x); }
  template <class T> static T df(T, T y, Attr) { return T(1) / (T(2) * y); }
};

struct Abs {
  static constexpr Op code = Op::abs;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"abs", "abs", {}, {"{gin} {assign} sign({x}) o {g}"}};
  template <class T> static T f(T x, Attr) { return math::abs(x); }
  // sign(x), 0 at x = 0
  template <class T> static T df(T x, T, Attr) { return T((x > 0) - (x < 0)); }
};

struct Sin {
  static constexpr Op code = Op::sin;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"sin", "sin", {}, {"{gin} {assign} cos({x}) o {g}"}};
  template <class T> static T f(T x, Attr) { return math::sin(x); }
  template <class T> static T df(T x, T, Attr) { return math::cos(x); }
};

struct Cos {
  static constexpr Op code = Op::cos;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"cos", "cos", {}, {"{gin} {assign} -sin({x}) o {g}"}};
  template <class T> static T f(T x, Attr) { return math::cos(x); }
  template <class T> static T df(T x, T, Attr) { return -math::sin(x); }
};

struct Log1p {
  static constexpr Op code = Op::log1p;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"log1p", "log1p", {}, {"{gin} {assign} {g} / (1 + {x})"}};
  template <class T> static T f(T x, Attr) { return math::log1p(x); }
  template <class T> static T df(T x, T, Attr) { return T(1) / (T(1) + x); }
};

struct Expm1 {
  static constexpr Op code = Op::expm1;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"expm1", "expm1", {}, {"{gin} {assign} ({r} + 1) o {g}"}};
  template <class T> static T f(T x, Attr) { return math::expm1(x); }
  template <class T> static T df(T, T y, Attr) { return y + T(1); }
};

struct Clamp {
  static constexpr Op code = Op::clamp;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = false;  // two numbers: a scalar record keeps one
  static constexpr OpText text{"clamp", "clamp [{p}, {q}]", {}, {"{gin} {assign} [{p} <= {x} <= {q}] o {g}"}};
  template <class T> static T f(T x, Attr c) {
    return std::min(std::max(x, static_cast<T>(c.p)), static_cast<T>(c.q));
  }
  // 1 inside [lo, hi], bounds included (as PyTorch), else 0
  template <class T> static T df(T x, T, Attr c) {
    return x >= static_cast<T>(c.p) && x <= static_cast<T>(c.q) ? T(1) : T(0);
  }
};

struct RpowScalar {
  static constexpr Op code = Op::rpow_scalar;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"rpow_scalar", "{p}^x", {}, {"{gin} {assign} {r} log {p} o {g}"}};
  template <class T> static T f(T x, Attr c) { return math::pow(static_cast<T>(c.p), x); }
  // y = c^x: dx = y log c; 0 where c = 0 and x >= 0 (as PyTorch)
  template <class T> static T df(T x, T y, Attr c) {
    return c.p == 0 && x >= T(0) ? T(0) : y * static_cast<T>(math::log(c.p));
  }
};

struct PowVar {
  static constexpr Op code = Op::pow_var;
  static constexpr OpKind kind = OpKind::binary;
  static constexpr OpText text{"pow", "a^b", {"a", "b"},
                               {"{gin} {assign} {in1} {in0}^({in1} - 1) o {g}",
                                "{gin} {assign} {r} log {in0} o {g}"}};
  template <class T> static T f(T a, T b) { return math::pow(a, b); }
  // z = a^b: da = b a^(b-1) (0 where b = 0), db = z log a (0 where a = 0 and b >= 0), as PyTorch
  template <class T> static T da(T a, T b, T) { return b == T(0) ? T(0) : b * math::pow(a, b - T(1)); }
  template <class T> static T db(T a, T b, T z) {
    return a == T(0) && b >= T(0) ? T(0) : z * math::log(a);
  }
};

struct Maximum {
  static constexpr Op code = Op::maximum;
  static constexpr OpKind kind = OpKind::binary;
  static constexpr OpText text{"maximum", "max", {"a", "b"},
                               {"{gin} {assign} [{in0} >= {in1}] o {g}", "{gin} {assign} [{in1} >= {in0}] o {g}"}};
  template <class T> static T f(T a, T b) { return math::isnan(a) || a > b ? a : b; }
  // the larger input takes the gradient; a tie splits it in half (as PyTorch)
  template <class T> static T da(T a, T b, T) { return a > b ? T(1) : a == b ? T(0.5) : T(0); }
  template <class T> static T db(T a, T b, T) { return b > a ? T(1) : a == b ? T(0.5) : T(0); }
};

struct Minimum {
  static constexpr Op code = Op::minimum;
  static constexpr OpKind kind = OpKind::binary;
  static constexpr OpText text{"minimum", "min", {"a", "b"},
                               {"{gin} {assign} [{in0} <= {in1}] o {g}", "{gin} {assign} [{in1} <= {in0}] o {g}"}};
  template <class T> static T f(T a, T b) { return math::isnan(a) || a < b ? a : b; }
  template <class T> static T da(T a, T b, T) { return a < b ? T(1) : a == b ? T(0.5) : T(0); }
  template <class T> static T db(T a, T b, T) { return b < a ? T(1) : a == b ? T(0.5) : T(0); }
};

// ---------------------------------------------------------------- activations

struct Sigmoid {
  static constexpr Op code = Op::sigmoid;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"sigmoid", "sigmoid", {}, {"{gin} {assign} g'({x}) o {g},   g'({x}) = {r} (1 - {r})"}};
  // exact and finite for any z (e.g. +-1000)
  template <class T> static T f(T z, Attr) { return sigmoid_value(z); }
  // a = 1 / (1 + e^-z): da/dz = a (1 - a)
  template <class T> static T df(T, T a, Attr) { return a * (T(1) - a); }
  // float tensors take a vectorised exp (the sigmoid is most of an MLP's elementwise time)
  static void map(const float* z, float* a, std::size_t n, Attr) { detail::sigmoid_float(z, a, n); }
};

struct Tanh {
  static constexpr Op code = Op::tanh;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"tanh", "tanh", {}, {"{gin} {assign} g'({x}) o {g},   g'({x}) = 1 - {r}^2"}};
  template <class T> static T f(T z, Attr) { return math::tanh(z); }
  template <class T> static T df(T, T a, Attr) { return T(1) - a * a; }
};

struct Relu {
  static constexpr Op code = Op::relu;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"relu", "relu", {}, {"{gin} {assign} g'({x}) o {g},   g'({x}) = [{x} > 0]"}};
  template <class T> static T f(T z, Attr) { return z > T(0) ? z : T(0); }
  // 1 for z > 0, else 0 (0 at the kink, as PyTorch)
  template <class T> static T df(T z, T, Attr) { return z > T(0) ? T(1) : T(0); }
};

struct LeakyRelu {
  static constexpr Op code = Op::leaky_relu;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"leaky_relu", "leaky_relu {p}", {}, {"{gin} {assign} g'({x}) o {g},   g'({x}) = 1 if {x} > 0 else {p}"}};
  template <class T> static T f(T z, Attr s) { return z > T(0) ? z : static_cast<T>(s.p) * z; }
  // 1 for z > 0, else the slope (the slope at 0, as PyTorch)
  template <class T> static T df(T z, T, Attr s) { return z > T(0) ? T(1) : static_cast<T>(s.p); }
};

struct Elu {
  static constexpr Op code = Op::elu;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"elu", "elu {p}", {}, {"{gin} {assign} g'({x}) o {g},   g'({x}) = 1 if {x} > 0 else {r} + {p}"}};
  template <class T> static T f(T z, Attr s) {
    return z > T(0) ? z : static_cast<T>(s.p) * math::expm1(z);
  }
  // 1 for z > 0, else alpha e^z = a + alpha (alpha at 0, as PyTorch)
  template <class T> static T df(T z, T a, Attr s) { return z > T(0) ? T(1) : a + static_cast<T>(s.p); }
};

struct Softplus {
  static constexpr Op code = Op::softplus;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"softplus", "softplus", {}, {"{gin} {assign} sigmoid({x}) o {g}"}};
  /// log(1 + e^z) without overflow: max(z, 0) + log(1 + e^-|z|).
  template <class T> static T stable(T z) { return std::max(z, T(0)) + math::log1p(math::exp(-math::abs(z))); }
  // above 20, z itself (PyTorch's threshold)
  template <class T> static T f(T z, Attr) { return z > T(20) ? z : stable(z); }
  template <class T> static T df(T z, T, Attr) { return z > T(20) ? T(1) : sigmoid_value(z); }
};

struct Gelu {
  static constexpr Op code = Op::gelu;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"gelu", "gelu", {}, {"{gin} {assign} (Phi({x}) + {x} phi({x})) o {g}"}};
  // z Phi(z), Phi the standard normal CDF
  template <class T> static T f(T z, Attr) {
    return T(0.5) * z * (T(1) + math::erf(z * static_cast<T>(std::numbers::sqrt2 / 2)));
  }
  template <class T> static T df(T z, T, Attr) {
    const T cdf = T(0.5) * (T(1) + math::erf(z * static_cast<T>(std::numbers::sqrt2 / 2)));
    const T pdf = math::exp(T(-0.5) * z * z) * static_cast<T>(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
    return cdf + z * pdf;
  }
};

struct GeluTanh {
  static constexpr Op code = Op::gelu_tanh;
  static constexpr OpKind kind = OpKind::unary;
  static constexpr bool compact = true;
  static constexpr OpText text{"gelu", "gelu (tanh)", {}, {"{gin} {assign} g'({x}) o {g}"}};
  static constexpr double k = 0.044715;
  // 0.5 z (1 + tanh(u)), u = sqrt(2 / pi) (z + 0.044715 z^3)
  template <class T> static T f(T z, Attr) {
    const T c = static_cast<T>(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
    return T(0.5) * z * (T(1) + math::tanh(c * (z + static_cast<T>(k) * z * z * z)));
  }
  template <class T> static T df(T z, T, Attr) {
    const T c = static_cast<T>(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
    const T t = math::tanh(c * (z + static_cast<T>(k) * z * z * z));
    return T(0.5) * (T(1) + t) + T(0.5) * z * (T(1) - t * t) * c * (T(1) + T(3) * static_cast<T>(k) * z * z);
  }
};

/// log softmax of each row, z - max - log(sum exp(z - max)); shared by
/// log_softmax, softmax and cross_entropy.
template <class T>
void log_softmax_rows(const T* x, Shape s, T* out) {
  for (std::size_t i = 0; i < s.rows; ++i) {
    const T* row = x + i * s.cols;
    T* o = out + i * s.cols;
    const T max = *std::max_element(row, row + s.cols);
    T sum = 0;
    for (std::size_t j = 0; j < s.cols; ++j) sum += math::exp(row[j] - max);
    const T log_sum = math::log(sum) + max;
    for (std::size_t j = 0; j < s.cols; ++j) o[j] = row[j] - log_sum;
  }
}

struct Softmax {
  static constexpr Op code = Op::softmax;
  static constexpr OpKind kind = OpKind::tensor;
  static constexpr OpText text{"softmax", "softmax", {}, {"{gin} {assign} {r} o ({g} - rowsum({g} o {r}))"}};
  static Shape shape(const Shape* in, Attr) {
    check_nonempty("softmax", in[0]);
    return in[0];
  }
  template <class T> static void forward(Call<T>& c) {
    log_softmax_rows(c.x[0], c.shape, c.z);
    for (std::size_t k = 0; k < c.shape.size(); ++k) c.z[k] = math::exp(c.z[k]);
  }
  // a_j = e^z_j / sum e^z: dz_j = a_j (g_j - sum_k g_k a_k), per row
  template <class T> static void backward(Call<T>& c) {
    const Shape s = c.shape;
    for (std::size_t i = 0; i < s.rows; ++i) {
      const T* g = c.g + i * s.cols;
      const T* a = c.z + i * s.cols;
      T dot = 0;
      for (std::size_t j = 0; j < s.cols; ++j) dot += g[j] * a[j];
      for (std::size_t j = 0; j < s.cols; ++j) c.gx[0][i * s.cols + j] += a[j] * (g[j] - dot);
    }
  }
};

struct LogSoftmax {
  static constexpr Op code = Op::log_softmax;
  static constexpr OpKind kind = OpKind::tensor;
  static constexpr OpText text{"log_softmax", "log_softmax", {}, {"{gin} {assign} {g} - exp({r}) rowsum({g})"}};
  static Shape shape(const Shape* in, Attr) {
    check_nonempty("log_softmax", in[0]);
    return in[0];
  }
  template <class T> static void forward(Call<T>& c) { log_softmax_rows(c.x[0], c.shape, c.z); }
  // a_j = z_j - log sum e^z: dz_j = g_j - e^a_j sum_k g_k, per row
  template <class T> static void backward(Call<T>& c) {
    const Shape s = c.shape;
    for (std::size_t i = 0; i < s.rows; ++i) {
      const std::size_t r = i * s.cols;
      T total = 0;
      for (std::size_t j = 0; j < s.cols; ++j) total += c.g[r + j];
      for (std::size_t j = 0; j < s.cols; ++j) c.gx[0][r + j] += c.g[r + j] - math::exp(c.z[r + j]) * total;
    }
  }
};

// ---------------------------------------------------------------- linear algebra

/// C (m x n) += op(A) op(B), row-major, op(A) (m x k): inline loops for tiny
/// products (the 4-3-2-1 example's layers), gemm otherwise.
template <bool ta, bool tb, class T>
inline void product(std::size_t m, std::size_t n, std::size_t k, const T* a, std::size_t lda,
                    const T* b, std::size_t ldb, T* c, std::size_t ldc) {
  if (m * n * k > 64) {
    gemm<T>(ta, tb, m, n, k, T(1), a, lda, b, ldb, T(1), c, ldc);
    return;
  }
  for (std::size_t i = 0; i < m; ++i) {
    T* crow = c + i * ldc;
    if constexpr (tb) {
      // C_ij += sum_p A_ip B_jp: dot products over rows of B
      for (std::size_t j = 0; j < n; ++j) {
        T sum = 0;
        for (std::size_t p = 0; p < k; ++p) sum += (ta ? a[p * lda + i] : a[i * lda + p]) * b[j * ldb + p];
        crow[j] += sum;
      }
    } else {
      for (std::size_t p = 0; p < k; ++p) {
        const T x = ta ? a[p * lda + i] : a[i * lda + p];
        const T* brow = b + p * ldb;
        for (std::size_t j = 0; j < n; ++j) crow[j] += x * brow[j];
      }
    }
  }
}

struct Matmul {
  static constexpr Op code = Op::matmul;
  static constexpr OpKind kind = OpKind::tensor;
  static constexpr OpText text{"matmul", "matmul", {"a", "b"},
                               {"{gin} {assign} {g} ({in1})^T", "{gin} {assign} ({in0})^T {g}"}};
  static Shape shape(const Shape* in, Attr) {
    check_matmul("matmul", in[0], in[1]);
    return {in[0].rows, in[1].cols};
  }
  template <class T> static void forward(Call<T>& c) {
    const Shape sa = c.sx[0], sb = c.sx[1];
    std::fill_n(c.z, c.shape.size(), T(0));
    product<false, false>(sa.rows, sb.cols, sa.cols, c.x[0], sa.cols, c.x[1], sb.cols, c.z, sb.cols);
  }
  // z = a b: da = g b^T [m x k], db = a^T g [k x n]
  template <class T> static void backward(Call<T>& c) {
    const std::size_t m = c.sx[0].rows, k = c.sx[0].cols, n = c.sx[1].cols;
    if (c.gx[1]) product<true, false>(k, n, m, c.x[0], k, c.g, n, c.gx[1], n);
    if (c.gx[0]) product<false, true>(m, k, n, c.g, n, c.x[1], n, c.gx[0], k);
  }
};

struct Transpose {
  static constexpr Op code = Op::transpose;
  static constexpr OpKind kind = OpKind::tensor;
  static constexpr OpText text{"transpose", "transpose", {}, {"{gin} {assign} ({g})^T"}};
  static Shape shape(const Shape* in, Attr) { return {in[0].cols, in[0].rows}; }
  template <class T> static void forward(Call<T>& c) {
    const Shape s = c.sx[0];
    for (std::size_t i = 0; i < s.rows; ++i)
      for (std::size_t j = 0; j < s.cols; ++j) c.z[j * s.rows + i] = c.x[0][i * s.cols + j];
  }
  // z = a^T: da = g^T
  template <class T> static void backward(Call<T>& c) {
    const Shape s = c.shape;  // (cols of a, rows of a)
    for (std::size_t i = 0; i < s.rows; ++i)
      for (std::size_t j = 0; j < s.cols; ++j) c.gx[0][j * s.rows + i] += c.g[i * s.cols + j];
  }
};

struct Affine {
  static constexpr Op code = Op::affine;
  static constexpr OpKind kind = OpKind::tensor;
  static constexpr OpText text{"affine", "affine<BR/><FONT POINT-SIZE=\"9\">a W + b</FONT>", {"a", "W", "b"},
                               {"{gin} {assign} {g} ({in1})^T", "{gin} {assign} ({in0})^T {g}",
                                "{gin} {assign} column sums of {g}"}};
  static Shape shape(const Shape* in, Attr) {
    const Shape sa = in[0], sw = in[1], sb = in[2];
    if (sa.cols != sw.rows)
      fail_shapes("affine", fmt::format("inner dimensions {} and {} differ", sa.cols, sw.rows), "a", sa, "W", sw);
    if (sb != Shape{1, sw.cols})
      fail_shapes("affine", fmt::format("b must be (1, {}), one bias per column of W", sw.cols), "W", sw, "b", sb);
    return {sa.rows, sw.cols};
  }
  template <class T> static void forward(Call<T>& c) {
    const Shape sa = c.sx[0], sw = c.sx[1];
    for (std::size_t i = 0; i < sa.rows; ++i) std::copy_n(c.x[2], sw.cols, c.z + i * sw.cols);
    product<false, false>(sa.rows, sw.cols, sa.cols, c.x[0], sa.cols, c.x[1], sw.cols, c.z, sw.cols);
  }
  // z = a W + b: dW = a^T g [in x out], da = g W^T [m x in], db = colsum(g) [1 x out]
  template <class T> static void backward(Call<T>& c) {
    const std::size_t m = c.sx[0].rows, k = c.sx[0].cols, n = c.sx[1].cols;
    if (c.gx[1]) product<true, false>(k, n, m, c.x[0], k, c.g, n, c.gx[1], n);
    if (c.gx[0]) product<false, true>(m, k, n, c.g, n, c.x[1], n, c.gx[0], k);
    if (c.gx[2])
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) c.gx[2][j] += c.g[i * n + j];
  }
};

// ---------------------------------------------------------------- reductions

// Sum and mean of every element, or down columns / along rows; each input
// element fed one output element, which hands its gradient back.
template <Op op, int divide>
struct Reduce {
  static constexpr Op code = op;
  static constexpr OpKind kind = OpKind::tensor;
  static constexpr std::string_view label = op == Op::sum ? "sum" : op == Op::sum_rows ? "sum_rows"
                                          : op == Op::sum_cols ? "sum_cols" : "mean";
  static constexpr OpText text{label, label, {}, {divide ? "{gin} {assign} {g} / size({x})" : "{gin} {assign} {g}"}};
  static Shape shape(const Shape* in, Attr) {
    if (divide) check_nonempty("mean", in[0]);
    return op == Op::sum_rows ? Shape{1, in[0].cols} : op == Op::sum_cols ? Shape{in[0].rows, 1} : Shape{1, 1};
  }
  static std::size_t out_index(std::size_t i, std::size_t j) {
    return op == Op::sum_rows ? j : op == Op::sum_cols ? i : 0;
  }
  template <class T> static void forward(Call<T>& c) {
    const Shape s = c.sx[0];
    std::fill_n(c.z, c.shape.size(), T(0));
    for (std::size_t i = 0; i < s.rows; ++i)
      for (std::size_t j = 0; j < s.cols; ++j) c.z[out_index(i, j)] += c.x[0][i * s.cols + j];
    if (divide) c.z[0] /= static_cast<T>(s.size());
  }
  template <class T> static void backward(Call<T>& c) {
    const Shape s = c.sx[0];
    const T scale = divide ? T(1) / static_cast<T>(s.size()) : T(1);
    for (std::size_t i = 0; i < s.rows; ++i)
      for (std::size_t j = 0; j < s.cols; ++j) c.gx[0][i * s.cols + j] += c.g[out_index(i, j)] * scale;
  }
};
using Sum = Reduce<Op::sum, 0>;
using SumRows = Reduce<Op::sum_rows, 0>;
using SumCols = Reduce<Op::sum_cols, 0>;
using Mean = Reduce<Op::mean, 1>;

// ---------------------------------------------------------------- losses

// Every loss sums its terms over the columns of a row into a per-sample loss
// l_i (rows are samples); Reduction::mean gives (1/m) sum_i l_i. Each is one
// record from prediction and target of one shape to (1, 1); gradients flow to
// both. `term` is l's summand per element, `dx` and `dy` its derivatives.
template <class T>
inline T clamped_log(T x) {
  return std::max(math::log(x), T(-100));
}

template <class T>
void check_unit_interval(std::string_view op, std::string_view what, const T* v, Shape s) {
  for (std::size_t k = 0; k < s.size(); ++k)
    if (!(v[k] >= T(0) && v[k] <= T(1)))
      throw std::invalid_argument(fmt::format("{}: {} {} at ({}, {}) is outside [0, 1]", op, what,
                                              v[k], k / s.cols, k % s.cols));
}

template <class Def>
struct ElementLoss {
  static constexpr OpKind kind = OpKind::tensor;
  static Shape shape(const Shape* in, Attr) {
    check_same_shape(Def::text.name, Def::first, in[0], "y", in[1]);
    check_nonempty(Def::text.name, in[0]);
    return {1, 1};
  }
  template <class T> static T scale(const Call<T>& c, T upstream) {
    return upstream / (c.reduction == Reduction::mean ? static_cast<T>(c.sx[0].rows) : T(1));
  }
  template <class T> static void forward(Call<T>& c) {
    const Shape s = c.sx[0];
    Def::check(c.x[0], c.x[1], s);
    T total = 0;
    for (std::size_t k = 0; k < s.size(); ++k) total += Def::term(c.x[0][k], c.x[1][k]);
    total *= Def::template factor<T>(s);
    c.z[0] = c.reduction == Reduction::mean ? total / static_cast<T>(s.rows) : total;
  }
  template <class T> static void backward(Call<T>& c) {
    const T s = scale(c, c.g[0]) * Def::template factor<T>(c.sx[0]);
    for (std::size_t k = 0; k < c.sx[0].size(); ++k) {
      if (c.gx[0]) c.gx[0][k] += s * Def::dx(c.x[0][k], c.x[1][k]);
      if (c.gx[1]) c.gx[1][k] += s * Def::dy(c.x[0][k], c.x[1][k]);
    }
  }
};

struct BinaryCrossEntropy : ElementLoss<BinaryCrossEntropy> {
  static constexpr Op code = Op::binary_cross_entropy;
  static constexpr std::string_view first = "p";
  static constexpr OpText text{"binary_cross_entropy", "binary_cross_entropy ({reduction})", {"prediction", "target"},
                               {"{gin} {assign} ({x} - y) / ({x} (1 - {x})){scale} . {g}"}};
  template <class T> static void check(const T* p, const T* y, Shape s) {
    check_unit_interval(text.name, "probability", p, s);
    check_unit_interval(text.name, "target", y, s);
  }
  template <class T> static T factor(Shape) { return T(1); }
  // -[y log p + (1 - y) log(1 - p)], each log clamped at -100 (as PyTorch)
  template <class T> static T term(T p, T y) { return -(y * clamped_log(p) + (T(1) - y) * clamped_log(T(1) - p)); }
  // dp = (p - y) / (p (1 - p)), the denominator clamped at 1e-12; dy = log(1 - p) - log p
  template <class T> static T dx(T p, T y) { return (p - y) / std::max(p * (T(1) - p), T(1e-12)); }
  template <class T> static T dy(T p, T) { return clamped_log(T(1) - p) - clamped_log(p); }
};

struct BinaryCrossEntropyWithLogits : ElementLoss<BinaryCrossEntropyWithLogits> {
  static constexpr Op code = Op::binary_cross_entropy_with_logits;
  static constexpr std::string_view first = "z";
  static constexpr OpText text{"bce_with_logits", "bce_with_logits ({reduction})", {"prediction", "target"},
                               {"{gin} {assign} (sigmoid({x}) - y){scale} . {g}"}};
  template <class T> static void check(const T*, const T* y, Shape s) { check_unit_interval(text.name, "target", y, s); }
  template <class T> static T factor(Shape) { return T(1); }
  // BCE of sigmoid(z) = softplus(z) - z y, exact when the sigmoid saturates
  template <class T> static T term(T z, T y) { return Softplus::stable(z) - z * y; }
  // dz = sigmoid(z) - y (g^[Lz] = a^[L] - y of the 4-3-2-1 example), dy = -z
  template <class T> static T dx(T z, T y) { return Sigmoid::f<T>(z, Attr{}) - y; }
  template <class T> static T dy(T z, T) { return -z; }
};

struct Mse : ElementLoss<Mse> {
  static constexpr Op code = Op::mse;
  static constexpr std::string_view first = "a";
  static constexpr OpText text{"mse", "mse ({reduction})", {"prediction", "target"},
                               {"{gin} {assign} 2 ({x} - y) / n{scale} . {g}"}};
  template <class T> static void check(const T*, const T*, Shape) {}
  // l_i = (1/n) sum_j (a - y)^2: with Reduction::mean, the mean over all elements
  template <class T> static T factor(Shape s) { return T(1) / static_cast<T>(s.cols); }
  template <class T> static T term(T a, T y) { return (a - y) * (a - y); }
  template <class T> static T dx(T a, T y) { return T(2) * (a - y); }
  template <class T> static T dy(T a, T y) { return T(2) * (y - a); }
};

struct HalfSse : ElementLoss<HalfSse> {
  static constexpr Op code = Op::half_sse;
  static constexpr std::string_view first = "a";
  static constexpr OpText text{"half_sse", "half_sse ({reduction})", {"prediction", "target"},
                               {"{gin} {assign} ({x} - y){scale} . {g}"}};
  template <class T> static void check(const T*, const T*, Shape) {}
  // l_i = 1/2 sum_j (y - a)^2
  template <class T> static T factor(Shape) { return T(0.5); }
  template <class T> static T term(T a, T y) { return (y - a) * (y - a); }
  template <class T> static T dx(T a, T y) { return T(2) * (a - y); }
  template <class T> static T dy(T a, T y) { return T(2) * (y - a); }
};

struct CrossEntropy {
  static constexpr Op code = Op::cross_entropy;
  static constexpr OpKind kind = OpKind::tensor;
  static constexpr OpText text{"cross_entropy", "cross_entropy ({reduction})", {"prediction", "target"},
                               {"{gin} {assign} (softmax({x}) - y){scale} . {g}"}};
  static Shape shape(const Shape* in, Attr) {
    check_same_shape("cross_entropy", "z", in[0], "y", in[1]);
    check_nonempty("cross_entropy", in[0]);
    return {1, 1};
  }
  static std::size_t aux_size(Shape, const Shape* in) { return in[0].size(); }
  // l_i = -sum_j y_ij log softmax(z_i)_j; aux keeps log softmax(z) for backward
  template <class T> static void forward(Call<T>& c) {
    const Shape s = c.sx[0];
    T* lsm = c.r.aux;
    log_softmax_rows(c.x[0], s, lsm);
    T total = 0;
    for (std::size_t k = 0; k < s.size(); ++k) total -= c.x[1][k] * lsm[k];
    c.z[0] = c.reduction == Reduction::mean ? total / static_cast<T>(s.rows) : total;
  }
  // dz_ij = softmax_ij sum_k y_ik - y_ij (softmax - y for rows summing to 1), dy_ij = -log softmax_ij
  template <class T> static void backward(Call<T>& c) {
    const Shape s = c.sx[0];
    const T scale = c.g[0] / (c.reduction == Reduction::mean ? static_cast<T>(s.rows) : T(1));
    const T* lsm = c.r.aux;
    const T* y = c.x[1];
    for (std::size_t i = 0; i < s.rows; ++i) {
      const std::size_t r = i * s.cols;
      T row_total = 0;
      for (std::size_t j = 0; j < s.cols; ++j) row_total += y[r + j];
      for (std::size_t j = 0; j < s.cols; ++j) {
        if (c.gx[0]) c.gx[0][r + j] += scale * (math::exp(lsm[r + j]) * row_total - y[r + j]);
        if (c.gx[1]) c.gx[1][r + j] -= scale * lsm[r + j];
      }
    }
  }
};

// ---------------------------------------------------------------- custom

struct Custom {
  static constexpr Op code = Op::custom;
  static constexpr OpKind kind = OpKind::tensor;
  static constexpr OpText text{"custom", "custom"};
  template <class T> static void forward(Call<T>&) {}  // the caller computes the value
  template <class T> static void backward(Call<T>& c) {
    c.tape.custom_backward(c.r.id)(c.tape, c.tape.node(c.r.id));
  }
};

template <class... Defs>
struct List {
  static constexpr std::size_t size = sizeof...(Defs);
};

/// Every op, in the order of enum Op.
using All = List<Leaf, Add, Sub, Mul, Div, Neg, AddScalar, MulScalar, RsubScalar, RdivScalar,
                 Exp, Log, Pow, Sqrt, Abs, Sigmoid, Tanh, Relu, Softmax, LogSoftmax,
                 Matmul, Transpose, Affine, Sum, SumRows, SumCols, Mean,
                 BinaryCrossEntropy, BinaryCrossEntropyWithLogits, Mse, HalfSse, CrossEntropy,
                 Custom, Sin, Cos, Log1p, Expm1, Softplus, LeakyRelu, Elu, Gelu, GeluTanh,
                 Maximum, Minimum, Clamp, PowVar, RpowScalar>;

template <class... Defs>
constexpr bool in_enum_order(List<Defs...>) {
  std::size_t i = 0;
  return ((static_cast<std::size_t>(Defs::code) == i++) && ...);
}
static_assert(All::size == op_count, "every Op needs a registry entry in ops::All");
static_assert(in_enum_order(All{}), "ops::All must list the entries in the order of enum Op");

template <class... Defs>
constexpr std::array<OpText, sizeof...(Defs)> texts(List<Defs...>) {
  return {Defs::text...};
}
inline constexpr std::array<OpText, op_count> op_texts = texts(All{});

}  // namespace ops

/// An op's registry text: its name, graph label, input labels and chain rules.
constexpr const OpText& op_text(Op op) { return ops::op_texts[static_cast<std::size_t>(op)]; }

namespace detail {
/// Runs the backward rule of tensor record `r` (the table in registry.cpp).
template <class T> void run_rule(Tape<T>& tape, const TensorRecord<T>& r);
}  // namespace detail

// ---------------------------------------------------------------- the public functions

/// a + b, a - b, a * b, a / b elementwise. Shapes broadcast as in NumPy, for
/// rank 2: each dimension equal or 1 on one side, so a (1, n) row adds onto
/// every row of (m, n) and a (1, 1) onto anything. The gradient of a
/// broadcast operand is summed back to its shape.
template <class T> TAPEGRAD_INLINE Var<T> add(Var<T> a, Var<T> b) { return record_binary<ops::Add>(a, b); }
template <class T> TAPEGRAD_INLINE Var<T> sub(Var<T> a, Var<T> b) { return record_binary<ops::Sub>(a, b); }
template <class T> TAPEGRAD_INLINE Var<T> mul(Var<T> a, Var<T> b) { return record_binary<ops::Mul>(a, b); }
template <class T> TAPEGRAD_INLINE Var<T> div(Var<T> a, Var<T> b) { return record_binary<ops::Div>(a, b); }
template <class T> TAPEGRAD_INLINE Var<T> neg(Var<T> a) { return record_unary<ops::Neg>(a); }
/// With a plain number: a + c, a * c, c - a, c / a (one record, no constant leaf).
template <class T> TAPEGRAD_INLINE Var<T> add_scalar(Var<T> a, double c) { return record_unary<ops::AddScalar>(a, {c}); }
template <class T> TAPEGRAD_INLINE Var<T> mul_scalar(Var<T> a, double c) { return record_unary<ops::MulScalar>(a, {c}); }
template <class T> TAPEGRAD_INLINE Var<T> rsub_scalar(double c, Var<T> a) { return record_unary<ops::RsubScalar>(a, {c}); }
template <class T> TAPEGRAD_INLINE Var<T> rdiv_scalar(double c, Var<T> a) { return record_unary<ops::RdivScalar>(a, {c}); }

template <class T> TAPEGRAD_INLINE Var<T> exp(Var<T> a) { return record_unary<ops::Exp>(a); }
/// Natural log; log(0) is -inf and its gradient inf, as in IEEE arithmetic.
template <class T> TAPEGRAD_INLINE Var<T> log(Var<T> a) { return record_unary<ops::Log>(a); }
/// a^p for a plain exponent p.
template <class T> TAPEGRAD_INLINE Var<T> pow(Var<T> a, double p) { return record_unary<ops::Pow>(a, {p}); }
/// a^b elementwise, with broadcasting; d/db = a^b log a.
template <class T> TAPEGRAD_INLINE Var<T> pow(Var<T> a, Var<T> b) { return record_binary<ops::PowVar>(a, b); }
/// c^a for a plain base c.
template <class T> TAPEGRAD_INLINE Var<T> pow(double c, Var<T> a) { return record_unary<ops::RpowScalar>(a, {c}); }
template <class T> TAPEGRAD_INLINE Var<T> sqrt(Var<T> a) { return record_unary<ops::Sqrt>(a); }
/// |a|; its gradient at 0 is taken as 0.
template <class T> TAPEGRAD_INLINE Var<T> abs(Var<T> a) { return record_unary<ops::Abs>(a); }
template <class T> TAPEGRAD_INLINE Var<T> sin(Var<T> a) { return record_unary<ops::Sin>(a); }
template <class T> TAPEGRAD_INLINE Var<T> cos(Var<T> a) { return record_unary<ops::Cos>(a); }
/// log(1 + a), accurate near 0.
template <class T> TAPEGRAD_INLINE Var<T> log1p(Var<T> a) { return record_unary<ops::Log1p>(a); }
/// e^a - 1, accurate near 0.
template <class T> TAPEGRAD_INLINE Var<T> expm1(Var<T> a) { return record_unary<ops::Expm1>(a); }
/// Elementwise max and min, with broadcasting; at a tie each input gets half
/// the gradient (as PyTorch).
template <class T> TAPEGRAD_INLINE Var<T> maximum(Var<T> a, Var<T> b) { return record_binary<ops::Maximum>(a, b); }
template <class T> TAPEGRAD_INLINE Var<T> minimum(Var<T> a, Var<T> b) { return record_binary<ops::Minimum>(a, b); }
/// min(max(a, lo), hi); the gradient passes where lo <= a <= hi.
template <class T> Var<T> clamp(Var<T> a, double lo, double hi) {
  if (!(lo <= hi))
    throw std::invalid_argument(fmt::format("clamp: lo {} is greater than hi {}", lo, hi));
  return record_unary<ops::Clamp>(a, {lo, hi});
}

/// The logistic sigmoid 1 / (1 + e^-z), evaluated so that it is exact and
/// finite for any z (e.g. +-1000); local derivative a (1 - a).
template <class T> TAPEGRAD_INLINE Var<T> sigmoid(Var<T> z) { return record_unary<ops::Sigmoid>(z); }
template <class T> TAPEGRAD_INLINE Var<T> tanh(Var<T> z) { return record_unary<ops::Tanh>(z); }
/// max(z, 0); its gradient at 0 is taken as 0.
template <class T> TAPEGRAD_INLINE Var<T> relu(Var<T> z) { return record_unary<ops::Relu>(z); }
/// z for z > 0, else slope z (PyTorch's default slope 0.01).
template <class T> TAPEGRAD_INLINE Var<T> leaky_relu(Var<T> z, double slope = 0.01) {
  return record_unary<ops::LeakyRelu>(z, {slope});
}
/// z for z > 0, else alpha (e^z - 1).
template <class T> TAPEGRAD_INLINE Var<T> elu(Var<T> z, double alpha = 1.0) { return record_unary<ops::Elu>(z, {alpha}); }
/// log(1 + e^z), stable; z itself above 20 (as PyTorch).
template <class T> TAPEGRAD_INLINE Var<T> softplus(Var<T> z) { return record_unary<ops::Softplus>(z); }
/// GELU: the exact z Phi(z), or with `Gelu::tanh` the tanh approximation.
enum class Gelu : std::uint8_t { exact, tanh };
template <class T> TAPEGRAD_INLINE Var<T> gelu(Var<T> z, Gelu form = Gelu::exact) {
  return form == Gelu::exact ? record_unary<ops::Gelu>(z) : record_unary<ops::GeluTanh>(z);
}
/// Softmax of each row of (m, n) logits; stable (the row maximum is subtracted).
template <class T> Var<T> softmax(Var<T> z) { return record_tensor<ops::Softmax>({z}); }
/// log softmax of each row, z - max - log(sum exp(z - max)); stable.
template <class T> Var<T> log_softmax(Var<T> z) { return record_tensor<ops::LogSoftmax>({z}); }

/// (m, k) x (k, n) -> (m, n).
template <class T> Var<T> matmul(Var<T> a, Var<T> b) { return record_tensor<ops::Matmul>({a, b}); }
/// (m, n) -> (n, m).
template <class T> Var<T> transpose(Var<T> a) { return record_tensor<ops::Transpose>({a}); }
/// z = a W + b in one record: a (m, in), W (in, out), b (1, out) added to every
/// row. Backward gives dW = a^T g, da = g W^T and db = column sums of g.
template <class T> Var<T> affine(Var<T> a, Var<T> W, Var<T> b) { return record_tensor<ops::Affine>({a, W, b}); }

/// Sum of every element -> (1, 1).
template <class T> Var<T> sum(Var<T> a) { return record_tensor<ops::Sum>({a}); }
/// Axis::rows sums down each column -> (1, cols); Axis::cols along each row -> (rows, 1).
template <class T> Var<T> sum(Var<T> a, Axis axis) {
  return axis == Axis::rows ? record_tensor<ops::SumRows>({a}) : record_tensor<ops::SumCols>({a});
}
/// Mean of every element -> (1, 1).
template <class T> Var<T> mean(Var<T> a) { return record_tensor<ops::Mean>({a}); }

/// -sum_j [y log p + (1 - y) log(1 - p)] on probabilities p in [0, 1]. Each log
/// is clamped at -100 (as PyTorch does) so p = 0 or 1 stays finite; the
/// gradient's denominator p (1 - p) is clamped at 1e-12. Targets in [0, 1].
template <class T> Var<T> binary_cross_entropy(Var<T> p, Var<T> y, Reduction r = Reduction::mean) {
  return record_tensor<ops::BinaryCrossEntropy>({p, y}, {}, r);
}
/// BCE of sigmoid(z), computed from the logits z as max(z, 0) - z y + log(1 + e^-|z|):
/// exact when the sigmoid saturates; gradient sigmoid(z) - y. Targets in [0, 1].
template <class T> Var<T> binary_cross_entropy_with_logits(Var<T> z, Var<T> y, Reduction r = Reduction::mean) {
  return record_tensor<ops::BinaryCrossEntropyWithLogits>({z, y}, {}, r);
}
/// Mean squared error per sample, l_i = (1/n) sum_j (a - y)^2; with Reduction::mean
/// that is the mean over all m n elements.
template <class T> Var<T> mse(Var<T> a, Var<T> y, Reduction r = Reduction::mean) {
  return record_tensor<ops::Mse>({a, y}, {}, r);
}
/// Half the squared error of the 4-3-2-1 example, l_i = 1/2 sum_j (y - a)^2.
template <class T> Var<T> half_sse(Var<T> a, Var<T> y, Reduction r = Reduction::mean) {
  return record_tensor<ops::HalfSse>({a, y}, {}, r);
}
/// Softmax cross-entropy on logits, l_i = -sum_j y_ij log softmax(z_i)_j; y rows
/// are class probabilities (one-hot for hard labels). Stable for any logits.
template <class T> Var<T> cross_entropy(Var<T> z, Var<T> y, Reduction r = Reduction::mean) {
  return record_tensor<ops::CrossEntropy>({z, y}, {}, r);
}

// Operators. A plain number converts to the Var's element type.
template <class T> TAPEGRAD_INLINE Var<T> operator+(Var<T> a, Var<T> b) { return add(a, b); }
template <class T> TAPEGRAD_INLINE Var<T> operator-(Var<T> a, Var<T> b) { return sub(a, b); }
template <class T> TAPEGRAD_INLINE Var<T> operator*(Var<T> a, Var<T> b) { return mul(a, b); }
template <class T> TAPEGRAD_INLINE Var<T> operator/(Var<T> a, Var<T> b) { return div(a, b); }
template <class T> TAPEGRAD_INLINE Var<T> operator-(Var<T> a) { return neg(a); }
template <class T> TAPEGRAD_INLINE Var<T> operator+(Var<T> a, double c) { return add_scalar(a, c); }
template <class T> TAPEGRAD_INLINE Var<T> operator+(double c, Var<T> a) { return add_scalar(a, c); }
template <class T> TAPEGRAD_INLINE Var<T> operator-(Var<T> a, double c) { return add_scalar(a, -c); }
template <class T> TAPEGRAD_INLINE Var<T> operator-(double c, Var<T> a) { return rsub_scalar(c, a); }
template <class T> TAPEGRAD_INLINE Var<T> operator*(Var<T> a, double c) { return mul_scalar(a, c); }
template <class T> TAPEGRAD_INLINE Var<T> operator*(double c, Var<T> a) { return mul_scalar(a, c); }
template <class T> TAPEGRAD_INLINE Var<T> operator/(Var<T> a, double c) { return mul_scalar(a, 1.0 / c); }
template <class T> TAPEGRAD_INLINE Var<T> operator/(double c, Var<T> a) { return rdiv_scalar(c, a); }
template <class T> TAPEGRAD_INLINE Var<T>& operator+=(Var<T>& a, Var<T> b) { return a = add(a, b); }
template <class T> TAPEGRAD_INLINE Var<T>& operator-=(Var<T>& a, Var<T> b) { return a = sub(a, b); }
template <class T> TAPEGRAD_INLINE Var<T>& operator*=(Var<T>& a, Var<T> b) { return a = mul(a, b); }
template <class T> TAPEGRAD_INLINE Var<T>& operator/=(Var<T>& a, Var<T> b) { return a = div(a, b); }
template <class T> TAPEGRAD_INLINE Var<T>& operator+=(Var<T>& a, double c) { return a = add_scalar(a, c); }
template <class T> TAPEGRAD_INLINE Var<T>& operator-=(Var<T>& a, double c) { return a = add_scalar(a, -c); }
template <class T> TAPEGRAD_INLINE Var<T>& operator*=(Var<T>& a, double c) { return a = mul_scalar(a, c); }
template <class T> TAPEGRAD_INLINE Var<T>& operator/=(Var<T>& a, double c) { return a = mul_scalar(a, 1.0 / c); }

}  // namespace tapegrad
