// Tests for forward mode and second derivatives (autograd/forward_mode.hpp):
// jvp, hvp, hessian and jacobian of every op on every shape
// (broadcasting pairs included) against finite differences of values and of
// reverse-mode gradients, and against closed forms; float32 too.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"
#include "gradcheck_helpers.hpp"

using namespace tapegrad;

namespace {

using D = Dual<double>;
template <class N>
using Args = std::span<const Var<N>>;
template <class N>
using Fn = std::function<Var<N>(Args<N>)>;

/// An interval an input's elements are drawn from (kinks and poles kept out).
struct Band {
  double low, high;
};

/// One op under test: the same generic function on plain numbers and on duals.
struct Case {
  Op op;
  std::string label;
  Fn<double> plain;
  Fn<D> dual;
  std::vector<std::vector<Shape>> shapes;  // input shapes, one list per variant
  std::vector<std::vector<Band>> bands;    // per input: element k drawn from band k mod size
};

template <class F>
Case make_case(Op op, std::string label, F f, std::vector<std::vector<Shape>> shapes,
               std::vector<std::vector<Band>> bands) {
  return {op, std::move(label), [f](Args<double> x) { return f(x); }, [f](Args<D> x) { return f(x); },
          std::move(shapes), std::move(bands)};
}

const std::vector<Band> anywhere{{-2.0, 2.0}};
const std::vector<Band> positive{{0.3, 2.5}};
const std::vector<Band> off_zero{{-2.0, -0.3}, {0.3, 2.0}};
const std::vector<Band> unit{{0.05, 0.95}};

std::vector<std::vector<Shape>> unary_shapes() {
  std::vector<std::vector<Shape>> out;
  for (Shape s : tapegrad::testing::test_shapes()) out.push_back({s});
  return out;
}

// Every broadcasting pair, both ways round, and equal shapes.
std::vector<std::vector<Shape>> binary_shapes() {
  return {{{1, 1}, {1, 1}}, {{3, 4}, {3, 4}}, {{3, 4}, {1, 4}}, {{1, 4}, {3, 4}}, {{3, 4}, {3, 1}},
          {{3, 1}, {3, 4}}, {{3, 4}, {1, 1}}, {{1, 1}, {3, 4}}, {{1, 4}, {3, 1}}, {{3, 1}, {1, 4}}};
}

std::vector<std::vector<Shape>> pair_shapes() {
  std::vector<std::vector<Shape>> out;
  for (Shape s : tapegrad::testing::test_shapes()) out.push_back({s, s});
  return out;
}

// Unary elementwise ops on Var<N>, as generic lambdas.
#define UNARY(op, expr, bands) \
  make_case(Op::op, #op, [](auto x) { return expr; }, unary_shapes(), {bands})
#define BINARY(op, expr, a_bands, b_bands) \
  make_case(Op::op, #op, [](auto x) { return expr; }, binary_shapes(), {a_bands, b_bands})

std::vector<Case> all_cases() {
  std::vector<Case> c;
  c.push_back(BINARY(add, x[0] + x[1], anywhere, anywhere));
  c.push_back(BINARY(sub, x[0] - x[1], anywhere, anywhere));
  c.push_back(BINARY(mul, x[0] * x[1], anywhere, anywhere));
  c.push_back(BINARY(div, x[0] / x[1], anywhere, off_zero));
  c.push_back(UNARY(neg, -x[0], anywhere));
  c.push_back(UNARY(add_scalar, x[0] + 1.5, anywhere));
  c.push_back(UNARY(mul_scalar, x[0] * -2.5, anywhere));
  c.push_back(UNARY(rsub_scalar, 0.5 - x[0], anywhere));
  c.push_back(UNARY(rdiv_scalar, 1.5 / x[0], off_zero));
  c.push_back(UNARY(exp, exp(x[0]), anywhere));
  c.push_back(UNARY(log, log(x[0]), positive));
  c.push_back(UNARY(pow, pow(x[0], 3.0), anywhere));
  c.push_back(UNARY(pow, pow(x[0], -1.5), positive));
  c.push_back(UNARY(sqrt, sqrt(x[0]), positive));
  c.push_back(UNARY(abs, abs(x[0]), off_zero));
  c.push_back(UNARY(sigmoid, sigmoid(x[0]), anywhere));
  c.push_back(UNARY(tanh, tanh(x[0]), anywhere));
  c.push_back(UNARY(relu, relu(x[0]), off_zero));
  c.push_back(make_case(Op::softmax, "softmax", [](auto x) { return softmax(x[0]); }, unary_shapes(), {anywhere}));
  c.push_back(make_case(Op::log_softmax, "log_softmax", [](auto x) { return log_softmax(x[0]); }, unary_shapes(), {anywhere}));
  c.push_back(make_case(Op::matmul, "matmul", [](auto x) { return matmul(x[0], x[1]); },
                        {{{1, 1}, {1, 1}}, {{1, 4}, {4, 1}}, {{3, 4}, {4, 2}}, {{3, 1}, {1, 4}}}, {anywhere, anywhere}));
  c.push_back(make_case(Op::transpose, "transpose", [](auto x) { return transpose(x[0]); }, unary_shapes(), {anywhere}));
  c.push_back(make_case(Op::affine, "affine", [](auto x) { return affine(x[0], x[1], x[2]); },
                        {{{1, 1}, {1, 1}, {1, 1}}, {{1, 4}, {4, 2}, {1, 2}}, {{3, 4}, {4, 2}, {1, 2}}},
                        {anywhere, anywhere, anywhere}));
  c.push_back(make_case(Op::dense, "dense sigmoid", [](auto x) { return dense(x[0], x[1], x[2], Op::sigmoid); },
                        {{{1, 1}, {1, 1}, {1, 1}}, {{1, 4}, {4, 2}, {1, 2}}, {{3, 4}, {4, 2}, {1, 2}}},
                        {anywhere, anywhere, anywhere}));
  c.push_back(make_case(Op::dense, "dense tanh", [](auto x) { return dense(x[0], x[1], x[2], Op::tanh); },
                        {{{3, 4}, {4, 2}, {1, 2}}}, {anywhere, anywhere, anywhere}));
  c.push_back(make_case(Op::sum, "sum", [](auto x) { return sum(x[0]); }, unary_shapes(), {anywhere}));
  c.push_back(make_case(Op::sum_rows, "sum_rows", [](auto x) { return sum(x[0], Axis::rows); }, unary_shapes(), {anywhere}));
  c.push_back(make_case(Op::sum_cols, "sum_cols", [](auto x) { return sum(x[0], Axis::cols); }, unary_shapes(), {anywhere}));
  c.push_back(make_case(Op::mean, "mean", [](auto x) { return mean(x[0]); }, unary_shapes(), {anywhere}));
  for (Reduction r : {Reduction::mean, Reduction::sum}) {
    c.push_back(make_case(Op::binary_cross_entropy, "binary_cross_entropy",
                          [r](auto x) { return binary_cross_entropy(x[0], x[1], r); }, pair_shapes(), {unit, unit}));
    c.push_back(make_case(Op::binary_cross_entropy_with_logits, "bce_with_logits",
                          [r](auto x) { return binary_cross_entropy_with_logits(x[0], x[1], r); }, pair_shapes(),
                          {anywhere, unit}));
    c.push_back(make_case(Op::mse, "mse", [r](auto x) { return mse(x[0], x[1], r); }, pair_shapes(), {anywhere, anywhere}));
    c.push_back(make_case(Op::half_sse, "half_sse", [r](auto x) { return half_sse(x[0], x[1], r); }, pair_shapes(),
                          {anywhere, anywhere}));
    c.push_back(make_case(Op::cross_entropy, "cross_entropy", [r](auto x) { return cross_entropy(x[0], x[1], r); },
                          pair_shapes(), {anywhere, unit}));
  }
  // A custom op, y = x^2 with its backward written generically, as a user would.
  c.push_back(make_case(Op::custom, "custom", [](auto x) {
    auto& tape = x[0].tape();
    using N = std::remove_cvref_t<decltype(x[0].value()[0])>;
    auto y = tape.custom(x[0].shape(), {x[0]}, [](Tape<N>& t, const Node<N>& n) {
      const N* in = t.input_value(n, 0);
      if (N* g = t.input_grad(n, 0))
        for (std::size_t k = 0; k < n.shape.size(); ++k) g[k] += N(2) * in[k] * n.grad[k];
    });
    N* out = tape.mutable_value(y);
    const auto in = x[0].value();
    for (std::size_t k = 0; k < in.size(); ++k) out[k] = in[k] * in[k];
    return y;
  }, unary_shapes(), {anywhere}));
  c.push_back(UNARY(sin, sin(x[0]), anywhere));
  c.push_back(UNARY(cos, cos(x[0]), anywhere));
  c.push_back(UNARY(atan, atan(x[0]), anywhere));
  c.push_back(UNARY(log1p, log1p(x[0]), (std::vector<Band>{{-0.6, 2.0}})));
  c.push_back(UNARY(expm1, expm1(x[0]), anywhere));
  c.push_back(UNARY(softplus, softplus(x[0]), (std::vector<Band>{{-3.0, 3.0}, {21.0, 23.0}})));
  c.push_back(UNARY(leaky_relu, leaky_relu(x[0], 0.1), off_zero));
  c.push_back(UNARY(elu, elu(x[0], 0.7), off_zero));
  c.push_back(UNARY(gelu, gelu(x[0]), anywhere));
  c.push_back(UNARY(gelu_tanh, gelu(x[0], Gelu::tanh), anywhere));
  c.push_back(BINARY(maximum, maximum(x[0], x[1]), (std::vector<Band>{{-2.0, -1.0}, {1.0, 2.0}}),
                     (std::vector<Band>{{-0.5, 0.5}})));
  c.push_back(BINARY(minimum, minimum(x[0], x[1]), (std::vector<Band>{{-0.5, 0.5}}),
                     (std::vector<Band>{{1.0, 2.0}, {-2.0, -1.0}})));
  c.push_back(UNARY(clamp, clamp(x[0], -1.0, 1.0), (std::vector<Band>{{-2.0, -1.2}, {-0.8, 0.8}, {1.2, 2.0}})));
  c.push_back(BINARY(pow_var, pow(x[0], x[1]), positive, anywhere));
  c.push_back(UNARY(rpow_scalar, pow(2.5, x[0]), anywhere));
  // Several ops in one statement: on (1, 1) values, one record of partials.
  c.push_back(make_case(Op::expression, "expression",
                        [](auto x) { return x[0] * x[1] + x[0] / (1.0 + x[1] * x[1]) - 2.0 * x[1]; },
                        {{{1, 1}, {1, 1}}}, {anywhere, anywhere}));
  return c;
}

Tensor<double> draw(Shape s, Generator& g, const std::vector<Band>& bands, std::size_t shift) {
  Tensor<double> x(s, 0.0);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const Band b = bands[(k + shift) % bands.size()];
    x[k] = g.uniform(b.low, b.high);
  }
  return x;
}

// Output of f on plain numbers, weighted by fixed random numbers and squared in
// part, so that every output element and the op's Jacobian reach the Hessian.
template <class N>
Var<N> scalarize(Var<N> out) {
  Generator g(7);
  Tensor<N> w(out.shape(), N(0));
  for (std::size_t k = 0; k < w.size(); ++k) w[k] = N(g.uniform(0.5, 1.5));
  const Var<N> wv = out.tape().constant(w.view());
  return sum(wv * (out + out * out));
}

std::vector<Tensor<double>> shifted(const std::vector<Tensor<double>>& x, const std::vector<Tensor<double>>& v,
                                    double h) {
  std::vector<Tensor<double>> out = x;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t k = 0; k < x[i].size(); ++k) out[i][k] += h * v[i][k];
  return out;
}

Tensor<double> value_of(const Fn<double>& f, const std::vector<Tensor<double>>& x) {
  Tape<double> tape;
  std::vector<Var<double>> vars;
  for (const auto& t : x) vars.push_back(tape.constant(t.view()));
  return Tensor<double>(f(vars).value());
}

// The reverse-mode gradient of scalarize(f), all inputs' elements in one row.
std::vector<double> gradient_of(const Fn<double>& f, const std::vector<Tensor<double>>& x) {
  Tape<double> tape;
  std::vector<Var<double>> vars;
  for (const auto& t : x) vars.push_back(tape.variable(t.view()));
  tape.backward(scalarize(f(vars)));
  std::vector<double> g;
  for (const auto& v : vars)
    for (double e : v.grad()) g.push_back(e);
  return g;
}

double tolerance(double expected) { return 1e-6 + 1e-5 * std::abs(expected); }

std::vector<Tensor<double>> unit_direction(const std::vector<Tensor<double>>& x, std::size_t j) {
  std::vector<Tensor<double>> e;
  for (const auto& t : x) e.push_back(Tensor<double>::zeros(t.shape()));
  for (auto& t : e) {
    if (j < t.size()) {
      t[j] = 1;
      break;
    }
    j -= t.size();
  }
  return e;
}

}  // namespace

