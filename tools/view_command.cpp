// tapegrad view: the model's backward pass as a self-contained step-through HTML page.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "io/file.hpp"
#include "viz/backprop_view.hpp"
#include "io/model_format.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"
#include "tools/options.hpp"
#include "tools/record.hpp"

namespace tapegrad::tools {

namespace {

struct ViewCommandOptions {
  std::filesystem::path model;
  std::optional<std::filesystem::path> data;
  std::filesystem::path output = "backprop.html";
  bool scalar = false;
  std::uint32_t sample = 0;
};

int run_view(const ViewCommandOptions& options) {
  std::vector<std::filesystem::path> inputs{options.model};
  if (options.data) inputs.push_back(*options.data);
  io::check_output(options.output, inputs);
  const io::ModelSpec spec = read_model_with_data(options.model, options.data, "view");
  require_finite_loss(spec, io::shown(options.model));
  viz::BackpropViewOptions view;
  view.scalar = options.scalar;
  view.sample = options.sample;
  try {
    viz::write_backprop_view(spec, options.output, view);
  } catch (const io::ModelFormatError& e) {
    throw InputError(fmt::format("{}: {}", io::shown(options.model), e.what()));
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
  fmt::print(stderr, "wrote {}: open it in a browser and step with the arrow keys\n",
             io::shown(options.output));
  return 0;
}

}  // namespace

Command add_view_command(CLI::App& app) {
  auto options = std::make_shared<ViewCommandOptions>();
  auto* command = app.add_subcommand(
      "view", "Write a self-contained HTML page that steps through MODEL.json's backward pass.");
  add_input(command, "MODEL.json", "--model", options->model, "model file (JSON model format)")
      ->required();
  add_input(command, "DATA.csv", "--data", options->data,
            "take x and y from this CSV (last column the label) instead of the model file");
  command->add_option("-o,--output", options->output, "the HTML file to write")
      ->capture_default_str();
  command->add_flag("--scalar", options->scalar,
                    "record neuron by neuron, one * or + per term (one sample, see --sample)");
  command->add_option("--sample", options->sample, "the row of x that --scalar records")
      ->capture_default_str();
  return {command, [options] { return run_view(*options); }};
}

}  // namespace tapegrad::tools
