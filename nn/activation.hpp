// Activation: the per-layer nonlinearity of an MLP, by name.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "autograd/activation.hpp"

namespace tapegrad::nn {

/// The activation g of a layer, a = g(z).
enum class Activation : std::uint8_t { identity, sigmoid, tanh, relu };

constexpr std::string_view activation_name(Activation g) {
  switch (g) {
    case Activation::identity: return "identity";
    case Activation::sigmoid: return "sigmoid";
    case Activation::tanh: return "tanh";
    case Activation::relu: return "relu";
  }
  return "unknown";
}

constexpr std::optional<Activation> parse_activation(std::string_view name) {
  for (auto g : {Activation::identity, Activation::sigmoid, Activation::tanh, Activation::relu})
    if (activation_name(g) == name) return g;
  return std::nullopt;
}

/// Records a = g(z) on z's tape (identity records nothing and returns z).
template <class T>
Var<T> activate(Activation g, Var<T> z) {
  switch (g) {
    case Activation::sigmoid: return sigmoid(z);
    case Activation::tanh: return tanh(z);
    case Activation::relu: return relu(z);
    case Activation::identity: break;
  }
  return z;
}

}  // namespace tapegrad::nn
