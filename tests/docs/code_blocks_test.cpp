// Code blocks: every fenced block in README.md and docs/*.md is compiled, run or
// quoted from a file that is, unless a comment above it says why not.
//
// What the comment directly above a block says:
//   <!-- quote: PATH -->          the block is the whole file PATH, character for character
//   <!-- snippet: PATH#NAME -->   the block is the region between two `// [NAME]` lines of PATH
//   <!-- saved as: NAME -->       the block is a file the console blocks use (json blocks must parse)
//   <!-- not run: WHY -->         a shell block the tests cannot run (the test suite itself, ...)
//   <!-- run by: SCRIPT MODE -->  a shell block that the test script SCRIPT finds by this
//                                 marker and runs (it must exist and read this page)
//   <!-- run; numbers within P% -->  a console block whose numbers may differ by P% (training runs)
// A `console` block runs each `$ command` in a scratch folder (with `data/` and every
// saved file) and compares its output with the lines below it: `...` alone on a line skips
// lines, `...` in a line skips text, numbers agree to 1e-12 relative (or the
// marker's tolerance), and numbers below 1e-9 (rounding noise) match each other.
// A `diff` block's added lines must still be in the file it patches.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/docs/markdown.hpp"
#include "tests/tools/run_process.hpp"
#include "viz/graph_export.hpp"

namespace fs = std::filesystem;
using namespace tapegrad::testing;

namespace {

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

// The region of `path` between two `// [name]` lines, without its common indentation.
std::string region(const fs::path& path, const std::string& name) {
  const auto lines = lines_of(read_file(source_root / path));
  std::vector<std::string> body;
  bool inside = false, closed = false;
  for (const auto& line : lines) {
    if (trim(line) == "// [" + name + "]") {
      if (inside) {
        closed = true;
        break;
      }
      inside = true;
    } else if (inside) {
      body.push_back(line);
    }
  }
  REQUIRE_MESSAGE(closed, "no region // [" << name << "] in " << path.string());
  std::size_t indent = std::string::npos;
  for (const auto& line : body)
    if (!trim(line).empty()) indent = std::min(indent, line.find_first_not_of(' '));
  std::string text;
  for (const auto& line : body) text += (line.size() >= indent ? line.substr(indent) : trim(line)) + "\n";
  return text;
}

// ---------------------------------------------------------------- console blocks

struct Step {
  std::string command;
  std::vector<std::string> expected;
};

std::vector<Step> steps_of(const std::string& block) {
  std::vector<Step> steps;
  for (const auto& line : lines_of(block)) {
    if (line.starts_with("$ ")) steps.push_back({line.substr(2), {}});
    else {
      REQUIRE_MESSAGE(!steps.empty(), "a console block starts with a `$ command` line");
      steps.back().expected.push_back(line);
    }
  }
  return steps;
}

// An expected line as a regex: `...` matches any text, each number is captured.
const std::string number_pattern = R"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|-?nan|-?inf)";

struct LinePattern {
  std::regex regex;
  std::vector<std::string> numbers;
};

LinePattern pattern_of(const std::string& expected) {
  static const std::regex token("(\\.\\.\\.)|(" + number_pattern + ")");
  std::string regex;
  LinePattern p;
  auto escape = [&](std::string_view text) {
    for (const char c : text) {
      if (std::string_view(R"(\^$.|?*+()[]{}/)").find(c) != std::string_view::npos) regex += '\\';
      regex += c;
    }
  };
  std::size_t at = 0;
  for (auto it = std::sregex_iterator(expected.begin(), expected.end(), token); it != std::sregex_iterator(); ++it) {
    escape(std::string_view(expected).substr(at, static_cast<std::size_t>(it->position()) - at));
    if ((*it)[1].matched) {
      regex += ".*";
    } else {
      regex += "(" + number_pattern + ")";
      p.numbers.push_back(it->str());
    }
    at = static_cast<std::size_t>(it->position() + it->length());
  }
  escape(std::string_view(expected).substr(at));
  p.regex = std::regex(regex);
  return p;
}

bool same_number(const std::string& expected, const std::string& actual, double tolerance) {
  if (expected == actual) return true;
  auto nan = [](const std::string& s) { return s.find("nan") != std::string::npos; };
  if (nan(expected) || nan(actual)) return nan(expected) && nan(actual);
  const double e = std::stod(expected), a = std::stod(actual);
  if (std::abs(e) < 1e-9 && std::abs(a) < 1e-9) return true;  // rounding noise either way
  return std::abs(e - a) <= tolerance * std::max({1.0, std::abs(e), std::abs(a)});
}

bool line_matches(const std::string& expected, const std::string& actual, double tolerance) {
  const LinePattern p = pattern_of(expected);
  std::smatch m;
  if (!std::regex_match(actual, m, p.regex)) return false;
  for (std::size_t k = 0; k < p.numbers.size(); ++k)
    if (!same_number(p.numbers[k], m[k + 1].str(), tolerance)) return false;
  return true;
}

// Whether the expected lines (with `...` lines skipping any number of lines) match.
bool lines_match(const std::vector<std::string>& expected, const std::vector<std::string>& actual, double tolerance) {
  // reach[j]: the expected lines so far can end just before actual line j.
  std::vector<char> reach(actual.size() + 1, 0);
  reach[0] = 1;
  for (const auto& e : expected) {
    std::vector<char> next(actual.size() + 1, 0);
    if (trim(e) == "...") {
      bool any = false;
      for (std::size_t j = 0; j <= actual.size(); ++j) next[j] = any = any || reach[j];
    } else {
      for (std::size_t j = 0; j < actual.size(); ++j)
        if (reach[j] && line_matches(e, actual[j], tolerance)) next[j + 1] = 1;
    }
    reach = std::move(next);
  }
  return reach[actual.size()];
}

struct Shell {
  fs::path folder;
  int last_exit = 0;

