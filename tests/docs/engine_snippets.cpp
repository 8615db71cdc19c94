// The code blocks of docs/engine.md: each `// [name]` region below is quoted
// there verbatim (tests/docs/code_blocks_test.cpp checks the quotes), and runs here.
#include <doctest/doctest.h>

#include <span>
#include <vector>

#include <fmt/format.h>

#include "autograd/autograd.hpp"

TEST_CASE("docs/engine.md: tensors") {
  const std::vector<float> buffer{1, 2, 3, 4, 5, 6};
  // [tensors]
  using tapegrad::Tensor;
  Tensor<double> x{{0.5, -1.0, 0.25, 2.0}};               // (1, 4), from nested lists
  auto W = Tensor<double>::zeros({4, 3});                  // also ones, full, scalar
  auto B = Tensor<float>::from(buffer, {2, 3});            // copy of a row-major buffer
  tapegrad::Generator gen(42);                             // same seed, same numbers everywhere
  auto R = Tensor<double>::normal({4, 3}, gen, 0.0, 0.1);  // also uniform(shape, gen, low, high)
  fmt::print("{} {:.3f}\n", W.shape(), R);                 // (4, 3) [[...], ...]
  // [tensors]
  CHECK(x.shape() == tapegrad::Shape{1, 4});
  CHECK(B(1, 2) == 6.0f);
  CHECK(fmt::format("{}", W.shape()) == "(4, 3)");
}

TEST_CASE("docs/engine.md: recording, backward and no-grad scopes") {
  tapegrad::Generator gen(42);
  const tapegrad::Tensor<double> x{{0.5, -1.0, 0.25, 2.0}};
  // [recording]
  using namespace tapegrad;
  Tape<double> tape;
  Parameter<double> W1(Tensor<double>::normal({4, 3}, gen), "W^[1]");  // outlives steps
  Parameter<double> b1(Tensor<double>::zeros({1, 3}), "b^[1]");
  auto a0 = tape.input(x);                                   // data: no gradient
  auto z1 = affine(a0, tape.parameter(W1), tape.parameter(b1));  // z = a W + b, one record
  auto L = binary_cross_entropy_with_logits(z1 /* (1, 3) */, tape.constant(Tensor<double>{{1, 0, 1}}));
  tape.backward(L);                                          // W1.grad, b1.grad hold dL/dW, dL/db
  // [recording]
  // dL/db = (sigmoid(z) - y) / m, with m = 1 row.
  for (std::uint32_t j = 0; j < 3; ++j)
    CHECK(b1.grad[j] == doctest::Approx(1 / (1 + std::exp(-z1.value()(0, j))) - (j == 1 ? 0.0 : 1.0)));
  {
    const std::size_t before = tape.size();
    // [dense]
    auto a1 = dense(a0, tape.parameter(W1), tape.parameter(b1), Op::sigmoid);  // sigmoid(a W + b), one record
    auto a1_apart = sigmoid(affine(a0, tape.parameter(W1), tape.parameter(b1)));  // the same values, two records
    // [dense]
    CHECK(tape.size() == before + 3 + 4);  // parameters, dense; parameters, affine, sigmoid
    for (std::uint32_t j = 0; j < 3; ++j) CHECK(a1.value()(0, j) == doctest::Approx(a1_apart.value()(0, j)).epsilon(1e-15));
  }
  const std::size_t records = tape.size();
  // [no-grad]
  {
    auto guard = tape.no_grad();    // RAII: inside, results are constants
    auto prediction = sigmoid(affine(a0, tape.parameter(W1), tape.parameter(b1)));
    fmt::print("{:.3f}\n", prediction.value());  // values are computed, but no op history is kept
  }
  // [no-grad]
  // Inside the scope the results became constants: leaves only, no op records.
  CHECK(tape.size() > records);
  for (auto id = static_cast<std::uint32_t>(records); id < tape.size(); ++id) CHECK(tape.op(id) == Op{});

  const Tensor<double> target{{1, 0, 1}};
  const double first_loss = L.item();
  double last_loss = 0;
  // [reuse]
  for (int step = 0; step < 100; ++step) {
    tape.clear();                   // forget the records, keep the capacity
    W1.zero_grad(); b1.zero_grad();
    auto loss = binary_cross_entropy_with_logits(affine(tape.input(x), tape.parameter(W1), tape.parameter(b1)),
                                                 tape.constant(target));
    tape.backward(loss);
    for (std::size_t k = 0; k < W1.value.size(); ++k) W1.value[k] -= 0.5 * W1.grad[k];  // W <- W - alpha dL/dW
    for (std::size_t k = 0; k < b1.value.size(); ++k) b1.value[k] -= 0.5 * b1.grad[k];
    last_loss = loss.item();
  }
  // [reuse]
  CHECK(last_loss < first_loss / 2);
}

TEST_CASE("docs/engine.md: scalar mode") {
  using namespace tapegrad;
  // [scalar]
  Tape<double> tape;
  auto W11 = tape.variable(0.1), W21 = tape.variable(0.4), b1 = tape.variable(0.01);
  auto a1 = tape.constant(0.5), a2 = tape.constant(-1.0);
  auto z1 = W11 * a1 + W21 * a2 + b1;            // z_1^[1] = W_1,1 a_1 + W_2,1 a_2 + b_1
  auto y_hat = sigmoid(z1);
  auto L = -(1.0 * log(y_hat) + (1.0 - 1.0) * log(1.0 - y_hat));
  tape.backward(L);
  double dW11 = W11.grad()[0];
  // [scalar]
  // dL/dW_1,1 = a_1 (y_hat - y)
  CHECK(dW11 == doctest::Approx(0.5 * (y_hat.item() - 1.0)));
}

TEST_CASE("docs/engine.md: gradient check") {
  using namespace tapegrad;
  Generator gen(7);
  // [gradcheck]
  std::vector<Tensor<double>> inputs{Tensor<double>::normal({3, 4}, gen), Tensor<double>::normal({4, 2}, gen)};
  auto report = tapegrad::gradcheck(
      [](Tape<double>&, std::span<const Var<double>> v) { return sum(tanh(matmul(v[0], v[1]))); },
      inputs);                      // central differences, eps 1e-6, in float64
  fmt::print("{}", report);         // per input: max abs and rel error, where, both values
  bool ok = report.passed();        // |autodiff - numeric| <= 1e-6 + 1e-5 |numeric| everywhere
  // [gradcheck]
  CHECK(ok);
}
