// Tests for expressions (autograd/expression.hpp): an assignment of scalar
// code is one statement, and an expression behaves as the Var it becomes.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "autograd/autograd.hpp"

using namespace tapegrad;

TEST_CASE("an assignment of scalar code is one statement: s = s + w * x has two operands") {
  Tape<double> tape;
  Var<double> s = tape.variable(0.5);
  const auto w = tape.variable(2.0);
  const double x = 3.0;
  const std::size_t before = tape.size();
  s = s + w * x;
  CHECK(tape.size() == before + 1);
  const Node<double> n = s.node();
  CHECK(n.op == Op::expression);
  CHECK(n.scalar_record);
  REQUIRE(n.inputs == 2);
  // the partials, computed when recorded: ds/ds_old = 1, ds/dw = x
  CHECK(n.in[0] == 0);
  CHECK(n.partial[0] == 1.0);
  CHECK(n.in[1] == w.id());
  CHECK(n.partial[1] == 3.0);
  CHECK(s.item() == 6.5);
  tape.backward(s);
  CHECK(w.grad()[0] == 3.0);
}

TEST_CASE("a statement of one op records that op and its numbers") {
  Tape<double> tape;
  const auto x = tape.variable(1.5);
  Var<double> y = x * 4.0;
  CHECK(y.node().op == Op::mul_scalar);
  CHECK(y.node().attr.p == 4.0);
  Var<double> z = pow(x, 3.0);
  CHECK(z.node().op == Op::pow);
  CHECK(z.node().attr.p == 3.0);
  Var<double> c = clamp(x, -1.0, 1.0);
  CHECK(c.node().attr.p == -1.0);
  CHECK(c.node().attr.q == 1.0);
}

TEST_CASE("a function records at once, its argument's expression inside the one statement") {
  Tape<double> tape;
  const auto a = tape.variable(0.3), b = tape.variable(-0.4), c = tape.variable(0.2);
  const std::size_t before = tape.size();
  const Var<double> y = sin(a * b + c);
  CHECK(tape.size() == before + 1);
  REQUIRE(y.node().inputs == 3);
  tape.backward(y);
  const double d = std::cos(0.3 * -0.4 + 0.2);
  CHECK(a.grad()[0] == doctest::Approx(d * -0.4).epsilon(1e-15));
  CHECK(b.grad()[0] == doctest::Approx(d * 0.3).epsilon(1e-15));
  CHECK(c.grad()[0] == doctest::Approx(d).epsilon(1e-15));
}

TEST_CASE("auto y = a * b + c behaves as a Var") {
  Tape<double> tape;
  const auto a = tape.variable(3.0), b = tape.variable(2.0), c = tape.variable(0.5);
  auto y = a * b + c;
  CHECK(y.item() == 6.5);
  CHECK(y.shape() == Shape{1, 1});
  CHECK(y.requires_grad());
  CHECK(fmt::format("{}", y) == "[[6.5]]");
  const std::uint32_t id = y.id();
  auto z = y * y;  // y is recorded once and read twice
  const Var<double> as_var = y;
  CHECK(as_var.id() == id);
  auto copy = y;  // a copy is the same record
  CHECK(copy.id() == id);
  tape.backward(z);
  CHECK(z.item() == 42.25);
  CHECK(y.grad()[0] == 13.0);  // dz/dy = 2 y
  CHECK(a.grad()[0] == 26.0);
  CHECK(b.grad()[0] == 39.0);
  CHECK(c.grad()[0] == 13.0);
  // passed where a Var is taken, and to the engine's functions
  auto square = [](Var<double> v) { return v * v; };
  CHECK(Var<double>(square(y)).item() == 42.25);
  CHECK(sum(y).item() == 6.5);
}

TEST_CASE("an expression is recorded when first needed, and again when a rewind dropped its record") {
  Tape<double> tape;
  const auto w = tape.variable(3.0);
  auto y = w * w;  // not recorded yet
  const auto mark = tape.mark();
  for (int step = 0; step < 3; ++step) {
    tape.rewind(mark);
    const Var<double> L = y * 2.0;  // records y (again) after the mark
    tape.backward(L);
  }
  CHECK(w.grad()[0] == 3 * 12.0);
  CHECK(tape.size() == 3);  // w, y, L
}

