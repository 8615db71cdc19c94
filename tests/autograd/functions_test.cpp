// Tests for the elementwise functions beyond arithmetic (rows of autograd/op.hpp):
// sin, cos, atan, log1p, expm1, softplus, leaky_relu, elu, gelu (exact and tanh),
// maximum, minimum, clamp, pow with a Var exponent, pow with a plain base, and
// compound assignment. Values against
// hand-computed literals, gradients against finite differences and against
// PyTorch's choices at the special points, on the scalar and the tensor path.
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/activation.hpp"
#include "autograd/elementwise.hpp"
#include "gradcheck_helpers.hpp"

using namespace tapegrad;
using tapegrad::testing::check_gradients;
using tapegrad::testing::random;
using tapegrad::testing::test_shapes;
using tapegrad::testing::weighted_sum;
using Args = std::span<const Var<double>>;

namespace {

/// A value within a few ulps of `expected` in T (relative, or absolute at 0).
template <class T>
doctest::Approx near(double expected) {
  const double eps = std::is_same_v<T, float> ? 2e-6 : 1e-13;
  return doctest::Approx(expected).epsilon(eps).scale(expected == 0 ? 1.0 : 0.0);
}

template <class T>
Tensor<T> row_of(const std::vector<double>& xs) {
  Tensor<T> t(Shape{1, static_cast<std::uint32_t>(xs.size())}, T(0));
  for (std::size_t k = 0; k < xs.size(); ++k) t[k] = static_cast<T>(xs[k]);
  return t;
}

/// Checks f(x) against `expected` elementwise on both paths: the tensor path
/// (all of xs as one (1, n) row) and the scalar path (each x alone, scalar mode).
template <class T, class F>
void check_values(F f, const std::vector<double>& xs, const std::vector<double>& expected) {
  REQUIRE(xs.size() == expected.size());
  Tape<T> tape;
  auto y = f(tape.variable(row_of<T>(xs)));
  REQUIRE(y.shape() == Shape{1, static_cast<std::uint32_t>(xs.size())});
  for (std::size_t k = 0; k < xs.size(); ++k) {
    CAPTURE(xs[k]);
    CHECK(y.value()[k] == near<T>(expected[k]));
  }
  for (std::size_t k = 0; k < xs.size(); ++k) {
    CAPTURE(xs[k]);
    Tape<T> scalar;
    CHECK(f(scalar.variable(static_cast<T>(xs[k]))).item() == near<T>(expected[k]));
  }
}

/// Checks df/dx against `expected` elementwise on the tensor and the scalar path.
template <class T, class F>
void check_derivatives(F f, const std::vector<double>& xs, const std::vector<double>& expected) {
  REQUIRE(xs.size() == expected.size());
  Tape<T> tape;
  auto x = tape.variable(row_of<T>(xs));
  tape.backward(sum(f(x)));
  for (std::size_t k = 0; k < xs.size(); ++k) {
    CAPTURE(xs[k]);
    CHECK(x.grad()[k] == near<T>(expected[k]));
  }
  for (std::size_t k = 0; k < xs.size(); ++k) {
    CAPTURE(xs[k]);
    Tape<T> scalar;
    auto s = scalar.variable(static_cast<T>(xs[k]));
    scalar.backward(f(s));
    CHECK(s.grad()[0] == near<T>(expected[k]));
  }
}

/// An interval inputs are drawn from; several keep inputs off an op's kinks.
using Band = std::pair<double, double>;

/// Element k drawn from band (k + shift) mod bands: with every shift, each band
/// is met by every shape, (1, 1) included.
Tensor<double> draw_bands(Shape s, Generator& g, const std::vector<Band>& bands, std::size_t shift) {
  Tensor<double> x(s, 0.0);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const Band b = bands[(k + shift) % bands.size()];
    x[k] = g.uniform(b.first, b.second);
  }
  return x;
}

using UnaryFn = std::function<Var<double>(Var<double>)>;

/// Finite-difference check of f on every test shape, inputs drawn from `bands`.
void check_every_shape(const UnaryFn& f, const std::vector<Band>& bands, std::uint64_t seed) {
  Generator g(seed);
  for (Shape s : test_shapes())
    for (std::size_t shift = 0; shift < bands.size(); ++shift) {
      INFO(fmt::format("shape {}, shift {}", s, shift));
      const std::vector<Tensor<double>> in{draw_bands(s, g, bands, shift)};
      check_gradients([&f](Tape<double>&, Args v) { return weighted_sum(f(v[0])); }, in);
    }
}

/// The smallest |a - b| over the elements a broadcast pair meets.
double min_gap(const Tensor<double>& a, const Tensor<double>& b) {
  const std::size_t rows = std::max(a.rows(), b.rows()), cols = std::max(a.cols(), b.cols());
  double gap = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      const double x = a(a.rows() == 1 ? 0 : i, a.cols() == 1 ? 0 : j);
      const double y = b(b.rows() == 1 ? 0 : i, b.cols() == 1 ? 0 : j);
      gap = std::min(gap, std::abs(x - y));
    }
  return gap;
}

/// Every shape pair a binary op meets: equal shapes and each broadcast.
const std::vector<std::pair<Shape, Shape>>& broadcast_pairs() {
  static const std::vector<std::pair<Shape, Shape>> pairs{
      {{1, 1}, {1, 1}}, {{1, 4}, {1, 4}}, {{3, 1}, {3, 1}}, {{3, 4}, {3, 4}},
      {{3, 4}, {1, 4}}, {{1, 4}, {3, 4}}, {{3, 4}, {1, 1}}, {{1, 1}, {3, 4}},
      {{3, 4}, {3, 1}}, {{3, 1}, {1, 4}}};
  return pairs;
}

}  // namespace

// ---------------------------------------------------------------- values

