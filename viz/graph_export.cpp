// Graph export: DOT and JSON dumps of a tape, and rendering them with Graphviz.
#include "viz/graph_export.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "io/file.hpp"
#include "autograd/rules.hpp"
#include "viz/graphviz.hpp"
#include "viz/op_text.hpp"

namespace tapegrad::viz {
namespace {

// Fill colours by role, as ggml and torchviz colour theirs.
constexpr std::string_view role_colour(Role role) {
  switch (role) {
    case Role::intermediate: return "#ffffff";
    case Role::parameter: return "#a5d8ff";
    case Role::variable: return "#b2f2bb";
    case Role::input: return "#ffec99";
    case Role::constant: return "#dee2e6";
  }
  return "#ffffff";
}
// The role a picture shows: a variable that belongs to a layer is one of the
// network's weights or biases, a parameter, whether the tape stores it (the
// scalar view records each weight as a variable) or a Parameter does (the
// tensor view), so both views colour the same things alike.
template <class T>
Role display_role(const Tape<T>& tape, std::uint32_t id) {
  const Role role = tape.node(id).role;
  return role == Role::variable && tape.layer(id) >= 0 ? Role::parameter : role;
}

constexpr std::string_view output_colour = "#ffa8a8";
constexpr std::string_view op_colour = "#e5dbff";
constexpr std::string_view grad_colour = "#c92a2a";
constexpr std::string_view anomaly_colour = "#e03131";

// The code point of the UTF-8 sequence at text[k] and its length, or length 0
// if the bytes there are not valid UTF-8.
std::pair<std::uint32_t, std::size_t> decode_utf8(std::string_view text, std::size_t k) {
  const auto c = static_cast<unsigned char>(text[k]);
  if (c < 0x80) return {c, 1};
  const std::size_t length = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 && c < 0xf0 ? 3
                             : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (length == 0 || k + length > text.size()) return {0, 0};
  std::uint32_t code = length == 4 ? c & 0x07u : length == 3 ? c & 0x0fu : c & 0x1fu;
  for (std::size_t i = 1; i < length; ++i) {
    const auto d = static_cast<unsigned char>(text[k + i]);
    if ((d & 0xc0) != 0x80) return {0, 0};
    code = (code << 6) | (d & 0x3fu);
  }
  const std::uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
  if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return {0, 0};
  return {code, length};
}

using Buffer = fmt::memory_buffer;

// Appends text for an HTML-like Graphviz label: markup characters become
// entities, non-ASCII becomes numeric entities (invalid UTF-8 bytes become '?'),
// newlines become line breaks, so any name yields valid DOT.
void append_label(Buffer& out, std::string_view text) {
  for (std::size_t k = 0; k < text.size();) {
    const auto [decoded, length] = decode_utf8(text, k);
    k += std::max<std::size_t>(length, 1);
    const std::uint32_t code = length == 0 ? '?' : decoded;
    switch (code) {
      case '&': fmt::format_to(std::back_inserter(out), "&amp;"); break;
      case '<': fmt::format_to(std::back_inserter(out), "&lt;"); break;
      case '>': fmt::format_to(std::back_inserter(out), "&gt;"); break;
      case '"': fmt::format_to(std::back_inserter(out), "&quot;"); break;
      case '\'': fmt::format_to(std::back_inserter(out), "&#39;"); break;
      case '\n': fmt::format_to(std::back_inserter(out), "<BR/>"); break;
      default:
        if (code >= 0x80)
          fmt::format_to(std::back_inserter(out), "&#{};", code);
        else
          out.push_back(code < 0x20 || code == 0x7f ? ' ' : static_cast<char>(code));
    }
  }
}

// Appends a JSON string literal; invalid UTF-8 bytes become U+FFFD.
void append_json_string(Buffer& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t k = 0; k < text.size();) {
    const auto [code, length] = decode_utf8(text, k);
    if (length == 0) {
      fmt::format_to(std::back_inserter(out), "\\ufffd");
      ++k;
      continue;
    }
    if (code == '"' || code == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(code));
    } else if (code < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", code);
    } else {
      out.append(text.substr(k, length));
    }
    k += length;
  }
  out.push_back('"');
}

void append_json_number(Buffer& out, double v) {
  if (std::isfinite(v))
    fmt::format_to(std::back_inserter(out), "{}", v);
  else
    fmt::format_to(std::back_inserter(out), "null");
}

struct Summary {
  double min, max, mean;
};

template <class T>
Summary summarize(const T* data, std::size_t size) {
  Summary s{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), 0};
  for (std::size_t k = 0; k < size; ++k) {
    const auto v = static_cast<double>(data[k]);
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    s.mean += v;
  }
  if (size) s.mean /= static_cast<double>(size);
  return s;
}

bool shows_all(Shape shape, const GraphOptions& options) {
  return shape.rows <= options.full_rows && shape.cols <= options.full_cols;
}

