// Usage of the command line (docs/command-line.md): no command is a usage error
// listing the commands, every command takes its files by position with the
// flags as aliases, and --help lists each input once.
#include <doctest/doctest.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/tools/command_line.hpp"

using namespace tapegrad::testing;

namespace {

const std::vector<std::string> commands = {"grad", "hessian", "check", "dot", "train", "predict", "demo", "view"};


std::size_t count_lines(const std::string& text, const std::string& pattern) {
  const std::regex line(pattern);
  std::size_t n = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    n += std::regex_search(text.substr(start, end - start), line) ? 1 : 0;
    start = end + 1;
  }
  return n;
}


}  // namespace

TEST_CASE("tapegrad alone lists the commands on stderr and exits 2; --help exits 0 on stdout") {
  ScratchFolder scratch("usage_none");
  const auto alone = run_tapegrad({}, scratch);
  CHECK(alone.exit_code == 2);
  CHECK(alone.out.empty());
  CHECK(alone.err.find("usage: tapegrad COMMAND [ARGS]") != std::string::npos);
  for (const auto& command : commands) CHECK(count_lines(alone.err, "^  " + command + " ") == 1);

  const auto help = run_tapegrad({"--help"}, scratch);
  CHECK(help.exit_code == 0);
  CHECK(help.err.empty());
  CHECK(help.out.find("Subcommands:") != std::string::npos);
  CHECK(run_tapegrad({"--version"}, scratch).exit_code == 0);
}

TEST_CASE("each command's --help lists each input once, by its position") {
  ScratchFolder scratch("usage_help");
  for (const auto& command : commands) {
    CAPTURE(command);
    const auto help = run_tapegrad({command, "--help"}, scratch);
    CHECK(help.exit_code == 0);
    CHECK(help.err.empty());
    CHECK(help.out.find("Usage: tapegrad " + command) != std::string::npos);
    const bool model = command != "train" && command != "demo";
    const bool data = command != "demo";
    CHECK(count_lines(help.out, R"(^  MODEL\.json)") == (model ? 1 : 0));
    CHECK(count_lines(help.out, R"(^  DATA\.csv)") == (data ? 1 : 0));
    // The flags work (below), but are not listed as options of their own.
    CHECK(count_lines(help.out, "^  --model") == 0);
    CHECK(count_lines(help.out, "^  --data") == 0);
    if (model) CHECK(help.out.find("also --model FILE") != std::string::npos);
    if (data) CHECK(help.out.find("also --data FILE") != std::string::npos);
  }
  CHECK(run_tapegrad({"predict", "--help"}, scratch).out.find("Usage: tapegrad predict [OPTIONS] MODEL.json DATA.csv") !=
        std::string::npos);
}

TEST_CASE("files by position and by flag give the same result") {
  ScratchFolder scratch("usage_forms");
  write_small_inputs(scratch);
  for (const std::string command : {"grad", "hessian", "check", "dot"}) {
    CAPTURE(command);
    const auto by_position = run_tapegrad({command, "model.json", "data.csv"}, scratch);
    REQUIRE(by_position.exit_code == 0);
    CHECK(run_tapegrad({command, "--model", "model.json", "--data", "data.csv"}, scratch).out == by_position.out);
    CHECK(run_tapegrad({command, "--model=model.json", "--data=data.csv"}, scratch).out == by_position.out);
    CHECK(run_tapegrad({command, "model.json", "--data", "data.csv"}, scratch).out == by_position.out);
    CHECK(run_tapegrad({command, "--data", "data.csv", "model.json"}, scratch).out == by_position.out);
    CHECK(run_tapegrad({command, "--model", "model.json", "data.csv"}, scratch).out == by_position.out);
    // The model alone uses its own x and y.
    CHECK(run_tapegrad({command, "model.json"}, scratch).out == run_tapegrad({command, "--model", "model.json"}, scratch).out);
  }
  const auto predicted = run_tapegrad({"predict", "model.json", "data.csv", "--scores"}, scratch);
  REQUIRE(predicted.exit_code == 0);
  CHECK(run_tapegrad({"predict", "--model", "model.json", "--data", "data.csv", "--scores"}, scratch).out == predicted.out);
  CHECK(run_tapegrad({"predict", "--scores", "--data", "data.csv", "model.json"}, scratch).out == predicted.out);

  const std::vector<std::string> train = {"--layers", "2,3,1", "--epochs", "2"};
  auto by_position = std::vector<std::string>{"train", "data.csv"}, by_flag = std::vector<std::string>{"train", "--data", "data.csv"};
  by_position.insert(by_position.end(), train.begin(), train.end());
  by_flag.insert(by_flag.end(), train.begin(), train.end());
  const auto trained = run_tapegrad(by_position, scratch);
  REQUIRE(trained.exit_code == 0);
  CHECK(run_tapegrad(by_flag, scratch).out == trained.out);

  CHECK(run_tapegrad({"view", "model.json", "data.csv", "-o", "a.html"}, scratch).exit_code == 0);
  CHECK(run_tapegrad({"view", "--model", "model.json", "--data", "data.csv", "-o", "b.html"}, scratch).exit_code == 0);
  CHECK(read_text(scratch / "a.html") == read_text(scratch / "b.html"));
}

TEST_CASE("an input given twice, missing, or one argument too many is a usage error") {
  ScratchFolder scratch("usage_errors");
  write_small_inputs(scratch);
  CHECK(one_error(run_tapegrad({"grad", "model.json", "--model", "model.json"}, scratch)) ==
        "--model: MODEL.json is given already; give it once (run 'tapegrad grad --help')");
  CHECK(one_error(run_tapegrad({"predict", "model.json", "data.csv", "--data", "data.csv"}, scratch)) ==
        "--data: DATA.csv is given already; give it once (run 'tapegrad predict --help')");
  CHECK(one_error(run_tapegrad({"predict", "model.json"}, scratch)) ==
        "DATA.csv is required (run 'tapegrad predict --help')");
  CHECK(one_error(run_tapegrad({"grad"}, scratch)) == "MODEL.json is required (run 'tapegrad grad --help')");
  CHECK(one_error(run_tapegrad({"train", "--layers", "2,1"}, scratch)) == "DATA.csv is required (run 'tapegrad train --help')");
  CHECK(one_error(run_tapegrad({"grad", "model.json", "data.csv", "extra.csv"}, scratch)) ==
        "The following argument was not expected: extra.csv (run 'tapegrad grad --help')");
  CHECK(one_error(run_tapegrad({"grad", "--model"}, scratch)).starts_with("--model: 1 required FILE missing"));
}
