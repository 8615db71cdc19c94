// Text from outside: the one number grammar of model files and CSV, and how
// user-provided text is echoed in messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tapegrad::io {

/// What parse_number found.
enum class NumberStatus {
  ok,            ///< a finite double (underflow rounds to 0 or a subnormal, as IEEE does)
  not_a_number,  ///< the text is not a number of the grammar
  overflow,      ///< a number of the grammar whose magnitude exceeds the largest double
};

struct ParsedNumber {
  NumberStatus status = NumberStatus::not_a_number;
  double value = 0.0;
};

/// The number grammar shared by model files and CSV (JSON's, RFC 8259):
/// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`. No leading `+`, no
/// leading zeros, no `.5` or `5.`, no `inf`/`nan`/hex. The value is the double
/// nearest to the decimal (round to nearest even); a magnitude below the
/// smallest subnormal rounds to (signed) zero, one above the largest double is
/// `overflow`. See docs/input-limits.md.
ParsedNumber parse_number(std::string_view text);

/// `text` as it may appear in a one-line message: control bytes and bytes
/// that are not UTF-8 as `\n`, `\t`, `\x1b`, backslash doubled, and cut after
/// `max_chars` characters with `...`. Every user-provided string (file names,
/// CSV fields, JSON keys) goes through this before it is printed.
std::string printable(std::string_view text, std::size_t max_chars = 80);
/// printable(text) in double quotes: `"x\n1"`.
std::string quoted(std::string_view text, std::size_t max_chars = 80);

/// A whole message made safe to print as one line, the last guard before
/// stderr: control bytes escaped as printable does (backslashes are kept, as
/// the parts quoted from input are escaped already), cut after `max_chars`.
std::string one_line(std::string_view message, std::size_t max_chars = 2000);

}  // namespace tapegrad::io
