// Steady state: a warmed-up training step on the engine makes no heap allocation.
//
// This program replaces the global operator new (every form) with a counting
// one (tests/alloc_counter.hpp), so it sees each allocation made anywhere in
// the process while counting is switched on.
#include <cstddef>
#include <vector>

#include <doctest/doctest.h>

#include "autograd/autograd.hpp"
#include "tests/alloc_counter.hpp"

namespace {

using alloc_counter::allocations;
using alloc_counter::counting;

// Counts the allocations made by `f` (after it ran `warm_up` times uncounted).
template <class F>
std::size_t allocations_in(F f, int warm_up = 3, int counted = 5) {
  for (int i = 0; i < warm_up; ++i) f();
  allocations = 0;
  counting = true;
  for (int i = 0; i < counted; ++i) f();
  counting = false;
  return static_cast<std::size_t>(allocations.load());
}

}  // namespace

using namespace tapegrad;

namespace {

enum class Kind { w1, w2 };

// One SGD training step of an MLP written directly on the engine, as in the
// benchmarks: parameters, affine, activations, a fused loss, a hand update.
template <class T>
struct Training {
  Kind kind;
  std::vector<Parameter<T>> params;
  Tensor<T> x, y;
  Tape<T> tape;

  Training(Kind k, std::vector<std::uint32_t> sizes, std::uint32_t batch) : kind(k) {
    Generator gen(7);
    params.reserve(2 * sizes.size());
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
      params.emplace_back(Tensor<T>::uniform({sizes[l], sizes[l + 1]}, gen, -0.5, 0.5));
      params.emplace_back(Tensor<T>::uniform({1, sizes[l + 1]}, gen, -0.5, 0.5));
    }
    x = Tensor<T>::uniform({batch, sizes.front()}, gen, -1, 1);
    y = Tensor<T>::zeros({batch, sizes.back()});
    for (std::uint32_t i = 0; i < batch; ++i)
      y(i, kind == Kind::w2 ? gen.below(sizes.back()) : 0) = T(1);
    tape.set_naming(false);
  }

  T step() {
    tape.clear();
    Var<T> a = tape.input(x);
    const std::size_t layers = params.size() / 2;
    for (std::size_t l = 0; l < layers; ++l) {
      const Var<T> z = affine(a, tape.parameter(params[2 * l]), tape.parameter(params[2 * l + 1]));
      a = l + 1 == layers ? z : kind == Kind::w2 ? relu(z) : sigmoid(z);
    }
    const Var<T> loss = kind == Kind::w2 ? cross_entropy(a, tape.input(y))
                                         : binary_cross_entropy_with_logits(a, tape.input(y));
    tape.backward(loss);
    for (Parameter<T>& p : params)
      for (std::size_t k = 0; k < p.value.size(); ++k) {
        p.value[k] -= T(0.1) * p.grad[k];
        p.grad[k] = T(0);
      }
    return loss.item();
  }
};

}  // namespace

TEST_CASE("the counting operator new sees an allocation") {
  const std::size_t n = allocations_in([] { delete new int(1); }, 0, 4);
  CHECK(n == 4);
}

TEST_CASE("the counter sees a tape that grows") {
  // A tape asked for ever more records must allocate: proof that the
  // steady-state checks below could fail.
  Tape<double> tape;
  std::size_t records = 1;
  const std::size_t n = allocations_in([&] {
    tape.clear();
    records *= 8;
    for (std::size_t i = 0; i < records; ++i) tape.variable(1.0);
  }, 0, 3);
  CHECK(n > 0);
}

TEST_CASE("a warmed-up W1 training step allocates nothing (seed 4-3-2-1, sigmoid, BCE, batch 1)") {
  Training<double> w1(Kind::w1, {4, 3, 2, 1}, 1);
  const double first = w1.step();
  CHECK(allocations_in([&] { w1.step(); }) == 0);
  CHECK(w1.step() < first);  // it trains
}

TEST_CASE("a warmed-up W2 training step allocates nothing (784-256-128-10, relu, CE, batch 4)") {
  Training<float> w2(Kind::w2, {784, 256, 128, 10}, 4);
  const float first = w2.step();
  CHECK(allocations_in([&] { w2.step(); }) == 0);
  CHECK(w2.step() < first);
}

TEST_CASE("a warmed-up scalar-mode gradient allocates nothing") {
  Tape<double> tape;
  tape.set_naming(false);
  double grad = 0;
  auto gradient = [&] {
    tape.clear();
    const Var<double> x = tape.variable(1.5), y = tape.variable(-0.5);
    const Var<double> t = y - x * x;
    const Var<double> f = 100 * t * t + (1 - x) * (1 - x) + log(sigmoid(x * y));
    tape.backward(f);
    grad = x.grad()[0];
  };
  CHECK(allocations_in(gradient) == 0);
  CHECK(grad != 0);
}
