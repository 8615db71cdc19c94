// Dataset: column statistics, shuffles and row copies on plain tensors.
#include "nn/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

namespace tapegrad::nn {

template <class T>
Dataset<T> split_features_labels(const Tensor<double>& table) {
  if (table.cols() < 2 || table.rows() == 0)
    throw ShapeError(fmt::format(
        "split_features_labels: need at least one feature and a label column; table is {}",
        table.shape()));
  const std::uint32_t m = table.rows(), n = table.cols() - 1;
  Dataset<T> d{Tensor<T>({m, n}, T(0)), Tensor<T>({m, 1}, T(0))};
  for (std::uint32_t i = 0; i < m; ++i) {
    for (std::uint32_t j = 0; j < n; ++j) d.x(i, j) = static_cast<T>(table(i, j));
    d.y(i, 0) = static_cast<T>(table(i, n));
  }
  return d;
}

template <class T>
Standardizer<T> Standardizer<T>::fit(const Tensor<T>& x, const SumParts& across) {
  if (!across) check_nonempty("standardize", x.shape());
  const std::uint32_t n = x.cols();
  // Column sums, then sums of squared deviations: two passes, as the one-pass
  // formula loses digits; each part sums its rows and `across` adds the parts.
  std::vector<double> sums(n + 1, 0.0);
  for (std::uint32_t j = 0; j < n; ++j)
    for (std::uint32_t i = 0; i < x.rows(); ++i) sums[j] += x(i, j);
  sums[n] = x.rows();
  if (across) across(sums);
  const double m = sums[n];
  if (m == 0) check_nonempty("standardize", Shape{0, n});
  std::vector<double> squares(n, 0.0);
  for (std::uint32_t j = 0; j < n; ++j) {
    const double mean = sums[j] / m;
    for (std::uint32_t i = 0; i < x.rows(); ++i) squares[j] += (x(i, j) - mean) * (x(i, j) - mean);
  }
  if (across) across(squares);
  Standardizer s;
  s.mean_ = Tensor<T>({1, n}, T(0));
  s.stddev_ = Tensor<T>({1, n}, T(0));
  for (std::uint32_t j = 0; j < n; ++j) {
    s.mean_[j] = static_cast<T>(sums[j] / m);
    s.stddev_[j] = static_cast<T>(std::sqrt(squares[j] / m));
  }
  return s;
}

template <class T>
Tensor<T> Standardizer<T>::apply(const Tensor<T>& x) const {
  if (x.cols() != mean_.cols())
    fail_shapes("standardize", "column counts differ", "x", x.shape(), "mean", mean_.shape());
  Tensor<T> out = x;
  for (std::uint32_t i = 0; i < x.rows(); ++i)
    for (std::uint32_t j = 0; j < x.cols(); ++j) {
      const T centred = x(i, j) - mean_[j];
      out(i, j) = stddev_[j] > T(0) ? centred / stddev_[j] : centred;
    }
  return out;
}

void shuffle_indices(std::vector<std::uint32_t>& order, std::uint32_t n, Generator& generator) {
  order.resize(n);
  std::iota(order.begin(), order.end(), 0u);
  for (std::uint32_t i = n; i > 1; --i) std::swap(order[i - 1], order[generator.below(i)]);
}

template <class T>
void gather_rows(const Tensor<T>& source, std::span<const std::uint32_t> index, Tensor<T>& batch) {
  const Shape shape{static_cast<std::uint32_t>(index.size()), source.cols()};
  if (batch.shape() != shape) batch = Tensor<T>(shape, T(0));
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (index[i] >= source.rows())
      throw std::out_of_range(fmt::format("gather_rows: row {} of a table with {} rows", index[i],
                                          source.rows()));
    const T* row = source.data() + std::size_t{index[i]} * source.cols();
    std::copy(row, row + source.cols(), batch.data() + i * source.cols());
  }
}

SplitRows split_rows(std::uint32_t m, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0 && test_fraction < 1))
    throw std::invalid_argument(
        fmt::format("train_test_split: test fraction {} is not between 0 and 1", test_fraction));
  const auto test_size = static_cast<std::uint32_t>(std::lround(test_fraction * m));
  if (test_size == 0 || test_size >= m)
    throw std::invalid_argument(fmt::format(
        "train_test_split: {} samples cannot be split with test fraction {}", m, test_fraction));
  Generator generator(seed);
  std::vector<std::uint32_t> order;
  shuffle_indices(order, m, generator);
  SplitRows out;
  out.test.assign(order.begin(), order.begin() + test_size);
  out.train.assign(order.begin() + test_size, order.end());
  return out;
}

