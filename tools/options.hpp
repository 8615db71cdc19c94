// Options: validators that state an option's valid range in words, and the
// size lists --layers takes.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "io/text.hpp"
#include "tools/commands.hpp"

namespace tapegrad::tools {

/// A number option's range, said in words in the error ("a number greater
/// than 0", "a whole number from 1 to 1000000"), not as raw limits (DBL_MAX
/// has 309 digits). `whole` also refuses fractions and text like `1e3x`.
inline CLI::Validator range_in_words(double low, double high, bool low_open, bool whole) {
  std::string words = whole ? "a whole number" : "a number";
  if (high == std::numeric_limits<double>::infinity())
    words += fmt::format(" {} {}", low_open ? "greater than" : "at least", low);
  else
    words += fmt::format(" from {} to {}", low, high);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const auto [status, value] = io::parse_number(text);
        const bool fits = status == io::NumberStatus::ok && (low_open ? value > low : value >= low) &&
                          value <= high && (!whole || value == std::floor(value));
        return fits ? "" : fmt::format("{} is not {}", io::quoted(text, 40), words);
      },
      words);
}
inline CLI::Validator positive_number() {
  return range_in_words(0, std::numeric_limits<double>::infinity(), true, false);
}
inline CLI::Validator non_negative_number() {
  return range_in_words(0, std::numeric_limits<double>::infinity(), false, false);
}
inline CLI::Validator whole_number(double low, double high) { return range_in_words(low, high, false, true); }

/// `30,16,1` as sizes, each a whole number from 1 to `max_size`; an empty item
/// (`30,,1`) or anything else is an InputError naming the option.
inline std::vector<std::uint32_t> parse_sizes(std::string_view text, std::string_view option,
                                              std::uint32_t max_size) {
  std::vector<std::uint32_t> sizes;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    const auto [status, value] = io::parse_number(item);
    if (status != io::NumberStatus::ok || value < 1 || value > max_size || value != std::floor(value))
      throw InputError(fmt::format("{} {}: size {} is {}; each size must be a whole number from 1 "
                                   "to {}",
                                   option, io::quoted(text, 60), sizes.size() + 1,
                                   item.empty() ? "empty" : io::quoted(item, 20), max_size));
    sizes.push_back(static_cast<std::uint32_t>(value));
    if (comma == text.size()) return sizes;
    start = comma + 1;
  }
}

}  // namespace tapegrad::tools