// Appends a tensor to a label: one line per row (`[1  2]<BR/>[3  4]`), or a summary line.
template <class T>
void append_tensor_label(Buffer& out, const T* data, Shape shape, const GraphOptions& options) {
  const int p = options.precision;
  if (shape.is_scalar()) {
    fmt::format_to(std::back_inserter(out), "{:.{}g}", static_cast<double>(data[0]), p);
  } else if (shows_all(shape, options)) {
    for (std::uint32_t i = 0; i < shape.rows; ++i) {
      if (i) fmt::format_to(std::back_inserter(out), "<BR/>");
      out.push_back('[');
      for (std::uint32_t j = 0; j < shape.cols; ++j)
        fmt::format_to(std::back_inserter(out), "{}{:.{}g}", j ? "  " : "",
                       static_cast<double>(data[std::size_t{i} * shape.cols + j]), p);
      out.push_back(']');
    }
  } else {
    const Summary s = summarize(data, shape.size());
    fmt::format_to(std::back_inserter(out), "min {:.{}g}  max {:.{}g}  mean {:.{}g}", s.min, p,
                   s.max, p, s.mean, p);
  }
}

// Appends a tensor as JSON: rows of numbers, or {"min", "max", "mean"}.
template <class T>
void append_tensor_json(Buffer& out, const T* data, Shape shape, const GraphOptions& options) {
  if (shows_all(shape, options)) {
    out.push_back('[');
    for (std::uint32_t i = 0; i < shape.rows; ++i) {
      if (i) out.push_back(',');
      out.push_back('[');
      for (std::uint32_t j = 0; j < shape.cols; ++j) {
        if (j) out.push_back(',');
        append_json_number(out, static_cast<double>(data[std::size_t{i} * shape.cols + j]));
      }
      out.push_back(']');
    }
    out.push_back(']');
    return;
  }
  const Summary s = summarize(data, shape.size());
  fmt::format_to(std::back_inserter(out), "{{\"min\":");
  append_json_number(out, s.min);
  fmt::format_to(std::back_inserter(out), ",\"max\":");
  append_json_number(out, s.max);
  fmt::format_to(std::back_inserter(out), ",\"mean\":");
  append_json_number(out, s.mean);
  out.push_back('}');
}

// The label a dump draws for a record's op: its symbol with the op's numbers
// filled in, escaped for an HTML-like label, and the note under it.
template <class T>
std::string symbol_label(const Node<T>& n) {
  Buffer out;
  append_label(out, op_symbol(n.op, n.attr.p, n.attr.q, n.reduction == Reduction::mean));
  return fmt::to_string(out);
}

// An op's caption in its ellipse. A long one puts its parenthesised part (a
// loss's reduction) on a line of its own, so that the loss's column stays
// narrow; a note goes under it in small type.
template <class T>
std::string ellipse_text(const Node<T>& n) {
  std::string text = symbol_label(n);
  if (const auto open = text.find(" ("); open != std::string::npos && text.size() > 14)
    text.replace(open, 1, "<BR/>");
  if (const std::string_view note = op_text(n.op).note; !note.empty()) {
    Buffer small;
    append_label(small, note);
    text += fmt::format("<BR/><FONT POINT-SIZE=\"9\">{}</FONT>", fmt::to_string(small));
  }
  return text;
}

// Everything both dumps need: which records, which is the output, the steps.
template <class T>
struct GraphView {
  std::vector<std::uint32_t> ids;  // ascending
  std::optional<std::uint32_t> output;
  std::vector<std::int64_t> step;  // reverse-walk step per record, -1 if none
  bool backward_done = false;
  // Named records computed from the graph that the output does not read, such
  // as y_hat = a^[L] when the loss reads the logits z^[L]: shown, dashed.
  std::set<std::uint32_t> off_path;
};

// Adds to `view.ids` each named record whose inputs are all shown but which
// the output does not depend on (see GraphView::off_path).
template <class T>
void add_off_path(const Tape<T>& tape, GraphView<T>& view) {
  std::vector<bool> shown(tape.size(), false);
  for (std::uint32_t id : view.ids) shown[id] = true;
  for (std::uint32_t id = 0; id < tape.size(); ++id) {
    const Node<T>& n = tape.node(id);
    if (shown[id] || n.op == Op::leaf || tape.name(id).empty()) continue;
    bool inputs_shown = true;
    for (int k = 0; k < n.inputs; ++k) inputs_shown = inputs_shown && shown[n.in[k]];
    if (!inputs_shown) continue;
    shown[id] = true;
    view.off_path.insert(id);
  }
  if (view.off_path.empty()) return;
  view.ids.clear();
  for (std::uint32_t id = 0; id < tape.size(); ++id)
    if (shown[id]) view.ids.push_back(id);
}

