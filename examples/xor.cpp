// XOR: a 2-4-1 network (tanh, then sigmoid) learns XOR with binary cross-entropy and SGD.
#include <fmt/format.h>

#include "examples/options.hpp"
#include "nn/nn.hpp"

using namespace tapegrad;

int main(int argc, char** argv) {
  const auto options = examples::parse_options(argc, argv, {.steps = 2000, .data = "", .seed = 1}, "steps");
  const Tensor<double> x{{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  const Tensor<double> y{{0}, {1}, {1}, {0}};

  nn::Mlp<double> net({2, 4, 1}, {nn::Activation::tanh, nn::Activation::sigmoid}, options.seed);
  nn::Sgd<double> sgd(net.parameters(), 0.5);
  // The four rows are one batch: an epoch is one step.
  const long every = std::max(1L, options.steps / 8);
  fmt::print("{:>6}  {:>10}  {:>8}\n", "step", "loss", "accuracy");
  nn::fit(net, sgd, nn::Dataset<double>{x, y},
          {.epochs = static_cast<std::uint32_t>(options.steps), .batch = 0, .shuffle = false},
          {.on_epoch = [&](nn::Trainer<double>&, const nn::EpochRecord& r) {
            if (r.epoch == 1 || r.epoch % every == 0 || r.epoch == options.steps)
              fmt::print("{:>6}  {:>10.6f}  {:>7.1f}%\n", r.epoch, r.train_loss, 100 * r.train_accuracy);
          }});
  const Tensor<double> y_hat = net.predict(x);
  for (std::uint32_t i = 0; i < 4; ++i)
    fmt::print("{} xor {} -> {:.4f}\n", x(i, 0), x(i, 1), y_hat[i]);
  const double accuracy = nn::accuracy(y_hat.view(), y.view());
  fmt::print("accuracy: {:.1f}%\n", 100 * accuracy);
  return accuracy == 1.0 ? 0 : 1;
}
