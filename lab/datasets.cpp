// Datasets: xor, circles, moons and spirals from a seed, written with the model format's numbers.
#include "lab/datasets.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

#include "autograd/random.hpp"
#include "io/model_format.hpp"
#include "io/text.hpp"

namespace tapegrad::lab {

std::string plane_set_csv(std::string_view name, std::uint32_t points, double noise,
                          std::uint64_t seed) {
  if (name != "xor" && name != "circles" && name != "moons" && name != "spirals")
    throw std::invalid_argument(
        fmt::format("data set {} is not one of {}", io::quoted(name), plane_set_names));
  if (points < 4 || points > 100000)
    throw std::invalid_argument(fmt::format("data set: {} points; expected 4 to 100000", points));
  if (!(noise >= 0.0 && noise <= 1.0))
    throw std::invalid_argument(fmt::format("data set: noise {}; expected 0 to 1", noise));
  constexpr double pi = std::numbers::pi;
  Generator generator(seed);
  std::string csv = "x1,x2,label\n";
  for (std::uint32_t k = 0; k < points; ++k) {
    const int label = static_cast<int>(k % 2);  // alternating: the classes stay balanced
    double x = 0, y = 0;
    if (name == "xor") {
      x = generator.uniform(-1.0, 1.0);
      y = generator.uniform(-1.0, 1.0);
      // A point of class 1 lies where the signs differ: flip y's sign to match.
      if (((x < 0) != (y < 0)) != (label == 1)) y = -y;
    } else if (name == "circles") {
      const double angle = generator.uniform(0.0, 2 * pi);
      const double r = label == 1 ? 0.5 * std::sqrt(generator.uniform()) : generator.uniform(0.7, 1.0);
      x = r * std::cos(angle);
      y = r * std::sin(angle);
    } else if (name == "moons") {
      const double t = generator.uniform(0.0, pi);
      x = label == 0 ? std::cos(t) : 1.0 - std::cos(t);
      y = label == 0 ? std::sin(t) : 0.5 - std::sin(t);
    } else {
      const double t = generator.uniform(0.1, 1.0);
      const double angle = 1.75 * 2 * pi * t + label * pi;
      x = t * std::cos(angle);
      y = t * std::sin(angle);
    }
    x += noise * generator.normal();
    y += noise * generator.normal();
    csv += fmt::format("{},{},{}\n", io::format_json_number(x), io::format_json_number(y), label);
  }
  return csv;
}

}  // namespace tapegrad::lab
