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
  Tape<double> tape;
  fmt::print("{:>6}  {:>10}  {:>8}\n", "step", "loss", "accuracy");
  double loss = 0;
  for (long step = 1; step <= options.steps; ++step) {
    tape.clear();
    const auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(x)), tape.input(y));
    sgd.zero_grad();
    tape.backward(L);
    sgd.step();
    loss = L.item();
    if (step == 1 || step % std::max(1L, options.steps / 8) == 0 || step == options.steps)
      fmt::print("{:>6}  {:>10.6f}  {:>7.1f}%\n", step, loss,
                 100 * nn::accuracy(net.predict(x).view(), y.view()));
  }
  const Tensor<double> y_hat = net.predict(x);
  for (std::uint32_t i = 0; i < 4; ++i)
    fmt::print("{} xor {} -> {:.4f}\n", x(i, 0), x(i, 1), y_hat[i]);
  const double accuracy = nn::accuracy(y_hat.view(), y.view());
  fmt::print("accuracy: {:.1f}%\n", 100 * accuracy);
  return accuracy == 1.0 ? 0 : 1;
}
