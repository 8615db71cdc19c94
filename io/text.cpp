// Text from outside: the number grammar and the escaping of echoed text.
#include "io/text.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace tapegrad::io {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t skip_digits(std::string_view s, std::size_t k) {
  while (k < s.size() && is_digit(s[k])) ++k;
  return k;
}

// Whether `s` matches the JSON number grammar.
bool matches_grammar(std::string_view s) {
  std::size_t k = 0;
  if (k < s.size() && s[k] == '-') ++k;
  if (k >= s.size() || !is_digit(s[k])) return false;
  k = s[k] == '0' ? k + 1 : skip_digits(s, k);
  if (k < s.size() && s[k] == '.') {
    if (++k >= s.size() || !is_digit(s[k])) return false;
    k = skip_digits(s, k);
  }
  if (k < s.size() && (s[k] == 'e' || s[k] == 'E')) {
    if (++k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    if (k >= s.size() || !is_digit(s[k])) return false;
    k = skip_digits(s, k);
  }
  return k == s.size();
}

// Whether a number of the grammar that from_chars found out of range is too
// large (rather than too small): the decimal exponent of its first nonzero
// digit is positive. Out of range only happens beyond 1e308 or below 1e-324.
bool magnitude_is_large(std::string_view s) {
  const std::size_t e = s.find_first_of("eE");
  const std::string_view mantissa = s.substr(0, e);
  long long exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view digits = s.substr(e + 1);
    const bool negative = digits.front() == '-';
    if (digits.front() == '+' || digits.front() == '-') digits.remove_prefix(1);
    for (const char c : digits) exponent = std::min(exponent * 10 + (c - '0'), 1'000'000'000LL);
    if (negative) exponent = -exponent;
  }
  const std::size_t first = mantissa.find_first_of("123456789");
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const long long position = first < point ? static_cast<long long>(point - first) - 1
                                           : -static_cast<long long>(first - point);
  return position + exponent > 0;
}

// The length of the UTF-8 sequence starting at s[k] if it is valid and not a
// C1 control (U+0080..U+009F); 0 otherwise.
std::size_t utf8_length(std::string_view s, std::size_t k) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = byte(k);
  std::size_t n = 0;
  unsigned min = 0, code = 0;
  if (c >= 0xc2 && c <= 0xdf) n = 2, min = 0xa0, code = c & 0x1fu;
  else if (c >= 0xe0 && c <= 0xef) n = 3, min = 0x800, code = c & 0x0fu;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, min = 0x10000, code = c & 0x07u;
  else return 0;
  if (k + n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(k + i) & 0xc0u) != 0x80u) return 0;
    code = code << 6 | (byte(k + i) & 0x3fu);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return n;
}

}  // namespace

ParsedNumber parse_number(std::string_view text) {
  if (!matches_grammar(text)) return {NumberStatus::not_a_number, 0.0};
  double value = 0.0;
#if defined(__cpp_lib_to_chars)
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
#else
  // The libc++ of Debian's emscripten (lab/) has no from_chars for double; its
  // libc's strtod (musl's) rounds correctly too, and the locale there is "C".
  // A subnormal result, which strtod flags ERANGE, is kept as from_chars keeps it.
  const std::string copy(text);
  char* stop = nullptr;
  errno = 0;
  value = std::strtod(copy.c_str(), &stop);
  const char* end = text.data() + (stop - copy.c_str());
  const bool out_of_range = errno == ERANGE && (value == 0.0 || std::isinf(value));
  const std::errc error = out_of_range ? std::errc::result_out_of_range : std::errc();
#endif
  if (error == std::errc::result_out_of_range) {
    if (magnitude_is_large(text)) return {NumberStatus::overflow, 0.0};
    return {NumberStatus::ok, text.starts_with('-') ? -0.0 : 0.0};
  }
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return {NumberStatus::not_a_number, 0.0};
  return {NumberStatus::ok, value};
}

namespace {

std::string escape(std::string_view text, std::size_t max_chars, bool double_backslash) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t k = 0; k < text.size(); ++chars) {
    if (chars == max_chars) {
      out += fmt::format("... ({} bytes)", text.size());
      break;
    }
    const auto c = static_cast<unsigned char>(text[k]);
    if (c >= 0x20 && c < 0x7f) {
      if (c == '\\' && double_backslash) out += '\\';
      out += static_cast<char>(c);
      ++k;
      continue;
    }
    if (const std::size_t n = c >= 0x80 ? utf8_length(text, k) : 0) {
      out.append(text.substr(k, n));
      k += n;
      continue;
    }
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += fmt::format("\\x{:02x}", c);
    }
    ++k;
  }
  return out;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_chars) {
  return escape(text, max_chars, true);
}

std::string one_line(std::string_view message, std::size_t max_chars) {
  return escape(message, max_chars, false);
}

std::string quoted(std::string_view text, std::size_t max_chars) {
  std::string out = "\"";
  for (const char c : printable(text, max_chars)) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace tapegrad::io
