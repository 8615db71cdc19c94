#include <fmt/format.h>

#include "nn/nn.hpp"
#include "reference/check.hpp"

using namespace tapegrad;

int main() {
  // A 4-3-2-1 sigmoid network (the shape of docs/derivation.md); weights drawn (Xavier) from seed 42.
  nn::Mlp<double> net({4, 3, 2, 1}, nn::Activation::sigmoid, 42);
  const Tensor<double> x{{0.5, -1.0, 1.5, 2.0}, {1.0, 0.0, -0.5, -2.0}};  // two samples
  const Tensor<double> y{{1.0}, {0.0}};

  // Train: record forward pass and loss, walk the tape back, step W <- W - alpha dL/dW.
  nn::Sgd<double> sgd(net.parameters(), 1.0);
  Tape<double> tape;
  for (int step = 0; step < 300; ++step) {
    tape.clear();
    auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(x)), tape.input(y));
    sgd.zero_grad();
    tape.backward(L);
    sgd.step();
  }
  fmt::print("y_hat = {:.3f}\n", net.predict(x));

  // Check: autodiff vs the hand derivation vs finite differences.
  const reference::CheckReport report = reference::check_gradients(net, x, y, nn::LossKind::bce);
  fmt::print("{}", report);
  return report.passed() ? 0 : 1;
}
