// Linear: one layer of an MLP, z = a W + b followed by a = g(z), in the row convention of docs/derivation.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "autograd/parameter.hpp"
#include "autograd/random.hpp"
#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"
#include "nn/activation.hpp"
#include "nn/init.hpp"

namespace tapegrad::nn {

/// The two records a layer makes on a tape: z = a W + b and a = g(z).
/// For an identity activation `a` is the same record as `z`.
template <class T>
struct LayerVars {
  Var<T> z;
  Var<T> a;
};

template <class T>
class Mlp;

/// Layer k of a network: W^[k] (in x out), b^[k] (1 x out) and the activation g.
/// A sample is a (1, in) row and a batch of m samples an (m, in) matrix; the
/// layer maps it to (m, out). Names follow docs/derivation.md: `W^[k]`, `b^[k]`, `z^[k]`,
/// `a^[k]`; they are built once (by `set_index`), never per step.
template <class T>
class Linear {
 public:
  Parameter<T> W;  ///< (in, out): W(i, j) is the derivation's W_{i+1,j+1}
  Parameter<T> b;  ///< (1, out)
  Activation activation = Activation::identity;

  /// W drawn by `init` from `generator` (see nn/init.hpp), b = 0.
  Linear(std::uint32_t in, std::uint32_t out, Activation g, Generator& generator,
         Init init = Init::automatic, int index = 1);
  /// Given values; throws ShapeError unless W is (in, out) and b is (1, out).
  Linear(Tensor<T> W_value, Tensor<T> b_value, Activation g, int index = 1);

  std::uint32_t in() const { return W.value.rows(); }
  std::uint32_t out() const { return W.value.cols(); }

  /// The layer number k of the notation of docs/derivation.md (1 for the first layer).
  int index() const { return index_; }
  /// Renumbers the layer and rebuilds its names (`W^[k]`, `b^[k]`, `z^[k]`, `a^[k]`).
  void set_index(int k);
  std::string_view z_name() const { return z_name_; }
  std::string_view a_name() const { return a_name_; }

  /// Records z = a W + b (one affine op) and a = g(z) on a's tape; `a` is (m, in).
  /// When `tape.naming()` is on, labels W, b, z and a with the layer's names
  /// (pass `a_label` to give the activation another name, such as `y_hat`).
  LayerVars<T> forward(Var<T> a, std::string_view a_label = {});

  /// The same computation on plain values, without a tape: returns g(a W + b) and
  /// stores a W + b into `z` (resized as needed).
  Tensor<T> apply(TensorView<T> a, Tensor<T>& z) const;

 private:
  friend class Mlp<T>;
  // forward; a label that lives as long as the program (Mlp's `y_hat`) is not copied.
  LayerVars<T> record(Var<T> a, std::string_view a_label, bool static_label);
  // g(a W + b) as one dense record, for a hidden layer of a tape that names
  // nothing (whose z nobody reads, and no dump shows).
  Var<T> record_fused(Var<T> a);

  int index_ = 1;
  // Interned (tapegrad::intern_name): a tape labels records with them
  // without copying, so naming stays off the training step's cost.
  std::string_view z_name_;
  std::string_view a_name_;
  std::string_view W_name_;
  std::string_view b_name_;
};

extern template class Linear<float>;
extern template class Linear<double>;

}  // namespace tapegrad::nn
