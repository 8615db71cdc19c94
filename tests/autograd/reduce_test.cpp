// Tests for sum over all, rows or columns, and mean.
#include "autograd/reduce.hpp"

#include "gradcheck_helpers.hpp"

using namespace tapegrad;
using tapegrad::testing::check_gradients;
using tapegrad::testing::random;
using tapegrad::testing::test_shapes;
using tapegrad::testing::weighted_sum;
using Args = std::span<const Var<double>>;

TEST_CASE_TEMPLATE("sums and means reduce along the axis named", T, float, double) {
  Tape<T> tape;
  auto x = tape.constant(Tensor<T>{{1, 2, 3}, {4, 5, 6}});
  CHECK(sum(x).item() == T(21));
  CHECK(mean(x).item() == T(3.5));
  CHECK(Tensor<T>(sum(x, Axis::rows).value()) == Tensor<T>{{5, 7, 9}});
  CHECK(Tensor<T>(sum(x, Axis::cols).value()) == Tensor<T>{{6}, {15}});
}

TEST_CASE("reductions pass a finite-difference check on every shape") {
  Generator g(13);
  for (Shape s : test_shapes()) {
    CAPTURE(s);
    const std::vector<Tensor<double>> in{random(s, g)};
    check_gradients([](Tape<double>&, Args v) { return sum(v[0] * v[0]); }, in);
    check_gradients([](Tape<double>&, Args v) { return mean(v[0] * v[0]); }, in);
    check_gradients([](Tape<double>&, Args v) { return weighted_sum(sum(v[0], Axis::rows)); }, in);
    check_gradients([](Tape<double>&, Args v) { return weighted_sum(sum(v[0], Axis::cols)); }, in);
  }
}

TEST_CASE("the mean of an empty value is an error") {
  Tape<double> tape;
  auto x = tape.constant(Tensor<double>::zeros({0, 3}));
  CHECK_THROWS_WITH_AS(mean(x), "mean: empty value; shape is (0, 3)", ShapeError);
}