template <class T>
TrainTest<T> train_test_split(const Dataset<T>& data, double test_fraction, std::uint64_t seed) {
  const SplitRows rows = split_rows(data.size(), test_fraction, seed);
  TrainTest<T> out;
  gather_rows(data.x, rows.train, out.train.x);
  gather_rows(data.y, rows.train, out.train.y);
  gather_rows(data.x, rows.test, out.test.x);
  gather_rows(data.y, rows.test, out.test.y);
  return out;
}

SplitRows split_rows(std::uint32_t m, double val_fraction, double test_fraction, std::uint64_t seed,
                     std::string_view what) {
  const auto part = [&](double fraction, std::string_view name) {
    if (!(fraction >= 0 && fraction < 1))
      throw std::invalid_argument(
          fmt::format("{}: {} fraction {} is not in [0, 1)", what, name, fraction));
    const auto n = static_cast<std::uint32_t>(std::lround(fraction * m));
    if (fraction > 0 && n == 0)
      throw std::invalid_argument(
          fmt::format("{}: {} fraction {} of {} samples is no sample", what, name, fraction, m));
    return n;
  };
  const std::uint32_t test = part(test_fraction, "test"), val = part(val_fraction, "validation");
  if (std::uint64_t{test} + val >= m)
    throw std::invalid_argument(
        fmt::format("{}: {} test and {} validation samples leave none of {} to train on", what,
                    test, val, m));
  Generator generator(seed);
  std::vector<std::uint32_t> order;
  shuffle_indices(order, m, generator);
  SplitRows out;
  out.test.assign(order.begin(), order.begin() + test);
  out.validation.assign(order.begin() + test, order.begin() + test + val);
  out.train.assign(order.begin() + test + val, order.end());
  return out;
}

template <class T>
Splits<T> train_val_test_split(const Dataset<T>& data, double val_fraction, double test_fraction,
                               std::uint64_t seed) {
  const SplitRows rows =
      split_rows(data.size(), val_fraction, test_fraction, seed, "train_val_test_split");
  Splits<T> out;
  const auto take = [&](const std::vector<std::uint32_t>& index, Dataset<T>& d) {
    if (index.empty()) return;
    gather_rows(data.x, index, d.x);
    gather_rows(data.y, index, d.y);
  };
  take(rows.test, out.test);
  take(rows.validation, out.validation);
  take(rows.train, out.train);
  return out;
}

template <class T>
Tensor<T> one_hot(const Tensor<T>& labels, std::uint32_t classes) {
  if (labels.cols() != 1)
    throw ShapeError(fmt::format("one_hot: labels must be one column; labels is {}", labels.shape()));
  Tensor<T> out({labels.rows(), classes}, T(0));
  for (std::uint32_t i = 0; i < labels.rows(); ++i) {
    const T label = labels(i, 0);
    if (!(label >= T(0) && label < static_cast<T>(classes) && label == std::floor(label)))
      throw std::invalid_argument(fmt::format(
          "one_hot: label {} in row {} is not a class number 0..{}", label, i, classes - 1));
    out(i, static_cast<std::uint32_t>(label)) = T(1);
  }
  return out;
}

template <class T>
double accuracy(TensorView<T> y_hat, TensorView<T> y) {
  const bool class_index = y.cols() == 1 && y_hat.cols() > 1 && y.rows() == y_hat.rows();
  if (y_hat.shape != y.shape && !class_index)
    fail_shapes("accuracy", "shapes differ", "y_hat", y_hat.shape, "y", y.shape);
  check_nonempty("accuracy", y.shape);
  const auto argmax = [](const T* row, std::uint32_t n) {
    return static_cast<std::size_t>(std::max_element(row, row + n) - row);
  };
  std::size_t right = 0;
  for (std::uint32_t i = 0; i < y.rows(); ++i) {
    const T* p = y_hat.data + std::size_t{i} * y_hat.cols();
    if (class_index)
      right += static_cast<T>(argmax(p, y_hat.cols())) == y(i, 0);
    else if (y.cols() == 1)
      right += (p[0] >= T(0.5)) == (y(i, 0) >= T(0.5));
    else
      right += argmax(p, y.cols()) == argmax(y.data + std::size_t{i} * y.cols(), y.cols());
  }
  return static_cast<double>(right) / y.rows();
}

#define TAPEGRAD_INSTANTIATE(T)                                                              \
  template Dataset<T> split_features_labels<T>(const Tensor<double>&);                       \
  template class Standardizer<T>;                                                            \
  template TrainTest<T> train_test_split(const Dataset<T>&, double, std::uint64_t);          \
  template Splits<T> train_val_test_split(const Dataset<T>&, double, double, std::uint64_t); \
  template Tensor<T> one_hot(const Tensor<T>&, std::uint32_t);                               \
  template void gather_rows(const Tensor<T>&, std::span<const std::uint32_t>, Tensor<T>&);   \
  template double accuracy(TensorView<T>, TensorView<T>);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad::nn
