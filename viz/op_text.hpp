// Op text: how the pictures and the page show each op, in a table indexed by op code.
//
// The engine knows an op's code, name and rule; everything shown to a person
// is here: the symbol an op node draws, its inputs' labels, how the page
// writes its forward equation, and its chain rule: generated from the rule's
// row for an elementwise op (viz/rule_text.hpp, evaluated against the rule by
// tests/viz/rule_text_test.cpp), written out here for a tensor op, whose rule
// is code (autograd/tensor_ops.cpp).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "autograd/op.hpp"

namespace tapegrad::viz {

/// How the page writes an op's forward equation.
enum class OpForm : std::uint8_t {
  call,       // name(inputs...)  numbers
  infix,      // in0 symbol in1
  number_in,  // the symbol with the input for `x`: "2 − x", "2 / x", "2^x", "−x"
  in_number,  // the input, then the symbol: "x + 2", "x × 2"
  product,    // matmul: a b; affine: a W + b
};

/// What a picture and the page show of an op. In `symbol` and `rules`, `{p}`
/// and `{q}` stand for the op's numbers and `{reduction}` for mean or sum; a
/// rule's other fields are gradient and value names: `{gin}` the input's
/// gradient, `{assign}` "=" or "+=", `{g}` the record's gradient, `{x}` the
/// input, `{r}` the record, `{in0}` `{in1}` the inputs, `{scale}` " / m" for a
/// mean loss. An elementwise op's rules are empty: they come from its row.
struct OpText {
  std::string_view symbol{};  // plain text (UTF-8)
  std::string_view note{};    // a second, smaller line under the symbol ("a W + b")
  std::array<std::string_view, 3> inputs{};
  OpForm form = OpForm::call;
  std::string_view infix{};  // the operator of an infix equation, when it differs from the symbol
  std::array<std::string_view, 3> rules{};
  // Elementwise activations: the page's rule reads g'(x) o g, g'(x) = ...
  bool named_derivative = false;
};

/// The op's entry.
const OpText& op_text(Op op);

/// The op's symbol with its numbers and reduction filled in ("× 2", "mse (mean)").
std::string op_symbol(Op op, double p, double q, bool mean);

/// The chain rule of input `k` of a record of `op` in the derivation's
/// notation: gradient names `gin` and `g`, `assign` "=" or "+=", the value
/// names of its inputs and of the record `r`, its numbers p, q and whether
/// its reduction is mean.
std::string chain_rule(Op op, int k, std::string_view gin, std::string_view assign, std::string_view g,
                       std::array<std::string, 3> inputs, std::string_view r, double p, double q, bool mean);

}  // namespace tapegrad::viz
