// The three-line format of the knowledge-tracing benchmarks: per learner a count line, a comma
// list of skill ids and a comma list of 0/1 outcomes. Learners are named by record number.
#include <algorithm>
#include <charconv>
#include <cstdint>

#include "detail/text.hpp"
#include "formats/formats.hpp"
#include "formats/tokenizer.hpp"

namespace pathwise::detail {

namespace {

/// Yields the non-blank lines of the text with their 1-based numbers, one at a time.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}
  /// The next non-blank line (without its line end) and its number; false at the end.
  bool next(std::size_t& number, std::string_view& line) {
    while (!done_) {
      std::size_t e = text_.find('\n', pos_);
      std::string_view l =
          text_.substr(pos_, e == std::string_view::npos ? std::string_view::npos : e - pos_);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      const std::size_t current = lineno_;
      if (e == std::string_view::npos) {
        done_ = true;
      } else {
        pos_ = e + 1;
        ++lineno_;
      }
      if (!trim(l).empty()) {
        number = current;
        line = l;
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t lineno_ = 1;
  bool done_ = false;
};

/// The count line of a record, if it is a plain number of at most 10^9: a count beyond any real
/// learner's history is a corrupt line, not a reason to allocate.
bool parse_count(std::string_view ct, std::uint64_t& count) {
  constexpr std::uint64_t kMaxCount = 1000000000;
  auto parsed = std::from_chars(ct.data(), ct.data() + ct.size(), count);
  return all_digits(ct) && parsed.ec == std::errc() && parsed.ptr == ct.data() + ct.size() &&
         count <= kMaxCount;
}

}  // namespace

void read_three_line(const ReadInput& in) {
  ReadReport& report = in.report;
  const std::string& source = in.source;
  report.columns_used = ColumnMapping{"(record number)", "(line 2)", "(line 3)", "", "", ""};
  // The skill cell of a record is one id: no separator applies.
  RowSink sink(in.builder, in.mixed, report, in.options, "");
  Problems& problems = sink.problems();
  static const std::string kNoSkill = "empty skill id";
  const std::size_t max_fields = in.options.max_fields_per_line;
  auto count = [&](std::string_view list, std::size_t line) {
    return count_comma_fields(list, max_fields, source, line);
  };
  LineCursor cursor(in.text);
  std::vector<Field> skills, outcomes;
  std::size_t record = 0;
  std::size_t count_line = 0, skill_line = 0, outcome_line = 0;
  std::string_view count_text, skill_text, outcome_text;
  while (cursor.next(count_line, count_text)) {
    ++record;
    const bool has_skills = cursor.next(skill_line, skill_text);
    if (!has_skills || !cursor.next(outcome_line, outcome_text)) {
      std::size_t rows = has_skills ? count(skill_text, skill_line) : 0;
      rows = std::max<std::size_t>(rows, 1);  // a lone count line is still one bad record
      report.rows += rows;
      problems.add(RowProblem::MissingField, Location{source, count_line, 1, ""},
                   "record " + std::to_string(record) +
                       " is cut short: expected three lines (count, skills, outcomes)",
                   rows);
      break;
    }
    // The lists are counted before they are split, so a record that does not add up costs
    // no memory whatever its length.
    const std::size_t skill_count = count(skill_text, skill_line);
    const std::size_t outcome_count = count(outcome_text, outcome_line);
    const std::size_t rows = std::max(skill_count, outcome_count);
    report.rows += rows;
    std::string_view ct = trim(count_text);
    std::uint64_t announced = 0;
    if (!parse_count(ct, announced)) {
      problems.add(RowProblem::BadRecord, Location{source, count_line, 1, "count"},
                   "record " + std::to_string(record) +
                       ": the first line must be a count of responses (at most 10^9), got " +
                       excerpt(ct),
                   rows);
      continue;
    }
    if (skill_count != announced || outcome_count != announced) {
      problems.add(RowProblem::BadRecord, Location{source, count_line, 1, "count"},
                   "record " + std::to_string(record) + " announces " + std::to_string(announced) +
                       " responses but lists " + std::to_string(skill_count) + " skills and " +
                       std::to_string(outcome_count) + " outcomes",
                   rows);
      continue;
    }
    split_commas(skill_text, skills);
    split_commas(outcome_text, outcomes);
    const std::string learner = std::to_string(record);
    for (std::size_t k = 0; k < announced; ++k) {
      Row row;
      if (!parse_outcome01(outcomes[k].text, row.outcome)) {
        problems.add(RowProblem::BadCorrect,
                     Location{source, outcome_line, outcomes[k].column, "correct"},
                     "outcome must be 0 or 1, got " + excerpt(outcomes[k].text));
        continue;
      }
      row.learner = learner;
      row.skills = skills[k].text;
      row.line = outcome_line;
      row.row = report.rows - rows + k + 1;
      sink.emit(
          row,
          [&] {
            return Location{source, skill_line, skills[k].column, "skill"};
          },
          kNoSkill);
    }
  }
}

}  // namespace pathwise::detail
