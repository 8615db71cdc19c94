// Files: what a path is, bounded reads of files, pipes and standard input,
// atomic writes, input/output clashes.
#include "io/file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "io/text.hpp"

namespace tapegrad::io {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& path, std::string_view what) {
  throw FileError(fmt::format("{}: {}", shown(path), what));
}

[[noreturn]] void fail_errno(const fs::path& path, std::string_view doing, int error) {
  fail(path, fmt::format("{}: {}", doing, std::strerror(error)));
}

// Closes a descriptor when it goes out of scope.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string size_text(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0)
    return fmt::format("{} MiB", bytes >> 20);
  return fmt::format("{} bytes", bytes);
}

// "is a directory" / "is not a regular file" for what stat found, or "" for a regular file.
std::string_view kind_problem(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (!S_ISREG(mode)) return "is not a regular file";
  return "";
}

// The file a write replaces: a symbolic link's target, else the path itself.
fs::path write_target(const fs::path& path) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(path, ec))) {
    const fs::path target = fs::weakly_canonical(path, ec);
    if (!ec) return target;
  }
  return path;
}

fs::path folder_of(const fs::path& path) {
  return path.parent_path().empty() ? fs::path(".") : path.parent_path();
}

// `.NAME.tapegrad-`: the start of write_file's temporaries for NAME.
std::string temp_prefix(const fs::path& target) {
  // (Appending, not "." + string: GCC 12 warns falsely on that at -O3.)
  std::string prefix = ".";
  prefix += target.filename().string();
  prefix += ".tapegrad-";
  return prefix;
}

// Removes temporaries of `target` whose writing process is gone (it was
// killed before its rename). Only our own naming and our own files.
void remove_stale_temps(const fs::path& target) {
  const std::string prefix = temp_prefix(target);
  std::error_code ec;
  for (fs::directory_iterator it(folder_of(target), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(".tmp")) continue;
    const std::string_view rest = std::string_view(name).substr(prefix.size());
    pid_t pid = 0;
    const auto [end_pid, error] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (error != std::errc() || end_pid == rest.data() || *end_pid != '-' || pid <= 0) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
      continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) ::unlink(it->path().c_str());
  }
}

// Creates a new temporary next to `target`; returns its descriptor and path.
std::pair<int, fs::path> create_temp(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    const fs::path temp = folder_of(target) / fmt::format("{}{}-{}.tmp", temp_prefix(target),
                                                          ::getpid(), counter++);
    // 0666 as for any new file: the kernel applies the umask.
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return {fd, temp};
    if (errno != EEXIST) fail_errno(target, "cannot write", errno);
  }
  fail(target, "cannot write: no free temporary file name");
}

