// Backprop view: a model file's backward pass as the step-through page, with the hand derivation.
#include "viz/backprop_view.hpp"

#include <fstream>

#include <fmt/format.h>

#include "io/file.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "reference/scalar_network.hpp"
#include "io/model_io.hpp"

namespace tapegrad::viz {

namespace {

Tensor<double> entry(const Tensor<double>& t, std::uint32_t i, std::uint32_t j) {
  return Tensor<double>::scalar(t(i, j));
}

Tensor<double> row_of(const Tensor<double>& t, std::uint32_t i) {
  return Tensor<double>::from(t.span().subspan(std::size_t{i} * t.cols(), t.cols()),
                              Shape{1, t.cols()});
}

}  // namespace

std::map<std::string, Tensor<double>> hand_gradient_names(const reference::HandGradients<double>& hand,
                                                          bool scalar) {
  std::map<std::string, Tensor<double>> names;
  const std::size_t L = hand.depth();
  for (std::size_t k = 0; k <= L; ++k) {
    const bool last = k == L;
    if (!scalar) {
      names[last ? "y_hat" : fmt::format("a^[{}]", k)] = hand.g_a[k];
      if (k == 0) continue;
      names[fmt::format("z^[{}]", k)] = hand.g_z[k];
      names[fmt::format("W^[{}]", k)] = hand.g_W[k];
      names[fmt::format("b^[{}]", k)] = hand.g_b[k];
      continue;
    }
    const std::uint32_t n = hand.g_a[k].cols();
    for (std::uint32_t j = 0; j < n; ++j) {
      const std::string a = !last ? fmt::format("a_{}^[{}]", j + 1, k)
                            : n == 1 ? std::string("y_hat") : fmt::format("y_hat_{}", j + 1);
      names[a] = entry(hand.g_a[k], 0, j);
      if (k == 0) continue;
      names[fmt::format("z_{}^[{}]", j + 1, k)] = entry(hand.g_z[k], 0, j);
      names[fmt::format("b_{}^[{}]", j + 1, k)] = entry(hand.g_b[k], 0, j);
      for (std::uint32_t i = 0; i < hand.g_W[k].rows(); ++i)
        names[fmt::format("W_{},{}^[{}]", i + 1, j + 1, k)] = entry(hand.g_W[k], i, j);
    }
  }
  return names;
}

std::string backprop_view_html(const io::ModelSpec& spec, const BackpropViewOptions& options,
                               std::string* expected) {
  if (!spec.x || !spec.y || !spec.loss)
    throw io::ModelFormatError("view: the model file needs x, y and a loss to run backward");
  nn::Mlp<double> net = io::to_mlp<double>(spec);
  Tape<double> tape;
  Var<double> L;
  Tensor<double> x = *spec.x;
  Tensor<double> y = nn::dense_targets(*spec.loss, spec.y->view(), Shape{x.rows(), net.outputs()});
  if (options.scalar) {
    if (options.sample >= x.rows())
      throw io::ModelFormatError(fmt::format("view: sample {} is out of range; x has {} rows",
                                         options.sample, x.rows()));
    x = row_of(*spec.x, options.sample);
    y = row_of(y, options.sample);
    L = reference::record_scalar_network<double>(tape, spec.layers, x, y, *spec.loss).loss;
  } else {
    const auto output = net.forward(tape.input(x));
    const auto y_var = tape.input(y);
    tape.set_name(y_var, "y");
    L = nn::loss(*spec.loss, output, y_var, spec.reduction);
  }
  tape.backward(L);
  // The scalar view's loss sums over its one sample, like a mean over one row.
  const auto hand = reference::hand_backprop(net, x, y, *spec.loss,
                                  options.scalar ? Reduction::sum : spec.reduction);

  ViewOptions view;
  view.title = options.title.empty()
                   ? fmt::format("tapegrad: backpropagation step by step ({} view)",
                                 options.scalar ? "scalar" : "tensor")
                   : options.title;
  view.hand_gradients = hand_gradient_names(hand, options.scalar);
  std::string page = to_html_view(tape, L, view);
  if (expected) *expected = engine_gradients_json(tape);
  return page;
}

void write_backprop_view(const io::ModelSpec& spec, const std::filesystem::path& html,
                         const BackpropViewOptions& options,
                         const std::filesystem::path& expected) {
  std::string gradients;
  const std::string page = backprop_view_html(spec, options, expected.empty() ? nullptr : &gradients);
  io::write_file(html, page);
  if (!expected.empty()) io::write_file(expected, gradients);
}

}  // namespace tapegrad::viz