TEST_CASE("the cases below cover every op but leaf") {
  std::set<Op> covered;
  for (const Case& c : all_cases()) covered.insert(c.op);
  for (std::size_t k = 1; k < op_count; ++k) {
    CAPTURE(op_name(static_cast<Op>(k)));
    CHECK(covered.count(static_cast<Op>(k)) == 1);
  }
}

TEST_CASE("jvp, hvp, hessian and jacobian of every op match finite differences on every shape") {
  const double h = 1e-5;
  Generator g(2026);
  for (const Case& c : all_cases())
    for (const auto& shapes : c.shapes)
      for (std::size_t shift = 0; shift < 2; ++shift) {
        std::vector<Tensor<double>> x, v;
        for (std::size_t i = 0; i < shapes.size(); ++i) {
          x.push_back(draw(shapes[i], g, c.bands[i], shift));
          v.push_back(Tensor<double>::uniform(shapes[i], g, -1.0, 1.0));
        }
        std::string shape_text;
        for (Shape s : shapes) shape_text += fmt::format("{} ", s);
        INFO(fmt::format("{} on {}shift {}", c.label, shape_text, shift));
        const std::size_t n = tapegrad::detail::total_size<double>(x);

        // jvp: f(x) exactly, J v against the central difference of f.
        const JvpResult<double> j = jvp(c.dual, std::span<const Tensor<double>>(x), std::span<const Tensor<double>>(v));
        const Tensor<double> y = value_of(c.plain, x);
        const Tensor<double> up = value_of(c.plain, shifted(x, v, h)), down = value_of(c.plain, shifted(x, v, -h));
        REQUIRE(j.value.shape() == y.shape());
        for (std::size_t k = 0; k < y.size(); ++k) {
          CHECK(j.value[k] == doctest::Approx(y[k]).epsilon(1e-12));
          const double fd = (up[k] - down[k]) / (2 * h);
          CHECK(std::abs(j.tangent[k] - fd) <= tolerance(fd));
        }

        // hvp: the gradient as reverse mode gives it, H v against the
        // central difference of reverse-mode gradients.
        auto scalar = [&c](Args<D> in) { return scalarize(c.dual(in)); };
        const HvpResult<double> r = hvp(scalar, std::span<const Tensor<double>>(x), std::span<const Tensor<double>>(v));
        const std::vector<double> grad = gradient_of(c.plain, x);
        const std::vector<double> gu = gradient_of(c.plain, shifted(x, v, h)), gd = gradient_of(c.plain, shifted(x, v, -h));
        std::size_t e = 0;
        for (std::size_t i = 0; i < x.size(); ++i)
          for (std::size_t k = 0; k < x[i].size(); ++k, ++e) {
            CHECK(r.gradient[i][k] == doctest::Approx(grad[e]).epsilon(1e-12));
            const double fd = (gu[e] - gd[e]) / (2 * h);
            CHECK(std::abs(r.hvp[i][k] - fd) <= tolerance(fd));
          }

        // hessian and jacobian, column by column against the same differences.
        const Tensor<double> H = hessian(scalar, std::span<const Tensor<double>>(x));
        const Tensor<double> J = jacobian(c.dual, std::span<const Tensor<double>>(x));
        REQUIRE(H.shape() == Shape{static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(n)});
        REQUIRE(J.shape() == Shape{static_cast<std::uint32_t>(y.size()), static_cast<std::uint32_t>(n)});
        for (std::size_t col = 0; col < n; ++col) {
          const auto unit = unit_direction(x, col);
          const std::vector<double> hu = gradient_of(c.plain, shifted(x, unit, h));
          const std::vector<double> hd = gradient_of(c.plain, shifted(x, unit, -h));
          const Tensor<double> vu = value_of(c.plain, shifted(x, unit, h));
          const Tensor<double> vd = value_of(c.plain, shifted(x, unit, -h));
          for (std::size_t row = 0; row < n; ++row) {
            const double fd = (hu[row] - hd[row]) / (2 * h);
            CHECK(std::abs(H(row, col) - fd) <= tolerance(fd));
          }
          for (std::size_t row = 0; row < y.size(); ++row) {
            const double fd = (vu[row] - vd[row]) / (2 * h);
            CHECK(std::abs(J(row, col) - fd) <= tolerance(fd));
          }
        }
      }
}

