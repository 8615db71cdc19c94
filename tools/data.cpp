// Data for commands: labelled CSV files turned into network inputs and targets.
#include "tools/data.hpp"

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
