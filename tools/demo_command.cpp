// tapegrad demo: the seed's 4-3-2-1 walkthrough, the same run as examples/seed_network.
//
// The test suite runs both and requires identical output; keep them in step.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "autograd/graph_export.hpp"
#include "nn/nn.hpp"
#include "nn/scalar_network.hpp"
#include "tools/commands.hpp"

namespace tapegrad::tools {

namespace {

using nn::Activation;
using nn::LossKind;

struct DemoOptions {
  long steps = 3000;
  std::uint64_t seed = 7;
  std::string graph = ".";
};

// Fixed weights in the seed's row convention: W^[k] is (inputs x outputs).
nn::Mlp<double> seed_network() {
  nn::Mlp<double> net;
  net.add(nn::Linear<double>(Tensor<double>{{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}, {-0.7, 0.8, 0.9}, {0.2, -0.3, 0.1}},
                             Tensor<double>{{0.1, 0.2, -0.1}}, Activation::sigmoid));
  net.add(nn::Linear<double>(Tensor<double>{{0.3, -0.4}, {0.5, 0.2}, {-0.6, 0.7}},
                             Tensor<double>{{-0.2, 0.3}}, Activation::sigmoid));
  net.add(nn::Linear<double>(Tensor<double>{{0.8}, {-0.5}}, Tensor<double>{{0.05}}, Activation::sigmoid));
  return net;
}

// The graph of one forward and backward pass, as DOT, JSON, SVG and PNG in `dir`:
// the tensor view of `tape` and the scalar view, recorded neuron by neuron.
void write_graphs(const Tape<double>& tape, Var<double> L, const nn::Mlp<double>& net,
                  const Tensor<double>& x, const Tensor<double>& y, const std::string& dir) {
  Tape<double> scalar_tape;
  const auto scalar = nn::record_scalar_network(scalar_tape, net.to_spec().layers, x, y);
  scalar_tape.backward(scalar.loss);
  std::filesystem::create_directories(dir);
  for (const auto& [stem, result] :
       {std::pair{"seed_tensor", write_graph_files(tape, L, std::filesystem::path(dir) / "seed_tensor")},
        std::pair{"seed_scalar",
                  write_graph_files(scalar_tape, scalar.loss, std::filesystem::path(dir) / "seed_scalar")}})
    fmt::print("graph {}: {}\n", stem, result.message);
}

void show(std::string_view name, TensorView<double> tape, TensorView<double> hand) {
  fmt::print("{:<7} {:<7} |tape - hand| <= {:.1e}\n  tape {:.8f}\n  hand {:.8f}\n", name,
             fmt::format("{}", tape.shape), nn::difference(tape, hand).abs, tape, hand);
}

int run_demo(const DemoOptions& options) {
  nn::Mlp<double> net = seed_network();
  const Tensor<double> x{{1.0, 0.5, -1.5, 2.0}};  // a^[0], one sample
  const Tensor<double> y{{1.0}};

  // Forward on the tape, keeping every layer's z^[k] and a^[k].
  Tape<double> tape;
  std::vector<nn::LayerVars<double>> trace;
  const auto y_var = tape.input(y);
  tape.set_name(y_var, "y");
  const auto L = nn::loss(LossKind::bce, net.forward(tape.input(x), trace), y_var);
  fmt::print("forward: z^[k] = a^[k-1] W^[k] + b^[k], a^[k] = sigmoid(z^[k])\n");
  fmt::print("  a^[0] = {:.6f}\n", trace[0].a.value());
  for (std::size_t k = 1; k < trace.size(); ++k)
    fmt::print("  z^[{}] = {:.6f}   a^[{}] = {:.6f}\n", k, trace[k].z.value(), k, trace[k].a.value());
  fmt::print("  L = -[(1 - y) log(1 - y_hat) + y log(y_hat)] = {:.8f}\n\n", L.item());

  // Backward: the tape's reverse walk, and the seed's derivation by hand.
  tape.backward(L);
  const auto hand = nn::hand_backprop(net, x, y, LossKind::bce);
  write_graphs(tape, L, net, x, y, options.graph);
  fmt::print("backward: tape vs the seed's formulas (g^[3z] = a^[3] - y, g^[kW] = (a^[k-1])^T g^[kz], ...)\n");
  for (std::size_t k = 3; k >= 1; --k) {
    show(fmt::format("g^[{}z]", k), trace[k].z.grad(), hand.g_z[k].view());
    show(fmt::format("g^[{}W]", k), net.layer(k).W.grad.view(), hand.g_W[k].view());
    show(fmt::format("g^[{}b]", k), net.layer(k).b.grad.view(), hand.g_b[k].view());
    if (k > 1) show(fmt::format("g^[{}a]", k - 1), trace[k - 1].a.grad(), hand.g_a[k - 1].view());
  }

  // The same comparison with finite differences, as one report.
  net.zero_grad();
  const nn::CheckReport report = nn::check_gradients(net, x, y, LossKind::bce);
  fmt::print("\n{}\n", report);

  // Training: 64 samples of a linear rule, full batch, W <- W - alpha dL/dW.
  Generator generator(options.seed);
  const auto data_x = Tensor<double>::normal({64, 4}, generator);
  Tensor<double> data_y({64, 1}, 0.0);
  for (std::uint32_t i = 0; i < 64; ++i)
    data_y[i] = data_x(i, 0) + data_x(i, 1) - data_x(i, 2) + 0.5 * data_x(i, 3) > 0 ? 1.0 : 0.0;
  nn::Sgd<double> sgd(net.parameters(), 2.0);
  fmt::print("training on 64 samples, SGD alpha = {}\n{:>6}  {:>10}  {:>8}\n", sgd.alpha, "step",
             "loss", "accuracy");
  double first = 0, last = 0;
  for (long step = 1; step <= options.steps; ++step) {
    tape.clear();
    const auto loss = nn::loss(LossKind::bce, net.forward(tape.input(data_x)), tape.input(data_y));
    sgd.zero_grad();
    tape.backward(loss);
    sgd.step();
    if (step == 1) first = loss.item();
    last = loss.item();
    if (step == 1 || step % std::max(1L, options.steps / 10) == 0)
      fmt::print("{:>6}  {:>10.6f}  {:>7.1f}%\n", step, last,
                 100 * nn::accuracy(net.predict(data_x).view(), data_y.view()));
  }
  const double accuracy = nn::accuracy(net.predict(data_x).view(), data_y.view());
  fmt::print("final loss {:.6f} (from {:.6f}), training accuracy {:.1f}%\n", last, first, 100 * accuracy);
  return report.passed() && (options.steps == 0 || last < first) ? 0 : 1;
}

}  // namespace

Command add_demo_command(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  auto* command = app.add_subcommand(
      "demo", "The seed's walkthrough: forward values, tape vs hand-derived gradients, the check, "
              "then training (as examples/seed_network).");
  command->add_option("--steps", o->steps, "training steps")->capture_default_str()->check(
      CLI::NonNegativeNumber);
  command->add_option("--seed", o->seed, "seed of the training data")->capture_default_str();
  command->add_option("--graph", o->graph,
                      "folder for the seed's graph files (seed_tensor and seed_scalar: .dot, "
                      ".json, and .svg, .png with Graphviz)")
      ->capture_default_str();
  return {command, [o] { return run_demo(*o); }};
}

}  // namespace tapegrad::tools