TEST_CASE("second derivatives of closed forms") {
  Generator g(5);
  const Tensor<double> x = Tensor<double>::uniform({1, 4}, g, -1.5, 1.5);

  SUBCASE("sum(x^3) has H = diag(6 x)") {
    const Tensor<double> H = hessian([](auto v) { return sum(v * v * v); }, x);
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < 4; ++j) CHECK(H(i, j) == doctest::Approx(i == j ? 6 * x[i] : 0.0).epsilon(1e-14));
  }
  SUBCASE("log sum exp has H = diag(p) - p p^T, p = softmax(x)") {
    const Tensor<double> H = hessian([](auto v) { return log(sum(exp(v))); }, x);
    double total = 0;
    for (double e : x) total += std::exp(e);
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < 4; ++j) {
        const double pi = std::exp(x[i]) / total, pj = std::exp(x[j]) / total;
        CHECK(H(i, j) == doctest::Approx((i == j ? pi : 0.0) - pi * pj).epsilon(1e-13));
      }
  }
  SUBCASE("the Jacobian of softmax is diag(p) - p p^T") {
    const Tensor<double> J = jacobian([](auto v) { return softmax(v); }, x);
    double total = 0;
    for (double e : x) total += std::exp(e);
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < 4; ++j) {
        const double pi = std::exp(x[i]) / total, pj = std::exp(x[j]) / total;
        CHECK(J(i, j) == doctest::Approx((i == j ? pi : 0.0) - pi * pj).epsilon(1e-13));
      }
  }
  SUBCASE("the quadratic form x A x^T has H = A + A^T") {
    const Tensor<double> A = Tensor<double>::uniform({4, 4}, g, -1.0, 1.0);
    const Tensor<double> H = hessian(
        [&A](auto v) {
          auto a = v.tape().constant(detail::dual_of(A, static_cast<const double*>(nullptr)).view());
          return sum(matmul(matmul(v, a), transpose(v)));
        },
        x);
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < 4; ++j) CHECK(H(i, j) == doctest::Approx(A(i, j) + A(j, i)).epsilon(1e-14));
  }
  SUBCASE("Rosenbrock on the scalar path, two inputs") {
    const Tensor<double> a = Tensor<double>::scalar(0.7), b = Tensor<double>::scalar(-0.4);
    const std::vector<Tensor<double>> in{a, b};
    const Tensor<double> H = hessian(
        [](Args<D> v) {
          auto d = v[1] - v[0] * v[0];
          return (1.0 - v[0]) * (1.0 - v[0]) + 100.0 * d * d;
        },
        std::span<const Tensor<double>>(in));
    CHECK(H(0, 0) == doctest::Approx(1200 * 0.49 - 400 * -0.4 + 2));
    CHECK(H(0, 1) == doctest::Approx(-400 * 0.7));
    CHECK(H(1, 0) == doctest::Approx(-400 * 0.7));
    CHECK(H(1, 1) == doctest::Approx(200));
  }
  SUBCASE("jvp of sin is cos(x) v, of a composition the chain rule") {
    const Tensor<double> v = Tensor<double>::uniform({1, 4}, g, -1.0, 1.0);
    const JvpResult<double> r = jvp([](auto u) { return sin(u) * exp(u); }, x, v);
    for (std::size_t k = 0; k < 4; ++k) {
      CHECK(r.value[k] == doctest::Approx(std::sin(x[k]) * std::exp(x[k])).epsilon(1e-15));
      CHECK(r.tangent[k] == doctest::Approx((std::cos(x[k]) + std::sin(x[k])) * std::exp(x[k]) * v[k]).epsilon(1e-14));
    }
  }
  SUBCASE("relu's second derivative is 0 away from the kink, as PyTorch's") {
    const Tensor<double> H = hessian([](auto v) { return sum(relu(v) * relu(v) * relu(v)); }, x);
    for (std::size_t i = 0; i < 4; ++i) CHECK(H(i, i) == doctest::Approx(x[i] > 0 ? 6 * x[i] : 0.0));
    const Tensor<double> flat = hessian([](auto v) { return sum(relu(v)); }, x);
    for (double e : flat) CHECK(e == 0.0);
  }
}

