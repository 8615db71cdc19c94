// Files: what a path is before it is read, bounded reads of files, pipes and
// standard input, atomic writes, and outputs that never replace an input.
#pragma once

#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tapegrad::io {

/// A file that cannot be read or written; the message is one line,
/// `<path>: <what is wrong>`, with the path escaped (io::printable).
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// `-`: the path that names standard input (or output) on the command line.
bool is_standard_stream(const std::filesystem::path& path);

/// What messages call `path`: `<stdin>` for `-`, else the path itself (not escaped).
std::string source_name(const std::filesystem::path& path);

/// The path as messages show it: source_name, escaped and cut (io::printable).
std::string shown(const std::filesystem::path& path);

/// How long read_file waits for a program to open a FIFO for writing.
inline constexpr int fifo_writer_wait_ms = 2000;

/// The whole of `path`, which may hold at most `max_bytes`; `kind` names it in
/// the limit's message ("model file"). `path` may be a regular file, a FIFO
/// (also `/dev/stdin` on a pipe) or `-`, standard input. Checks what the path
/// is before reading: a directory is refused with "is a directory", a device
/// or socket with "is not a regular file", standard input on a terminal with
/// "is a terminal". A FIFO is opened without blocking; when no program opens
/// it for writing within fifo_writer_wait_ms, read_file gives up with "no
/// program opened this FIFO for writing". A pipe is read to its end (until
/// every writer closed it), or until it passes the limit. Throws FileError.
std::string read_file(const std::filesystem::path& path, std::size_t max_bytes,
                      std::string_view kind);

/// Checks, before any work is done, that `output` can be written by
/// write_file and is none of `inputs` (compared as files, so also through
/// symbolic and hard links; an input `-` is whatever standard input is): an
/// output that would replace a command's own input is refused. `-` is refused
/// as an output (write_file writes files; a command that can print to standard
/// output handles `-` before). Throws FileError naming the output.
void check_output(const std::filesystem::path& output,
                  std::initializer_list<std::filesystem::path> inputs = {});
void check_output(const std::filesystem::path& output,
                  std::span<const std::filesystem::path> inputs);

/// Writes `contents` to `path` atomically: a temporary file in the same folder
/// (`.NAME.tapegrad-PID-N.tmp`), flushed to disk, then renamed over `path`, so
/// readers see the old file or the new one, never a part. A new file gets the
/// mode 0666 less the umask, as any new file; a replaced file keeps its mode; a
/// symbolic link is followed and its target replaced. Temporaries of this
/// naming left by a process that no longer runs (killed during a write) are
/// removed first. Throws FileError.
void write_file(const std::filesystem::path& path, std::string_view contents);

}  // namespace tapegrad::io
