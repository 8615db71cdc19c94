// Training data of one rank: its share of a data set's rows, split into training, validation and
// test rows as one process would split the whole, and how the training loop steps on it.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "dist/data_parallel.hpp"
#include "nn/dataset.hpp"
#include "nn/fit.hpp"

namespace tapegrad::dist {

/// One rank's rows of a labelled data set, split as a single process would
/// split the whole. Data row i belongs to rank i mod N (io::RowShard), so each
/// rank holds about 1/N of the rows. The split is `nn::split_rows` of the whole
/// set's row count with one seed, the same on every rank, so the training set's
/// order (its "positions") and every shuffle of it are the same everywhere.
struct TrainShard {
  static constexpr std::uint32_t kElsewhere = std::numeric_limits<std::uint32_t>::max();

  nn::Dataset<double> train;       ///< this rank's training rows, in position order
  nn::Dataset<double> validation;  ///< this rank's validation rows
  nn::Dataset<double> test;        ///< this rank's test rows
  /// Per training position, the row of `train` that holds it, or kElsewhere.
  std::vector<std::uint32_t> train_row;
  std::uint32_t validation_size = 0;  ///< validation rows over all ranks
  std::uint32_t test_size = 0;        ///< test rows over all ranks
  double val_fraction = 0;            ///< the validation share used
  std::string source;                 ///< where the rows came from, for messages

  std::uint32_t train_size() const { return static_cast<std::uint32_t>(train_row.size()); }

  /// The rows of `train` holding the given training positions, in their order
  /// (the shard of a mini-batch), written into `rows`.
  void rows_of(std::span<const std::uint32_t> positions, std::vector<std::uint32_t>& rows) const;
};

/// Deals rank `rank` of `ranks`'s rows into a TrainShard. `mine` holds that
/// rank's rows of a data set of `rows` rows, data rows rank, rank + N, ... in
/// order (possibly none, with x (0, n) and y (0, k)); the split is
/// nn::split_rows(rows, val_fraction, test_fraction, seed). Throws
/// std::invalid_argument as split_rows does, and when `mine` does not hold
/// exactly the rank's share of the rows.
TrainShard deal_shard(const nn::Dataset<double>& mine, std::uint32_t rows, double val_fraction,
                      double test_fraction, std::uint64_t seed, int rank, int ranks);

/// A TrainShard and the DataParallel group of its ranks as the training loop's
/// nn::Sharding: every rank steps on its own rows of each batch, and the group
/// sums the gradients and the figures over the ranks. Both must outlive it.
class ShardedRows final : public nn::Sharding<double> {
 public:
  ShardedRows(const TrainShard& shard, DataParallel<double>& group) : shard_(shard), group_(group) {}
  std::uint32_t train_rows() const override { return shard_.train_size(); }
  void rows_of(std::span<const std::uint32_t> positions,
               std::vector<std::uint32_t>& rows) const override {
    shard_.rows_of(positions, rows);
  }
  double reduce_gradients(double local_loss, std::uint32_t local_rows,
                          std::uint32_t global_rows) override {
    return group_.reduce_gradients(local_loss, local_rows, global_rows);
  }
  void sum(std::span<double> values) override { group_.communicator().sum(values); }

 private:
  const TrainShard& shard_;
  DataParallel<double>& group_;
};

}  // namespace tapegrad::dist
