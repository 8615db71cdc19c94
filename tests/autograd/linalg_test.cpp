// Tests for matmul, transpose and affine: values, gradients, shape errors.
#include "autograd/linalg.hpp"

#include "gradcheck_helpers.hpp"

using namespace tapegrad;
using tapegrad::testing::check_gradients;
using tapegrad::testing::random;
using tapegrad::testing::weighted_sum;
using Args = std::span<const Var<double>>;

TEST_CASE_TEMPLATE("matmul and transpose compute the textbook values", T, float, double) {
  Tape<T> tape;
  auto a = tape.constant(Tensor<T>{{1, 2, 3}, {4, 5, 6}});
  auto b = tape.constant(Tensor<T>{{1, 0}, {0, 1}, {1, 1}});
  CHECK(Tensor<T>(matmul(a, b).value()) == Tensor<T>{{4, 5}, {10, 11}});
  CHECK(Tensor<T>(transpose(a).value()) == Tensor<T>{{1, 4}, {2, 5}, {3, 6}});
}

TEST_CASE("affine is a W + b with b added to every row, in one record") {
  Tape<double> tape;
  auto a = tape.constant(Tensor<double>{{1, 2}, {3, 4}});
  auto W = tape.variable(Tensor<double>{{1, 0, 2}, {0, 1, 3}});
  auto b = tape.variable(Tensor<double>{{10, 20, 30}});
  const auto before = tape.size();
  auto z = affine(a, W, b);
  CHECK(tape.size() == before + 1);
  CHECK(Tensor<double>(z.value()) == Tensor<double>{{11, 22, 38}, {13, 24, 48}});
  tape.backward(sum(z));
  // dW = a^T g with g all ones: column sums of a repeated; db = colsum(g) = m.
  CHECK(Tensor<double>(W.grad()) == Tensor<double>{{4, 4, 4}, {6, 6, 6}});
  CHECK(Tensor<double>(b.grad()) == Tensor<double>{{2, 2, 2}});
}

TEST_CASE("linear algebra passes a finite-difference check on every shape") {
  Generator g(3);
  const std::vector<std::uint32_t> ms{1, 3}, ks{1, 4}, ns{1, 2};
  for (auto m : ms)
    for (auto k : ks)
      for (auto n : ns) {
        CAPTURE(m);
        CAPTURE(k);
        CAPTURE(n);
        const std::vector<Tensor<double>> in{random({m, k}, g), random({k, n}, g), random({1, n}, g)};
        check_gradients([](Tape<double>&, Args v) { return weighted_sum(matmul(v[0], v[1])); }, in);
        check_gradients([](Tape<double>&, Args v) { return weighted_sum(affine(v[0], v[1], v[2])); }, in);
        check_gradients([](Tape<double>&, Args v) { return weighted_sum(transpose(v[0])); }, in);
      }
}

TEST_CASE("matmul large enough for BLAS agrees with the built-in loop") {
  Generator g(8);
  Tape<double> tape;
  auto a = tape.variable(Tensor<double>::normal({40, 30}, g));
  auto b = tape.variable(Tensor<double>::normal({30, 20}, g));
  auto c = matmul(a, b);
  for (std::uint32_t i = 0; i < 40; i += 13)
    for (std::uint32_t j = 0; j < 20; j += 7) {
      double expected = 0;
      for (std::uint32_t p = 0; p < 30; ++p) expected += a.value()(i, p) * b.value()(p, j);
      CHECK(c.value()(i, j) == doctest::Approx(expected).epsilon(1e-12));
    }
  const std::vector<Tensor<double>> in{Tensor<double>(a.value()), Tensor<double>(b.value())};
  check_gradients([](Tape<double>&, Args v) { return weighted_sum(matmul(v[0], v[1])); }, in);
}

TEST_CASE("shape mismatches throw, naming the op and both shapes") {
  Tape<double> tape;
  auto a = tape.constant(Tensor<double>::zeros({1, 4}));
  auto W = tape.constant(Tensor<double>::zeros({3, 3}));
  auto b = tape.constant(Tensor<double>::zeros({1, 2}));
  CHECK_THROWS_WITH_AS(matmul(a, W), "matmul: inner dimensions 4 and 3 differ; a is (1, 4), b is (3, 3)", ShapeError);
  CHECK_THROWS_WITH_AS(affine(a, W, b), "affine: inner dimensions 4 and 3 differ; a is (1, 4), W is (3, 3)", ShapeError);
  auto a3 = tape.constant(Tensor<double>::zeros({1, 3}));
  CHECK_THROWS_WITH_AS(affine(a3, W, b), "affine: b must be (1, 3), one bias per column of W; W is (3, 3), b is (1, 2)", ShapeError);
}
