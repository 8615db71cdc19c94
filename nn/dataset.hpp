// Dataset: features and labels, standardisation, a seeded train/test split, one-hot labels, batches.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "autograd/random.hpp"
#include "autograd/tensor.hpp"

namespace tapegrad::nn {

/// Samples as rows: x (m, features) and y (m, targets).
template <class T>
struct Dataset {
  Tensor<T> x;
  Tensor<T> y;
  std::uint32_t size() const { return x.rows(); }
};

/// Splits a table (m, n + 1) into features (its first n columns) and labels (its
/// last column, (m, 1)).
template <class T>
Dataset<T> split_features_labels(const Tensor<double>& table);

/// Per-column mean and standard deviation, fitted on training features and
/// applied to any features: x' = (x - mean) / stddev. A constant column
/// (stddev 0) is only centred.
template <class T>
class Standardizer {
 public:
  /// Sums a vector over every part of a data set split across processes, in
  /// place (e.g. dist::Communicator::sum).
  using SumParts = std::function<void(std::span<double>)>;

  /// Fits on x (m, n); throws ShapeError for an empty x. With `across`, x is
  /// one part of the rows, possibly (0, n), and the statistics are those of
  /// all parts' rows (a data-parallel fit: every part calls it).
  static Standardizer fit(const Tensor<T>& x, const SumParts& across = {});
  /// (x - mean) / stddev column by column; x must have the fitted column count.
  Tensor<T> apply(const Tensor<T>& x) const;
  const Tensor<T>& mean() const { return mean_; }
  const Tensor<T>& stddev() const { return stddev_; }

 private:
  Tensor<T> mean_;    // (1, n)
  Tensor<T> stddev_;  // (1, n), population standard deviation
};

template <class T>
struct TrainTest {
  Dataset<T> train;
  Dataset<T> test;
};

/// Row numbers of a split of m samples into training, validation and test sets.
struct SplitRows {
  std::vector<std::uint32_t> train;
  std::vector<std::uint32_t> validation;  ///< empty unless split_rows was given a val_fraction
  std::vector<std::uint32_t> test;
};

/// Shuffles 0..m-1 with a Generator seeded by `seed` (Fisher-Yates) and puts the
/// first round(test_fraction m) in `test`, the rest in `train`. Throws
/// std::invalid_argument unless 0 < test_fraction < 1 and both parts are non-empty.
SplitRows split_rows(std::uint32_t m, double test_fraction, std::uint64_t seed);

/// The same shuffle dealt into three: the first round(test_fraction m) rows in
/// `test` (the ones the two-way split_rows picks), the next round(val_fraction
/// m) in `validation`, the rest in `train`. Throws std::invalid_argument
/// (naming `what`, the caller) unless both fractions lie in [0, 1), a positive
/// fraction gets at least one row and `train` keeps at least one.
SplitRows split_rows(std::uint32_t m, double val_fraction, double test_fraction, std::uint64_t seed,
                     std::string_view what = "split_rows");

/// The samples of `split_rows(data.size(), test_fraction, seed)`, in its order.
template <class T>
TrainTest<T> train_test_split(const Dataset<T>& data, double test_fraction, std::uint64_t seed);

template <class T>
struct Splits {
  Dataset<T> train;
  Dataset<T> validation;  ///< empty when its fraction is 0
  Dataset<T> test;        ///< empty when its fraction is 0
};

/// Three disjoint parts from one seeded shuffle: round(test_fraction m)
/// samples in `test` (the same ones train_test_split picks), the next
/// round(val_fraction m) in `validation`, the rest in `train`. Throws
/// std::invalid_argument unless both fractions lie in [0, 1), a positive
/// fraction gets at least one sample and `train` keeps at least one.
template <class T>
Splits<T> train_val_test_split(const Dataset<T>& data, double val_fraction, double test_fraction,
                               std::uint64_t seed);

/// Labels (m, 1) holding class numbers 0..classes-1 -> (m, classes) one-hot rows.
/// Throws std::invalid_argument for a label that is not such a whole number.
template <class T>
Tensor<T> one_hot(const Tensor<T>& labels, std::uint32_t classes);

/// A random permutation of 0..n-1 (Fisher-Yates from `generator`), written into
/// `order` (resized to n, so a reused vector does not allocate).
void shuffle_indices(std::vector<std::uint32_t>& order, std::uint32_t n, Generator& generator);

/// Copies rows `index` of `source` into `batch` (resized only if its shape
/// differs, so a reused batch does not allocate).
template <class T>
void gather_rows(const Tensor<T>& source, std::span<const std::uint32_t> index, Tensor<T>& batch);

/// Fraction of rows whose prediction is right: with one column, y_hat >= 0.5
/// against a 0/1 label; with several, the argmax against the argmax of y, or
/// against y's class index when y is one column (m, 1). Throws ShapeError for
/// shapes that do not pair up.
template <class T>
double accuracy(TensorView<T> y_hat, TensorView<T> y);
/// The same on Tensors, with T deduced: `nn::accuracy(net.predict(x), y)`.
template <class T>
double accuracy(const Tensor<T>& y_hat, const Tensor<T>& y) {
  return accuracy<T>(y_hat.view(), y.view());
}

}  // namespace tapegrad::nn
