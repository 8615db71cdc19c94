// Mlp: a stack of Linear layers (a sequential container), built from sizes or layer by layer.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "nn/linear.hpp"

namespace tapegrad::nn {

/// What a network's forward pass leaves on the tape for a loss: the last
/// layer's logits z^[L], its output a^[L] (y_hat) and the output activation.
template <class T>
struct Output {
  Var<T> z;
  Var<T> a;
  Activation activation = Activation::identity;
};

/// A multilayer perceptron: layer k maps a^[k-1] (m x n_{k-1}) to
/// a^[k] = g_k(a^[k-1] W^[k] + b^[k]) (m x n_k). Layers are numbered from 1 as in
/// docs/derivation.md. Parameters live in the layers; pointers to them (and to layers)
/// stay valid until a layer is added.
template <class T>
class Mlp {
 public:
  Mlp() = default;
  /// Layers sizes[k-1] -> sizes[k], all with activation g: `Mlp<double>({4, 3, 2, 1},
  /// Activation::sigmoid, 42)` has the 4-3-2-1 example's shape. Weights come from `init`
  /// drawn by a Generator seeded with `seed`; biases start at zero.
  Mlp(const std::vector<std::uint32_t>& sizes, Activation g, std::uint64_t seed = 0,
      Init init = Init::automatic);
  /// One activation per layer (sizes.size() - 1 of them).
  Mlp(const std::vector<std::uint32_t>& sizes, const std::vector<Activation>& activations,
      std::uint64_t seed = 0, Init init = Init::automatic);

  /// Appends a layer (the sequential container): its inputs must equal the
  /// previous layer's outputs. The layer is renumbered to its position.
  Mlp& add(Linear<T> layer);

  /// Number of layers L.
  std::size_t depth() const { return layers_.size(); }
  bool empty() const { return layers_.empty(); }
  std::uint32_t inputs() const;
  std::uint32_t outputs() const;
  Activation output_activation() const;

  std::span<Linear<T>> layers() { return layers_; }
  std::span<const Linear<T>> layers() const { return layers_; }
  /// Layer k, numbered from 1 as in the derivation; throws std::out_of_range otherwise.
  Linear<T>& layer(std::size_t k);
  const Linear<T>& layer(std::size_t k) const;

  /// Every parameter in order W^[1], b^[1], W^[2], b^[2], ...
  std::vector<Parameter<T>*> parameters();
  std::vector<const Parameter<T>*> parameters() const;
  /// The parameter named `name` (`"W^[2]"`); throws std::out_of_range if none.
  Parameter<T>& parameter(std::string_view name);
  /// Number of trainable values.
  std::size_t parameter_count() const;
  void zero_grad();

  /// Records the forward pass of x (m, inputs) on x's tape. When `tape.naming()`
  /// is on, labels a^[0] (layer 0), W^[k], b^[k], z^[k], a^[k] (layer k) and the
  /// output y_hat (an identity output keeps its name z^[L]).
  Output<T> forward(Var<T> x);
  /// The same, also storing every layer's records: trace[k] for k = 0..L, with
  /// trace[0].a = x (trace[0].z = x too). `trace` keeps its capacity between calls.
  Output<T> forward(Var<T> x, std::vector<LayerVars<T>>& trace);

  /// y_hat = a^[L] of x (m, inputs) on plain values, without a tape.
  Tensor<T> predict(TensorView<T> x) const;

 private:
  std::vector<Linear<T>> layers_;
};

extern template class Mlp<float>;
extern template class Mlp<double>;

}  // namespace tapegrad::nn
