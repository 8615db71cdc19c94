// fast_exp: a float exp that the compiler vectorises, for float32 activations.
#pragma once

#include <cstdint>

namespace tapegrad::detail {

/// e^x for float within 2 ulp on [-87.3, 88] (Cephes' expf polynomial),
/// written branch-free so loops over it vectorise without -ffast-math; libm's
/// expf is a scalar call per element. Arguments are clamped to that range.
inline float fast_exp(float x) {
  constexpr float log2e = 1.44269504088896341f;
  constexpr float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  constexpr float round_magic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.0f ? 88.0f : x;  // keeps 2^n finite (n <= 127)
  const float n = (x * log2e + round_magic) - round_magic;
  const float r = x - n * ln2_hi - n * ln2_lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // std::bit_cast, which the libc++ of Debian's emscripten (lab/) lacks.
  const auto scale = __builtin_bit_cast(float, (static_cast<std::int32_t>(n) + 127) << 23);
  return p * scale;
}

}  // namespace tapegrad::detail