template <class T>
GraphView<T> make_view(const Tape<T>& tape, std::optional<Var<T>> output) {
  GraphView<T> view;
  if (output) {
    view.ids = dependencies(tape, *output);
    view.output = output->id();
    add_off_path(tape, view);
  } else {
    view.ids.resize(tape.size());
    for (std::uint32_t id = 0; id < tape.size(); ++id) view.ids[id] = id;
    const std::vector<std::uint32_t> order = backward_order(tape);
    if (!order.empty()) view.output = order.front();
  }
  view.step.assign(tape.size(), -1);
  const std::vector<std::uint32_t> order = backward_order(tape);
  for (std::size_t k = 0; k < order.size(); ++k)
    if (order[k] < tape.size()) view.step[order[k]] = static_cast<std::int64_t>(k);
  view.backward_done = !order.empty();
  return view;
}

enum class GradState { none, computed, not_yet, not_reached };

template <class T>
GradState grad_state(const Tape<T>& tape, std::uint32_t id, bool backward_done) {
  if (!tape.node(id).needs_grad()) return GradState::none;
  if (tape.has_grad(id)) return GradState::computed;
  return backward_done ? GradState::not_reached : GradState::not_yet;
}

// Whether a record is drawn as one node holding its op (see GraphOptions::compact_unnamed).
template <class T>
bool is_compact(const Tape<T>& tape, const GraphView<T>& view, std::uint32_t id,
                const GraphOptions& options) {
  return options.compact_unnamed && tape.node(id).op != Op::leaf && tape.name(id).empty() &&
         !(view.output && *view.output == id);
}

template <class T>
void write_value_node(Buffer& out, const Tape<T>& tape, const GraphView<T>& view,
                      std::uint32_t id, const GraphOptions& options) {
  const auto to = [&out] { return std::back_inserter(out); };
  const Node<T>& n = tape.node(id);
  const bool is_output = view.output && *view.output == id;
  const bool compact = is_compact(tape, view, id, options);
  const std::string name = display_name(tape, id);
  constexpr std::string_view row = "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">";
  constexpr std::string_view end_row = "</TD></TR>";
  const bool off_path = view.off_path.contains(id);
  // The record anomaly mode stopped at: a thick red border and a line saying why.
  const bool anomaly = tape.anomaly_record() == id;
  fmt::format_to(to(),
                 "  v{} [shape=box, style=\"rounded,filled{}\", fillcolor=\"{}\", penwidth={}, "
                 "{}{}label=<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" "
                 "CELLPADDING=\"1\">{}<B>",
                 id, off_path ? ",dashed" : "",
                 is_output ? output_colour : compact ? op_colour : role_colour(display_role(tape, id)),
                 anomaly ? 4 : is_output ? 2 : 1,
                 anomaly ? fmt::format("color=\"{}\", ", anomaly_colour) : std::string(),
                 compact ? "fontsize=9, margin=\"0.04,0.02\", " : "", row);
  if (compact) {
    fmt::format_to(to(), "{}</B>  ", symbol_label(n));
    append_label(out, name);
    fmt::format_to(to(), "{}", end_row);
  } else {
    append_label(out, name);
    const Role role = display_role(tape, id);
    fmt::format_to(to(), "</B>  <FONT POINT-SIZE=\"10\">({}, {}){}{}</FONT>{}", n.shape.rows,
                   n.shape.cols, role == Role::intermediate ? "" : " ",
                   role == Role::intermediate ? "" : role_name(role), end_row);
  }
  if (options.values) {
    fmt::format_to(to(), "{}", row);
    append_tensor_label(out, n.value, n.shape, options);
    fmt::format_to(to(), "{}", end_row);
  }
  const GradState state = grad_state(tape, id, view.backward_done);
  if (options.gradients && off_path) {
    fmt::format_to(to(), "{}<FONT POINT-SIZE=\"9\" COLOR=\"{}\">not read by ", row, grad_colour);
    append_label(out, view.output ? display_name(tape, *view.output) : std::string("the output"));
    fmt::format_to(to(), ": no gradient</FONT>{}", end_row);
  } else if (options.gradients && state != GradState::none) {
    fmt::format_to(to(), "{}<FONT COLOR=\"{}\">", row, grad_colour);
    append_label(out, gradient_name(name, tape.layer(id)));
    switch (state) {
      case GradState::none: break;
      case GradState::not_yet: fmt::format_to(to(), ": not computed yet"); break;
      case GradState::not_reached: fmt::format_to(to(), ": not reached by backward"); break;
      case GradState::computed:
        // A matrix starts on its own line, so the box is as wide as its rows.
        fmt::format_to(to(), "{}", n.shape.is_scalar() ? " = " : " =<BR/>");
        append_tensor_label(out, n.grad, n.shape, options);
        break;
    }
    fmt::format_to(to(), "</FONT>{}", end_row);
  }
  if (options.gradients && view.step[id] >= 0)
    fmt::format_to(to(), "{}<FONT POINT-SIZE=\"10\" COLOR=\"{}\">backward step {}</FONT>{}", row,
                   grad_colour, view.step[id], end_row);
  if (anomaly)
    fmt::format_to(to(), "{}<B><FONT COLOR=\"{}\">anomaly: first non-finite {}</FONT></B>{}", row,
                   anomaly_colour, tape.anomaly_in_backward() ? "gradient" : "value", end_row);
  fmt::format_to(to(), "</TABLE>>];\n");
  if (n.op != Op::leaf && !compact)
    fmt::format_to(to(), "  o{} [shape=ellipse, style=filled, fillcolor=\"{}\", label=<{}>];\n",
                   id, op_colour, ellipse_text(n));
}

