// Seed walkthrough: the seed's 4-3-2-1 sigmoid network on one sample, step by step.
//
// The seed derivation (../shared/seed, corrected by ERRATA.md) works one fixed
// network and one sample by hand. `seed_network_example()` gives those numbers
// once; `run_seed_walkthrough` prints the forward values z^[k], a^[k] and L, each
// gradient from the tape beside the hand derivation, the finite-difference check,
// writes the graph files and trains on 64 samples. examples/seed_network and
// `tapegrad demo` are both this function.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "autograd/tensor.hpp"
#include "nn/mlp.hpp"

namespace tapegrad::nn {

/// The seed's example: the 4-3-2-1 sigmoid network with fixed weights in the
/// row convention (W^[1] (4, 3), b^[1] (1, 3), W^[2] (3, 2), b^[2] (1, 2),
/// W^[3] (2, 1), b^[3] (1, 1)), one sample x = a^[0] (1, 4) and its label y (1, 1).
struct SeedExample {
  Mlp<double> net;
  Tensor<double> x;
  Tensor<double> y;
};

/// A fresh copy of the seed's network, sample and label (same numbers every call).
SeedExample seed_network_example();

/// What the walkthrough does beyond the fixed part.
struct SeedWalkthroughOptions {
  long steps = 1000;        ///< training steps on the 64 samples (0: no training)
  std::uint64_t seed = 7;   ///< seed of the 64 training samples
  std::string graph = ".";  ///< folder for seed_tensor.* and seed_scalar.* (created if missing)
};

/// Prints the walkthrough to `out` and writes the graph files into `options.graph`.
/// Returns 0 when the check passes and training lowered the loss (or steps is 0), 1 otherwise.
/// Throws std::filesystem::filesystem_error when the graph folder cannot be created.
int run_seed_walkthrough(const SeedWalkthroughOptions& options, std::FILE* out);

}  // namespace tapegrad::nn
