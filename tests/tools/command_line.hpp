// Command line: a small model and CSV file, and running the built tapegrad on
// them, directly or from a shell line (pipes, redirects), for tests/tools.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/tools/run_process.hpp"

namespace tapegrad::testing {

/// A 2-3-1 tanh/sigmoid model with BCE and its own two samples.
inline const char* const small_model = R"({"layers": [
  {"W": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], "b": [0.1, 0.2, -0.1], "activation": "tanh"},
  {"W": [[0.3], [0.5], [-0.6]], "b": [-0.2], "activation": "sigmoid"}],
  "loss": "bce", "x": [[1.0, 0.5], [-1.5, 2.0]], "y": [[1], [0]]})";

/// Five labelled rows for it, with a header.
inline const char* const small_data = "a,b,label\n0.1,0.2,0\n0.5,0.1,1\n0.9,0.4,1\n0.3,0.8,0\n-0.4,0.6,1\n";

/// Writes small_model as model.json and small_data as data.csv into `scratch`.
inline void write_small_inputs(const ScratchFolder& scratch) {
  write_text(scratch / "model.json", small_model);
  write_text(scratch / "data.csv", small_data);
}

/// The built tapegrad with `args`, in the scratch folder.
inline ProcessResult run_tapegrad(const std::vector<std::string>& args, const ScratchFolder& scratch) {
  return run_process(required_env("TAPEGRAD"), args, scratch.path());
}

/// A shell command line in the scratch folder; "$TAPEGRAD" is the built program.
inline ProcessResult run_shell(const std::string& command, const ScratchFolder& scratch) {
  return run_process("/bin/sh", {"-c", command}, scratch.path());
}

/// Checks exit code 2, nothing on stdout and one line `error: <message>` on
/// stderr; returns the message.
inline std::string one_error(const ProcessResult& result) {
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  REQUIRE(result.err.starts_with("error: "));
  CHECK(result.err.find('\n') == result.err.size() - 1);
  return result.err.substr(7, result.err.size() - 8);
}

}  // namespace tapegrad::testing