// Writes the buffer out once it is large, and at the end.
void flush(std::ostream& out, Buffer& buffer, bool force = false) {
  if (force || buffer.size() > (1u << 16)) {
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    buffer.clear();
  }
}

// The legend is the graph's label, below the picture, so it takes no column.
void write_legend(std::ostream& out, const GraphOptions& options) {
  std::string cells;
  auto cell = [&cells](std::string_view colour, std::string_view text) {
    cells += fmt::format("<TD BGCOLOR=\"{}\" BORDER=\"1\">{}</TD>", colour, text);
  };
  cell(role_colour(Role::input), "input");
  cell(role_colour(Role::parameter), "parameter");
  cell(role_colour(Role::variable), "variable");
  cell(role_colour(Role::constant), "constant");
  cell(role_colour(Role::intermediate), "intermediate");
  cell(op_colour, "op");
  cell(output_colour, "output");
  const std::string backward =
      options.backward_edges
          ? fmt::format("; <FONT COLOR=\"{}\">dashed arrows: backward, the gradient flowing from a "
                        "result back to each input</FONT>",
                        grad_colour)
          : std::string();
  out << fmt::format(
      "  labelloc=b; labeljust=l; fontname=\"Helvetica\"; fontsize=10;\n"
      "  label=<<TABLE BORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"3\"><TR>{}</TR>"
      "<TR><TD COLSPAN=\"7\" ALIGN=\"LEFT\">solid arrows: forward{}</TD></TR>"
      "<TR><TD COLSPAN=\"7\" ALIGN=\"LEFT\"><FONT COLOR=\"{}\">g^[kx]</FONT>: gradient of the loss "
      "with respect to x^[k]; step: its place in the backward walk</TD></TR></TABLE>>;\n",
      cells, backward, grad_colour);
}

// A layer drawn as one column: few enough records to stack (the tensor view's
// W, b, affine, z, activation, a). Bigger layers (the scalar view) keep
// Graphviz's ranks, with each named neuron group (z_j, a_j) in one column.
constexpr std::size_t column_limit = 10;

// `z_3^[1]` -> `z^[1]`, `W_1,2^[1]` -> `W^[1]`: the group a scalar-view name belongs to.
std::string group_of(std::string_view name) {
  const std::size_t underscore = name.find('_');
  const std::size_t caret = name.find("^[");
  if (underscore == std::string_view::npos || caret == std::string_view::npos || caret < underscore)
    return std::string(name);
  return fmt::format("{}{}", name.substr(0, underscore), name.substr(caret));
}

template <class T>
std::size_t drawn_nodes(const Tape<T>& tape, const GraphView<T>& view,
                        const std::vector<std::uint32_t>& ids, const GraphOptions& options) {
  std::size_t count = 0;
  for (std::uint32_t id : ids)
    count += tape.node(id).op != Op::leaf && !is_compact(tape, view, id, options) ? 2 : 1;
  return count;
}

