// Graphviz: the one place tapegrad runs the `dot` program.
//
//   tapegrad::viz::graphviz::render("net.dot", "svg", "net.svg");   // net.dot -> net.svg
//   std::string svg = tapegrad::viz::graphviz::render_text(dot_text, "svg");
//
// `dot` is started with an argument vector (posix_spawnp, no shell), writes
// into a fresh temporary file (mkstemp) that replaces the target only when it
// succeeds, and is killed after a time limit, so a huge graph cannot hang a
// caller and a failed run overwrites nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tapegrad::viz::graphviz {

/// `dot` failed, timed out, or could not be started.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// `dot` is not on the PATH.
struct Missing : Error {
  Missing();
};

/// Drawn nodes above which `dot` takes many seconds (the 30-16-1 scalar view,
/// 1,590 nodes, takes about 30 s): callers warn and offer a collapsed view.
inline constexpr std::size_t slow_node_count = 400;

struct RunOptions {
  /// `dot` is killed after this long and Error thrown.
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
};

/// Whether `dot` can be started (runs `dot -V`).
bool available();

/// Renders `dot_file` to `output` in `format` (svg, png, plain, ...). The
/// result goes to a temporary file in output's folder, renamed over `output`
/// on success. Throws Missing, or Error with dot's message.
void render(const std::filesystem::path& dot_file, std::string_view format,
            const std::filesystem::path& output, const RunOptions& options = {});

/// Renders DOT text and returns what `dot` wrote; temporary files live in
/// TMPDIR (or /tmp) and are removed. Throws as render().
std::string render_text(std::string_view dot, std::string_view format,
                        const RunOptions& options = {});

/// The number of nodes a DOT text draws (statements `name [` at line start),
/// for the slow-render warning without parsing DOT.
std::size_t count_nodes(std::string_view dot);

}  // namespace tapegrad::viz::graphviz