  // Runs one documented command; returns its output lines (stdout then stderr, or the other order).
  std::vector<std::vector<std::string>> run(std::string command) {
    if (const auto comment = command.find("  # "); comment != std::string::npos) command = trim(command.substr(0, comment));
    if (command == "echo $?") return {{std::to_string(last_exit)}};
    std::size_t head = std::string::npos;
    static const std::regex piped(R"(^(.*) \| head -([0-9]+)$)");
    std::smatch m;
    if (std::regex_match(command, m, piped)) {
      head = std::stoul(m[2].str());
      command = m[1].str();
    }
    std::vector<std::string> words;
    std::istringstream in(command);
    for (std::string w; in >> w;) words.push_back(w);
    REQUIRE(!words.empty());
    // Standard input from a file: `cat FILE | tapegrad ...` (a pipe) or `tapegrad ... < FILE`,
    // run by /bin/sh with the built tapegrad.
    static const std::regex piped_in(R"(^cat [^ |<>;&$`]+ \| tapegrad( [^|<>;&$`]*)?$)");
    static const std::regex redirected_in(R"(^tapegrad [^|<>;&$`]* < [^ |<>;&$`]+$)");
    ProcessResult result;
    if (std::regex_match(command, piped_in) || std::regex_match(command, redirected_in)) {
      const std::string line = std::regex_replace(command, std::regex("(^|\\| )tapegrad "), "$1\"$$TAPEGRAD\" ");
      result = run_process("/bin/sh", {"-c", line}, folder);
    } else {
      std::string program = words[0];
      if (program == "tapegrad") program = required_env("TAPEGRAD");
      else if (program.starts_with("build/")) program = required_env("TAPEGRAD_BUILD_ROOT") + program.substr(5);
      else FAIL("the docs run tapegrad or build/... programs only: " << command);
      result = run_process(program, {words.begin() + 1, words.end()}, folder);
    }
    last_exit = result.exit_code;
    auto out = lines_of(result.out);
    if (head < out.size()) out.resize(head);
    const auto err = lines_of(result.err);
    std::vector<std::string> out_err = out, err_out = err;
    out_err.insert(out_err.end(), err.begin(), err.end());
    err_out.insert(err_out.end(), out.begin(), out.end());
    return {out_err, err_out};
  }
};

struct SavedFile {
  std::string name;
  std::string text;
};

std::vector<SavedFile> saved_files() {
  std::vector<SavedFile> files;
  for (const auto& page : documentation_pages())
    for (const auto& block : parse_page(read_file(source_root / page)).blocks)
      if (block.marker.starts_with("saved as: ")) files.push_back({block.marker.substr(10), block.text});
  return files;
}

// Console steps that draw with Graphviz (--svg): run where it is installed,
// reported by the skippable test case at the end where it is not.
std::size_t svg_steps_run = 0;

void run_console_blocks(const fs::path& page, const std::vector<FencedBlock>& blocks) {
  ScratchFolder scratch("docs_console_" + page.stem().string());
  fs::create_directory_symlink(source_root / "data", scratch / "data");
  for (const auto& file : saved_files()) write_text(scratch / file.name, file.text);
  Shell shell{scratch.path()};
  for (const auto& block : blocks) {
    if (block.info != "console") continue;
    CAPTURE(block.line);
    double tolerance = 1e-12;  // rounding in the last printed digits
    static const std::regex within(R"(numbers within ([0-9.]+)%)");
    std::smatch m;
    if (std::regex_search(block.marker, m, within)) tolerance = std::stod(m[1].str()) / 100;
    for (const auto& step : steps_of(block.text)) {
      CAPTURE(step.command);
      if (step.command.find("--svg") != std::string::npos) {
        if (!tapegrad::viz::have_graphviz()) continue;
        ++svg_steps_run;
      }
      const auto outputs = shell.run(step.command);
      bool matched = false;
      for (const auto& output : outputs) matched = matched || lines_match(step.expected, output, tolerance);
      std::string shown;
      for (const auto& line : outputs[0]) shown += line + "\n";
      CHECK_MESSAGE(matched, "the output differs from the page; it was:\n" << shown);
    }
  }
}

// ---------------------------------------------------------------- diff blocks

void check_diff(const FencedBlock& block) {
  std::string file = block.marker.starts_with("diff of: ") ? block.marker.substr(9) : "";
  std::size_t added = 0;
  for (const auto& line : lines_of(block.text)) {
    if (line.starts_with("+++ b/")) {
      file = line.substr(6);
      continue;
    }
    if (!line.starts_with("+") || line.find("...") != std::string::npos) continue;
    REQUIRE_MESSAGE(!file.empty(), "a diff block names its file (+++ b/PATH or <!-- diff of: PATH -->)");
    CAPTURE(file);
    CAPTURE(line);
    CHECK(read_file(source_root / file).find(trim(line.substr(1))) != std::string::npos);
    ++added;
  }
  CHECK(added > 0);
}

}  // namespace

