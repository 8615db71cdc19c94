// The 4-3-2-1 example (docs/derivation.md): forward values, tape vs hand-derived gradients, then training.
// The walkthrough itself is examples::run_walkthrough (examples/walkthrough.hpp), shared with `tapegrad demo`;
// both take their defaults from examples::WalkthroughOptions, so both print the same.
#include <cstdio>

#include "examples/options.hpp"
#include "examples/walkthrough.hpp"

int main(int argc, char** argv) {
  const examples::WalkthroughOptions defaults;
  const auto options =
      examples::parse_options(argc, argv, {.steps = defaults.steps, .data = "", .seed = defaults.seed}, "steps");
  return examples::run_walkthrough({.steps = options.steps, .seed = options.seed, .graph = options.graph},
                                       stdout);
}
