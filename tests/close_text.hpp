// Comparing computed output with a committed copy across CPUs: the words must
// match exactly, the numbers only within a tolerance.
//
// Numbers that went through BLAS, libm or a training run differ in the last
// bits between CPUs (other OpenBLAS kernels, libm with or without FMA), so a
// committed file or docs block that shows them is compared number by number.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tapegrad::testing {

/// |e - a| <= rel * max(1, |e|, |a|): relative for large numbers, absolute below 1.
inline bool close_numbers(double expected, double actual, double rel) {
  if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
  if (expected == actual) return true;  // also equal infinities
  return std::abs(expected - actual) <= rel * std::max({1.0, std::abs(expected), std::abs(actual)});
}

namespace detail {

// A text cut into the runs between numbers and the numbers themselves. A
// number starts at a digit (or a sign or point before one) that does not
// continue a word: the 3 in "W3", "x3f" or "#a3b4c5" is text.
struct Pieces {
  std::vector<std::string_view> text;  // one more than numbers
  std::vector<double> numbers;
  std::vector<double> units;  // one unit in the last printed digit, 0 for an integer
};

// 0.00429273 -> 1e-8, 4.17268e-05 -> 1e-10, 28 -> 0 (counts are exact).
inline double last_digit_unit(std::string_view number) {
  const auto e = number.find_first_of("eE");
  const auto mantissa = number.substr(0, e);
  const auto point = mantissa.find('.');
  if (point == std::string_view::npos && e == std::string_view::npos) return 0;
  int exponent = 0;
  if (e != std::string_view::npos) {
    const auto digits = number.substr(e + 1 + (number[e + 1] == '+'));
    std::from_chars(digits.data(), digits.data() + digits.size(), exponent);
  }
  const auto decimals = point == std::string_view::npos ? 0 : static_cast<int>(mantissa.size() - point - 1);
  return std::pow(10.0, exponent - decimals);
}

inline Pieces split_numbers(std::string_view s) {
  Pieces p;
  auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '#' || c == '.';
  };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t text_start = 0, at = 0;
  while (at < s.size()) {
    std::size_t start = at;
    if ((s[at] == '-' || s[at] == '+') && at + 1 < s.size()) ++at;
    if (at < s.size() && s[at] == '.' && at + 1 < s.size()) ++at;
    const bool begins = at < s.size() && digit(s[at]) && (start == 0 || !word_char(s[start - 1]));
    double value = 0;
    const auto [end, ec] =
        begins ? std::from_chars(s.data() + start + (s[start] == '+'), s.data() + s.size(), value)
               : std::from_chars_result{nullptr, std::errc::invalid_argument};
    if (begins && ec == std::errc() && (end == s.data() + s.size() || !word_char(*end) || *end == '.')) {
      p.text.push_back(s.substr(text_start, start - text_start));
      p.numbers.push_back(value);
      p.units.push_back(last_digit_unit(s.substr(start, static_cast<std::size_t>(end - s.data()) - start)));
      at = text_start = static_cast<std::size_t>(end - s.data());
    } else {
      at = start + 1;
    }
  }
  p.text.push_back(s.substr(text_start));
  return p;
}

}  // namespace detail

/// Where `actual` stops reading as `expected` ("" if nowhere): everything but
/// numbers must be equal, character for character, and every number within
/// `rel` (see close_numbers) or one unit in its last printed digit (a value
/// rounded to 6 digits on one CPU may round the other way on another).
inline std::string text_difference(std::string_view expected, std::string_view actual, double rel) {
  const auto e = detail::split_numbers(expected), a = detail::split_numbers(actual);
  const std::size_t n = std::min(e.numbers.size(), a.numbers.size());
  for (std::size_t k = 0; k <= n; ++k) {
    if (e.text[k] != a.text[k])
      return "text after number " + std::to_string(k) + ": \"" + std::string(e.text[k].substr(0, 80)) +
             "\" vs \"" + std::string(a.text[k].substr(0, 80)) + "\"";
    if (k == n) break;
    const double unit = std::max(e.units[k], a.units[k]);
    if (!close_numbers(e.numbers[k], a.numbers[k], rel) &&
        !(std::abs(e.numbers[k] - a.numbers[k]) <= unit * (1 + 1e-9)))
      return "number " + std::to_string(k) + ": " + std::to_string(e.numbers[k]) + " vs " +
             std::to_string(a.numbers[k]);
  }
  if (e.numbers.size() != a.numbers.size()) return "a different count of numbers";
  return "";
}

inline bool same_text_within(std::string_view expected, std::string_view actual, double rel) {
  return text_difference(expected, actual, rel).empty();
}

/// Whether two JSON values are equal but for numbers, which agree within `rel`.
inline bool same_json_within(const nlohmann::json& expected, const nlohmann::json& actual, double rel) {
  if (expected.is_number() && actual.is_number())
    return close_numbers(expected.get<double>(), actual.get<double>(), rel);
  if (expected.type() != actual.type() || expected.size() != actual.size()) return false;
  if (expected.is_object()) {
    for (auto it = expected.begin(); it != expected.end(); ++it)
      if (!actual.contains(it.key()) || !same_json_within(it.value(), actual[it.key()], rel)) return false;
    return true;
  }
  if (expected.is_array()) {
    for (std::size_t k = 0; k < expected.size(); ++k)
      if (!same_json_within(expected[k], actual[k], rel)) return false;
    return true;
  }
  return expected == actual;
}

}  // namespace tapegrad::testing
