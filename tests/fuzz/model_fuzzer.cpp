// libFuzzer target: the model reader (io::parse_model) on arbitrary bytes.
//
// Every input must be accepted or rejected with a one-line ModelFormatError;
// an accepted model must survive format -> parse -> format unchanged. Build
// and run: tools/fuzz/run.sh (docs/input-limits.md).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/model_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace io = tapegrad::io;
  try {
    const io::ModelSpec spec = io::parse_model(text, "fuzz.json");
    const std::string once = io::format_model(spec);
    if (io::format_model(io::parse_model(once, "again.json")) != once) __builtin_trap();
  } catch (const io::ModelFormatError& e) {
    if (std::string_view(e.what()).find('\n') != std::string_view::npos) __builtin_trap();
  }
  return 0;
}
