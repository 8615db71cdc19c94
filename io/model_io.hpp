// Model files and networks: an nn::Mlp converted to and from the model format.
#pragma once

#include <filesystem>

#include "io/model_format.hpp"
#include "nn/mlp.hpp"

namespace tapegrad::io {

/// The layers of `net` as a model-format description (values converted to double).
template <class T>
ModelSpec to_spec(const nn::Mlp<T>& net);
/// The network a model-format description holds (its layers only): `to_mlp<double>(spec)`.
template <class T>
nn::Mlp<T> to_mlp(const ModelSpec& spec);
/// Writes the layers of `net` as a model file, atomically (a temporary file, then a rename).
template <class T>
void save_mlp(const nn::Mlp<T>& net, const std::filesystem::path& path);
/// The loss and every layer's dL/dW, dL/db (the gradients in `net`'s
/// parameters) as the JSON `tapegrad grad` prints: numbers in shortest
/// round-trip form, so reading them back gives the same doubles.
std::string format_gradients(double loss, const nn::Mlp<double>& net);
/// Reads a model file's layers: `load_mlp<double>("model.json")`; throws
/// ModelFormatError for a bad file.
template <class T>
nn::Mlp<T> load_mlp(const std::filesystem::path& path);

}  // namespace tapegrad::io
