// A small, portable random generator: the same numbers on every platform and standard library.
#pragma once

#include <cstdint>
#include <string_view>

namespace pathwise::detail {

/// SplitMix64 (Steele, Lea & Flood 2014): tiny state, good enough for starting points and
/// simulation, and unlike std::uniform_real_distribution its output is fully specified.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

/// FNV-1a of a string, for deriving per-skill seeds.
inline std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

/// A seed for (seed, name, index) that does not depend on iteration or thread order.
inline std::uint64_t mix_seed(std::uint64_t seed, std::string_view name, std::uint64_t index) {
  SplitMix64 m(seed ^ fnv1a(name));
  std::uint64_t a = m.next();
  SplitMix64 m2(a + index * 0xD1B54A32D192ED03ull);
  return m2.next();
}

}  // namespace pathwise::detail
