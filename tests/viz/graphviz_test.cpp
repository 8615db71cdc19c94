// Tests for running Graphviz: argument passing, temporary files, errors, the time limit.
#include "viz/graphviz.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

using namespace tapegrad;
using namespace tapegrad::viz;
namespace fs = std::filesystem;

namespace {

fs::path scratch_dir() {
  const fs::path dir = fs::temp_directory_path() /
                       fmt::format("tapegrad_graphviz_test_{}", static_cast<long>(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Sets PATH for one scope.
struct PathGuard {
  std::string saved;
  explicit PathGuard(const std::string& path) : saved(std::getenv("PATH") ? std::getenv("PATH") : "") {
    ::setenv("PATH", path.c_str(), 1);
  }
  ~PathGuard() { ::setenv("PATH", saved.c_str(), 1); }
};

// A chain of n nodes: enough of them make dot take a while.
std::string chain(int n) {
  std::string dot = "digraph g {\n";
  for (int i = 0; i + 1 < n; ++i) dot += fmt::format("  n{} -> n{};\n", i, i + 1);
  return dot + "}\n";
}

}  // namespace

TEST_CASE("count_nodes counts node statements, not edges or defaults") {
  CHECK(graphviz::count_nodes("digraph g {\n  node [shape=box];\n  edge [color=red];\n  a [label=\"x\"];\n"
                              "  b [label=\"a -> b\"];\n  a -> b [label=\"e\"];\n  graph [rankdir=LR];\n}\n") == 2);
  CHECK(graphviz::count_nodes("") == 0);
}

TEST_CASE("with Graphviz on the PATH, render writes the picture and leaves no temporary file" *
          doctest::skip(!graphviz::available())) {
  const fs::path dir = scratch_dir() / "render";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A name the shell would split or expand is one argument here.
  const fs::path dot = dir / "a graph; $(touch pwned) 'x'.dot";
  std::ofstream(dot) << "digraph g { a -> b; }\n";
  const fs::path svg = dir / "out $HOME.svg";
  graphviz::render(dot, "svg", svg);
  CHECK(read(svg).find("<svg") != std::string::npos);
  CHECK_FALSE(fs::exists("pwned"));
  CHECK_FALSE(fs::exists(dir / "pwned"));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++files;
  CHECK(files == 2);  // the DOT file and the SVG: no temporary left over
  CHECK(graphviz::render_text("digraph g { a -> b; }", "plain").starts_with("graph "));
}

TEST_CASE("a failing render names the problem and leaves the old picture untouched" *
          doctest::skip(!graphviz::available())) {
  const fs::path dir = scratch_dir() / "fail";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path dot = dir / "bad.dot", svg = dir / "bad.svg";
  std::ofstream(dot) << "digraph g { a -> ; }\n";
  std::ofstream(svg) << "old picture";
  try {
    graphviz::render(dot, "svg", svg);
    FAIL("a syntax error was not reported");
  } catch (const graphviz::Error& e) {
    const std::string message = e.what();
    CHECK(message.find("failed") != std::string::npos);
    CHECK(message.find("syntax error") != std::string::npos);
  }
  CHECK(read(svg) == "old picture");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++files;
  CHECK(files == 2);
  CHECK_THROWS_AS(graphviz::render(dot, "svg; rm -rf /", svg), graphviz::Error);
  CHECK_THROWS_AS(graphviz::render(dir / "missing.dot", "svg", dir / "missing.svg"), graphviz::Error);
  CHECK_FALSE(fs::exists(dir / "missing.svg"));
}

TEST_CASE("a render that takes too long is stopped" * doctest::skip(!graphviz::available())) {
  graphviz::RunOptions quick;
  quick.timeout = std::chrono::milliseconds(1);
  try {
    (void)graphviz::render_text(chain(3000), "svg", quick);
    FAIL("dot finished a 3000-node layout within 1 ms");
  } catch (const graphviz::Error& e) {
    CHECK(std::string(e.what()).find("did not finish") != std::string::npos);
    CHECK(std::string(e.what()).find("--collapse") != std::string::npos);
  }
}

TEST_CASE("without Graphviz on the PATH the error says how to get it") {
  const fs::path empty = scratch_dir() / "empty_path";
  fs::create_directories(empty);
  PathGuard guard(empty.string());
  CHECK_FALSE(graphviz::available());
  try {
    (void)graphviz::render_text("digraph g { a; }", "svg");
    FAIL("no error without dot");
  } catch (const graphviz::Missing& e) {
    CHECK(std::string(e.what()).find("apt-get install graphviz") != std::string::npos);
  }
}
