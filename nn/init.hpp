// Initialisation: deterministic starting weights for a layer, drawn from a seeded Generator.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "autograd/random.hpp"
#include "autograd/tensor.hpp"
#include "nn/activation.hpp"

namespace tapegrad::nn {

/// How a layer's W (in x out) is drawn; b always starts at zero.
///  - `uniform`: U(-1/sqrt(in), 1/sqrt(in))
///  - `normal`:  N(0, 1/sqrt(in)^2)
///  - `xavier`:  Glorot uniform, U(-r, r) with r = sqrt(6 / (in + out))
///  - `he`:      He normal, N(0, sqrt(2 / in)^2)
///  - `automatic`: the default, He for the relu-like layers (relu, leaky_relu,
///    elu, gelu) and Xavier for the others (sigmoid, tanh, softplus, identity).
enum class Init : std::uint8_t { automatic, uniform, normal, xavier, he };

constexpr std::string_view init_name(Init init) {
  switch (init) {
    case Init::automatic: return "automatic";
    case Init::uniform: return "uniform";
    case Init::normal: return "normal";
    case Init::xavier: return "xavier";
    case Init::he: return "he";
  }
  return "unknown";
}

/// The scheme `Init::automatic` picks for a layer with activation g.
constexpr Init default_init(Activation g) {
  switch (g) {
#define TAPEGRAD_ACTIVATION_INIT(name, init, ...) \
  case Activation::name: return Init::init;
    TAPEGRAD_ACTIVATIONS(TAPEGRAD_ACTIVATION_INIT)
#undef TAPEGRAD_ACTIVATION_INIT
  }
  return Init::xavier;
}

/// A (in, out) weight matrix drawn row by row from `generator`: the same seed
/// gives the same weights on every machine.
template <class T>
Tensor<T> initial_weights(Init init, std::uint32_t in, std::uint32_t out, Activation g,
                          Generator& generator) {
  if (init == Init::automatic) init = default_init(g);
  const Shape shape{in, out};
  const double fan_in = in > 0 ? static_cast<double>(in) : 1.0;
  switch (init) {
    case Init::uniform: {
      const double r = 1.0 / std::sqrt(fan_in);
      return Tensor<T>::uniform(shape, generator, -r, r);
    }
    case Init::normal: return Tensor<T>::normal(shape, generator, 0.0, 1.0 / std::sqrt(fan_in));
    case Init::he: return Tensor<T>::normal(shape, generator, 0.0, std::sqrt(2.0 / fan_in));
    case Init::xavier:
    case Init::automatic: break;
  }
  const double fans = static_cast<double>(in) + out;
  const double r = std::sqrt(6.0 / (fans > 1.0 ? fans : 1.0));
  return Tensor<T>::uniform(shape, generator, -r, r);
}

}  // namespace tapegrad::nn
