// Activation: the per-layer nonlinearity of an MLP, by name.
#pragma once

#include <cmath>
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

/// g(z) for one number, the same formulas the tape's ops use.
template <class T>
T activation_value(Activation g, T z) {
  switch (g) {
    case Activation::sigmoid: return sigmoid_value(z);
    case Activation::tanh: return std::tanh(z);
    case Activation::relu: return z > T(0) ? z : T(0);
    case Activation::identity: break;
  }
  return z;
}

/// g'(z), given z and a = g(z): sigmoid a (1 - a), tanh 1 - a^2, relu 1 for
/// z > 0 else 0 (0 at the kink, as the tape's relu), identity 1.
template <class T>
T activation_derivative(Activation g, T z, T a) {
  switch (g) {
    case Activation::sigmoid: return a * (T(1) - a);
    case Activation::tanh: return T(1) - a * a;
    case Activation::relu: return z > T(0) ? T(1) : T(0);
    case Activation::identity: break;
  }
  return T(1);
}

}  // namespace tapegrad::nn
