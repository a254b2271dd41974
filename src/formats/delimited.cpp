// Delimited text with a header row: columns found by name (pyBKT, ASSISTments, DataShop) or
// mapped explicitly.
#include <algorithm>
#include <cctype>

#include "detail/text.hpp"
#include "formats/formats.hpp"
#include "formats/time_cell.hpp"
#include "formats/tokenizer.hpp"

namespace pathwise::detail {

namespace {

enum Role { kLearner, kSkill, kCorrect, kOrder, kItem, kTime, kRoles };
const char* const kRoleNames[kRoles] = {"learner", "skill", "correct", "order", "item", "time"};

// Default header names for each role, in order of preference.
const std::vector<std::string>& candidates(int role) {
  static const std::vector<std::string> kLearnerNames{"user_id", "Anon Student Id", "student_id",
                                                      "learner_id", "student"};
  static const std::vector<std::string> kSkillNames{"skill_name", "KC(Default)", "skill_id",
                                                    "skill", "kc"};
  static const std::vector<std::string> kCorrectNames{"correct", "Correct First Attempt",
                                                      "outcome"};
  static const std::vector<std::string> kOrderNames{"order_id", "Row"};
  static const std::vector<std::string> kItemNames{"template_id", "problem_id", "Problem Name",
                                                   "item_id", "item"};
  static const std::vector<std::string> kTimeNames{"Step Start Time", "timestamp", "start_time",
                                                   "time"};
  switch (role) {
    case kLearner:
      return kLearnerNames;
    case kSkill:
      return kSkillNames;
    case kCorrect:
      return kCorrectNames;
    case kOrder:
      return kOrderNames;
    case kTime:
      return kTimeNames;
    default:
      return kItemNames;
  }
}

int find_column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string ln = lower(name);
  for (std::size_t i = 0; i < header.size(); ++i)
    if (lower(header[i]) == ln) return static_cast<int>(i);
  return -1;
}

/// The header column of one role: the mapped name, else the first default candidate present;
/// -1 if the role is turned off ("-") or an optional role is absent.
int find_role(int r, const std::string& want, const std::vector<std::string>& header,
              const std::string& source, std::size_t header_line) {
  if (want == "-") {
    if (r < kOrder) {
      throw Error(ErrorCode::InvalidArgument,
                  std::string("the ") + kRoleNames[r] + " column cannot be turned off");
    }
    return -1;
  }
  if (!want.empty()) {
    int c = find_column(header, want);
    if (c < 0) {
      throw Error(ErrorCode::Parse,
                  std::string("the ") + kRoleNames[r] + " column '" + want + "' is not among the " +
                      std::to_string(header.size()) + " header fields",
                  Location{source, header_line, 1, want});
    }
    return c;
  }
  int c = -1;
  for (const std::string& name : candidates(r)) {
    c = find_column(header, name);
    if (c >= 0) break;
  }
  if (c < 0 && r < kOrder) {
    std::string names;
    for (const std::string& name : candidates(r))
      names += (names.empty() ? "'" : ", '") + name + "'";
    // The header's own cells are not echoed: in a file without a header they are the first
    // row's values, learner id included.
    throw Error(ErrorCode::Parse,
                std::string("no ") + kRoleNames[r] + " column found among the " +
                    std::to_string(header.size()) + " header fields (looked for " + names +
                    "); the first line must be a header, or name the column (ColumnMapping; CLI: "
                    "--learner-col, --skill-col, --correct-col)",
                Location{source, header_line, 1, ""});
  }
  return c;
}

/// The column of every role, checked: no column serves two roles or is named twice.
std::array<int, kRoles> resolve_columns(const std::vector<std::string>& header,
                                        const ColumnMapping& mapping, ColumnMapping& used,
                                        const std::string& source, std::size_t header_line) {
  const std::string* wanted[kRoles] = {&mapping.learner, &mapping.skill, &mapping.correct,
                                       &mapping.order,   &mapping.item,  &mapping.time};
  std::string* used_names[kRoles] = {&used.learner, &used.skill, &used.correct,
                                     &used.order,   &used.item,  &used.time};
  std::array<int, kRoles> col{};
  for (int r = 0; r < kRoles; ++r) {
    col[r] = find_role(r, *wanted[r], header, source, header_line);
    // A default time column already named for another role (--order-col timestamp, say) stays
    // that role's alone: logs read before times were kept must read as they did.
    if (r == kTime && wanted[r]->empty() && col[r] >= 0) {
      for (int q = 0; q < r; ++q)
        if (col[q] == col[r]) col[r] = -1;
    }
    if (col[r] >= 0) *used_names[r] = header[static_cast<std::size_t>(col[r])];
  }
  for (int r = 0; r < kRoles; ++r) {
    if (col[r] < 0) continue;
    const std::string& name = header[static_cast<std::size_t>(col[r])];
    for (int q = 0; q < r; ++q) {
      if (col[q] == col[r]) {
        throw Error(ErrorCode::InvalidArgument,
                    std::string("column '") + name + "' is mapped to both " + kRoleNames[q] +
                        " and " + kRoleNames[r],
                    Location{source, header_line, 1, name});
      }
    }
    if (std::count(header.begin(), header.end(), name) > 1) {
      throw Error(ErrorCode::Parse,
                  "column name '" + name + "' appears more than once in the header; rename one",
                  Location{source, header_line, 1, name});
    }
  }
  return col;
}

}  // namespace

