// Options: input files by position or flag, validators that state an option's
// valid range in words, and the size lists --layers takes.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "io/text.hpp"
#include "tools/commands.hpp"

namespace tapegrad::tools {

/// The group of the flag forms of input files (`--model`, `--data`): they
/// work, but --help lists each input once, by its position.
inline constexpr const char* alias_group = "Aliases";

/// tapegrad's help layout: CLI11's, less the alias group.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_group(std::string group, bool is_positional,
                         std::vector<const CLI::Option*> opts) const override {
    if (group == alias_group) return "";
    return CLI::Formatter::make_group(std::move(group), is_positional, std::move(opts));
  }
};

/// An input file of a command, taken by position (`predict MODEL.json
/// DATA.csv`) or by `flag` (`--model MODEL.json`), once. `-` names standard
/// input (io::read_file). Returns the positional option (call required() on it).
template <class Path>
CLI::Option* add_input(CLI::App* command, const std::string& name, const std::string& flag,
                       Path& target, const std::string& help) {
  auto* positional =
      command->add_option(name, target, fmt::format("{}; - reads standard input; also {} FILE", help, flag))
          ->type_name("");
  // The flag hands its value to the positional as it is parsed, so CLI11's own
  // checks (required, one value) see one option.
  command
      ->add_option(
          flag,
          [positional, name, flag](const CLI::results_t& values) {
            if (positional->count() > 0)
              throw CLI::ValidationError(flag, fmt::format("{} is given already; give it once", name));
            for (const auto& value : values) positional->add_result(value);
            return true;
          },
          fmt::format("the same as {}", name))
      ->group(alias_group)
      ->type_name("FILE")
      ->trigger_on_parse();
  return positional;
}

/// Checks that at most one of a command's inputs is standard input: `-`
/// twice, or `-` and `/dev/stdin`, or one FIFO twice, would have the second
/// read find the first's end. `inputs` are (what, path) pairs: ("MODEL.json", m).
inline void require_one_stream(
    std::initializer_list<std::pair<std::string_view, const std::filesystem::path*>> inputs) {
  std::vector<std::pair<std::string_view, struct stat>> streams;
  for (const auto& [what, path] : inputs) {
    if (!path) continue;
    struct stat st {};
    const bool dash = path->native() == "-";
    if ((dash ? ::fstat(STDIN_FILENO, &st) : ::stat(path->c_str(), &st)) != 0) continue;
    if (!dash && !S_ISFIFO(st.st_mode)) continue;
    for (const auto& [other, seen] : streams)
      if (seen.st_dev == st.st_dev && seen.st_ino == st.st_ino)
        throw InputError(fmt::format("{} and {} are both standard input (or the same pipe); only "
                                     "one input can be '-': pass the other as a file",
                                     other, what));
    streams.emplace_back(what, st);
  }
}

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
