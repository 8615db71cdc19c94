// File writes: whole files replaced atomically, so a reader never sees half of one.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace tapegrad::io {

/// A file that could not be written; the message names it: `out/plot.svg: cannot write: ...`.
class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes `text` to a temporary file in the same folder, syncs it and renames
/// it over `path`: `path` holds either its old content or all of `text`; the
/// new file has mode 0644, an ordinary document. Throws WriteError.
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace tapegrad::io
