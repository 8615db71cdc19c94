// Tests for matmul, transpose, affine and dense: values, gradients, shape errors.
#include "autograd/linalg.hpp"

#include <cmath>
#include <stdexcept>

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

// dense(a, W, b, act) against act(affine(a, W, b)) on the same inputs: values,
// and every input's gradient under a weighted sum.
template <class T>
void check_dense_matches_two_records(Op act, Attr numbers, Shape sa, std::uint32_t out, double tolerance) {
  Generator g(17);
  const Tensor<T> a0 = Tensor<T>::uniform(sa, g, T(-2), T(2));
  const Tensor<T> W0 = Tensor<T>::uniform({sa.cols, out}, g, T(-2), T(2));
  const Tensor<T> b0 = Tensor<T>::uniform({1, out}, g, T(-2), T(2));
  const Tensor<T> w0 = Tensor<T>::uniform({sa.rows, out}, g, T(0.5), T(1.5));
  auto run = [&](bool fused) {
    Tape<T> tape;
    auto a = tape.variable(a0.view());
    auto W = tape.variable(W0.view());
    auto b = tape.variable(b0.view());
    Var<T> y;
    const auto before = tape.size();
    if (fused) {
      y = dense(a, W, b, act, numbers);
      CHECK(tape.size() == before + 1);
      CHECK(tape.op(y.id()) == Op::dense);
      CHECK(y.node().activation == act);
    } else {
      const Var<T> z = affine(a, W, b);
      switch (act) {
        case Op::sigmoid: y = sigmoid(z); break;
        case Op::tanh: y = tanh(z); break;
        case Op::relu: y = relu(z); break;
        case Op::elu: y = elu(z, numbers.p); break;
        case Op::leaky_relu: y = leaky_relu(z, numbers.p); break;
        default: FAIL("no unfused form for this activation in the test");
      }
    }
    tape.backward(sum(y * tape.constant(w0.view())));
    return std::vector<Tensor<T>>{Tensor<T>(y.value()), Tensor<T>(a.grad()), Tensor<T>(W.grad()),
                                  Tensor<T>(b.grad())};
  };
  const auto fused = run(true), apart = run(false);
  for (std::size_t i = 0; i < fused.size(); ++i) {
    REQUIRE(fused[i].shape() == apart[i].shape());
    for (std::size_t k = 0; k < fused[i].size(); ++k)
      CHECK(static_cast<double>(fused[i][k]) ==
            doctest::Approx(static_cast<double>(apart[i][k])).epsilon(tolerance));
  }
}

TEST_CASE_TEMPLATE("dense equals the activation of affine, in one record, with the same gradients", T, float,
                   double) {
  const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-14;
  for (Shape sa : {Shape{1, 4}, Shape{3, 4}, Shape{1, 1}})
    for (std::uint32_t out : {1u, 3u}) {
      CAPTURE(sa);
      CAPTURE(out);
      check_dense_matches_two_records<T>(Op::sigmoid, {}, sa, out, tolerance);
      check_dense_matches_two_records<T>(Op::tanh, {}, sa, out, tolerance);
      check_dense_matches_two_records<T>(Op::relu, {}, sa, out, tolerance);
      check_dense_matches_two_records<T>(Op::elu, {0.7}, sa, out, tolerance);
      check_dense_matches_two_records<T>(Op::leaky_relu, {0.1}, sa, out, tolerance);
    }
  // Large enough for the matrix products to go through gemm.
  check_dense_matches_two_records<T>(Op::sigmoid, {}, {20, 30}, 25, std::is_same_v<T, float> ? 1e-4 : 1e-12);
}

