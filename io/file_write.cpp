// File writes: a temporary file in the target's folder, synced, then renamed over it.
#include "io/file_write.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace tapegrad::io {

namespace {

[[noreturn]] void fail(std::string_view source, std::string_view what) {
  throw WriteError(fmt::format("{}: {}", source, what));
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  const std::string source = path.string();
  const auto folder = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::string temp = (folder / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail(source, fmt::format("cannot write: {}", std::strerror(errno)));
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      fail(source, fmt::format("cannot write: {}", std::strerror(error)));
    }
    written += static_cast<std::size_t>(n);
  }
  // mkstemp creates 0600; the file is an ordinary document.
  ::fchmod(fd, 0644);
  const bool synced = ::fsync(fd) == 0;
  const int sync_error = errno;
  if (::close(fd) != 0 || !synced) {
    const int error = synced ? errno : sync_error;
    ::unlink(temp.c_str());
    fail(source, fmt::format("cannot write: {}", std::strerror(error)));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail(source, fmt::format("cannot write: {}", std::strerror(error)));
  }
}

}  // namespace tapegrad::io