TEST_CASE("a gradient of exactly 0 whose derivative is not still carries H v") {
  // f = (x - 1)^2 at x = 1: f' = 0 but f'' = 2; the scalar and tensor reverse
  // walks must not skip the record for its zero value.
  const Tensor<double> one = Tensor<double>::scalar(1.0);
  CHECK(hessian([](auto v) { return (v - 1.0) * (v - 1.0); }, one)(0, 0) == 2.0);
  const Tensor<double> ones = Tensor<double>::full({1, 3}, 1.0);
  const Tensor<double> H = hessian([](auto v) { return sum((v - 1.0) * (v - 1.0)); }, ones);
  for (std::size_t i = 0; i < 3; ++i) CHECK(H(i, i) == 2.0);
}

TEST_CASE("large products run the dual gemm through the real one and agree with the small path") {
  // (40, 30) x (30, 20): past the BLAS threshold; checked against the plain loop.
  Generator g(11);
  const Tensor<double> a = Tensor<double>::uniform({40, 30}, g, -1, 1), b = Tensor<double>::uniform({30, 20}, g, -1, 1);
  const Tensor<double> va = Tensor<double>::uniform({40, 30}, g, -1, 1), vb = Tensor<double>::uniform({30, 20}, g, -1, 1);
  const std::vector<Tensor<double>> x{a, b}, v{va, vb};
  const JvpResult<double> r = jvp([](Args<D> in) { return matmul(in[0], in[1]); },
                                  std::span<const Tensor<double>>(x), std::span<const Tensor<double>>(v));
  for (std::size_t i = 0; i < 40; ++i)
    for (std::size_t j = 0; j < 20; ++j) {
      double value = 0, tangent = 0;
      for (std::size_t p = 0; p < 30; ++p) {
        value += a(i, p) * b(p, j);
        tangent += va(i, p) * b(p, j) + a(i, p) * vb(p, j);
      }
      CHECK(r.value(i, j) == doctest::Approx(value).epsilon(1e-12));
      CHECK(r.tangent(i, j) == doctest::Approx(tangent).epsilon(1e-12));
    }
}

