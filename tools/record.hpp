// Record: a model file's network and loss on a tape, as grad and dot need them.
#pragma once

#include "autograd/tape.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "io/model_format.hpp"

namespace tapegrad::tools {

/// Records net's forward pass on spec.x and the loss against spec.y (both must
/// be present) on `tape`, with the names of docs/derivation.md; returns L. `net` is built from
/// `spec` (nn::Mlp::from_spec) and must outlive the tape's use.
inline Var<double> record_loss(Tape<double>& tape, nn::Mlp<double>& net, const io::ModelSpec& spec) {
  const auto output = net.forward(tape.input(*spec.x));
  const auto y = tape.input(*spec.y);
  tape.set_name(y, "y");
  return nn::loss(*spec.loss, output, y, spec.reduction);
}

}  // namespace tapegrad::tools
