// Model format (version 1): the JSON file a model, its loss and a batch live in.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/op.hpp"
#include "autograd/tensor.hpp"
#include "nn/activation.hpp"

namespace tapegrad::nn {

/// The loss named in a model file (see README, "The model format").
enum class LossKind : std::uint8_t { bce, half_sse, softmax_ce, mse };

std::string_view loss_name(LossKind loss);
std::optional<LossKind> parse_loss(std::string_view name);

/// Thrown for any malformed model file; the message is one line that names the
/// source and what is wrong: `model.json: layers[1].W has 2 rows, but layers[0]
/// has 3 outputs`.
class ModelFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LayerSpec {
  Tensor<double> W;  ///< (in, out): W(i, j) is the seed's W_{i+1,j+1}
  Tensor<double> b;  ///< (1, out)
  Activation activation = Activation::sigmoid;
};

/// A whole model file. `x`, `y` and `loss` are optional (a model without data).
struct ModelSpec {
  std::vector<LayerSpec> layers;
  std::optional<LossKind> loss;
  Reduction reduction = Reduction::mean;
  std::optional<Tensor<double>> x;  ///< (m, in of layer 1)
  std::optional<Tensor<double>> y;  ///< (m, out of the last layer)
  std::string meta_json;            ///< the "meta" object as JSON text, kept as is ("" if none)
};

/// Parses and validates model text; `source` names it in error messages.
ModelSpec parse_model(std::string_view text, std::string_view source);
/// Reads and validates a model file.
ModelSpec read_model(const std::filesystem::path& path);
/// Model text: numbers in shortest round-trip form, so save-load-save is identical.
std::string format_model(const ModelSpec& spec);
/// Writes atomically: a temporary file in the same folder, then a rename.
void write_model(const ModelSpec& spec, const std::filesystem::path& path);

}  // namespace tapegrad::nn
