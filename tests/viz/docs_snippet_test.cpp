// The C++ example in docs/visualisation.md is the region `// [collapsed]` below,
// line for line, so it compiles and runs.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tapegrad.hpp"

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Returns the warning the snippet computes.
std::string draw_collapsed(tapegrad::Tape<double>& tape, tapegrad::Var<double> L) {
  // [collapsed]
  tapegrad::viz::GraphOptions options;
  options.collapse = true;  // one box per layer
  std::string dot = tapegrad::viz::to_dot(tape, L, options);
  std::string warn = tapegrad::viz::slow_render_warning(tapegrad::viz::graphviz::count_nodes(dot));
  std::ofstream("net.dot") << dot;
  if (tapegrad::viz::graphviz::available())
    tapegrad::viz::graphviz::render("net.dot", "svg", "net.svg");  // throws graphviz::Error
  // [collapsed]
  return warn;
}

}  // namespace

TEST_CASE("docs/visualisation.md's C++ example is this test's code, and it runs") {
  const std::filesystem::path root = TAPEGRAD_SOURCE_DIR;
  const std::string source = read_all(root / "tests" / "viz" / "docs_snippet_test.cpp");
  const std::string marker = "  // [collapsed]\n";
  const auto begin = source.find(marker), end = source.find(marker, begin + 1);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  std::string body;  // dedented by two spaces
  std::istringstream lines(source.substr(begin + marker.size(), end - begin - marker.size()));
  for (std::string line; std::getline(lines, line);) body += line.substr(std::min<std::size_t>(2, line.size())) + "\n";
  const std::string docs = read_all(root / "docs" / "visualisation.md");
  CHECK_MESSAGE(docs.find("```cpp\n" + body + "```\n") != std::string::npos,
                "docs/visualisation.md must quote this code block:\n" << body);

  const auto dir = std::filesystem::temp_directory_path() / "tapegrad_docs_snippet";
  std::filesystem::create_directories(dir);
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  auto [net, x, y] = tapegrad::reference::example_4321();
  tapegrad::Tape<double> tape;
  auto output = net.forward(tape.input(x));
  auto target = tape.input(y);
  auto L = tapegrad::nn::loss(tapegrad::nn::LossKind::bce, output, target);
  tape.backward(L);
  const std::string warning = draw_collapsed(tape, L);
  std::filesystem::current_path(previous);
  CHECK(warning.empty());  // 4 boxes and the loss: quick to draw
  CHECK(read_all(dir / "net.dot").find("  layer_1 [") != std::string::npos);
  if (tapegrad::viz::graphviz::available()) CHECK(read_all(dir / "net.svg").find("<svg") != std::string::npos);
}
