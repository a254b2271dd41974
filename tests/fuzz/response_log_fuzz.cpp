// Fuzz target: ResponseLog::parse with one format option (PATHWISE_FUZZ_FORMAT, compiled once per
// format) — every reader, and the format detection for LogFormat::Auto. xAPI input takes its
// skills from the extension http://example.org/xapi/skill (examples/xapi uses it).
//
// Input: the log text. A first byte 0x01..0x08 is taken as read options instead (bit 0 strict,
// bit 1 keep_scaffolding and an empty-skill label, bit 2 an empty skill separator).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "pathwise/response_log.hpp"
#include "pathwise/time.hpp"

#ifndef PATHWISE_FUZZ_FORMAT
#define PATHWISE_FUZZ_FORMAT Auto
#endif

namespace {

using pathwise::LogFormat;
using pathwise::ResponseLog;
using pathwise::fuzz::fail;

void check_log(const ResponseLog& log, const pathwise::ReadOptions& options) {
  const pathwise::ReadReport& r = log.report();
  PATHWISE_FUZZ_CHECK(r.rows == r.rows_kept + r.rows_filtered + r.skipped_total(), r.summary());
  PATHWISE_FUZZ_CHECK(r.format != LogFormat::Auto, "report names no format");
  if (options.format != LogFormat::Auto) PATHWISE_FUZZ_CHECK(r.format == options.format, "");
  if (options.strict) PATHWISE_FUZZ_CHECK(r.skipped_total() == 0, r.summary());

  const std::size_t n = log.size();
  std::size_t in_sequences = 0;
  for (const auto& s : log.sequences()) {
    PATHWISE_FUZZ_CHECK(s.begin < s.end && s.end <= n, "sequence out of range");
    PATHWISE_FUZZ_CHECK(s.skill < log.skill_count() && s.learner < log.learner_count(), "");
    in_sequences += s.size();
  }
  PATHWISE_FUZZ_CHECK(in_sequences == n, "sequences do not cover the responses");
  std::size_t by_skill = 0;
  for (std::uint32_t k = 0; k < log.skill_count(); ++k) {
    by_skill += log.skill_size(k);
    PATHWISE_FUZZ_CHECK(log.find_skill(log.skill_name(k)) == k, "skill name not found back");
  }
  PATHWISE_FUZZ_CHECK(by_skill == n, "skill sizes do not add up");
  for (std::uint8_t o : log.outcomes()) PATHWISE_FUZZ_CHECK(o <= 1, "outcome not 0/1");
  PATHWISE_FUZZ_CHECK(log.items().empty() || log.items().size() == n, "items column size");
  for (std::uint32_t it : log.items())
    PATHWISE_FUZZ_CHECK(it == ResponseLog::kNoItem || it < log.item_count(), "item index");
  PATHWISE_FUZZ_CHECK(log.lines().empty() || log.lines().size() == n, "lines column size");
  PATHWISE_FUZZ_CHECK(log.rows().empty() || log.rows().size() == n, "rows column size");
  PATHWISE_FUZZ_CHECK(log.times().empty() || log.times().size() == n, "times column size");
  for (std::int64_t t : log.times()) {
    PATHWISE_FUZZ_CHECK(
        t == pathwise::kNoTime || (t >= -pathwise::kMaxMillis && t <= pathwise::kMaxMillis),
        "time out of range");
  }
  if (r.format == LogFormat::Xapi && n > 0) {
    // Every kept statement has a time, and each sequence is in time order.
    PATHWISE_FUZZ_CHECK(log.times().size() == n, "xAPI log without times");
    for (const auto& s : log.sequences())
      for (std::uint64_t i = s.begin + 1; i < s.end; ++i)
        PATHWISE_FUZZ_CHECK(log.times()[i - 1] <= log.times()[i], "sequence not in time order");
  }
  for (std::uint32_t k = 0; k < log.skill_count(); ++k)
    PATHWISE_FUZZ_CHECK(pathwise::fuzz::valid_utf8(log.skill_name(k)), "skill name not UTF-8");
  (void)r.summary();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pathwise::ReadOptions options;
  options.format = LogFormat::PATHWISE_FUZZ_FORMAT;
  options.skill_extension = "http://example.org/xapi/skill";
  if (size > 0 && data[0] >= 0x01 && data[0] <= 0x08) {
    const unsigned bits = data[0] - 1u;
    options.strict = (bits & 1u) != 0;
    if (bits & 2u) {
      options.keep_scaffolding = true;
      options.empty_skill_label = "nan";
    }
    if (bits & 4u) options.skill_separator = std::string();
    ++data, --size;
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    ResponseLog log = ResponseLog::parse(text, options, "<fuzz>");
    check_log(log, options);
  } catch (const pathwise::Error& e) {
    // A bad input is a clear error with its place; anything else escapes and is a finding.
    PATHWISE_FUZZ_CHECK(e.code() != pathwise::ErrorCode::Internal, e.what());
  }
  return 0;
}
