// Tensor: a dense row-major value of rank <= 2, float or double (or Dual of either).
#pragma once

#include <cassert>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "autograd/dual.hpp"
#include "autograd/random.hpp"
#include "autograd/shape.hpp"

namespace tapegrad {

/// A read-only window on row-major values owned elsewhere (a Tensor or a tape).
template <class T>
struct TensorView {
  const T* data = nullptr;
  Shape shape;

  std::size_t size() const { return shape.size(); }
  std::uint32_t rows() const { return shape.rows; }
  std::uint32_t cols() const { return shape.cols; }
  T operator()(std::size_t i, std::size_t j) const {
    assert(i < shape.rows && j < shape.cols);
    return data[i * shape.cols + j];
  }
  T operator[](std::size_t k) const {
    assert(k < size());
    return data[k];
  }
  std::span<const T> span() const { return {data, size()}; }
  const T* begin() const { return data; }
  const T* end() const { return data + size(); }
};

/// Dense row-major rows x cols values; a scalar is (1, 1), a sample a (1, n) row.
template <class T>
class Tensor {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || is_dual<T>,
                "tapegrad tensors hold float or double (or their duals, for forward mode)");

 public:
  using value_type = T;

  Tensor() : shape_{0, 0} {}
  Tensor(Shape shape, T fill) : shape_(shape), data_(shape.size(), fill) {}

  /// From nested lists, one inner list per row: `Tensor<double>{{1, 2}, {3, 4}}`.
  Tensor(std::initializer_list<std::initializer_list<T>> rows) {
    shape_ = {static_cast<std::uint32_t>(rows.size()),
              rows.size() ? static_cast<std::uint32_t>(rows.begin()->size()) : 0u};
    data_.reserve(shape_.size());
    for (const auto& row : rows) {
      if (row.size() != shape_.cols)
        throw ShapeError(fmt::format("tensor: ragged rows; row 0 has {} values, row {} has {}",
                                     shape_.cols, data_.size() / (shape_.cols ? shape_.cols : 1u),
                                     row.size()));
      data_.insert(data_.end(), row.begin(), row.end());
    }
  }

  explicit Tensor(TensorView<T> view) : shape_(view.shape), data_(view.begin(), view.end()) {}

  static Tensor zeros(Shape shape) { return Tensor(shape, T(0)); }
  static Tensor ones(Shape shape) { return Tensor(shape, T(1)); }
  static Tensor full(Shape shape, T value) { return Tensor(shape, value); }
  static Tensor scalar(T value) { return Tensor(Shape{1, 1}, value); }

  /// Copies `values` (row-major, exactly shape.size() of them).
  static Tensor from(std::span<const T> values, Shape shape) {
    if (values.size() != shape.size())
      throw ShapeError(fmt::format("tensor: buffer holds {} values; shape {} needs {}",
                                   values.size(), shape, shape.size()));
    Tensor t;
    t.shape_ = shape;
    t.data_.assign(values.begin(), values.end());
    return t;
  }

  /// Uniform in [low, high), drawn row by row from `generator`.
  static Tensor uniform(Shape shape, Generator& generator, double low = 0.0, double high = 1.0) {
    Tensor t(shape, T(0));
    for (auto& x : t.data_) x = static_cast<T>(generator.uniform(low, high));
    return t;
  }

  /// Normal(mean, stddev), drawn row by row from `generator`.
  static Tensor normal(Shape shape, Generator& generator, double mean = 0.0,
                       double stddev = 1.0) {
    Tensor t(shape, T(0));
    for (auto& x : t.data_) x = static_cast<T>(generator.normal(mean, stddev));
    return t;
  }

  Shape shape() const { return shape_; }
  std::uint32_t rows() const { return shape_.rows; }
  std::uint32_t cols() const { return shape_.cols; }
  std::size_t size() const { return data_.size(); }

  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  std::span<T> span() { return data_; }
  std::span<const T> span() const { return data_; }
  T* begin() { return data_.data(); }
  T* end() { return data_.data() + data_.size(); }
  const T* begin() const { return data_.data(); }
  const T* end() const { return data_.data() + data_.size(); }

  T& operator()(std::size_t i, std::size_t j) {
    assert(i < shape_.rows && j < shape_.cols);
    return data_[i * shape_.cols + j];
  }
  T operator()(std::size_t i, std::size_t j) const {
    assert(i < shape_.rows && j < shape_.cols);
    return data_[i * shape_.cols + j];
  }
  T& operator[](std::size_t k) { return data_[k]; }
  T operator[](std::size_t k) const { return data_[k]; }

  /// The single value of a (1, 1) tensor.
  T item() const {
    if (!shape_.is_scalar())
      throw ShapeError(fmt::format("item: value is not a scalar; shape is {}", shape_));
    return data_[0];
  }

  TensorView<T> view() const { return {data_.data(), shape_}; }
  operator TensorView<T>() const { return view(); }

  void fill(T value) { data_.assign(data_.size(), value); }

  friend bool operator==(const Tensor&, const Tensor&) = default;

 private:
  Shape shape_;
  std::vector<T> data_;
};

}  // namespace tapegrad

/// Formats as nested lists, `[[1, 2], [3, 4]]`; an element spec applies to each
/// value: `fmt::format("{:.3f}", t)`. The body is compiled once, in the library
/// (autograd/format.cpp, for float, double and their duals): fmt's number
/// formatting is the largest code a user's file would otherwise compile.
template <class T>
struct fmt::formatter<tapegrad::TensorView<T>> : fmt::formatter<T> {
  auto format(const tapegrad::TensorView<T>& t, format_context& ctx) const
      -> format_context::iterator;
};

template <class T>
struct fmt::formatter<tapegrad::Tensor<T>> : fmt::formatter<tapegrad::TensorView<T>> {
  auto format(const tapegrad::Tensor<T>& t, format_context& ctx) const
      -> format_context::iterator {
    return fmt::formatter<tapegrad::TensorView<T>>::format(t.view(), ctx);
  }
};
