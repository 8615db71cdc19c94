// Standard input and pipes (docs/input-limits.md): `-` as a model or CSV path in
// every command, /dev/stdin and FIFOs, with the limits and messages of files,
// a FIFO without a writer that ends in bounded time, and outputs named `-`.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/tools/command_line.hpp"

using namespace tapegrad::testing;

TEST_CASE("- reads the model from standard input in every command that reads one") {
  ScratchFolder scratch("stdin_model");
  write_small_inputs(scratch);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"grad"}, {"check", "--json"}, {"hessian"}, {"dot"}}) {
    std::string from_file = "\"$TAPEGRAD\"", from_pipe = "cat model.json | \"$TAPEGRAD\"",
                redirected = "\"$TAPEGRAD\"";
    for (const auto& a : args) {
      from_file += " " + a;
      from_pipe += " " + a;
      redirected += " " + a;
    }
    CAPTURE(args[0]);
    const auto expected = run_shell(from_file + " model.json", scratch);
    REQUIRE(expected.exit_code == 0);
    const auto piped = run_shell(from_pipe + " -", scratch);
    CHECK(piped.exit_code == 0);
    CHECK(piped.out == expected.out);
    CHECK(run_shell(redirected + " - < model.json", scratch).out == expected.out);
    CHECK(run_shell(from_pipe + " /dev/stdin", scratch).out == expected.out);
    // The flag form takes `-` as well.
    CHECK(run_shell(from_pipe + " --model -", scratch).out == expected.out);
  }
  const auto viewed = run_shell("cat model.json | \"$TAPEGRAD\" view - -o page.html", scratch);
  CHECK(viewed.exit_code == 0);
  CHECK(std::filesystem::file_size(scratch / "page.html") > 1000);
}

TEST_CASE("- reads the CSV from standard input: predict, train and --data") {
  ScratchFolder scratch("stdin_csv");
  write_small_inputs(scratch);
  const auto expected = run_tapegrad({"predict", "model.json", "data.csv", "--scores"}, scratch);
  REQUIRE(expected.exit_code == 0);
  const auto piped = run_shell("cat data.csv | \"$TAPEGRAD\" predict model.json - --scores", scratch);
  CHECK(piped.exit_code == 0);
  CHECK(piped.out == expected.out);
  // The accuracy line names standard input as the messages do.
  CHECK(piped.err == "accuracy 40.00% on 5 labelled rows of <stdin>\n");
  CHECK(expected.err == "accuracy 40.00% on 5 labelled rows of data.csv\n");
  // A model from the pipe and the data from a file.
  CHECK(run_shell("cat model.json | \"$TAPEGRAD\" predict - data.csv --scores", scratch).out == expected.out);

  const auto grad = run_tapegrad({"grad", "model.json", "data.csv"}, scratch);
  REQUIRE(grad.exit_code == 0);
  CHECK(run_shell("\"$TAPEGRAD\" grad model.json - < data.csv", scratch).out == grad.out);
  CHECK(run_shell("\"$TAPEGRAD\" grad model.json --data - < data.csv", scratch).out == grad.out);

  const std::string train = "train {} --layers 2,3,1 --epochs 3 --test-fraction 0.2";
  const auto trained = run_shell("\"$TAPEGRAD\" " + fmt::format(fmt::runtime(train), "data.csv"), scratch);
  REQUIRE(trained.exit_code == 0);
  const auto trained_piped =
      run_shell("cat data.csv | \"$TAPEGRAD\" " + fmt::format(fmt::runtime(train), "- --save m.json"), scratch);
  CHECK(trained_piped.exit_code == 0);
  CHECK(trained_piped.out == trained.out + "saved m.json\n");
}

TEST_CASE("only one input can be standard input") {
  ScratchFolder scratch("stdin_twice");
  write_small_inputs(scratch);
  const std::string message =
      "MODEL.json and DATA.csv are both standard input (or the same pipe); only one input can be "
      "'-': pass the other as a file";
  CHECK(one_error(run_shell("\"$TAPEGRAD\" predict - - < data.csv", scratch)) == message);
  CHECK(one_error(run_shell("\"$TAPEGRAD\" grad - --data - < model.json", scratch)) == message);
  CHECK(one_error(run_shell("cat model.json | \"$TAPEGRAD\" check - /dev/stdin", scratch)) == message);
  REQUIRE(::mkfifo((scratch / "fifo").c_str(), 0600) == 0);
  CHECK(one_error(run_shell("\"$TAPEGRAD\" predict fifo fifo", scratch)) == message);
}