TEST_CASE_TEMPLATE("the math functions compute their values", T, float, double) {
  SUBCASE("sin") {
    check_values<T>([](auto x) { return sin(x); }, {0, 0.5, -1.25, 3},
                    {0, 0.479425538604203, -0.94898461935558621, 0.14112000805986722});
  }
  SUBCASE("cos") {
    check_values<T>([](auto x) { return cos(x); }, {0, 0.5, -1.25, 3},
                    {1, 0.87758256189037272, 0.31532236239526867, -0.98999249660044546});
  }
  SUBCASE("atan") {
    check_values<T>([](auto x) { return atan(x); }, {0, 1, -0.5, 3},
                    {0, 0.78539816339744831, -0.46364760900080612, 1.2490457723982544});
  }
  SUBCASE("log1p, accurate near 0") {
    check_values<T>([](auto x) { return log1p(x); }, {0, 1e-10, 0.5, -0.5, 3},
                    {0, 9.9999999995e-11, 0.40546510810816438, -0.69314718055994531, 1.3862943611198906});
  }
  SUBCASE("expm1, accurate near 0") {
    check_values<T>([](auto x) { return expm1(x); }, {0, 1e-10, 1, -2},
                    {0, 1.00000000005e-10, 1.7182818284590452, -0.86466471676338731});
  }
  SUBCASE("pow with a plain base") {
    check_values<T>([](auto x) { return pow(2.0, x); }, {0, 3, -1, 0.5}, {1, 8, 0.5, 1.4142135623730950});
    check_values<T>([](auto x) { return pow(0.0, x); }, {0, 1, 2.5}, {1, 0, 0});
  }
}

TEST_CASE_TEMPLATE("the new activations compute PyTorch's values", T, float, double) {
  SUBCASE("softplus is log(1 + e^x), and x itself above 20") {
    check_values<T>([](auto x) { return softplus(x); }, {0, 1, -3, 20, 21, 30, -30},
                    {0.69314718055994531, 1.3132616875182228, 0.048587351573742059, 20.000000002061154,
                     21, 30, 9.3576229688397368e-14});
  }
  SUBCASE("leaky_relu has slope 0.01 by default") {
    check_values<T>([](auto x) { return leaky_relu(x); }, {-2, -0.5, 0, 3}, {-0.02, -0.005, 0, 3});
  }
  SUBCASE("leaky_relu takes another slope") {
    check_values<T>([](auto x) { return leaky_relu(x, 0.2); }, {-2, -0.5, 0, 3}, {-0.4, -0.1, 0, 3});
  }
  SUBCASE("elu has alpha 1 by default") {
    check_values<T>([](auto x) { return elu(x); }, {-2, -1, 0, 2},
                    {-0.86466471676338731, -0.63212055882855768, 0, 2});
  }
  SUBCASE("elu takes another alpha") {
    check_values<T>([](auto x) { return elu(x, 0.5); }, {-2, -1, 0, 2},
                    {-0.43233235838169365, -0.31606027941427884, 0, 2});
  }
  SUBCASE("gelu is x Phi(x)") {
    check_values<T>([](auto x) { return gelu(x); }, {-1, 0, 0.5, 2},
                    {-0.15865525393145705, 0, 0.34573123063700655, 1.9544997361036416});
    check_values<T>([](auto x) { return gelu(x, Gelu::exact); }, {1}, {0.84134474606854293});
  }
  SUBCASE("gelu's tanh form is 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))") {
    check_values<T>([](auto x) { return gelu(x, Gelu::tanh); }, {-1, 0, 0.5, 2},
                    {-0.1588080093917233, 0, 0.34571400982514392, 1.954597694087775});
  }
  SUBCASE("clamp keeps lo <= x <= hi, bounds included") {
    check_values<T>([](auto x) { return clamp(x, -1.0, 2.0); }, {-3, -1, 0.5, 2, 5}, {-1, -1, 0.5, 2, 2});
    check_values<T>([](auto x) { return clamp(x, 1.0, 1.0); }, {-3, 1, 5}, {1, 1, 1});
  }
}

TEST_CASE("softplus is exactly x above 20, with gradient exactly 1, as PyTorch") {
  Tape<double> tape;
  auto x = tape.variable(Tensor<double>{{20, 21, 1000, -1000}});
  auto y = softplus(x);
  // log(1 + e^21) would be 21 + 7.6e-10: the threshold returns x itself.
  CHECK(y.value()[0] == doctest::Approx(20.000000002061154).epsilon(1e-15));
  CHECK(y.value()[1] == 21.0);
  CHECK(y.value()[2] == 1000.0);
  CHECK(y.value()[3] == 0.0);
  tape.backward(sum(y));
  CHECK(x.grad()[0] == doctest::Approx(0.99999999793884638).epsilon(1e-15));
  CHECK(x.grad()[1] == 1.0);
  CHECK(x.grad()[2] == 1.0);
  CHECK(x.grad()[3] == 0.0);
}

TEST_CASE_TEMPLATE("the new ops stay finite at x = +-1000", T, float, double) {
  const std::vector<std::pair<const char*, std::function<Var<T>(Var<T>)>>> ops{
      {"softplus", [](Var<T> x) { return softplus(x); }},
      {"leaky_relu", [](Var<T> x) { return leaky_relu(x); }},
      {"elu", [](Var<T> x) { return elu(x); }},
      {"gelu", [](Var<T> x) { return gelu(x); }},
      {"gelu tanh", [](Var<T> x) { return gelu(x, Gelu::tanh); }},
      {"expm1 (at -1000 only)", [](Var<T> x) { return expm1(-abs(x)); }},
      {"clamp", [](Var<T> x) { return clamp(x, -1.0, 1.0); }}};
  for (const auto& [name, f] : ops) {
    CAPTURE(name);
    Tape<T> tape;
    auto x = tape.variable(Tensor<T>{{-1000, 1000}});
    auto y = f(x);
    tape.backward(sum(y));
    for (std::size_t k = 0; k < 2; ++k) {
      CHECK(std::isfinite(y.value()[k]));
      CHECK(std::isfinite(x.grad()[k]));
    }
  }
}

