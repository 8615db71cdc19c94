// Rule text: a small reader, printer and evaluator of the formulas in the ops' rows.
#include "viz/rule_text.hpp"

#include <cctype>
#include <cmath>
#include <functional>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

namespace tapegrad::viz {

struct Formula::Node {
  enum class Kind { number, variable, call, negate, logical_not, binary, condition };
  enum class Binary { add, sub, mul, div, pow, lt, gt, le, ge, eq, ne, logical_and, logical_or };
  Kind kind = Kind::number;
  double value = 0;
  std::string name;  // a variable's or a function's
  Binary op = Binary::add;
  std::vector<std::shared_ptr<const Node>> args;  // call arguments; operands; condition, then, else
};

namespace {

using Node = Formula::Node;
using NodePtr = std::shared_ptr<const Node>;
using Kind = Node::Kind;
using Binary = Node::Binary;

NodePtr number(double v) {
  auto n = std::make_shared<Node>();
  n->value = v;
  return n;
}
NodePtr make(Kind kind, std::vector<NodePtr> args, Binary op = Binary::add, std::string name = {}) {
  auto n = std::make_shared<Node>();
  n->kind = kind;
  n->args = std::move(args);
  n->op = op;
  n->name = std::move(name);
  return n;
}

// ---------------------------------------------------------------- reading

struct Token {
  enum class Type { number, name, symbol, end } type = Type::end;
  std::string text;
  double value = 0;
  bool space_before = false;  // `f(x)` is a call, `r (1 - r)` a product
  std::size_t at = 0;
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t k = 0;
  bool space = false;
  while (k < s.size()) {
    const char c = s[k];
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      ++k;
      continue;
    }
    Token t;
    t.at = k;
    t.space_before = space;
    space = false;
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && k + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[k + 1])))) {
      std::size_t end = k;
      while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.' ||
                                s[end] == 'e' || ((s[end] == '-' || s[end] == '+') && end > k && s[end - 1] == 'e')))
        ++end;
      t.type = Token::Type::number;
      t.text = std::string(s.substr(k, end - k));
      t.value = std::stod(t.text);
      k = end;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t end = k;
      while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_' ||
                                (s[end] == ':' && end + 1 < s.size() && s[end + 1] == ':')))
        end += s[end] == ':' ? 2 : 1;
      std::string name(s.substr(k, end - k));
      if (name.starts_with("math::")) name = name.substr(6);
      t.type = Token::Type::name;
      t.text = name;
      k = end;
    } else {
      static const char* two[] = {"<=", ">=", "==", "!=", "&&", "||"};
      t.type = Token::Type::symbol;
      t.text = std::string(1, c);
      for (const char* op : two)
        if (s.substr(k, 2) == op) t.text = op;
      if (std::string_view("+-*/^()[],?:<>=!&|").find(c) == std::string_view::npos)
        throw std::invalid_argument(fmt::format("formula: unexpected '{}' at {} in `{}`", c, k, s));
      k += t.text.size();
    }
    out.push_back(t);
  }
  Token end;
  end.at = s.size();
  out.push_back(end);
  return out;
}

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source), tokens_(tokenize(source)) {}

  NodePtr read() {
    NodePtr n = condition();
    if (peek().type != Token::Type::end) fail("unexpected text");
    return n;
  }

 private:
  const Token& peek() const { return tokens_[k_]; }
  bool is(std::string_view text) const {
    return (peek().type == Token::Type::symbol || peek().type == Token::Type::name) && peek().text == text;
  }
  bool take(std::string_view text) {
    if (!is(text)) return false;
    ++k_;
    return true;
  }
  void expect(std::string_view text) {
    if (!take(text)) fail(fmt::format("expected '{}'", text));
  }
  [[noreturn]] void fail(std::string_view what) const {
    throw std::invalid_argument(fmt::format("formula: {} at {} in `{}`", what, peek().at, source_));
  }

  // c ? a : b, and a if c else b: the lowest precedence, right to left
  NodePtr condition() {
    NodePtr first = logical_or();
    if (take("?")) {
      NodePtr then = condition();
      expect(":");
      return make(Kind::condition, {first, then, condition()});
    }
    if (take("if")) {
      NodePtr test = logical_or();
      expect("else");
      return make(Kind::condition, {test, first, condition()});
    }
    return first;
  }
  NodePtr logical_or() {
    NodePtr n = logical_and();
    while (take("||") || take("or")) n = make(Kind::binary, {n, logical_and()}, Binary::logical_or);
    return n;
  }
  NodePtr logical_and() {
    NodePtr n = comparison();
    while (take("&&") || take("and")) n = make(Kind::binary, {n, comparison()}, Binary::logical_and);
    return n;
  }
  NodePtr comparison() {
    NodePtr n = sum();
    for (;;) {
      Binary op;
      if (take("<=")) op = Binary::le;
      else if (take(">=")) op = Binary::ge;
      else if (take("==") || take("=")) op = Binary::eq;
      else if (take("!=")) op = Binary::ne;
      else if (take("<")) op = Binary::lt;
      else if (take(">")) op = Binary::gt;
      else return n;
      n = make(Kind::binary, {n, sum()}, op);
    }
  }
  NodePtr sum() {
    NodePtr n = product();
    for (;;) {
      if (take("+")) n = make(Kind::binary, {n, product()}, Binary::add);
      else if (take("-")) n = make(Kind::binary, {n, product()}, Binary::sub);
      else return n;
    }
  }
  // Where a factor can start with no operator before it: a product by juxtaposition.
  bool starts_factor() const {
    const Token& t = peek();
    if (t.type == Token::Type::number) return true;
    if (t.type == Token::Type::name) return t.text != "if" && t.text != "else" && t.text != "and" && t.text != "or";
    return t.type == Token::Type::symbol && (t.text == "(" || t.text == "[");
  }
  NodePtr product() {
    NodePtr n = unary();
    for (;;) {
      if (take("*")) n = make(Kind::binary, {n, unary()}, Binary::mul);
      else if (take("/")) n = make(Kind::binary, {n, unary()}, Binary::div);
      else if (starts_factor()) n = make(Kind::binary, {n, unary()}, Binary::mul);
      else return n;
    }
  }
  NodePtr unary() {
    if (take("-")) return make(Kind::negate, {unary()});
    if (take("+")) return unary();
    if (take("!")) return make(Kind::logical_not, {unary()});
    return power();
  }
  NodePtr power() {
    NodePtr base = primary();
    if (take("^")) return make(Kind::binary, {base, unary()}, Binary::pow);
    return base;
  }
  NodePtr primary() {
    const Token t = peek();
    if (t.type == Token::Type::number) {
      ++k_;
      return number(t.value);
    }
    if (take("(")) {
      NodePtr n = condition();
      expect(")");
      return n;
    }
    if (take("[")) {  // [c]: 1 if c holds, else 0
      NodePtr c = condition();
      expect("]");
      return make(Kind::condition, {c, number(1), number(0)});
    }
    if (t.type != Token::Type::name) fail("expected a number, a name or '('");
    ++k_;
    const Token& next = peek();
    if (next.type == Token::Type::symbol && next.text == "(" && !next.space_before) {
      ++k_;
      std::vector<NodePtr> args;
      if (!take(")")) {
        do args.push_back(condition());
        while (take(","));
        expect(")");
      }
      if (t.text == "T" && args.size() == 1) return args[0];  // a row's cast to its number type
      return make(Kind::call, std::move(args), Binary::add, t.text);
    }
    return make(Kind::variable, {}, Binary::add, t.text);
  }

  std::string_view source_;
  std::vector<Token> tokens_;
  std::size_t k_ = 0;
};

