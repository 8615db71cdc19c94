// The 4-3-2-1 example's walkthrough: the sigmoid network on one sample, step by step.
//
// The derivation (docs) works one fixed network and one sample by hand;
// `example_4321()` (reference/example_4321.hpp) gives those numbers
// once; `run_walkthrough` prints the forward values z^[k], a^[k] and L, each
// gradient from the tape beside the hand derivation, the finite-difference check,
// writes the graph files and trains on 64 samples. examples/example_4321 and
// `tapegrad demo` are both this function.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "autograd/tensor.hpp"
#include "reference/example_4321.hpp"

namespace examples {

/// What the walkthrough does beyond the fixed part.
struct WalkthroughOptions {
  long steps = 1000;        ///< training steps on the 64 samples (0: no training)
  std::uint64_t seed = 7;   ///< seed of the 64 training samples
  std::string graph = ".";  ///< folder for example_tensor.* and example_scalar.* (created if missing)
};

/// Prints the walkthrough to `out` and writes the graph files into `options.graph`.
/// Returns 0 when the check passes and training lowered the loss (or steps is 0), 1 otherwise.
/// Throws std::filesystem::filesystem_error when the graph folder cannot be created.
int run_walkthrough(const WalkthroughOptions& options, std::FILE* out);

}  // namespace examples
