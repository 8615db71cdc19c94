// JSON helpers of the lab: numbers and matrices as the page reads them.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
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

/// The seed `request[key]` (`fallback` where it is missing): a whole number the page's
/// numbers hold exactly, 0 to 2^53 - 1; otherwise throws "<what> is <value>; ...".
inline std::uint64_t seed_of(const nlohmann::json& request, const char* key, std::uint64_t fallback,
                             const std::string& what) {
  if (!request.contains(key) || request.at(key).is_null()) return fallback;
  const nlohmann::json& v = request.at(key);
  constexpr double top = 9007199254740991.0;  // 2^53 - 1
  const double x = v.is_number() ? v.get<double>() : -1.0;
  if (!(x >= 0 && x <= top && x == std::floor(x)))
    throw std::invalid_argument(
        fmt::format("{} is {}; expected a whole number from 0 to 9007199254740991", what, v.dump()));
  return static_cast<std::uint64_t>(x);
}

}  // namespace tapegrad::lab
