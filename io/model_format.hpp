// Model format (version 1): the JSON file a model, its loss and a batch live in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/op.hpp"
#include "autograd/tensor.hpp"
#include "nn/activation.hpp"
#include "nn/losses.hpp"

namespace tapegrad::io {

using nn::Activation;
using nn::LossKind;

/// Thrown for any malformed model file; the message is one line that names the
/// source and what is wrong: `model.json: layers[1].W has 2 rows, but layers[0]
/// has 3 outputs`.
class ModelFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LayerSpec {
  Tensor<double> W;  ///< (in, out): W(i, j) is the derivation's W_{i+1,j+1}
  Tensor<double> b;  ///< (1, out)
  Activation activation = Activation::sigmoid;
};

/// A whole model file. `x`, `y` and `loss` are optional (a model without data);
/// `x` and `y` are either both present or both absent, and data needs a loss.
struct ModelSpec {
  std::vector<LayerSpec> layers;
  std::optional<LossKind> loss;
  Reduction reduction = Reduction::mean;
  std::optional<Tensor<double>> x;  ///< (m, in of layer 1)
  std::optional<Tensor<double>> y;  ///< (m, out of the last layer), or (m, 1) class indices for softmax_ce
  std::string meta_json;            ///< the "meta" value as compact JSON text, keys in the file's order ("" if none)
};

/// Input limits (docs/input-limits.md), each checked while reading, before
/// anything large is built; exceeding one is a ModelFormatError naming it.
/// Deepest nesting of arrays and objects a model text may have.
inline constexpr int max_model_depth = 64;
/// The largest model file read_model reads (256 MiB).
inline constexpr std::size_t max_model_bytes = std::size_t{256} << 20;
/// The most numbers (weights, biases, x and y together) a model may hold: 2^25,
/// 256 MiB as doubles.
inline constexpr std::size_t max_model_numbers = std::size_t{1} << 25;
/// The largest "meta" value, as compact JSON (1 MiB): notes, not data.
inline constexpr std::size_t max_meta_bytes = std::size_t{1} << 20;
/// A softmax_ce target row must sum to 1 within this absolute tolerance.
inline constexpr double softmax_target_tolerance = 1e-9;

/// Parses and validates model text; `source` names it in error messages.
/// Throws ModelFormatError (one line: `<source>: <what is wrong>`).
ModelSpec parse_model(std::string_view text, std::string_view source);
/// Reads and validates a model file (io::read_file: `-` is standard input, a
/// FIFO or pipe is read to its end); errors name the path as given (`<stdin>` for `-`).
ModelSpec read_model(const std::filesystem::path& path);
/// Model text: numbers in shortest round-trip form, keys in a fixed order, so
/// save-load-save is byte-identical. Throws ModelFormatError on a non-finite value.
std::string format_model(const ModelSpec& spec);
/// Writes atomically with io::write_file (a temporary file in the same folder,
/// then a rename; the umask is honoured).
void write_model(const ModelSpec& spec, const std::filesystem::path& path);

/// A double as a JSON number in the shortest form that reads back exactly
/// (`0.1`, `-3`, `1e-07`); `null` for infinities and NaN, which JSON lacks.
std::string format_json_number(double x);
/// Row i of t as a JSON list on one line: `[0.1, -2, 3]`.
std::string format_json_row(TensorView<double> t, std::uint32_t i = 0);
/// t as a JSON list of rows, one row per line, each line indented by `indent`
/// plus two spaces; the closing bracket is indented by `indent`.
std::string format_json_rows(TensorView<double> t, std::string_view indent = "");

}  // namespace tapegrad::io