// ---------------------------------------------------------------- evaluating

double call(const std::string& f, const std::vector<double>& x) {
  auto one = [&](auto fn) {
    if (x.size() != 1) throw std::invalid_argument(fmt::format("formula: {} takes one argument", f));
    return fn(x[0]);
  };
  if (f == "exp") return one([](double v) { return std::exp(v); });
  if (f == "log") return one([](double v) { return std::log(v); });
  if (f == "sqrt") return one([](double v) { return std::sqrt(v); });
  if (f == "sin") return one([](double v) { return std::sin(v); });
  if (f == "cos") return one([](double v) { return std::cos(v); });
  if (f == "tan") return one([](double v) { return std::tan(v); });
  if (f == "atan") return one([](double v) { return std::atan(v); });
  if (f == "tanh") return one([](double v) { return std::tanh(v); });
  if (f == "abs") return one([](double v) { return std::abs(v); });
  if (f == "log1p") return one([](double v) { return std::log1p(v); });
  if (f == "expm1") return one([](double v) { return std::expm1(v); });
  if (f == "erf") return one([](double v) { return std::erf(v); });
  if (f == "sign") return one([](double v) { return double((v > 0) - (v < 0)); });
  if (f == "sigmoid") return one([](double v) { return 1 / (1 + std::exp(-v)); });
  if (f == "normal_cdf" || f == "Phi") return one([](double v) { return 0.5 * (1 + std::erf(v / std::numbers::sqrt2)); });
  if (f == "normal_pdf" || f == "phi")
    return one([](double v) { return std::exp(-0.5 * v * v) * std::numbers::inv_sqrtpi / std::numbers::sqrt2; });
  if (f == "isnan") return one([](double v) { return double(std::isnan(v)); });
  if (f == "pow") {
    if (x.size() != 2) throw std::invalid_argument("formula: pow takes two arguments");
    return std::pow(x[0], x[1]);
  }
  throw std::invalid_argument(fmt::format("formula: unknown function {}", f));
}

