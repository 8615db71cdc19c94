// Training: a training run in the lab, step by step between frames, on the command line's terms.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/labelled.hpp"
#include "lab/explorer.hpp"
#include "nn/dataset.hpp"
#include "nn/fit.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "nn/training.hpp"

namespace tapegrad::lab {

/// A first look at a labelled CSV text, to fill in the form: its feature
/// count, rows, and the outputs its labels call for (the largest label + 1,
/// one per class, when the labels are whole numbers up to at least 2; else 1).
/// Throws the command line's CSV errors.
nlohmann::json probe_csv(const std::string& text, const std::string& source);

/// What `tapegrad train` takes as options, with its defaults.
struct TrainOptions {
  std::vector<std::uint32_t> layers;  ///< sizes, inputs to outputs (--layers)
  nn::Activation activation = nn::Activation::tanh;
  std::optional<nn::Activation> output_activation;
  std::optional<nn::LossKind> loss;
  std::string optimizer = "adam";
  std::optional<double> lr;  ///< default 0.01 for adam and adamw, 0.1 otherwise
  std::uint32_t batch = 32;
  std::uint32_t epochs = 100;
  std::uint64_t seed = 42;
  std::optional<double> val_fraction;  ///< default 0.2 with at least 50 rows, else 0
  double test_fraction = 0.2;
  std::uint32_t patience = 0;
};

/// A training run on a labelled CSV text (a built-in set is made as CSV text
/// first, lab/datasets.hpp), read, split and standardised as `tapegrad train`
/// does with the same options, then trained by the library's one loop
/// (nn::Trainer, as tapegrad train runs it): the same seed gives the same loss
/// curve. The page calls `run` between frames and may stop at any step. The
/// trainer holds references to the data sets, so a Training stays where it is made.
class Training {
 public:
  /// From a request: "csv" and "name" (or "set", "points", "noise", "data_seed"
  /// for a built-in set), then the options by the command line's names
  /// ("layers" as a list or "2,8,8,1", "activation", "output_activation",
  /// "loss", "optimizer", "lr", "batch", "epochs", "seed", "val_fraction",
  /// "test_fraction", "patience"). Throws with the command line's messages.
  explicit Training(const nlohmann::json& request);
  Training(const Training&) = delete;
  Training& operator=(const Training&) = delete;

  /// The data, the split and the network, and where the run is.
  nlohmann::json info() const;
  /// Runs `epochs` more epochs, or with `steps` > 0 that many optimizer steps
  /// (stopping at the run's end); returns the epochs completed meanwhile.
  nlohmann::json run(std::uint32_t epochs, std::uint32_t steps);
  /// Back to the initial weights, optimizer state and shuffles: a replay is the same run.
  void rewind();
  /// The two features and labels of every row (2-D data only), by set.
  nlohmann::json points() const;
  /// The output of the network (class 1's probability, or the class with the
  /// highest score) on an nx x ny grid of raw feature values; valid until the next call.
  const double* grid(int nx, int ny, double x0, double x1, double y0, double y1);
  /// The network as it is now and the first `rows` rows of the last mini-batch
  /// (of the training set before the first step), standardised as the network
  /// sees them, to inspect its tape.
  Explorer inspect(std::uint32_t rows) const;
  /// The trained model as `tapegrad train --save` writes it: the standardisation
  /// folded into layer 1, so it takes the file's raw features.
  std::string model_text() const;
  /// The data as CSV text, for `tapegrad train`.
  std::string csv_text() const { return csv_; }

 private:
  void start();

  TrainOptions options_;
  nn::LrSchedule schedule_;
  std::string csv_, source_;
  io::LabelledData data_;
  std::uint32_t rows_ = 0;
  nn::Dataset<double> train_, validation_, test_;
  std::optional<nn::Standardizer<double>> standardizer_;
  bool plane_ = false;

  std::unique_ptr<nn::Mlp<double>> net_;
  std::unique_ptr<nn::Optimizer<double>> optimizer_;
  std::unique_ptr<nn::Trainer<double>> trainer_;
  std::vector<double> grid_;
};

}  // namespace tapegrad::lab
