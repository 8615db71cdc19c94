// tapegrad dot: the recorded graph of a model file's loss as Graphviz DOT.
#include <cstdint>
#include <filesystem>
#include <vector>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "viz/graph_export.hpp"
#include "viz/graphviz.hpp"
#include "nn/mlp.hpp"
#include "io/file.hpp"
#include "io/model_format.hpp"
#include "reference/scalar_network.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"
#include "tools/options.hpp"
#include "tools/record.hpp"
#include "io/model_io.hpp"

namespace tapegrad::tools {

namespace {

struct DotOptions {
  std::filesystem::path model;
  std::optional<std::filesystem::path> data;
  std::optional<std::filesystem::path> output;
  bool scalar = false;
  bool svg = false;
  bool backward_edges = false;
  bool collapse = false;
  bool json = false;
  std::uint32_t sample = 0;
};

Tensor<double> row_of(const Tensor<double>& t, std::uint32_t i) {
  return Tensor<double>::from(t.span().subspan(std::size_t{i} * t.cols(), t.cols()),
                              Shape{1, t.cols()});
}

int run_dot(DotOptions options) {
  if (options.output && io::is_standard_stream(*options.output)) {
    if (options.svg)
      throw InputError("dot: --svg needs -o FILE.dot, not standard output (the SVG is written next to it)");
    options.output.reset();  // -o -: standard output, as without -o
  }
  if (options.svg && !options.output)
    throw InputError("dot: --svg needs -o FILE.dot (the SVG is written next to it)");
  if (options.svg && options.json) throw InputError("dot: --svg draws the DOT graph; it does not go with --json");
  if (options.output) {
    std::vector<std::filesystem::path> inputs{options.model};
    if (options.data) inputs.push_back(*options.data);
    std::vector<std::filesystem::path> outputs{*options.output};
    if (options.svg)
      for (const char* extension : {".svg", ".png"})
        outputs.push_back(std::filesystem::path(*options.output).replace_extension(extension));
    for (const auto& output : outputs) io::check_output(output, inputs);
  }
  const io::ModelSpec spec = read_model_with_data(options.model, options.data, "dot");

  Tape<double> tape;
  Var<double> L;
  std::optional<nn::Mlp<double>> net;
  if (options.scalar) {
    if (options.sample >= spec.x->rows())
      throw InputError(fmt::format("{}: --sample {} is out of range; x has {} rows",
                                   io::shown(options.model), options.sample, spec.x->rows()));
    const auto x = row_of(*spec.x, options.sample);
    const auto y = row_of(nn::dense_targets(*spec.loss, spec.y->view(),
                                            Shape{spec.x->rows(), spec.layers.back().W.cols()}),
                          options.sample);
    L = reference::record_scalar_network<double>(tape, spec.layers, x, y, *spec.loss).loss;
  } else {
    net = io::to_mlp<double>(spec);
    L = record_loss(tape, *net, spec);
  }
  require_finite_forward(tape, io::shown(options.model));
  tape.backward(L);

  viz::GraphOptions graph;
  graph.backward_edges = options.backward_edges;
  graph.collapse = options.collapse;
  // The warning is about drawing: a JSON dump has no layout to wait for.
  const std::string dot = options.json ? viz::to_json(tape, L, graph) : viz::to_dot(tape, L, graph);
  if (!options.json) {
    if (const std::string warning = viz::slow_render_warning(viz::graphviz::count_nodes(dot)); !warning.empty())
      fmt::print(stderr, "warning: {}\n", warning);
  }
  if (!options.output) {
    fmt::print("{}", dot);
    return 0;
  }
  const auto& path = *options.output;
  io::write_file(path, dot);
  if (options.svg) {
    viz::RenderResult rendered;
    try {
      rendered = viz::render_dot(path);
    } catch (const viz::graphviz::Error& e) {
      throw InputError(fmt::format("{}: {}", io::shown(path), e.what()));
    }
    if (!rendered.rendered) throw InputError(fmt::format("{}: {}", io::shown(path), rendered.message));
    fmt::print(stderr, "{}\n", rendered.message);
  }
  return 0;
}

}  // namespace

Command add_dot_command(CLI::App& app) {
  auto options = std::make_shared<DotOptions>();
  auto* command = app.add_subcommand(
      "dot", "Print the tape recorded for MODEL.json's loss as a Graphviz DOT graph.");
  add_input(command, "MODEL.json", "--model", options->model, "model file (JSON model format)")
      ->required();
  add_input(command, "DATA.csv", "--data", options->data,
            "take x and y from this CSV (last column the label) instead of the model file");
  command->add_option("-o,--output", options->output, "write the DOT text to FILE (- or none: stdout)");
  command->add_flag("--scalar", options->scalar,
                    "record neuron by neuron, one * or + per term, as the derivation writes it "
                    "(one sample, see --sample)");
  command->add_option("--sample", options->sample, "the row of x that --scalar records")
      ->capture_default_str();
  command->add_flag("--svg", options->svg,
                    "also render FILE.svg and FILE.png next to the -o file with Graphviz");
  command->add_flag("--backward-edges", options->backward_edges,
                    "add dashed edges for the gradient flow");
  command->add_flag("--collapse", options->collapse,
                    "draw one box per layer (for graphs too big for Graphviz to draw quickly)");
  command->add_flag("--json", options->json,
                    "print the graph as JSON (the graph dump of docs/graph-format.md) instead of DOT");
  return {command, [options] { return run_dot(*options); }};
}

}  // namespace tapegrad::tools