TEST_CASE("?: of two different expressions, or of an expression and a Var, has a type") {
  Tape<double> tape;
  const auto x = tape.variable(2.0), y = tape.variable(3.0);
  for (bool flag : {true, false}) {
    auto e = flag ? x * y : x + y + x;
    CHECK(e.item() == (flag ? 6.0 : 7.0));
    Var<double> v = flag ? x * y : x;
    CHECK(v.item() == (flag ? 6.0 : 2.0));
    auto f = flag ? exp(x) * y : -x;
    CHECK(f.item() == doctest::Approx(flag ? std::exp(2.0) * 3.0 : -2.0));
  }
}

TEST_CASE("compound assignment to an expression makes it the new record") {
  Tape<double> tape;
  const auto x = tape.variable(2.0);
  auto y = x * 3.0;
  y += x;
  y *= 2.0;
  CHECK(y.item() == 16.0);
  tape.backward(y);
  CHECK(x.grad()[0] == 8.0);
}

TEST_CASE("an expression of more leaves than a statement holds is split, with the same gradient") {
  Tape<double> tape;
  Var<double> a[10], b[10];
  for (int k = 0; k < 10; ++k) {
    a[k] = tape.variable(0.1 * (k + 1));
    b[k] = tape.variable(1.0 - 0.05 * k);
  }
  // 20 leaves in one expression
  const Var<double> dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3] + a[4] * b[4] +
                          a[5] * b[5] + a[6] * b[6] + a[7] * b[7] + a[8] * b[8] + a[9] * b[9];
  for (std::uint32_t id = 20; id < tape.size(); ++id) CHECK(tape.node(id).inputs <= Node<double>::kMaxInputs);
  tape.backward(dot);
  double expected = 0;
  for (int k = 0; k < 10; ++k) {
    expected += (0.1 * (k + 1)) * (1.0 - 0.05 * k);
    CHECK(a[k].grad()[0] == doctest::Approx(1.0 - 0.05 * k).epsilon(1e-15));
    CHECK(b[k].grad()[0] == doctest::Approx(0.1 * (k + 1)).epsilon(1e-15));
  }
  CHECK(dot.item() == doctest::Approx(expected).epsilon(1e-15));
}

TEST_CASE("an expression of handles of two tapes, or of a stale handle, is refused where it is written") {
  Tape<double> t1, t2;
  const auto a = t1.variable(1.0), b = t2.variable(2.0);
  CHECK_THROWS_WITH_AS((void)(a * b + a), "mul: tape: handle belongs to another tape", std::logic_error);
  const auto c = t1.variable(3.0);
  t1.clear();
  CHECK_THROWS_WITH_AS((void)(c * 2.0), "mul_scalar: tape: stale handle to record 1: the tape was cleared or rewound since it was recorded", std::logic_error);
}

TEST_CASE("a scalar expression recorded in a no-grad scope is a constant") {
  Tape<double> tape;
  const auto x = tape.variable(2.0);
  Var<double> y;
  {
    auto guard = tape.no_grad();
    y = x * x + 1.0;
  }
  CHECK(y.item() == 5.0);
  CHECK_FALSE(y.requires_grad());
  CHECK(y.node().op == Op::leaf);
}

TEST_CASE_TEMPLATE("statements and single ops give the same values and gradients", T, float, double) {
  // The same function once as long statements, once one op per record.
  auto as_statements = [](Var<T> x, Var<T> y) {
    return Var<T>(x * y * 0.5 + y / (1.0 + x * x) - sqrt(x * x + y * y) * 2.0);
  };
  auto op_by_op = [](Var<T> x, Var<T> y) {
    Var<T> xy = x * y, half = xy * 0.5, xx = x * x, den = xx + 1.0, q = y / den, yy = y * y, r2 = xx + yy;
    Var<T> r = sqrt(r2), r_twice = r * 2.0, sum1 = half + q;
    return Var<T>(sum1 - r_twice);
  };
  Tape<T> t1, t2;
  auto x1 = t1.variable(T(0.7)), y1 = t1.variable(T(-1.3));
  auto x2 = t2.variable(T(0.7)), y2 = t2.variable(T(-1.3));
  const Var<T> f1 = as_statements(x1, y1), f2 = op_by_op(x2, y2);
  CHECK(t1.size() < t2.size());
  const double eps = std::is_same_v<T, float> ? 1e-6 : 1e-14;
  CHECK(f1.item() == doctest::Approx(f2.item()).epsilon(eps));
  t1.backward(f1);
  t2.backward(f2);
  CHECK(x1.grad()[0] == doctest::Approx(x2.grad()[0]).epsilon(eps));
  CHECK(y1.grad()[0] == doctest::Approx(y2.grad()[0]).epsilon(eps));
}
