// Hostile input and misuse of the command line, one test per class
// (docs/input-limits.md): special files, strict grammar, what is echoed,
// option ranges, messages that name the real cause, and output files.
// Every error is one line, exit code 2, and nothing of the user's is lost.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/tools/run_process.hpp"

using tapegrad::testing::read_text;
using tapegrad::testing::ScratchFolder;
using tapegrad::testing::write_text;
namespace fs = std::filesystem;

namespace {

const char* const model_text = R"({"layers": [
  {"W": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], "b": [0.1, 0.2, -0.1], "activation": "tanh"},
  {"W": [[0.3], [0.5], [-0.6]], "b": [-0.2], "activation": "sigmoid"}],
  "loss": "bce", "x": [[1.0, 0.5], [-1.5, 2.0]], "y": [[1], [0]]})";

tapegrad::testing::ProcessResult run(const std::vector<std::string>& args, const ScratchFolder& scratch) {
  return tapegrad::testing::run_process(tapegrad::testing::required_env("TAPEGRAD"), args, scratch.path());
}

// Exit code 2, nothing on stdout, and one line on stderr: `error: <message>`.
std::string one_error_line(const std::vector<std::string>& args, const ScratchFolder& scratch) {
  const auto result = run(args, scratch);
  CAPTURE(args);
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  REQUIRE(result.err.starts_with("error: "));
  CHECK(result.err.find('\n') == result.err.size() - 1);
  CHECK(result.err.find('\x1b') == std::string::npos);
  return result.err.substr(7, result.err.size() - 8);
}

std::string labelled_csv() {
  std::string text = "a,b,label\n";
  for (int i = 0; i < 20; ++i) text += fmt::format("{},{},{}\n", i * 0.1, 1 - i * 0.05, i % 2);
  return text;
}

}  // namespace

TEST_CASE("special files are named for what they are and never hang or fill memory") {
  ScratchFolder scratch("hostile_special");
  REQUIRE(::mkfifo((scratch / "fifo").c_str(), 0600) == 0);
  fs::create_directories(scratch / "folder.csv");
  write_text(scratch / "model.json", model_text);
  // A FIFO is read when a program writes it (tests/tools/stdin_test.cpp); with
  // none, it is refused after a bounded wait.
  const std::string no_writer =
      "fifo: is a FIFO that no program opened for writing within 2 s; start the program that "
      "writes it, or pass the data as a file";
  CHECK(one_error_line({"grad", "fifo"}, scratch) == no_writer);
  CHECK(one_error_line({"grad", "model.json", "--data", "fifo"}, scratch) == no_writer);
  CHECK(one_error_line({"train", "--data", "folder.csv", "--layers", "2,1"}, scratch) == "folder.csv: is a directory");
  CHECK(one_error_line({"train", "--data", "/dev/zero", "--layers", "2,1"}, scratch) ==
        "/dev/zero: is not a regular file");
  CHECK(one_error_line({"predict", "--model", "/dev/zero", "--data", "x.csv"}, scratch) ==
        "/dev/zero: is not a regular file");
}

TEST_CASE("strict grammar: trailing bytes, signs, a BOM and headers as wide as the rows") {
  ScratchFolder scratch("hostile_grammar");
  write_text(scratch / "nul.json", std::string(model_text) + std::string("\0garbage", 8));
  CHECK(one_error_line({"grad", "nul.json"}, scratch).starts_with("nul.json: NUL byte at line 4"));
  write_text(scratch / "sign.json", std::string(model_text).replace(std::string(model_text).find("0.1"), 3, "+-1"));
  CHECK(one_error_line({"grad", "sign.json"}, scratch).starts_with("sign.json: invalid JSON at line 2"));
  write_text(scratch / "model.json", model_text);

  // A BOM before a headerless file: the first row is data, not a header.
  write_text(scratch / "bom.csv", "\xEF\xBB\xBF" "1,0.5,1\n-1.5,2,0\n");
  const auto grad = run({"grad", "model.json", "--data", "bom.csv"}, scratch);
  CHECK(grad.exit_code == 0);
  const auto inline_grad = run({"grad", "model.json"}, scratch);
  CHECK(grad.out == inline_grad.out);  // the same two rows as the model's own x, y

  write_text(scratch / "narrow.csv", "a,b\n1,0.5,1\n");
  CHECK(one_error_line({"grad", "model.json", "--data", "narrow.csv"}, scratch) ==
        "narrow.csv:2: expected 2 numbers (the header on line 1 names 2 columns), found 3");
  // A first line mixing names and numbers is a bad row, never a header.
  write_text(scratch / "mixed.csv", "1,x,1\n1,0.5,1\n");
  CHECK(one_error_line({"grad", "model.json", "--data", "mixed.csv"}, scratch) ==
        "mixed.csv:1: field 2 is not a number: \"x\"");
  write_text(scratch / "plus.csv", "+-1,0.5,1\n");
  CHECK(one_error_line({"grad", "model.json", "--data", "plus.csv"}, scratch) ==
        "plus.csv:1: field 1 is not a number: \"+-1\"");
}

TEST_CASE("user text in messages is escaped and cut to a readable length") {
  ScratchFolder scratch("hostile_echo");
  CHECK(one_error_line({"grad", "a\nb\x1b[31m.json"}, scratch) ==
        "a\\nb\\x1b[31m.json: cannot read file: No such file or directory");
  write_text(scratch / "model.json", model_text);
  write_text(scratch / "wide.csv", "1,0.5,1\n1," + std::string(1 << 20, '7') + "x,0\n");
  const auto message = one_error_line({"grad", "model.json", "--data", "wide.csv"}, scratch);
  CHECK(message.starts_with("wide.csv:2: field 2 is not a number: \"7777"));
  CHECK(message.size() < 200);
  const auto option = one_error_line({"check", "model.json", "--eps", "\x1b[2J"}, scratch);
  CHECK(option.find("\\x1b[2J") != std::string::npos);
}

