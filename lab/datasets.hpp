// Datasets: the lab's built-in two-dimensional sets, drawn from a seed, as CSV text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tapegrad::lab {

/// The names of the built-in sets, for messages: xor, circles, moons, spirals.
inline constexpr std::string_view plane_set_names = "xor, circles, moons or spirals";

/// `points` points of the set `name` (two classes, about half each) with
/// Gaussian noise of standard deviation `noise` on each coordinate, drawn
/// from a Generator seeded with `seed`, as CSV text with the header
/// `x1,x2,label` (label 0 or 1), which the command line reads as it is:
///  - xor: uniform in [-1, 1]^2, label 1 where x1 and x2 differ in sign;
///  - circles: a disc of radius 0.5 (label 1) inside a ring from 0.7 to 1 (label 0);
///  - moons: two interleaved half circles of radius 1 (scikit-learn's make_moons);
///  - spirals: two arms of r = t from 0.1 to 1 turning 1.75 times, half a turn apart.
/// Throws std::invalid_argument for another name, fewer than 4 or more than
/// 100000 points, or a noise outside [0, 1].
std::string plane_set_csv(std::string_view name, std::uint32_t points, double noise,
                          std::uint64_t seed);

}  // namespace tapegrad::lab
