// Tests for anomaly mode (Tape::detect_anomaly): the first non-finite value or
// gradient throws AnomalyError naming the op, the record, its inputs' ranges and
// its consumer; off, nothing changes. (Graph dumps mark the record:
// tests/viz/graph_export_test.cpp.)
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "autograd/autograd.hpp"

using namespace tapegrad;

namespace {

// The message of the AnomalyError `f` throws; fails the test if it throws none.
template <class F>
AnomalyError anomaly_of(F f) {
  try {
    f();
  } catch (const AnomalyError& e) {
    return e;
  }
  FAIL("no AnomalyError thrown");
  return AnomalyError("", 0, false);
}

}  // namespace

TEST_CASE_TEMPLATE("forward: the op that made a non-finite value from finite inputs is named", T, float, double) {
  // Recorded before anomaly mode (on the inline scalar path): the check at
  // the next consumer walks up to the origin.
  Tape<T> tape;
  auto x = tape.variable(T(0));
  tape.set_name(x, "x");
  auto y = log(x);  // -inf, from a finite input
  tape.set_name(y, "log_x");
  auto z = y * T(2);  // also -inf: not the origin
  tape.detect_anomaly(true);
  const AnomalyError e = anomaly_of([&] { (void)(z + T(1)); });
  CHECK(std::string(e.what()) ==
        "anomaly: forward: log made -inf at (0, 0) of log_x (record 1) from finite inputs x (1, 1) "
        "in [0, 0]; consumed by mul_scalar (record 2)");
  CHECK(e.record() == y.id());
  CHECK_FALSE(e.in_backward());
  CHECK(tape.anomaly_record() == y.id());
}

TEST_CASE("forward: a tensor op's record, inputs' ranges and consumer are named") {
  Tape<double> tape;
  tape.detect_anomaly(true);
  auto a = tape.input(Tensor<double>{{1.0, 1e200}}.view());
  tape.set_name(a, "a^[1]");
  auto W = tape.variable(Tensor<double>{{2.0}, {1e200}}.view());
  tape.set_name(W, "W^[2]");
  auto b = tape.variable(Tensor<double>{{0.5}}.view());
  tape.set_name(b, "b^[2]");
  auto z = affine(a, W, b);
  tape.set_name(z, "z^[2]");
  const AnomalyError e = anomaly_of([&] { (void)sigmoid(z); });
  CHECK(std::string(e.what()) ==
        "anomaly: forward: affine made inf at (0, 0) of z^[2] (record 3) from finite inputs a^[1] "
        "(1, 2) in [1, 1e+200], W^[2] (2, 1) in [2, 1e+200], b^[2] (1, 1) in [0.5, 0.5]; consumed "
        "by sigmoid (record 4)");
  CHECK(e.record() == z.id());
}

TEST_CASE("forward: a leaf holding NaN is named as the origin") {
  Tape<double> tape;
  tape.detect_anomaly(true);
  auto x = tape.input(Tensor<double>{{1.0, std::nan("")}}.view());
  tape.set_name(x, "a^[0]");
  const AnomalyError e = anomaly_of([&] { (void)exp(x); });
  CHECK(std::string(e.what()) ==
        "anomaly: forward: input a^[0] (record 0) holds nan at (0, 1); consumed by exp (record 1)");
}

TEST_CASE("forward: a non-finite output is caught by backward") {
  Tape<double> tape;
  tape.detect_anomaly(true);
  auto x = tape.variable(1000.0);
  auto y = exp(x);
  const AnomalyError e = anomaly_of([&] { tape.backward(y); });
  CHECK(std::string(e.what()) ==
        "anomaly: forward: exp made inf at (0, 0) of t1 (record 1) from finite inputs t0 (1, 1) in "
        "[1000, 1000]; consumed by backward");
}

TEST_CASE("backward: a gradient that becomes non-finite names the rule that made it") {
  Tape<double> tape;
  tape.detect_anomaly(true);
  auto x = tape.variable(Tensor<double>{{0.0, 4.0}}.view());
  tape.set_name(x, "x");
  auto r = sqrt(x);  // finite forward, infinite slope at 0
  tape.set_name(r, "r");
  auto L = sum(r);
  const AnomalyError e = anomaly_of([&] { tape.backward(L); });
  CHECK(std::string(e.what()) ==
        "anomaly: backward: the gradient of x (record 0) became inf at (0, 0) in the backward rule "
        "of sqrt (record 1, r), which consumed it; sqrt's inputs: x (1, 2) in [0, 4]; the gradient "
        "of r (1, 2) in [1, 1]");
  CHECK(e.in_backward());
  CHECK(e.record() == x.id());
  CHECK(tape.anomaly_in_backward());
}

TEST_CASE("backward on the scalar path: the first bad gradient in the reverse walk") {
  Tape<double> tape;
  auto x = tape.variable(0.0);
  auto y = sqrt(x) * 3.0;  // recorded as scalar records, before anomaly mode
  tape.detect_anomaly(true);
  const AnomalyError e = anomaly_of([&] { tape.backward(y); });
  CHECK(std::string(e.what()).starts_with("anomaly: backward: the gradient of t0 (record 0) became inf"));
  CHECK(e.record() == x.id());
}

TEST_CASE("off, non-finite values flow as IEEE arithmetic says and the scalar path is inline") {
  Tape<double> tape;
  CHECK_FALSE(tape.detecting_anomaly());
  auto x = tape.variable(0.0);
  auto y = log(x) * 2.0;
  CHECK(std::isinf(y.item()));
  CHECK(y.node().scalar_record);
  tape.detect_anomaly(true);
  CHECK_FALSE((x + 1.0).node().scalar_record);  // the checked path
  tape.detect_anomaly(false);
  CHECK((x + 1.0).node().scalar_record);
  CHECK_FALSE(tape.anomaly_record());
}

TEST_CASE("anomaly mode gives the same values and gradients when everything is finite") {
  for (bool on : {false, true}) {
    Tape<double> tape;
    tape.detect_anomaly(on);
    auto x = tape.variable(Tensor<double>{{0.5, -1.0, 2.0}}.view());
    auto s = tape.variable(0.7);
    auto L = sum(tanh(x) * s) + s * s;
    tape.backward(L);
    CHECK(L.item() == doctest::Approx(0.7 * (std::tanh(0.5) + std::tanh(-1.0) + std::tanh(2.0)) + 0.49).epsilon(1e-15));
    CHECK(x.grad()[0] == doctest::Approx(0.7 * (1 - std::tanh(0.5) * std::tanh(0.5))).epsilon(1e-15));
    CHECK(s.grad()[0] == doctest::Approx(std::tanh(0.5) + std::tanh(-1.0) + std::tanh(2.0) + 1.4).epsilon(1e-15));
  }
}