double binary(Binary op, double a, double b) {
  switch (op) {
    case Binary::add: return a + b;
    case Binary::sub: return a - b;
    case Binary::mul: return a * b;
    case Binary::div: return a / b;
    case Binary::pow: return std::pow(a, b);
    case Binary::lt: return a < b;
    case Binary::gt: return a > b;
    case Binary::le: return a <= b;
    case Binary::ge: return a >= b;
    case Binary::eq: return a == b;
    case Binary::ne: return a != b;
    case Binary::logical_and: return a != 0 && b != 0;
    case Binary::logical_or: return a != 0 || b != 0;
  }
  return 0;
}

double evaluate(const Node& n, const std::map<std::string, double, std::less<>>& vars) {
  switch (n.kind) {
    case Kind::number: return n.value;
    case Kind::variable: {
      const auto it = vars.find(n.name);
      if (it == vars.end()) throw std::invalid_argument(fmt::format("formula: no value for {}", n.name));
      return it->second;
    }
    case Kind::call: {
      std::vector<double> x;
      for (const NodePtr& a : n.args) x.push_back(evaluate(*a, vars));
      return call(n.name, x);
    }
    case Kind::negate: return -evaluate(*n.args[0], vars);
    case Kind::logical_not: return evaluate(*n.args[0], vars) == 0;
    case Kind::binary: return binary(n.op, evaluate(*n.args[0], vars), evaluate(*n.args[1], vars));
    case Kind::condition:
      return evaluate(*n.args[0], vars) != 0 ? evaluate(*n.args[1], vars) : evaluate(*n.args[2], vars);
  }
  return 0;
}

// ---------------------------------------------------------------- printing

bool is_number(const NodePtr& n, double v) { return n->kind == Kind::number && n->value == v; }
bool same(const Node& a, const Node& b) {
  if (a.kind != b.kind || a.value != b.value || a.name != b.name || a.op != b.op || a.args.size() != b.args.size())
    return false;
  for (std::size_t k = 0; k < a.args.size(); ++k)
    if (!same(*a.args[k], *b.args[k])) return false;
  return true;
}

