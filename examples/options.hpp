// Options: the few command-line flags the examples share (--steps/--epochs, --data, --seed).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace examples {

struct Options {
  long steps = 0;        ///< --steps N or --epochs N
  std::string data;      ///< --data DIR, the folder holding the CSV files
  std::uint64_t seed = 1;
  std::string graph = ".";  ///< --graph DIR, where example_4321 writes its graph files
};

/// Parses argv over `defaults`; prints usage and exits 0 on --help, exits 2 on a bad flag.
inline Options parse_options(int argc, char** argv, Options defaults, std::string_view what) {
  Options o = defaults;
  auto fail = [&](std::string_view message) {
    std::fprintf(stderr, "error: %.*s\n", static_cast<int>(message.size()), message.data());
    std::exit(2);
  };
  auto number = [&](std::string_view flag, std::string_view text) {
    long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0)
      fail(std::string(flag) + " needs a non-negative whole number, got '" + std::string(text) + "'");
    return value;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf("usage: %s [--%.*s N] [--data DIR] [--seed N] [--graph DIR]\n", argv[0],
                  static_cast<int>(what.size()), what.data());
      std::exit(0);
    }
    if (i + 1 >= argc) fail(std::string("unknown option or missing value: ") + std::string(flag));
    const std::string_view value = argv[++i];
    if (flag == "--steps" || flag == "--epochs") o.steps = number(flag, value);
    else if (flag == "--data") o.data = value;
    else if (flag == "--seed") o.seed = static_cast<std::uint64_t>(number(flag, value));
    else if (flag == "--graph") o.graph = value;
    else fail(std::string("unknown option: ") + std::string(flag));
  }
  return o;
}

}  // namespace examples
