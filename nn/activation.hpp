// Activation: the per-layer nonlinearity of an MLP, by name.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <string_view>

#include "autograd/activation.hpp"

namespace tapegrad::nn {

/// The activation g of a layer, a = g(z). New values go at the end, so the
/// existing ones keep their numbers.
enum class Activation : std::uint8_t { identity, sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus };

/// Every activation, in the order of the enum.
inline constexpr Activation all_activations[] = {
    Activation::identity,   Activation::sigmoid, Activation::tanh, Activation::relu,
    Activation::leaky_relu, Activation::elu,     Activation::gelu, Activation::softplus};

/// The accepted names, for error messages and help texts.
inline constexpr std::string_view activation_names =
    "sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus or identity";

/// The fixed parameters of the layer activations (PyTorch's defaults).
inline constexpr double leaky_relu_slope = 0.01;  ///< leaky_relu: a = 0.01 z for z <= 0
inline constexpr double elu_alpha = 1.0;          ///< elu: a = alpha (e^z - 1) for z <= 0

constexpr std::string_view activation_name(Activation g) {
  switch (g) {
    case Activation::identity: return "identity";
    case Activation::sigmoid: return "sigmoid";
    case Activation::tanh: return "tanh";
    case Activation::relu: return "relu";
    case Activation::leaky_relu: return "leaky_relu";
    case Activation::elu: return "elu";
    case Activation::gelu: return "gelu";
    case Activation::softplus: return "softplus";
  }
  return "unknown";
}

constexpr std::optional<Activation> parse_activation(std::string_view name) {
  for (auto g : all_activations)
    if (activation_name(g) == name) return g;
  return std::nullopt;
}

/// Records a = g(z) on z's tape (identity records nothing and returns z).
/// leaky_relu has slope 0.01, elu alpha 1 and gelu is the exact z Phi(z).
template <class T>
Var<T> activate(Activation g, Var<T> z) {
  switch (g) {
    case Activation::sigmoid: return sigmoid(z);
    case Activation::tanh: return tanh(z);
    case Activation::relu: return relu(z);
    case Activation::leaky_relu: return leaky_relu(z, leaky_relu_slope);
    case Activation::elu: return elu(z, elu_alpha);
    case Activation::gelu: return gelu(z, Gelu::exact);
    case Activation::softplus: return softplus(z);
    case Activation::identity: break;
  }
  return z;
}

/// The engine op of activation g and its numbers, for `dense` (identity has
/// none: Op::leaf).
struct ActivationOp {
  Op op;
  Attr numbers;
};
constexpr ActivationOp activation_op(Activation g) {
  switch (g) {
    case Activation::sigmoid: return {Op::sigmoid, {}};
    case Activation::tanh: return {Op::tanh, {}};
    case Activation::relu: return {Op::relu, {}};
    case Activation::leaky_relu: return {Op::leaky_relu, {leaky_relu_slope}};
    case Activation::elu: return {Op::elu, {elu_alpha}};
    case Activation::gelu: return {Op::gelu, {}};
    case Activation::softplus: return {Op::softplus, {}};
    case Activation::identity: break;
  }
  return {Op::leaf, {}};
}

/// g(z) for one number, the same formulas the tape's ops use: leaky_relu
/// 0.01 z for z <= 0, elu alpha (e^z - 1) for z <= 0, gelu z Phi(z) with
/// Phi(z) = (1 + erf(z / sqrt 2)) / 2, softplus log(1 + e^z) (z itself above 20).
template <class T>
T activation_value(Activation g, T z) {
  switch (g) {
    case Activation::sigmoid: return sigmoid_value(z);
    case Activation::tanh: return std::tanh(z);
    case Activation::relu: return z > T(0) ? z : T(0);
    case Activation::leaky_relu: return z > T(0) ? z : static_cast<T>(leaky_relu_slope) * z;
    case Activation::elu: return z > T(0) ? z : static_cast<T>(elu_alpha) * std::expm1(z);
    case Activation::gelu:
      return T(0.5) * z * (T(1) + std::erf(z * static_cast<T>(std::numbers::sqrt2 / 2)));
    case Activation::softplus:
      // max(z, 0) + log(1 + e^-|z|) does not overflow
      return z > T(20) ? z : std::max(z, T(0)) + std::log1p(std::exp(-std::abs(z)));
    case Activation::identity: break;
  }
  return z;
}

/// g'(z), given z and a = g(z): sigmoid a (1 - a), tanh 1 - a^2, relu 1 for
/// z > 0 else 0 (0 at the kink, as the tape's relu), leaky_relu 1 for z > 0
/// else 0.01, elu 1 for z > 0 else alpha e^z = a + alpha, gelu
/// Phi(z) + z phi(z) with phi(z) = e^(-z^2 / 2) / sqrt(2 pi), softplus
/// sigmoid(z) (1 above 20), identity 1. At z = 0 each takes its z <= 0 branch,
/// as the tape does (leaky_relu 0.01, elu alpha).
template <class T>
T activation_derivative(Activation g, T z, T a) {
  switch (g) {
    case Activation::sigmoid: return a * (T(1) - a);
    case Activation::tanh: return T(1) - a * a;
    case Activation::relu: return z > T(0) ? T(1) : T(0);
    case Activation::leaky_relu: return z > T(0) ? T(1) : static_cast<T>(leaky_relu_slope);
    case Activation::elu: return z > T(0) ? T(1) : a + static_cast<T>(elu_alpha);
    case Activation::gelu: {
      const T Phi = T(0.5) * (T(1) + std::erf(z / static_cast<T>(std::numbers::sqrt2)));
      const T phi = std::exp(-z * z / T(2)) / static_cast<T>(std::sqrt(2 * std::numbers::pi));
      return Phi + z * phi;
    }
    case Activation::softplus: return z > T(20) ? T(1) : sigmoid_value(z);
    case Activation::identity: break;
  }
  return T(1);
}

}  // namespace tapegrad::nn
