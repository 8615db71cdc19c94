// Op text: the table of symbols, input labels, equation forms and tensor ops' chain rules.
#include "viz/op_text.hpp"

#include <fmt/format.h>

#include "autograd/rules.hpp"
#include "viz/rule_text.hpp"

namespace tapegrad::viz {
namespace {

constexpr std::array<std::string_view, 3> two_inputs{"a", "b"};
constexpr std::array<std::string_view, 3> loss_inputs{"prediction", "target"};

// Every op starts as a call of its name; the entries below say otherwise.
constexpr std::array<OpText, op_count> make_table() {
  std::array<OpText, op_count> t{};
  for (std::size_t k = 0; k < op_count; ++k) t[k].symbol = {};  // filled from op_name at run time
  auto at = [&t](Op op) -> OpText& { return t[static_cast<std::size_t>(op)]; };
  at(Op::leaf).symbol = "leaf";
  // A statement of several ops: its rule is its partials.
  at(Op::expression) = {"expression", {}, {}, OpForm::call, {}, {"{gin} {assign} d{r}/d{x} . {g}"}};
  at(Op::add) = {"+", {}, two_inputs, OpForm::infix};
  at(Op::sub) = {"\u2212", {}, two_inputs, OpForm::infix};
  at(Op::mul) = {"\u00d7", {}, two_inputs, OpForm::infix};
  at(Op::div) = {"/", {}, two_inputs, OpForm::infix};
  at(Op::pow_var) = {"a^b", {}, two_inputs, OpForm::infix, "^"};
  at(Op::maximum) = {"max", {}, two_inputs};
  at(Op::minimum) = {"min", {}, two_inputs};
  at(Op::neg) = {"\u2212x", {}, {}, OpForm::number_in};
  at(Op::add_scalar) = {"+ {p}", {}, {}, OpForm::in_number};
  at(Op::mul_scalar) = {"\u00d7 {p}", {}, {}, OpForm::in_number};
  at(Op::rsub_scalar) = {"{p} \u2212 x", {}, {}, OpForm::number_in};
  at(Op::rdiv_scalar) = {"{p} / x", {}, {}, OpForm::number_in};
  at(Op::rpow_scalar) = {"{p}^x", {}, {}, OpForm::number_in};
  at(Op::pow).symbol = "pow {p}";
  at(Op::clamp).symbol = "clamp [{p}, {q}]";
  at(Op::leaky_relu).symbol = "leaky_relu {p}";
  at(Op::elu).symbol = "elu {p}";
  at(Op::gelu_tanh).symbol = "gelu (tanh)";
  for (Op op : {Op::sigmoid, Op::tanh, Op::relu, Op::leaky_relu, Op::elu}) at(op).named_derivative = true;

  at(Op::softmax).rules = {"{gin} {assign} {r} o ({g} - rowsum({g} o {r}))"};
  at(Op::log_softmax).rules = {"{gin} {assign} {g} - exp({r}) o rowsum({g})"};
  at(Op::matmul) = {"matmul", {}, two_inputs, OpForm::product, {},
                    {"{gin} {assign} {g} ({in1})^T", "{gin} {assign} ({in0})^T {g}"}};
  at(Op::transpose).rules = {"{gin} {assign} ({g})^T"};
  at(Op::affine) = {"affine", "a W + b", {"a", "W", "b"}, OpForm::product, {},
                    {"{gin} {assign} {g} ({in1})^T", "{gin} {assign} ({in0})^T {g}",
                     "{gin} {assign} column sums of {g}"}};
  at(Op::dense) = {"dense", "act(a W + b)", {"a", "W", "b"}, OpForm::call, {},
                   {"{gin} {assign} ({g} o act'(z)) ({in1})^T", "{gin} {assign} ({in0})^T ({g} o act'(z))",
                    "{gin} {assign} column sums of {g} o act'(z)"}};
  at(Op::sum).rules = {"{gin} {assign} {g}"};
  at(Op::sum_rows).rules = {"{gin} {assign} {g}"};
  at(Op::sum_cols).rules = {"{gin} {assign} {g}"};
  at(Op::mean).rules = {"{gin} {assign} {g} / size({x})"};
  at(Op::binary_cross_entropy) = {"binary_cross_entropy ({reduction})", {}, loss_inputs, OpForm::call, {},
                                  {"{gin} {assign} ({x} - y) / ({x} (1 - {x})){scale} . {g}"}};
  at(Op::binary_cross_entropy_with_logits) = {"bce_with_logits ({reduction})", {}, loss_inputs, OpForm::call, {},
                                              {"{gin} {assign} (sigmoid({x}) - y){scale} . {g}"}};
  at(Op::mse) = {"mse ({reduction})", {}, loss_inputs, OpForm::call, {},
                 {"{gin} {assign} 2 ({x} - y) / n{scale} . {g}"}};
  at(Op::half_sse) = {"half_sse ({reduction})", {}, loss_inputs, OpForm::call, {},
                      {"{gin} {assign} ({x} - y){scale} . {g}"}};
  at(Op::cross_entropy) = {"cross_entropy ({reduction})", {}, loss_inputs, OpForm::call, {},
                           {"{gin} {assign} (softmax({x}) - y){scale} . {g}"}};
  return t;
}

constexpr std::array<OpText, op_count> table = make_table();
static_assert(table.size() == static_cast<std::size_t>(Op::count), "an entry per op code");

}  // namespace

const OpText& op_text(Op op) {
  static const std::array<OpText, op_count> named = [] {
    std::array<OpText, op_count> t = table;
    for (std::size_t k = 0; k < op_count; ++k)
      if (t[k].symbol.empty()) t[k].symbol = op_name(static_cast<Op>(k));
    return t;
  }();
  return named[static_cast<std::size_t>(op)];
}

std::string op_symbol(Op op, double p, double q, bool mean) {
  return fmt::format(fmt::runtime(op_text(op).symbol), fmt::arg("p", fmt::format("{:g}", p)),
                     fmt::arg("q", fmt::format("{:g}", q)), fmt::arg("reduction", mean ? "mean" : "sum"));
}

std::string chain_rule(Op op, int k, std::string_view gin, std::string_view assign, std::string_view g,
                       std::array<std::string, 3> inputs, std::string_view r, double p, double q, bool mean) {
  const OpKind kind = op_kind(op);
  if (kind == OpKind::unary || kind == OpKind::binary) {
    // The local derivative as the op's row states it.
    Formula::Names names;
    names.numbers = {{"p", p}, {"q", q}};
    if (kind == OpKind::unary) {
      names.names = {{"x", inputs[0]}, {"y", std::string(r)}};
    } else {
      names.names = {{"a", inputs[0]}, {"b", inputs[1]}, {"z", std::string(r)}};
    }
    return chain_rule_text(rule_source(op).partials[static_cast<std::size_t>(k)], op_text(op).named_derivative,
                           gin, assign, g, names);
  }
  const std::string_view rule = op_text(op).rules[static_cast<std::size_t>(k)];
  return fmt::format(fmt::runtime(rule.empty() ? "{gin} {assign} d{r}/d{x} . {g}" : rule), fmt::arg("gin", gin),
                     fmt::arg("assign", assign), fmt::arg("g", g), fmt::arg("x", inputs[static_cast<std::size_t>(k)]),
                     fmt::arg("r", r), fmt::arg("in0", inputs[0]), fmt::arg("in1", inputs[1]),
                     fmt::arg("scale", mean ? " / m" : ""), fmt::arg("p", fmt::format("{:g}", p)),
                     fmt::arg("q", fmt::format("{:g}", q)));
}

}  // namespace tapegrad::viz
