// Tests for io/file: what a path is before reading, bounded reads, atomic
// writes that honour the umask, stale temporaries, and outputs that would
// replace an input.
#include "io/file.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

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

TEST_CASE("a path is checked before it is read: folders and devices are refused") {
  const auto folder = fresh_folder("kinds");
  CHECK(message_of([&] { io::read_file("/dev/zero", 100, "test file"); }) == "/dev/zero: is not a regular file");
  CHECK(message_of([&] { io::read_file(folder, 100, "test file"); }) == folder.string() + ": is a directory");
  CHECK(message_of([&] { io::read_file(folder / "none", 100, "test file"); }) ==
        (folder / "none").string() + ": cannot read file: No such file or directory");
  // The readers say the same, through their own error types.
  CHECK_THROWS_WITH_AS(io::read_csv("/dev/zero"), "/dev/zero: is not a regular file", io::CsvError);
  CHECK_THROWS_WITH_AS(io::read_model(folder), (folder.string() + ": is a directory").c_str(), io::ModelFormatError);
  fs::remove_all(folder);
}

namespace {

// Standard input from a pipe that `text` is written into by another thread,
// for the length of the object's life.
class PipedStdin {
 public:
  explicit PipedStdin(std::string text) {
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    saved_ = ::dup(STDIN_FILENO);
    REQUIRE(::dup2(ends[0], STDIN_FILENO) == STDIN_FILENO);
    ::close(ends[0]);
    writer_ = std::thread([fd = ends[1], text = std::move(text)] {
      std::size_t at = 0;
      while (at < text.size()) {
        const auto n = ::write(fd, text.data() + at, text.size() - at);
        if (n <= 0) break;  // the reader gave up (over the limit)
        at += static_cast<std::size_t>(n);
      }
      ::close(fd);
    });
  }
  ~PipedStdin() {
    ::dup2(saved_, STDIN_FILENO);  // closes the pipe's read end: a blocked writer ends
    ::close(saved_);
    writer_.join();
  }
  PipedStdin(const PipedStdin&) = delete;
  PipedStdin& operator=(const PipedStdin&) = delete;

 private:
  int saved_ = -1;
  std::thread writer_;
};

}  // namespace

TEST_CASE("- is standard input, read to its end within the limit") {
  CHECK(io::shown("-") == "<stdin>");
  CHECK(io::shown("./-") == "./-");
  {
    PipedStdin in("1,2\n3,4\n");
    CHECK(io::read_file("-", 100, "test file") == "1,2\n3,4\n");
  }
  {
    // More than a pipe holds (64 KiB), so the reader waits for the writer.
    const std::string big(300000, 'x');
    PipedStdin in(big);
    CHECK(io::read_file("-", big.size(), "test file") == big);
  }
  {
    PipedStdin in(std::string(1000, 'x'));
    CHECK(message_of([&] { io::read_file("-", 999, "test file"); }) ==
          "<stdin>: is larger than 999 bytes, the limit for a test file");
  }
  {
    PipedStdin in("");
    CHECK(io::read_file("-", 10, "test file").empty());
  }
  {
    PipedStdin in("a,b\n1,2\n3,x\n");
    CHECK_THROWS_WITH_AS(io::read_csv("-"), "<stdin>:3: field 2 is not a number: \"x\"", io::CsvError);
  }
}

TEST_CASE("a FIFO is read once a program writes it; with none, read_file gives up in bounded time") {
  const auto folder = fresh_folder("fifo");
  const auto fifo = folder / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  {
    // The writer opens after the reader and writes in two parts.
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      std::ofstream out(fifo);
      out << "1,2\n" << std::flush;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      out << "3,4\n";
    });
    CHECK(io::read_file(fifo, 100, "test file") == "1,2\n3,4\n");
    writer.join();
  }
  {
    // A writer that opens and writes nothing yet: waited for, not refused.
    std::thread writer([&] {
      std::ofstream out(fifo);
      std::this_thread::sleep_for(std::chrono::milliseconds(io::fifo_writer_wait_ms + 300));
      out << "late\n";
    });
    CHECK(io::read_file(fifo, 100, "test file") == "late\n");
    writer.join();
  }
  const auto start = std::chrono::steady_clock::now();
  CHECK(message_of([&] { io::read_file(fifo, 100, "test file"); }) ==
        fifo.string() + ": is a FIFO that no program opened for writing within 2 s; start the program "
                        "that writes it, or pass the data as a file");
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= std::chrono::milliseconds(io::fifo_writer_wait_ms - 50));
  CHECK(waited < std::chrono::milliseconds(io::fifo_writer_wait_ms + 5000));
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

TEST_CASE("- is no output file, and standard input counts as an input") {
  const auto folder = fresh_folder("dash");
  CHECK(message_of([&] { io::check_output("-"); }) ==
        "-: this command writes a file here, not standard output; give a file name");
  CHECK(message_of([&] { io::write_file("-", "x"); }) == "-: write_file writes files; standard output is not one");
  CHECK_FALSE(fs::exists("-"));
  // Standard input redirected from the output file: refused as that input.
  std::ofstream(folder / "d.csv") << "1,2\n";
  const int saved = ::dup(STDIN_FILENO);
  const int file = ::open((folder / "d.csv").c_str(), O_RDONLY);
  REQUIRE(::dup2(file, STDIN_FILENO) == STDIN_FILENO);
  ::close(file);
  const auto message = message_of([&] { io::check_output(folder / "d.csv", {"-"}); });
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  CHECK(message == (folder / "d.csv").string() + ": is also this command's input <stdin>; writing would replace it, "
                                                 "so choose another output file");
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
