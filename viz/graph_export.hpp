// Graph export: the tape as a Graphviz DOT picture or as JSON, for people and tools.
//
// A dump has one value node per record (name, shape, numbers, gradient, its
// step in the reverse walk) and, for every recorded operation, an op node
// between its inputs and its result:
//
//   tapegrad::Tape<double> tape;
//   ... forward ...; tape.backward(L);
//   std::string dot = tapegrad::viz::to_dot(tape, L);      // what L depends on
//   tapegrad::viz::write_graph_files(tape, L, "net");      // net.dot, net.json (+ .svg, .png)
//
// Every walk over the graph uses an explicit worklist, so a chain of millions
// of records dumps without deep recursion.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "autograd/tape.hpp"

namespace tapegrad::viz {

/// What a dump shows. Tensors of at most `full_rows` x `full_cols` show every
/// number; larger ones show a summary (min, max, mean).
struct GraphOptions {
  bool values = true;           ///< show forward values
  bool gradients = true;        ///< show gradients (or that none was computed yet)
  bool backward_edges = false;  ///< add dashed edges from each result back to its inputs
  /// Draw each unnamed intermediate record (the products and partial sums of
  /// the scalar view) as one small node holding its op, instead of an op node
  /// and a value node. JSON dumps are unaffected.
  bool compact_unnamed = true;
  /// Draw each layer as one box listing its record groups (`W^[1]` x 480,
  /// parameter), for graphs too big to draw record by record (see
  /// slow_render_warning); records without a layer stay as they are. DOT only.
  bool collapse = false;
  std::uint32_t full_rows = 4;
  std::uint32_t full_cols = 4;
  int precision = 3;            ///< significant digits of the numbers drawn (JSON keeps all)
};

/// The name a dump shows for record `id`: its tape name, or `t<id>` if it has none.
template <class T>
std::string display_name(const Tape<T>& tape, std::uint32_t id);

/// The derivation's name of a gradient, derived from a value's name:
/// `z^[1]` -> `g^[1z]`, `W^[2]` -> `g^[2W]`, `z_1^[1]` -> `g^[1z]_1`,
/// `W_1,2^[2]` -> `g^[2W]_1,2`; the network output `y_hat` (or `y_hat_j`) of
/// layer k -> `g^[ka]` (or `g^[ka]_j`), since y_hat is a^[k]; any other name
/// `x` -> `g(x)`.
std::string gradient_name(std::string_view name, int layer = -1);

/// Ids of the records the last backward reached (those whose gradient it
/// computed), in the order it walked them: the output first.
template <class T>
std::vector<std::uint32_t> backward_order(const Tape<T>& tape);

// Functions of a tape and an output take the output as
// std::type_identity_t<Var<T>>: T comes from the tape, so an expression
// (`auto L = p + x;`, autograd/expression.hpp) converts to its Var.

/// Ids of the records `output` depends on (itself included), ascending.
/// Walks backwards with an explicit stack: no recursion, any depth.
template <class T>
std::vector<std::uint32_t> dependencies(const Tape<T>& tape, std::type_identity_t<Var<T>> output);

/// Graphviz DOT text of the whole tape, or of what `output` depends on.
/// Valid DOT for any names (labels are escaped HTML-like labels).
template <class T>
void write_dot(std::ostream& out, const Tape<T>& tape, const GraphOptions& options = {});
template <class T>
void write_dot(std::ostream& out, const Tape<T>& tape, std::type_identity_t<Var<T>> output,
               const GraphOptions& options = {});
template <class T>
std::string to_dot(const Tape<T>& tape, const GraphOptions& options = {});
template <class T>
std::string to_dot(const Tape<T>& tape, std::type_identity_t<Var<T>> output, const GraphOptions& options = {});

/// JSON text of the same graph; the schema is in the README ("The graph").
template <class T>
void write_json(std::ostream& out, const Tape<T>& tape, const GraphOptions& options = {});
template <class T>
void write_json(std::ostream& out, const Tape<T>& tape, std::type_identity_t<Var<T>> output,
                const GraphOptions& options = {});
template <class T>
std::string to_json(const Tape<T>& tape, const GraphOptions& options = {});
template <class T>
std::string to_json(const Tape<T>& tape, std::type_identity_t<Var<T>> output, const GraphOptions& options = {});

/// Whether Graphviz `dot` is on the PATH (see viz/graphviz.hpp, which runs it).
bool have_graphviz();

/// A warning to show before rendering a DOT text of `nodes` nodes (count them
/// with graphviz::count_nodes) when Graphviz would be slow, else "".
std::string slow_render_warning(std::size_t nodes);

/// The result of rendering a DOT file.
struct RenderResult {
  bool rendered = false;                 ///< SVG and PNG were written
  std::filesystem::path svg, png;        ///< where they are (empty if not rendered)
  std::string message;                   ///< what was done, or how to render by hand
};

/// Renders `dot_file` to SVG and PNG next to it (same stem) with Graphviz
/// `dot` if it is on the PATH; otherwise says how to do it by hand. Throws
/// graphviz::Error (a std::runtime_error) if `dot` is present but fails or
/// times out; a failed run leaves existing pictures untouched.
RenderResult render_dot(const std::filesystem::path& dot_file);

/// Writes `<stem>.dot` and `<stem>.json` of what `output` depends on, and
/// renders the DOT file (see render_dot). Returns the render result.
template <class T>
RenderResult write_graph_files(const Tape<T>& tape, std::type_identity_t<Var<T>> output,
                               const std::filesystem::path& stem,
                               const GraphOptions& options = {});

}  // namespace tapegrad::viz