TEST_CASE("empty and oversized standard input get the messages of files") {
  ScratchFolder scratch("stdin_limits");
  write_small_inputs(scratch);
  CHECK(one_error(run_shell("\"$TAPEGRAD\" grad - < /dev/null", scratch)) == "<stdin>: file is empty");
  CHECK(one_error(run_shell("true | \"$TAPEGRAD\" grad -", scratch)) == "<stdin>: file is empty");
  CHECK(one_error(run_shell("true | \"$TAPEGRAD\" predict model.json -", scratch)) == "<stdin>: no data rows");
  // One byte over the 256 MiB limit, through a pipe and from an endless device.
  CHECK(one_error(run_shell("head -c 268435457 /dev/zero | \"$TAPEGRAD\" grad -", scratch)) ==
        "<stdin>: is larger than 256 MiB, the limit for a model file");
  CHECK(one_error(run_shell("\"$TAPEGRAD\" predict model.json - < /dev/zero", scratch)) ==
        "<stdin>: is larger than 256 MiB, the limit for a CSV file");
  // Exactly at the limit is read (and then found to be no model).
  CHECK(one_error(run_shell("head -c 268435456 /dev/zero | \"$TAPEGRAD\" grad -", scratch))
            .starts_with("<stdin>: NUL byte at line 1, column 1"));
  // Errors inside the data name standard input, with the line.
  CHECK(one_error(run_shell("printf 'a,b\\n1,x\\n' | \"$TAPEGRAD\" predict model.json -", scratch)) ==
        "<stdin>:2: field 2 is not a number: \"x\"");
}

TEST_CASE("a FIFO is read when a program writes it, and refused in bounded time when none does") {
  ScratchFolder scratch("stdin_fifo");
  write_small_inputs(scratch);
  REQUIRE(::mkfifo((scratch / "fifo").c_str(), 0600) == 0);
  const auto expected = run_tapegrad({"grad", "model.json"}, scratch);
  REQUIRE(expected.exit_code == 0);
  // A writer that was there first, and one that comes half a second later.
  CHECK(run_shell("cat model.json > fifo & \"$TAPEGRAD\" grad fifo", scratch).out == expected.out);
  CHECK(run_shell("(sleep 0.5; cat model.json > fifo) & \"$TAPEGRAD\" grad fifo", scratch).out == expected.out);
  CHECK(run_shell("cat data.csv > fifo & \"$TAPEGRAD\" grad model.json fifo", scratch).exit_code == 0);
  // A writer that opens and closes without writing: an empty file, at once.
  CHECK(one_error(run_shell("(sleep 0.3; : > fifo) & \"$TAPEGRAD\" grad fifo", scratch)) == "fifo: file is empty");

  const auto start = std::chrono::steady_clock::now();
  CHECK(one_error(run_tapegrad({"grad", "fifo"}, scratch)) ==
        "fifo: is a FIFO that no program opened for writing within 2 s; start the program that "
        "writes it, or pass the data as a file");
  const auto waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(waited >= 1.9);
  CHECK(waited < 30);
  // Devices and folders are still refused at once.
  CHECK(one_error(run_tapegrad({"grad", "/dev/zero"}, scratch)) == "/dev/zero: is not a regular file");
  std::filesystem::create_directory(scratch / "folder");
  CHECK(one_error(run_shell("\"$TAPEGRAD\" grad - < folder", scratch)) == "<stdin>: is a directory");
}

TEST_CASE("standard input on a terminal is refused, not waited for") {
  ScratchFolder scratch("stdin_tty");
  // util-linux's script(1) (Debian's bsdutils, an essential package) gives a terminal.
  REQUIRE(std::filesystem::exists("/usr/bin/script"));
  const auto shown = run_process(
      "/usr/bin/script",
      {"-qec", required_env("TAPEGRAD") + " grad -", "/dev/null"}, scratch.path());
  CHECK(shown.out.find("error: <stdin>: is a terminal; pipe the input in") != std::string::npos);
}

TEST_CASE("an output named - is standard output where the command prints, else refused") {
  ScratchFolder scratch("stdout_dash");
  write_small_inputs(scratch);
  const auto dot = run_tapegrad({"dot", "model.json"}, scratch);
  REQUIRE(dot.exit_code == 0);
  CHECK(run_tapegrad({"dot", "model.json", "-o", "-"}, scratch).out == dot.out);
  CHECK(one_error(run_tapegrad({"dot", "model.json", "-o", "-", "--svg"}, scratch)) ==
        "dot: --svg needs -o FILE.dot, not standard output (the SVG is written next to it)");
  const std::string refused = "-: this command writes a file here, not standard output; give a file name";
  CHECK(one_error(run_tapegrad({"view", "model.json", "-o", "-"}, scratch)) == refused);
  for (const char* option : {"--save", "--history", "--plot"})
    CHECK(one_error(run_tapegrad({"train", "data.csv", "--layers", "2,1", option, "-"}, scratch)) == refused);
  CHECK_FALSE(std::filesystem::exists(scratch / "-"));
}
