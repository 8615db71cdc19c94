// Explorer: one network and one batch in the lab, with every value, every gradient, the
// three-way check and the explanation of any gradient, recomputed by the engine on each edit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "autograd/tensor.hpp"
#include "io/model_format.hpp"

namespace tapegrad::lab {

using json = nlohmann::json;

/// A number the page can point at. `what` is one of W, b (a parameter of
/// layer `layer`), x, y (an input or a target of sample `row`), z, a (a value
/// of layer `layer` for sample `row`) or L (the loss). Indices count from 0;
/// names count from 1 as docs/derivation.md does.
struct Element {
  std::string what;
  std::uint32_t layer = 0;
  std::uint32_t row = 0;
  std::uint32_t col = 0;
};

/// Reads an Element from JSON {"what", "layer", "row", "col"} (missing indices are 0).
Element element_of(const json& j);

/// Everything one forward and backward pass of the tape gives, copied off the tape.
/// Index k is layer k; entry 0 of z, g_z, g_W, g_b is empty, a[0] is x.
struct Pass {
  double loss = 0;
  std::vector<Tensor<double>> z, a, g_z, g_a, g_W, g_b;
  std::vector<bool> a_has_grad;  ///< whether backward reached a^[k] (the loss may read z^[L])
  Tensor<double> y;              ///< the targets as rows of the output's shape (one-hot classes)
};

class Explorer {
 public:
  /// The 4-3-2-1 example: the network, sample and label of docs/derivation.md.
  static Explorer example();
  /// A model file's text (the command line's format), read by io::parse_model; `source`
  /// names it in messages. A file without data gets a made-up sample, one without a
  /// loss the usual loss for its output; `notes` say so.
  static Explorer from_text(std::string_view text, std::string_view source);
  /// A new network: sizes from inputs to outputs, weights from `seed` as nn::Mlp draws them.
  static Explorer build(const std::vector<std::uint32_t>& sizes, nn::Activation hidden,
                        nn::Activation output, nn::LossKind loss, std::uint64_t seed);
  /// A network and batch the lab already holds (a paused training run).
  static Explorer of(io::ModelSpec spec, std::string source, std::vector<std::string> notes);

  /// Sets one weight, bias, input or target and recomputes everything. Throws
  /// std::invalid_argument (nothing changed) for an index out of range, a number
  /// that is not finite or a target the loss does not accept.
  void set(const Element& e, double value);

  /// The whole state for the page: network, values, gradients, loss, hand derivation.
  json state() const;
  /// The three-way check (tape, hand derivation, finite differences), as
  /// reference/check.hpp computes it.
  json check() const;
  /// How a gradient arises: the local derivative in names and numbers, the
  /// upstream gradient, and one term per path into it, each with its value.
  json explain(const Element& e) const;
  /// The loss and gradients exactly as `tapegrad grad` prints them.
  std::string grad_json() const;
  /// The model file (the command line's format), with the batch and the loss.
  std::string model_text() const;
  /// The step-through page (viz/) for the batch (tensor view) or one sample (scalar view).
  std::string step_page(bool scalar, std::uint32_t sample) const;
  /// Records the scalar view would make; the page offers it below a limit.
  std::size_t scalar_records() const;

  const io::ModelSpec& spec() const { return spec_; }
  const Pass& pass() const { return pass_; }

 private:
  Explorer(io::ModelSpec spec, std::string source, std::vector<std::string> notes);
  void refresh();

  io::ModelSpec spec_;
  std::string source_;
  std::vector<std::string> notes_;
  Pass pass_;
};

}  // namespace tapegrad::lab
