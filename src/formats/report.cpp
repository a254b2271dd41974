#include "formats/report.hpp"

#include <algorithm>
#include <numeric>

#include "formats/time_cell.hpp"

namespace pathwise {

const char* to_string(RowProblem p) noexcept {
  switch (p) {
    case RowProblem::MissingField:
      return "missing_field";
    case RowProblem::ExtraField:
      return "extra_field";
    case RowProblem::BadCorrect:
      return "bad_correct";
    case RowProblem::BadOrder:
      return "bad_order";
    case RowProblem::EmptySkill:
      return "empty_skill";
    case RowProblem::EmptyLearner:
      return "empty_learner";
    case RowProblem::BadRecord:
      return "bad_record";
    case RowProblem::BadTime:
      return "bad_time";
    case RowProblem::BadStatement:
      return "bad_statement";
  }
  return "unknown";
}

std::size_t ReadReport::skipped_total() const noexcept {
  return std::accumulate(skipped.begin(), skipped.end(), std::size_t{0});
}

std::string ReadReport::summary() const {
  std::string out = "read " + (source.empty() ? std::string("<log>") : source) + " (" +
                    pathwise::to_string(format);
  if (format == LogFormat::Delimited) {
    if (delimiter == '\t') {
      out += ", tab-separated";
    } else if (delimiter == ',') {
      out += ", comma-separated";
    } else {
      out += std::string(", '") + delimiter + "'-separated";
    }
  }
  out += ", " + encoding +
         (latin1_fields > 0 ? " in " + std::to_string(latin1_fields) + " fields" : "") +
         "): " + std::to_string(rows) + " rows, " + std::to_string(rows_kept) + " kept, " +
         std::to_string(skipped_total()) + " skipped";
  if (multi_skill_rows > 0) out += ", " + std::to_string(multi_skill_rows) + " multi-skill";
  if (rows_filtered > 0) {
    out += ", " + std::to_string(rows_filtered) +
           (format == LogFormat::Xapi
                ? " statements without result.success or about no activity left out"
                : " scaffolding rows (original = 0) left out");
  }
  if (rows_relabelled > 0) {
    out += ", " + std::to_string(rows_relabelled) + " without a skill kept under a label";
  }
  if (first_time != kNoTime) {
    out += "; times " + detail::format_time(first_time) + " to " + detail::format_time(last_time);
    if (!columns_used.time.empty()) out += " (column '" + columns_used.time + "')";
    if (rows_without_time > 0)
      out += ", " + std::to_string(rows_without_time) + " rows without a time";
  } else if (!columns_used.time.empty()) {
    out += "; no times read (column '" + columns_used.time + "' empty)";
  }
  out += "\n";
  for (std::size_t i = 0; i < kRowProblemCount; ++i) {
    if (skipped[i] == 0) continue;
    out += "  skipped " + std::to_string(skipped[i]) +
           " rows: " + pathwise::to_string(static_cast<RowProblem>(i)) + " (first at " +
           first_place[i].to_string() + ": " + first_message[i] + ")\n";
  }
  return out;
}

namespace detail {

void Problems::add(RowProblem problem, Location where, const std::string& message,
                   std::size_t rows) {
  if (strict_) throw Error(ErrorCode::Parse, message, std::move(where));
  auto i = static_cast<std::size_t>(problem);
  if (report_.skipped[i] == 0) {
    report_.first_place[i] = std::move(where);
    report_.first_message[i] = message;
  }
  report_.skipped[i] += rows;
}

std::string excerpt(std::string_view v) {
  constexpr std::size_t kShown = 3;
  auto count_if = [&](auto pred) {
    return static_cast<std::size_t>(std::count_if(
        v.begin(), v.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); }));
  };
  const std::size_t n = v.size();
  if (n <= kShown && count_if([](unsigned char c) { return c >= 0x20 && c < 0x7f; }) == n) {
    return "'" + std::string(v) + "'";
  }
  const std::size_t digits = count_if([](unsigned char c) { return c >= '0' && c <= '9'; });
  const std::size_t letters =
      count_if([](unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; });
  const std::string size = std::to_string(n);
  std::string what;
  if (digits == n) {
    what = "a cell of " + size + " digits";
  } else if (letters == n) {
    what = "a cell of " + size + " letters";
  } else if (letters + digits == n) {
    what = "a cell of " + size + " letters and digits";
  } else {
    what = "a cell of " + size + (n == 1 ? " byte" : " bytes");
  }
  return what + " (not shown)";
}

}  // namespace detail
}  // namespace pathwise
