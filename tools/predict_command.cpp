// tapegrad predict: a saved model's prediction for every row of a CSV file.
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "io/model_format.hpp"
#include "io/model_io.hpp"
#include "nn/dataset.hpp"
#include "io/file.hpp"
#include "nn/mlp.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"
#include "tools/options.hpp"

namespace tapegrad::tools {

namespace {

struct PredictOptions {
  std::filesystem::path model;
  std::filesystem::path data;
  bool scores = false;
  bool logits = false;
  bool outputs = false;
};

// The class of one output row: 0/1 by the 0.5 threshold for one output, else the argmax.
std::uint32_t class_of(TensorView<double> y_hat, std::uint32_t i) {
  if (y_hat.cols() == 1) return y_hat(i, 0) >= 0.5 ? 1 : 0;
  std::uint32_t best = 0;
  for (std::uint32_t j = 1; j < y_hat.cols(); ++j)
    if (y_hat(i, j) > y_hat(i, best)) best = j;
  return best;
}

// Class probabilities from the logits z^[L]: the sigmoid of a sigmoid output
// (or of one identity output), the softmax of several identity outputs, as
// BCEWithLogitsLoss and CrossEntropyLoss read them. Other outputs (a
// regression's) have none.
Tensor<double> probabilities(const io::ModelSpec& spec, TensorView<double> z,
                             std::string_view source) {
  const auto g = spec.layers.back().activation;
  const bool regression =
      spec.loss && (*spec.loss == nn::LossKind::mse || *spec.loss == nn::LossKind::half_sse);
  if (regression || (g != nn::Activation::sigmoid && g != nn::Activation::identity))
    throw InputError(
        fmt::format("{}: a {} output{} gives no probabilities; --logits prints the raw "
                    "outputs",
                    source, nn::activation_name(g),
                    spec.loss ? fmt::format(" with loss {}", nn::loss_name(*spec.loss)) : ""));
  Tensor<double> p(z);
  if (g == nn::Activation::sigmoid || z.cols() == 1) {
    for (auto& v : p) v = sigmoid_value(v);
    return p;
  }
  for (std::uint32_t i = 0; i < p.rows(); ++i) {
    double max = z(i, 0), total = 0;
    for (std::uint32_t j = 1; j < p.cols(); ++j) max = std::max(max, z(i, j));
    for (std::uint32_t j = 0; j < p.cols(); ++j) total += p(i, j) = std::exp(z(i, j) - max);
    for (std::uint32_t j = 0; j < p.cols(); ++j) p(i, j) /= total;
  }
  return p;
}

int run_predict(const PredictOptions& o) {
  require_one_stream({{"MODEL.json", &o.model}, {"DATA.csv", &o.data}});
  const io::ModelSpec spec = io::read_model(o.model);
  auto net = io::to_mlp<double>(spec);
  const std::uint32_t inputs = net.inputs();
  io::CsvTable table = io::read_csv(o.data);
  const std::string source = io::shown(o.data);
  const std::uint32_t cols = table.values.cols();
  if (table.values.rows() == 0) throw InputError(fmt::format("{}: no data rows", source));
  if (cols != inputs && cols != inputs + 1)
    throw InputError(fmt::format("{}: has {} columns, but {} has {} inputs (expected {}, or {} "
                                 "with a label column)",
                                 source, cols, io::shown(o.model), inputs, inputs, inputs + 1));

  const bool labelled = cols == inputs + 1;
  LabelledData data;
  if (labelled) {
    data = labelled_data(std::move(table), source, net.outputs());
  } else {
    data.x = table.values;
  }
  Tape<double> tape;
  tape.set_naming(false);
  const auto output = net.forward(tape.input(data.x));
  const Tensor<double> y_hat(output.a.value());
  for (const auto& [what, values] : {std::pair{"output", output.a.value()}, std::pair{"logit", output.z.value()}})
    for (std::size_t k = 0; k < values.size(); ++k)
      if (!std::isfinite(values.data[k]))
        throw InputError(fmt::format("{}: the forward pass overflows on row {} of {}: {} {} is "
                                     "{}; the model's weights or data are too large for doubles",
                                     io::shown(o.model), k / values.cols() + 1, source, what,
                                     k % values.cols() + 1, values.data[k]));

  std::string out;
  if (o.logits || o.scores || o.outputs) {
    const Tensor<double> printed = o.logits    ? Tensor<double>(output.z.value())
                                   : o.outputs ? y_hat
                                               : probabilities(spec, output.z.value(), io::shown(o.model));
    for (std::uint32_t i = 0; i < printed.rows(); ++i) out += io::format_json_row(printed, i) + '\n';
  } else {
    for (std::uint32_t i = 0; i < y_hat.rows(); ++i) out += fmt::format("{}\n", class_of(y_hat, i));
  }
  fmt::print("{}", out);
  if (labelled) {
    const double acc = nn::accuracy(y_hat, data.y);
    fmt::print(stderr, "accuracy {:.2f}% on {} labelled rows of {}\n", 100.0 * acc, y_hat.rows(),
               source);
  }
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  auto* command = app.add_subcommand(
      "predict", "Print MODEL.json's prediction for each row of a CSV file, one per line.");
  add_input(command, "MODEL.json", "--model", o->model, "model file (JSON model format)")->required();
  add_input(command, "DATA.csv", "--data", o->data,
            "CSV file of features, optionally followed by a label column")
      ->required();
  auto* scores = command->add_flag(
      "--scores", o->scores,
      "print class probabilities (a JSON list per line): the sigmoid of one output, the softmax "
      "of several");
  auto* logits = command->add_flag("--logits", o->logits,
                                   "print the pre-activations z^[L] of the last layer (a JSON list per line)");
  command->add_flag("--outputs", o->outputs,
                    "print the network's outputs a^[L] = g(z^[L]) (a JSON list per line), e.g. a "
                    "regression's values")
      ->excludes(scores)
      ->excludes(logits);
  logits->excludes(scores);
  return {command, [o] { return run_predict(*o); }};
}

}  // namespace tapegrad::tools
