// Classification: what examples/breast_cancer and examples/digits share, loading a CSV data set
// (standardised, 25% test split) and training with nn::fit on mini-batches of 32 with a progress table.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "nn/nn.hpp"

namespace examples {

using tapegrad::Tensor;

/// A data set split into training and test parts; x standardised on the training part.
struct ClassificationData {
  tapegrad::nn::Dataset<double> train;  ///< x (m_train, n); y (m_train, 1), or (m_train, classes) one-hot
  tapegrad::nn::Dataset<double> test;   ///< the same for the m_test test rows
};

/// Reads `dir/file` (last column = label), splits off 25% for testing (shuffled by `seed`) and
/// standardises with the training part's mean and deviation. With `classes` > 0 the labels
/// become one-hot rows (1, classes); with 0 they stay one column. Throws io::CsvError on bad data.
inline ClassificationData load_classification(const std::string& dir, const std::string& file, std::uint64_t seed,
                                              std::uint32_t classes = 0) {
  const auto table = tapegrad::io::read_csv(std::filesystem::path(dir) / file);
  const auto split = tapegrad::nn::train_test_split(
      tapegrad::nn::split_features_labels<double>(table.values), 0.25, seed);
  const auto scaler = tapegrad::nn::Standardizer<double>::fit(split.train.x);  // fit on train only
  ClassificationData data{{scaler.apply(split.train.x), split.train.y}, {scaler.apply(split.test.x), split.test.y}};
  if (classes > 0) {
    data.train.y = tapegrad::nn::one_hot(split.train.y, classes);
    data.test.y = tapegrad::nn::one_hot(split.test.y, classes);
  }
  return data;
}

/// Trains `net` with nn::fit for `epochs` passes over mini-batches of 32 (shuffled by `seed`),
/// printing the training loss and the train and test accuracy after epoch 1, every epochs/6 and
/// the last one. Returns the test accuracy in [0, 1].
inline double train_classifier(tapegrad::nn::Mlp<double>& net, tapegrad::nn::Optimizer<double>& optimizer,
                               tapegrad::nn::LossKind kind, const ClassificationData& data, long epochs,
                               std::uint64_t seed) {
  using namespace tapegrad;
  const auto test_accuracy = [&] { return nn::accuracy(net.predict(data.test.x), data.test.y); };
  fmt::print("{:>5}  {:>10}  {:>9}  {:>9}\n", "epoch", "loss", "train", "test");
  const auto every = static_cast<std::uint32_t>(std::max(1L, epochs / 6));
  nn::fit(net, optimizer, data.train,
          {.epochs = static_cast<std::uint32_t>(epochs), .batch = 32, .loss = kind, .seed = seed},
          {.on_epoch = [&](nn::Trainer<double>&, const nn::EpochRecord& r) {
            if (r.epoch == 1 || r.epoch % every == 0 || r.epoch == epochs)
              fmt::print("{:>5}  {:>10.6f}  {:>8.1f}%  {:>8.1f}%\n", r.epoch, r.train_loss,
                         100 * r.train_accuracy, 100 * test_accuracy());
          }});
  return test_accuracy();
}

}  // namespace examples
