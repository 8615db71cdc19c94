// tapegrad: gradients, checks, graphs and training from the command line.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "io/text.hpp"
#include "tools/commands.hpp"
#include "tools/options.hpp"

namespace {

// Every error is one line on stderr; `what` already names the file it is about.
// Text quoted from input is escaped where it is quoted (io::printable); this
// is the last guard, for messages from libraries (CLI11, the standard library).
int report_error(std::string_view what) {
  fmt::print(stderr, "error: {}\n", tapegrad::io::one_line(what));
  return 2;
}

// Levenshtein distance: the number of single-letter edits from a to b.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// `tapegrad` alone: what each command does, one line each (on stderr: no
// command is a usage error).
void print_commands(const CLI::App& app, const std::vector<tapegrad::tools::Command>& commands) {
  std::string out = fmt::format("{}\n\nusage: tapegrad COMMAND [ARGS]\n\ncommands:\n",
                                app.get_description());
  for (const auto& command : commands)
    out += fmt::format("  {:<9} {}\n", command.app->get_name(), command.app->get_description());
  out += "\nRun 'tapegrad COMMAND --help' for a command's options, 'tapegrad --help' for all.\n";
  fmt::print(stderr, "{}", out);
}

// A first argument that is no option and no command: names it and suggests the
// nearest command when one is within two edits (a typo), else lists them.
std::string unknown_command(std::string_view name,
                            const std::vector<tapegrad::tools::Command>& commands) {
  const std::string shown = tapegrad::io::quoted(name, 40);  // escaped, one short line
  std::string nearest, all;
  std::size_t best = 3;
  for (const auto& command : commands) {
    const std::string& candidate = command.app->get_name();
    all += (all.empty() ? "" : ", ") + candidate;
    const std::size_t d = edit_distance(name, candidate);
    if (d < best) best = d, nearest = candidate;
  }
  if (!nearest.empty())
    return fmt::format("unknown command {}; did you mean \"{}\"?", shown, nearest);
  return fmt::format("unknown command {}; the commands are {}", shown, all);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tapegrad::tools;
  CLI::App app("tapegrad: reverse-mode autodiff for MLPs: gradients, checks, graphs and "
               "training from JSON model files and CSV data.",
               "tapegrad");
  app.formatter(std::make_shared<HelpFormatter>());  // before the commands: they inherit it
  app.set_version_flag("--version", "tapegrad " TAPEGRAD_VERSION);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 1 a gradient check that failed, 2 bad input or usage.\n"
             "Run 'tapegrad COMMAND --help' for a command's options.");

  const std::vector<Command> commands = {
      add_grad_command(app),    add_hessian_command(app), add_check_command(app),
      add_dot_command(app),     add_train_command(app),   add_predict_command(app),
      add_demo_command(app),    add_view_command(app),
  };

  if (argc == 1) {
    print_commands(app, commands);
    return 2;
  }
  if (const std::string_view first = argv[1]; !first.starts_with('-')) {
    const bool known = std::any_of(commands.begin(), commands.end(), [&](const Command& c) {
      return c.app->get_name() == first;
    });
    if (!known) return report_error(unknown_command(first, commands));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string help = "tapegrad --help";
    for (const auto& command : commands)
      if (command.app->parsed()) help = fmt::format("tapegrad {} --help", command.app->get_name());
    return report_error(fmt::format("{} (run '{}')", e.what(), help));
  }

  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
    return report_error("no command given (run 'tapegrad --help')");
  } catch (const RankFailed&) {
    return 2;
  } catch (const std::bad_alloc&) {
    return report_error("out of memory");
  } catch (const std::exception& e) {
    return report_error(e.what());
  }
}