TEST_CASE_TEMPLATE("maximum and minimum work elementwise with broadcasting", T, float, double) {
  Tape<T> tape;
  auto a = tape.constant(Tensor<T>{{1, 5, -2}, {0, 3, 4}});
  SUBCASE("with a row") {
    auto row = tape.constant(Tensor<T>{{2, -1, 3}});
    CHECK(Tensor<T>(maximum(a, row).value()) == Tensor<T>{{2, 5, 3}, {2, 3, 4}});
    CHECK(Tensor<T>(maximum(row, a).value()) == Tensor<T>{{2, 5, 3}, {2, 3, 4}});
    CHECK(Tensor<T>(minimum(a, row).value()) == Tensor<T>{{1, -1, -2}, {0, -1, 3}});
    CHECK(Tensor<T>(minimum(row, a).value()) == Tensor<T>{{1, -1, -2}, {0, -1, 3}});
  }
  SUBCASE("with a column") {
    auto col = tape.constant(Tensor<T>{{2}, {3.5}});
    CHECK(Tensor<T>(maximum(a, col).value()) == Tensor<T>{{2, 5, 2}, {3.5, 3.5, 4}});
    CHECK(Tensor<T>(minimum(col, a).value()) == Tensor<T>{{1, 2, -2}, {0, 3, 3.5}});
  }
  SUBCASE("with a scalar") {
    auto s = tape.constant(T(0.5));
    CHECK(Tensor<T>(maximum(a, s).value()) == Tensor<T>{{1, 5, 0.5}, {0.5, 3, 4}});
    CHECK(Tensor<T>(minimum(s, a).value()) == Tensor<T>{{0.5, 0.5, -2}, {0, 0.5, 0.5}});
  }
  SUBCASE("a row with a column") {
    auto row = tape.constant(Tensor<T>{{1, 2, 3}});
    auto col = tape.constant(Tensor<T>{{2}, {0}});
    CHECK(Tensor<T>(maximum(row, col).value()) == Tensor<T>{{2, 2, 3}, {1, 2, 3}});
    CHECK(Tensor<T>(minimum(row, col).value()) == Tensor<T>{{1, 2, 2}, {0, 0, 0}});
  }
  SUBCASE("two scalars") {
    auto x = tape.variable(T(2));
    auto y = tape.variable(T(-3));
    CHECK(maximum(x, y).item() == T(2));
    CHECK(minimum(x, y).item() == T(-3));
  }
}

TEST_CASE_TEMPLATE("pow with a Var exponent computes a^b elementwise with broadcasting", T, float, double) {
  Tape<T> tape;
  SUBCASE("same shapes") {
    auto a = tape.constant(Tensor<T>{{2, 9, 0.5, 0, 4}});
    auto b = tape.constant(Tensor<T>{{3, 0.5, -1, 2, 0}});
    auto z = pow(a, b);
    const std::vector<double> expected{8, 3, 2, 0, 1};
    for (std::size_t k = 0; k < expected.size(); ++k) CHECK(z.value()[k] == near<T>(expected[k]));
  }
  SUBCASE("a column base and a row exponent") {
    auto a = tape.constant(Tensor<T>{{2}, {3}});
    auto b = tape.constant(Tensor<T>{{0, 1, 2}});
    CHECK(Tensor<T>(pow(a, b).value()) == Tensor<T>{{1, 2, 4}, {1, 3, 9}});
  }
  SUBCASE("two scalars") {
    CHECK(pow(tape.variable(T(2)), tape.variable(T(10))).item() == T(1024));
  }
}

// ---------------------------------------------------------------- closed-form gradients

TEST_CASE_TEMPLATE("the math functions compute their closed-form gradients", T, float, double) {
  SUBCASE("sin' = cos") {
    check_derivatives<T>([](auto x) { return sin(x); }, {0, 0.5, -1.25, 3},
                         {1, 0.87758256189037272, 0.31532236239526867, -0.98999249660044546});
  }
  SUBCASE("cos' = -sin") {
    check_derivatives<T>([](auto x) { return cos(x); }, {0, 0.5, -1.25, 3},
                         {0, -0.479425538604203, 0.94898461935558621, -0.14112000805986722});
  }
  SUBCASE("atan' = 1 / (1 + x^2)") {
    check_derivatives<T>([](auto x) { return atan(x); }, {0, 1, -0.5, 3}, {1, 0.5, 0.8, 0.1});
  }
  SUBCASE("log1p' = 1 / (1 + x)") {
    check_derivatives<T>([](auto x) { return log1p(x); }, {0, 0.5, -0.5, 3}, {1, 0.66666666666666667, 2, 0.25});
  }
  SUBCASE("expm1' = e^x") {
    check_derivatives<T>([](auto x) { return expm1(x); }, {0, 1, -2}, {1, 2.7182818284590452, 0.13533528323661269});
  }
  SUBCASE("d/dx 2^x = 2^x log 2") {
    check_derivatives<T>([](auto x) { return pow(2.0, x); }, {0, 3, -1, 0.5},
                         {0.69314718055994531, 5.5451774444795625, 0.34657359027997265, 0.98025814346854719});
  }
  SUBCASE("pow with a Var exponent: d/da = b a^(b - 1), d/db = a^b log a") {
    Tape<T> tape;
    auto a = tape.variable(T(2));
    auto b = tape.variable(T(3));
    tape.backward(pow(a, b));
    CHECK(a.grad()[0] == near<T>(12));
    CHECK(b.grad()[0] == near<T>(5.5451774444795625));
  }
}