void write_all(int fd, std::string_view contents, const fs::path& target, const fs::path& temp) {
  std::size_t written = 0;
  while (written < contents.size()) {
    const auto n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::unlink(temp.c_str());
      fail_errno(target, "cannot write", error);
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

bool is_standard_stream(const fs::path& path) { return path.native() == "-"; }

std::string source_name(const fs::path& path) {
  return is_standard_stream(path) ? std::string("<stdin>") : path.string();
}

std::string shown(const fs::path& path) { return printable(source_name(path)); }

namespace {

// Reads `fd` to its end (a pipe's end: every writer closed it), at most
// `max_bytes`, after the bytes `text` holds already. `expected` is the size a
// regular file reports, so that reading it costs one buffer of its size.
std::string read_to_end(int fd, const fs::path& path, std::size_t max_bytes, std::string_view kind,
                        std::string text, std::size_t expected) {
  const auto too_large = [&] {
    fail(path, fmt::format("is larger than {}, the limit for a {}", size_text(max_bytes), kind));
  };
  if (expected > max_bytes || text.size() > max_bytes) too_large();
  std::size_t size = text.size();
  text.resize(std::max(size, expected));
  // The file may grow while it is read, and a pipe says nothing of its size:
  // read on until the end, within the limit. When the buffer is full, a small
  // probe looks for more before the buffer grows, so a file that did not grow
  // costs no more than its size.
  char probe[4096];
  while (true) {
    const bool full = size == text.size();
    const auto n = full ? ::read(fd, probe, sizeof probe) : ::read(fd, text.data() + size, text.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {  // a pipe opened without blocking: wait for data
        pollfd ready{fd, POLLIN, 0};
        if (::poll(&ready, 1, -1) < 0 && errno != EINTR) fail_errno(path, "cannot read file", errno);
        continue;
      }
      fail_errno(path, "cannot read file", errno);
    }
    if (n == 0) break;
    if (full) {
      if (size + static_cast<std::size_t>(n) > max_bytes) too_large();
      text.resize(std::min(std::max<std::size_t>(2 * size, size + sizeof probe), max_bytes + 1));
      std::copy(probe, probe + n, text.data() + size);
    }
    size += static_cast<std::size_t>(n);
    if (size > max_bytes) too_large();
  }
  text.resize(size);
  return text;
}

// A FIFO opened without blocking reads as ended while no program has it open
// for writing. Waits up to fifo_writer_wait_ms for one (its data or its close
// wakes poll); returns the byte that shows a writer came meanwhile, if any.
std::string wait_for_writer(int fd, const fs::path& path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(fifo_writer_wait_ms);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd ready{fd, POLLIN, 0};
    const int events = ::poll(&ready, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    if (events > 0) return "";  // data, or a writer that came and went: read_to_end sees which
    if (events < 0 && errno != EINTR) fail_errno(path, "cannot read file", errno);
    if (events == 0) break;
  }
  // A writer that opened but has not written wakes no poll: read says "try
  // again" (EAGAIN) while one is there, "end" (0) while there is none.
  char byte = 0;
  const auto n = ::read(fd, &byte, 1);
  if (n == 1) return std::string(1, byte);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return "";
  fail(path, fmt::format("is a FIFO that no program opened for writing within {} s; start the "
                         "program that writes it, or pass the data as a file",
                         fifo_writer_wait_ms / 1000.0));
}

std::string read_standard_input(std::size_t max_bytes, std::string_view kind) {
  const fs::path path("-");
  struct stat st {};
  if (::fstat(STDIN_FILENO, &st) != 0) fail_errno(path, "cannot read", errno);
  if (S_ISDIR(st.st_mode)) fail(path, "is a directory");
  // Reading a terminal would wait for typing; a pipe or a redirect is meant.
  if (::isatty(STDIN_FILENO))
    fail(path, "is a terminal; pipe the input in (... | tapegrad ... -) or redirect a file (< FILE)");
  std::size_t expected = 0;
  if (S_ISREG(st.st_mode)) {  // a redirected file: what is left of it from the current offset
    const off_t at = ::lseek(STDIN_FILENO, 0, SEEK_CUR);
    if (at >= 0 && at < st.st_size) expected = static_cast<std::size_t>(st.st_size - at);
  }
  return read_to_end(STDIN_FILENO, path, max_bytes, kind, "", expected);
}

}  // namespace

std::string read_file(const fs::path& path, std::size_t max_bytes, std::string_view kind) {
  if (is_standard_stream(path)) return read_standard_input(max_bytes, kind);
  // Non-blocking, so opening a FIFO returns at once, with or without a writer.
  Descriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) fail_errno(path, "cannot read file", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail_errno(path, "cannot read file", errno);
  if (S_ISFIFO(st.st_mode)) return read_to_end(fd.get(), path, max_bytes, kind, wait_for_writer(fd.get(), path), 0);
  if (const auto problem = kind_problem(st.st_mode); !problem.empty()) fail(path, problem);
  return read_to_end(fd.get(), path, max_bytes, kind, "", static_cast<std::size_t>(st.st_size));
}

void check_output(const fs::path& output, std::initializer_list<fs::path> inputs) {
  check_output(output, std::span<const fs::path>(inputs.begin(), inputs.size()));
}

void check_output(const fs::path& output, std::span<const fs::path> inputs) {
  if (is_standard_stream(output))
    throw FileError("-: this command writes a file here, not standard output; give a file name");
  struct stat out {};
  if (::stat(output.c_str(), &out) == 0) {
    if (const auto problem = kind_problem(out.st_mode); !problem.empty())
      fail(output, fmt::format("{}; the output must be a regular file", problem));
    for (const auto& input : inputs) {
      struct stat in {};
      const int found = is_standard_stream(input) ? ::fstat(STDIN_FILENO, &in) : ::stat(input.c_str(), &in);
      if (found == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
        fail(output, fmt::format("is also this command's input {}; writing would replace it, so "
                                 "choose another output file",
                                 shown(input)));
    }
  } else if (errno != ENOENT) {
    fail_errno(output, "cannot write", errno);
  }
  const fs::path folder = folder_of(write_target(output));
  struct stat dir {};
  if (::stat(folder.c_str(), &dir) != 0)
    fail(output, fmt::format("cannot write: the folder {} does not exist", shown(folder)));
  if (!S_ISDIR(dir.st_mode)) fail(output, fmt::format("cannot write: {} is not a folder", shown(folder)));
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    fail_errno(output, fmt::format("cannot write into {}", shown(folder)), errno);
}

void write_file(const fs::path& path, std::string_view contents) {
  if (is_standard_stream(path))
    throw FileError("-: write_file writes files; standard output is not one");
  const fs::path target = write_target(path);
  struct stat existing {};
  const bool replaces = ::stat(target.c_str(), &existing) == 0;
  if (replaces) {
    if (const auto problem = kind_problem(existing.st_mode); !problem.empty())
      fail(path, fmt::format("cannot write: {}", problem));
  }
  remove_stale_temps(target);
  const auto [raw_fd, temp] = create_temp(target);
  Descriptor fd(raw_fd);
  write_all(fd.get(), contents, path, temp);
  if (replaces) ::fchmod(fd.get(), existing.st_mode & 07777);
  const bool synced = ::fsync(fd.get()) == 0;
  const int sync_error = errno;
  if (::close(fd.release()) != 0 || !synced) {
    const int error = synced ? errno : sync_error;
    ::unlink(temp.c_str());
    fail_errno(path, "cannot write", error);
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail_errno(path, "cannot write", error);
  }
}

}  // namespace tapegrad::io
