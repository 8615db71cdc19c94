#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "autograd/autograd.hpp"
#include "nn/hessian.hpp"
#include "nn/nn.hpp"

using namespace tapegrad;

int main() {
  // f(x) = sum(x tanh(x)), written once, generic in its number type.
  auto f = [](auto x) { return sum(x * tanh(x)); };
  const Tensor<double> x{{0.5, -1.0, 2.0}};
  const Tensor<double> v{{1.0, 0.0, 0.0}};

  // Forward mode: f(x) and the directional derivative grad f . v in one pass.
  const JvpResult<double> d = jvp(f, x, v);
  // Forward-over-reverse: the gradient and the Hessian-vector product H v.
  const HvpResult<double> h = hvp(f, x, v);
  // The whole Hessian (one hvp per column) and the Jacobian of x tanh(x).
  const Tensor<double> H = hessian(f, x);
  const Tensor<double> J = jacobian([](auto u) { return u * tanh(u); }, x);
  fmt::print("f = {:.6f}, df.v = {:.6f}\ngrad = {:.6f}\nHv = {:.6f}\nH = {:.6f}\nJ = {:.6f}\n",
             d.value.item(), d.tangent.item(), h.gradient[0], h.hvp[0], H, J);

  // The curvature of the 4-3-2-1 example's loss in all 26 parameters.
  nn::Mlp<double> net({4, 3, 2, 1}, nn::Activation::sigmoid, 42);
  const Tensor<double> sample{{1.0, 0.5, -1.5, 2.0}}, target{{1.0}};
  const nn::LossHessian<double> L = nn::loss_hessian(net, nn::LossKind::bce, sample.view(), target.view());
  const std::vector<double> eigenvalues = nn::symmetric_eigenvalues(L.hessian.view());
  fmt::print("loss {:.6f}, eigenvalues from {:.4f} to {:.4f}\n", L.loss, eigenvalues.front(),
             eigenvalues.back());

  // Anomaly mode: the first non-finite value names the op that made it.
  Tape<double> tape;
  tape.detect_anomaly(true);
  auto z = tape.variable(0.0);
  try {
    auto y = log(z) * 2.0;  // log(0) = -inf, consumed by the product
    (void)y;
  } catch (const AnomalyError& e) {
    fmt::print("{}\n", e.what());
  }

  // The same answers two ways: H v is column 0 of H, and df.v is grad . v.
  const bool agree = std::abs(h.hvp[0][0] - H(0, 0)) < 1e-12 && std::abs(d.tangent.item() - h.gradient[0][0]) < 1e-12;
  return agree ? 0 : 1;
}
