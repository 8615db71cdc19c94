// CSV: the project's small strict reader for numeric tables.
#pragma once

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
};

/// Which data rows a reader keeps when `count` readers share a file (the ranks
/// of a data-parallel run): data row i, counted from 0 after any header, when
/// i % count == index. A reader checks only the rows it keeps.
struct RowShard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};

/// Reads comma-separated numbers, one row a line, every line with the same
/// count. No quoting, no empty fields; spaces around a number and a `\r` before
/// the newline are allowed, and so are empty lines at the end. The first line is
/// a header when any of its fields is not a number (e.g. breast_cancer.csv's
/// `569,30,malignant,benign`); otherwise it is data (digits.csv). With `shard`,
/// keeps only that shard's rows; a shard may be empty ((0, 0) values) when the
/// file has fewer rows than readers, but the file may not.
CsvTable read_csv(const std::filesystem::path& path, RowShard shard = {});
/// The same on text in memory; `source` names it in error messages.
CsvTable parse_csv(std::string_view text, std::string_view source, RowShard shard = {});

}  // namespace tapegrad::io
