// Scalar mode: the 4-3-2-1 example written neuron by neuron, as in the derivation.
#include <array>

#include "autograd/autograd.hpp"
#include "gradcheck_helpers.hpp"
#include "reference/example_4321.hpp"

using namespace tapegrad;

namespace {

// The 4-3-2-1 example's numbers: x (1, 4), W^[1] (4, 3), W^[2] (3, 2), W^[3] (2, 1).
const reference::Example4321 example = reference::example_4321();
const Tensor<double>& x = example.x;
const Tensor<double>& W1 = example.net.layer(1).W.value;
const Tensor<double>& b1 = example.net.layer(1).b.value;
const Tensor<double>& W2 = example.net.layer(2).W.value;
const Tensor<double>& b2 = example.net.layer(2).b.value;
const Tensor<double>& W3 = example.net.layer(3).W.value;
const Tensor<double>& b3 = example.net.layer(3).b.value;
const double y = example.y(0, 0);

}  // namespace

TEST_CASE("scalar code reads like the derivation and matches the tensor graph") {
  // Tensor mode.
  Tape<double> tape;
  Parameter<double> pW1(W1), pb1(b1), pW2(W2), pb2(b2), pW3(W3), pb3(b3);
  auto a1 = sigmoid(affine(tape.input(x), tape.parameter(pW1), tape.parameter(pb1)));
  auto a2 = sigmoid(affine(a1, tape.parameter(pW2), tape.parameter(pb2)));
  auto z3 = affine(a2, tape.parameter(pW3), tape.parameter(pb3));
  auto L = binary_cross_entropy(sigmoid(z3), tape.constant(y));
  tape.backward(L);

  // Scalar mode on a second tape, neuron by neuron.
  Tape<double> s;
  std::array<Var<double>, 4> a0;
  for (int i = 0; i < 4; ++i) a0[i] = s.constant(x(0, i));
  auto leaf = [&](const Tensor<double>& t) {
    std::vector<Var<double>> v;
    for (double value : t) v.push_back(s.variable(value));
    return v;
  };
  auto w1 = leaf(W1), c1 = leaf(b1), w2 = leaf(W2), c2 = leaf(b2), w3 = leaf(W3), c3 = leaf(b3);
  std::array<Var<double>, 3> h1;
  for (int j = 0; j < 3; ++j) {
    auto z = w1[0 * 3 + j] * a0[0] + w1[1 * 3 + j] * a0[1] + w1[2 * 3 + j] * a0[2] +
             w1[3 * 3 + j] * a0[3] + c1[j];
    h1[j] = sigmoid(z);
  }
  std::array<Var<double>, 2> h2;
  for (int j = 0; j < 2; ++j) h2[j] = sigmoid(w2[0 * 2 + j] * h1[0] + w2[1 * 2 + j] * h1[1] + w2[2 * 2 + j] * h1[2] + c2[j]);
  auto y_hat = sigmoid(w3[0] * h2[0] + w3[1] * h2[1] + c3[0]);
  // The loss L = -[(1 - y) log(1 - y_hat) + y log(y_hat)], plain numbers on either side.
  auto Ls = -((1.0 - y) * log(1.0 - y_hat) + y * log(y_hat));
  s.backward(Ls);

  CHECK(Ls.item() == doctest::Approx(L.item()).epsilon(1e-14));
  for (std::size_t k = 0; k < 12; ++k) CHECK(w1[k].grad()[0] == doctest::Approx(pW1.grad[k]).epsilon(1e-12));
  for (std::size_t k = 0; k < 6; ++k) CHECK(w2[k].grad()[0] == doctest::Approx(pW2.grad[k]).epsilon(1e-12));
  for (std::size_t k = 0; k < 2; ++k) CHECK(w3[k].grad()[0] == doctest::Approx(pW3.grad[k]).epsilon(1e-12));
  for (std::size_t k = 0; k < 3; ++k) CHECK(c1[k].grad()[0] == doctest::Approx(pb1.grad[k]).epsilon(1e-12));

  // The closed forms of docs/derivation.md: g^[3z] = a^[3] - y, g^[3W] = (a^[2])^T g^[3z].
  const double g3z = y_hat.item() - y;
  CHECK(c3[0].grad()[0] == doctest::Approx(g3z).epsilon(1e-12));
  CHECK(w3[0].grad()[0] == doctest::Approx(h2[0].item() * g3z).epsilon(1e-12));
  // a_1^[1] feeds z_1^[2] and z_2^[2]: its gradient is g^[2z] . [W_1,1^[2]; W_1,2^[2]].
  const double g2z_1 = h2[0].item() * (1 - h2[0].item()) * W3(0, 0) * g3z;
  const double g2z_2 = h2[1].item() * (1 - h2[1].item()) * W3(1, 0) * g3z;
  CHECK(h1[0].grad()[0] == doctest::Approx(g2z_1 * W2(0, 0) + g2z_2 * W2(0, 1)).epsilon(1e-12));
}

TEST_CASE_TEMPLATE("scalar mode works in float too", T, float, double) {
  Tape<T> tape;
  auto a = tape.variable(T(2));
  auto b = tape.variable(T(3));
  auto f = a * b + 2.0 * a - b / 2.0 + 1.0;
  tape.backward(f);
  CHECK(f.item() == T(9.5));
  CHECK(a.grad()[0] == T(5));
  CHECK(b.grad()[0] == T(1.5));
}
