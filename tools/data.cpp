// Data for commands: labelled CSV files turned into network inputs and targets.
#include "tools/data.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "io/file.hpp"
#include "nn/dataset.hpp"
#include "tools/commands.hpp"
#include "tools/options.hpp"

namespace tapegrad::tools {

LabelledData read_labelled_csv(const std::filesystem::path& path, std::uint32_t outputs,
                               io::RowShard shard) {
  return labelled_data(io::read_csv(path, shard), io::shown(path), outputs, shard);
}

LabelledData labelled_data(io::CsvTable table, std::string source, std::uint32_t outputs,
                           io::RowShard shard) {
  LabelledData out;
  out.source = source;
  out.rows_in_file = table.rows_in_file;
  if (table.values.rows() == 0) {  // an empty shard of a file with rows
    out.y = Tensor<double>({0, outputs}, 0.0);
    out.labels = Tensor<double>({0, 1}, 0.0);
    return out;
  }
  if (table.values.cols() < 2)
    throw InputError(fmt::format("{}: needs feature columns and a label column, but has {} column",
                                 source, table.values.cols()));
  auto data = nn::split_features_labels<double>(table.values);
  // The file line of kept row i, for messages (blank lines inside the data are errors).
  const auto line_of = [&](std::uint32_t i) {
    return table.first_line + std::size_t{i} * shard.count + shard.index;
  };

  out.labels = data.y;
  if (outputs == 1) {
    for (std::uint32_t i = 0; i < data.y.rows(); ++i)
      if (!(data.y(i, 0) >= 0.0 && data.y(i, 0) <= 1.0))
        throw InputError(fmt::format(
            "{}:{}: label {} is outside [0, 1]; a network with 1 output needs 0/1 labels",
            source, line_of(i), data.y(i, 0)));
    out.y = data.y;
  } else {
    for (std::uint32_t i = 0; i < data.y.rows(); ++i) {
      const double label = data.y(i, 0);
      if (!(label >= 0.0 && label < outputs && label == std::floor(label)))
        throw InputError(fmt::format(
            "{}:{}: label {} is not a class number 0..{} (the network has {} outputs)", source,
            line_of(i), label, outputs - 1, outputs));
    }
    out.y = nn::one_hot(data.y, outputs);
  }
  out.x = std::move(data.x);
  return out;
}

dist::TrainShard read_train_shard(const std::filesystem::path& path, std::uint32_t inputs,
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
  dist::TrainShard shard;
  try {
    // The reader kept exactly this rank's rows, so only the split can fail.
    shard = dist::deal_shard({std::move(data.x), std::move(data.y)}, m, val, test_fraction, seed,
                             rank, ranks);
  } catch (const std::invalid_argument&) {
    throw InputError(fmt::format(
        "{}: {} rows are too few for --val-fraction {} and --test-fraction {} (each held-out set "
        "needs a row, and training at least one)",
        data.source, m, val, test_fraction));
  }
  shard.source = data.source;
  return shard;
}

io::ModelSpec read_model_with_data(const std::filesystem::path& model,
                                   const std::optional<std::filesystem::path>& data,
                                   std::string_view command) {
  require_one_stream({{"MODEL.json", &model}, {"DATA.csv", data ? &*data : nullptr}});
  io::ModelSpec spec = io::read_model(model);
  const std::string source = io::shown(model);
  if (data) {
    if (!spec.loss)
      throw InputError(fmt::format("{}: names no loss; {} --data needs one", source, command));
    const auto outputs = spec.layers.back().W.cols();
    const auto inputs = spec.layers.front().W.rows();
    LabelledData batch = read_labelled_csv(*data, outputs);
    if (batch.x.cols() != inputs)
      throw InputError(fmt::format("{}: has {} features, but {} has {} inputs", batch.source,
                                   batch.x.cols(), source, inputs));
    if (*spec.loss == nn::LossKind::softmax_ce && outputs == 1)
      throw InputError(fmt::format("{}: softmax_ce with 1 output has no classes to choose", source));
    spec.x = std::move(batch.x);
    spec.y = std::move(batch.y);
  }
  if (!spec.x)
    throw InputError(fmt::format("{}: has no data; {} needs x, y and a loss in the file, or "
                                 "--data FILE.csv",
                                 source, command));
  return spec;
}

}  // namespace tapegrad::tools
