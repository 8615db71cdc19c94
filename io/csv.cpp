// CSV: line splitting and the shared number grammar, errors naming file and line.
#include "io/csv.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "io/file.hpp"
#include "io/text.hpp"

namespace tapegrad::io {
namespace {

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Calls f(field) for each comma-separated field of `line`, trimmed.
template <class F>
void for_each_field(std::string_view line, F&& f) {
  while (true) {
    const std::size_t comma = line.find(',');
    f(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    line.remove_prefix(comma + 1);
  }
}

std::size_t field_count(std::string_view line) {
  return static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
}

// A column name: not empty and not starting like a number.
bool is_name(std::string_view field) {
  return !field.empty() && std::string_view("0123456789+-.").find(field.front()) == std::string_view::npos;
}

// The first line is a header when every field is a name.
bool is_header(std::string_view line) {
  bool header = true;
  for_each_field(line, [&](std::string_view f) { header = header && is_name(f); });
  return header;
}

// Splits text into lines, numbering them from 1.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (start_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', start_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(start_, end - start_);
    start_ = end + 1;
    ++number_;
    return true;
  }
  std::size_t number() const { return number_; }
  std::string_view rest() const { return start_ < text_.size() ? text_.substr(start_) : ""; }

 private:
  std::string_view text_;
  std::size_t start_ = 0;
  std::size_t number_ = 0;
};

std::size_t count_nonblank_lines(std::string_view text) {
  std::size_t count = 0;
  Lines lines(text);
  for (std::string_view line; lines.next(line);) count += !trim(line).empty();
  return count;
}

}  // namespace

CsvTable parse_csv(std::string_view text, std::string_view source_name, RowShard shard) {
  if (shard.count == 0 || shard.index >= shard.count)
    throw std::invalid_argument(
        fmt::format("parse_csv: shard {} of {} does not exist", shard.index, shard.count));
  const std::string source = printable(source_name);
  if (text.starts_with(byte_order_mark)) text.remove_prefix(byte_order_mark.size());
  CsvTable table;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line) && trim(line).empty()) {
  }
  if (trim(line).empty()) throw CsvError(fmt::format("{}: no data rows", source));

  const std::size_t cols = field_count(line);
  std::size_t rows = count_nonblank_lines(lines.rest()) + 1;
  const std::size_t header_line = is_header(line) ? lines.number() : 0;
  if (header_line) {
    for_each_field(line, [&](std::string_view f) { table.header.emplace_back(f); });
    --rows;
    if (!lines.next(line)) throw CsvError(fmt::format("{}: no data rows", source));
  }
  // Each number takes at least two bytes ("0,"), so a valid table fits this
  // bound; a text that does not fit has a short row, reported below.
  const bool fits = rows * cols <= text.size() / 2 + 1;
  const std::size_t kept = rows > shard.index ? (rows - shard.index - 1) / shard.count + 1 : 0;
  table.values = Tensor<double>(fits && kept ? Shape{static_cast<std::uint32_t>(kept),
                                                     static_cast<std::uint32_t>(cols)}
                                             : Shape{0, 0},
                                0.0);
  table.first_line = lines.number();
  std::size_t stored = 0, blank_line = 0;
  do {
    if (trim(line).empty()) {
      if (!blank_line) blank_line = lines.number();
      continue;
    }
    if (blank_line)
      throw CsvError(fmt::format("{}:{}: empty line inside the data", source, blank_line));
    const std::size_t found = field_count(line);
    if (found != cols) {
      if (header_line)
        throw CsvError(fmt::format("{}:{}: expected {} numbers (the header on line {} names {} "
                                   "columns), found {}",
                                   source, lines.number(), cols, header_line, cols, found));
      throw CsvError(fmt::format("{}:{}: expected {} numbers, found {}", source, lines.number(),
                                 cols, found));
    }
    if (table.rows_in_file++ % shard.count != shard.index) continue;
    std::size_t column = 0;
    for_each_field(line, [&](std::string_view field) {
      ++column;
      const auto [status, value] = parse_number(field);
      if (status == NumberStatus::overflow)
        throw CsvError(fmt::format("{}:{}: field {} is {}, beyond the largest double (about "
                                   "1.8e308)",
                                   source, lines.number(), column, printable(field)));
      if (status != NumberStatus::ok)
        throw CsvError(fmt::format("{}:{}: field {} is not a number: {}", source, lines.number(),
                                   column, quoted(field)));
      if (stored < table.values.size()) table.values[stored] = value;
      ++stored;
    });
  } while (lines.next(line));
  if (table.rows_in_file == 0) throw CsvError(fmt::format("{}: no data rows", source));
  if (stored != table.values.size())
    throw std::logic_error("parse_csv: the row count disagrees with the rows read");
  return table;
}

CsvTable read_csv(const std::filesystem::path& path, RowShard shard, std::size_t max_bytes) {
  std::string text;
  try {
    text = read_file(path, max_bytes, "CSV file");
  } catch (const FileError& e) {
    throw CsvError(e.what());
  }
  return parse_csv(text, source_name(path), shard);
}

}  // namespace tapegrad::io