TEST_CASE_TEMPLATE("float32: jvp, hvp and hessian work in single precision", T, float, double) {
  const Tensor<T> x{{T(0.5), T(-1.0), T(2.0)}};
  const Tensor<T> v{{T(1.0), T(2.0), T(-1.0)}};
  auto f = [](auto u) { return sum(tanh(u) * u + exp(u)); };
  const HvpResult<T> r = hvp(f, x, v);
  const Tensor<T> H = hessian(f, x);
  const JvpResult<T> j = jvp([](auto u) { return tanh(u) * u + exp(u); }, x, v);
  for (std::size_t k = 0; k < 3; ++k) {
    const double t = std::tanh(double(x[k])), s2 = 1 - t * t;
    const double d1 = t + double(x[k]) * s2 + std::exp(double(x[k]));
    const double d2 = 2 * s2 - 2 * double(x[k]) * t * s2 + std::exp(double(x[k]));
    const double eps = std::is_same_v<T, float> ? 1e-5 : 1e-13;
    CHECK(double(r.gradient[0][k]) == doctest::Approx(d1).epsilon(eps));
    CHECK(double(r.hvp[0][k]) == doctest::Approx(d2 * double(v[k])).epsilon(eps));
    CHECK(double(H(k, k)) == doctest::Approx(d2).epsilon(eps));
    CHECK(double(j.tangent[k]) == doctest::Approx(d1 * double(v[k])).epsilon(eps));
  }
}