template <class T>
void write_dot_view(std::ostream& out, const Tape<T>& tape, const GraphView<T>& view,
                    const GraphOptions& options) {
  out << "digraph tape {\n"
         "  rankdir=LR;\n"
         "  newrank=true;\n"
         "  nodesep=0.1;\n"
         "  ranksep=0.45;\n"
         "  node [fontname=\"Helvetica\", fontsize=11, margin=\"0.06,0.03\"];\n"
         "  edge [color=\"#495057\", fontname=\"Helvetica\", arrowsize=0.7];\n";
  write_legend(out, options);
  Buffer buffer;
  const auto to = [&buffer] { return std::back_inserter(buffer); };
  // Group records by layer; records without a layer stay at the top level.
  std::map<int, std::vector<std::uint32_t>> layers;
  for (std::uint32_t id : view.ids) layers[tape.layer(id)].push_back(id);
  const bool layered = layers.size() > 1 || !layers.contains(-1);
  // Layers drawn as one column; their inner edges point down the column.
  std::set<int> columns;
  for (const auto& [layer, ids] : layers)
    if (layered && drawn_nodes(tape, view, ids, options) <= column_limit) columns.insert(layer);
  for (const auto& [layer, ids] : layers) {
    const bool cluster = layer >= 0;
    if (cluster)
      fmt::format_to(to(),
                     "  subgraph cluster_layer_{} {{\n  label=\"layer {}\"; labeljust=l; "
                     "style=\"rounded,dashed\"; color=\"#868e96\"; fontname=\"Helvetica\";\n",
                     layer, layer);
    else if (columns.contains(layer))
      fmt::format_to(to(), "  {{\n");
    if (columns.contains(layer)) fmt::format_to(to(), "  rank=same;\n");
    for (std::uint32_t id : ids) {
      write_value_node(buffer, tape, view, id, options);
      flush(out, buffer);
    }
    if (!columns.contains(layer)) {
      // Each named neuron group of a big layer (z_1..z_n, a_1..a_n) is a column.
      std::map<std::string, std::vector<std::uint32_t>> groups;
      for (std::uint32_t id : ids)
        if (tape.node(id).op != Op::leaf && !tape.name(id).empty())
          groups[group_of(tape.name(id))].push_back(id);
      for (const auto& [group, members] : groups) {
        if (members.size() < 2) continue;
        fmt::format_to(to(), "  {{ rank=same;");
        for (std::uint32_t id : members) fmt::format_to(to(), " v{};", id);
        fmt::format_to(to(), " }}\n");
      }
    }
    if (cluster || columns.contains(layer)) fmt::format_to(to(), "  }}\n");
  }
  // Layer 0 (the network's input) above layer 1 in its column rather than a
  // column of its own: a narrower picture, so its text stays readable when
  // it is scaled to a page's width.
  if (layers.contains(0) && layers.contains(1) && columns.contains(0) && columns.contains(1))
    fmt::format_to(to(), "  {{ rank=same; v{}; v{}; }}\n", layers[0].front(), layers[1].front());
  // An edge inside a column points down it (drawn head to tail with dir=back,
  // since Graphviz puts a flat edge's head above its tail); an edge into a
  // column has no weight, so columns keep their tops level instead of stepping
  // up to meet each edge (the staircase). An edge into a big layer spans two
  // ranks, so the layer's parameters get a rank of their own instead of
  // sharing the previous layer's last rank, which would stack the two layers.
  const auto edge = [&](std::string_view from, std::uint32_t from_id, std::string_view to_node,
                        std::uint32_t to_id, std::string_view attrs) {
    const int a = tape.layer(from_id), b = tape.layer(to_id);
    const bool flat = a == b && columns.contains(a);
    std::string all(attrs);
    // Into a column, the label is placed after the layout (an xlabel), so it
    // does not widen the picture; a big layer's ranks are laid out with theirs.
    if (columns.contains(b) && all.starts_with("label=")) all.insert(0, "x");
    if (flat) all = "dir=back";  // a column's inputs are named in its op; labels would widen it
    else if (a != b)  // into a column: no pull; into a big layer: past its parameters' rank
      all += std::string(all.empty() ? "" : ", ") + (columns.contains(b) ? "weight=0" : "minlen=2");
    if (flat)
      fmt::format_to(to(), "  {} -> {}", to_node, from);
    else
      fmt::format_to(to(), "  {} -> {}", from, to_node);
    if (!all.empty()) fmt::format_to(to(), " [{}]", all);
    fmt::format_to(to(), ";\n");
  };
  for (std::uint32_t id : view.ids) {
    const Node<T>& n = tape.node(id);
    if (n.op == Op::leaf) continue;
    const bool compact = is_compact(tape, view, id, options);
    const std::string target = fmt::format("{}{}", compact ? 'v' : 'o', id);
    for (int k = 0; k < n.inputs; ++k) {
      const std::string_view label = op_text(n.op).inputs[k];
      edge(fmt::format("v{}", n.in[k]), n.in[k], target, id,
           label.empty() ? std::string() : fmt::format("label=\"{}\", fontsize=9", label));
    }
    if (!compact) edge(fmt::format("o{}", id), id, fmt::format("v{}", id), id, "");
    if (options.backward_edges && !view.off_path.contains(id))
      for (int k = 0; k < n.inputs; ++k)
        if (tape.node(n.in[k]).needs_grad())
          fmt::format_to(
              to(), "  v{} -> v{} [style=dashed, color=\"{}\", constraint=false, arrowsize=0.6];\n",
              id, n.in[k], grad_colour);
    flush(out, buffer);
  }
  // Invisible, heavy edges between the tops of neighbouring layers keep the
  // layers level.
  std::vector<int> order;  // the layers left to right: numbered ones, then the rest
  for (const auto& entry : layers)
    if (entry.first >= 0) order.push_back(entry.first);
  if (layers.contains(-1)) order.push_back(-1);
  std::optional<std::uint32_t> previous;
  for (const int layer : order) {
    const std::vector<std::uint32_t>& ids = layers[layer];
    const bool has_output = view.output && tape.layer(*view.output) == layer;
    const std::uint32_t top = layer < 0 && has_output ? *view.output : ids.front();
    if (previous) fmt::format_to(to(), "  v{} -> v{} [style=invis, weight=20];\n", *previous, top);
    previous = top;
  }
  fmt::format_to(to(), "}}\n");
  flush(out, buffer, true);
}

