// The xAPI reader: statements as a Learning Record Store exports them, in JSON lines or one
// array; each actor form, both skill sources, statements left out and bad ones with places.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "pathwise/json.hpp"
#include "pathwise/response_log.hpp"
#include "pathwise/time.hpp"
#include "test_util.hpp"

using pathwise::ErrorCode;
using pathwise::LogFormat;
using pathwise::Outcome;
using pathwise::ReadOptions;
using pathwise::ResponseLog;
using pathwise::RowProblem;

namespace {

const std::string kSkillIri = "http://example.org/xapi/skill";
constexpr std::int64_t kT0 = 1161856318000;  // 2006-10-26T09:51:58Z

std::size_t skipped(const ResponseLog& log, RowProblem p) {
  return log.report().skipped[static_cast<std::size_t>(p)];
}
const pathwise::Location& first_place(const ResponseLog& log, RowProblem p) {
  return log.report().first_place[static_cast<std::size_t>(p)];
}
const std::string& first_message(const ResponseLog& log, RowProblem p) {
  return log.report().first_message[static_cast<std::size_t>(p)];
}

/// One statement as one line: an account actor, an activity, a result and a timestamp.
std::string statement(const std::string& learner, const std::string& item, bool success,
                      const std::string& timestamp, const std::string& skill = "fractions") {
  nlohmann::json j = {{"id", "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
                      {"actor",
                       {{"objectType", "Agent"},
                        {"account", {{"homePage", "https://lms.example.org"}, {"name", learner}}}}},
                      {"verb", {{"id", "http://adlnet.gov/expapi/verbs/answered"}}},
                      {"object",
                       {{"objectType", "Activity"},
                        {"id", item},
                        {"definition", {{"extensions", {{kSkillIri, skill}}}}}}},
                      {"result", {{"success", success}}},
                      {"timestamp", timestamp}};
  return j.dump();
}

ReadOptions by_extension() {
  ReadOptions o;
  o.skill_extension = kSkillIri;
  return o;
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = std::string(PATHWISE_TEST_TMP) + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<std::uint8_t> outcomes_of(const ResponseLog& log, const ResponseLog::Sequence& s) {
  return {log.outcomes().begin() + static_cast<std::ptrdiff_t>(s.begin),
          log.outcomes().begin() + static_cast<std::ptrdiff_t>(s.end)};
}

}  // namespace

TEST_CASE("xapi: JSON lines are read, each learner's responses in timestamp order", "[xapi]") {
  const std::string text =
      statement("ann", "http://x/q2", true, "2006-10-26T10:00:00Z") + "\n" +
      statement("bob", "http://x/q1", false, "2006-10-26T09:51:58Z") + "\r\n\n" +
      statement("ann", "http://x/q1", false, "2006-10-26T11:51:58+02:00") + "\n";
  const ResponseLog log = ResponseLog::parse(text, by_extension(), "lrs.jsonl");
  const auto& r = log.report();
  CHECK(r.format == LogFormat::Xapi);  // detected from the '{'
  CHECK(r.rows == 3);
  CHECK(r.rows_kept == 3);
  CHECK(log.learner_count() == 2);
  CHECK(log.learner_id(0) == "https://lms.example.org|ann");
  REQUIRE(log.sequence_count() == 2);
  const auto& ann = log.sequences()[0];
  CHECK(log.learner_id(ann.learner) == "https://lms.example.org|ann");
  CHECK(log.skill_name(ann.skill) == "fractions");
  // 09:51:58Z (line 4) before 10:00:00Z (line 1).
  CHECK(outcomes_of(log, ann) == std::vector<std::uint8_t>{0, 1});
  CHECK(log.times()[ann.begin] == kT0);
  CHECK(log.times()[ann.begin + 1] == kT0 + 482000);
  CHECK(log.lines()[ann.begin] == 4);
  CHECK(log.item_id(log.items()[ann.begin]) == "http://x/q1");
  CHECK(r.first_time == kT0);
  CHECK(r.columns_used.time == "timestamp");
}

TEST_CASE("xapi: one JSON array reads as its JSON lines do", "[xapi]") {
  const std::string a = statement("ann", "q1", true, "2006-10-26T10:00:00Z");
  const std::string b = statement("ann", "q2", false, "2006-10-26T09:00:00Z");
  const ResponseLog lines = ResponseLog::parse(a + "\n" + b + "\n", by_extension());
  const ResponseLog array =
      ResponseLog::parse(" [\n  " + a + ",\n  " + b + "\n]\n", by_extension());
  CHECK(array.report().format == LogFormat::Xapi);
  CHECK(array.outcomes() == lines.outcomes());
  CHECK(array.times() == lines.times());
  CHECK(array.outcomes() == std::vector<std::uint8_t>{0, 1});
  CHECK(array.lines() == std::vector<std::uint32_t>{3, 2});
  CHECK(ResponseLog::parse("[]", by_extension()).empty());
  ReadOptions forced = by_extension();
  forced.format = LogFormat::Xapi;
  CHECK(ResponseLog::parse("[" + a + "," + b + "]", forced).size() == 2);  // one line
}

TEST_CASE("xapi: each actor form gives its own learner id", "[xapi]") {
  auto learner = [](const std::string& actor) {
    const std::string s = R"({"actor": )" + actor +
                          R"(, "object": {"id": "q"}, "result": {"success": true},
                              "timestamp": "2006-10-26T09:51:58Z"})";
    ReadOptions o = by_extension();
    o.empty_skill_label = "none";
    std::string line = s;
    for (char& c : line)
      if (c == '\n') c = ' ';
    const ResponseLog log = ResponseLog::parse(line, o);
    return log.size() == 1 ? log.learner_id(0) : std::string("<bad>");
  };
  CHECK(learner(R"({"mbox": "mailto:ann@example.org"})") == "mailto:ann@example.org");
  CHECK(learner(R"({"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"})") ==
        "sha1:ebd31e95054c018b10727ccffd2ef2ec3a016ee9");
  CHECK(learner(R"({"openid": "http://openid.example.org/ann"})") ==
        "http://openid.example.org/ann");
  CHECK(learner(R"({"account": {"homePage": "http://lms", "name": "7"}})") == "http://lms|7");
  CHECK(learner(R"({"objectType": "Group", "mbox": "mailto:team@example.org", "member": []})") ==
        "mailto:team@example.org");
  // No identifier, two identifiers, a wrong type: EmptyLearner, never a crash.
  CHECK(learner(R"({"name": "Ann"})") == "<bad>");
  CHECK(learner(R"({"mbox": "mailto:a@x", "openid": "http://o/a"})") == "<bad>");
  CHECK(learner(R"({"mbox": 7})") == "<bad>");
  CHECK(learner(R"({"account": {"homePage": "http://lms"}})") == "<bad>");
  CHECK(learner(R"("ann")") == "<bad>");
}

TEST_CASE("xapi: skills come from a skill map (CSV or JSON) or an extension", "[xapi]") {
  std::string text;
  text += statement("ann", "q1", true, "2006-10-26T09:00:00Z", "ext-1") + "\n";
  text += statement("ann", "q2", false, "2006-10-26T10:00:00Z", "ext-2") + "\n";
  // q3 names its skills in the context, as an array.
  text += R"({"actor": {"mbox": "mailto:a@x"}, "object": {"id": "q3"},)"
          R"( "context": {"extensions": {")" +
          kSkillIri +
          R"(": ["ctx-a", "ctx-b", "ctx-a"]}},)"
          R"( "result": {"success": true}, "timestamp": "2006-10-26T11:00:00Z"})"
          "\n";
  auto skills_of = [](const ResponseLog& log) {
    std::vector<std::string> out;
    for (const auto& s : log.sequences()) out.push_back(log.skill_name(s.skill));
    std::sort(out.begin(), out.end());
    return out;
  };
  SECTION("the extension, in the object's definition then the context") {
    const ResponseLog log = ResponseLog::parse(text, by_extension());
    CHECK(skills_of(log) == std::vector<std::string>{"ctx-a", "ctx-b", "ext-1", "ext-2"});
    CHECK(log.report().multi_skill_rows == 1);
    CHECK(log.size() == 4);
  }
  SECTION("a CSV skill map, with a multi-skill item; the extension for the rest") {
    ReadOptions o = by_extension();
    o.skill_map = write_file("xapi_map.csv", "item,skill\nq1,m-1~~m-2\nq1,m-3\nq2,m-2\n");
    const ResponseLog log = ResponseLog::parse(text, o);
    // q1 and q2 share (m-2, ann): one sequence of two responses.
    CHECK(skills_of(log) == std::vector<std::string>{"ctx-a", "ctx-b", "m-1", "m-2", "m-3"});
    CHECK(log.size() == 6);
    CHECK(log.report().columns_used.skill == "skill map");
  }
  SECTION("a JSON skill map; an item it does not name has no skill") {
    ReadOptions o;
    o.skill_map = write_file("xapi_map.json", R"({"q1": ["j-1", "j-2"], "q2": "j-2"})");
    const ResponseLog log = ResponseLog::parse(text, o);
    CHECK(skills_of(log) == std::vector<std::string>{"j-1", "j-2"});
    CHECK(log.size() == 3);
    CHECK(skipped(log, RowProblem::EmptySkill) == 1);
    CHECK(first_place(log, RowProblem::EmptySkill).line == 3);
  }
  SECTION("a bad skill map is an error naming the file") {
    ReadOptions o;
    o.skill_map = write_file("xapi_map_bad.json", R"({"q1": 7})");
    const auto e = test_util::error_from([&] { (void)ResponseLog::parse(text, o); });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().source == o.skill_map);
    CHECK(e.location().field == "q1");
    o.skill_map = std::string(PATHWISE_TEST_TMP) + "/no-such-map.csv";
    CHECK(test_util::error_from([&] { (void)ResponseLog::parse(text, o); }).code() ==
          ErrorCode::Io);
  }
  SECTION("no skill source at all is an error that says how to give one") {
    const auto e = test_util::error_from([&] { (void)ResponseLog::parse(text); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains("--skill-map"));
  }
}

TEST_CASE("xapi: statements without result.success, or not about an activity, are left out",
          "[xapi]") {
  const std::string text =
      statement("ann", "q1", true, "2006-10-26T09:00:00Z") + "\n" +
      R"({"actor": {"mbox": "mailto:a@x"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/launched"}, "object": {"id": "q1"}, "timestamp": "2006-10-26T09:00:00Z"})" +
      "\n" +
      R"({"actor": {"mbox": "mailto:a@x"}, "object": {"id": "q1"}, "result": {"score": {"scaled": 1}}, "timestamp": "2006-10-26T09:00:00Z"})" +
      "\n" +
      R"({"actor": {"mbox": "mailto:a@x"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}, "object": {"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"}, "timestamp": "2006-10-26T09:00:00Z"})" +
      "\n";
  const ResponseLog log = ResponseLog::parse(text, by_extension());
  const auto& r = log.report();
  CHECK(r.rows == 4);
  CHECK(r.rows_kept == 1);
  CHECK(r.rows_filtered == 3);
  CHECK(r.skipped_total() == 0);
  CHECK_THAT(r.summary(), Catch::Matchers::Contains("3 statements without result.success"));
}

