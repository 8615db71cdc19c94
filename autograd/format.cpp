// The bodies of the autograd types' fmt formatters, compiled once here.
//
// Formatting a number instantiates fmt's float writer (shortest round-trip
// digits, the Dragon fallback, padding): several thousand lines of code that
// every user file formatting a tensor would otherwise compile and optimise
// again. The headers declare `format` over fmt::format_context only; this file
// defines it for float, double and their duals, the element types a Tensor holds.
#include <string_view>

#include <fmt/format.h>

#include "autograd/dual.hpp"
#include "autograd/shape.hpp"
#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"

auto fmt::formatter<tapegrad::Shape>::format(tapegrad::Shape s, format_context& ctx) const
    -> format_context::iterator {
  return fmt::format_to(ctx.out(), "({}, {})", s.rows, s.cols);
}

template <class T>
auto fmt::formatter<tapegrad::Dual<T>>::format(const tapegrad::Dual<T>& d,
                                               format_context& ctx) const
    -> format_context::iterator {
  return fmt::formatter<T>::format(d.value, ctx);
}

template <class T>
auto fmt::formatter<tapegrad::TensorView<T>>::format(const tapegrad::TensorView<T>& t,
                                                     format_context& ctx) const
    -> format_context::iterator {
  auto out = ctx.out();
  *out++ = '[';
  for (std::uint32_t i = 0; i < t.rows(); ++i) {
    if (i) out = fmt::format_to(out, ", ");
    *out++ = '[';
    for (std::uint32_t j = 0; j < t.cols(); ++j) {
      if (j) out = fmt::format_to(out, ", ");
      ctx.advance_to(out);
      out = fmt::formatter<T>::format(t(i, j), ctx);
    }
    *out++ = ']';
  }
  *out++ = ']';
  return out;
}

template <class T>
auto fmt::formatter<tapegrad::Var<T>>::format(const tapegrad::Var<T>& v,
                                              format_context& ctx) const
    -> format_context::iterator {
  if (!v.tape_ptr()) return fmt::format_to(ctx.out(), "Var()");
  return fmt::formatter<tapegrad::TensorView<T>>::format(v.value(), ctx);
}

template struct fmt::formatter<tapegrad::Dual<float>>;
template struct fmt::formatter<tapegrad::Dual<double>>;
template struct fmt::formatter<tapegrad::TensorView<float>>;
template struct fmt::formatter<tapegrad::TensorView<double>>;
template struct fmt::formatter<tapegrad::TensorView<tapegrad::Dual<float>>>;
template struct fmt::formatter<tapegrad::TensorView<tapegrad::Dual<double>>>;
template struct fmt::formatter<tapegrad::Var<float>>;
template struct fmt::formatter<tapegrad::Var<double>>;
template struct fmt::formatter<tapegrad::Var<tapegrad::Dual<float>>>;
template struct fmt::formatter<tapegrad::Var<tapegrad::Dual<double>>>;
