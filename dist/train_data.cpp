// Training data of one rank: its rows i mod N, mapped onto the whole set's train/validation/test split.
#include "dist/train_data.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace tapegrad::dist {

void TrainShard::rows_of(std::span<const std::uint32_t> positions,
                         std::vector<std::uint32_t>& rows) const {
  rows.clear();
  for (const std::uint32_t p : positions)
    if (train_row[p] != kElsewhere) rows.push_back(train_row[p]);
}

namespace {

// The rows of `data` (data rows `rank`, `rank` + N, ...) among the data rows
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

TrainShard deal_shard(const nn::Dataset<double>& mine, std::uint32_t rows, double val_fraction,
                      double test_fraction, std::uint64_t seed, int rank, int ranks) {
  if (ranks < 1 || rank < 0 || rank >= ranks)
    throw std::invalid_argument(fmt::format("deal_shard: rank {} of {} does not exist", rank, ranks));
  const auto r = static_cast<std::uint32_t>(rank), n = static_cast<std::uint32_t>(ranks);
  const std::uint32_t share = rows / n + (r < rows % n ? 1 : 0);
  if (mine.size() != share || mine.y.rows() != share)
    throw std::invalid_argument(
        fmt::format("deal_shard: rank {} of {} holds {} rows of {}; its share is {}", rank, ranks,
                    mine.size(), rows, share));
  const nn::SplitRows split = nn::split_rows(rows, val_fraction, test_fraction, seed, "deal_shard");
  TrainShard shard;
  shard.val_fraction = val_fraction;
  shard.validation_size = static_cast<std::uint32_t>(split.validation.size());
  shard.test_size = static_cast<std::uint32_t>(split.test.size());
  shard.train = keep(mine, split.train, r, n, &shard.train_row);
  shard.validation = keep(mine, split.validation, r, n, nullptr);
  shard.test = keep(mine, split.test, r, n, nullptr);
  return shard;
}

}  // namespace tapegrad::dist
