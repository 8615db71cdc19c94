// Shape: the (rows, cols) of a value, and the checks every op uses on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace tapegrad {

/// Rows x columns of a rank <= 2 value; a scalar is (1, 1), a sample a (1, n) row.
struct Shape {
  std::uint32_t rows = 1;
  std::uint32_t cols = 1;

  constexpr std::size_t size() const { return std::size_t{rows} * cols; }
  constexpr bool is_scalar() const { return rows == 1 && cols == 1; }
  friend constexpr bool operator==(Shape, Shape) = default;
};

/// Thrown for every user mistake about shapes; the message names the op and
/// both shapes: `<op>: <what is wrong>; <arg> is (r, c), <arg> is (r, c)`.
class ShapeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace tapegrad

/// `(rows, cols)`; compiled in the library (autograd/format.cpp).
template <>
struct fmt::formatter<tapegrad::Shape> : fmt::formatter<std::string_view> {
  auto format(tapegrad::Shape s, format_context& ctx) const -> format_context::iterator;
};

namespace tapegrad {

/// Throws ShapeError with the project's one message form.
[[noreturn]] inline void fail_shapes(std::string_view op, std::string_view what,
                                     std::string_view a_name, Shape a,
                                     std::string_view b_name, Shape b) {
  throw ShapeError(fmt::format("{}: {}; {} is {}, {} is {}", op, what, a_name, a, b_name, b));
}

/// The shape two operands broadcast to: each dimension equal, or 1 on one side.
inline Shape check_broadcast(std::string_view op, Shape a, Shape b) {
  auto dim = [](std::uint32_t x, std::uint32_t y) -> std::uint32_t {
    if (x == y || y == 1) return x;
    if (x == 1) return y;
    return 0;
  };
  const std::uint32_t rows = dim(a.rows, b.rows);
  const std::uint32_t cols = dim(a.cols, b.cols);
  if (rows == 0 || cols == 0) fail_shapes(op, "shapes cannot be broadcast", "a", a, "b", b);
  return {rows, cols};
}

inline void check_same_shape(std::string_view op, std::string_view a_name, Shape a,
                             std::string_view b_name, Shape b) {
  if (a != b) fail_shapes(op, "shapes differ", a_name, a, b_name, b);
}

inline void check_matmul(std::string_view op, Shape a, Shape b) {
  if (a.cols != b.rows)
    fail_shapes(op, fmt::format("inner dimensions {} and {} differ", a.cols, b.rows), "a", a,
                "b", b);
}

inline void check_nonempty(std::string_view op, Shape s) {
  if (s.rows == 0 || s.cols == 0)
    throw ShapeError(fmt::format("{}: empty value; shape is {}", op, s));
}

}  // namespace tapegrad
