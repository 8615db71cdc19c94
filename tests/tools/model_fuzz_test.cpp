// Fuzz test of the model reader: seeded random mutations of valid model texts.
//
// Runs for TAPEGRAD_FUZZ_SECONDS seconds (default 20, or 5 under sanitizers).
// Every input must either parse or throw ModelFormatError with a one-line
// message; an accepted input must survive format -> parse -> format unchanged.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "autograd/random.hpp"
#include "io/model_format.hpp"

using namespace tapegrad;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
constexpr double default_seconds = 5;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
constexpr double default_seconds = 5;
#else
constexpr double default_seconds = 20;
#endif
#else
constexpr double default_seconds = 20;
#endif

double fuzz_seconds() {
  const char* text = std::getenv("TAPEGRAD_FUZZ_SECONDS");
  if (!text || !*text) return default_seconds;
  return std::strtod(text, nullptr);
}

const std::vector<std::string> corpus = {
    R"({"layers": [{"W": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], "b": [0.1, 0.2, -0.1], "activation": "tanh"},
                  {"W": [[0.3], [0.5], [-0.6]], "b": [-0.2], "activation": "sigmoid"}],
       "loss": "bce", "reduction": "mean", "x": [[1.0, 0.5], [-1.5, 2.0]], "y": [[1], [0]],
       "meta": {"note": "a \"quoted\" \\ text", "list": [1, 2, {"k": null}]}})",
    R"({"layers": [{"W": [[1e-3, 2E+2]], "b": [0, -0.0], "activation": "identity"}],
       "loss": "softmax_ce", "reduction": "sum", "x": [[1], [2]], "y": [[0.25, 0.75], [1, 0]]})",
    R"({"version": 1, "layers": [{"W": [[2]], "b": [1], "activation": "relu"}], "loss": "half_sse",
       "x": [[3]], "y": [[-4.5]]})",
    R"({"layers": [{"activation": "sigmoid", "W": [[1, 2], [3, 4]], "b": [5, 6]}]})",
};

// Pieces that steer mutations towards interesting JSON.
const std::vector<std::string> tokens = {
    "[", "]", "{", "}", "\"", ",", ":", "0", "1", "9", "-", ".", "e", "E", "+", "1e999", "-1e400",
    "null", "true", "\"x\"", "\"W\"", "\"layers\"", "\\", "\\u", "\\ud800", "\xff", "\n", " ",
    "[[[[[[[[", "]]]]]]]]", "\"b\": [0]", "\"loss\": \"bce\"", "1e308", "4.9e-324", "\x00",
};

std::string mutate(std::string text, Generator& g) {
  const int edits = 1 + static_cast<int>(g.below(4));
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = text.empty() ? 0 : g.below(text.size() + 1);
    switch (g.below(7)) {
      case 0:  // flip a byte
        if (at < text.size()) text[at] = static_cast<char>(g.below(256));
        break;
      case 1:  // truncate
        text.resize(at);
        break;
      case 2:  // delete a short range
        if (at < text.size()) text.erase(at, 1 + g.below(8));
        break;
      case 3:  // insert a token
      case 4: {
        const auto& token = tokens[g.below(tokens.size())];
        text.insert(at, token.empty() ? std::string(1, '\0') : token);
        break;
      }
      case 5: {  // duplicate a chunk somewhere else
        if (text.empty()) break;
        const std::size_t from = g.below(text.size());
        const std::string chunk = text.substr(from, 1 + g.below(40));
        text.insert(g.below(text.size() + 1), chunk);
        break;
      }
      default: {  // replace a digit run's neighbourhood with a random digit
        if (at < text.size()) text[at] = static_cast<char>('0' + g.below(10));
        break;
      }
    }
  }
  return text;
}

}  // namespace

TEST_CASE("random mutations of model files never crash the reader") {
  Generator generator(20240601);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(fuzz_seconds());
  std::size_t inputs = 0, accepted = 0, rejected = 0;
  std::string failure;
  while (std::chrono::steady_clock::now() < deadline || inputs < 1000) {
    std::string text = corpus[generator.below(corpus.size())];
    // Sometimes build on the last mutation for deeper changes.
    for (int round = static_cast<int>(generator.below(3)); round >= 0; --round)
      text = mutate(std::move(text), generator);
    ++inputs;
    try {
      const auto spec = io::parse_model(text, "fuzz.json");
      ++accepted;
      const std::string once = io::format_model(spec);
      if (io::format_model(io::parse_model(once, "saved")) != once) failure = "round trip: " + text;
    } catch (const io::ModelFormatError& e) {
      ++rejected;
      const std::string message = e.what();
      if (message.find('\n') != std::string::npos || !message.starts_with("fuzz.json: "))
        failure = "message: " + message;
    }
    if (!failure.empty()) break;
  }
  MESSAGE("fuzzed ", inputs, " inputs: ", accepted, " accepted, ", rejected, " rejected");
  CHECK(failure.empty());
  CHECK(accepted > 0);
  CHECK(rejected > 0);
}
