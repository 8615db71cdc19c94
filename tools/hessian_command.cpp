// tapegrad hessian: the loss of a model file, its Hessian in all parameters and the eigenvalues, as JSON.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "nn/hessian.hpp"
#include "nn/mlp.hpp"
#include "io/model_format.hpp"
#include "io/model_io.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"

namespace tapegrad::tools {

namespace {

// The Hessian is P x P numbers and P Hessian-vector products: past this many
// parameters (32 MiB of doubles) the command refuses rather than run for long.
constexpr std::size_t kMaxParameters = 2048;

struct HessianOptions {
  std::filesystem::path model;
  std::optional<std::filesystem::path> data;
};

int run_hessian(const HessianOptions& options) {
  const io::ModelSpec spec = read_model_with_data(options.model, options.data, "hessian");
  auto net = io::to_mlp<double>(spec);
  if (net.parameter_count() > kMaxParameters)
    throw InputError(fmt::format(
        "{}: has {} parameters; hessian computes at most {} (a {} x {} matrix)",
        options.model.string(), net.parameter_count(), kMaxParameters, net.parameter_count(),
        net.parameter_count()));
  const nn::LossHessian<double> h =
      nn::loss_hessian(net, *spec.loss, spec.x->view(), spec.y->view(), spec.reduction);
  const std::vector<double> eigenvalues = nn::symmetric_eigenvalues(h.hessian.view());

  // Numbers in shortest round-trip form: reading them back gives the same doubles.
  std::string out = fmt::format("{{\n  \"loss\": {},\n  \"parameters\": [\n", io::format_json_number(h.loss));
  for (std::size_t k = 0; k < h.parameters.size(); ++k) {
    const nn::ParameterBlock& p = h.parameters[k];
    out += fmt::format("    {{\"name\": \"{}\", \"shape\": [{}, {}]}}{}\n", p.name, p.shape.rows,
                       p.shape.cols, k + 1 < h.parameters.size() ? "," : "");
  }
  out += "  ],\n  \"hessian\": " + io::format_json_rows(h.hessian.view(), "  ");
  const Tensor<double> ev = Tensor<double>::from(eigenvalues, {1, static_cast<std::uint32_t>(eigenvalues.size())});
  out += ",\n  \"eigenvalues\": " + io::format_json_row(ev.view()) + "\n}\n";
  fmt::print("{}", out);
  return 0;
}

}  // namespace

Command add_hessian_command(CLI::App& app) {
  auto options = std::make_shared<HessianOptions>();
  auto* command = app.add_subcommand(
      "hessian",
      "Print the loss, its Hessian in every parameter (W^[1] row-major, b^[1], W^[2], ...) and "
      "the Hessian's eigenvalues for MODEL.json as JSON.");
  command->add_option("model", options->model, "model file (JSON model format)")->required();
  command->add_option("--data", options->data,
                      "take x and y from this CSV (last column the label) instead of the file");
  return {command, [options] { return run_hessian(*options); }};
}

}  // namespace tapegrad::tools
