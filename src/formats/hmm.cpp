// hmm-scalable input: no header; observation (1 correct, 2 incorrect), student, step, skill.
#include "detail/text.hpp"
#include "formats/formats.hpp"
#include "formats/tokenizer.hpp"

namespace pathwise::detail {

void read_hmm(const ReadInput& in) {
  ReadReport& report = in.report;
  const std::string& source = in.source;
  report.delimiter = '\t';
  report.columns_used = ColumnMapping{"student", "skill", "observation", "", "step", ""};
  DelimitedReader reader(in.text, '\t', /*quoting=*/false, in.options.max_fields_per_line);
  std::vector<Field> fields;
  RowSink sink(in.builder, in.mixed, report, in.options, in.options.skill_separator.value_or("~"));
  Problems& problems = sink.problems();
  static const char* kNames[] = {"observation", "student", "step", "skill"};
  static const std::string kNoSkill = "row names no skill ('.' or empty)";
  while (reader.next(fields, source)) {
    const std::size_t line = reader.line();
    ++report.rows;
    if (fields.size() < 4) {
      problems.add(RowProblem::MissingField,
                   Location{source, line, fields.empty() ? 1 : fields.back().column, ""},
                   "row has " + std::to_string(fields.size()) +
                       " fields, hmm-scalable input has 4 (observation, student, step, skill)");
      continue;
    }
    if (fields.size() > 4) {
      problems.add(
          RowProblem::ExtraField, Location{source, line, fields[4].column, ""},
          "row has " + std::to_string(fields.size()) + " fields, hmm-scalable input has 4");
      continue;
    }
    auto where = [&](std::size_t i) { return Location{source, line, fields[i].column, kNames[i]}; };
    Row row;
    std::string_view obs = trim(fields[0].text);
    if (obs == "1") {
      row.outcome = Outcome::Correct;
    } else if (obs == "2") {
      row.outcome = Outcome::Incorrect;
    } else {
      problems.add(RowProblem::BadCorrect, where(0),
                   "observation must be 1 (correct) or 2 (incorrect), got " + excerpt(obs));
      continue;
    }
    row.learner = trim(fields[1].text);
    if (row.learner.empty()) {
      problems.add(RowProblem::EmptyLearner, where(1), "empty student id");
      continue;
    }
    row.skills = trim(fields[3].text);
    if (row.skills == ".") row.skills = std::string_view();
    row.item = trim(fields[2].text);
    row.line = line;
    row.row = report.rows;
    sink.emit(
        row, [&] { return where(3); }, kNoSkill);
  }
}

}  // namespace pathwise::detail