TEST_CASE("xapi: bad statements are counted with their line, never a crash", "[xapi]") {
  std::string deep(150, '[');
  deep += std::string(150, ']');
  const std::string text =
      statement("ann", "q1", true, "2006-10-26T09:00:00Z") + "\n" +                 // 1 ok
      R"({"actor": {"mbox": "mailto:SECRET@x"}, "object": {"id": "q1"},)" + "\n" +  // 2 cut off
      R"({"actor": {"mbox": "mailto:a@x"}, "object": {"id": "q1"}, "result": {"success": true}, "timestamp": "2006-10-26T09:00:00Z", "x": )" +
      deep + "}\n" +  // 3 too deep
      "{\"actor\": {\"mbox\": \"mailto:\xff\xfe@x\"}, \"object\": {\"id\": \"q1\"}}\n" +  // 4
      R"({"object": {"id": "q1"}, "result": {"success": true}})" + "\n" +           // 5 no actor
      R"({"actor": {"mbox": "mailto:a@x"}, "result": {"success": true}})" + "\n" +  // 6 no object
      R"({"actor": {"mbox": "mailto:a@x"}, "object": {"id": "q1"}, "result": {"success": "yes"}, "timestamp": "2006-10-26T09:00:00Z"})" +
      "\n" +  // 7 bad success
      R"({"actor": {"mbox": "mailto:a@x"}, "object": {"id": "q1"}, "result": {"success": true}, "timestamp": "SECRET"})" +
      "\n" +  // 8 bad time
      R"({"actor": {"mbox": "mailto:a@x"}, "object": {"id": "q1"}, "result": {"success": true}, "stored": "2006-10-26T09:00:00Z"})" +
      "\n" +       // 9 ok (stored)
      "[1, 2]\n";  // 10 not an object
  ReadOptions o = by_extension();
  o.format = LogFormat::Xapi;
  o.empty_skill_label = "none";
  const ResponseLog log = ResponseLog::parse(text, o, "lrs.jsonl");
  const auto& r = log.report();
  CHECK(r.rows == 10);
  CHECK(r.rows_kept == 2);
  CHECK(r.rows == r.rows_kept + r.rows_filtered + r.skipped_total());
  CHECK(skipped(log, RowProblem::BadStatement) == 5);  // lines 2, 3, 4, 6, 10
  CHECK(first_place(log, RowProblem::BadStatement).line == 2);
  CHECK(skipped(log, RowProblem::EmptyLearner) == 1);
  CHECK(first_place(log, RowProblem::EmptyLearner).line == 5);
  CHECK(first_place(log, RowProblem::EmptyLearner).field == "actor");
  CHECK(skipped(log, RowProblem::BadCorrect) == 1);
  CHECK(first_place(log, RowProblem::BadCorrect).field == "result.success");
  CHECK(skipped(log, RowProblem::BadTime) == 1);
  CHECK(first_place(log, RowProblem::BadTime).line == 8);
  CHECK(first_place(log, RowProblem::BadTime).field == "timestamp");
  CHECK(log.times().size() == 2);
  CHECK_THAT(r.summary(), !Catch::Matchers::Contains("SECRET"));
  for (const std::string& m : r.first_message) CHECK_THAT(m, !Catch::Matchers::Contains("SECRET"));

  SECTION("strict mode throws at the first, with its line") {
    o.strict = true;
    const auto e = test_util::error_from([&] { (void)ResponseLog::parse(text, o, "lrs.jsonl"); });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().source == "lrs.jsonl");
    CHECK(e.location().line == 2);
    CHECK_THAT(std::string(e.what()), !Catch::Matchers::Contains("SECRET"));
  }
  SECTION("each kind on its own") {
    auto one = [&](const std::string& line) { return ResponseLog::parse(line + "\n", o); };
    CHECK(skipped(one(deep), RowProblem::BadStatement) == 1);
    CHECK_THAT(first_message(one(deep), RowProblem::BadStatement),
               Catch::Matchers::Contains("deeper"));
    CHECK_THAT(first_message(one("{\"a\": \"\xc3\"}"), RowProblem::BadStatement),
               Catch::Matchers::Contains("UTF-8"));
  }
}

