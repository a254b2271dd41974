// Fuzz target: the model document (BktModel::from_json), with its round trip.
#include "document_fuzz.hpp"
#include "pathwise/bkt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return pathwise::fuzz::fuzz_document(
      data, size, [](std::string_view t) { return pathwise::BktModel::from_json(t, "<fuzz>"); },
      [](const pathwise::BktModel& m, int indent) { return m.to_json(indent); });
}
