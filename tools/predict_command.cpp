// tapegrad predict: a saved model's prediction for every row of a CSV file.
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "nn/dataset.hpp"
#include "nn/mlp.hpp"
#include "io/file.hpp"
#include "io/model_format.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"
#include "io/model_io.hpp"

namespace tapegrad::tools {

namespace {

struct PredictOptions {
  std::filesystem::path model;
  std::filesystem::path data;
  bool scores = false;
};

// The class of one output row: 0/1 by the 0.5 threshold for one output, else the argmax.
std::uint32_t class_of(TensorView<double> y_hat, std::uint32_t i) {
  if (y_hat.cols() == 1) return y_hat(i, 0) >= 0.5 ? 1 : 0;
  std::uint32_t best = 0;
  for (std::uint32_t j = 1; j < y_hat.cols(); ++j)
    if (y_hat(i, j) > y_hat(i, best)) best = j;
  return best;
}

int run_predict(const PredictOptions& o) {
  const io::ModelSpec spec = io::read_model(o.model);
  const auto net = io::to_mlp<double>(spec);
  const std::uint32_t inputs = net.inputs();
  const io::CsvTable table = io::read_csv(o.data);
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
    data = read_labelled_csv(o.data, net.outputs());
  } else {
    data.x = table.values;
  }
  const Tensor<double> y_hat = net.predict(data.x);
  for (std::size_t k = 0; k < y_hat.size(); ++k)
    if (!std::isfinite(y_hat[k]))
      throw InputError(fmt::format("{}: the forward pass overflows on row {} of {}: output {} is "
                                   "{}; the model's weights or data are too large for doubles",
                                   io::shown(o.model), k / y_hat.cols() + 1, source,
                                   k % y_hat.cols() + 1, y_hat[k]));

  std::string out;
  for (std::uint32_t i = 0; i < y_hat.rows(); ++i) {
    if (o.scores) {
      out += io::format_json_row(y_hat, i);
      out += '\n';
    } else {
      out += fmt::format("{}\n", class_of(y_hat, i));
    }
  }
  fmt::print("{}", out);
  if (labelled) {
    const double acc = nn::accuracy<double>(y_hat, data.y);
    fmt::print(stderr, "accuracy {:.2f}% on {} labelled rows of {}\n", 100.0 * acc, y_hat.rows(),
               source);
  }
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  auto* command = app.add_subcommand(
      "predict", "Print the model's prediction for each row of a CSV file, one per line.");
  command->add_option("--model", o->model, "model file (JSON model format)")->required();
  command->add_option("--data", o->data,
                      "CSV file of features, optionally followed by a label column")
      ->required();
  command->add_flag("--scores", o->scores,
                    "print the network's outputs a^[L] (a JSON list per line) instead of the "
                    "class");
  return {command, [o] { return run_predict(*o); }};
}

}  // namespace tapegrad::tools
