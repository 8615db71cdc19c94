// Training data of one rank: its share of a CSV file's rows, split into training, validation and
// test rows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "nn/dataset.hpp"

namespace tapegrad::tools {

/// One rank's rows of a labelled CSV file (tools/data.hpp), split as a single
/// process would split the whole file. Data row i of the file belongs to rank
/// i mod N; every rank reads the file but parses and keeps only its rows. The
/// split is `nn::split_rows` of the file's row count with the given seed, the
/// same on every rank, so the training set's order (its "positions") and
/// every shuffle of it are the same everywhere.
struct TrainShard {
  static constexpr std::uint32_t kElsewhere = std::numeric_limits<std::uint32_t>::max();

  nn::Dataset<double> train;       ///< this rank's training rows, in position order
  nn::Dataset<double> validation;  ///< this rank's validation rows
  nn::Dataset<double> test;        ///< this rank's test rows
  /// Per training position, the row of `train` that holds it, or kElsewhere.
  std::vector<std::uint32_t> train_row;
  std::uint32_t validation_size = 0;  ///< validation rows over all ranks
  std::uint32_t test_size = 0;        ///< test rows over all ranks
  double val_fraction = 0;            ///< the validation share used (the default resolved)
  std::string source;           ///< the file name, for messages

  std::uint32_t train_size() const { return static_cast<std::uint32_t>(train_row.size()); }

  /// The rows of `train` holding the given training positions, in their order
  /// (the shard of a mini-batch), written into `rows`.
  void rows_of(std::span<const std::uint32_t> positions, std::vector<std::uint32_t>& rows) const;
};

/// With fewer rows than this, no validation set is split off unless asked for.
inline constexpr std::uint32_t rows_for_default_validation = 50;

/// Reads rank `rank` of `ranks`'s share of `path` for a network of `inputs`
/// inputs and `outputs` outputs, split with `val_fraction` (default: 0.2 with
/// at least rows_for_default_validation rows, else 0), `test_fraction` (0: no
/// test rows) and `seed` (nn::split_rows). Throws InputError or io::CsvError
/// naming the file and line.
TrainShard read_train_shard(const std::filesystem::path& path, std::uint32_t inputs,
                            std::uint32_t outputs, std::optional<double> val_fraction,
                            double test_fraction, std::uint64_t seed, int rank, int ranks);

}  // namespace tapegrad::tools
