// One fuzz target body for the three JSON documents: read, and when the text is accepted, check
// that writing and reading again gives an equal value (compact and indented).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "pathwise/types.hpp"

namespace pathwise::fuzz {

/// `read(text)` returns the document's value; `write(value, indent)` its text.
template <typename Read, typename Write>
int fuzz_document(const std::uint8_t* data, std::size_t size, Read read, Write write) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto value = read(text);
    for (int indent : {-1, 2}) {
      const std::string out = write(value, indent);
      PATHWISE_FUZZ_CHECK(valid_utf8(out), "written document is not UTF-8");
      auto again = read(out);
      PATHWISE_FUZZ_CHECK(again == value, "round trip changed the document");
      PATHWISE_FUZZ_CHECK(write(again, indent) == out, "second write differs from the first");
    }
  } catch (const Error& e) {
    PATHWISE_FUZZ_CHECK(e.code() != ErrorCode::Internal, e.what());
  } catch (const std::exception& e) {
    fail("exception that is not pathwise::Error", e.what());
  }
  return 0;
}

}  // namespace pathwise::fuzz
