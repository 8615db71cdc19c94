// CSV: the project's small strict reader for numeric tables.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/tensor.hpp"
#include "nn/training.hpp"

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
  Tensor<double> values;            ///< (rows, cols)
};

/// Reads comma-separated numbers, one row a line, every line with the same
/// count. No quoting, no empty fields; spaces around a number and a `\r` before
/// the newline are allowed, and so are empty lines at the end. The first line is
/// a header when any of its fields is not a number (e.g. breast_cancer.csv's
/// `569,30,malignant,benign`); otherwise it is data (digits.csv).
CsvTable read_csv(const std::filesystem::path& path);
/// The same on text in memory; `source` names it in error messages.
CsvTable parse_csv(std::string_view text, std::string_view source);

/// A training history as CSV, one row per epoch, with the header
/// `epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr,seconds`; numbers
/// in shortest round-trip form, validation fields empty when there was no
/// validation set (NaN).
std::string format_history_csv(const nn::History& history);

}  // namespace tapegrad::io
