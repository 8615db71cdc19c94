// Commands: each `tapegrad` subcommand registers its options and returns how to run it.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "dist/ranks.hpp"

namespace tapegrad::tools {

/// Runs a parsed command and returns its exit code (0 success, 1 a failed
/// check, 2 bad input).
using Runner = std::function<int()>;

/// A user mistake found by a command (a file it cannot use, an option that does
/// not fit the data); main prints `error: <message>` and exits with 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A failure that another process has reported (another rank of a
/// data-parallel run, see dist/ranks.hpp): main exits with 2 without a message.
using RankFailed = dist::RankFailed;

/// A subcommand and how to run it once parsed.
struct Command {
  CLI::App* app;
  Runner run;
};

Command add_grad_command(CLI::App& app);
Command add_hessian_command(CLI::App& app);
Command add_check_command(CLI::App& app);
Command add_dot_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_demo_command(CLI::App& app);
Command add_view_command(CLI::App& app);

}  // namespace tapegrad::tools
