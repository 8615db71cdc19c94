// Labelled data: the label rules shared by the command line and the lab.
#include "io/labelled.hpp"

#include <cmath>

#include <fmt/format.h>

#include "nn/dataset.hpp"

namespace tapegrad::io {

LabelledData labelled_data(CsvTable table, std::uint32_t outputs, std::string source,
                           RowShard shard) {
  LabelledData out;
  out.source = std::move(source);
  out.rows_in_file = table.rows_in_file;
  if (table.values.rows() == 0) {  // an empty shard of a file with rows
    out.y = Tensor<double>({0, outputs}, 0.0);
    out.labels = Tensor<double>({0, 1}, 0.0);
    return out;
  }
  if (table.values.cols() < 2)
    throw CsvError(fmt::format("{}: needs feature columns and a label column, but has {} column",
                               out.source, table.values.cols()));
  auto data = nn::split_features_labels<double>(table.values);
  // The file line of kept row i, for messages (blank lines inside the data are errors).
  const auto line_of = [&](std::uint32_t i) {
    return table.first_line + std::size_t{i} * shard.count + shard.index;
  };

  out.labels = data.y;
  if (outputs == 1) {
    for (std::uint32_t i = 0; i < data.y.rows(); ++i)
      if (!(data.y(i, 0) >= 0.0 && data.y(i, 0) <= 1.0))
        throw LabelError(fmt::format(
            "{}:{}: label {} is outside [0, 1]; a network with 1 output needs 0/1 labels",
            out.source, line_of(i), data.y(i, 0)));
    out.y = data.y;
  } else {
    for (std::uint32_t i = 0; i < data.y.rows(); ++i) {
      const double label = data.y(i, 0);
      if (!(label >= 0.0 && label < outputs && label == std::floor(label)))
        throw LabelError(fmt::format(
            "{}:{}: label {} is not a class number 0..{} (the network has {} outputs)", out.source,
            line_of(i), label, outputs - 1, outputs));
    }
    out.y = nn::one_hot(data.y, outputs);
  }
  out.x = std::move(data.x);
  return out;
}

}  // namespace tapegrad::io
