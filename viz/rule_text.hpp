// Rule text: an elementwise op's formula, read from its row (autograd/op.hpp),
// printed in the derivation's notation and evaluated (tests check the text
// against the rule).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tapegrad::viz {

/// A formula: numbers, variables (x, y, a, b, z, p, q), calls of the math
/// functions, arithmetic, comparisons and conditions. `parse` reads both a
/// row's C++ (`p == 0 ? 0 : p * pow(x, p - 1)`) and the text `text` prints
/// (`0 if p = 0 else p x^(p - 1)`), so a printed text can be read back.
class Formula {
 public:
  /// Throws std::invalid_argument naming the position of what it cannot read.
  static Formula parse(std::string_view source);

  /// What the printed text calls a variable (`x` -> `z^[1]`) or the number it stands for.
  struct Names {
    std::map<std::string, std::string, std::less<>> names;
    std::map<std::string, double, std::less<>> numbers;
  };
  /// The formula in the derivation's notation: products by juxtaposition,
  /// `x^2`, `[x > 0]` for 1 or 0, `A if C else B`; the numbers given are
  /// substituted and what they make constant is worked out.
  std::string text(const Names& names = {}) const;
  /// Its value, every variable given (a missing one throws std::invalid_argument).
  double evaluate(const std::map<std::string, double, std::less<>>& variables) const;

  /// The shape of the printed text's top level, for the chain rule's layout.
  enum class Top { number, sum, quotient_of_one, other };
  Top top(const Names& names = {}) const;
  /// The denominator of a `1 / d` formula, printed.
  std::string denominator(const Names& names = {}) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

/// The chain rule of input `k` of elementwise op `op` as the step-through page
/// shows it: `{gin} {assign} <local derivative> o {g}` with the local
/// derivative printed from the op's row, or with `named` the activation form
/// `{gin} {assign} g'({x}) o {g},   g'({x}) = <local derivative>`. Names:
/// gin, g (gradients), and for the formula x, y (unary) or a, b, z (binary);
/// numbers: p, q.
std::string chain_rule_text(std::string_view derivative_source, bool named, std::string_view gin,
                            std::string_view assign, std::string_view g, const Formula::Names& names);

}  // namespace tapegrad::viz
