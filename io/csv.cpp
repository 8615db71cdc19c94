// CSV: line splitting and number parsing with from_chars, errors naming file and line.
#include "io/csv.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

namespace tapegrad::io {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_number(std::string_view field) {
  field = trim(field);
  if (field.empty()) return std::nullopt;
  if (field.front() == '+') field.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (error != std::errc() || end != field.data() + field.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

}  // namespace

CsvTable parse_csv(std::string_view text, std::string_view source) {
  CsvTable table;
  std::vector<double> values;
  std::size_t cols = 0, rows = 0, line_number = 0, blank_line = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (trim(line).empty()) {
      if (!blank_line) blank_line = line_number;
      continue;
    }
    if (blank_line)
      throw CsvError(fmt::format("{}:{}: empty line inside the data", source, blank_line));
    const auto fields = split(line);
    if (line_number == 1) {
      bool header = false;
      for (auto f : fields) header = header || !parse_number(f);
      if (header) {
        for (auto f : fields) table.header.emplace_back(trim(f));
        continue;
      }
    }
    if (cols == 0) cols = fields.size();
    if (fields.size() != cols)
      throw CsvError(fmt::format("{}:{}: expected {} numbers, found {}", source, line_number, cols,
                                 fields.size()));
    for (std::size_t j = 0; j < fields.size(); ++j) {
      const auto v = parse_number(fields[j]);
      if (!v)
        throw CsvError(fmt::format("{}:{}: field {} is not a number: \"{}\"", source, line_number,
                                   j + 1, trim(fields[j])));
      values.push_back(*v);
    }
    ++rows;
  }
  if (rows == 0) throw CsvError(fmt::format("{}: no data rows", source));
  table.values = Tensor<double>::from(
      values, Shape{static_cast<std::uint32_t>(rows), static_cast<std::uint32_t>(cols)});
  return table;
}

CsvTable read_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CsvError(fmt::format("{}: cannot open the file", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw CsvError(fmt::format("{}: read error", path.string()));
  return parse_csv(text.str(), path.string());
}

std::string format_history_csv(const nn::History& history) {
  const auto number = [](double x) {
    return std::isfinite(x) ? fmt::format("{}", x) : std::string();
  };
  std::string out = "epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr,seconds\n";
  for (const auto& r : history)
    out +=
        fmt::format("{},{},{},{},{},{},{:.3f}\n", r.epoch, number(r.train_loss), number(r.val_loss),
                    number(r.train_accuracy), number(r.val_accuracy), number(r.lr), r.seconds);
  return out;
}

}  // namespace tapegrad::io