// One box per layer: its record groups with their count, shape and role.
template <class T>
void write_collapsed_dot_view(std::ostream& out, const Tape<T>& tape, const GraphView<T>& view,
                              const GraphOptions& options) {
  out << "digraph tape {\n"
         "  rankdir=LR;\n"
         "  nodesep=0.15;\n"
         "  ranksep=0.4;\n"
         "  node [fontname=\"Helvetica\", fontsize=11];\n"
         "  edge [color=\"#495057\", arrowsize=0.7];\n";
  write_legend(out, options);
  Buffer buffer;
  const auto to = [&buffer] { return std::back_inserter(buffer); };
  struct Group {
    std::size_t count = 0;
    Shape shape{};
    Role role = Role::intermediate;
    std::string op;
  };
  std::map<int, std::vector<std::pair<std::string, Group>>> layers;  // in first-seen order
  std::vector<std::uint32_t> loose;                                  // records without a layer
  for (std::uint32_t id : view.ids) {
    const int layer = tape.layer(id);
    if (layer < 0) {
      loose.push_back(id);
      continue;
    }
    const Node<T>& n = tape.node(id);
    const std::string name = tape.name(id).empty()
                                 ? fmt::format("unnamed {}", op_name(n.op))
                                 : group_of(tape.name(id));
    auto& groups = layers[layer];
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == name; });
    if (it == groups.end()) {
      groups.push_back({name, Group{0, n.shape, display_role(tape, id), std::string(op_name(n.op))}});
      it = std::prev(groups.end());
    }
    ++it->second.count;
  }
  for (const auto& [layer, groups] : layers) {
    std::size_t records = 0;
    for (const auto& g : groups) records += g.second.count;
    fmt::format_to(to(),
                   "  layer_{} [shape=box, style=\"rounded,filled\", fillcolor=\"#f8f9fa\", "
                   "label=<<TABLE BORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"2\"><TR><TD "
                   "COLSPAN=\"3\" ALIGN=\"LEFT\"><B>layer {}</B>  ({} records)</TD></TR>",
                   layer, layer, records);
    for (const auto& [name, g] : groups) {
      fmt::format_to(to(), "<TR><TD ALIGN=\"LEFT\" BGCOLOR=\"{}\"><B>",
                     g.role == Role::intermediate ? op_colour : role_colour(g.role));
      append_label(buffer, name);
      fmt::format_to(to(), "</B></TD><TD ALIGN=\"LEFT\">{}</TD><TD ALIGN=\"LEFT\">{}</TD></TR>",
                     g.count > 1 ? fmt::format("&#215; {}", g.count)
                                 : fmt::format("({}, {})", g.shape.rows, g.shape.cols),
                     g.role == Role::intermediate ? g.op : std::string(role_name(g.role)));
    }
    fmt::format_to(to(), "</TABLE>>];\n");
    flush(out, buffer);
  }
  for (std::uint32_t id : loose) write_value_node(buffer, tape, view, id, options);
  // Edges between boxes, once each: layer k -> layer k+1, and to and from loose records.
  const auto end_of = [&](std::uint32_t id, bool head) {
    const int layer = tape.layer(id);
    if (layer >= 0) return fmt::format("layer_{}", layer);
    const bool has_op = tape.node(id).op != Op::leaf && !is_compact(tape, view, id, options);
    return fmt::format("{}{}", head && has_op ? 'o' : 'v', id);
  };
  std::set<std::pair<std::string, std::string>> edges;
  for (std::uint32_t id : view.ids) {
    const Node<T>& n = tape.node(id);
    for (int k = 0; k < n.inputs; ++k) {
      std::pair<std::string, std::string> e{end_of(n.in[k], false), end_of(id, true)};
      if (e.first != e.second && edges.insert(e).second)
        fmt::format_to(to(), "  {} -> {};\n", e.first, e.second);
    }
    if (tape.layer(id) < 0 && n.op != Op::leaf && !is_compact(tape, view, id, options))
      fmt::format_to(to(), "  o{} -> v{};\n", id, id);
    flush(out, buffer);
  }
  fmt::format_to(to(), "}}\n");
  flush(out, buffer, true);
}

