// The registry's out-of-line half: every op's tensor kernels, generated from its
// entry, and the tables that recording and the reverse walk dispatch through.
#include "autograd/registry.hpp"

namespace tapegrad {

std::string_view op_name(Op op) { return op_text(op).name; }

namespace detail {

// Float tensors take a vectorised exp (the sigmoid is most of an MLP's
// elementwise time); below -88 the true value underflows to 0, and so does this.
// The clamps and the select are compares, which GCC vectorises only with
// -fno-trapping-math (meson.build passes it: tapegrad never reads FP flags).
void sigmoid_float(const float* z, float* a, std::size_t size) {
  for (std::size_t k = 0; k < size; ++k) {
    const float s = 1.0f / (1.0f + fast_exp(-z[k]));
    a[k] = z[k] < -88.0f ? 0.0f : s;
  }
}

}  // namespace detail

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

template <class Def, class T>
void forward_of(Call<T>& c) {
  if constexpr (Def::kind == OpKind::unary) {
    const std::size_t n = c.shape.size();
    if constexpr (requires { Def::map(c.x[0], c.z, n, c.attr); }) {
      Def::map(c.x[0], c.z, n, c.attr);
    } else {
      for (std::size_t k = 0; k < n; ++k) c.z[k] = Def::template f<T>(c.x[0][k], c.attr);
    }
  } else if constexpr (Def::kind == OpKind::binary) {
    const T* a = c.x[0];
    const T* b = c.x[1];
    T* z = c.z;
    for_broadcast(c.shape, c.sx[0], c.sx[1],
                  [&](auto k, auto i, auto j) { z[k] = Def::template f<T>(a[i], b[j]); });
  } else if constexpr (Def::kind == OpKind::tensor) {
    Def::template forward<T>(c);
  }
}

template <class Def, class T>
void backward_of(Call<T>& c) {
  const T* g = c.g;
  const T* z = c.z;
  if constexpr (Def::kind == OpKind::unary) {
    // y = f(x) elementwise: dx = g f'(x)
    T* gx = c.gx[0];
    const T* x = c.x[0];
    if (gx)
      for (std::size_t k = 0; k < c.shape.size(); ++k)
        gx[k] += g[k] * Def::template df<T>(x[k], z[k], c.attr);
  } else if constexpr (Def::kind == OpKind::binary) {
    // z = f(a, b): da = g df/da, db = g df/db; a broadcast operand receives the
    // sum of the gradients of the elements it fed.
    const T* a = c.x[0];
    const T* b = c.x[1];
    if (T* ga = c.gx[0])
      for_broadcast(c.shape, c.sx[0], c.sx[1], [&](auto k, auto i, auto j) {
        ga[i] += g[k] * Def::template da<T>(a[i], b[j], z[k]);
      });
    if (T* gb = c.gx[1])
      for_broadcast(c.shape, c.sx[0], c.sx[1], [&](auto k, auto i, auto j) {
        gb[j] += g[k] * Def::template db<T>(a[i], b[j], z[k]);
      });
  } else if constexpr (Def::kind == OpKind::tensor) {
    Def::template backward<T>(c);
  }
}

template <class T>
using Kernel = void (*)(Call<T>&);

template <class T, class... Defs>
constexpr std::array<Kernel<T>, sizeof...(Defs)> forward_table(ops::List<Defs...>) {
  return {&forward_of<Defs, T>...};
}
template <class T, class... Defs>
constexpr std::array<Kernel<T>, sizeof...(Defs)> backward_table(ops::List<Defs...>) {
  return {&backward_of<Defs, T>...};
}
template <class T>
constexpr std::array<Kernel<T>, op_count> forwards = forward_table<T>(ops::All{});
template <class T>
constexpr std::array<Kernel<T>, op_count> backwards = backward_table<T>(ops::All{});

}  // namespace

namespace detail {

template <class T>
void run_forward(Tape<T>& tape, Var<T> v) {
  const TensorRecord<T>& r = tape.tensor_of(v.id());
  Call<T> c = Call<T>::of(tape, r);
  forwards<T>[static_cast<std::size_t>(r.op)](c);
}

template <class T>
void run_rule(Tape<T>& tape, const TensorRecord<T>& r) {
  Call<T> c = Call<T>::of(tape, r);
  backwards<T>[static_cast<std::size_t>(r.op)](c);
}

template <class T>
Var<T> record_binary_tensor(Op op, Var<T> a, Var<T> b) {
  const std::string_view name = op_name(op);
  Tape<T>& tape = a.tape();
  tape.check(a, name);
  tape.check(b, name);
  const Shape shape = check_broadcast(name, tape.shape(a.id()), tape.shape(b.id()));
  const Var<T> v = tape.push(op, shape, {a, b}).var;
  run_forward(tape, v);
  return v;
}

#define TAPEGRAD_INSTANTIATE(T)                                          \
  template void run_forward(Tape<T>&, Var<T>);                           \
  template void run_rule(Tape<T>&, const TensorRecord<T>&);              \
  template Var<T> record_binary_tensor(Op, Var<T>, Var<T>);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
TAPEGRAD_INSTANTIATE(Dual<float>)
TAPEGRAD_INSTANTIATE(Dual<double>)
#undef TAPEGRAD_INSTANTIATE

}  // namespace detail
}  // namespace tapegrad
