// Activation: the per-layer nonlinearity of an MLP, by name.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <string_view>

#include "autograd/activation.hpp"

namespace tapegrad::nn {

// clang-format off
/// The layer activations, one row each: the name (the enum value and the
/// model format's "activation"), the initialiser `Init::automatic` picks
/// (nn/init.hpp), the tape's op for a = g(z) (autograd/op.hpp; `leaf` for
/// none) and its number p, and g(z) and g'(z) for one number, given z and
/// a = g(z). The last two are written out again on purpose: the hand
/// derivation (reference/) uses them, and it must stay independent of the
/// tape's rules so that the three-way check (autodiff, hand, finite
/// differences) catches a wrong rule in either. New rows go at the end, so
/// the existing ones keep their numbers.
#define TAPEGRAD_ACTIVATIONS(X)                                                                              \
  /* name       init    op          p                 g(z), one number                        g'(z), given z and a */ \
  X(identity,   xavier, leaf,       0,                z,                                      1)             \
  X(sigmoid,    xavier, sigmoid,    0,                sigmoid_value(z),                       a * (1 - a))   \
  X(tanh,       xavier, tanh,       0,                std::tanh(z),                           1 - a * a)     \
  X(relu,       he,     relu,       0,                z > 0 ? z : 0,                          z > 0 ? 1 : 0) \
  X(leaky_relu, he,     leaky_relu, leaky_relu_slope, z > 0 ? z : T(leaky_relu_slope) * z,    z > 0 ? T(1) : T(leaky_relu_slope)) \
  X(elu,        he,     elu,        elu_alpha,        z > 0 ? z : T(elu_alpha) * std::expm1(z), z > 0 ? T(1) : a + T(elu_alpha)) \
  /* gelu (exact): z Phi(z), Phi(z) = (1 + erf(z / sqrt 2)) / 2; g' = Phi(z) + z phi(z), phi(z) = e^(-z^2 / 2) / sqrt(2 pi) */ \
  X(gelu,       he,     gelu,       0,                T(0.5) * z * (1 + std::erf(z * T(std::numbers::sqrt2 / 2))), \
                        T(0.5) * (1 + std::erf(z * T(std::numbers::sqrt2 / 2))) + z * std::exp(-z * z / 2) * T(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2)) \
  /* softplus: log(1 + e^z) as max(z, 0) + log(1 + e^-|z|), which does not overflow; z itself above 20 */ \
  X(softplus,   xavier, softplus,   0,                z > 20 ? z : (z < 0 ? T(0) : z) + std::log1p(std::exp(-std::abs(z))), \
                        z > 20 ? T(1) : sigmoid_value(z))
// clang-format on

/// The fixed parameters of the layer activations (PyTorch's defaults).
inline constexpr double leaky_relu_slope = 0.01;  ///< leaky_relu: a = 0.01 z for z <= 0
inline constexpr double elu_alpha = 1.0;          ///< elu: a = alpha (e^z - 1) for z <= 0

/// The activation g of a layer, a = g(z).
enum class Activation : std::uint8_t {
#define TAPEGRAD_ACTIVATION_ENUM(name, ...) name,
  TAPEGRAD_ACTIVATIONS(TAPEGRAD_ACTIVATION_ENUM)
#undef TAPEGRAD_ACTIVATION_ENUM
};

/// Every activation, in the order of the enum.
inline constexpr Activation all_activations[] = {
#define TAPEGRAD_ACTIVATION_LIST(name, ...) Activation::name,
    TAPEGRAD_ACTIVATIONS(TAPEGRAD_ACTIVATION_LIST)
#undef TAPEGRAD_ACTIVATION_LIST
};

constexpr std::string_view activation_name(Activation g) {
  switch (g) {
#define TAPEGRAD_ACTIVATION_NAME(name, ...) \
  case Activation::name: return #name;
    TAPEGRAD_ACTIVATIONS(TAPEGRAD_ACTIVATION_NAME)
#undef TAPEGRAD_ACTIVATION_NAME
  }
  return "unknown";
}

// The text of activation_names, built from the table at compile time.
constexpr std::size_t activation_name_text_capacity() {
  std::size_t n = 0;
  for (auto g : all_activations) n += activation_name(g).size() + 2;  // ", " after each
  return n + 2;                                                       // " or " once
}
struct ActivationNameText {
  char text[activation_name_text_capacity()]{};
  std::size_t size = 0;
  constexpr void add(std::string_view s) {
    for (char c : s) text[size++] = c;
  }
  // "sigmoid, tanh, ..., softplus or identity": every name, identity last.
  static constexpr ActivationNameText make() {
    ActivationNameText out;
    const std::size_t last = std::size(all_activations) - 1;
    for (std::size_t k = 1; k <= last; ++k) {
      out.add(activation_name(all_activations[k]));
      out.add(k < last ? ", " : " or ");
    }
    out.add(activation_name(all_activations[0]));
    return out;
  }
};
inline constexpr ActivationNameText activation_name_text = ActivationNameText::make();

/// The accepted names, for error messages and help texts.
inline constexpr std::string_view activation_names{activation_name_text.text, activation_name_text.size};

constexpr std::optional<Activation> parse_activation(std::string_view name) {
  for (auto g : all_activations)
    if (activation_name(g) == name) return g;
  return std::nullopt;
}

/// The tape's op for activation g and its numbers (identity: Op::leaf, none).
struct ActivationOp {
  Op op;
  Attr numbers;
};
constexpr ActivationOp activation_op(Activation g) {
  switch (g) {
#define TAPEGRAD_ACTIVATION_OP(name, init, op, p, ...) \
  case Activation::name: return {Op::op, {p}};
    TAPEGRAD_ACTIVATIONS(TAPEGRAD_ACTIVATION_OP)
#undef TAPEGRAD_ACTIVATION_OP
  }
  return {Op::leaf, {}};
}

/// Records a = g(z) on z's tape (identity records nothing and returns z).
/// leaky_relu has slope 0.01, elu alpha 1 and gelu is the exact z Phi(z).
template <class T>
Var<T> activate(Activation g, Var<T> z) {
  switch (g) {
#define TAPEGRAD_ACTIVATION_TAPE(name, init, op, p, ...) \
  case Activation::name:                                 \
    if constexpr (Op::op == Op::leaf) return z;          \
    else return unary<Op::op>(z, {p}).var();
    TAPEGRAD_ACTIVATIONS(TAPEGRAD_ACTIVATION_TAPE)
#undef TAPEGRAD_ACTIVATION_TAPE
  }
  return z;
}

/// g(z) for one number, as the table above writes it.
template <class T>
T activation_value(Activation g, T z) {
  switch (g) {
#define TAPEGRAD_ACTIVATION_VALUE(name, init, op, p, value, ...) \
  case Activation::name: return static_cast<T>(value);
    TAPEGRAD_ACTIVATIONS(TAPEGRAD_ACTIVATION_VALUE)
#undef TAPEGRAD_ACTIVATION_VALUE
  }
  return z;
}

/// g'(z), given z and a = g(z), as the table above writes it. At a kink
/// (z = 0) each takes its z <= 0 branch, as the tape does.
template <class T>
T activation_derivative(Activation g, [[maybe_unused]] T z, [[maybe_unused]] T a) {
  switch (g) {
#define TAPEGRAD_ACTIVATION_DERIVATIVE(name, init, op, p, value, derivative) \
  case Activation::name: return static_cast<T>(derivative);
    TAPEGRAD_ACTIVATIONS(TAPEGRAD_ACTIVATION_DERIVATIVE)
#undef TAPEGRAD_ACTIVATION_DERIVATIVE
  }
  return T(1);
}

}  // namespace tapegrad::nn
