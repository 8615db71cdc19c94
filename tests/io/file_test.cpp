// Tests for io/file: what a path is before reading, bounded reads, atomic
// writes that honour the umask, stale temporaries, and outputs that would
// replace an input.
#include "io/file.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "io/model_format.hpp"

namespace io = tapegrad::io;
namespace fs = std::filesystem;

namespace {

fs::path fresh_folder(std::string_view name) {
  auto folder = fs::temp_directory_path() / ("tapegrad_file_" + std::string(name) + "_" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

std::string message_of(auto&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("a path is checked before it is read: folders, FIFOs and devices are refused") {
  const auto folder = fresh_folder("kinds");
  const auto fifo = folder / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // A FIFO with no writer would block a plain open; this returns at once.
  CHECK(message_of([&] { io::read_file(fifo, 100, "test file"); }) == fifo.string() + ": is not a regular file");
  CHECK(message_of([&] { io::read_file("/dev/zero", 100, "test file"); }) == "/dev/zero: is not a regular file");
  CHECK(message_of([&] { io::read_file(folder, 100, "test file"); }) == folder.string() + ": is a directory");
  CHECK(message_of([&] { io::read_file(folder / "none", 100, "test file"); }) ==
        (folder / "none").string() + ": cannot read file: No such file or directory");
  // The readers say the same, through their own error types.
  CHECK_THROWS_WITH_AS(io::read_csv(fifo), (fifo.string() + ": is not a regular file").c_str(), io::CsvError);
  CHECK_THROWS_WITH_AS(io::read_model(folder), (folder.string() + ": is a directory").c_str(), io::ModelFormatError);
  fs::remove_all(folder);
}

TEST_CASE("reads are bounded by a limit named in the message") {
  const auto folder = fresh_folder("bounded");
  std::ofstream(folder / "f.csv") << "1,2\n3,4\n";
  CHECK(io::read_file(folder / "f.csv", 8, "test file") == "1,2\n3,4\n");
  CHECK(message_of([&] { io::read_file(folder / "f.csv", 7, "test file"); }) ==
        (folder / "f.csv").string() + ": is larger than 7 bytes, the limit for a test file");
  CHECK_THROWS_WITH_AS(io::read_csv(folder / "f.csv", {}, 4),
                       ((folder / "f.csv").string() + ": is larger than 4 bytes, the limit for a CSV file").c_str(),
                       io::CsvError);
  fs::remove_all(folder);
}

TEST_CASE("writes are atomic, honour the umask, keep a replaced file's mode and follow links") {
  const auto folder = fresh_folder("write");
  const mode_t old_mask = ::umask(077);
  io::write_file(folder / "new.txt", "hello");
  ::umask(022);
  io::write_file(folder / "open.txt", "hello");
  ::umask(old_mask);
  CHECK(contents(folder / "new.txt") == "hello");
  CHECK(mode_of(folder / "new.txt") == 0600);
  CHECK(mode_of(folder / "open.txt") == 0644);
  ::chmod((folder / "open.txt").c_str(), 0640);
  io::write_file(folder / "open.txt", "again");
  CHECK(contents(folder / "open.txt") == "again");
  CHECK(mode_of(folder / "open.txt") == 0640);

  fs::create_symlink("open.txt", folder / "link.txt");
  io::write_file(folder / "link.txt", "through the link");
  CHECK(fs::is_symlink(fs::symlink_status(folder / "link.txt")));
  CHECK(contents(folder / "open.txt") == "through the link");

  CHECK_THROWS_WITH_AS(io::write_file(folder / "missing" / "x.txt", "x"),
                       doctest::Contains("cannot write: No such file or directory"), io::FileError);
  CHECK_THROWS_WITH_AS(io::write_file(folder, "x"), doctest::Contains("is a directory"), io::FileError);
  // Only the written files remain: no temporaries.
  CHECK(std::distance(fs::directory_iterator(folder), fs::directory_iterator()) == 3);
  fs::remove_all(folder);
}

TEST_CASE("temporaries left by a killed writer are removed by the next write") {
  const auto folder = fresh_folder("stale");
  // A process id that is not running: pid_max is at most 2^22.
  const auto stale = folder / ".model.json.tapegrad-4194999-0.tmp";
  const auto live = folder / fmt::format(".model.json.tapegrad-{}-77.tmp", ::getpid());
  const auto other = folder / ".model.json.other-4194999-0.tmp";
  for (const auto& p : {stale, live, other}) std::ofstream(p) << "partial";
  io::write_file(folder / "model.json", "{}");
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));   // its writer (this process) still runs
  CHECK(fs::exists(other));  // not our naming
  fs::remove_all(folder);
}

TEST_CASE("an output that is one of the command's inputs is refused, also through links") {
  const auto folder = fresh_folder("clash");
  std::ofstream(folder / "data.csv") << "1,2\n";
  fs::create_symlink("data.csv", folder / "soft.csv");
  fs::create_hard_link(folder / "data.csv", folder / "hard.csv");
  const auto data = folder / "data.csv";
  for (const char* name : {"data.csv", "soft.csv", "hard.csv"})
    CHECK_THROWS_WITH_AS(io::check_output(folder / name, {folder / "model.json", data}),
                         doctest::Contains("is also this command's input"), io::FileError);
  io::check_output(folder / "model.json", {data});  // a new file is fine
  CHECK_THROWS_WITH_AS(io::check_output(folder / "no" / "m.json", {data}),
                       doctest::Contains("the folder"), io::FileError);
  CHECK_THROWS_WITH_AS(io::check_output(folder, {data}), doctest::Contains("is a directory"), io::FileError);
  CHECK_THROWS_WITH_AS(io::check_output("/dev/null", {data}), doctest::Contains("is not a regular file"),
                       io::FileError);
  CHECK(contents(data) == "1,2\n");
  fs::remove_all(folder);
}
