// Rule text: the formulas the page shows are read from each op's row and agree with its rule.
#include "viz/rule_text.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>

#include "autograd/rules.hpp"
#include "viz/op_text.hpp"

namespace {

using tapegrad::Op;
using tapegrad::Rule;
using tapegrad::viz::Formula;
using Variables = std::map<std::string, double, std::less<>>;

// Where an op's rule is smooth and defined: a positive argument for the ops
// that need one, else either sign, kept away from the kinks at 0.
bool positive_only(Op op) {
  return op == Op::log || op == Op::sqrt || op == Op::pow || op == Op::pow_var || op == Op::log1p;
}

void check_close(double text, double rule, double tolerance, const std::string& what) {
  INFO(what);
  CHECK(std::abs(text - rule) <= tolerance * (1 + std::abs(rule)));
}

// Both the row's source and the text printed from it, read back, give the
// rule's value. The printed text rounds constants to 6 digits (gelu_tanh's
// sqrt(2 / pi) is 0.797885), hence its tolerance.
void check_formula(std::string_view source, const Variables& at, const Formula::Names& names, double rule,
                   const std::string& what) {
  const Formula formula = Formula::parse(source);
  check_close(formula.evaluate(at), rule, 1e-12, what + " (row: " + std::string(source) + ")");
  const std::string printed = formula.text(names);
  Variables plain = at;
  for (const auto& [name, value] : names.numbers) plain.erase(name);
  check_close(Formula::parse(printed).evaluate(plain), rule, 1e-5, what + " (printed: " + printed + ")");
}

template <Op op>
void check_unary(std::mt19937& rng) {
  // The numbers print exactly (as they would from a model: 0.01, 2, 0.5).
  constexpr double numbers[] = {0.25, 0.5, 0.75, 1.25, 1.5, 2, 3};
  std::uniform_real_distribution<double> magnitude(0.2, 2.0);
  std::uniform_int_distribution<int> pick(0, 6);
  for (int trial = 0; trial < 20; ++trial) {
    const double x = positive_only(op) || trial % 2 ? magnitude(rng) : -magnitude(rng);
    const double p = op == Op::clamp ? -numbers[pick(rng)] : numbers[pick(rng)];
    const double q = numbers[pick(rng)];
    const double y = Rule<op>::f(x, p, q);
    const Variables at{{"x", x}, {"y", y}, {"p", p}, {"q", q}};
    Formula::Names names;
    names.numbers = {{"p", p}, {"q", q}};
    const std::string what = std::string(tapegrad::op_name(op)) + " at x = " + std::to_string(x) +
                             ", p = " + std::to_string(p) + ", q = " + std::to_string(q);
    check_formula(tapegrad::rule_source(op).f, at, names, y, what + ": f");
    check_formula(tapegrad::rule_source(op).partials[0], at, names, Rule<op>::df(x, y, p, q), what + ": df");
  }
}

template <Op op>
void check_binary(std::mt19937& rng) {
  std::uniform_real_distribution<double> magnitude(0.2, 2.0);
  for (int trial = 0; trial < 20; ++trial) {
    const double a = positive_only(op) || trial % 2 ? magnitude(rng) : -magnitude(rng);
    const double b = trial % 3 ? magnitude(rng) : -magnitude(rng);
    const double z = Rule<op>::f(a, b);
    const Variables at{{"a", a}, {"b", b}, {"z", z}};
    const std::string what =
        std::string(tapegrad::op_name(op)) + " at a = " + std::to_string(a) + ", b = " + std::to_string(b);
    check_formula(tapegrad::rule_source(op).f, at, {}, z, what + ": f");
    check_formula(tapegrad::rule_source(op).partials[0], at, {}, Rule<op>::da(a, b, z), what + ": da");
    check_formula(tapegrad::rule_source(op).partials[1], at, {}, Rule<op>::db(a, b, z), what + ": db");
  }
}

}  // namespace

