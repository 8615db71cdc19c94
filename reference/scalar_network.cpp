// Scalar network: recording an MLP neuron by neuron with one scalar op per term.
#include "reference/scalar_network.hpp"

#include <string>

#include <fmt/format.h>

#include "autograd/elementwise.hpp"
#include "autograd/loss.hpp"
#include "nn/activation.hpp"

namespace tapegrad::reference {

template <class T>
ScalarNetwork<T> record_scalar_network(Tape<T>& tape, std::span<const io::LayerSpec> layers,
                                       TensorView<double> x, TensorView<double> y,
                                       nn::LossKind kind) {
  constexpr std::string_view op = "scalar network";
  if (layers.empty()) throw ShapeError(fmt::format("{}: no layers", op));
  if (x.rows() != 1 || x.cols() != layers[0].W.rows())
    fail_shapes(op, "x must be one row with an entry per input of layer 1", "x", x.shape,
                "W^[1]", layers[0].W.shape());
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const io::LayerSpec& l = layers[k];
    if (l.b.shape() != Shape{1, l.W.cols()})
      fail_shapes(op, fmt::format("b^[{}] must be (1, columns of W^[{}])", k + 1, k + 1),
                  "W", l.W.shape(), "b", l.b.shape());
    if (k > 0 && l.W.rows() != layers[k - 1].W.cols())
      fail_shapes(op, fmt::format("W^[{}] must have a row per output of layer {}", k + 1, k),
                  "previous W", layers[k - 1].W.shape(), "W", l.W.shape());
  }
  const std::uint32_t outputs = layers.back().W.cols();
  if (y.shape != Shape{1, outputs})
    fail_shapes(op, "y must be one row with an entry per output", "y", y.shape, "W^[L]",
                layers.back().W.shape());

  const std::size_t depth = layers.size();
  ScalarNetwork<T> net;
  net.a.resize(depth + 1);
  net.z.resize(depth + 1);
  net.W.resize(depth + 1);
  net.b.resize(depth + 1);
  auto name = [&tape](Var<T> v, const std::string& label, int layer) {
    if (tape.naming()) tape.set_name(v, label, layer);
    return v;
  };
  const auto scalar = [](double v) { return static_cast<T>(v); };

  for (std::uint32_t i = 0; i < x.cols(); ++i) {
    const T v = scalar(x[i]);
    net.a[0].push_back(name(tape.input(TensorView<T>{&v, {1, 1}}), fmt::format("a_{}^[0]", i + 1), 0));
  }
  for (std::size_t k = 1; k <= depth; ++k) {
    const io::LayerSpec& l = layers[k - 1];
    const int layer = static_cast<int>(k);
    const std::uint32_t in = l.W.rows(), out = l.W.cols();
    for (std::uint32_t i = 0; i < in; ++i)
      for (std::uint32_t j = 0; j < out; ++j)
        net.W[k].push_back(
            name(tape.variable(scalar(l.W(i, j))), fmt::format("W_{},{}^[{}]", i + 1, j + 1, k), layer));
    for (std::uint32_t j = 0; j < out; ++j)
      net.b[k].push_back(name(tape.variable(scalar(l.b(0, j))), fmt::format("b_{}^[{}]", j + 1, k), layer));
    const bool last = k == depth;
    for (std::uint32_t j = 0; j < out; ++j) {
      // z_j = W_1,j a_1 + W_2,j a_2 + ... + b_j, left to right as docs/derivation.md writes it.
      Var<T> sum;
      for (std::uint32_t i = 0; i < in; ++i) {
        Var<T> term = name(net.W[k][i * out + j] * net.a[k - 1][i], "", layer);
        sum = i == 0 ? term : name(sum + term, "", layer);
      }
      Var<T> z = name(sum + net.b[k][j], fmt::format("z_{}^[{}]", j + 1, k), layer);
      net.z[k].push_back(z);
      const std::string a_label = !last ? fmt::format("a_{}^[{}]", j + 1, k)
                                  : out == 1 ? std::string("y_hat")
                                             : fmt::format("y_hat_{}", j + 1);
      if (l.activation == nn::Activation::identity) {
        net.a[k].push_back(z);  // a = z: the record keeps its name z_j^[k]
      } else {
        net.a[k].push_back(name(nn::activate(l.activation, z), a_label, layer));
      }
    }
  }

  for (std::uint32_t j = 0; j < outputs; ++j) {
    const T v = scalar(y[j]);
    net.y.push_back(name(tape.constant(TensorView<T>{&v, {1, 1}}),
                         outputs == 1 ? std::string("y") : fmt::format("y_{}", j + 1), -1));
  }
  const std::vector<Var<T>>& y_hat = net.a[depth];
  std::vector<Var<T>> terms;
  switch (kind) {
    case nn::LossKind::bce:
      for (std::uint32_t j = 0; j < outputs; ++j)
        terms.push_back(binary_cross_entropy(y_hat[j], net.y[j], Reduction::sum));
      break;
    case nn::LossKind::half_sse:
      for (std::uint32_t j = 0; j < outputs; ++j)
        terms.push_back(half_sse(y_hat[j], net.y[j], Reduction::sum));
      break;
    case nn::LossKind::mse:
      for (std::uint32_t j = 0; j < outputs; ++j)
        terms.push_back(mse(y_hat[j], net.y[j], Reduction::sum));
      break;
    case nn::LossKind::softmax_ce: {
      // L = sum_j y_j (log sum_i e^{z_i} - z_j)
      Var<T> total = exp(y_hat[0]);
      for (std::uint32_t j = 1; j < outputs; ++j) total = total + exp(y_hat[j]);
      const Var<T> log_total = log(total);
      for (std::uint32_t j = 0; j < outputs; ++j)
        terms.push_back(net.y[j] * (log_total - y_hat[j]));
      break;
    }
  }
  Var<T> L = terms[0];
  for (std::size_t j = 1; j < terms.size(); ++j) L = L + terms[j];
  if (kind == nn::LossKind::mse && outputs > 1) L = L * (1.0 / outputs);
  net.loss = name(L, "L", -1);
  return net;
}

template ScalarNetwork<float> record_scalar_network(Tape<float>&, std::span<const io::LayerSpec>,
                                                    TensorView<double>, TensorView<double>,
                                                    nn::LossKind);
template ScalarNetwork<double> record_scalar_network(Tape<double>&, std::span<const io::LayerSpec>,
                                                     TensorView<double>, TensorView<double>,
                                                     nn::LossKind);

}  // namespace tapegrad::reference
