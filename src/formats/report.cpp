#include "formats/report.hpp"

#include <numeric>

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
    out += ", " + std::to_string(rows_filtered) + " scaffolding rows (original = 0) left out";
  }
  if (rows_relabelled > 0) {
    out += ", " + std::to_string(rows_relabelled) + " without a skill kept under a label";
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

std::string shown(std::string_view v) {
  constexpr std::size_t kMax = 40;
  if (v.size() <= kMax) return "'" + std::string(v) + "'";
  return "'" + std::string(v.substr(0, kMax)) + "...'";
}

}  // namespace detail
}  // namespace pathwise
