// Data for commands: labelled CSV files turned into network inputs and targets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "autograd/tensor.hpp"
#include "dist/train_data.hpp"
#include "io/csv.hpp"
#include "io/labelled.hpp"
#include "io/model_format.hpp"

namespace tapegrad::tools {

using io::LabelledData;

/// Reads `path` for a network with `outputs` outputs (io::labelled_data's
/// rules). Throws InputError or io::CsvError naming the file and line. With
/// `shard`, keeps only that shard's rows (see io::RowShard), possibly none:
/// then x is (0, 0) and y (0, outputs).
LabelledData read_labelled_csv(const std::filesystem::path& path, std::uint32_t outputs,
                               io::RowShard shard = {});
/// The same from a table read already (a pipe can be read once); `source`
/// names it in messages and `shard` says which rows it kept.
LabelledData labelled_data(io::CsvTable table, std::string source, std::uint32_t outputs,
                           io::RowShard shard = {});

/// With fewer rows than this, no validation set is split off unless asked for.
inline constexpr std::uint32_t rows_for_default_validation = 50;

/// Reads rank `rank` of `ranks`'s share of `path` for `tapegrad train` (a
/// network of `inputs` inputs and `outputs` outputs): every rank reads the
/// file but parses and keeps only its rows (io::RowShard), dealt by
/// dist::deal_shard with `val_fraction` (default: 0.2 with at least
/// rows_for_default_validation rows, else 0), `test_fraction` (0: no test rows)
/// and `seed`. Throws InputError or io::CsvError naming the file and line.
dist::TrainShard read_train_shard(const std::filesystem::path& path, std::uint32_t inputs,
                                  std::uint32_t outputs, std::optional<double> val_fraction,
                                  double test_fraction, std::uint64_t seed, int rank, int ranks);

/// Reads a model file; with `data`, its x and y come from that CSV instead of
/// the file (the model must name a loss). Fails, naming the file, if the result
/// has no batch: commands that compute a loss need one. At most one of the two
/// may be standard input (require_one_stream).
io::ModelSpec read_model_with_data(const std::filesystem::path& model,
                                   const std::optional<std::filesystem::path>& data,
                                   std::string_view command);

}  // namespace tapegrad::tools
