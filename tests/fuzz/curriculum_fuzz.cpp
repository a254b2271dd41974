// Fuzz target: the curriculum document (Curriculum::from_json), with its round trip.
#include "document_fuzz.hpp"
#include "pathwise/curriculum.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return pathwise::fuzz::fuzz_document(
      data, size, [](std::string_view t) { return pathwise::Curriculum::from_json(t, "<fuzz>"); },
      [](const pathwise::Curriculum& c, int indent) { return c.to_json(indent); });
}
