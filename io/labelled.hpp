// Labelled data: a CSV table whose last column is the label, as network inputs and targets.
#pragma once

#include <cstdint>
#include <string>

#include "autograd/tensor.hpp"
#include "io/csv.hpp"

namespace tapegrad::io {

/// A label that does not fit the network (outside [0, 1] for one output, not
/// a class number for more); the message names the file and line.
class LabelError : public CsvError {
 public:
  using CsvError::CsvError;
};

/// A CSV table whose last column is the label (see docs/command-line.md, "tapegrad train").
struct LabelledData {
  Tensor<double> x;       ///< (m, features)
  Tensor<double> labels;  ///< (m, 1), as in the file
  Tensor<double> y;       ///< (m, outputs) targets: the labels for one output, else one-hot
  std::string source;     ///< the file name, for messages
  std::size_t rows_in_file = 0;  ///< data rows in the file (more than m when sharded)
};

/// The table read from `source` (io::read_csv or io::parse_csv, with `shard`)
/// as data for a network with `outputs` outputs. With one output the label is
/// the target and must lie in [0, 1] (0/1 for classes); with more, labels are
/// class numbers 0..outputs-1, turned into one-hot rows. Throws LabelError
/// (or CsvError for a table without a label column) naming the file and line. An empty shard of a file with rows gives x (0, 0) and
/// y (0, outputs). `tapegrad train`, `predict`, `--data` and the lab read data
/// this one way.
LabelledData labelled_data(CsvTable table, std::uint32_t outputs, std::string source,
                           RowShard shard = {});

}  // namespace tapegrad::io