TEST_CASE("xapi: a bad element of an array is reported by its index and line", "[xapi]") {
  const std::string good = statement("ann", "q1", true, "2006-10-26T09:00:00Z");
  const std::string text = "[\n" + good + ",\n{\"actor\": 1},\n" + good + "\n]";
  const ResponseLog log = ResponseLog::parse(text, by_extension());
  CHECK(log.size() == 2);
  CHECK(skipped(log, RowProblem::EmptyLearner) == 1);
  CHECK(first_place(log, RowProblem::EmptyLearner).line == 3);
  CHECK_THAT(first_message(log, RowProblem::EmptyLearner),
             Catch::Matchers::StartsWith("statement [1]"));
  // A broken element inside an array that still closes: that element only.
  const ResponseLog broken =
      ResponseLog::parse("[" + good + ", {\"a\": tru}, " + good + "]", by_extension());
  CHECK(broken.size() == 2);
  CHECK(skipped(broken, RowProblem::BadStatement) == 1);
  CHECK_THAT(first_message(broken, RowProblem::BadStatement),
             Catch::Matchers::StartsWith("statement [1]"));
  // An array that never closes, or text after it: the file is broken, an error with a place.
  const auto open = test_util::error_from(
      [&] { (void)ResponseLog::parse("[\n" + good + ",\n{\"a\": \"", by_extension(), "x.json"); });
  CHECK(open.code() == ErrorCode::Parse);
  CHECK(open.location().line == 1);
  const auto after =
      test_util::error_from([&] { (void)ResponseLog::parse("[]\n{}", by_extension()); });
  CHECK(after.location().line == 2);
}

