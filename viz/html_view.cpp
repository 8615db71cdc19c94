// HTML view: the reverse walk's steps as data, and the self-contained page that plays them.
#include "viz/html_view.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/file.hpp"
#include "autograd/rules.hpp"
#include "viz/op_text.hpp"
#include "viz/html_view_page.hpp"  // generated from viz/page/ by viz/embed_page.py

namespace tapegrad::viz {
namespace {

using json = nlohmann::json;

template <class T>
json rows_json(const T* data, Shape shape) {
  json rows = json::array();
  for (std::uint32_t i = 0; i < shape.rows; ++i) {
    json row = json::array();
    for (std::uint32_t j = 0; j < shape.cols; ++j)
      row.push_back(static_cast<double>(data[std::size_t{i} * shape.cols + j]));
    rows.push_back(std::move(row));
  }
  return rows;
}

json rows_json(const std::vector<double>& data, Shape shape) { return rows_json(data.data(), shape); }

// The chain rule of input k of record n, in the derivation's notation (from
// the op's row, or its entry in viz/op_text.cpp). `g` is the record's
// gradient name, `gin` the input's; `assign` is "=" for a single flow and
// "+=" where the input fans out.
template <class T>
std::string formula(const Tape<T>& tape, const Node<T>& n, int k, const std::string& g,
                    const std::string& gin, std::string_view assign, const std::string& r) {
  std::array<std::string, 3> inputs;
  for (int i = 0; i < n.inputs && i < 3; ++i) inputs[static_cast<std::size_t>(i)] = display_name(tape, n.in[i]);
  if (n.op == Op::expression) inputs[0] = display_name(tape, n.in[k]);  // its rule names the one input
  return chain_rule(n.op, n.op == Op::expression ? 0 : k, gin, assign, g, inputs, r, n.attr.p, n.attr.q,
                    n.reduction == Reduction::mean);
}

// The local derivative's numbers where they are one number per entry: the
// Jacobian is diagonal (elementwise ops) or the record is a scalar (losses), so
// local = contribution / upstream. For affine and matmul, the other factor.
template <class T>
json local_json(const Tape<T>& tape, const Node<T>& n, int k, const std::vector<double>& c) {
  const Node<T>& in = tape.node(n.in[k]);
  if (n.op == Op::affine || n.op == Op::matmul) {
    if (k == 2) return nullptr;
    // da: W^T, dW: a^T
    const Node<T>& other = tape.node(n.in[1 - k]);
    const Shape s = other.shape;
    std::vector<double> t(s.size());
    for (std::uint32_t i = 0; i < s.rows; ++i)
      for (std::uint32_t j = 0; j < s.cols; ++j)
        t[std::size_t{j} * s.rows + i] = static_cast<double>(other.value[std::size_t{i} * s.cols + j]);
    return rows_json(t, Shape{s.cols, s.rows});
  }
  const bool elementwise = n.shape == in.shape;
  const bool scalar_out = n.shape.is_scalar();
  if (!elementwise && !scalar_out) return nullptr;
  std::vector<double> local(in.shape.size());
  for (std::size_t e = 0; e < local.size(); ++e) {
    const auto g = static_cast<double>(n.grad[elementwise ? e : 0]);
    if (g == 0) return nullptr;
    local[e] = c[e] / g;
  }
  return rows_json(local, in.shape);
}

// The forward equation of record `id` as parts; a name carries its record's
// id, so the page writes the equation once with names (`z^[1] = a^[0] W^[1] +
// b^[1]`) and once with each name's numbers.
template <class T>
json equation_parts(const Tape<T>& tape, std::uint32_t id) {
  const Node<T>& n = tape.node(id);
  json parts = json::array();
  auto name = [&](std::uint32_t r) { parts.push_back({{"text", display_name(tape, r)}, {"id", r}}); };
  auto text = [&](std::string t) { parts.push_back({{"text", std::move(t)}}); };
  name(id);
  text(" = ");
  const OpText& look = op_text(n.op);
  const std::string symbol = op_symbol(n.op, n.attr.p, n.attr.q, n.reduction == Reduction::mean);
  switch (look.form) {
    case OpForm::product:  // a b, a W + b
      name(n.in[0]);
      text(" ");
      name(n.in[1]);
      if (n.inputs == 3) {
        text(" + ");
        name(n.in[2]);
      }
      break;
    case OpForm::infix:
      name(n.in[0]);
      text(fmt::format(" {} ", look.infix.empty() ? symbol : std::string(look.infix)));
      name(n.in[1]);
      break;
    case OpForm::number_in: {  // "2 − x", "3 / x", "2^x", "−x": the input where the symbol says x
      const std::size_t x = symbol.rfind('x');
      text(symbol.substr(0, x));
      name(n.in[0]);
      break;
    }
    case OpForm::in_number:  // "x + 2", "x × 2"
      name(n.in[0]);
      text(" " + symbol);
      break;
    case OpForm::call: {
      // op(inputs...), its numbers or reduction after it: "pow(x)  2", "bce(z, y)  (mean)"
      const std::size_t space = symbol.find(' ');
      text(symbol.substr(0, space) + "(");
      for (int k = 0; k < n.inputs; ++k) {
        if (k) text(", ");
        name(n.in[k]);
      }
      text(space == std::string::npos ? ")" : ")  " + symbol.substr(space + 1));
      break;
    }
  }
  return parts;
}

// JSON text safe inside a <script> element.
std::string script_safe(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t k = 0; k < text.size(); ++k) {
    if (text[k] == '<' && k + 1 < text.size() && text[k + 1] == '/') {
      out += "<\\/";
      ++k;
    } else {
      out += text[k];
    }
  }
  return out;
}

}  // namespace