TEST_CASE("option ranges are said in words, and malformed lists or huge counts are refused") {
  ScratchFolder scratch("hostile_options");
  write_text(scratch / "model.json", model_text);
  write_text(scratch / "data.csv", labelled_csv());
  CHECK(one_error_line({"check", "model.json", "--eps", "0"}, scratch) ==
        "--eps: \"0\" is not a number greater than 0 (run 'tapegrad check --help')");
  CHECK(one_error_line({"demo", "--steps", "-1"}, scratch) ==
        "--steps: \"-1\" is not a whole number from 0 to 1000000 (run 'tapegrad demo --help')");
  CHECK(one_error_line({"demo", "--steps", "99999999999999999999"}, scratch) ==
        "--steps: \"99999999999999999999\" is not a whole number from 0 to 1000000 (run 'tapegrad demo "
        "--help')");
  CHECK(one_error_line({"train", "--data", "data.csv", "--layers", "30,,1"}, scratch) ==
        "train: --layers \"30,,1\": size 2 is empty; each size must be a whole number from 1 to 100000");
  CHECK(one_error_line({"train", "--data", "data.csv", "--layers", "2,1.5"}, scratch) ==
        "train: --layers \"2,1.5\": size 2 is \"1.5\"; each size must be a whole number from 1 to 100000");
  CHECK(one_error_line({"train", "--data", "data.csv", "--layers", "2,1", "--epochs", "0"}, scratch) ==
        "--epochs: \"0\" is not a whole number from 1 to 1000000 (run 'tapegrad train --help')");
}

TEST_CASE("messages name the data or the record that overflows, not the learning rate") {
  ScratchFolder scratch("hostile_blame");
  std::string huge = "a,b,label\n";
  for (int i = 0; i < 10; ++i) huge += fmt::format("{},1e308,{}\n", i, i % 2);
  write_text(scratch / "huge.csv", huge);
  CHECK(one_error_line({"train", "--data", "huge.csv", "--layers", "2,1", "--test-fraction", "0"}, scratch) ==
        "huge.csv: feature column 2 holds values too large to standardise (their sum of squares "
        "overflows a double); rescale that column");
  // Finite weights whose forward pass overflows: no "loss": null, exit 2.
  std::string overflowing = model_text;
  overflowing.replace(overflowing.find("0.1, -0.2"), 9, "1e300, -0.2");
  overflowing.replace(overflowing.find("[1.0, 0.5]"), 10, "[1e10, 0.5]");
  write_text(scratch / "overflow.json", overflowing);
  for (const char* command : {"grad", "check", "dot"}) {
    const auto message = one_error_line({command, "overflow.json"}, scratch);
    CHECK(message.starts_with("overflow.json: the forward pass overflows: record "));
  }
  write_text(scratch / "softmax.json", R"({"layers": [{"W": [[1, 2]], "b": [0, 0], "activation": "identity"}],
    "loss": "softmax_ce", "x": [[1]], "y": [[1e308, 1e308]]})");
  CHECK(one_error_line({"grad", "softmax.json"}, scratch) ==
        "softmax.json: y[0] sums to more than the largest double; softmax_ce target rows must sum to 1 "
        "(within 1e-09)");
}

TEST_CASE("outputs never replace an input, are checked before work, and honour the umask") {
  ScratchFolder scratch("hostile_outputs");
  write_text(scratch / "data.csv", labelled_csv());
  write_text(scratch / "model.json", model_text);
  fs::create_symlink("data.csv", scratch / "soft.csv");
  fs::create_hard_link(scratch / "data.csv", scratch / "hard.csv");
  const std::vector<std::string> train = {"train", "--data", "data.csv", "--layers", "2,1", "--epochs", "2"};
  auto with = [&](std::vector<std::string> args, std::vector<std::string> more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  for (const char* save : {"data.csv", "soft.csv", "hard.csv"})
    CHECK(one_error_line(with(train, {"--save", save}), scratch) ==
          fmt::format("{}: is also this command's input data.csv; writing would replace it, so choose "
                      "another output file",
                      save));
  CHECK(read_text(scratch / "data.csv") == labelled_csv());
  CHECK(one_error_line({"dot", "model.json", "-o", "model.json"}, scratch).starts_with("model.json: is also"));
  CHECK(one_error_line({"view", "model.json", "-o", "model.json"}, scratch).starts_with("model.json: is also"));
  CHECK(read_text(scratch / "model.json") == model_text);
  // Reported before training: no progress lines were printed.
  const auto missing = run(with(train, {"--save", "no/such/folder/m.json"}), scratch);
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "error: no/such/folder/m.json: cannot write: the folder no/such/folder does not exist\n");

  const mode_t old_mask = ::umask(077);
  const auto saved = run(with(train, {"--save", "private.json"}), scratch);
  const auto dot = run({"dot", "model.json", "-o", "private.dot"}, scratch);
  ::umask(old_mask);
  CHECK(saved.exit_code == 0);
  CHECK(dot.exit_code == 0);
  for (const char* name : {"private.json", "private.dot"}) {
    struct stat st {};
    REQUIRE(::stat((scratch / name).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  // A temporary left by a writer that was killed is cleaned up by the next save.
  write_text(scratch / ".private.json.tapegrad-4194999-0.tmp", "partial");
  CHECK(run(with(train, {"--save", "private.json"}), scratch).exit_code == 0);
  CHECK_FALSE(fs::exists(scratch / ".private.json.tapegrad-4194999-0.tmp"));
}