TEST_CASE_TEMPLATE("the new activations compute their closed-form gradients", T, float, double) {
  SUBCASE("softplus' = sigmoid, and 1 above 20") {
    check_derivatives<T>([](auto x) { return softplus(x); }, {0, 1, -3, 20, 21},
                         {0.5, 0.73105857863000488, 0.047425873177566781, 0.99999999793884638, 1});
  }
  SUBCASE("leaky_relu' is the slope for x <= 0, else 1") {
    check_derivatives<T>([](auto x) { return leaky_relu(x); }, {-2, 0, 3}, {0.01, 0.01, 1});
    check_derivatives<T>([](auto x) { return leaky_relu(x, 0.2); }, {-2, 0, 3}, {0.2, 0.2, 1});
  }
  SUBCASE("elu' is alpha e^x for x <= 0, else 1") {
    check_derivatives<T>([](auto x) { return elu(x); }, {-2, -1, 0, 2},
                         {0.13533528323661269, 0.36787944117144232, 1, 1});
    check_derivatives<T>([](auto x) { return elu(x, 0.5); }, {-2, -1, 0, 2},
                         {0.067667641618306346, 0.18393972058572116, 0.5, 1});
  }
  SUBCASE("gelu' = Phi(x) + x phi(x)") {
    check_derivatives<T>([](auto x) { return gelu(x); }, {-1, 0, 0.5, 2},
                         {-0.083315470587686298, 0.5, 0.86749512465616284, 1.0852318010781969});
  }
  SUBCASE("gelu's tanh form") {
    check_derivatives<T>([](auto x) { return gelu(x, Gelu::tanh); }, {-1, 0, 0.5, 2},
                         {-0.082964083845782555, 0.5, 0.86736990353464231, 1.0860992566236184});
  }
  SUBCASE("clamp' is 1 on [lo, hi], bounds included, else 0") {
    check_derivatives<T>([](auto x) { return clamp(x, -1.0, 2.0); }, {-3, -1, 0.5, 2, 5}, {0, 1, 1, 1, 0});
  }
}

// ---------------------------------------------------------------- finite differences

TEST_CASE("the math functions pass a finite-difference check on every shape") {
  SUBCASE("sin") { check_every_shape([](Var<double> x) { return sin(x); }, {{-3, 3}}, 21); }
  SUBCASE("cos") { check_every_shape([](Var<double> x) { return cos(x); }, {{-3, 3}}, 22); }
  SUBCASE("atan") { check_every_shape([](Var<double> x) { return atan(x); }, {{-3, 3}}, 40); }
  SUBCASE("log1p") { check_every_shape([](Var<double> x) { return log1p(x); }, {{-0.7, 3}}, 23); }
  SUBCASE("expm1") { check_every_shape([](Var<double> x) { return expm1(x); }, {{-3, 2}}, 24); }
  SUBCASE("pow with a plain base") {
    check_every_shape([](Var<double> x) { return pow(2.5, x); }, {{-2, 2}}, 25);
    check_every_shape([](Var<double> x) { return pow(0.5, x); }, {{-2, 2}}, 26);
    check_every_shape([](Var<double> x) { return pow(1.0, x); }, {{-2, 2}}, 27);
    // 0^x is 0 for x > 0, its gradient 0.
    check_every_shape([](Var<double> x) { return pow(0.0, x); }, {{0.2, 2}}, 28);
  }
}

TEST_CASE("the new activations pass a finite-difference check on every shape, off their kinks") {
  const std::vector<Band> both_sides{{-2.5, -0.1}, {0.1, 2.5}};
  SUBCASE("softplus") {
    check_every_shape([](Var<double> x) { return softplus(x); }, {{-4, 4}}, 31);
    // Both sides of the threshold at 20, and far out.
    check_every_shape([](Var<double> x) { return softplus(x); }, {{-30, -10}, {18, 19.9}, {20.1, 30}}, 32);
  }
  SUBCASE("leaky_relu") {
    check_every_shape([](Var<double> x) { return leaky_relu(x); }, both_sides, 33);
    check_every_shape([](Var<double> x) { return leaky_relu(x, 0.2); }, both_sides, 34);
  }
  SUBCASE("elu") {
    check_every_shape([](Var<double> x) { return elu(x); }, both_sides, 35);
    check_every_shape([](Var<double> x) { return elu(x, 0.5); }, both_sides, 36);
  }
  SUBCASE("gelu") { check_every_shape([](Var<double> x) { return gelu(x); }, {{-4, 4}}, 37); }
  SUBCASE("gelu tanh") { check_every_shape([](Var<double> x) { return gelu(x, Gelu::tanh); }, {{-4, 4}}, 38); }
  SUBCASE("clamp below, inside and above") {
    check_every_shape([](Var<double> x) { return clamp(x, -1.0, 1.0); },
                      {{-2.5, -1.1}, {-0.9, 0.9}, {1.1, 2.5}}, 39);
  }
}

TEST_CASE("binary ops pass a finite-difference check on every shape and broadcast") {
  Generator g(41);
  SUBCASE("maximum and minimum, off ties") {
    for (auto [sa, sb] : broadcast_pairs()) {
      INFO(fmt::format("a {}, b {}", sa, sb));
      const std::vector<Tensor<double>> in{random(sa, g), random(sb, g)};
      REQUIRE(min_gap(in[0], in[1]) > 1e-3);
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(maximum(v[0], v[1])); }, in);
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(minimum(v[0], v[1])); }, in);
    }
  }
  SUBCASE("pow with a positive base") {
    for (auto [sa, sb] : broadcast_pairs()) {
      INFO(fmt::format("a {}, b {}", sa, sb));
      const std::vector<Tensor<double>> in{random(sa, g), random(sb, g)};
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(pow(0.5 + abs(v[0]), v[1])); }, in);
      const std::vector<Tensor<double>> positive{random(sa, g, 0.3, 2.5), random(sb, g)};
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(pow(v[0], v[1])); }, positive);
    }
  }
}

