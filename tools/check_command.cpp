// tapegrad check: autodiff, the hand derivation and finite differences side by side.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "io/file.hpp"
#include "reference/check.hpp"
#include "io/model_format.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"
#include "tools/options.hpp"
#include "tools/record.hpp"

namespace tapegrad::tools {

namespace {

struct CheckCommandOptions {
  std::filesystem::path model;
  std::optional<std::filesystem::path> data;
  bool json = false;
  bool typo_sigmoid = false;
  reference::CheckOptions check;
};

std::string difference_json(const reference::Difference& d) {
  return fmt::format(R"({{"abs": {}, "rel": {}}})", io::format_json_number(d.abs),
                     io::format_json_number(d.rel));
}

std::string report_json(const reference::CheckReport& r) {
  std::string out = fmt::format(
      "{{\n  \"passed\": {},\n  \"loss\": {{\"autodiff\": {}, \"hand\": {}}},\n"
      "  \"tolerances\": {{\"hand\": {}, \"fd\": {}, \"eps\": {}}},\n  \"parameters\": [\n",
      r.passed(), io::format_json_number(r.loss_autodiff), io::format_json_number(r.loss_hand),
      io::format_json_number(r.options.hand_tolerance),
      io::format_json_number(r.options.fd_tolerance), io::format_json_number(r.options.eps));
  for (std::size_t k = 0; k < r.parameters.size(); ++k) {
    const auto& p = r.parameters[k];
    out += fmt::format(
        "    {{\"name\": \"{}\", \"shape\": [{}, {}], \"autodiff_hand\": {}, \"autodiff_fd\": {}, "
        "\"hand_fd\": {}, \"passed\": {}}}{}\n",
        p.name, p.shape.rows, p.shape.cols, difference_json(p.autodiff_hand),
        difference_json(p.autodiff_fd), difference_json(p.hand_fd), p.passed,
        k + 1 < r.parameters.size() ? "," : "");
  }
  return out + "  ]\n}\n";
}

int run_check(CheckCommandOptions options) {
  const io::ModelSpec spec = read_model_with_data(options.model, options.data, "check");
  require_finite_loss(spec, io::shown(options.model));
  if (options.typo_sigmoid) options.check.hand = reference::typo_sigmoid<double>();
  const reference::CheckReport report = reference::check_gradients(spec, options.check);
  if (options.json)
    fmt::print("{}", report_json(report));
  else
    fmt::print("{}", fmt::format("{}", report));
  return report.passed() ? 0 : 1;
}

}  // namespace

Command add_check_command(CLI::App& app) {
  auto options = std::make_shared<CheckCommandOptions>();
  auto* command = app.add_subcommand(
      "check",
      "Compare autodiff, the hand derivation and central finite differences on "
      "MLP MODEL.json; exit 1 if they disagree.");
  add_input(command, "MODEL.json", "--model", options->model, "model file (JSON model format)")
      ->required();
  add_input(command, "DATA.csv", "--data", options->data,
            "take x and y from this CSV (last column the label) instead of the model file");
  command->add_flag("--json", options->json, "print the comparison as JSON");
  command->add_option("--eps", options->check.eps, "finite-difference step")
      ->capture_default_str()
      ->check(positive_number());
  command->add_option("--hand-tolerance", options->check.hand_tolerance,
                      "largest relative difference allowed between autodiff and hand derivation")
      ->capture_default_str()
      ->check(non_negative_number());
  command->add_option("--fd-tolerance", options->check.fd_tolerance,
                      "largest relative difference allowed against finite differences")
      ->capture_default_str()
      ->check(non_negative_number());
  command->add_flag("--typo-sigmoid", options->typo_sigmoid,
                    "plant the sign typo (sigmoid written 1 / (1 - e^-z)) in the hand "
                    "derivation, to see the check catch it");
  return {command, [options] { return run_check(*options); }};
}

}  // namespace tapegrad::tools