// The numbers substituted, what they make constant worked out, and the
// identities a reader would not write (1 x, x + 0, x^1) removed.
NodePtr simplify(const NodePtr& n, const Formula::Names& names) {
  switch (n->kind) {
    case Kind::number: return n;
    case Kind::variable: {
      const auto it = names.numbers.find(n->name);
      return it == names.numbers.end() ? n : number(it->second);
    }
    case Kind::call: {
      std::vector<NodePtr> args;
      bool constant = true;
      for (const NodePtr& a : n->args) {
        args.push_back(simplify(a, names));
        constant = constant && args.back()->kind == Kind::number;
      }
      if (constant && n->name != "isnan") {
        std::vector<double> x;
        for (const NodePtr& a : args) x.push_back(a->value);
        const double v = call(n->name, x);
        // log(2) reads better than 0.693147 where the number is not round
        if (v == std::round(v * 1e6) / 1e6) return number(v);
      }
      if (n->name == "pow" && args.size() == 2) return simplify(make(Kind::binary, args, Binary::pow), names);
      return make(Kind::call, std::move(args), Binary::add, n->name);
    }
    case Kind::negate: {
      NodePtr x = simplify(n->args[0], names);
      if (x->kind == Kind::number) return number(-x->value);
      if (x->kind == Kind::negate) return x->args[0];
      return make(Kind::negate, {x});
    }
    case Kind::logical_not: {
      NodePtr x = simplify(n->args[0], names);
      if (x->kind == Kind::number) return number(x->value == 0);
      return make(Kind::logical_not, {x});
    }
    case Kind::binary: {
      NodePtr a = simplify(n->args[0], names), b = simplify(n->args[1], names);
      if (a->kind == Kind::number && b->kind == Kind::number) return number(binary(n->op, a->value, b->value));
      switch (n->op) {
        case Binary::add:
          if (is_number(a, 0)) return b;
          if (is_number(b, 0)) return a;
          break;
        case Binary::sub:
          if (is_number(b, 0)) return a;
          if (is_number(a, 0)) return simplify(make(Kind::negate, {b}), names);
          break;
        case Binary::mul:
          if (is_number(a, 1)) return b;
          if (is_number(b, 1)) return a;
          if (is_number(a, -1)) return simplify(make(Kind::negate, {b}), names);
          if (is_number(b, -1)) return simplify(make(Kind::negate, {a}), names);
          if (b->kind == Kind::number) std::swap(a, b);  // numbers first: 2 x
          break;
        case Binary::div:
          if (is_number(b, 1)) return a;
          break;
        case Binary::pow:
          if (is_number(b, 1)) return a;
          if (is_number(b, 0)) return number(1);
          break;
        case Binary::logical_and:
          if (a->kind == Kind::number) return a->value != 0 ? b : number(0);
          if (b->kind == Kind::number) return b->value != 0 ? a : number(0);
          break;
        case Binary::logical_or:
          if (a->kind == Kind::number) return a->value != 0 ? number(1) : b;
          if (b->kind == Kind::number) return b->value != 0 ? number(1) : a;
          break;
        default: break;
      }
      return make(Kind::binary, {a, b}, n->op);
    }
    case Kind::condition: {
      NodePtr c = simplify(n->args[0], names);
      if (c->kind == Kind::number) return simplify(n->args[c->value != 0 ? 1 : 2], names);
      return make(Kind::condition, {c, simplify(n->args[1], names), simplify(n->args[2], names)});
    }
  }
  return n;
}

// Precedences, loosest first.
enum Prec { p_condition = 1, p_or, p_and, p_compare, p_sum, p_product, p_unary, p_power, p_atom };

bool iverson(const Node& n) {
  return n.kind == Kind::condition && is_number(n.args[1], 1) && is_number(n.args[2], 0);
}

int precedence(const Node& n) {
  switch (n.kind) {
    case Kind::number: return n.value < 0 ? p_unary : p_atom;
    case Kind::variable:
    case Kind::call: return p_atom;
    case Kind::negate:
    case Kind::logical_not: return p_unary;
    case Kind::condition: return iverson(n) ? p_atom : p_condition;
    case Kind::binary:
      switch (n.op) {
        case Binary::add:
        case Binary::sub: return p_sum;
        case Binary::mul:
        case Binary::div: return p_product;
        case Binary::pow: return p_power;
        case Binary::logical_and: return p_and;
        case Binary::logical_or: return p_or;
        default: return p_compare;
      }
  }
  return p_atom;
}

std::string print(const Node& n, const Formula::Names& names);

// n printed, in parentheses unless it binds at least as tightly as `least`.
std::string operand(const Node& n, int least, const Formula::Names& names) {
  const std::string text = print(n, names);
  return precedence(n) >= least ? text : "(" + text + ")";
}

