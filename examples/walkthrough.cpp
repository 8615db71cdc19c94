#include "examples/walkthrough.hpp"

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "viz/graph_export.hpp"
#include "reference/check.hpp"
#include "nn/dataset.hpp"
#include "nn/fit.hpp"
#include "reference/hand_backprop.hpp"
#include "nn/losses.hpp"
#include "nn/optimizer.hpp"
#include "reference/scalar_network.hpp"
#include "io/model_io.hpp"

namespace examples {

using namespace tapegrad;
using namespace tapegrad::nn;
using namespace tapegrad::reference;
using namespace tapegrad::viz;

namespace {

// The graph of one forward and backward pass, as DOT, JSON, SVG and PNG in `dir`:
// the tensor view of `tape` and the scalar view, recorded neuron by neuron.
void write_graphs(const Tape<double>& tape, Var<double> L, const Mlp<double>& net, const Tensor<double>& x,
                  const Tensor<double>& y, const std::string& dir, std::FILE* out) {
  Tape<double> scalar_tape;
  const auto scalar = record_scalar_network(scalar_tape, io::to_spec(net).layers, x, y);
  scalar_tape.backward(scalar.loss);
  std::filesystem::create_directories(dir);
  for (const auto& [stem, result] :
       {std::pair{"example_tensor", write_graph_files(tape, L, std::filesystem::path(dir) / "example_tensor")},
        std::pair{"example_scalar",
                  write_graph_files(scalar_tape, scalar.loss, std::filesystem::path(dir) / "example_scalar")}})
    fmt::print(out, "graph {}: {}\n", stem, result.message);
}

// One gradient as `name = value` (the form docs/derivation.md quotes), then the hand derivation's.
void show(std::FILE* out, std::string_view name, TensorView<double> tape, TensorView<double> hand) {
  fmt::print(out, "  {} = {:.8f}   {}\n    by hand {:.8f}, |tape - hand| <= {:.1e}\n", name, tape, tape.shape,
             hand, difference(tape, hand).abs);
}

}  // namespace

int run_walkthrough(const WalkthroughOptions& options, std::FILE* out) {
  auto [net, x, y] = example_4321();

  // Forward on the tape, keeping every layer's z^[k] and a^[k].
  Tape<double> tape;
  std::vector<LayerVars<double>> trace;
  const auto y_var = tape.input(y);
  tape.set_name(y_var, "y");
  const auto L = loss(LossKind::bce, net.forward(tape.input(x), trace), y_var);
  fmt::print(out, "forward: z^[k] = a^[k-1] W^[k] + b^[k], a^[k] = sigmoid(z^[k])\n");
  fmt::print(out, "  a^[0] = {:.6f}\n", trace[0].a.value());
  for (std::size_t k = 1; k < trace.size(); ++k)
    fmt::print(out, "  z^[{}] = {:.6f}   a^[{}] = {:.6f}\n", k, trace[k].z.value(), k, trace[k].a.value());
  fmt::print(out, "  L = {:.8f}   (binary cross-entropy -[y log(y_hat) + (1 - y) log(1 - y_hat)])\n\n", L.item());

  // Backward: the tape's reverse walk, and the derivation by hand.
  tape.backward(L);
  const auto hand = hand_backprop(net, x, y, LossKind::bce);
  write_graphs(tape, L, net, x, y, options.graph, out);
  fmt::print(out,
             "backward: tape vs docs/derivation.md (g^[3z] = a^[3] - y, g^[kW] = (a^[k-1])^T g^[kz], ...)\n");
  for (std::size_t k = 3; k >= 1; --k) {
    show(out, fmt::format("g^[{}z]", k), trace[k].z.grad(), hand.g_z[k].view());
    show(out, fmt::format("g^[{}W]", k), net.layer(k).W.grad.view(), hand.g_W[k].view());
    show(out, fmt::format("g^[{}b]", k), net.layer(k).b.grad.view(), hand.g_b[k].view());
    if (k > 1) show(out, fmt::format("g^[{}a]", k - 1), trace[k - 1].a.grad(), hand.g_a[k - 1].view());
  }

  // The same comparison with finite differences, as one report.
  net.zero_grad();
  const CheckReport report = check_gradients(net, x, y, LossKind::bce);
  fmt::print(out, "\n{}\n", report);

  // Training: 64 samples of a linear rule, full batch, W <- W - alpha dL/dW.
  Generator generator(options.seed);
  const auto data_x = Tensor<double>::normal({64, 4}, generator);
  Tensor<double> data_y({64, 1}, 0.0);
  for (std::uint32_t i = 0; i < 64; ++i)
    data_y[i] = data_x(i, 0) + data_x(i, 1) - data_x(i, 2) + 0.5 * data_x(i, 3) > 0 ? 1.0 : 0.0;
  Sgd<double> sgd(net.parameters(), 2.0);
  fmt::print(out, "training on 64 samples, SGD alpha = {}\n{:>6}  {:>10}  {:>8}\n", sgd.alpha, "step", "loss",
             "accuracy");
  // One step an epoch (the whole batch, in order); each step's loss is taken before its update.
  double first = 0, last = 0;
  const long every = std::max(1L, options.steps / 10);
  fit(net, sgd, Dataset<double>{data_x, data_y},
      {.epochs = static_cast<std::uint32_t>(options.steps), .batch = 0, .shuffle = false},
      {.on_step = [&](Trainer<double>&, const StepRecord& r) {
        if (r.step == 1) first = r.loss;
        last = r.loss;
        if (r.step == 1 || r.step % every == 0)
          fmt::print(out, "{:>6}  {:>10.6f}  {:>7.1f}%\n", r.step, last,
                     100 * accuracy(net.predict(data_x).view(), data_y.view()));
      }});
  const double final_accuracy = accuracy(net.predict(data_x).view(), data_y.view());
  fmt::print(out, "final loss {:.6f} (from {:.6f}), training accuracy {:.1f}%\n", last, first,
             100 * final_accuracy);
  return report.passed() && (options.steps == 0 || last < first) ? 0 : 1;
}

}  // namespace examples
