// Fuzz target: the learner-profile document (LearnerProfile::from_json), with its round trip.
#include "document_fuzz.hpp"
#include "pathwise/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return pathwise::fuzz::fuzz_document(
      data, size,
      [](std::string_view t) { return pathwise::LearnerProfile::from_json(t, "<fuzz>"); },
      [](const pathwise::LearnerProfile& p, int indent) { return p.to_json(indent); });
}
