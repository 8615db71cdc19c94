// Tests for the tape: reverse walk, accumulation, no-grad, reuse, stale handles, threads.
#include "autograd/tape.hpp"

#include <atomic>
#include <string>
#include <thread>

#include "autograd/autograd.hpp"
#include "gradcheck_helpers.hpp"

using namespace tapegrad;

TEST_CASE("a value used twice receives both gradients: b = a + a; c = b * b") {
  Tape<double> tape;
  auto a = tape.variable(3.0);
  auto b = a + a;
  auto c = b * b;
  tape.backward(c);
  // dc/da = 2 b * 2 = 8 a
  CHECK(c.item() == 36.0);
  CHECK(a.grad()[0] == 24.0);
  CHECK(b.grad()[0] == 12.0);
}

TEST_CASE("parameters get gradients and constants do not") {
  Tape<double> tape;
  Parameter<double> w(Tensor<double>{{2.0}}, "w");
  auto x = tape.input(Tensor<double>{{5.0}});
  auto k = tape.constant(3.0);
  auto W = tape.parameter(w);
  auto y = W * x + k;
  CHECK(y.requires_grad());
  CHECK_FALSE(x.requires_grad());
  tape.backward(y);
  CHECK(w.grad.item() == 5.0);
  CHECK(Tensor<double>(W.grad()) == Tensor<double>{{5.0}});
  CHECK_THROWS_AS(x.grad(), std::logic_error);
  CHECK(tape.name(W.id()) == "w");
  CHECK(tape.node(W.id()).role == Role::parameter);
  CHECK(tape.node(x.id()).role == Role::input);
}

TEST_CASE("backward of a non-scalar needs a starting gradient of the same shape") {
  Tape<double> tape;
  auto x = tape.variable(Tensor<double>{{1, 2, 3}});
  auto y = x * x;
  CHECK_THROWS_WITH_AS(tape.backward(y),
                       "backward: output is (1, 3), not a scalar; pass a starting gradient of the same shape",
                       std::logic_error);
  CHECK_THROWS_WITH_AS(tape.backward(y, Tensor<double>{{1, 1}}),
                       "backward: starting gradient shape differs from output shape; output is (1, 3), gradient is (1, 2)",
                       ShapeError);
  tape.backward(y, Tensor<double>{{1, 0, 2}});
  CHECK(Tensor<double>(x.grad()) == Tensor<double>{{2, 0, 12}});
}

TEST_CASE("backward of a value that depends on nothing trainable is an error") {
  Tape<double> tape;
  auto x = tape.constant(2.0);
  CHECK_THROWS_WITH_AS(tape.backward(x * x),
                       "backward: output depends on no variable or parameter, so there is nothing to differentiate",
                       std::logic_error);
}

TEST_CASE("leaf gradients accumulate across backward calls until zeroed") {
  Tape<double> tape;
  Parameter<double> p(Tensor<double>{{1.0}});
  auto v = tape.variable(2.0);
  auto y = tape.parameter(p) * v;
  tape.backward(y);
  tape.backward(y);
  CHECK(v.grad()[0] == 2.0);
  CHECK(p.grad.item() == 4.0);
  tape.zero_grad();
  p.zero_grad();
  CHECK(v.grad()[0] == 0.0);
  tape.backward(y);
  CHECK(v.grad()[0] == 1.0);
  CHECK(p.grad.item() == 2.0);
}

TEST_CASE("intermediate gradients restart on each backward") {
  Tape<double> tape;
  auto v = tape.variable(2.0);
  auto h = v * v;
  auto y = h * 3.0;
  tape.backward(y);
  tape.backward(y);
  CHECK(h.grad()[0] == 3.0);
  CHECK(v.grad()[0] == 24.0);
}

TEST_CASE("records made after a backward, a rewind, a growth or a no-grad scope start from a zero gradient") {
  // Adjoints past the end of the tape are zeroed in blocks, not per record.
  Tape<double> tape;
  auto x = tape.variable(3.0);
  const auto mark = tape.mark();
  tape.backward(x * x);  // the slot after x now holds gradient 1
  tape.rewind(mark);
  auto y = x * 2.0;  // reuses that slot
  auto z = y * y;
  tape.backward(z);
  CHECK(y.grad()[0] == 12.0);
  CHECK(x.grad()[0] == 6.0 + 24.0);  // leaves accumulate
  tape.clear();  // slots 1 and 2 held gradients 30 and 12
  auto a = tape.variable(1.0);
  auto b = a * 5.0;
  tape.backward(b * 1.0);
  CHECK(b.grad()[0] == 1.0);
  CHECK(a.grad()[0] == 5.0);
  tape.clear();
  x = tape.variable(3.0);
  // Past the first growth (1,024 slots), inside a no-grad scope and after it.
  Var<double> s = x;
  {
    auto guard = tape.no_grad();
    for (int k = 0; k < 1100; ++k) s = s + 1.0;
  }
  CHECK_FALSE(s.requires_grad());
  CHECK(s.item() == 1103.0);
  Var<double> t = x;
  for (int k = 0; k < 1100; ++k) t = t * 1.0;
  CHECK(t.requires_grad());
  tape.backward(t * s);
  CHECK(t.grad()[0] == 1103.0);
  CHECK(x.grad()[0] == 1103.0);
}