void read_delimited(const ReadInput& in) {
  const ReadOptions& opt = in.options;
  const std::string& source = in.source;
  ReadReport& report = in.report;
  std::size_t pos = 0;
  while (pos < in.text.size() && (in.text[pos] == '\n' || in.text[pos] == '\r')) ++pos;
  const char delim =
      opt.delimiter != '\0' ? opt.delimiter : detect_delimiter(first_line(in.text, pos));
  report.delimiter = delim;
  DelimitedReader reader(in.text, delim, /*quoting=*/true, opt.max_fields_per_line);
  std::vector<Field> fields;
  if (!reader.next(fields, source)) {
    throw Error(ErrorCode::Parse, "the log is empty: no header row", Location{source, 1, 1, ""});
  }
  const std::size_t header_line = reader.line();
  RowSink sink(in.builder, in.mixed, report, opt, opt.skill_separator.value_or("~~"));
  std::vector<std::string> header;
  for (const Field& f : fields) {
    std::string buf;
    header.emplace_back(sink.utf8(trim(f.text), buf));
  }
  const auto col = resolve_columns(header, opt.columns, report.columns_used, source, header_line);
  auto cell = [&](int role) -> std::string_view {
    return fields[static_cast<std::size_t>(col[role])].text;
  };
  auto name = [&](int role) -> const std::string& {
    return header[static_cast<std::size_t>(col[role])];
  };
  const int original_col = opt.keep_scaffolding ? -1 : find_column(header, "original");
  const std::string no_skill = "column '" + name(kSkill) + "' names no skill";
  Problems& problems = sink.problems();
  if (col[kTime] >= 0) sink.set_timed();
  const std::size_t width = header.size();
  while (reader.next(fields, source)) {
    const std::size_t line = reader.line();
    ++report.rows;
    auto where = [&](int role) {
      std::size_t c = static_cast<std::size_t>(col[role]);
      return c < fields.size() ? Location{source, fields[c].line, fields[c].column, header[c]}
                               : Location{source, line, 0, header[c]};
    };
    if (fields.size() < width) {
      std::size_t last = fields.empty() ? 1 : fields.back().column;
      problems.add(RowProblem::MissingField, Location{source, line, last, ""},
                   "row has " + std::to_string(fields.size()) + " fields, the header has " +
                       std::to_string(width));
      continue;
    }
    if (fields.size() > width) {
      problems.add(RowProblem::ExtraField, Location{source, line, fields[width].column, ""},
                   "row has " + std::to_string(fields.size()) + " fields, the header has " +
                       std::to_string(width) + " (an unquoted delimiter inside a value?)");
      continue;
    }
    if (original_col >= 0 && trim(fields[static_cast<std::size_t>(original_col)].text) == "0") {
      ++report.rows_filtered;
      continue;
    }
    Row row;
    row.learner = trim(cell(kLearner));
    if (row.learner.empty()) {
      problems.add(RowProblem::EmptyLearner, where(kLearner), "empty learner id");
      continue;
    }
    if (!parse_outcome01(cell(kCorrect), row.outcome)) {
      problems.add(
          RowProblem::BadCorrect, where(kCorrect),
          "column '" + name(kCorrect) + "' must be 0 or 1, got " + excerpt(cell(kCorrect)));
      continue;
    }
    if (col[kOrder] >= 0) {
      long double v;
      if (!parse_order(cell(kOrder), v)) {
        problems.add(
            RowProblem::BadOrder, where(kOrder),
            "column '" + name(kOrder) + "' must be a number, got " + excerpt(cell(kOrder)));
        continue;
      }
      row.order = v;
    }
    if (col[kTime] >= 0 && !trim(cell(kTime)).empty()) {
      std::int64_t ms = 0;
      const TimeError bad = parse_time(cell(kTime), opt.epoch_unit, ms);
      if (bad != TimeError::None) {
        problems.add(RowProblem::BadTime, where(kTime),
                     time_error_message(bad, "column '" + name(kTime) + "'", cell(kTime)));
        continue;
      }
      row.time = ms;
    }
    row.skills = cell(kSkill);
    row.item = col[kItem] >= 0 ? trim(cell(kItem)) : std::string_view();
    row.line = line;
    row.row = report.rows;
    sink.emit(
        row, [&] { return where(kSkill); }, no_skill);
  }
}

}  // namespace pathwise::detail
