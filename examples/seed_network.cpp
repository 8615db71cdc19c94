// The seed's 4-3-2-1 sigmoid network: forward values, tape vs hand-derived gradients, then training.
// The walkthrough itself is nn::run_seed_walkthrough (examples/walkthrough.hpp), shared with `tapegrad demo`.
#include <cstdio>

#include "examples/options.hpp"
#include "examples/walkthrough.hpp"

int main(int argc, char** argv) {
  const auto options = examples::parse_options(argc, argv, {.steps = 1000, .data = "", .seed = 7}, "steps");
  return tapegrad::nn::run_seed_walkthrough({.steps = options.steps, .seed = options.seed, .graph = options.graph},
                                            stdout);
}
