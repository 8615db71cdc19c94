// CSV: the project's small strict reader for numeric tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/tensor.hpp"

namespace tapegrad::io {

/// Thrown for an unreadable or malformed file; the message starts with
/// `file:line:`, e.g. `data.csv:17: expected 31 numbers, found 30`.
class CsvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A numeric table and the header line it had, if any.
struct CsvTable {
  std::vector<std::string> header;  ///< the first line's fields, if it was a header
  Tensor<double> values;            ///< (rows, cols): the rows kept
  std::size_t rows_in_file = 0;     ///< data rows in the file, kept or not
  std::size_t first_line = 1;       ///< the file's line number of its first data row
};

/// Which data rows a reader keeps when `count` readers share a file (the ranks
/// of a data-parallel run): data row i, counted from 0 after any header, when
/// i % count == index. Every reader checks each row's width; a reader parses
/// the numbers only of the rows it keeps. The file line of kept row r is
/// first_line + r * count + index (blank lines inside the data are errors).
struct RowShard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};

/// The largest CSV file read_csv reads (256 MiB). The table it holds takes at
/// most 4 times that (8 bytes a number, each at least 2 bytes of text).
inline constexpr std::size_t max_csv_bytes = std::size_t{256} << 20;

/// Reads comma-separated numbers, one row a line, every line with the same
/// count. No quoting, no empty fields; spaces around a number and a `\r` before
/// the newline are allowed, and so are empty lines at the end; a UTF-8 byte
/// order mark at the start is skipped. Numbers follow io::parse_number's
/// grammar (JSON's). The first line is a header when none of its fields is a
/// number and none starts like one (a digit, `-`, `+` or `.`): then it names the
/// columns and must have as many fields as the rows. A first line mixing names
/// and numbers is a malformed row, never a header, so no row is dropped
/// silently. With `shard`, keeps only that shard's rows; a shard may be empty
/// ((0, 0) values) when the file has fewer rows than readers, but the file may
/// not. `path` is read by io::read_file (`-` is standard input). See
/// docs/input-limits.md.
CsvTable read_csv(const std::filesystem::path& path, RowShard shard = {},
                  std::size_t max_bytes = max_csv_bytes);
/// The same on text in memory; `source` names it in error messages.
CsvTable parse_csv(std::string_view text, std::string_view source, RowShard shard = {});

}  // namespace tapegrad::io
