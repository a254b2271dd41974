// xAPI statements as a Learning Record Store exports them: JSON lines (one statement a line) or
// one JSON array of statements. Each statement is parsed on its own, so one broken statement is
// one bad row with its place, not a failed file.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "detail/io.hpp"
#include "detail/json_util.hpp"
#include "detail/text.hpp"
#include "formats/formats.hpp"
#include "formats/limits.hpp"
#include "formats/time_cell.hpp"
#include "formats/tokenizer.hpp"

namespace pathwise::detail {

namespace {

using nlohmann::json;
using SkillMap = std::unordered_map<std::string, std::vector<std::string>>;

/// One statement's text and where it starts.
struct Span {
  std::string_view text;
  std::size_t line = 1;
  std::size_t column = 1;
  std::size_t index = 0;  ///< 0-based position in the array or among the non-blank lines
};

/// The member `key` of `j` if `j` is an object that has it.
const json* member(const json* j, const char* key) {
  if (!j || !j->is_object()) return nullptr;
  auto it = j->find(key);
  return it == j->end() ? nullptr : &*it;
}

const std::string* string_member(const json* j, const char* key) {
  const json* v = member(j, key);
  return v && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

/// Reads the skill map file: JSON {"item": "skill" | ["skill", ...]} or a CSV with a header
/// and item, skill columns (a skill cell split by `separator`).
SkillMap load_skill_map(const std::string& path, const ReadOptions& options,
                        const std::string& separator) {
  ReadOptions file_options = options;
  const std::string text = read_input(path, file_options);
  std::string_view body = text;
  if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  SkillMap map;
  const std::string_view start = trim(body);
  if (!start.empty() && start.front() == '{') {
    const json j = parse_json(body, path);
    for (const auto& item : j.items()) {
      std::vector<std::string>& skills = map[item.key()];
      auto add = [&](const json& v, const std::string& field) {
        if (!v.is_string()) {
          throw Error(ErrorCode::Parse, "a skill must be a string, got " + describe(v),
                      Location{path, 0, 0, field});
        }
        const std::string_view s = trim(v.get_ref<const std::string&>());
        if (!s.empty()) skills.emplace_back(s);
      };
      if (item.value().is_array()) {
        for (std::size_t k = 0; k < item.value().size(); ++k)
          add(item.value()[k], item.key() + "[" + std::to_string(k) + "]");
      } else {
        add(item.value(), item.key());
      }
    }
    return map;
  }
  if (!is_valid_utf8(body)) {
    throw Error(ErrorCode::Parse, "the skill map is not valid UTF-8", Location{path, 0, 0, ""});
  }
  const char delim = detect_delimiter(first_line(body));
  DelimitedReader reader(body, delim, /*quoting=*/true, options.max_fields_per_line);
  std::vector<Field> fields;
  if (!reader.next(fields, path) || fields.size() < 2) {
    throw Error(ErrorCode::Parse,
                "the skill map needs a header row with two columns (item, skill), or must be a "
                "JSON object {\"item\": \"skill\" or [\"skill\", ...]}",
                Location{path, 1, 1, ""});
  }
  std::vector<std::string_view> parts;
  while (reader.next(fields, path)) {
    if (fields.size() < 2) {
      throw Error(ErrorCode::Parse,
                  "row has " + std::to_string(fields.size()) +
                      " field; the skill map has two columns (item, skill)",
                  Location{path, reader.line(), 1, ""});
    }
    const std::string_view item = trim(fields[0].text);
    if (item.empty()) continue;
    split_skills(fields[1].text, separator, parts);
    std::vector<std::string>& skills = map[std::string(item)];
    for (std::string_view p : parts)
      if (std::find(skills.begin(), skills.end(), p) == skills.end()) skills.emplace_back(p);
  }
  return map;
}

/// The statements of the text: the elements of a top-level array, else its non-blank lines.
/// Throws Error (Parse) for an array that never closes or has text after it.
std::vector<Span> split_statements(std::string_view text, const std::string& source, bool& array) {
  std::vector<Span> out;
  array = false;
  std::size_t p = 0, line = 1, line_start = 0;
  auto skip_space = [&] {
    while (p < text.size() &&
           (text[p] == ' ' || text[p] == '\t' || text[p] == '\n' || text[p] == '\r')) {
      if (text[p] == '\n') {
        ++line;
        line_start = p + 1;
      }
      ++p;
    }
  };
  skip_space();
  if (p < text.size() && text[p] == '[') {
    array = true;
    const Location open{source, line, p - line_start + 1, ""};
    ++p;
    skip_space();
    if (p < text.size() && text[p] == ']') {
      ++p;
    } else {
      for (;;) {
        Span s;
        s.line = line;
        s.column = p - line_start + 1;
        s.index = out.size();
        const std::size_t begin = p;
        std::size_t depth = 0;
        JsonStringState state;
        bool closed = false;
        for (; p < text.size(); ++p) {
          const char c = text[p];
          if (c == '\n') {
            ++line;
            line_start = p + 1;
          }
          if (!state.structural(c)) continue;
          if (c == '{' || c == '[') {
            ++depth;
          } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
          } else if (depth == 0 && (c == ',' || c == ']')) {
            closed = c == ']';
            break;
          }
        }
        if (p >= text.size()) {
          throw Error(ErrorCode::Parse,
                      "the JSON array of statements never closes (a statement is cut off or a "
                      "bracket is missing)",
                      open);
        }
        s.text = text.substr(begin, p - begin);
        out.push_back(s);
        ++p;  // the ',' or ']'
        if (closed) break;
        skip_space();
      }
    }
    skip_space();
    if (p < text.size()) {
      throw Error(ErrorCode::Parse, "text after the JSON array of statements",
                  Location{source, line, p - line_start + 1, ""});
    }
    return out;
  }
  // JSON lines: one statement a line (LF or CRLF); blank lines are not statements.
  p = 0;
  line = 1;
  while (p < text.size()) {
    std::size_t e = text.find('\n', p);
    if (e == std::string_view::npos) e = text.size();
    std::string_view l = text.substr(p, e - p);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!trim(l).empty()) out.push_back(Span{l, line, 1, out.size()});
    ++line;
    p = e + 1;
  }
  return out;
}

/// Values in a statement (elements and members, outside strings): bounded by
/// max_fields_per_line before the statement is parsed.
std::size_t count_values(std::string_view s) {
  std::size_t n = 1;
  JsonStringState state;
  for (char c : s)
    if (state.structural(c) && (c == ',' || c == ':')) ++n;
  return n;
}

/// The learner id of an actor: its one inverse functional identifier (see docs/architecture.md).
/// Returns false with `why` if it has none, several, or one of the wrong type.
bool learner_of(const json& actor, std::string& id, std::string& why) {
  int found = 0;
  if (const json* acc = member(&actor, "account")) {
    const std::string* home = string_member(acc, "homePage");
    const std::string* name = string_member(acc, "name");
    if (!home || !name || name->empty()) {
      why = "actor.account needs string members homePage and name";
      return false;
    }
    id = *home + "|" + *name;
    ++found;
  }
  for (const char* key : {"mbox", "mbox_sha1sum", "openid"}) {
    const json* v = member(&actor, key);
    if (!v) continue;
    if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
      why = std::string("actor.") + key + " must be a non-empty string, got " + describe(*v);
      return false;
    }
    const std::string& s = v->get_ref<const std::string&>();
    id = std::string(key) == "mbox_sha1sum" ? "sha1:" + s : s;
    ++found;
  }
  if (found == 0) {
    why = "actor has no identifier (account, mbox, mbox_sha1sum or openid)";
    return false;
  }
  if (found > 1) {
    why = "actor has " + std::to_string(found) + " identifiers; xAPI allows exactly one";
    return false;
  }
  return true;
}