TEST_CASE("compound assignment passes a finite-difference check on every shape and broadcast") {
  Generator g(43);
  SUBCASE("with a Var") {
    for (auto [sa, sb] : broadcast_pairs()) {
      INFO(fmt::format("a {}, b {}", sa, sb));
      const std::vector<Tensor<double>> in{random(sa, g), random(sb, g, 0.5, 2.0)};
      check_gradients([](Tape<double>&, Args v) {
        Var<double> x = v[0];
        x += v[1];
        x *= v[1];
        x -= v[0];
        x /= v[1];
        return weighted_sum(x);
      }, in);
    }
  }
  SUBCASE("with a plain number") {
    for (auto [sa, sb] : broadcast_pairs()) {
      INFO(fmt::format("a {}, b {}", sa, sb));
      const std::vector<Tensor<double>> in{random(sa, g), random(sb, g)};
      check_gradients([](Tape<double>&, Args v) {
        Var<double> x = v[0] * v[1];
        x += 1.5;
        x *= -2.0;
        x -= 0.25;
        x /= 4.0;
        return weighted_sum(x);
      }, in);
    }
  }
}

TEST_CASE("new ops continue on the scalar path from a (1, 1) made by a tensor op") {
  Generator g(45);
  for (Shape s : test_shapes()) {
    INFO(fmt::format("shape {}", s));
    const std::vector<Tensor<double>> in{random(s, g, 0.2, 0.6)};
    check_gradients([](Tape<double>&, Args v) {
      auto t = sum(v[0]) * 0.3;  // in (0, 0.72]: off every kink below
      auto r = sin(t) * cos(t) + log1p(t) + expm1(t) + softplus(t) + gelu(t) + gelu(t, Gelu::tanh);
      r += leaky_relu(t - 1.0) + elu(t - 1.0) + clamp(t, 0.0, 2.0) + pow(2.0, t) + pow(1.0 + t * t, t);
      r += maximum(t, t * t + 1.0) + minimum(t, t * t + 1.0);
      return r;
    }, in);
  }
}

// ---------------------------------------------------------------- special points (PyTorch's choices)

TEST_CASE_TEMPLATE("maximum and minimum split the gradient in half at a tie", T, float, double) {
  SUBCASE("scalars") {
    Tape<T> tape;
    auto a = tape.variable(T(2));
    auto b = tape.variable(T(2));
    tape.backward(maximum(a, b) + 3.0 * minimum(a, b));
    CHECK(a.grad()[0] == T(2));  // 0.5 + 3 * 0.5
    CHECK(b.grad()[0] == T(2));
  }
  SUBCASE("a value against itself gets the whole gradient") {
    Tape<T> tape;
    auto a = tape.variable(T(2));
    tape.backward(maximum(a, a));
    CHECK(a.grad()[0] == T(1));
    auto x = tape.variable(Tensor<T>{{1, -2}});
    tape.backward(sum(minimum(x, x)));
    CHECK(Tensor<T>(x.grad()) == Tensor<T>{{1, 1}});
  }
  SUBCASE("tensors of one shape") {
    Tape<T> tape;
    auto a = tape.variable(Tensor<T>{{1, 2, 3}});
    auto b = tape.variable(Tensor<T>{{1, 0, 4}});
    SUBCASE("maximum") {
      tape.backward(sum(maximum(a, b)));
      CHECK(Tensor<T>(a.grad()) == Tensor<T>{{0.5, 1, 0}});
      CHECK(Tensor<T>(b.grad()) == Tensor<T>{{0.5, 0, 1}});
    }
    SUBCASE("minimum") {
      tape.backward(sum(minimum(a, b)));
      CHECK(Tensor<T>(a.grad()) == Tensor<T>{{0.5, 0, 1}});
      CHECK(Tensor<T>(b.grad()) == Tensor<T>{{0.5, 1, 0}});
    }
  }
  SUBCASE("a broadcast scalar sums its halves") {
    Tape<T> tape;
    auto a = tape.variable(Tensor<T>{{1, 2, 3}, {3, 2, 1}});
    auto s = tape.variable(T(2));
    SUBCASE("maximum") {
      tape.backward(sum(maximum(a, s)));
      CHECK(Tensor<T>(a.grad()) == Tensor<T>{{0, 0.5, 1}, {1, 0.5, 0}});
      CHECK(s.grad()[0] == T(3));  // 1 + 0.5 + 0.5 + 1
    }
    SUBCASE("minimum") {
      tape.backward(sum(minimum(s, a)));
      CHECK(Tensor<T>(a.grad()) == Tensor<T>{{1, 0.5, 0}, {0, 0.5, 1}});
      CHECK(s.grad()[0] == T(3));
    }
  }
}

TEST_CASE_TEMPLATE("clamp passes the gradient at its bounds and blocks it outside", T, float, double) {
  SUBCASE("tensor") {
    Tape<T> tape;
    auto x = tape.variable(Tensor<T>{{-1, 2, -1.5, 3, 0.5}});
    auto y = clamp(x, -1.0, 2.0);
    CHECK(Tensor<T>(y.value()) == Tensor<T>{{-1, 2, -1, 2, 0.5}});
    tape.backward(sum(y));
    CHECK(Tensor<T>(x.grad()) == Tensor<T>{{1, 1, 0, 0, 1}});
  }
  SUBCASE("scalars") {
    const std::vector<std::pair<double, double>> cases{{-1, 1}, {2, 1}, {-1.5, 0}, {2.5, 0}, {0, 1}};
    for (auto [x0, grad] : cases) {
      CAPTURE(x0);
      Tape<T> tape;
      auto x = tape.variable(static_cast<T>(x0));
      tape.backward(clamp(x, -1.0, 2.0));
      CHECK(x.grad()[0] == static_cast<T>(grad));
    }
  }
  SUBCASE("lo == hi passes the gradient at that one point") {
    Tape<T> tape;
    auto x = tape.variable(Tensor<T>{{0.5, 1, 1.5}});
    tape.backward(sum(clamp(x, 1.0, 1.0)));
    CHECK(Tensor<T>(x.grad()) == Tensor<T>{{0, 1, 0}});
  }
}