TEST_CASE("derivative functions reject mismatched directions and non-scalar hvp outputs") {
  const Tensor<double> x{{1.0, 2.0}};
  const Tensor<double> v{{1.0, 2.0, 3.0}};
  auto f = [](auto u) { return sum(u * u); };
  CHECK_THROWS_WITH_AS(jvp(f, x, v), "jvp: direction 0 differs in shape from input 0; x is (1, 2), v is (1, 3)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(hvp(f, x, v), "hvp: direction 0 differs in shape from input 0; x is (1, 2), v is (1, 3)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(hvp([](auto u) { return u * u; }, x, x),
                       "hvp: the function must return a scalar (1, 1); it returned (1, 2) (use jacobian for "
                       "a vector function)",
                       ShapeError);
  const std::vector<Tensor<double>> xs{x, x}, vs{x};
  CHECK_THROWS_WITH_AS(jvp([](Args<D> u) { return sum(u[0]); }, std::span<const Tensor<double>>(xs),
                           std::span<const Tensor<double>>(vs)),
                       "jvp: 2 inputs but 1 directions; give one direction per input", std::invalid_argument);
}

TEST_CASE("a function that ignores an input has zero gradient and Hessian there") {
  const std::vector<Tensor<double>> xs{Tensor<double>{{1.0, 2.0}}, Tensor<double>{{3.0}}};
  const Tensor<double> H = hessian([](Args<D> u) { return sum(u[0] * u[0]); }, std::span<const Tensor<double>>(xs));
  CHECK(H(2, 2) == 0.0);
  CHECK(H(0, 2) == 0.0);
  CHECK(H(0, 0) == 2.0);
  const Tensor<double> C = hessian([](Args<D> u) { return sum(u[0].tape().constant(D(2.0)) + 0.0 * u[1]); },
                                   std::span<const Tensor<double>>(xs));
  for (double e : C) CHECK(e == 0.0);
}
