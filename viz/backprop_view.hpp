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
/// backward, and writes the step-through page to `html` with the hand
/// derivation's gradients beside each step. If `expected` is not empty, also
/// writes the engine's gradient of each step there (engine_gradients_json).
/// Throws ModelFormatError if the model lacks data or a loss.
void write_backprop_view(const io::ModelSpec& spec, const std::filesystem::path& html,
                         const BackpropViewOptions& options = {},
                         const std::filesystem::path& expected = {});

}  // namespace tapegrad::viz
