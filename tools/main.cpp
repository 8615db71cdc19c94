// tapegrad: gradients, checks, graphs and training from the command line.
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "io/text.hpp"
#include "tools/commands.hpp"

namespace {

// Every error is one line on stderr; `what` already names the file it is about.
// Text quoted from input is escaped where it is quoted (io::printable); this
// is the last guard, for messages from libraries (CLI11, the standard library).
int report_error(std::string_view what) {
  fmt::print(stderr, "error: {}\n", tapegrad::io::one_line(what));
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tapegrad::tools;
  CLI::App app("tapegrad: reverse-mode autodiff for MLPs: gradients, checks, graphs and "
               "training from JSON model files and CSV data.",
               "tapegrad");
  app.set_version_flag("--version", "tapegrad " TAPEGRAD_VERSION);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 1 a gradient check that failed, 2 bad input or usage.\n"
             "Run 'tapegrad COMMAND --help' for a command's options.");

  const std::vector<Command> commands = {
      add_grad_command(app),    add_hessian_command(app), add_check_command(app),
      add_dot_command(app),     add_train_command(app),   add_predict_command(app),
      add_demo_command(app),    add_view_command(app),
  };

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