TEST_CASE_TEMPLATE("leaky_relu's gradient at 0 is its slope, elu's is alpha", T, float, double) {
  SUBCASE("leaky_relu") {
    check_derivatives<T>([](auto x) { return leaky_relu(x); }, {0}, {0.01});
    check_derivatives<T>([](auto x) { return leaky_relu(x, 0.2); }, {0}, {0.2});
    check_derivatives<T>([](auto x) { return leaky_relu(x, 3.0); }, {0}, {3.0});
  }
  SUBCASE("elu") {
    check_derivatives<T>([](auto x) { return elu(x); }, {0}, {1.0});
    check_derivatives<T>([](auto x) { return elu(x, 0.5); }, {0}, {0.5});
    check_derivatives<T>([](auto x) { return elu(x, 2.0); }, {0}, {2.0});
  }
}

TEST_CASE_TEMPLATE("pow at base 0 gives the exponent a zero gradient for exponents >= 0", T, float, double) {
  SUBCASE("pow(Var, Var), tensors") {
    Tape<T> tape;
    auto a = tape.variable(Tensor<T>{{0, 0, 0}});
    auto b = tape.variable(Tensor<T>{{0, 2, 0.5}});
    auto z = pow(a, b);
    CHECK(Tensor<T>(z.value()) == Tensor<T>{{1, 0, 0}});
    tape.backward(sum(z));
    CHECK(Tensor<T>(b.grad()) == Tensor<T>{{0, 0, 0}});
    // d/da = b a^(b - 1): 0 for b = 0 (as PyTorch) and for b = 2; inf for b = 0.5.
    CHECK(a.grad()[0] == T(0));
    CHECK(a.grad()[1] == T(0));
    CHECK(std::isinf(a.grad()[2]));
  }
  SUBCASE("pow(Var, Var), scalars") {
    for (double e : {0.0, 2.0, 0.5}) {
      CAPTURE(e);
      Tape<T> tape;
      auto a = tape.variable(T(0));
      auto b = tape.variable(static_cast<T>(e));
      tape.backward(pow(a, b));
      CHECK(b.grad()[0] == T(0));
    }
  }
  SUBCASE("pow(0.0, x)") {
    check_derivatives<T>([](auto x) { return pow(0.0, x); }, {0, 1, 2.5}, {0, 0, 0});
  }
}

// ---------------------------------------------------------------- errors

TEST_CASE("clamp with lo > hi throws std::invalid_argument naming clamp") {
  Tape<double> tape;
  auto scalar = tape.variable(1.0);
  auto tensor = tape.variable(Tensor<double>{{1, 2}});
  const std::size_t records = tape.size();
  for (Var<double> x : {scalar, tensor}) {
    CHECK_THROWS_AS(clamp(x, 2.0, 1.0), std::invalid_argument);
    try {
      clamp(x, 2.0, 1.0);
      FAIL("clamp(x, 2, 1) did not throw");
    } catch (const std::invalid_argument& e) {
      CAPTURE(e.what());
      CHECK(std::string_view(e.what()).starts_with("clamp:"));
    }
  }
  CHECK(tape.size() == records);
}

TEST_CASE("new binary ops on shapes that cannot broadcast throw, naming the op and both shapes") {
  Tape<double> tape;
  auto a = tape.constant(Tensor<double>::zeros({2, 3}));
  auto b = tape.constant(Tensor<double>::zeros({3, 2}));
  CHECK_THROWS_WITH_AS(maximum(a, b), "maximum: shapes cannot be broadcast; a is (2, 3), b is (3, 2)", ShapeError);
  CHECK_THROWS_WITH_AS(minimum(a, b), "minimum: shapes cannot be broadcast; a is (2, 3), b is (3, 2)", ShapeError);
  CHECK_THROWS_WITH_AS(pow(a, b), "pow_var: shapes cannot be broadcast; a is (2, 3), b is (3, 2)", ShapeError);
  auto row = tape.constant(Tensor<double>::zeros({1, 2}));
  CHECK_THROWS_WITH_AS(maximum(a, row), "maximum: shapes cannot be broadcast; a is (2, 3), b is (1, 2)", ShapeError);
  Var<double> x = a;
  CHECK_THROWS_WITH_AS(x += b, "add: shapes cannot be broadcast; a is (2, 3), b is (3, 2)", ShapeError);
  CHECK_THROWS_WITH_AS(x /= row, "div: shapes cannot be broadcast; a is (2, 3), b is (1, 2)", ShapeError);
  CHECK(x.id() == a.id());  // a failed compound assignment leaves x as it was
}

// ---------------------------------------------------------------- compound assignment

namespace {

const char* const compound_names[] = {"+= y", "-= y", "*= y", "/= y", "+= 2.5", "-= 2.5", "*= 2.5", "/= 2.5"};

template <class T>
Var<T> compound(int op, Var<T> x, Var<T> y) {
  switch (op) {
    case 0: x += y; break;
    case 1: x -= y; break;
    case 2: x *= y; break;
    case 3: x /= y; break;
    case 4: x += 2.5; break;
    case 5: x -= 2.5; break;
    case 6: x *= 2.5; break;
    default: x /= 2.5; break;
  }
  return x;
}

template <class T>
Var<T> spelled_out(int op, Var<T> x, Var<T> y) {
  switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 4: return x + 2.5;
    case 5: return x - 2.5;
    case 6: return x * 2.5;
    default: return x / 2.5;
  }
}

}  // namespace

