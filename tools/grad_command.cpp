// tapegrad grad: the loss and every parameter's gradient of a model file, as JSON.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "nn/mlp.hpp"
#include "io/file.hpp"
#include "io/model_format.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"
#include "tools/options.hpp"
#include "tools/record.hpp"
#include "io/model_io.hpp"

namespace tapegrad::tools {

namespace {

struct GradOptions {
  std::filesystem::path model;
  std::optional<std::filesystem::path> data;
  bool detect_anomaly = false;
};

int run_grad(const GradOptions& options) {
  const io::ModelSpec spec = read_model_with_data(options.model, options.data, "grad");
  auto net = io::to_mlp<double>(spec);
  Tape<double> tape;
  // The first non-finite value or gradient throws, naming where it arose (exit 2).
  tape.detect_anomaly(options.detect_anomaly);
  const auto L = record_loss(tape, net, spec);
  require_finite_forward(tape, io::shown(options.model));
  net.zero_grad();
  tape.backward(L);

  fmt::print("{}", io::format_gradients(L.item(), net));
  return 0;
}

}  // namespace

Command add_grad_command(CLI::App& app) {
  auto options = std::make_shared<GradOptions>();
  auto* command = app.add_subcommand(
      "grad", "Print the loss and dL/dW, dL/db of every layer of MODEL.json as JSON.");
  add_input(command, "MODEL.json", "--model", options->model, "model file (JSON model format)")
      ->required();
  add_input(command, "DATA.csv", "--data", options->data,
            "take x and y from this CSV (last column the label) instead of the model file");
  command->add_flag("--detect-anomaly", options->detect_anomaly,
                    "stop at the first non-finite value or gradient and name the op, record and "
                    "inputs that made it (exit code 2)");
  return {command, [options] { return run_grad(*options); }};
}

}  // namespace tapegrad::tools