TEST_CASE("every elementwise op's row, as text, evaluates to its rule's f and derivative at random points") {
  std::mt19937 rng(21);
#define TAPEGRAD_CHECK_UNARY(name, ...) check_unary<Op::name>(rng);
  TAPEGRAD_UNARY_RULES(TAPEGRAD_CHECK_UNARY)
#undef TAPEGRAD_CHECK_UNARY
#define TAPEGRAD_CHECK_BINARY(name, ...) check_binary<Op::name>(rng);
  TAPEGRAD_BINARY_RULES(TAPEGRAD_CHECK_BINARY)
#undef TAPEGRAD_CHECK_BINARY
}

TEST_CASE("the page's chain rule prints the row's derivative in the derivation's notation") {
  using tapegrad::viz::chain_rule;
  SUBCASE("an activation names its derivative") {
    CHECK(chain_rule(Op::sigmoid, 0, "g^[1z]", "=", "g^[1a]", {"z^[1]"}, "a^[1]", 0, 0, true) ==
          "g^[1z] = g'(z^[1]) o g^[1a],   g'(z^[1]) = a^[1] (1 - a^[1])");
  }
  SUBCASE("a binary op's partials, one per input") {
    CHECK(chain_rule(Op::div, 0, "g(a)", "+=", "g(z)", {"a", "b"}, "z", 0, 0, true) ==
          "g(a) += g(z) / b");
    CHECK(chain_rule(Op::div, 1, "g(b)", "+=", "g(z)", {"a", "b"}, "z", 0, 0, true) ==
          "g(b) += -z / b o g(z)");
  }
  SUBCASE("an op's numbers are substituted") {
    CHECK(chain_rule(Op::mul_scalar, 0, "g(x)", "=", "g(y)", {"x"}, "y", 2, 0, true) == "g(x) = 2 g(y)");
  }
}

TEST_CASE("a formula the reader cannot read is refused with its position") {
  CHECK_THROWS_WITH_AS(Formula::parse("x + * 2"), doctest::Contains("formula"), std::invalid_argument);
  CHECK_THROWS_AS(Formula::parse("x +").evaluate({{"x", 1}}), std::invalid_argument);
  CHECK_THROWS_AS(Formula::parse("unknown_function(x)").evaluate({{"x", 1}}), std::invalid_argument);
  CHECK_THROWS_AS(Formula::parse("x + y").evaluate({{"x", 1}}), std::invalid_argument);
}

TEST_CASE("every op has a distinct name and a distinct symbol") {
  std::set<std::string> names, symbols;
  for (std::size_t k = 0; k < tapegrad::op_count; ++k) {
    const auto op = static_cast<Op>(k);
    INFO(tapegrad::op_name(op));
    CHECK(names.insert(std::string(tapegrad::op_name(op))).second);
    CHECK(symbols.insert(tapegrad::viz::op_symbol(op, 2, 3, true)).second);
  }
  CHECK(tapegrad::viz::op_symbol(Op::pow, 3, 0, true) != tapegrad::viz::op_symbol(Op::pow_var, 3, 0, true));
  CHECK(tapegrad::viz::op_symbol(Op::gelu, 0, 0, true) != tapegrad::viz::op_symbol(Op::gelu_tanh, 0, 0, true));
}

TEST_CASE("every tensor op's page text has a chain rule for each of its inputs") {
  using tapegrad::OpKind;
  for (std::size_t k = 0; k < tapegrad::op_count; ++k) {
    const auto op = static_cast<Op>(k);
    if (tapegrad::op_kind(op) != OpKind::tensor || op == Op::custom) continue;
    INFO(tapegrad::op_name(op));
    CHECK_FALSE(tapegrad::viz::op_text(op).rules[0].empty());
  }
  CHECK_FALSE(tapegrad::viz::op_text(Op::matmul).rules[1].empty());
  CHECK_FALSE(tapegrad::viz::op_text(Op::affine).rules[2].empty());
}
