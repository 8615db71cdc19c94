// Record: a model file's network and loss on a tape, as grad and dot need them.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "autograd/tape.hpp"
#include "io/model_format.hpp"
#include "io/model_io.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "tools/commands.hpp"

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

/// Throws InputError naming the first record on `tape` whose value is not
/// finite (weights or data so large that the forward pass overflows), so no
/// command reports a loss of null or a gradient of NaN as a result.
inline void require_finite_forward(const Tape<double>& tape, std::string_view source) {
  for (std::uint32_t id = 0; id < tape.size(); ++id) {
    const Shape shape = tape.shape(id);
    const double* values = tape.value_ptr(id);
    for (std::size_t k = 0; k < shape.size(); ++k) {
      if (std::isfinite(values[k])) continue;
      const std::string_view name = tape.name(id);
      throw InputError(fmt::format(
          "{}: the forward pass overflows: record {} ({}{}) is {} at [{}][{}], the first value "
          "that is not finite; the model's weights or data are too large for doubles",
          source, id, op_name(tape.op(id)), name.empty() ? "" : fmt::format(" {}", name),
          values[k], k / shape.cols, k % shape.cols));
    }
  }
}

/// Records the model's loss on its batch and checks the forward pass with
/// require_finite_forward, for commands that compute the loss elsewhere.
inline void require_finite_loss(const io::ModelSpec& spec, std::string_view source) {
  auto net = io::to_mlp<double>(spec);
  Tape<double> tape;
  record_loss(tape, net, spec);
  require_finite_forward(tape, source);
}

}  // namespace tapegrad::tools