TEST_CASE("inside a no-grad scope nothing is recorded") {
  Tape<double> tape;
  auto v = tape.variable(2.0);
  Var<double> y;
  {
    auto guard = tape.no_grad();
    CHECK_FALSE(tape.recording());
    y = exp(v * v);
  }
  CHECK(tape.recording());
  CHECK(y.item() == doctest::Approx(std::exp(4.0)));
  CHECK_FALSE(y.requires_grad());
  CHECK(tape.node(y.id()).op == Op::leaf);
  CHECK(tape.node(y.id()).inputs == 0);
  CHECK_THROWS_AS(tape.backward(y), std::logic_error);
  auto z = y * v;  // recording again: z depends on v only through the direct use
  tape.backward(z);
  CHECK(v.grad()[0] == doctest::Approx(std::exp(4.0)));
}

TEST_CASE("a cleared tape is reused step after step without growing") {
  Tape<double> tape;
  Generator g(1);
  Parameter<double> W(Tensor<double>::normal({4, 3}, g)), b(Tensor<double>::zeros({1, 3}));
  const Tensor<double> x = Tensor<double>::normal({8, 4}, g);
  const Tensor<double> y = Tensor<double>::uniform({8, 3}, g);
  std::size_t capacity = 0;
  for (int step = 0; step < 50; ++step) {
    tape.clear();
    auto z = affine(tape.input(x), tape.parameter(W), tape.parameter(b));
    auto L = binary_cross_entropy_with_logits(z, tape.constant(y));
    tape.backward(L);
    if (step == 1) capacity = tape.capacity_bytes();
    if (step > 1) REQUIRE(tape.capacity_bytes() == capacity);
  }
  CHECK(tape.size() == 6);
}

TEST_CASE("a handle to a cleared record is detected, never undefined behaviour") {
  Tape<double> tape;
  auto v = tape.variable(1.0);
  Var<double> y = v * 2.0;
  auto lazy = v * 3.0;  // an expression not yet recorded when the tape is cleared
  tape.clear();
  auto fresh = tape.variable(5.0);  // reuses id 0
  CHECK(fresh.id() == v.id());
  CHECK_THROWS_WITH_AS(v.item(), "var: tape: stale handle to record 0: the tape was cleared or rewound since it was recorded", std::logic_error);
  CHECK_THROWS_AS(y.value(), std::logic_error);
  CHECK_THROWS_WITH_AS(y + fresh, "add: tape: stale handle to record 1: the tape was cleared or rewound since it was recorded", std::logic_error);
  CHECK_THROWS_AS(tape.backward(y), std::logic_error);
  CHECK_THROWS_WITH_AS(lazy.item(), "mul_scalar: tape: stale handle to record 0: the tape was cleared or rewound since it was recorded", std::logic_error);
  CHECK(fresh.item() == 5.0);
  CHECK_THROWS_WITH_AS(Var<double>().item(), "var: empty handle (default-constructed Var)", std::logic_error);
}

TEST_CASE("rewinding to a mark keeps what was recorded before it") {
  Tape<double> tape;
  auto w = tape.variable(3.0);
  const auto mark = tape.mark();
  for (int step = 0; step < 3; ++step) {
    tape.rewind(mark);
    auto y = w * w;
    tape.backward(y);
  }
  CHECK(w.grad()[0] == 18.0);
  CHECK(tape.size() == 2);
}

TEST_CASE("handles from another tape are rejected") {
  Tape<double> t1, t2;
  auto a = t1.variable(1.0);
  auto b = t2.variable(2.0);
  CHECK_THROWS_WITH_AS(a + b, "add: tape: handle belongs to another tape", std::logic_error);
}