TEST_CASE("xapi: the readers' limits apply to each statement", "[xapi]") {
  const std::string good = statement("ann", "q1", true, "2006-10-26T09:00:00Z");
  ReadOptions o = by_extension();
  o.max_line_bytes = good.size() - 1;
  const auto e = test_util::error_from([&] { (void)ResponseLog::parse(good + "\n", o); });
  CHECK(e.code() == ErrorCode::Parse);
  CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains("max_line_bytes"));
  // One array on one line longer than the limit is fine when each statement is within it.
  o.max_line_bytes = good.size();
  CHECK(ResponseLog::parse("[" + good + "," + good + "]", o).size() == 2);
  ReadOptions few = by_extension();
  few.max_fields_per_line = 5;
  CHECK_THAT(
      std::string(test_util::error_from([&] { (void)ResponseLog::parse(good, few); }).what()),
      Catch::Matchers::Contains("max_fields_per_line"));
}

TEST_CASE("xapi: a log written out as xAPI statements reads back the same", "[xapi]") {
  const ResponseLog csv = ResponseLog::parse(
      "user_id,skill_name,correct,item_id,timestamp\n"
      "a,s1,1,i1,2006-10-26T09:00:00Z\n"
      "a,s1,0,i2,2006-10-26T08:00:00.125Z\n"
      "b,s2,1,i1,1969-12-31T23:59:59.999Z\n"
      "a,s2,0,i3,2262-04-11T23:47:16.854Z\n");
  std::string out;
  for (const auto& s : csv.sequences()) {
    for (std::uint64_t i = s.begin; i < s.end; ++i) {
      nlohmann::json j = {
          {"actor", {{"account", {{"homePage", "h"}, {"name", csv.learner_id(s.learner)}}}}},
          {"object",
           {{"id", csv.item_id(csv.items()[i])},
            {"definition", {{"extensions", {{kSkillIri, csv.skill_name(s.skill)}}}}}}},
          {"result", {{"success", csv.outcomes()[i] == 1}}},
          {"timestamp", pathwise::to_iso8601(csv.times()[i])}};
      out += j.dump() + "\n";
    }
  }
  const ResponseLog back = ResponseLog::parse(out, by_extension());
  REQUIRE(back.sequence_count() == csv.sequence_count());
  CHECK(back.outcomes() == csv.outcomes());
  CHECK(back.times() == csv.times());
  for (std::size_t k = 0; k < csv.sequence_count(); ++k) {
    const auto& x = csv.sequences()[k];
    const auto& y = back.sequences()[k];
    CHECK(csv.skill_name(x.skill) == back.skill_name(y.skill));
    CHECK("h|" + csv.learner_id(x.learner) == back.learner_id(y.learner));
    CHECK(x.size() == y.size());
    for (std::uint64_t i = 0; i < x.size(); ++i)
      CHECK(csv.item_id(csv.items()[x.begin + i]) == back.item_id(back.items()[y.begin + i]));
  }
}