/// Appends the skills named by extension `iri` in `extensions` (a string or an array of
/// strings). Returns false if the value is there but of another type.
bool extension_skills(const json* extensions, const std::string& iri,
                      std::vector<std::string_view>& out, bool& found) {
  const json* v = member(extensions, iri.c_str());
  if (!v) return true;
  found = true;
  if (v->is_string()) {
    out.push_back(v->get_ref<const std::string&>());
    return true;
  }
  if (!v->is_array()) return false;
  for (const json& e : *v) {
    if (!e.is_string()) return false;
    out.push_back(e.get_ref<const std::string&>());
  }
  return true;
}

}  // namespace

void read_xapi(const ReadInput& in) {
  const ReadOptions& opt = in.options;
  const std::string& source = in.source;
  ReadReport& report = in.report;
  report.delimiter = '\0';
  report.columns_used =
      ColumnMapping{"actor",          opt.skill_map.empty() ? "extension" : "skill map",
                    "result.success", "",
                    "object.id",      "timestamp"};
  if (opt.skill_map.empty() && opt.skill_extension.empty() && !opt.empty_skill_label) {
    throw Error(ErrorCode::InvalidArgument,
                "xAPI statements name no skill: give a skill map (ReadOptions::skill_map; CLI "
                "--skill-map FILE) or an extension IRI (ReadOptions::skill_extension; CLI "
                "--skill-extension IRI)",
                Location{source, 0, 0, "skill_map"});
  }
  const std::string separator = opt.skill_separator.value_or("~~");
  const SkillMap map =
      opt.skill_map.empty() ? SkillMap() : load_skill_map(opt.skill_map, opt, separator);
  RowSink sink(in.builder, /*mixed=*/false, report, opt, separator);
  sink.set_timed();
  Problems& problems = sink.problems();
  bool array = false;
  const std::vector<Span> statements = split_statements(in.text, source, array);
  std::vector<std::string_view> skills;
  std::string learner;
  for (const Span& st : statements) {
    ++report.rows;
    const std::string label =
        array ? "statement [" + std::to_string(st.index) + "]" : std::string("statement");
    auto at = [&](const char* field) { return Location{source, st.line, st.column, field}; };
    auto bad = [&](RowProblem problem, const char* field, const std::string& what) {
      problems.add(problem, at(field), label + ": " + what);
    };
    if (st.text.size() > opt.max_line_bytes) {
      throw Error(ErrorCode::Parse,
                  label + " is " + std::to_string(st.text.size()) +
                      " bytes, more than max_line_bytes (" + std::to_string(opt.max_line_bytes) +
                      ")",
                  at(""));
    }
    if (count_values(st.text) > opt.max_fields_per_line) {
      throw Error(ErrorCode::Parse,
                  label + " holds more than max_fields_per_line (" +
                      std::to_string(opt.max_fields_per_line) + ") values",
                  at(""));
    }
    if (!is_valid_utf8(st.text)) {
      bad(RowProblem::BadStatement, "", "not valid UTF-8 (JSON text must be)");
      continue;
    }
    json j;
    try {
      j = parse_json(st.text, source);
    } catch (const Error& e) {
      // parse_json counts from the statement's start; place it in the file.
      const Location& w = e.location();
      const std::size_t line = st.line + (w.line > 0 ? w.line - 1 : 0);
      const std::size_t column =
          w.line <= 1 ? st.column + (w.column > 0 ? w.column - 1 : 0) : w.column;
      problems.add(RowProblem::BadStatement, Location{source, line, column, ""},
                   label + ": " + e.message());
      continue;
    }
    if (!j.is_object()) {
      bad(RowProblem::BadStatement, "", "expected a JSON object, got " + describe(j));
      continue;
    }
    const json* actor = member(&j, "actor");
    if (!actor || !actor->is_object()) {
      bad(RowProblem::EmptyLearner, "actor", "no actor");
      continue;
    }
    std::string why;
    if (!learner_of(*actor, learner, why)) {
      bad(RowProblem::EmptyLearner, "actor", why);
      continue;
    }
    const json* object = member(&j, "object");
    if (!object || !object->is_object()) {
      bad(RowProblem::BadStatement, "object", "no object");
      continue;
    }
    const std::string* type = string_member(object, "objectType");
    if (type && *type != "Activity") {
      // About an agent or another statement (a voiding, say): no response to an item.
      ++report.rows_filtered;
      continue;
    }
    const std::string* item = string_member(object, "id");
    if (!item || trim(*item).empty()) {
      bad(RowProblem::BadStatement, "object.id", "object.id must be a non-empty string");
      continue;
    }
    const json* success = member(member(&j, "result"), "success");
    if (!success) {
      // Launched, experienced, ...: no outcome to trace. Left out, not bad.
      ++report.rows_filtered;
      continue;
    }
    Row row;
    if (!success->is_boolean()) {
      bad(RowProblem::BadCorrect, "result.success",
          "result.success must be true or false, got " + describe(*success));
      continue;
    }
    row.outcome = success->get<bool>() ? Outcome::Correct : Outcome::Incorrect;
    const char* time_field = "timestamp";
    const json* stamp = member(&j, "timestamp");
    if (!stamp) {
      // The LRS sets timestamp when the client left it out; a bare export may have only stored.
      time_field = "stored";
      stamp = member(&j, "stored");
    }
    if (!stamp) {
      bad(RowProblem::BadTime, "timestamp", "no timestamp");
      continue;
    }
    std::int64_t ms = 0;
    const TimeError terr =
        stamp->is_string() ? parse_time(stamp->get_ref<const std::string&>(), opt.epoch_unit, ms)
                           : TimeError::Form;
    if (terr != TimeError::None) {
      bad(RowProblem::BadTime, time_field,
          stamp->is_string()
              ? time_error_message(terr, time_field, stamp->get_ref<const std::string&>())
              : std::string(time_field) + " must be an ISO 8601 string, got " + describe(*stamp));
      continue;
    }
    row.time = ms;
    skills.clear();
    auto found = map.find(*item);
    if (found != map.end()) {
      for (const std::string& s : found->second) skills.push_back(s);
    } else if (!opt.skill_extension.empty()) {
      bool present = false;
      const json* defs = member(member(object, "definition"), "extensions");
      bool ok = extension_skills(defs, opt.skill_extension, skills, present);
      if (ok && !present) {
        ok = extension_skills(member(member(&j, "context"), "extensions"), opt.skill_extension,
                              skills, present);
      }
      if (!ok) {
        bad(RowProblem::BadStatement, "extensions",
            "the skill extension must be a string or an array of strings");
        continue;
      }
    }
    row.learner = learner;
    row.item = trim(*item);
    row.line = st.line;
    row.row = report.rows;
    sink.emit_skills(
        row, skills, [&] { return at(found != map.end() ? "object.id" : "extensions"); },
        label + ": no skill for its item (not in the skill map, no skill extension)");
  }
}

}  // namespace pathwise::detail