std::string print(const Node& n, const Formula::Names& names) {
  switch (n.kind) {
    case Kind::number: return fmt::format("{:.6g}", n.value);
    case Kind::variable: {
      const auto it = names.names.find(n.name);
      return it == names.names.end() ? n.name : it->second;
    }
    case Kind::call: {
      const std::string name = n.name == "normal_cdf" ? "Phi" : n.name == "normal_pdf" ? "phi" : n.name;
      std::string out = name + "(";
      for (std::size_t k = 0; k < n.args.size(); ++k) out += (k ? ", " : "") + print(*n.args[k], names);
      return out + ")";
    }
    case Kind::negate: return "-" + operand(*n.args[0], p_unary, names);
    case Kind::logical_not: return "not " + operand(*n.args[0], p_unary, names);
    case Kind::condition:
      if (iverson(n)) return "[" + print(*n.args[0], names) + "]";
      return operand(*n.args[1], p_or, names) + " if " + operand(*n.args[0], p_or, names) + " else " +
             operand(*n.args[2], p_condition, names);
    case Kind::binary: {
      const Node& a = *n.args[0];
      const Node& b = *n.args[1];
      switch (n.op) {
        case Binary::add:
          if (b.kind == Kind::negate) return operand(a, p_sum, names) + " - " + operand(*b.args[0], p_product, names);
          if (b.kind == Kind::number && b.value < 0) return operand(a, p_sum, names) + fmt::format(" - {:.6g}", -b.value);
          return operand(a, p_sum, names) + " + " + operand(b, p_sum, names);
        case Binary::sub: return operand(a, p_sum, names) + " - " + operand(b, p_product, names);
        case Binary::mul:
          if (same(a, b)) return operand(a, p_atom, names) + "^2";
          // juxtaposed: a negative or quotient on the right is bracketed, so it reads back the same
          return operand(a, p_product, names) + " " + operand(b, p_power, names);
        case Binary::div: return operand(a, p_product, names) + " / " + operand(b, p_power, names);
        case Binary::pow: return operand(a, p_atom, names) + "^" + operand(b, p_atom, names);
        case Binary::lt: return operand(a, p_sum, names) + " < " + operand(b, p_sum, names);
        case Binary::gt: return operand(a, p_sum, names) + " > " + operand(b, p_sum, names);
        case Binary::le: return operand(a, p_sum, names) + " <= " + operand(b, p_sum, names);
        case Binary::ge: return operand(a, p_sum, names) + " >= " + operand(b, p_sum, names);
        case Binary::eq: return operand(a, p_sum, names) + " = " + operand(b, p_sum, names);
        case Binary::ne: return operand(a, p_sum, names) + " != " + operand(b, p_sum, names);
        case Binary::logical_and: return operand(a, p_and, names) + " and " + operand(b, p_compare, names);
        case Binary::logical_or: return operand(a, p_or, names) + " or " + operand(b, p_and, names);
      }
    }
  }
  return {};
}

}  // namespace

Formula Formula::parse(std::string_view source) {
  Formula f;
  f.root_ = Reader(source).read();
  return f;
}

std::string Formula::text(const Names& names) const { return print(*simplify(root_, names), names); }

double Formula::evaluate(const std::map<std::string, double, std::less<>>& variables) const {
  return tapegrad::viz::evaluate(*root_, variables);
}

Formula::Top Formula::top(const Names& names) const {
  const NodePtr n = simplify(root_, names);
  if (n->kind == Kind::number) return Top::number;
  if (n->kind == Kind::binary && n->op == Binary::div && is_number(n->args[0], 1)) return Top::quotient_of_one;
  if (precedence(*n) < p_product) return Top::sum;
  return Top::other;
}

std::string Formula::denominator(const Names& names) const {
  const NodePtr n = simplify(root_, names);
  if (n->kind != Kind::binary || n->op != Binary::div) return {};
  return operand(*n->args[1], p_power, names);
}

std::string chain_rule_text(std::string_view derivative_source, bool named, std::string_view gin,
                            std::string_view assign, std::string_view g, const Formula::Names& names) {
  const Formula f = Formula::parse(derivative_source);
  const std::string local = f.text(names);
  if (named) {
    const auto x = names.names.find("x");
    const std::string input = x == names.names.end() ? "x" : x->second;
    return fmt::format("{} {} g'({}) o {},   g'({}) = {}", gin, assign, input, g, input, local);
  }
  switch (f.top(names)) {
    case Formula::Top::number:
      if (local == "1") return fmt::format("{} {} {}", gin, assign, g);
      if (local == "-1") return fmt::format("{} {} -{}", gin, assign, g);
      return fmt::format("{} {} {} {}", gin, assign, local, g);
    case Formula::Top::quotient_of_one: return fmt::format("{} {} {} / {}", gin, assign, g, f.denominator(names));
    case Formula::Top::sum: return fmt::format("{} {} ({}) o {}", gin, assign, local, g);
    case Formula::Top::other: break;
  }
  return fmt::format("{} {} {} o {}", gin, assign, local, g);
}

}  // namespace tapegrad::viz