TEST_CASE_TEMPLATE("compound assignment computes the right values and gradients in scalar mode", T, float, double) {
  // x = 2, y = 4: value, dx, dy.
  const double expected[8][3] = {{6, 1, 1},       {-2, 1, -1},  {8, 4, 2},  {0.5, 0.25, -0.125},
                                 {4.5, 1, 0},     {-0.5, 1, 0}, {5, 2.5, 0}, {0.8, 0.4, 0}};
  for (int op = 0; op < 8; ++op) {
    CAPTURE(compound_names[op]);
    Tape<T> tape;
    auto x0 = tape.variable(T(2));
    auto y = tape.variable(T(4));
    Var<T> x = compound(op, x0, y);
    CHECK(x.id() != x0.id());
    CHECK(x.item() == near<T>(expected[op][0]));
    tape.backward(x);
    CHECK(x0.grad()[0] == near<T>(expected[op][1]));
    if (op < 4) CHECK(y.grad()[0] == near<T>(expected[op][2]));
  }
}

TEST_CASE("compound assignment returns its left operand, rebound to the new record") {
  Tape<double> tape;
  auto x = tape.variable(2.0);
  auto y = tape.variable(3.0);
  const auto first = x.id();
  CHECK(&(x += y) == &x);
  CHECK(&(x -= 1.0) == &x);
  CHECK(&(x *= y) == &x);
  CHECK(&(x /= 2) == &x);  // an int converts as a plain number
  CHECK(x.id() != first);
  CHECK(x.item() == doctest::Approx((2.0 + 3.0 - 1.0) * 3.0 / 2.0));
  CHECK(op_name(x.node().op) == "mul_scalar");
}

TEST_CASE_TEMPLATE("compound assignment records the same as the spelled-out operator", T, float, double) {
  SUBCASE("scalar mode") {
    for (int op = 0; op < 8; ++op) {
      CAPTURE(compound_names[op]);
      Tape<T> t1, t2;
      auto x1 = t1.variable(T(1.5)), y1 = t1.variable(T(-0.75));
      auto x2 = t2.variable(T(1.5)), y2 = t2.variable(T(-0.75));
      auto z1 = compound(op, x1, y1);
      auto z2 = spelled_out(op, x2, y2);
      CHECK(z1.item() == z2.item());
      CHECK(z1.node().op == z2.node().op);
      CHECK(z1.node().scalar_record);
      t1.backward(z1);
      t2.backward(z2);
      CHECK(x1.grad()[0] == x2.grad()[0]);
      CHECK(y1.grad()[0] == y2.grad()[0]);
    }
  }
  SUBCASE("tensors, with a broadcast row") {
    for (int op = 0; op < 8; ++op) {
      CAPTURE(compound_names[op]);
      Tape<T> t1, t2;
      const Tensor<T> x{{1, 2, 3}, {4, 5, 6}};
      const Tensor<T> y{{2, -4, 8}};
      auto x1 = t1.variable(x), y1 = t1.variable(y);
      auto x2 = t2.variable(x), y2 = t2.variable(y);
      auto z1 = compound(op, x1, y1);
      auto z2 = spelled_out(op, x2, y2);
      CHECK(Tensor<T>(z1.value()) == Tensor<T>(z2.value()));
      CHECK(z1.node().op == z2.node().op);
      auto w1 = t1.constant(Tensor<T>{{0.5, 1, 1.5}, {2, 2.5, 3}});
      auto w2 = t2.constant(Tensor<T>{{0.5, 1, 1.5}, {2, 2.5, 3}});
      t1.backward(sum(z1 * w1));
      t2.backward(sum(z2 * w2));
      CHECK(Tensor<T>(x1.grad()) == Tensor<T>(x2.grad()));
      if (op < 4) CHECK(Tensor<T>(y1.grad()) == Tensor<T>(y2.grad()));
    }
  }
}

TEST_CASE_TEMPLATE("a chain of compound assignments equals the spelled-out expression", T, float, double) {
  auto chain = [](Var<T> x, Var<T> y) {
    x += y;
    x *= y;
    x -= 1.0;
    x /= y;
    x *= 3.0;
    x /= 2.0;
    x += 0.5;
    x -= y;
    return x;
  };
  auto spelled = [](Var<T> x, Var<T> y) { return ((((x + y) * y - 1.0) / y) * 3.0 / 2.0 + 0.5) - y; };
  SUBCASE("scalar mode") {
    Tape<T> t1, t2;
    auto x1 = t1.variable(T(1.5)), y1 = t1.variable(T(2));
    auto x2 = t2.variable(T(1.5)), y2 = t2.variable(T(2));
    auto z1 = chain(x1, y1);
    auto z2 = spelled(x2, y2);
    CHECK(z1.item() == z2.item());
    CHECK(z1.item() == near<T>(((1.5 + 2) * 2 - 1) / 2 * 1.5 + 0.5 - 2));
    t1.backward(z1);
    t2.backward(z2);
    CHECK(x1.grad()[0] == x2.grad()[0]);
    CHECK(y1.grad()[0] == y2.grad()[0]);
    // z = ((x + y) y - 1) / y * 1.5 + 0.5 - y: dz/dx = 1.5, dz/dy = 1.5 (1 + 1 / y^2) - 1
    CHECK(x1.grad()[0] == near<T>(1.5));
    CHECK(y1.grad()[0] == near<T>(1.5 * (1 + 1 / 4.0) - 1));
  }
  SUBCASE("tensors") {
    Tape<T> t1, t2;
    const Tensor<T> x{{1, -2, 3}, {0.5, 5, -6}};
    const Tensor<T> y{{2, 4, -8}, {1, 3, 0.5}};
    auto x1 = t1.variable(x), y1 = t1.variable(y);
    auto x2 = t2.variable(x), y2 = t2.variable(y);
    auto z1 = chain(x1, y1);
    auto z2 = spelled(x2, y2);
    CHECK(Tensor<T>(z1.value()) == Tensor<T>(z2.value()));
    t1.backward(sum(z1));
    t2.backward(sum(z2));
    CHECK(Tensor<T>(x1.grad()) == Tensor<T>(x2.grad()));
    CHECK(Tensor<T>(y1.grad()) == Tensor<T>(y2.grad()));
  }
}

