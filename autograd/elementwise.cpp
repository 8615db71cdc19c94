// Elementwise ops: forward formula and local derivative side by side.
#include "autograd/elementwise.hpp"

#include <cmath>

#include "autograd/backward_rules.hpp"

namespace tapegrad {
namespace {

// Index of output element (i, j) in an operand of shape s broadcast to the output.
inline std::size_t bindex(Shape s, std::size_t i, std::size_t j) {
  return (s.rows == 1 ? 0 : i) * s.cols + (s.cols == 1 ? 0 : j);
}

// Calls f(k_out, k_a, k_b) for every output element.
template <class F>
void for_broadcast(Shape out, Shape sa, Shape sb, F f) {
  if (sa == out && sb == out) {
    for (std::size_t k = 0; k < out.size(); ++k) f(k, k, k);
    return;
  }
  for (std::size_t i = 0; i < out.rows; ++i)
    for (std::size_t j = 0; j < out.cols; ++j)
      f(i * out.cols + j, bindex(sa, i, j), bindex(sb, i, j));
}

template <class T>
[[gnu::noinline]] Var<T> binary_tensor(Op op, Var<T> a, Var<T> b) {
  const std::string_view name = op_name(op);
  Tape<T>& tape = a.tape();
  const Node<T>& na = tape.node(a.id());
  const Node<T>& nb = tape.node(b.id());
  const Shape sa = na.shape, sb = nb.shape;
  const Shape shape = check_broadcast(name, sa, sb);
  const T* x = na.value;
  const T* y = nb.value;
  auto [z, n] = tape.push(op, shape, {a, b});
  T* out = n.value;
  switch (op) {
    case Op::add: for_broadcast(shape, sa, sb, [&](auto k, auto i, auto j) { out[k] = x[i] + y[j]; }); break;
    case Op::sub: for_broadcast(shape, sa, sb, [&](auto k, auto i, auto j) { out[k] = x[i] - y[j]; }); break;
    case Op::mul: for_broadcast(shape, sa, sb, [&](auto k, auto i, auto j) { out[k] = x[i] * y[j]; }); break;
    case Op::div: for_broadcast(shape, sa, sb, [&](auto k, auto i, auto j) { out[k] = x[i] / y[j]; }); break;
    default: break;
  }
  return z;
}

// Scalars, scalar mode's common case, take a short path straight to one record.
template <Op op, class T>
Var<T> binary(Var<T> a, Var<T> b) {
  Tape<T>& tape = a.tape();
  const Node<T>& na = tape.checked(a, op);
  const Node<T>& nb = tape.checked(b, op);
  if (na.shape.is_scalar() && nb.shape.is_scalar()) [[likely]] {
    const T x = na.value[0], y = nb.value[0];
    if constexpr (op == Op::add) return tape.push_scalar(op, x + y, a, b);
    if constexpr (op == Op::sub) return tape.push_scalar(op, x - y, a, b);
    if constexpr (op == Op::mul) return tape.push_scalar(op, x * y, a, b);
    if constexpr (op == Op::div) return tape.push_scalar(op, x / y, a, b);
  }
  return binary_tensor(op, a, b);
}

// z = f(a) elementwise, with `attr` available to f.
template <class T, class F>
Var<T> unary(Op op, Var<T> a, double attr, F f) {
  Tape<T>& tape = a.tape();
  const Node<T>& na = tape.checked(a, op);
  const T* x = na.value;
  if (na.shape.is_scalar()) [[likely]] return tape.push_scalar(op, f(x[0]), a, attr);
  auto [z, n] = tape.push(op, na.shape, {a}, attr);
  for (std::size_t k = 0; k < n.shape.size(); ++k) n.value[k] = f(x[k]);
  return z;
}

}  // namespace

template <class T> Var<T> add(Var<T> a, Var<T> b) { return binary<Op::add>(a, b); }
template <class T> Var<T> sub(Var<T> a, Var<T> b) { return binary<Op::sub>(a, b); }
template <class T> Var<T> mul(Var<T> a, Var<T> b) { return binary<Op::mul>(a, b); }
template <class T> Var<T> div(Var<T> a, Var<T> b) { return binary<Op::div>(a, b); }

template <class T> Var<T> neg(Var<T> a) { return unary(Op::neg, a, 0, [](T x) { return -x; }); }
template <class T> Var<T> add_scalar(Var<T> a, double c) {
  return unary(Op::add_scalar, a, c, [c](T x) { return static_cast<T>(x + c); });
}
template <class T> Var<T> mul_scalar(Var<T> a, double c) {
  return unary(Op::mul_scalar, a, c, [c](T x) { return static_cast<T>(x * c); });
}
template <class T> Var<T> rsub_scalar(double c, Var<T> a) {
  return unary(Op::rsub_scalar, a, c, [c](T x) { return static_cast<T>(c - x); });
}
template <class T> Var<T> rdiv_scalar(double c, Var<T> a) {
  return unary(Op::rdiv_scalar, a, c, [c](T x) { return static_cast<T>(c / x); });
}
template <class T> Var<T> exp(Var<T> a) { return unary(Op::exp, a, 0, [](T x) { return std::exp(x); }); }
template <class T> Var<T> log(Var<T> a) { return unary(Op::log, a, 0, [](T x) { return std::log(x); }); }
template <class T> Var<T> pow(Var<T> a, double p) {
  return unary(Op::pow, a, p, [p](T x) { return static_cast<T>(std::pow(x, static_cast<T>(p))); });
}
template <class T> Var<T> sqrt(Var<T> a) { return unary(Op::sqrt, a, 0, [](T x) { return std::sqrt(x); }); }
template <class T> Var<T> abs(Var<T> a) { return unary(Op::abs, a, 0, [](T x) { return std::abs(x); }); }

namespace detail {

template <class T>
void backward_elementwise(Tape<T>& tape, const Node<T>& n) {
  const T* g = n.grad;
  const T* z = n.value;
  const std::size_t size = n.shape.size();
  if (n.inputs == 2) {
    const Shape sa = tape.input_shape(n, 0), sb = tape.input_shape(n, 1);
    const T* a = tape.input_value(n, 0);
    const T* b = tape.input_value(n, 1);
    T* ga = tape.input_grad(n, 0);
    T* gb = tape.input_grad(n, 1);
    // Broadcast operands receive the sum of the gradients of the elements they fed.
    auto each = [&](auto da, auto db) {
      if (ga) for_broadcast(n.shape, sa, sb, [&](auto k, auto i, auto j) { ga[i] += da(k, i, j); });
      if (gb) for_broadcast(n.shape, sa, sb, [&](auto k, auto i, auto j) { gb[j] += db(k, i, j); });
    };
    switch (n.op) {
      case Op::add:  // z = a + b: da = g, db = g
        each([&](auto k, auto, auto) { return g[k]; }, [&](auto k, auto, auto) { return g[k]; });
        break;
      case Op::sub:  // z = a - b: da = g, db = -g
        each([&](auto k, auto, auto) { return g[k]; }, [&](auto k, auto, auto) { return -g[k]; });
        break;
      case Op::mul:  // z = a b: da = g b, db = g a
        each([&](auto k, auto, auto j) { return g[k] * b[j]; },
             [&](auto k, auto i, auto) { return g[k] * a[i]; });
        break;
      case Op::div:  // z = a / b: da = g / b, db = -g a / b^2 = -g z / b
        each([&](auto k, auto, auto j) { return g[k] / b[j]; },
             [&](auto k, auto, auto j) { return -g[k] * z[k] / b[j]; });
        break;
      default: break;
    }
    return;
  }
  const T* a = tape.input_value(n, 0);
  T* ga = tape.input_grad(n, 0);
  if (!ga) return;
  const T c = static_cast<T>(n.attr);
  switch (n.op) {
    case Op::neg:  // z = -a: da = -g
      for (std::size_t k = 0; k < size; ++k) ga[k] -= g[k];
      break;
    case Op::add_scalar:  // z = a + c: da = g
      for (std::size_t k = 0; k < size; ++k) ga[k] += g[k];
      break;
    case Op::mul_scalar:  // z = a c: da = g c
      for (std::size_t k = 0; k < size; ++k) ga[k] += g[k] * c;
      break;
    case Op::rsub_scalar:  // z = c - a: da = -g
      for (std::size_t k = 0; k < size; ++k) ga[k] -= g[k];
      break;
    case Op::rdiv_scalar:  // z = c / a: da = -g c / a^2 = -g z / a
      for (std::size_t k = 0; k < size; ++k) ga[k] -= g[k] * z[k] / a[k];
      break;
    case Op::exp:  // z = e^a: da = g z
      for (std::size_t k = 0; k < size; ++k) ga[k] += g[k] * z[k];
      break;
    case Op::log:  // z = log a: da = g / a
      for (std::size_t k = 0; k < size; ++k) ga[k] += g[k] / a[k];
      break;
    case Op::pow:  // z = a^p: da = g p a^(p-1)
      for (std::size_t k = 0; k < size; ++k)
        ga[k] += g[k] * c * (n.attr == 0.0 ? T(0) : std::pow(a[k], c - T(1)));
      break;
    case Op::sqrt:  // z = sqrt(a): da = g / (2 z)
      for (std::size_t k = 0; k < size; ++k) ga[k] += g[k] / (T(2) * z[k]);
      break;
    case Op::abs:  // z = |a|: da = g sign(a), sign(0) = 0
      for (std::size_t k = 0; k < size; ++k) ga[k] += g[k] * T((a[k] > 0) - (a[k] < 0));
      break;
    default: break;
  }
}

template void backward_elementwise(Tape<float>&, const Node<float>&);
template void backward_elementwise(Tape<double>&, const Node<double>&);

}  // namespace detail

#define TAPEGRAD_INSTANTIATE(T)                          \
  template Var<T> add(Var<T>, Var<T>);                   \
  template Var<T> sub(Var<T>, Var<T>);                   \
  template Var<T> mul(Var<T>, Var<T>);                   \
  template Var<T> div(Var<T>, Var<T>);                   \
  template Var<T> neg(Var<T>);                           \
  template Var<T> add_scalar(Var<T>, double);            \
  template Var<T> mul_scalar(Var<T>, double);            \
  template Var<T> rsub_scalar(double, Var<T>);           \
  template Var<T> rdiv_scalar(double, Var<T>);           \
  template Var<T> exp(Var<T>);                           \
  template Var<T> log(Var<T>);                           \
  template Var<T> pow(Var<T>, double);                   \
  template Var<T> sqrt(Var<T>);                          \
  template Var<T> abs(Var<T>);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
