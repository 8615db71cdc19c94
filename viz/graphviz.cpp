// Graphviz: runs `dot` with an argument vector, temporary files and a time limit.
#include "viz/graphviz.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace tapegrad::viz::graphviz {

Missing::Missing()
    : Error("Graphviz 'dot' is not on the PATH; install graphviz (apt-get install graphviz)") {}

namespace {

// A file made by mkstemp, removed when it goes out of scope unless kept.
class TempFile {
 public:
  // `dir/prefix.XXXXXX`: unique, created with mode 0600, never an existing file.
  TempFile(const std::filesystem::path& dir, std::string_view prefix) {
    std::string pattern = (dir / fmt::format("{}.XXXXXX", prefix)).string();
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0)
      throw Error(fmt::format("graphviz: cannot create a temporary file in {}: {}", dir.string(),
                              std::strerror(errno)));
    path_ = pattern;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) ::unlink(path_.c_str());
  }
  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_; }
  void write(std::string_view text) {
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error(fmt::format("graphviz: cannot write {}", path_.string()));
      done += static_cast<std::size_t>(n);
    }
  }
  std::string read() const {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // Renames the file to `target` (same folder, so atomic) and keeps it.
  void move_to(const std::filesystem::path& target) {
    ::close(fd_);
    fd_ = -1;
    // mkstemp makes 0600; a picture is as readable as any file the user writes.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(path_.c_str(), 0666 & ~mask);
    if (std::rename(path_.c_str(), target.c_str()) != 0)
      throw Error(fmt::format("graphviz: cannot write {}: {}", target.string(), std::strerror(errno)));
    kept_ = true;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool kept_ = false;
};

std::filesystem::path temp_dir() {
  const char* dir = std::getenv("TMPDIR");
  return dir && *dir ? std::filesystem::path(dir) : std::filesystem::path("/tmp");
}

struct FileActions {
  posix_spawn_file_actions_t actions;
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
};

// Runs `dot args...` with stdin from /dev/null, stdout to /dev/null and stderr
// into `errors`; returns its exit status. Throws Missing when `dot` is not
// found, Error when it is killed by the time limit or a signal.
int run(const std::vector<std::string>& args, int errors_fd, const RunOptions& options) {
  std::vector<char*> argv;
  std::string program = "dot";
  argv.push_back(program.data());
  std::vector<std::string> copies = args;
  for (auto& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);

  FileActions files;
  posix_spawn_file_actions_addopen(&files.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files.actions, 1, "/dev/null", O_WRONLY, 0);
  if (errors_fd >= 0)
    posix_spawn_file_actions_adddup2(&files.actions, errors_fd, 2);
  else
    posix_spawn_file_actions_addopen(&files.actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "dot", &files.actions, nullptr, argv.data(), environ);
  if (spawned == ENOENT) throw Missing();
  if (spawned != 0) throw Error(fmt::format("graphviz: cannot start dot: {}", std::strerror(spawned)));

  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + options.timeout;
  auto pause = std::chrono::milliseconds(1);
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw Error("graphviz: lost track of dot");
    if (clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      throw Error(fmt::format(
          "graphviz: dot did not finish within {} s; the graph is too large to lay out "
          "(draw one box per layer instead: tapegrad dot --collapse)",
          std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count()));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  if (!WIFEXITED(status)) throw Error("graphviz: dot was killed by a signal");
  // glibc reports an exec failure as exit status 127 on some kernels.
  if (WEXITSTATUS(status) == 127) throw Missing();
  return WEXITSTATUS(status);
}

// Runs `dot -T<format> -o <output> <input>`; throws Error with dot's message on failure.
void run_render(const std::filesystem::path& input, std::string_view format,
                const std::filesystem::path& output, const RunOptions& options) {
  if (format.empty() || format.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789:") !=
                            std::string_view::npos)
    throw Error(fmt::format("graphviz: '{}' is not an output format", format));
  TempFile errors(temp_dir(), "tapegrad_dot_errors");
  const int code = run({fmt::format("-T{}", format), "-o", output.string(), input.string()},
                       errors.fd(), options);
  if (code != 0) {
    std::string message = errors.read();
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
    throw Error(fmt::format("graphviz: dot -T{} {} failed (exit code {}){}{}", format,
                            input.string(), code, message.empty() ? "" : ": ", message));
  }
}

}  // namespace

bool available() {
  try {
    return run({"-V"}, -1, RunOptions{std::chrono::seconds(10)}) == 0;
  } catch (const Error&) {
    return false;
  }
}

void render(const std::filesystem::path& dot_file, std::string_view format,
            const std::filesystem::path& output, const RunOptions& options) {
  const std::filesystem::path folder =
      output.has_parent_path() ? output.parent_path() : std::filesystem::path(".");
  TempFile result(folder, fmt::format(".{}", output.filename().string()));
  run_render(dot_file, format, result.path(), options);
  result.move_to(output);
}

std::string render_text(std::string_view dot, std::string_view format, const RunOptions& options) {
  TempFile input(temp_dir(), "tapegrad_graph");
  input.write(dot);
  TempFile result(temp_dir(), "tapegrad_render");
  run_render(input.path(), format, result.path(), options);
  return result.read();
}

std::size_t count_nodes(std::string_view dot) {
  std::size_t nodes = 0;
  for (std::size_t at = 0; at < dot.size();) {
    std::size_t end = dot.find('\n', at);
    if (end == std::string_view::npos) end = dot.size();
    std::string_view line = dot.substr(at, end - at);
    at = end + 1;
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    line.remove_prefix(first);
    const std::size_t bracket = line.find(" [");
    if (bracket == std::string_view::npos || line.substr(0, bracket).find_first_of(" ;-=") !=
                                                 std::string_view::npos)
      continue;
    const std::string_view id = line.substr(0, bracket);
    if (id != "node" && id != "edge" && id != "graph") ++nodes;
  }
  return nodes;
}

}  // namespace tapegrad::viz::graphviz