// ---------------------------------------------------------------- both paths, op names

TEST_CASE_TEMPLATE("the scalar path and the tensor path give the same values and gradients", T, float, double) {
  const std::vector<double> xs{0.3, -0.7, 1.2};
  const std::vector<double> ys{0.8, 1.5, -0.4};
  // Every new op; x never ties y nor sits on a kink or clamp bound.
  auto f = [](auto x, auto y) {
    auto z = sin(x) * cos(y) + log1p(x * x) + expm1(0.5 * y) + softplus(x) + leaky_relu(x) + elu(y);
    z += gelu(x) + gelu(y, Gelu::tanh) + maximum(x, y) + minimum(x, y) + clamp(x, -0.5, 0.5);
    z += pow(1.0 + y * y, x) + pow(2.0, y);
    z *= y;
    z -= x;
    z /= 1.5 + x * x;
    return z;
  };

  Tape<T> scalar;
  std::vector<Var<T>> sx, sy;
  std::vector<T> values;
  Var<T> total;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    sx.push_back(scalar.variable(static_cast<T>(xs[k])));
    sy.push_back(scalar.variable(static_cast<T>(ys[k])));
    auto fk = f(sx[k], sy[k]);
    CHECK(fk.node().scalar_record);
    values.push_back(fk.item());
    total = k == 0 ? fk : total + fk;
  }
  scalar.backward(total);

  Tape<T> tensor;
  auto X = tensor.variable(row_of<T>(xs));
  auto Y = tensor.variable(row_of<T>(ys));
  auto F = f(X, Y);
  CHECK_FALSE(F.node().scalar_record);
  tensor.backward(sum(F));

  for (std::size_t k = 0; k < xs.size(); ++k) {
    CAPTURE(k);
    CHECK(F.value()[k] == near<T>(values[k]));
    CHECK(X.grad()[k] == near<T>(sx[k].grad()[0]));
    CHECK(Y.grad()[k] == near<T>(sy[k].grad()[0]));
  }
}

TEST_CASE("each new op records under its own name, scalar and tensor") {
  using F = std::function<Var<double>(Var<double>)>;
  struct Case {
    std::string_view name;
    Op op;
    bool compact;  // (1, 1) inputs take a scalar statement
    F f;
  };
  const std::vector<Case> cases{
      {"sin", Op::sin, true, [](Var<double> x) { return sin(x); }},
      {"cos", Op::cos, true, [](Var<double> x) { return cos(x); }},
      {"log1p", Op::log1p, true, [](Var<double> x) { return log1p(x); }},
      {"expm1", Op::expm1, true, [](Var<double> x) { return expm1(x); }},
      {"softplus", Op::softplus, true, [](Var<double> x) { return softplus(x); }},
      {"leaky_relu", Op::leaky_relu, true, [](Var<double> x) { return leaky_relu(x); }},
      {"elu", Op::elu, true, [](Var<double> x) { return elu(x); }},
      {"gelu", Op::gelu, true, [](Var<double> x) { return gelu(x); }},
      {"gelu_tanh", Op::gelu_tanh, true, [](Var<double> x) { return gelu(x, Gelu::tanh); }},
      {"maximum", Op::maximum, true, [](Var<double> x) { return maximum(x, x); }},
      {"minimum", Op::minimum, true, [](Var<double> x) { return minimum(x, x); }},
      {"clamp", Op::clamp, true, [](Var<double> x) { return clamp(x, 0.0, 1.0); }},
      {"pow_var", Op::pow_var, true, [](Var<double> x) { return pow(x, x); }},
      {"rpow_scalar", Op::rpow_scalar, true, [](Var<double> x) { return pow(2.0, x); }},
      {"add", Op::add, true, [](Var<double> x) { return x += x; }},
      {"sub", Op::sub, true, [](Var<double> x) { return x -= x; }},
      {"mul", Op::mul, true, [](Var<double> x) { return x *= x; }},
      {"div", Op::div, true, [](Var<double> x) { return x /= x; }},
      {"add_scalar", Op::add_scalar, true, [](Var<double> x) { return x += 1.0; }},
      {"add_scalar", Op::add_scalar, true, [](Var<double> x) { return x -= 1.0; }},
      {"mul_scalar", Op::mul_scalar, true, [](Var<double> x) { return x *= 2.0; }},
      {"mul_scalar", Op::mul_scalar, true, [](Var<double> x) { return x /= 2.0; }}};
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Tape<double> tape;
    auto s = c.f(tape.variable(0.5));
    CHECK(s.node().op == c.op);
    CHECK(op_name(s.node().op) == c.name);
    CHECK(s.node().scalar_record == c.compact);
    auto t = c.f(tape.variable(Tensor<double>{{0.5, 0.25}}));
    CHECK(t.node().op == c.op);
    CHECK(op_name(t.node().op) == c.name);
    CHECK_FALSE(t.node().scalar_record);
  }
}
