// tapegrad hessian: the loss of a model file, its Hessian in all parameters and the eigenvalues, as JSON.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "nn/hessian.hpp"
#include "nn/mlp.hpp"
#include "io/file.hpp"
#include "io/model_format.hpp"
#include "io/model_io.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"
#include "tools/options.hpp"

namespace tapegrad::tools {

namespace {

// The Hessian is P x P numbers and P Hessian-vector products: past this many
// parameters (32 MiB of doubles) the command refuses rather than run for long.
constexpr std::size_t kMaxParameters = 2048;

struct HessianOptions {
  std::filesystem::path model;
  std::optional<std::filesystem::path> data;
  bool svg = false;
};

// A colour for v in [-1, 1] on a diverging scale: blue below 0, white at 0, red
// above; the intensity is sqrt(|v|), so that the small entries of the early
// layers stay visible beside the large ones near the loss.
std::string diverging_colour(double v) {
  const double t = std::sqrt(std::min(1.0, std::abs(v)));
  const auto mix = [t](int from, int to) { return static_cast<int>(std::lround(from + (to - from) * t)); };
  return v < 0 ? fmt::format("#{:02x}{:02x}{:02x}", mix(255, 33), mix(255, 102), mix(255, 172))
               : fmt::format("#{:02x}{:02x}{:02x}", mix(255, 178), mix(255, 24), mix(255, 43));
}

// `W^[1]` as SVG text: W with the layer as a superscript.
std::string svg_name(std::string_view name) {
  const std::size_t hat = name.find('^');
  if (hat == std::string_view::npos) return std::string(name);
  return fmt::format("{}<tspan baseline-shift=\"super\" font-size=\"9\">{}</tspan>", name.substr(0, hat),
                     name.substr(hat + 1));
}

// The Hessian as an SVG heat map: one cell per entry (its value in a tooltip),
// lines between parameter blocks, the blocks named along both sides, a colour bar.
std::string hessian_svg(const nn::LossHessian<double>& h) {
  const std::size_t n = h.hessian.rows();
  double scale = 0;
  for (double e : h.hessian) scale = std::max(scale, std::abs(e));
  if (scale == 0) scale = 1;
  const double cell = n ? std::clamp(520.0 / static_cast<double>(n), 2.0, 20.0) : 20.0;
  const double left = 70, top = 76, side = cell * static_cast<double>(n);
  const double width = left + side + 120, height = top + side + 24;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
      "viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"Helvetica, Arial, sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2:.1f}\" y=\"20\" font-size=\"14\">Hessian of the loss in its {3} parameters "
      "(loss {4:.6g})</text>\n<text x=\"{2:.1f}\" y=\"37\" fill=\"#495057\">red positive, blue "
      "negative; colour intensity sqrt(|H| / max |H|)</text>\n",
      width, height, left, n, h.loss);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      out += fmt::format("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\"><title>H({}, {}) = {:.6g}</title></rect>\n",
                         left + cell * static_cast<double>(j), top + cell * static_cast<double>(i),
                         cell, cell, diverging_colour(h.hessian(i, j) / scale), i, j, h.hessian(i, j));
  for (const nn::ParameterBlock& p : h.parameters) {
    const double at = cell * static_cast<double>(p.offset);
    const double size = cell * static_cast<double>(p.shape.size());
    if (p.offset > 0)
      out += fmt::format("<path d=\"M{0:.2f} {1:.2f}H{2:.2f}M{3:.2f} {4:.2f}V{5:.2f}\" stroke=\"#495057\" stroke-width=\"0.8\"/>\n",
                         left, top + at, left + side, left + at, top, top + side);
    out += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>\n",
                       left - 6, top + at + size / 2, svg_name(p.name));
    out += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" text-anchor=\"middle\">{}</text>\n",
                       left + at + size / 2, top - 7, svg_name(p.name));
  }
  out += fmt::format("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"none\" stroke=\"#343a40\" stroke-width=\"1.5\"/>\n",
                     left, top, side, side);
  // The colour bar: +max |H| at the top, -max |H| at the bottom.
  const double bar_x = left + side + 24, steps = 40, bar_h = std::min(side, 240.0);
  for (int k = 0; k < steps; ++k) {
    const double v = 1 - 2 * (k + 0.5) / steps;
    out += fmt::format("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"14\" height=\"{:.2f}\" fill=\"{}\"/>\n",
                       bar_x, top + bar_h * k / steps, bar_h / steps + 0.5, diverging_colour(v));
  }
  for (double v : {1.0, 0.25, 0.0, -0.25, -1.0})
    out += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" dominant-baseline=\"middle\">{:.3g}</text>\n",
                       bar_x + 20, top + bar_h * (1 - v) / 2, v * scale);
  return out + "</svg>\n";
}

int run_hessian(const HessianOptions& options) {
  const io::ModelSpec spec = read_model_with_data(options.model, options.data, "hessian");
  auto net = io::to_mlp<double>(spec);
  if (net.parameter_count() > kMaxParameters)
    throw InputError(fmt::format(
        "{}: has {} parameters; hessian computes at most {} (a {} x {} matrix)",
        io::shown(options.model), net.parameter_count(), kMaxParameters, net.parameter_count(),
        net.parameter_count()));
  const nn::LossHessian<double> h =
      nn::loss_hessian(net, *spec.loss, spec.x->view(), spec.y->view(), spec.reduction);
  if (options.svg) {
    fmt::print("{}", hessian_svg(h));
    return 0;
  }
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
  add_input(command, "MODEL.json", "--model", options->model, "model file (JSON model format)")
      ->required();
  add_input(command, "DATA.csv", "--data", options->data,
            "take x and y from this CSV (last column the label) instead of the model file");
  command->add_flag("--svg", options->svg,
                    "print the Hessian as an SVG heat map (red positive, blue negative) instead "
                    "of JSON");
  return {command, [options] { return run_hessian(*options); }};
}

}  // namespace tapegrad::tools