TEST_CASE("dense computes the 4-3-2-1 example's first layer by hand") {
  Tape<double> tape;
  auto a = tape.constant(Tensor<double>{{1, 2}});
  auto W = tape.variable(Tensor<double>{{1, 0, 2}, {0, 1, -3}});
  auto b = tape.variable(Tensor<double>{{0.5, -2, 1}});
  auto y = dense(a, W, b, Op::sigmoid);
  // z = (1.5, 0, -3): y = sigmoid(z)
  const double z[3] = {1.5, 0, -3};
  for (int j = 0; j < 3; ++j) CHECK(y.value()(0, j) == doctest::Approx(1 / (1 + std::exp(-z[j]))).epsilon(1e-15));
  // An expression argument is recorded first, as for affine.
  CHECK(Tensor<double>(dense(a * 1.0, W, b, Op::sigmoid).value()) == Tensor<double>(y.value()));
  tape.backward(sum(y));
  // db_j = y_j (1 - y_j), dW_ij = a_i db_j
  for (int j = 0; j < 3; ++j) {
    const double s = 1 / (1 + std::exp(-z[j]));
    CHECK(b.grad()(0, j) == doctest::Approx(s * (1 - s)).epsilon(1e-15));
    CHECK(W.grad()(1, j) == doctest::Approx(2 * s * (1 - s)).epsilon(1e-15));
  }
}

TEST_CASE("dense passes a finite-difference check on every shape and activation") {
  Generator g(5);
  struct Act {
    Op op;
    Attr numbers;
  };
  // relu and leaky_relu have a kink at 0 a random z may sit near: compared
  // with the two-record form above instead.
  const Act acts[] = {{Op::sigmoid, {}}, {Op::tanh, {}}, {Op::softplus, {}}, {Op::gelu, {}}, {Op::elu, {0.7}}};
  const std::vector<std::uint32_t> ms{1, 3}, ks{1, 4}, ns{1, 2};
  for (const Act& act : acts)
    for (auto m : ms)
      for (auto k : ks)
        for (auto n : ns) {
          CAPTURE(op_name(act.op));
          CAPTURE(m);
          CAPTURE(k);
          CAPTURE(n);
          const std::vector<Tensor<double>> in{random({m, k}, g), random({k, n}, g), random({1, n}, g)};
          check_gradients(
              [&act](Tape<double>&, Args v) { return weighted_sum(dense(v[0], v[1], v[2], act.op, act.numbers)); },
              in);
        }
}

TEST_CASE("dense's errors name the op and both shapes, or the activation") {
  Tape<double> tape;
  auto a = tape.constant(Tensor<double>::zeros({1, 4}));
  auto W = tape.constant(Tensor<double>::zeros({3, 3}));
  auto b = tape.constant(Tensor<double>::zeros({1, 2}));
  CHECK_THROWS_WITH_AS(dense(a, W, b, Op::sigmoid), "dense: inner dimensions 4 and 3 differ; a is (1, 4), W is (3, 3)",
                       ShapeError);
  auto a3 = tape.constant(Tensor<double>::zeros({1, 3}));
  CHECK_THROWS_WITH_AS(dense(a3, W, b, Op::tanh),
                       "dense: b must be (1, 3), one bias per column of W; W is (3, 3), b is (1, 2)", ShapeError);
  auto b3 = tape.constant(Tensor<double>::zeros({1, 3}));
  CHECK_THROWS_WITH_AS(dense(a3, W, b3, Op::matmul),
                       "dense: the activation must be an elementwise op of one input (sigmoid, tanh, relu, ...); "
                       "matmul is not",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(dense(a3, W, b3, Op::mul),
                       "dense: the activation must be an elementwise op of one input (sigmoid, tanh, relu, ...); "
                       "mul is not",
                       std::invalid_argument);
  Var<double> stale = tape.constant(Tensor<double>::zeros({1, 3}));
  tape.clear();
  Tape<double> other;
  auto W2 = other.constant(Tensor<double>::zeros({3, 3}));
  auto b2 = other.constant(Tensor<double>::zeros({1, 3}));
  CHECK_THROWS_AS(dense(stale, W2, b2, Op::sigmoid), std::logic_error);
}
