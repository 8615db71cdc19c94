// Tests for elementwise ops: values, broadcasting, gradients, error messages.
#include "autograd/elementwise.hpp"

#include "gradcheck_helpers.hpp"

using namespace tapegrad;
using tapegrad::testing::check_gradients;
using tapegrad::testing::random;
using tapegrad::testing::test_shapes;
using tapegrad::testing::weighted_sum;
using Args = std::span<const Var<double>>;

TEST_CASE_TEMPLATE("arithmetic computes elementwise values", T, float, double) {
  Tape<T> tape;
  auto a = tape.constant(Tensor<T>{{1, 2}, {3, 4}});
  auto b = tape.constant(Tensor<T>{{2, 4}, {6, 8}});
  CHECK(Tensor<T>((a + b).value()) == Tensor<T>{{3, 6}, {9, 12}});
  CHECK(Tensor<T>((b - a).value()) == Tensor<T>{{1, 2}, {3, 4}});
  CHECK(Tensor<T>((a * b).value()) == Tensor<T>{{2, 8}, {18, 32}});
  CHECK(Tensor<T>((b / a).value()) == Tensor<T>{{2, 2}, {2, 2}});
  CHECK(Tensor<T>((-a).value()) == Tensor<T>{{-1, -2}, {-3, -4}});
  CHECK(Tensor<T>((2.0 * a + 1.0).value()) == Tensor<T>{{3, 5}, {7, 9}});
  CHECK(Tensor<T>((10.0 - a).value()) == Tensor<T>{{9, 8}, {7, 6}});
  CHECK(Tensor<T>((12.0 / a).value()) == Tensor<T>{{12, 6}, {4, 3}});
  CHECK(Tensor<T>((a / 2.0).value()) == Tensor<T>{{0.5, 1}, {1.5, 2}});
}

TEST_CASE("a row broadcasts onto every row, a scalar onto anything") {
  Tape<double> tape;
  auto m = tape.constant(Tensor<double>{{1, 2, 3}, {4, 5, 6}});
  auto row = tape.constant(Tensor<double>{{10, 20, 30}});
  auto col = tape.constant(Tensor<double>{{100}, {200}});
  auto s = tape.constant(2.0);
  CHECK(Tensor<double>((m + row).value()) == Tensor<double>{{11, 22, 33}, {14, 25, 36}});
  CHECK(Tensor<double>((row + m).value()) == Tensor<double>{{11, 22, 33}, {14, 25, 36}});
  CHECK(Tensor<double>((m * s).value()) == Tensor<double>{{2, 4, 6}, {8, 10, 12}});
  CHECK(Tensor<double>((m + col).value()) == Tensor<double>{{101, 102, 103}, {204, 205, 206}});
  CHECK(Tensor<double>((row + col).value()) == Tensor<double>{{110, 120, 130}, {210, 220, 230}});
}

TEST_CASE("a broadcast operand receives the sum of the gradients it fed") {
  Tape<double> tape;
  auto m = tape.variable(Tensor<double>{{1, 2, 3}, {4, 5, 6}});
  auto row = tape.variable(Tensor<double>{{10, 20, 30}});
  auto s = tape.variable(2.0);
  tape.backward(sum((m + row) * s));
  CHECK(Tensor<double>(row.grad()) == Tensor<double>{{4, 4, 4}});
  CHECK(Tensor<double>(m.grad()) == Tensor<double>{{2, 2, 2}, {2, 2, 2}});
  CHECK(s.item() == 2.0);
  CHECK(s.grad()[0] == 1 + 2 + 3 + 4 + 5 + 6 + 2 * (10 + 20 + 30));
}

