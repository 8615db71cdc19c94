// Training plot: a run's loss and accuracy curves (train and validation) as a standalone SVG.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "nn/training.hpp"

namespace tapegrad::viz {

struct TrainingPlotOptions {
  std::string title = "training";
  std::string loss_name = "loss";           ///< the y label of the loss panel, e.g. "bce loss"
  std::optional<std::uint32_t> best_epoch;  ///< marked with a dashed line when given
  unsigned width = 800;
  unsigned height = 500;
};

/// Two panels side by side: loss per epoch (left) and accuracy in percent
/// (right), each with the training curve (solid) and, when the history has
/// validation figures (not NaN), the validation curve (dashed); axes with
/// ticks and labels, a legend. Throws std::invalid_argument for an empty history.
std::string training_plot_svg(const nn::History& history, const TrainingPlotOptions& options = {});

}  // namespace tapegrad::viz
