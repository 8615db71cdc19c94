// Backprop view: the step-through page (viz/html_view.hpp) for a model file, with the hand derivation beside it.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "viz/html_view.hpp"
#include "autograd/tensor.hpp"
#include "reference/hand_backprop.hpp"
#include "io/model_format.hpp"

namespace tapegrad::viz {

/// The hand derivation's gradients by the names the tape gives their values:
/// tensor view `a^[k]`, `z^[k]`, `W^[k]`, `b^[k]` and `y_hat` (= a^[L]); with
/// `scalar`, the scalar view's entries `a_j^[k]`, `z_j^[k]`, `W_i,j^[k]`,
/// `b_j^[k]` and `y_hat` (`y_hat_j`) of the first sample.
std::map<std::string, Tensor<double>> hand_gradient_names(const reference::HandGradients<double>& hand,
                                                          bool scalar = false);

struct BackpropViewOptions {
  bool scalar = false;       ///< record neuron by neuron (one sample: row `sample` of x)
  std::uint32_t sample = 0;  ///< the row the scalar view records
  std::string title;         ///< the page title ("" for one naming the model)
};

/// Records the model's loss on its x and y (which must be present), runs
/// backward, and returns the step-through page with the hand derivation's
/// gradients beside each step. With `expected`, also stores there the engine's
/// gradient of each step (engine_gradients_json). Throws ModelFormatError if
/// the model lacks data or a loss.
std::string backprop_view_html(const io::ModelSpec& spec, const BackpropViewOptions& options = {},
                               std::string* expected = nullptr);

/// backprop_view_html written to `html`; if `expected` is not empty, the
/// engine's gradient of each step is written there.
void write_backprop_view(const io::ModelSpec& spec, const std::filesystem::path& html,
                         const BackpropViewOptions& options = {},
                         const std::filesystem::path& expected = {});

}  // namespace tapegrad::viz
