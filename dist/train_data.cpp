// Training data of one rank: file rows i mod N, mapped onto the whole file's train/test split.
#include "dist/train_data.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "tools/commands.hpp"
#include "tools/data.hpp"

namespace tapegrad::tools {

void TrainShard::rows_of(std::span<const std::uint32_t> positions,
                         std::vector<std::uint32_t>& rows) const {
  rows.clear();
  for (const std::uint32_t p : positions)
    if (train_row[p] != kElsewhere) rows.push_back(train_row[p]);
}

namespace {

// The rows of `data` (file rows `rank`, `rank` + N, ...) among the file rows
// `wanted`, in that order; `local_of` receives each wanted row's place in the
// result, or kElsewhere.
nn::Dataset<double> keep(const nn::Dataset<double>& data, std::span<const std::uint32_t> wanted,
                         std::uint32_t rank, std::uint32_t ranks,
                         std::vector<std::uint32_t>* local_of) {
  std::vector<std::uint32_t> rows;
  if (local_of) local_of->assign(wanted.size(), TrainShard::kElsewhere);
  for (std::size_t k = 0; k < wanted.size(); ++k) {
    if (wanted[k] % ranks != rank) continue;
    if (local_of) (*local_of)[k] = static_cast<std::uint32_t>(rows.size());
    rows.push_back(wanted[k] / ranks);
  }
  nn::Dataset<double> out;
  nn::gather_rows(data.x, rows, out.x);
  nn::gather_rows(data.y, rows, out.y);
  return out;
}

}  // namespace

TrainShard read_train_shard(const std::filesystem::path& path, std::uint32_t inputs,
                            std::uint32_t outputs, std::optional<double> val_fraction,
                            double test_fraction, std::uint64_t seed, int rank, int ranks) {
  const auto r = static_cast<std::uint32_t>(rank), n = static_cast<std::uint32_t>(ranks);
  LabelledData data = read_labelled_csv(path, outputs, io::RowShard{r, n});
  if (data.x.rows() == 0) data.x = Tensor<double>({0, inputs}, 0.0);  // an empty shard
  if (data.x.cols() != inputs)
    throw InputError(fmt::format("{}: has {} features, but --layers starts with {} inputs",
                                 data.source, data.x.cols(), inputs));
  if (data.rows_in_file > std::numeric_limits<std::uint32_t>::max() - 1)
    throw InputError(fmt::format("{}: has more than 2^32 - 2 rows", data.source));
  const auto m = static_cast<std::uint32_t>(data.rows_in_file);

  const double val = val_fraction.value_or(m >= rows_for_default_validation ? 0.2 : 0.0);
  nn::SplitRows split;
  try {
    split = nn::split_rows(m, val, test_fraction, seed);
  } catch (const std::invalid_argument&) {
    throw InputError(fmt::format(
        "{}: {} rows are too few for --val-fraction {} and --test-fraction {} (each held-out set "
        "needs a row, and training at least one)",
        data.source, m, val, test_fraction));
  }
  const nn::Dataset<double> mine{std::move(data.x), std::move(data.y)};
  TrainShard shard;
  shard.source = data.source;
  shard.val_fraction = val;
  shard.validation_size = static_cast<std::uint32_t>(split.validation.size());
  shard.test_size = static_cast<std::uint32_t>(split.test.size());
  shard.train = keep(mine, split.train, r, n, &shard.train_row);
  shard.validation = keep(mine, split.validation, r, n, nullptr);
  shard.test = keep(mine, split.test, r, n, nullptr);
  return shard;
}

}  // namespace tapegrad::tools
