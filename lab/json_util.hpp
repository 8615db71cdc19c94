// JSON helpers of the lab: numbers and matrices as the page reads them.
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

#include "autograd/tensor.hpp"

namespace tapegrad::lab {

/// A number, or null where JSON has none (NaN, infinities).
inline nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); }

/// A matrix as a list of rows.
inline nlohmann::json rows(const Tensor<double>& t) {
  nlohmann::json out = nlohmann::json::array();
  for (std::uint32_t i = 0; i < t.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (std::uint32_t j = 0; j < t.cols(); ++j) row.push_back(number(t(i, j)));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace tapegrad::lab