TEST_CASE("the console matcher skips lines and text, and tells numbers apart") {
  CHECK(lines_match({"a 1", "...", "z"}, {"a 1", "b", "c", "z"}, 0));
  CHECK(lines_match({"a 1", "...", "z"}, {"a 1", "z"}, 0));
  CHECK_FALSE(lines_match({"a 1", "z"}, {"a 2", "z"}, 0));
  CHECK(lines_match({"rate ... samples/s"}, {"rate 123 samples/s"}, 0));
  CHECK(lines_match({"err 5.42e-20 ok"}, {"err 1.1e-19 ok"}, 0));
  CHECK_FALSE(lines_match({"err 5.42e-2 ok"}, {"err 1.1e-2 ok"}, 0));
  CHECK(lines_match({"acc 97.3%"}, {"acc 97.1%"}, 0.01));
  CHECK_FALSE(lines_match({"acc 97.3%"}, {"acc 90.1%"}, 0.01));
  CHECK(lines_match({"loss -nan (hand)"}, {"loss nan (hand)"}, 0));
  CHECK_FALSE(lines_match({"x"}, {"x", "y"}, 0));
}

TEST_CASE("every code block in README.md and docs/*.md is compiled, run or quoted") {
  for (const auto& page : documentation_pages()) {
    CAPTURE(page.string());
    const Page parsed = parse_page(read_file(source_root / page));
    for (const auto& block : parsed.blocks) {
      CAPTURE(block.line);
      if (block.marker.starts_with("quote: ")) {
        CHECK(block.text == read_file(source_root / block.marker.substr(7)));
      } else if (block.marker.starts_with("snippet: ")) {
        const auto spec = block.marker.substr(9);
        const auto hash = spec.find('#');
        REQUIRE(hash != std::string::npos);
        CHECK(block.text == region(spec.substr(0, hash), spec.substr(hash + 1)));
      } else if (block.marker.starts_with("saved as: ")) {
        if (block.info == "json") CHECK(nlohmann::json::accept(block.text));
      } else if (block.marker.starts_with("run by: ")) {
        const std::string script = block.marker.substr(8, block.marker.find(' ', 8) - 8);
        CAPTURE(script);
        REQUIRE(fs::is_regular_file(source_root / script));
        CHECK(read_file(source_root / script).find(page.filename().string()) != std::string::npos);
      } else if (block.info == "console") {
        // run below, page by page
      } else if (block.info == "diff") {
        check_diff(block);
      } else if (block.info == "json") {
        CHECK(nlohmann::json::accept(block.text));
      } else {
        CHECK_MESSAGE(block.marker.starts_with("not run: "),
                      "a code block needs a test: quote a compiled file, a snippet, a console run, "
                      "or say why not (<!-- not run: ... -->)");
      }
    }
  }
}

TEST_CASE("every console block in README.md and docs/*.md prints what the page shows") {
  for (const auto& page : documentation_pages()) {
    CAPTURE(page.string());
    const Page parsed = parse_page(read_file(source_root / page));
    run_console_blocks(page, parsed.blocks);
  }
}

// Declared after the case above, so doctest runs it afterwards (file order).
TEST_CASE("the console steps that draw with Graphviz ran" *
          doctest::skip(!tapegrad::viz::have_graphviz())) {
  CHECK_MESSAGE(svg_steps_run > 0, "no console block runs a command with --svg");
}
