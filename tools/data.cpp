// Data for commands: labelled CSV files turned into network inputs and targets.
#include "tools/data.hpp"

#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "io/file.hpp"
#include "tools/commands.hpp"
#include "tools/options.hpp"

namespace tapegrad::tools {

LabelledData read_labelled_csv(const std::filesystem::path& path, std::uint32_t outputs,
                               io::RowShard shard) {
  return labelled_data(io::read_csv(path, shard), io::shown(path), outputs, shard);
}

LabelledData labelled_data(io::CsvTable table, std::string source, std::uint32_t outputs,
                           io::RowShard shard) {
  try {
    return io::labelled_data(std::move(table), outputs, std::move(source), shard);
  } catch (const io::LabelError& e) {
    throw InputError(e.what());  // a mistake of the command's options or the file's labels
  }
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