template <class T>
void write_json_view(std::ostream& out, const Tape<T>& tape, const GraphView<T>& view,
                     const GraphOptions& options) {
  Buffer buffer;
  const auto to = [&buffer] { return std::back_inserter(buffer); };
  fmt::format_to(to(), "{{\"format\":\"tapegrad-graph\",\"version\":1,\"output\":{},"
                 "\"backward_done\":{},\"nodes\":[",
                 view.output ? std::to_string(*view.output) : "null", view.backward_done);
  bool first = true;
  for (std::uint32_t id : view.ids) {
    const Node<T>& n = tape.node(id);
    const std::string name = display_name(tape, id);
    const int layer = tape.layer(id);
    fmt::format_to(to(), "{}\n{{\"id\":{},\"name\":", first ? "" : ",", id);
    append_json_string(buffer, name);
    fmt::format_to(to(), ",\"grad_name\":");
    append_json_string(buffer, gradient_name(name, layer));
    fmt::format_to(to(),
                   ",\"op\":\"{}\",\"role\":\"{}\",\"output\":{},\"shape\":[{},{}],\"attr\":",
                   op_name(n.op), role_name(n.role), view.output && *view.output == id,
                   n.shape.rows, n.shape.cols);
    append_json_number(buffer, n.attr.p);
    fmt::format_to(to(), ",\"value\":");
    if (options.values)
      append_tensor_json(buffer, n.value, n.shape, options);
    else
      fmt::format_to(to(), "null");
    fmt::format_to(to(), ",\"needs_grad\":{},\"grad\":", n.needs_grad());
    if (options.gradients && grad_state(tape, id, view.backward_done) == GradState::computed)
      append_tensor_json(buffer, n.grad, n.shape, options);
    else
      fmt::format_to(to(), "null");
    fmt::format_to(to(), ",\"reverse_step\":");
    if (view.step[id] >= 0)
      fmt::format_to(to(), "{}", view.step[id]);
    else
      fmt::format_to(to(), "null");
    fmt::format_to(to(), ",\"on_path\":{},\"layer\":", !view.off_path.contains(id));
    if (layer >= 0)
      fmt::format_to(to(), "{}", layer);
    else
      fmt::format_to(to(), "null");
    fmt::format_to(to(), ",\"anomaly\":{}", tape.anomaly_record() == id);
    buffer.push_back('}');
    first = false;
    flush(out, buffer);
  }
  fmt::format_to(to(), "\n],\"edges\":[");
  first = true;
  for (std::uint32_t id : view.ids) {
    const Node<T>& n = tape.node(id);
    for (int k = 0; k < n.inputs; ++k) {
      fmt::format_to(to(), "{}\n{{\"from\":{},\"to\":{},\"input\":{}}}", first ? "" : ",",
                     n.in[k], id, k);
      first = false;
    }
    flush(out, buffer);
  }
  fmt::format_to(to(), "\n]}}\n");
  flush(out, buffer, true);
}

}  // namespace

std::string gradient_name(std::string_view name, int layer) {
  const auto fallback = [&] { return fmt::format("g({})", name); };
  // `y_hat` is the last activation a^[k] of layer k.
  if (layer >= 0 && (name == "y_hat" || name.starts_with("y_hat_")))
    return fmt::format("g^[{}a]{}", layer, name.substr(5));
  const std::size_t open = name.rfind("^[");
  if (open == std::string_view::npos || open == 0 || !name.ends_with("]")) return fallback();
  const std::string_view k = name.substr(open + 2, name.size() - open - 3);
  const std::string_view base = name.substr(0, open);
  const std::size_t underscore = base.find('_');
  const std::string_view x = base.substr(0, underscore);
  const std::string_view sub =
      underscore == std::string_view::npos ? std::string_view() : base.substr(underscore);
  if (k.empty() || x.empty() || k.find_first_of("[]") != std::string_view::npos)
    return fallback();
  return fmt::format("g^[{}{}]{}", k, x, sub);
}

template <class T>
std::string display_name(const Tape<T>& tape, std::uint32_t id) {
  const std::string_view name = tape.name(id);
  return name.empty() ? fmt::format("t{}", id) : std::string(name);
}

template <class T>
std::vector<std::uint32_t> backward_order(const Tape<T>& tape) {
  std::vector<std::uint32_t> order;
  for (std::uint32_t id = static_cast<std::uint32_t>(tape.size()); id-- > 0;)
    if (tape.has_grad(id)) order.push_back(id);
  return order;
}

template <class T>
std::vector<std::uint32_t> dependencies(const Tape<T>& tape, std::type_identity_t<Var<T>> output) {
  tape.check(output, "dependencies");
  std::vector<bool> seen(output.id() + 1, false);
  std::vector<std::uint32_t> stack{output.id()};
  seen[output.id()] = true;
  while (!stack.empty()) {
    const std::uint32_t id = stack.back();
    stack.pop_back();
    const Node<T>& n = tape.node(id);
    for (int k = 0; k < n.inputs; ++k)
      if (!seen[n.in[k]]) {
        seen[n.in[k]] = true;
        stack.push_back(n.in[k]);
      }
  }
  std::vector<std::uint32_t> ids;
  for (std::uint32_t id = 0; id <= output.id(); ++id)
    if (seen[id]) ids.push_back(id);
  return ids;
}

