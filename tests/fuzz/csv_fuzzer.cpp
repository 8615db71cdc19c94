// libFuzzer target: the CSV reader (io::parse_csv) on arbitrary bytes.
//
// Every input must be accepted or rejected with a one-line CsvError; an
// accepted table has as many values as rows times columns, a header as wide
// as the rows, and only finite numbers. Build and run: tools/fuzz/run.sh.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace io = tapegrad::io;
  try {
    const io::CsvTable table = io::parse_csv(text, "fuzz.csv");
    if (table.values.rows() == 0 || table.values.cols() == 0) __builtin_trap();
    if (!table.header.empty() && table.header.size() != table.values.cols()) __builtin_trap();
    for (std::size_t k = 0; k < table.values.size(); ++k)
      if (!std::isfinite(table.values[k])) __builtin_trap();
  } catch (const io::CsvError& e) {
    if (std::string_view(e.what()).find('\n') != std::string_view::npos) __builtin_trap();
  }
  return 0;
}