TEST_CASE("a chain of 1,000,000 statements records, runs backward and is destroyed without recursion") {
  auto tape = std::make_unique<Tape<double>>();
  auto x = tape->variable(0.5);
  auto y = x;
  for (int i = 0; i < 1'000'000; ++i) y = y * 1.000001 + 0.0;  // one statement each
  tape->backward(y);
  CHECK(x.grad()[0] == doctest::Approx(std::pow(1.000001, 1'000'000)).epsilon(1e-9));
  CHECK(tape->size() == 1'000'001);
  CHECK(tape->has_grad(x.id()));
  CHECK(tape->has_grad(500'000));
  tape.reset();
}

TEST_CASE("two threads training two models on their own tapes do not interfere") {
  auto train = [](std::uint64_t seed, Tensor<double>& out) {
    Generator g(seed);
    Parameter<double> W(Tensor<double>::normal({3, 2}, g)), b(Tensor<double>::zeros({1, 2}));
    const Tensor<double> x = Tensor<double>::normal({16, 3}, g);
    const Tensor<double> y = Tensor<double>::uniform({16, 2}, g);
    Tape<double> tape;
    for (int step = 0; step < 2000; ++step) {
      tape.clear();
      W.zero_grad();
      b.zero_grad();
      auto L = binary_cross_entropy_with_logits(
          affine(tape.input(x), tape.parameter(W), tape.parameter(b)), tape.constant(y));
      tape.backward(L);
      for (std::size_t k = 0; k < W.value.size(); ++k) W.value[k] -= 0.1 * W.grad[k];
      for (std::size_t k = 0; k < b.value.size(); ++k) b.value[k] -= 0.1 * b.grad[k];
    }
    out = W.value;
  };
  Tensor<double> alone1, alone2, threaded1, threaded2;
  train(1, alone1);
  train(2, alone2);
  std::thread t1(train, 1, std::ref(threaded1));
  std::thread t2(train, 2, std::ref(threaded2));
  t1.join();
  t2.join();
  CHECK(threaded1 == alone1);
  CHECK(threaded2 == alone2);
  CHECK_FALSE(alone1 == alone2);
}

TEST_CASE("a custom op supplies its own backward") {
  Tape<double> tape;
  auto x = tape.variable(Tensor<double>{{1, 2}});
  // cube(x) with backward 3 x^2 g
  auto y = tape.custom({1, 2}, {x}, [](Tape<double>& t, const Node<double>& n) {
    const double* in = t.input_value(n, 0);
    double* gx = t.input_grad(n, 0);
    for (std::size_t k = 0; k < n.shape.size(); ++k) gx[k] += 3 * in[k] * in[k] * n.grad[k];
  });
  double* value = tape.mutable_value(y);
  for (std::size_t k = 0; k < 2; ++k) value[k] = std::pow(x.value()[k], 3);
  tape.backward(sum(y));
  CHECK(Tensor<double>(x.grad()) == Tensor<double>{{3, 12}});
}

TEST_CASE("the last backward reached the output and every input that needs a gradient of what it reached") {
  Tape<double> tape;
  auto a = tape.variable(1.0);
  auto b = tape.variable(2.0);
  auto k = tape.constant(3.0);
  Var<double> c = a * b;
  Var<double> unused = b * 2.0;
  Var<double> d = c + a * k;
  tape.backward(d);
  CHECK(tape.has_grad(d.id()));
  CHECK(tape.has_grad(c.id()));
  CHECK(tape.has_grad(a.id()));
  CHECK(tape.has_grad(b.id()));
  CHECK_FALSE(tape.has_grad(k.id()));       // needs none
  CHECK_FALSE(tape.has_grad(unused.id()));  // not reached
}

TEST_CASE("rewind refuses a mark of another tape or one a clear or deeper rewind made stale") {
  Tape<double> tape, other;
  auto w = tape.variable(3.0);
  const auto early = tape.mark();
  Var<double> y = w * w;
  const auto late = tape.mark();
  y = y * 2.0;
  tape.rewind(late);  // a mark below which nothing was dropped stays valid
  tape.rewind(late);
  tape.rewind(early);
  CHECK_THROWS_WITH_AS(tape.rewind(late),
                       "rewind: stale mark: the tape was cleared or rewound below it since it was taken",
                       std::logic_error);
  tape.rewind(early);
  CHECK_THROWS_WITH_AS(tape.rewind(other.mark()), "rewind: the mark was taken on another tape", std::logic_error);
  CHECK_THROWS_WITH_AS(tape.rewind(Tape<double>::Mark{}), "rewind: the mark was not taken with mark()",
                       std::logic_error);
  tape.clear();
  auto fresh = tape.variable(1.0) * 4.0;  // records where `early` pointed
  CHECK_THROWS_AS(tape.rewind(early), std::logic_error);
  CHECK(fresh.item() == 4.0);  // nothing was overwritten
  CHECK(tape.size() == 2);
}

TEST_CASE("a handle lives through many rewinds that keep its record, and dies with a clear") {
  Tape<double> tape;
  auto old = tape.variable(1.0);
  const auto base = tape.mark();
  for (int k = 0; k < 100000; ++k) {
    tape.rewind(base);
    tape.variable(2.0);
  }
  CHECK(old.item() == 1.0);  // every rewind kept record 0
  tape.clear();
  for (int k = 0; k < 100000; ++k) tape.clear();
  tape.variable(3.0);
  CHECK_THROWS_AS(old.item(), std::logic_error);
}

namespace tapegrad::testing {
template <>
struct TapeAccess<double> {
  // The generation after `clears` calls of clear(), without making them.
  static void clear_many(Tape<double>& tape, std::uint64_t clears) {
    tape.generation_ += clears - 1;
    tape.clear();
  }
};
}  // namespace tapegrad::testing

TEST_CASE("a handle kept across 2^32 clears is still refused, though its stamp's low bits match") {
  Tape<double> tape;
  const auto old = tape.variable(1.0);
  testing::TapeAccess<double>::clear_many(tape, std::uint64_t{1} << 32);
  const auto fresh = tape.variable(2.0);  // record 0 again, in an epoch with the same low 30 bits
  REQUIRE(fresh.id() == old.id());
  REQUIRE(fresh.stamp() == old.stamp());
  CHECK_THROWS_AS(old.item(), std::logic_error);
  CHECK_THROWS_AS(old + 1.0, std::logic_error);
  CHECK_THROWS_AS(tape.backward(old), std::logic_error);
  CHECK(fresh.item() == 2.0);
  // Far beyond: 2^46 clears would be needed for the whole handle to repeat.
  testing::TapeAccess<double>::clear_many(tape, std::uint64_t{1} << 40);
  CHECK_THROWS_AS(fresh.item(), std::logic_error);
}

TEST_CASE("backward passes overlapping on one shared parameter never lose an update silently") {
  Parameter<double> W(Tensor<double>::zeros({64, 64}), "W");
  std::atomic<int> done{0}, refused{0};
  auto run = [&] {
    Tape<double> tape;
    for (int step = 0; step < 300; ++step) {
      tape.clear();
      const auto L = sum(tape.parameter(W) * 1.0);
      try {
        tape.backward(L);
        ++done;
      } catch (const std::logic_error& e) {
        CHECK(std::string(e.what()).find("parameter W received gradients from another backward") !=
              std::string::npos);
        ++refused;
      }
    }
  };
  std::thread t1(run), t2(run);
  t1.join();
  t2.join();
  CHECK(done + refused == 600);
  // Each backward adds exactly 1 to every entry. Unless an overlap was
  // reported, none of the 600 may be missing.
  if (refused == 0)
    for (std::size_t k = 0; k < W.grad.size(); ++k) REQUIRE(W.grad[k] == 600.0);
}

TEST_CASE("a parameter whose grad was reassigned after recording is refused, not written") {
  Parameter<double> W(Tensor<double>::ones({2, 2}), "W^[1]");
  Tape<double> tape;
  const auto L = sum(tape.parameter(W) * 2.0);
  W.grad = Tensor<double>::zeros({3, 3});
  CHECK_THROWS_WITH_AS(tape.backward(L),
                       "backward: parameter W^[1]'s value or grad was reassigned or resized after the "
                       "tape recorded it; record again after changing a parameter (docs/engine-safety.md)",
                       std::logic_error);
  tape.clear();
  tape.backward(sum(tape.parameter(W) * 2.0));  // recorded afresh: fine
  CHECK(W.grad == Tensor<double>::full({2, 2}, 2.0));
}

TEST_CASE("a Var prints its value with fmt, format specs applying to each number") {
  Tape<double> tape;
  const auto x = tape.input(Tensor<double>{{1.5, -2.0}, {0.25, 4.0}}.view());
  CHECK(fmt::format("{}", x) == "[[1.5, -2], [0.25, 4]]");
  CHECK(fmt::format("{:.2f}", x * 2.0) == "[[3.00, -4.00], [0.50, 8.00]]");
  const auto s = tape.variable(0.5);
  CHECK(fmt::format("{}", s + s) == "[[1]]");
  CHECK(fmt::format("{}", Var<double>()) == "Var()");
}
