// Tensor ops: the rules that are code (matmul, softmax, the losses), the
// elementwise rows mapped over tensors, the one table backward dispatches
// through, and the public functions that record tensor ops; all explicitly
// instantiated for float, double and their duals.
#include "autograd/tensor_ops.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "autograd/activation.hpp"
#include "autograd/elementwise.hpp"
#include "autograd/fast_exp.hpp"
#include "autograd/kernels.hpp"
#include "autograd/linalg.hpp"
#include "autograd/loss.hpp"
#include "autograd/reduce.hpp"
#include "autograd/rules.hpp"

namespace tapegrad {

// ---------------------------------------------------------------- names

namespace {

constexpr std::array<std::string_view, op_count> op_names{
    "leaf", "expression",
#define TAPEGRAD_OP_NAME(name, ...) #name,
    TAPEGRAD_UNARY_RULES(TAPEGRAD_OP_NAME) TAPEGRAD_BINARY_RULES(TAPEGRAD_OP_NAME)
#undef TAPEGRAD_OP_NAME
#define TAPEGRAD_OP_NAME(code, name) #name,
    TAPEGRAD_TENSOR_OPS(TAPEGRAD_OP_NAME)
#undef TAPEGRAD_OP_NAME
};

constexpr bool names_distinct() {
  for (std::size_t i = 0; i < op_names.size(); ++i)
    for (std::size_t j = i + 1; j < op_names.size(); ++j)
      if (op_names[i] == op_names[j] || op_names[i].empty()) return false;
  return true;
}
static_assert(names_distinct(), "every op has a name of its own");

}  // namespace

std::string_view op_name(Op op) {
  const auto k = static_cast<std::size_t>(op);
  return k < op_count ? op_names[k] : "unknown";
}

RuleSource rule_source(Op op) {
  switch (op) {
#define TAPEGRAD_UNARY_SOURCE(name, numbers, f, df) \
  case Op::name: return {#f, {#df, {}}};
    TAPEGRAD_UNARY_RULES(TAPEGRAD_UNARY_SOURCE)
#undef TAPEGRAD_UNARY_SOURCE
#define TAPEGRAD_BINARY_SOURCE(name, function, f, da, db) \
  case Op::name: return {#f, {#da, #db}};
    TAPEGRAD_BINARY_RULES(TAPEGRAD_BINARY_SOURCE)
#undef TAPEGRAD_BINARY_SOURCE
    default: return {};
  }
}

// ---------------------------------------------------------------- elementwise rows on tensors

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
    for (std::size_t j = 0; j < out.cols; ++j) f(i * out.cols + j, bindex(sa, i, j), bindex(sb, i, j));
}

// Float tensors take a vectorised exp for the sigmoid (most of an MLP's
// elementwise time); below -88 the true value underflows to 0, and so does
// this. The clamps and the select are compares, which GCC vectorises only with
// -fno-trapping-math (meson.build passes it: tapegrad never reads FP flags).
void sigmoid_float(const float* z, float* a, std::size_t size) {
  for (std::size_t k = 0; k < size; ++k) {
    const float s = 1.0f / (1.0f + detail::fast_exp(-z[k]));
    a[k] = z[k] < -88.0f ? 0.0f : s;
  }
}

// y = f(x) for n elements.
template <Op op, class T>
void map_unary(const T* x, T* y, std::size_t n, const Attr& attr) {
  if constexpr (op == Op::sigmoid && std::is_same_v<T, float>) {
    sigmoid_float(x, y, n);
  } else {
    const T p = static_cast<T>(attr.p), q = static_cast<T>(attr.q);
    for (std::size_t k = 0; k < n; ++k) y[k] = Rule<op>::f(x[k], p, q);
  }
}

// gx = g f'(x), given x and y = f(x), for n elements; `add` adds into gx.
template <Op op, bool add, class T>
void map_unary_gradient(const T* g, const T* x, const T* y, T* gx, std::size_t n, const Attr& attr) {
  const T p = static_cast<T>(attr.p), q = static_cast<T>(attr.q);
  for (std::size_t k = 0; k < n; ++k) {
    const T d = g[k] * Rule<op>::df(x[k], y[k], p, q);
    if constexpr (add) gx[k] += d;
    else gx[k] = d;
  }
}

template <Op op, class T>
void unary_forward(Call<T>& c) {
  map_unary<op>(c.x[0], c.z, c.shape.size(), c.attr);
}

// y = f(x) elementwise: dx = g f'(x)
template <Op op, class T>
void unary_backward(Call<T>& c) {
  if (T* gx = c.gx[0]) map_unary_gradient<op, true>(c.g, c.x[0], c.z, gx, c.shape.size(), c.attr);
}

// The unary rows' maps by op code, for ops that apply one chosen at run time
// (dense's activation); null for the other codes.
template <class T>
struct UnaryMaps {
  using Forward = void (*)(const T*, T*, std::size_t, const Attr&);
  using Gradient = void (*)(const T*, const T*, const T*, T*, std::size_t, const Attr&);
  Forward forward = nullptr;
  Gradient gradient = nullptr;  // writes gx = g f'(x)
};
template <class T, std::size_t... k>
constexpr std::array<UnaryMaps<T>, op_count> unary_map_table(std::index_sequence<k...>) {
  auto entry = []<Op op>() -> UnaryMaps<T> {
    if constexpr (op_kind(op) == OpKind::unary) return {&map_unary<op, T>, &map_unary_gradient<op, false, T>};
    else return {};
  };
  return {entry.template operator()<static_cast<Op>(k)>()...};
}
template <class T>
constexpr std::array<UnaryMaps<T>, op_count> unary_maps = unary_map_table<T>(std::make_index_sequence<op_count>());

template <Op op, class T>
void binary_forward(Call<T>& c) {
  const T* a = c.x[0];
  const T* b = c.x[1];
  T* z = c.z;
  for_broadcast(c.shape, c.sx[0], c.sx[1], [&](auto k, auto i, auto j) { z[k] = Rule<op>::f(a[i], b[j]); });
}

// z = f(a, b): da = g df/da, db = g df/db; a broadcast operand receives the
// sum of the gradients of the elements it fed.
template <Op op, class T>
void binary_backward(Call<T>& c) {
  const T* a = c.x[0];
  const T* b = c.x[1];
  const T* g = c.g;
  const T* z = c.z;
  if (T* ga = c.gx[0])
    for_broadcast(c.shape, c.sx[0], c.sx[1],
                  [&](auto k, auto i, auto j) { ga[i] += g[k] * Rule<op>::da(a[i], b[j], z[k]); });
  if (T* gb = c.gx[1])
    for_broadcast(c.shape, c.sx[0], c.sx[1],
                  [&](auto k, auto i, auto j) { gb[j] += g[k] * Rule<op>::db(a[i], b[j], z[k]); });
}

}  // namespace

// ---------------------------------------------------------------- activations on rows

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

template <>
struct Rule<Op::softmax> {
  static Shape shape(const Shape* in, Attr) {
    check_nonempty("softmax", in[0]);
    return in[0];
  }
  template <class T>
  static void forward(Call<T>& c) {
    log_softmax_rows(c.x[0], c.shape, c.z);
    for (std::size_t k = 0; k < c.shape.size(); ++k) c.z[k] = math::exp(c.z[k]);
  }
  // a_j = e^z_j / sum e^z: dz_j = a_j (g_j - sum_k g_k a_k), per row
  template <class T>
  static void backward(Call<T>& c) {
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

template <>
struct Rule<Op::log_softmax> {
  static Shape shape(const Shape* in, Attr) {
    check_nonempty("log_softmax", in[0]);
    return in[0];
  }
  template <class T>
  static void forward(Call<T>& c) {
    log_softmax_rows(c.x[0], c.shape, c.z);
  }
  // a_j = z_j - log sum e^z: dz_j = g_j - e^a_j sum_k g_k, per row
  template <class T>
  static void backward(Call<T>& c) {
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

template <>
struct Rule<Op::matmul> {
  static Shape shape(const Shape* in, Attr) {
    check_matmul("matmul", in[0], in[1]);
    return {in[0].rows, in[1].cols};
  }
  template <class T>
  static void forward(Call<T>& c) {
    const Shape sa = c.sx[0], sb = c.sx[1];
    std::fill_n(c.z, c.shape.size(), T(0));
    product<false, false>(sa.rows, sb.cols, sa.cols, c.x[0], sa.cols, c.x[1], sb.cols, c.z, sb.cols);
  }
  // z = a b: da = g b^T [m x k], db = a^T g [k x n]
  template <class T>
  static void backward(Call<T>& c) {
    const std::size_t m = c.sx[0].rows, k = c.sx[0].cols, n = c.sx[1].cols;
    if (c.gx[1]) product<true, false>(k, n, m, c.x[0], k, c.g, n, c.gx[1], n);
    if (c.gx[0]) product<false, true>(m, k, n, c.g, n, c.x[1], n, c.gx[0], k);
  }
};

template <>
struct Rule<Op::transpose> {
  static Shape shape(const Shape* in, Attr) { return {in[0].cols, in[0].rows}; }
  template <class T>
  static void forward(Call<T>& c) {
    const Shape s = c.sx[0];
    for (std::size_t i = 0; i < s.rows; ++i)
      for (std::size_t j = 0; j < s.cols; ++j) c.z[j * s.rows + i] = c.x[0][i * s.cols + j];
  }
  // z = a^T: da = g^T
  template <class T>
  static void backward(Call<T>& c) {
    const Shape s = c.shape;  // (cols of a, rows of a)
    for (std::size_t i = 0; i < s.rows; ++i)
      for (std::size_t j = 0; j < s.cols; ++j) c.gx[0][j * s.rows + i] += c.g[i * s.cols + j];
  }
};

template <>
struct Rule<Op::affine> {
  static Shape shape(const Shape* in, Attr) {
    const Shape sa = in[0], sw = in[1], sb = in[2];
    if (sa.cols != sw.rows)
      fail_shapes("affine", fmt::format("inner dimensions {} and {} differ", sa.cols, sw.rows), "a", sa, "W", sw);
    if (sb != Shape{1, sw.cols})
      fail_shapes("affine", fmt::format("b must be (1, {}), one bias per column of W", sw.cols), "W", sw, "b", sb);
    return {sa.rows, sw.cols};
  }
  template <class T>
  static void forward(Call<T>& c) {
    const Shape sa = c.sx[0], sw = c.sx[1];
    for (std::size_t i = 0; i < sa.rows; ++i) std::copy_n(c.x[2], sw.cols, c.z + i * sw.cols);
    product<false, false>(sa.rows, sw.cols, sa.cols, c.x[0], sa.cols, c.x[1], sw.cols, c.z, sw.cols);
  }
  // z = a W + b: dW = a^T g [in x out], da = g W^T [m x in], db = colsum(g) [1 x out]
  template <class T>
  static void backward(Call<T>& c) {
    const std::size_t m = c.sx[0].rows, k = c.sx[0].cols, n = c.sx[1].cols;
    if (c.gx[1]) product<true, false>(k, n, m, c.x[0], k, c.g, n, c.gx[1], n);
    if (c.gx[0]) product<false, true>(m, k, n, c.g, n, c.x[1], n, c.gx[0], k);
    if (c.gx[2])
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) c.gx[2][j] += c.g[i * n + j];
  }
};

// a = act(a_in W + b) in one record: the affine map, then a unary row's f.
// aux keeps z = a_in W + b (the row's df may need its input, as relu's does)
// and room for g^[z], so backward allocates nothing.
template <>
struct Rule<Op::dense> {
  static Shape shape(const Shape* in, Attr) {
    const Shape sa = in[0], sw = in[1], sb = in[2];
    if (sa.cols != sw.rows)
      fail_shapes("dense", fmt::format("inner dimensions {} and {} differ", sa.cols, sw.rows), "a", sa, "W", sw);
    if (sb != Shape{1, sw.cols})
      fail_shapes("dense", fmt::format("b must be (1, {}), one bias per column of W", sw.cols), "W", sw, "b", sb);
    return {sa.rows, sw.cols};
  }
  static std::size_t aux_size(Shape out, const Shape*) { return 2 * out.size(); }
  template <class T>
  static void forward(Call<T>& c) {
    const Shape sa = c.sx[0], sw = c.sx[1];
    T* z = c.r.aux;
    for (std::size_t i = 0; i < sa.rows; ++i) std::copy_n(c.x[2], sw.cols, z + i * sw.cols);
    product<false, false>(sa.rows, sw.cols, sa.cols, c.x[0], sa.cols, c.x[1], sw.cols, z, sw.cols);
    unary_maps<T>[static_cast<std::size_t>(c.r.activation)].forward(z, c.z, c.shape.size(), c.attr);
  }
  // a = f(z), z = a_in W + b: g^[z] = g o f'(z) [m x out], then as affine:
  // dW = a_in^T g^[z] [in x out], da_in = g^[z] W^T [m x in], db = colsum(g^[z]) [1 x out]
  template <class T>
  static void backward(Call<T>& c) {
    const std::size_t m = c.sx[0].rows, k = c.sx[0].cols, n = c.sx[1].cols;
    const T* z = c.r.aux;
    T* gz = c.r.aux + m * n;
    unary_maps<T>[static_cast<std::size_t>(c.r.activation)].gradient(c.g, z, c.z, gz, m * n, c.attr);
    if (c.gx[1]) product<true, false>(k, n, m, c.x[0], k, gz, n, c.gx[1], n);
    if (c.gx[0]) product<false, true>(m, k, n, gz, n, c.x[1], n, c.gx[0], k);
    if (c.gx[2])
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) c.gx[2][j] += gz[i * n + j];
  }
};

// ---------------------------------------------------------------- reductions

// Sum and mean of every element, or down columns / along rows; each input
// element fed one output element, which hands its gradient back.
template <Op op, bool divide>
struct Reduce {
  static Shape shape(const Shape* in, Attr) {
    if (divide) check_nonempty("mean", in[0]);
    return op == Op::sum_rows ? Shape{1, in[0].cols} : op == Op::sum_cols ? Shape{in[0].rows, 1} : Shape{1, 1};
  }
  static std::size_t out_index(std::size_t i, std::size_t j) {
    return op == Op::sum_rows ? j : op == Op::sum_cols ? i : 0;
  }
  template <class T>
  static void forward(Call<T>& c) {
    const Shape s = c.sx[0];
    std::fill_n(c.z, c.shape.size(), T(0));
    for (std::size_t i = 0; i < s.rows; ++i)
      for (std::size_t j = 0; j < s.cols; ++j) c.z[out_index(i, j)] += c.x[0][i * s.cols + j];
    if (divide) c.z[0] /= static_cast<T>(s.size());
  }
  template <class T>
  static void backward(Call<T>& c) {
    const Shape s = c.sx[0];
    const T scale = divide ? T(1) / static_cast<T>(s.size()) : T(1);
    for (std::size_t i = 0; i < s.rows; ++i)
      for (std::size_t j = 0; j < s.cols; ++j) c.gx[0][i * s.cols + j] += c.g[out_index(i, j)] * scale;
  }
};
template <>
struct Rule<Op::sum> : Reduce<Op::sum, false> {};
template <>
struct Rule<Op::sum_rows> : Reduce<Op::sum_rows, false> {};
template <>
struct Rule<Op::sum_cols> : Reduce<Op::sum_cols, false> {};
template <>
struct Rule<Op::mean> : Reduce<Op::mean, true> {};

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

template <Op op, class Loss>
struct ElementLoss {
  static Shape shape(const Shape* in, Attr) {
    check_same_shape(op_name(op), Loss::first, in[0], "y", in[1]);
    check_nonempty(op_name(op), in[0]);
    return {1, 1};
  }
  template <class T>
  static void forward(Call<T>& c) {
    const Shape s = c.sx[0];
    Loss::check(c.x[0], c.x[1], s);
    T total = 0;
    for (std::size_t k = 0; k < s.size(); ++k) total += Loss::term(c.x[0][k], c.x[1][k]);
    total *= Loss::template factor<T>(s);
    c.z[0] = c.reduction == Reduction::mean ? total / static_cast<T>(s.rows) : total;
  }
  template <class T>
  static void backward(Call<T>& c) {
    const T scale = c.g[0] / (c.reduction == Reduction::mean ? static_cast<T>(c.sx[0].rows) : T(1)) *
                    Loss::template factor<T>(c.sx[0]);
    for (std::size_t k = 0; k < c.sx[0].size(); ++k) {
      if (c.gx[0]) c.gx[0][k] += scale * Loss::dx(c.x[0][k], c.x[1][k]);
      if (c.gx[1]) c.gx[1][k] += scale * Loss::dy(c.x[0][k], c.x[1][k]);
    }
  }
};

struct BinaryCrossEntropy {
  static constexpr std::string_view first = "p";
  template <class T>
  static void check(const T* p, const T* y, Shape s) {
    check_unit_interval("binary_cross_entropy", "probability", p, s);
    check_unit_interval("binary_cross_entropy", "target", y, s);
  }
  template <class T>
  static T factor(Shape) {
    return T(1);
  }
  // -[y log p + (1 - y) log(1 - p)], each log clamped at -100 (as PyTorch)
  template <class T>
  static T term(T p, T y) {
    return -(y * clamped_log(p) + (T(1) - y) * clamped_log(T(1) - p));
  }
  // dp = (p - y) / (p (1 - p)), the denominator clamped at 1e-12; dy = log(1 - p) - log p
  template <class T>
  static T dx(T p, T y) {
    return (p - y) / std::max(p * (T(1) - p), T(1e-12));
  }
  template <class T>
  static T dy(T p, T) {
    return clamped_log(T(1) - p) - clamped_log(p);
  }
};

struct BinaryCrossEntropyWithLogits {
  static constexpr std::string_view first = "z";
  template <class T>
  static void check(const T*, const T* y, Shape s) {
    check_unit_interval("bce_with_logits", "target", y, s);
  }
  template <class T>
  static T factor(Shape) {
    return T(1);
  }
  // BCE of sigmoid(z) = softplus(z) - z y, with softplus(z) = max(z, 0) + log(1 + e^-|z|):
  // exact when the sigmoid saturates
  template <class T>
  static T term(T z, T y) {
    return std::max(z, T(0)) + math::log1p(math::exp(-math::abs(z))) - z * y;
  }
  // dz = sigmoid(z) - y (g^[Lz] = a^[L] - y of the 4-3-2-1 example), dy = -z
  template <class T>
  static T dx(T z, T y) {
    return math::sigmoid(z) - y;
  }
  template <class T>
  static T dy(T z, T) {
    return -z;
  }
};

struct Mse {
  static constexpr std::string_view first = "a";
  template <class T>
  static void check(const T*, const T*, Shape) {}
  // l_i = (1/n) sum_j (a - y)^2: with Reduction::mean, the mean over all elements
  template <class T>
  static T factor(Shape s) {
    return T(1) / static_cast<T>(s.cols);
  }
  template <class T>
  static T term(T a, T y) {
    return (a - y) * (a - y);
  }
  template <class T>
  static T dx(T a, T y) {
    return T(2) * (a - y);
  }
  template <class T>
  static T dy(T a, T y) {
    return T(2) * (y - a);
  }
};

struct HalfSse {
  static constexpr std::string_view first = "a";
  template <class T>
  static void check(const T*, const T*, Shape) {}
  // l_i = 1/2 sum_j (y - a)^2
  template <class T>
  static T factor(Shape) {
    return T(0.5);
  }
  template <class T>
  static T term(T a, T y) {
    return (y - a) * (y - a);
  }
  template <class T>
  static T dx(T a, T y) {
    return T(2) * (a - y);
  }
  template <class T>
  static T dy(T a, T y) {
    return T(2) * (y - a);
  }
};

template <>
struct Rule<Op::binary_cross_entropy> : ElementLoss<Op::binary_cross_entropy, BinaryCrossEntropy> {};
template <>
struct Rule<Op::binary_cross_entropy_with_logits>
    : ElementLoss<Op::binary_cross_entropy_with_logits, BinaryCrossEntropyWithLogits> {};
template <>
struct Rule<Op::mse> : ElementLoss<Op::mse, Mse> {};
template <>
struct Rule<Op::half_sse> : ElementLoss<Op::half_sse, HalfSse> {};

template <>
struct Rule<Op::cross_entropy> {
  static Shape shape(const Shape* in, Attr) {
    check_same_shape("cross_entropy", "z", in[0], "y", in[1]);
    check_nonempty("cross_entropy", in[0]);
    return {1, 1};
  }
  static std::size_t aux_size(Shape, const Shape* in) { return in[0].size(); }
  // l_i = -sum_j y_ij log softmax(z_i)_j; aux keeps log softmax(z) for backward
  template <class T>
  static void forward(Call<T>& c) {
    const Shape s = c.sx[0];
    T* lsm = c.r.aux;
    log_softmax_rows(c.x[0], s, lsm);
    T total = 0;
    for (std::size_t k = 0; k < s.size(); ++k) total -= c.x[1][k] * lsm[k];
    c.z[0] = c.reduction == Reduction::mean ? total / static_cast<T>(s.rows) : total;
  }
  // dz_ij = softmax_ij sum_k y_ik - y_ij (softmax - y for rows summing to 1), dy_ij = -log softmax_ij
  template <class T>
  static void backward(Call<T>& c) {
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

template <>
struct Rule<Op::custom> {
  template <class T>
  static void forward(Call<T>&) {}  // the caller computes the value
  template <class T>
  static void backward(Call<T>& c) {
    c.tape.custom_backward(c.r.id)(c.tape, c.tape.node(c.r.id));
  }
};

// ---------------------------------------------------------------- the tables

namespace {

template <class T>
using Kernel = void (*)(Call<T>&);

template <class T>
void no_kernel(Call<T>&) {}

template <Op op, class T>
constexpr Kernel<T> forward_kernel() {
  if constexpr (op_kind(op) == OpKind::unary) return &unary_forward<op, T>;
  else if constexpr (op_kind(op) == OpKind::binary) return &binary_forward<op, T>;
  else if constexpr (op_kind(op) == OpKind::tensor) return &Rule<op>::template forward<T>;
  else return &no_kernel<T>;
}
template <Op op, class T>
constexpr Kernel<T> backward_kernel() {
  if constexpr (op_kind(op) == OpKind::unary) return &unary_backward<op, T>;
  else if constexpr (op_kind(op) == OpKind::binary) return &binary_backward<op, T>;
  else if constexpr (op_kind(op) == OpKind::tensor) return &Rule<op>::template backward<T>;
  else return &no_kernel<T>;  // leaves and scalar statements have no tensor rule
}
template <class T, std::size_t... k>
constexpr std::array<Kernel<T>, op_count> forward_table(std::index_sequence<k...>) {
  return {forward_kernel<static_cast<Op>(k), T>()...};
}
template <class T, std::size_t... k>
constexpr std::array<Kernel<T>, op_count> backward_table(std::index_sequence<k...>) {
  return {backward_kernel<static_cast<Op>(k), T>()...};
}
// Indexed by op code: an op without a rule does not compile.
template <class T>
constexpr std::array<Kernel<T>, op_count> forwards = forward_table<T>(std::make_index_sequence<op_count>());
template <class T>
constexpr std::array<Kernel<T>, op_count> backwards = backward_table<T>(std::make_index_sequence<op_count>());

/// Records tensor op `op`: checks the inputs, asks the rule for the shape, runs its forward.
template <Op op, class T>
Var<T> record_tensor(std::initializer_list<Var<T>> inputs, Attr attr = {},
                     Reduction reduction = Reduction::mean) {
  Tape<T>& tape = inputs.begin()->tape();
  Shape shapes[3];
  int k = 0;
  for (const Var<T>& v : inputs) {
    if (!tape.is_current(v)) [[unlikely]] tape.check(v, op_name(op));  // the name only when it throws
    shapes[k++] = tape.shape(v.id());
  }
  const Shape shape = Rule<op>::shape(shapes, attr);
  std::size_t aux = 0;
  if constexpr (requires { Rule<op>::aux_size(shape, shapes); }) aux = Rule<op>::aux_size(shape, shapes);
  auto [v, r] = tape.push(op, shape, inputs, attr, aux);
  r.reduction = reduction;
  Call<T> c = Call<T>::of(tape, r);
  Rule<op>::template forward<T>(c);
  return v;
}

}  // namespace

namespace detail {

template <class T>
void run_rule(Tape<T>& tape, const TensorRecord<T>& r) {
  Call<T> c = Call<T>::of(tape, r);
  backwards<T>[static_cast<std::size_t>(r.op)](c);
}

template <class T>
void check_operand_slow(Op op, Var<T> v, Var<T> other) {
  const Tape<T>* t = other.tape_ptr();
  if (t && v.tape_ptr() == t && t->is_live(v)) return;
  if (!v.tape_ptr()) throw std::logic_error(fmt::format("{}: empty handle (default-constructed Var)", op_name(op)));
  if (t && v.tape_ptr() != t) throw std::logic_error(fmt::format("{}: tape: handle belongs to another tape", op_name(op)));
  v.tape().check(v, op_name(op));
}

template <class T>
Var<T> record_op(Op op, Var<T> a, Var<T> b, Attr attr) {
  Tape<T>& tape = a.tape();
  // The op's name only when a check throws.
  if (!tape.is_current(a)) [[unlikely]] tape.check(a, op_name(op));
  Shape shape = tape.shape(a.id());
  const bool binary = op_kind(op) == OpKind::binary;
  if (binary) {
    if (!tape.is_current(b)) [[unlikely]] tape.check(b, op_name(op));
    const Shape sb = tape.shape(b.id());
    if (sb != shape) shape = check_broadcast(op_name(op), shape, sb);
  }
  auto [v, r] = binary ? tape.push(op, shape, {a, b}, attr) : tape.push(op, shape, {a}, attr);
  Call<T> c = Call<T>::of(tape, r);
  forwards<T>[static_cast<std::size_t>(op)](c);
  return v;
}

}  // namespace detail

// ---------------------------------------------------------------- the public tensor functions

template <class T>
Var<T> softmax(Var<T> z) {
  return record_tensor<Op::softmax, T>({z});
}
template <class T>
Var<T> log_softmax(Var<T> z) {
  return record_tensor<Op::log_softmax, T>({z});
}
template <class T>
Var<T> matmul(Var<T> a, Var<T> b) {
  return record_tensor<Op::matmul, T>({a, b});
}
template <class T>
Var<T> transpose(Var<T> a) {
  return record_tensor<Op::transpose, T>({a});
}
template <class T>
Var<T> affine(Var<T> a, Var<T> W, Var<T> b) {
  return record_tensor<Op::affine, T>({a, W, b});
}
template <class T>
Var<T> dense(Var<T> a, Var<T> W, Var<T> b, Op activation, Attr numbers) {
  if (op_kind(activation) != OpKind::unary)
    throw std::invalid_argument(fmt::format(
        "dense: the activation must be an elementwise op of one input (sigmoid, tanh, relu, ...); {} is not",
        op_name(activation)));
  if (!op_takes_numbers(activation)) numbers = {};
  Tape<T>& tape = a.tape();
  // Each handle checked where it is (a copy into an array here would be
  // reloaded whole from two halves just stored: a stall worth a small op).
  tape.check(a, "dense");
  tape.check(W, "dense");
  tape.check(b, "dense");
  const Shape shapes[3] = {tape.shape(a.id()), tape.shape(W.id()), tape.shape(b.id())};
  const Shape shape = Rule<Op::dense>::shape(shapes, numbers);
  auto [v, r] = tape.push(Op::dense, shape, {a, W, b}, numbers, Rule<Op::dense>::aux_size(shape, shapes));
  r.activation = activation;
  Call<T> c = Call<T>::of(tape, r);
  Rule<Op::dense>::forward(c);
  return v;
}
template <class T>
Var<T> sum(Var<T> a) {
  return record_tensor<Op::sum, T>({a});
}
template <class T>
Var<T> sum(Var<T> a, Axis axis) {
  return axis == Axis::rows ? record_tensor<Op::sum_rows, T>({a}) : record_tensor<Op::sum_cols, T>({a});
}
template <class T>
Var<T> mean(Var<T> a) {
  return record_tensor<Op::mean, T>({a});
}
template <class T>
Var<T> binary_cross_entropy(Var<T> p, Var<T> y, Reduction r) {
  return record_tensor<Op::binary_cross_entropy, T>({p, y}, {}, r);
}
template <class T>
Var<T> binary_cross_entropy_with_logits(Var<T> z, Var<T> y, Reduction r) {
  return record_tensor<Op::binary_cross_entropy_with_logits, T>({z, y}, {}, r);
}
template <class T>
Var<T> mse(Var<T> a, Var<T> y, Reduction r) {
  return record_tensor<Op::mse, T>({a, y}, {}, r);
}
template <class T>
Var<T> half_sse(Var<T> a, Var<T> y, Reduction r) {
  return record_tensor<Op::half_sse, T>({a, y}, {}, r);
}
template <class T>
Var<T> cross_entropy(Var<T> z, Var<T> y, Reduction r) {
  return record_tensor<Op::cross_entropy, T>({z, y}, {}, r);
}

#define TAPEGRAD_INSTANTIATE(T)                                                  \
  template void detail::run_rule(Tape<T>&, const TensorRecord<T>&);              \
  template void detail::check_operand_slow(Op, Var<T>, Var<T>);                  \
  template Var<T> detail::record_op(Op, Var<T>, Var<T>, Attr);                   \
  template Var<T> softmax(Var<T>);                                               \
  template Var<T> log_softmax(Var<T>);                                           \
  template Var<T> matmul(Var<T>, Var<T>);                                        \
  template Var<T> transpose(Var<T>);                                             \
  template Var<T> affine(Var<T>, Var<T>, Var<T>);                                \
  template Var<T> dense(Var<T>, Var<T>, Var<T>, Op, Attr);                       \
  template Var<T> sum(Var<T>);                                                   \
  template Var<T> sum(Var<T>, Axis);                                             \
  template Var<T> mean(Var<T>);                                                  \
  template Var<T> binary_cross_entropy(Var<T>, Var<T>, Reduction);               \
  template Var<T> binary_cross_entropy_with_logits(Var<T>, Var<T>, Reduction);   \
  template Var<T> mse(Var<T>, Var<T>, Reduction);                                \
  template Var<T> half_sse(Var<T>, Var<T>, Reduction);                           \
  template Var<T> cross_entropy(Var<T>, Var<T>, Reduction);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
TAPEGRAD_INSTANTIATE(Dual<float>)
TAPEGRAD_INSTANTIATE(Dual<double>)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
