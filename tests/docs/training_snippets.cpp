// The code blocks of docs/training.md: each `// [name]` region below is quoted
// there verbatim (tests/docs/code_blocks_test.cpp checks the quotes), and runs here.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "nn/nn.hpp"

namespace {

using namespace tapegrad;

// XOR, repeated: 32 rows, so that batches of 8 make 4 steps an epoch.
nn::Dataset<double> xor_rows() {
  nn::Dataset<double> d{Tensor<double>({32, 2}, 0.0), Tensor<double>({32, 1}, 0.0)};
  for (std::uint32_t i = 0; i < 32; ++i) {
    d.x(i, 0) = i & 1;
    d.x(i, 1) = (i >> 1) & 1;
    d.y(i, 0) = d.x(i, 0) != d.x(i, 1);
  }
  return d;
}

}  // namespace

TEST_CASE("docs/training.md: callbacks that print and stop") {
  const auto train = xor_rows();
  // [callbacks]
  nn::Mlp<double> net({2, 8, 1}, {nn::Activation::tanh, nn::Activation::sigmoid}, 7);
  nn::Adam<double> adam(net.parameters(), 0.05);
  const nn::FitResult run = nn::fit(
      net, adam, train, {.epochs = 500, .batch = 8, .seed = 7},
      {.on_epoch = [](nn::Trainer<double>& trainer, const nn::EpochRecord& r) {
         if (r.epoch % 50 == 0) fmt::print("epoch {}: loss {:.4f}\n", r.epoch, r.train_loss);
         if (r.train_loss < 0.05) trainer.stop();  // good enough: end the run here
       }});
  fmt::print("stopped after {} epochs: {}\n", run.history.size(), run.stopped_early);
  // [callbacks]
  CHECK(run.stopped_early);
  CHECK(run.history.back().train_loss < 0.05);
  CHECK(run.history.back().train_accuracy == 1.0);
  for (std::size_t k = 0; k + 1 < run.history.size(); ++k) CHECK(run.history[k].train_loss >= 0.05);
}

TEST_CASE("docs/training.md: a step at a time, as a page between frames") {
  const auto train = xor_rows();
  nn::Mlp<double> fitted({2, 8, 1}, {nn::Activation::tanh, nn::Activation::sigmoid}, 7);
  nn::Adam<double> fitted_adam(fitted.parameters(), 0.05);
  const auto whole = nn::fit(fitted, fitted_adam, train, {.epochs = 40, .batch = 8, .seed = 7});
  std::vector<double> curve;
  const auto draw = [&](const nn::History& history) { curve.push_back(history.back().train_loss); };
  // [stepping]
  nn::Mlp<double> net({2, 8, 1}, {nn::Activation::tanh, nn::Activation::sigmoid}, 7);
  nn::Adam<double> adam(net.parameters(), 0.05);
  nn::Trainer<double> trainer(net, adam, train, {.epochs = 40, .batch = 8, .seed = 7});
  while (!trainer.finished()) {
    trainer.run_epoch();      // or trainer.step(): one mini-batch
    draw(trainer.history());  // a frame: the curves, the decision boundary, the tape
  }
  // [stepping]
  REQUIRE(curve.size() == whole.history.size());
  for (std::size_t k = 0; k < curve.size(); ++k) CHECK(curve[k] == whole.history[k].train_loss);
  for (std::size_t k = 0; k < net.parameters().size(); ++k)
    CHECK(net.parameters()[k]->value == fitted.parameters()[k]->value);
}
