// Pathwise fuzz targets: checks that abort on a finding. No finding is skipped: every crash class
// found so far is fixed and kept as an input under regressions/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace pathwise::fuzz {

/// Reports a broken expectation and aborts: libFuzzer and the replay both count it as a crash.
[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
  // Bounded: a finding's detail may quote input, which may hold a learner id.
  const std::size_t n = detail.size() < 200 ? detail.size() : 200;
  std::fprintf(stderr, "pathwise fuzz finding: %s%s%.*s\n", what, n ? ": " : "",
               static_cast<int>(n), detail.data());
  std::abort();
}

#define PATHWISE_FUZZ_CHECK(cond, detail)                                  \
  do {                                                                     \
    if (!(cond)) ::pathwise::fuzz::fail("check failed: " #cond, (detail)); \
  } while (0)

/// True if `s` is valid UTF-8 (shortest forms, no surrogates, at most U+10FFFF).
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

/// Reads typed values from the fuzz bytes; past the end every read gives zeros.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  bool empty() const { return n_ == 0; }
  std::uint8_t u8() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | u8();
    return v;
  }
  /// Up to `max` bytes, the length taken from the next byte.
  std::string str(std::size_t max = 255) {
    std::size_t len = u8();
    if (len > max) len = max;
    if (len > n_) len = n_;
    std::string s(reinterpret_cast<const char*>(p_), len);
    p_ += len, n_ -= len;
    return s;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

}  // namespace pathwise::fuzz