template <class T>
std::string backward_steps_json(Tape<T>& tape, std::type_identity_t<Var<T>> output) {
  tape.check(output, "html view");
  const std::vector<std::uint32_t> order = backward_order(tape);
  if (order.empty() || order.front() != output.id())
    throw std::logic_error(
        "html view: run backward from this output first; the page plays the last backward pass");
  // How many flows reach each record: one per record that has it as an input.
  std::map<std::uint32_t, int> total;
  auto distinct_inputs = [&tape](const Node<T>& n) {
    std::vector<std::uint32_t> ins;
    for (int k = 0; k < n.inputs; ++k)
      if (tape.node(n.in[k]).needs_grad() &&
          std::find(ins.begin(), ins.end(), n.in[k]) == ins.end())
        ins.push_back(n.in[k]);
    return ins;
  };
  for (std::uint32_t id : order)
    if (tape.node(id).op != Op::leaf)
      for (std::uint32_t in : distinct_inputs(tape.node(id))) ++total[in];

  std::map<std::uint32_t, std::vector<double>> partial;
  std::map<std::uint32_t, int> seen;
  json steps = json::array();
  for (std::size_t s = 0; s < order.size(); ++s) {
    const std::uint32_t id = order[s];
    const Node<T>& n = tape.node(id);
    const std::string name = display_name(tape, id);
    const std::string g = gradient_name(name, tape.layer(id));
    json step{{"step", s}, {"id", id}, {"name", name}, {"grad_name", g},
              {"op", op_name(n.op)}, {"leaf", n.op == Op::leaf},
              {"shape", {n.shape.rows, n.shape.cols}},
              {"value", rows_json(n.value, n.shape)}, {"grad", rows_json(n.grad, n.shape)}};
    json contributions = json::array();
    const std::vector<std::uint32_t> ins = n.op == Op::leaf ? std::vector<std::uint32_t>{}
                                                            : distinct_inputs(n);
    if (!ins.empty() && n.op != Op::custom) {
      // Replay this record's rule alone: zero its inputs' gradients, run it,
      // read what it added, restore the buffers exactly.
      std::vector<std::vector<T>> saved;
      for (std::uint32_t in : ins) {
        const Node<T>& m = tape.node(in);
        saved.emplace_back(m.grad, m.grad + m.shape.size());
        std::fill_n(m.grad, m.shape.size(), T(0));
      }
      tape.propagate(id);
      for (std::size_t i = 0; i < ins.size(); ++i) {
        const Node<T>& m = tape.node(ins[i]);
        std::vector<double> c(m.grad, m.grad + m.shape.size());
        std::copy(saved[i].begin(), saved[i].end(), m.grad);
        std::vector<double>& sum = partial[ins[i]];
        const std::vector<double> before = sum.empty() ? std::vector<double>(c.size(), 0.0) : sum;
        sum = before;
        for (std::size_t e = 0; e < c.size(); ++e) sum[e] += c[e];
        const int index = ++seen[ins[i]];
        const int of = total[ins[i]];
        int k = 0;
        while (n.in[k] != ins[i]) ++k;
        const std::string in_name = display_name(tape, ins[i]);
        const std::string gin = gradient_name(in_name, tape.layer(ins[i]));
        contributions.push_back(
            {{"to", ins[i]}, {"name", in_name}, {"grad_name", gin},
             {"formula", formula(tape, n, k, g, gin, of > 1 ? "+=" : "=", name)},
             {"local", local_json(tape, n, k, c)}, {"value", rows_json(c, m.shape)},
             {"before", rows_json(before, m.shape)}, {"after", rows_json(sum, m.shape)},
             {"index", index}, {"of", of}});
      }
    }
    step["contributions"] = std::move(contributions);
    steps.push_back(std::move(step));
  }
  return json{{"output", output.id()}, {"steps", std::move(steps)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

template <class T>
std::string forward_steps_json(const Tape<T>& tape, std::type_identity_t<Var<T>> output) {
  const json graph = json::parse(to_json(tape, output, GraphOptions{.values = false, .gradients = false}));
  json steps = json::array();
  for (const json& node : graph["nodes"]) {
    if (node["op"] == "leaf") continue;
    const auto id = node["id"].get<std::uint32_t>();
    steps.push_back({{"step", steps.size()}, {"id", id}, {"name", node["name"]},
                     {"parts", equation_parts(tape, id)}});
  }
  return json{{"steps", std::move(steps)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

template <class T>
std::string engine_gradients_json(const Tape<T>& tape) {
  json steps = json::array();
  const std::vector<std::uint32_t> order = backward_order(tape);
  for (std::size_t s = 0; s < order.size(); ++s) {
    const Node<T>& n = tape.node(order[s]);
    steps.push_back({{"step", s}, {"id", order[s]}, {"name", display_name(tape, order[s])},
                     {"grad", rows_json(n.grad, n.shape)}});
  }
  return json{{"steps", std::move(steps)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

template <class T>
std::string to_html_view(Tape<T>& tape, std::type_identity_t<Var<T>> output, const ViewOptions& options) {
  const std::string steps = backward_steps_json(tape, output);
  json hand = json::object();
  for (const auto& [name, t] : options.hand_gradients) hand[name] = rows_json(t.data(), t.shape());
  GraphOptions full;
  full.full_rows = full.full_cols = 1u << 30;  // the page's own layout shows what fits
  const std::string graph = to_json(tape, output, full);
  const std::string forward = forward_steps_json(tape, output);

  std::string page(detail::html_view_page);
  auto put = [&page](std::string_view key, const std::string& value) {
    const auto at = page.find(key);
    if (at == std::string::npos) throw std::logic_error("html view: template lacks a placeholder");
    page.replace(at, key.size(), value);
  };
  std::string title;
  for (char c : options.title)
    title += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  put("@TITLE@", title);
  put("@HEADING@", title);
  put("@FORWARD@", script_safe(forward));
  put("@STEPS@", script_safe(steps));
  put("@GRAPH@", script_safe(graph));
  put("@HAND@", script_safe(hand.dump(-1, ' ', false, json::error_handler_t::replace)));
  return page;
}

template <class T>
void write_html_view(Tape<T>& tape, std::type_identity_t<Var<T>> output, const std::filesystem::path& path,
                     const ViewOptions& options) {
  io::write_file(path, to_html_view(tape, output, options));
}

#define TAPEGRAD_INSTANTIATE(T)                                                       \
  template std::string backward_steps_json(Tape<T>&, Var<T>);                        \
  template std::string engine_gradients_json(const Tape<T>&);                        \
  template std::string forward_steps_json(const Tape<T>&, Var<T>);                   \
  template std::string to_html_view(Tape<T>&, Var<T>, const ViewOptions&);           \
  template void write_html_view(Tape<T>&, Var<T>, const std::filesystem::path&,      \
                                const ViewOptions&);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad::viz
