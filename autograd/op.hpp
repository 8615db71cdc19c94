// Op: the code of every recorded operation (declared here, listed in the
// registry), and the small types ops take: Reduction, Axis, Attr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tapegrad {

/// One code per recorded operation, defined with the registry
/// (autograd/registry.hpp): adding an op touches that file and its test.
enum class Op : std::uint8_t;

/// How a loss combines its per-sample terms l_i (one per row): `mean` is
/// (1/m) sum_i l_i, `sum` is sum_i l_i.
enum class Reduction : std::uint8_t { mean, sum };

/// The axis a reduction runs along: `rows` sums down each column to (1, cols),
/// `cols` sums along each row to (rows, 1).
enum class Axis : std::uint8_t { rows, cols };

/// The plain numbers an op takes besides its inputs (pow's exponent, clamp's
/// bounds, leaky_relu's slope); most ops take none.
struct Attr {
  double p = 0;
  double q = 0;
};

/// The op's name as dumps and messages show it (from the registry).
std::string_view op_name(Op op);

}  // namespace tapegrad
