// The C++ blocks of docs/graph-format.md: each `// [name]` region below is quoted
// there verbatim (tests/docs/code_blocks_test.cpp checks the quotes), and runs here.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "nn/losses.hpp"
#include "reference/example_4321.hpp"
#include "tests/tools/run_process.hpp"
#include "viz/graph_export.hpp"
#include "viz/html_view.hpp"

using namespace tapegrad;
using namespace tapegrad::viz;

namespace {

// The 4-3-2-1 example's loss, recorded: the `tape` and `L` the snippets start from.
struct Recorded {
  reference::Example4321 example = reference::example_4321();
  Tape<double> tape;
  Var<double> L = nn::loss(nn::LossKind::bce, example.net.forward(tape.input(example.x)), tape.input(example.y));
};

}  // namespace

TEST_CASE("docs/graph-format.md: dumps from C++") {
  testing::ScratchFolder scratch("docs_graph_snippet");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(scratch.path());
  Recorded r;
  auto& tape = r.tape;
  const auto L = r.L;
  std::filesystem::create_directories("out");
  // [graph-export]
  tape.backward(L);
  std::string dot = tapegrad::viz::to_dot(tape, L);           // what L depends on (to_dot(tape): all of it)
  std::string json = tapegrad::viz::to_json(tape, L);
  tapegrad::viz::GraphOptions options;                         // values, gradients, backward_edges,
  options.backward_edges = true;                          // compact_unnamed, full_rows/cols, precision
  auto rendered = tapegrad::viz::write_graph_files(tape, L, "out/graph", options);
  // writes out/graph.dot and out/graph.json; with Graphviz on the PATH also out/graph.svg and .png,
  // otherwise rendered.message says how: dot -Tsvg out/graph.dot -o out/graph.svg
  // [graph-export]
  CHECK(dot.starts_with("digraph"));
  CHECK(json.find("\"tapegrad-graph\"") != std::string::npos);
  CHECK(std::filesystem::exists("out/graph.dot"));
  CHECK(std::filesystem::exists("out/graph.json"));
  CHECK(rendered.rendered == have_graphviz());
  std::filesystem::current_path(cwd);
}

TEST_CASE("docs/graph-format.md: the step-through page from C++") {
  testing::ScratchFolder scratch("docs_view_snippet");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(scratch.path());
  Recorded r;
  auto& tape = r.tape;
  const auto L = r.L;
  const Tensor<double> my_hand_g_z2{{-0.0907968010529748, 0.056452156756884427}};
  // [html-view]
  tape.backward(L);
  tapegrad::viz::ViewOptions options;
  options.hand_gradients["z^[2]"] = my_hand_g_z2;   // optional, by value name
  tapegrad::viz::write_html_view(tape, L, "backprop.html", options);
  // [html-view]
  const std::string html = testing::read_text("backprop.html");
  CHECK(html.find("<html") != std::string::npos);
  CHECK(html.size() > 1000);
  std::filesystem::current_path(cwd);
}