TEST_CASE("binary ops pass a finite-difference check on every shape and broadcast") {
  Generator g(7);
  const std::vector<std::pair<Shape, Shape>> pairs{
      {{1, 1}, {1, 1}}, {{1, 4}, {1, 4}}, {{3, 1}, {3, 1}}, {{3, 4}, {3, 4}},
      {{3, 4}, {1, 4}}, {{1, 4}, {3, 4}}, {{3, 4}, {1, 1}}, {{1, 1}, {3, 4}},
      {{3, 4}, {3, 1}}, {{3, 1}, {1, 4}}};
  for (auto [sa, sb] : pairs) {
    CAPTURE(sa);
    CAPTURE(sb);
    const std::vector<Tensor<double>> in{random(sa, g), random(sb, g, 0.5, 2.0)};
    SUBCASE("add") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(v[0] + v[1]); }, in); }
    SUBCASE("sub") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(v[0] - v[1]); }, in); }
    SUBCASE("mul") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(v[0] * v[1]); }, in); }
    SUBCASE("div") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(v[0] / v[1]); }, in); }
  }
}

TEST_CASE("unary ops pass a finite-difference check on every shape") {
  Generator g(11);
  for (Shape s : test_shapes()) {
    CAPTURE(s);
    const std::vector<Tensor<double>> any{random(s, g)};
    const std::vector<Tensor<double>> positive{random(s, g, 0.3, 3.0)};
    SUBCASE("neg") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(-v[0]); }, any); }
    SUBCASE("with plain numbers") {
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(3.0 * v[0] + 1.5 - v[0] / 4.0); }, any);
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(2.0 - v[0]); }, any);
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(2.0 / v[0]); }, positive);
    }
    SUBCASE("exp") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(exp(v[0])); }, any); }
    SUBCASE("log") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(log(v[0])); }, positive); }
    SUBCASE("pow") {
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(pow(v[0], 3.0)); }, any);
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(pow(v[0], -1.5)); }, positive);
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(pow(v[0], 0.0)); }, positive);
    }
    SUBCASE("sqrt") { check_gradients([](Tape<double>&, Args v) { return weighted_sum(sqrt(v[0])); }, positive); }
    SUBCASE("abs") {
      // Away from the kink at 0.
      Tensor<double> x = random(s, g, 0.2, 2.0);
      for (std::size_t k = 0; k < x.size(); k += 2) x[k] = -x[k];
      check_gradients([](Tape<double>&, Args v) { return weighted_sum(abs(v[0])); }, {x});
    }
  }
}

TEST_CASE("unary ops compute their closed-form gradients") {
  Tape<double> tape;
  auto x = tape.variable(4.0);
  SUBCASE("sqrt") { tape.backward(sqrt(x)); CHECK(x.grad()[0] == 0.25); }
  SUBCASE("log") { tape.backward(log(x)); CHECK(x.grad()[0] == 0.25); }
  SUBCASE("pow") { tape.backward(pow(x, 3.0)); CHECK(x.grad()[0] == 48.0); }
  SUBCASE("abs of a negative") { tape.backward(abs(-x)); CHECK(x.grad()[0] == 1.0); }
  SUBCASE("abs at zero has gradient zero") {
    auto zero = tape.variable(0.0);
    tape.backward(abs(zero));
    CHECK(zero.grad()[0] == 0.0);
  }
}

TEST_CASE("shapes that cannot broadcast throw, naming the op and both shapes") {
  Tape<double> tape;
  auto a = tape.constant(Tensor<double>::zeros({2, 3}));
  auto b = tape.constant(Tensor<double>::zeros({3, 2}));
  CHECK_THROWS_WITH_AS(a + b, "add: shapes cannot be broadcast; a is (2, 3), b is (3, 2)", ShapeError);
  CHECK_THROWS_WITH_AS(a - b, "sub: shapes cannot be broadcast; a is (2, 3), b is (3, 2)", ShapeError);
  CHECK_THROWS_WITH_AS(a * b, "mul: shapes cannot be broadcast; a is (2, 3), b is (3, 2)", ShapeError);
  CHECK_THROWS_WITH_AS(a / b, "div: shapes cannot be broadcast; a is (2, 3), b is (3, 2)", ShapeError);
  auto row = tape.constant(Tensor<double>::zeros({1, 2}));
  CHECK_THROWS_WITH_AS(a + row, "add: shapes cannot be broadcast; a is (2, 3), b is (1, 2)", ShapeError);
  CHECK(std::is_base_of_v<std::invalid_argument, ShapeError>);
}