template <class T>
void write_dot(std::ostream& out, const Tape<T>& tape, const GraphOptions& options) {
  const auto view = make_view<T>(tape, std::nullopt);
  if (options.collapse)
    write_collapsed_dot_view(out, tape, view, options);
  else
    write_dot_view(out, tape, view, options);
}
template <class T>
void write_dot(std::ostream& out, const Tape<T>& tape, std::type_identity_t<Var<T>> output,
               const GraphOptions& options) {
  const auto view = make_view<T>(tape, output);
  if (options.collapse)
    write_collapsed_dot_view(out, tape, view, options);
  else
    write_dot_view(out, tape, view, options);
}
template <class T>
std::string to_dot(const Tape<T>& tape, const GraphOptions& options) {
  std::ostringstream out;
  write_dot(out, tape, options);
  return out.str();
}
template <class T>
std::string to_dot(const Tape<T>& tape, std::type_identity_t<Var<T>> output, const GraphOptions& options) {
  std::ostringstream out;
  write_dot(out, tape, output, options);
  return out.str();
}

template <class T>
void write_json(std::ostream& out, const Tape<T>& tape, const GraphOptions& options) {
  write_json_view(out, tape, make_view<T>(tape, std::nullopt), options);
}
template <class T>
void write_json(std::ostream& out, const Tape<T>& tape, std::type_identity_t<Var<T>> output,
                const GraphOptions& options) {
  write_json_view(out, tape, make_view<T>(tape, output), options);
}
template <class T>
std::string to_json(const Tape<T>& tape, const GraphOptions& options) {
  std::ostringstream out;
  write_json(out, tape, options);
  return out.str();
}
template <class T>
std::string to_json(const Tape<T>& tape, std::type_identity_t<Var<T>> output, const GraphOptions& options) {
  std::ostringstream out;
  write_json(out, tape, output, options);
  return out.str();
}

bool have_graphviz() { return graphviz::available(); }

std::string slow_render_warning(std::size_t nodes) {
  if (nodes <= graphviz::slow_node_count) return {};
  return fmt::format(
      "the graph has {} nodes; Graphviz may take a minute or more to lay it out (draw one box "
      "per layer instead: tapegrad dot --collapse, or GraphOptions::collapse)",
      nodes);
}

RenderResult render_dot(const std::filesystem::path& dot_file) {
  RenderResult result;
  std::filesystem::path svg = dot_file, png = dot_file;
  svg.replace_extension(".svg");
  png.replace_extension(".png");
  if (!have_graphviz()) {
    result.message = fmt::format(
        "Graphviz 'dot' is not on the PATH; to render, install graphviz and run: dot -Tsvg {} -o "
        "{}",
        dot_file.string(), svg.string());
    return result;
  }
  graphviz::render(dot_file, "svg", svg);
  graphviz::render(dot_file, "png", png);
  result.rendered = true;
  result.svg = svg;
  result.png = png;
  result.message = fmt::format("wrote {} and {}", svg.string(), png.string());
  return result;
}

template <class T>
RenderResult write_graph_files(const Tape<T>& tape, std::type_identity_t<Var<T>> output,
                               const std::filesystem::path& stem, const GraphOptions& options) {
  std::filesystem::path dot_file = stem, json_file = stem;
  dot_file += ".dot";
  json_file += ".json";
  io::write_file(dot_file, to_dot(tape, output, options));
  io::write_file(json_file, to_json(tape, output, options));
  return render_dot(dot_file);
}

#define TAPEGRAD_INSTANTIATE(T)                                                                \
  template std::string display_name(const Tape<T>&, std::uint32_t);                           \
  template std::vector<std::uint32_t> dependencies(const Tape<T>&, Var<T>);                   \
  template std::vector<std::uint32_t> backward_order(const Tape<T>&);                         \
  template void write_dot(std::ostream&, const Tape<T>&, const GraphOptions&);                \
  template void write_dot(std::ostream&, const Tape<T>&, Var<T>, const GraphOptions&);        \
  template std::string to_dot(const Tape<T>&, const GraphOptions&);                           \
  template std::string to_dot(const Tape<T>&, Var<T>, const GraphOptions&);                   \
  template void write_json(std::ostream&, const Tape<T>&, const GraphOptions&);               \
  template void write_json(std::ostream&, const Tape<T>&, Var<T>, const GraphOptions&);       \
  template std::string to_json(const Tape<T>&, const GraphOptions&);                          \
  template std::string to_json(const Tape<T>&, Var<T>, const GraphOptions&);                  \
  template RenderResult write_graph_files(const Tape<T>&, Var<T>, const std::filesystem::path&, \
                                          const GraphOptions&);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad::viz
