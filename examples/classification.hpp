// Classification: what examples/breast_cancer and examples/digits share, loading a CSV data set
// (standardised, 25% test split) and training with Adam on mini-batches of 32 with a progress table.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "nn/nn.hpp"

namespace examples {

using tapegrad::Tensor;

/// A data set split into training and test parts; x standardised on the training part.
struct ClassificationData {
  Tensor<double> train_x, train_y;  ///< (m_train, n) and (m_train, 1), or (m_train, classes) one-hot
  Tensor<double> test_x, test_y;    ///< (m_test, n) and (m_test, 1), or (m_test, classes) one-hot
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
  ClassificationData data{scaler.apply(split.train.x), split.train.y, scaler.apply(split.test.x), split.test.y};
  if (classes > 0) {
    data.train_y = tapegrad::nn::one_hot(split.train.y, classes);
    data.test_y = tapegrad::nn::one_hot(split.test.y, classes);
  }
  return data;
}

/// Trains `net` for `epochs` passes over shuffled mini-batches of 32 (shuffled by `seed`), printing
/// the mean loss and the train and test accuracy at epoch 1, every epochs/6 and the last one.
/// Returns the test accuracy in [0, 1].
inline double train_classifier(tapegrad::nn::Mlp<double>& net, tapegrad::nn::Adam<double>& adam,
                               tapegrad::nn::LossKind kind, const ClassificationData& data, long epochs,
                               std::uint64_t seed) {
  using namespace tapegrad;
  Tape<double> tape;
  Generator shuffle(seed);
  std::vector<std::uint32_t> order;
  Tensor<double> batch_x, batch_y;
  const std::uint32_t batch = 32;
  auto accuracy = [&](const Tensor<double>& x, const Tensor<double>& y) {
    return nn::accuracy(net.predict(x).view(), y.view());
  };
  fmt::print("{:>5}  {:>10}  {:>9}  {:>9}\n", "epoch", "loss", "train", "test");
  for (long epoch = 1; epoch <= epochs; ++epoch) {
    nn::shuffle_indices(order, data.train_x.rows(), shuffle);
    double total = 0;
    for (std::uint32_t start = 0; start < order.size(); start += batch) {
      const auto index = std::span<const std::uint32_t>(order).subspan(
          start, std::min<std::size_t>(batch, order.size() - start));
      nn::gather_rows(data.train_x, index, batch_x);
      nn::gather_rows(data.train_y, index, batch_y);
      tape.clear();
      const auto L = nn::loss(kind, net.forward(tape.input(batch_x)), tape.input(batch_y));
      adam.zero_grad();
      tape.backward(L);
      adam.step();
      total += L.item() * static_cast<double>(index.size());
    }
    if (epoch == 1 || epoch % std::max(1L, epochs / 6) == 0 || epoch == epochs)
      fmt::print("{:>5}  {:>10.6f}  {:>8.1f}%  {:>8.1f}%\n", epoch, total / data.train_x.rows(),
                 100 * accuracy(data.train_x, data.train_y), 100 * accuracy(data.test_x, data.test_y));
  }
  return accuracy(data.test_x, data.test_y);
}

}  // namespace examples
