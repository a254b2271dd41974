#include "pathwise/response_log.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pathwise/types.hpp"

using pathwise::Error;
using pathwise::ErrorCode;
using pathwise::Location;
using pathwise::LogFormat;
using pathwise::Outcome;
using pathwise::ReadOptions;
using pathwise::ReadReport;
using pathwise::ResponseLog;
using pathwise::RowProblem;

namespace Catch {
// Failure messages show the place instead of "{?}".
template <>
struct StringMaker<pathwise::Location> {
  static std::string convert(const pathwise::Location& l) {
    return "{" + l.source + ":" + std::to_string(l.line) + ":" + std::to_string(l.column) +
           " field '" + l.field + "'}";
  }
};
}  // namespace Catch

namespace {

const std::string kSource = "name.csv";

ResponseLog parse(std::string_view text, const ReadOptions& options = {}) {
  return ResponseLog::parse(text, options, kSource);
}

ReadOptions strict_options() {
  ReadOptions o;
  o.strict = true;
  return o;
}

/// The error parse() throws, or nullopt if it does not throw an Error.
std::optional<Error> parse_error(std::string_view text, const ReadOptions& options = {}) {
  try {
    (void)ResponseLog::parse(text, options, kSource);
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

std::size_t skipped(const ReadReport& r, RowProblem p) {
  return r.skipped[static_cast<std::size_t>(p)];
}
const Location& first_place(const ReadReport& r, RowProblem p) {
  return r.first_place[static_cast<std::size_t>(p)];
}

/// Outcomes of sequence `index` as a string of '0' and '1'.
std::string outcomes_of(const ResponseLog& log, std::size_t index) {
  const ResponseLog::Sequence& s = log.sequences().at(index);
  std::string out;
  for (std::uint64_t i = s.begin; i < s.end; ++i) out += log.outcomes()[i] ? '1' : '0';
  return out;
}

/// Source lines of sequence `index`.
std::vector<std::uint32_t> lines_of(const ResponseLog& log, std::size_t index) {
  const ResponseLog::Sequence& s = log.sequences().at(index);
  return std::vector<std::uint32_t>(log.lines().begin() + static_cast<std::ptrdiff_t>(s.begin),
                                    log.lines().begin() + static_cast<std::ptrdiff_t>(s.end));
}

/// Index of the sequence of (skill, learner), or -1 if there is none.
int find_sequence(const ResponseLog& log, std::string_view skill, std::string_view learner) {
  for (std::size_t i = 0; i < log.sequence_count(); ++i) {
    const auto& s = log.sequences()[i];
    if (log.skill_name(s.skill) == skill && log.learner_id(s.learner) == learner) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

/// Outcomes of the (skill, learner) sequence, or "<none>".
std::string outcomes_for(const ResponseLog& log, std::string_view skill, std::string_view learner) {
  int i = find_sequence(log, skill, learner);
  return i < 0 ? std::string("<none>") : outcomes_of(log, static_cast<std::size_t>(i));
}

std::string data_path(const std::string& name) {
  return std::string(PATHWISE_TEST_DATA) + "/" + name;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Delimited input: delimiters and header columns

TEST_CASE("response_log: a comma-separated log with pyBKT column names is read by default",
          "[response_log]") {
  auto log = parse(
      "user_id,skill_name,correct,order_id,template_id\n"
      "stu1,add,1,1,t1\n"
      "stu1,add,0,2,t2\n"
      "stu2,add,1,1,t1\n");
  const ReadReport& r = log.report();
  CHECK(r.source == kSource);
  CHECK(r.format == LogFormat::Delimited);
  CHECK(r.delimiter == ',');
  CHECK(r.encoding == "utf-8");
  CHECK(r.columns_used.learner == "user_id");
  CHECK(r.columns_used.skill == "skill_name");
  CHECK(r.columns_used.correct == "correct");
  CHECK(r.columns_used.order == "order_id");
  CHECK(r.columns_used.item == "template_id");
  CHECK(r.rows == 3);
  CHECK(r.rows_kept == 3);
  CHECK(r.skipped_total() == 0);
  CHECK(log.size() == 3);
  CHECK(log.learner_count() == 2);
  CHECK(log.skill_count() == 1);
  CHECK(log.item_count() == 2);
  REQUIRE(log.items().size() == 3);
  CHECK(log.item_id(log.items()[1]) == "t2");
  CHECK(outcomes_for(log, "add", "stu1") == "10");
  CHECK(outcomes_for(log, "add", "stu2") == "1");
}

TEST_CASE("response_log: a tab-separated log is detected even when its values contain commas",
          "[response_log]") {
  auto log = parse(
      "user_id\tskill_name\tcorrect\titem\n"
      "stu1\tUnit 1, Section 2\t1\tp, q\n"
      "stu1\tUnit 1, Section 2\t0\tp, r\n");
  CHECK(log.report().delimiter == '\t');
  CHECK(log.report().format == LogFormat::Delimited);
  CHECK(log.report().skipped_total() == 0);
  REQUIRE(log.skill_count() == 1);
  CHECK(log.skill_name(0) == "Unit 1, Section 2");
  REQUIRE(log.items().size() == 2);
  CHECK(log.item_id(log.items()[0]) == "p, q");
  CHECK(log.item_id(log.items()[1]) == "p, r");
  CHECK(outcomes_for(log, "Unit 1, Section 2", "stu1") == "10");
}

TEST_CASE("response_log: a semicolon-separated log is detected from its header", "[response_log]") {
  auto log = parse(
      "user_id;skill_name;correct\n"
      "stu1;a,b;1\n"
      "stu2;a,b;0\n");
  CHECK(log.report().delimiter == ';');
  CHECK(log.report().skipped_total() == 0);
  REQUIRE(log.skill_count() == 1);
  CHECK(log.skill_name(0) == "a,b");
  CHECK(log.size() == 2);
}

TEST_CASE("response_log: an explicit delimiter overrides detection", "[response_log]") {
  ReadOptions o;
  o.delimiter = '|';
  auto log = parse("user_id|skill_name|correct\nstu1|a,b;c|1\n", o);
  CHECK(log.report().delimiter == '|');
  REQUIRE(log.skill_count() == 1);
  CHECK(log.skill_name(0) == "a,b;c");
  CHECK(log.size() == 1);
}

TEST_CASE("response_log: the summary names the delimiter that was used", "[response_log]") {
  CHECK_THAT(parse("user_id,skill_name,correct\nstu1,a,1\n").report().summary(),
             Catch::Matchers::Contains("comma-separated"));
  CHECK_THAT(parse("user_id\tskill_name\tcorrect\nstu1\ta\t1\n").report().summary(),
             Catch::Matchers::Contains("tab-separated"));
  CHECK_THAT(parse("user_id;skill_name;correct\nstu1;a;1\n").report().summary(),
             Catch::Matchers::Contains("';'-separated"));
  ReadOptions o;
  o.delimiter = '|';
  const std::string summary = parse("user_id|skill_name|correct\nstu1|a|1\n", o).report().summary();
  CHECK_THAT(summary, !Catch::Matchers::Contains("comma-separated"));
  CHECK_THAT(summary, Catch::Matchers::Contains("'|'"));
}

TEST_CASE("response_log: an ASSISTments header uses skill_name over skill_id and sorts by order_id",
          "[response_log]") {
  const std::string text =
      ",order_id,user_id,correct,skill_id,skill_name,template_id\n"
      "0,30,stu1,1,1.0,Box and Whisker,t7\n"
      "5,20,stu1,0,1.0,Box and Whisker,t7\n"
      "9,10,stu2,1,10.0,Table,t8\n";
  SECTION("skill_name wins when both columns are present") {
    auto log = parse(text);
    const auto& used = log.report().columns_used;
    CHECK(used.learner == "user_id");
    CHECK(used.skill == "skill_name");
    CHECK(used.correct == "correct");
    CHECK(used.order == "order_id");
    CHECK(used.item == "template_id");
    CHECK(log.skill_count() == 2);
    CHECK(log.find_skill("Box and Whisker").has_value());
    CHECK(log.find_skill("Table").has_value());
    CHECK_FALSE(log.find_skill("1.0").has_value());
    CHECK(outcomes_for(log, "Box and Whisker", "stu1") == "01");
    CHECK(outcomes_for(log, "Table", "stu2") == "1");
  }
  SECTION("a float skill_id is kept as its text when it is the skill column") {
    ReadOptions o;
    o.columns.skill = "skill_id";
    auto log = parse(text, o);
    CHECK(log.report().columns_used.skill == "skill_id");
    CHECK(log.find_skill("1.0").has_value());
    CHECK(log.find_skill("10.0").has_value());
    CHECK(outcomes_for(log, "1.0", "stu1") == "01");
  }
}

TEST_CASE("response_log: a DataShop step export is read with its own column names",
          "[response_log]") {
  // Tab-separated; 'Problem Hierarchy' holds commas, rows are not in 'Row' order, one row has
  // two KCs and one has none.
  auto log = ResponseLog::read_file(data_path("datashop_small.csv"));
  const ReadReport& r = log.report();
  CHECK(r.delimiter == '\t');
  CHECK(r.columns_used.learner == "Anon Student Id");
  CHECK(r.columns_used.skill == "KC(Default)");
  CHECK(r.columns_used.correct == "Correct First Attempt");
  CHECK(r.columns_used.order == "Row");
  CHECK(r.columns_used.item == "Problem Name");
  CHECK(r.rows == 4);
  CHECK(r.rows_kept == 3);
  CHECK(r.multi_skill_rows == 1);
  CHECK(skipped(r, RowProblem::EmptySkill) == 1);
  CHECK(first_place(r, RowProblem::EmptySkill) ==
        Location{data_path("datashop_small.csv"), 5, 32, "KC(Default)"});
  CHECK(log.size() == 4);
  int x = find_sequence(log, "skill-x", "stu-A");
  REQUIRE(x >= 0);
  CHECK(outcomes_of(log, static_cast<std::size_t>(x)) == "01");
  CHECK(lines_of(log, static_cast<std::size_t>(x)) == std::vector<std::uint32_t>{3, 2});
  const auto& s = log.sequences()[static_cast<std::size_t>(x)];
  CHECK(log.item_id(log.items()[s.begin]) == "P2");
  CHECK(log.item_id(log.items()[s.begin + 1]) == "P1");
  CHECK(outcomes_for(log, "skill-x", "stu-B") == "1");
  CHECK(outcomes_for(log, "skill-y", "stu-B") == "1");
}

TEST_CASE("response_log: an explicit column mapping names the columns", "[response_log]") {
  ReadOptions o;
  o.columns.learner = "who";
  o.columns.skill = "what";
  o.columns.correct = "ok";
  o.columns.order = "when";
  o.columns.item = "thing";
  auto log = parse(
      "who,what,ok,when,thing,user_id\n"
      "stu1,a,1,2,i1,decoy\n"
      "stu1,a,0,1,i2,decoy\n",
      o);
  const auto& used = log.report().columns_used;
  CHECK(used.learner == "who");
  CHECK(used.skill == "what");
  CHECK(used.correct == "ok");
  CHECK(used.order == "when");
  CHECK(used.item == "thing");
  CHECK(log.learner_count() == 1);
  CHECK(log.learner_id(0) == "stu1");
  CHECK(outcomes_for(log, "a", "stu1") == "01");
  REQUIRE(log.items().size() == 2);
  CHECK(log.item_id(log.items()[0]) == "i2");
}

TEST_CASE("response_log: a mapped column missing from the header is a parse error naming it",
          "[response_log]") {
  ReadOptions o;
  o.columns.skill = "kc_name";
  auto e = parse_error("user_id,skill_name,correct\nstu1,a,1\n", o);
  REQUIRE(e);
  CHECK(e->code() == ErrorCode::Parse);
  CHECK_THAT(e->message(), Catch::Matchers::Contains("kc_name"));
  CHECK_THAT(e->message(), Catch::Matchers::Contains("3 header fields"));
  CHECK(e->location().line == 1);
  CHECK(e->location().field == "kc_name");
  CHECK_THAT(std::string(e->what()), Catch::Matchers::StartsWith("name.csv:1"));
}

TEST_CASE("response_log: a header without a learner, skill or outcome column is a parse error",
          "[response_log]") {
  auto e = parse_error("user_id,correct\nstu1,1\n");
  REQUIRE(e);
  CHECK(e->code() == ErrorCode::Parse);
  CHECK_THAT(e->message(), Catch::Matchers::Contains("skill"));
  CHECK_THAT(e->message(), Catch::Matchers::Contains("2 header fields"));
}

TEST_CASE("response_log: a file without a header does not echo its first row in the error",
          "[response_log]") {
  // Without a header the "column names" are the first row's values, learner id included.
  auto e = parse_error("stud-alice@school.org,add,1,1\nstud-bob,add,0,2\n");
  REQUIRE(e);
  CHECK(e->code() == ErrorCode::Parse);
  CHECK(std::string(e->what()).find("alice") == std::string::npos);
}

TEST_CASE("response_log: a column used twice or named twice is an error", "[response_log]") {
  ReadOptions o;
  o.columns.correct = "user_id";
  auto e = parse_error("user_id,skill_name,correct\nstu1,a,1\n", o);
  REQUIRE(e);
  CHECK(e->code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e->message(), Catch::Matchers::Contains("both learner and correct"));
  auto d = parse_error("user_id,skill_name,correct,correct\nstu1,a,1,0\n");
  REQUIRE(d);
  CHECK(d->code() == ErrorCode::Parse);
  CHECK_THAT(d->message(), Catch::Matchers::Contains("more than once"));
}

TEST_CASE("response_log: a quoted field that never closes is an error at the quote",
          "[response_log]") {
  for (bool strict : {false, true}) {
    ReadOptions o;
    o.strict = strict;
    auto e = parse_error("user_id,skill_name,correct,template_id\nu1,s1,1,\"t1\nu1,s1,0,t2\n", o);
    REQUIRE(e);
    CHECK(e->code() == ErrorCode::Parse);
    CHECK(e->location().line == 2);
    CHECK(e->location().column == 9);
  }
}

TEST_CASE("response_log: hmm-scalable input has no quoting", "[response_log]") {
  ResponseLog log =
      ResponseLog::parse("1\tu1\t\"x=3 step\ts1\n2\tu1\tst2\ts1\n", ReadOptions{}, "name.txt");
  CHECK(log.report().format == LogFormat::Hmm);
  CHECK(log.size() == 2);
  CHECK(log.item_id(log.items()[0]) == "\"x=3 step");
}

TEST_CASE("response_log: a huge three-line count is a bad record, not a crash", "[response_log]") {
  ResponseLog log = ResponseLog::parse("99999999999999999999\n1,2\n0,1\n2\n1,1\n1,1\n",
                                       ReadOptions{}, "name.csv");
  CHECK(log.report().skipped[static_cast<std::size_t>(RowProblem::BadRecord)] == 2);
  CHECK(log.size() == 2);
}

TEST_CASE("response_log: one stray Latin-1 byte converts only its own field", "[response_log]") {
  ResponseLog log = ResponseLog::parse(
      "user_id,skill_name,correct,template_id\nu1,Gr\xC3\xB6\xC3\x9F"
      "e,1,p\xFF\nu2,Gr\xC3\xB6\xC3\x9F"
      "e,0,q\n",
      ReadOptions{}, "name.csv");
  REQUIRE(log.skill_count() == 1);
  CHECK(log.skill_name(0) ==
        "Gr\xC3\xB6\xC3\x9F"
        "e");
  CHECK(log.report().latin1_fields == 1);
  CHECK(log.item_id(log.items()[0]) == "p\xC3\xBF");
}

TEST_CASE("response_log: scaffolding rows (original = 0) are left out and counted",
          "[response_log]") {
  const std::string text = "user_id,skill_name,correct,original\nu1,a,1,1\nu1,a,0,0\nu1,a,1,1\n";
  ResponseLog log = ResponseLog::parse(text, ReadOptions{}, "name.csv");
  CHECK(log.size() == 2);
  CHECK(log.report().rows_filtered == 1);
  CHECK(log.report().rows ==
        log.report().rows_kept + log.report().rows_filtered + log.report().skipped_total());
  ReadOptions keep;
  keep.keep_scaffolding = true;
  CHECK(ResponseLog::parse(text, keep, "name.csv").size() == 3);
}

TEST_CASE("response_log: integer order keys beyond 2^53 sort exactly", "[response_log]") {
  ResponseLog log = ResponseLog::parse(
      "user_id,skill_name,correct,order_id\nu1,a,1,9007199254740993\nu1,a,0,9007199254740992\n",
      ReadOptions{}, "name.csv");
  CHECK(log.outcomes() == std::vector<std::uint8_t>{0, 1});
}

TEST_CASE("response_log: order '-' keeps file order and item '-' reads no items",
          "[response_log]") {
  const std::string text =
      "user_id,skill_name,correct,order_id,template_id\n"
      "stu1,a,1,9,t1\n"
      "stu1,a,0,1,t2\n";
  SECTION("by default the order column sorts") {
    auto log = parse(text);
    CHECK(outcomes_for(log, "a", "stu1") == "01");
    CHECK(log.items().size() == 2);
  }
  SECTION("order '-'") {
    ReadOptions o;
    o.columns.order = "-";
    auto log = parse(text, o);
    CHECK(log.report().columns_used.order.empty());
    CHECK(outcomes_for(log, "a", "stu1") == "10");
    CHECK(lines_of(log, 0) == std::vector<std::uint32_t>{2, 3});
  }
  SECTION("item '-'") {
    ReadOptions o;
    o.columns.item = "-";
    auto log = parse(text, o);
    CHECK(log.report().columns_used.item.empty());
    CHECK(log.items().empty());
    CHECK(log.item_count() == 0);
  }
  SECTION("a required column cannot be turned off") {
    ReadOptions o;
    o.columns.learner = "-";
    auto e = parse_error(text, o);
    REQUIRE(e);
    CHECK(e->code() == ErrorCode::InvalidArgument);
  }
}

// ---------------------------------------------------------------------------------------------
// Ordering and grouping

TEST_CASE("response_log: rows are sorted by the order column within a learner, ties in file order",
          "[response_log]") {
  auto log = parse(
      "user_id,skill_name,correct,order_id\n"
      "stu1,a,1,5\n"    // line 2
      "stu1,a,0,2\n"    // line 3
      "stu2,a,1,1\n"    // line 4
      "stu1,b,0,3\n"    // line 5
      "stu1,a,1,2\n"    // line 6: ties with line 3, so it comes after it
      "stu1,a,0,1\n");  // line 7
  REQUIRE(log.sequence_count() == 3);
  REQUIRE(log.skill_count() == 2);
  REQUIRE(log.learner_count() == 2);
  CHECK(log.skill_name(0) == "a");
  CHECK(log.skill_name(1) == "b");
  CHECK(log.learner_id(0) == "stu1");
  CHECK(log.learner_id(1) == "stu2");

  // Sequences are listed per (skill, learner) in first-seen order, each contiguous.
  const auto& seq = log.sequences();
  CHECK(seq[0].skill == 0);
  CHECK(seq[0].learner == 0);
  CHECK(seq[0].begin == 0);
  CHECK(seq[0].end == 4);
  CHECK(seq[1].skill == 0);
  CHECK(seq[1].learner == 1);
  CHECK(seq[1].begin == 4);
  CHECK(seq[1].end == 5);
  CHECK(seq[2].skill == 1);
  CHECK(seq[2].learner == 0);
  CHECK(seq[2].begin == 5);
  CHECK(seq[2].end == 6);
  CHECK(seq[0].size() == 4);

  CHECK(log.outcomes() == std::vector<std::uint8_t>{0, 0, 1, 1, 1, 0});
  CHECK(log.lines() == std::vector<std::uint32_t>{7, 3, 6, 2, 4, 5});
  CHECK(log.items().empty());

  CHECK(log.skill_sequences(0) == std::vector<std::uint32_t>{0, 1});
  CHECK(log.skill_sequences(1) == std::vector<std::uint32_t>{2});
  CHECK(log.skill_size(0) == 5);
  CHECK(log.skill_size(1) == 1);
}

TEST_CASE("response_log: without an order column the file order is kept", "[response_log]") {
  auto log = parse(
      "user_id,skill_name,correct\n"
      "stu1,a,1\n"
      "stu1,a,0\n"
      "stu2,a,1\n"
      "stu1,b,0\n"
      "stu1,a,1\n"
      "stu1,a,0\n");
  CHECK(log.report().columns_used.order.empty());
  REQUIRE(log.sequence_count() == 3);
  CHECK(outcomes_of(log, 0) == "1010");
  CHECK(lines_of(log, 0) == std::vector<std::uint32_t>{2, 3, 6, 7});
  CHECK(outcomes_of(log, 1) == "1");
  CHECK(outcomes_of(log, 2) == "0");
  CHECK(log.lines() == std::vector<std::uint32_t>{2, 3, 6, 7, 4, 5});
}

// ---------------------------------------------------------------------------------------------
// Multi-skill cells

TEST_CASE("response_log: a multi-skill cell gives the response to each skill", "[response_log]") {
  const std::string text =
      "user_id,skill_name,correct\n"
      "stu1,a~~b,1\n"
      "stu1,a,0\n"
      "stu2,b~~c,0\n";
  SECTION("the default separator is '~~'") {
    auto log = parse(text);
    CHECK(log.report().rows == 3);
    CHECK(log.report().rows_kept == 3);
    CHECK(log.report().multi_skill_rows == 2);
    CHECK(log.size() == 5);
    CHECK(log.skill_count() == 3);
    CHECK(outcomes_for(log, "a", "stu1") == "10");
    CHECK(outcomes_for(log, "b", "stu1") == "1");
    CHECK(outcomes_for(log, "b", "stu2") == "0");
    CHECK(outcomes_for(log, "c", "stu2") == "0");
    CHECK_FALSE(log.find_skill("a~~b").has_value());
  }
  SECTION("an empty separator keeps the cell as one label") {
    ReadOptions o;
    o.skill_separator = "";
    auto log = parse(text, o);
    CHECK(log.report().multi_skill_rows == 0);
    CHECK(log.size() == 3);
    CHECK(log.skill_count() == 3);
    CHECK(outcomes_for(log, "a~~b", "stu1") == "1");
    CHECK(outcomes_for(log, "a", "stu1") == "0");
    CHECK(outcomes_for(log, "b~~c", "stu2") == "0");
    CHECK_FALSE(log.find_skill("b").has_value());
  }
  SECTION("a custom separator") {
    ReadOptions o;
    o.skill_separator = "+";
    auto log = parse("user_id,skill_name,correct\nstu1,a+b,1\nstu1,a~~b,0\n", o);
    CHECK(log.report().multi_skill_rows == 1);
    CHECK(log.size() == 3);
    CHECK(outcomes_for(log, "a", "stu1") == "1");
    CHECK(outcomes_for(log, "b", "stu1") == "1");
    CHECK(outcomes_for(log, "a~~b", "stu1") == "0");
  }
}

TEST_CASE("response_log: a skill named twice in one cell counts once", "[response_log]") {
  auto log = parse("user_id,skill_name,correct\nstu1,a~~a,1\n");
  CHECK(log.size() == 1);
  CHECK(log.skill_count() == 1);
  CHECK(log.report().multi_skill_rows == 0);
  CHECK(outcomes_for(log, "a", "stu1") == "1");
}

// ---------------------------------------------------------------------------------------------
// Quoting, line ends, BOM, blank lines

TEST_CASE("response_log: quoted fields may hold commas, doubled quotes and line breaks",
          "[response_log]") {
  const std::string text =
      "user_id,skill_name,correct,item\n"                  // line 1
      "stu1,\"Fractions, adding\",1,\"say \"\"hi\"\"\"\n"  // line 2
      "stu1,\"multi\nline skill\",0,x\n"                   // lines 3-4
      "stu2,plain,1,y\n";                                  // line 5
  SECTION("values are unquoted and later rows keep their line numbers") {
    auto log = parse(text);
    CHECK(log.report().skipped_total() == 0);
    CHECK(log.report().rows == 3);
    CHECK(log.find_skill("Fractions, adding").has_value());
    CHECK(log.find_skill("multi\nline skill").has_value());
    int f = find_sequence(log, "Fractions, adding", "stu1");
    REQUIRE(f >= 0);
    const auto& s = log.sequences()[static_cast<std::size_t>(f)];
    CHECK(log.item_id(log.items()[s.begin]) == "say \"hi\"");
    CHECK(lines_of(log, static_cast<std::size_t>(f)) == std::vector<std::uint32_t>{2});
    int m = find_sequence(log, "multi\nline skill", "stu1");
    REQUIRE(m >= 0);
    CHECK(lines_of(log, static_cast<std::size_t>(m)) == std::vector<std::uint32_t>{3});
    int p = find_sequence(log, "plain", "stu2");
    REQUIRE(p >= 0);
    CHECK(lines_of(log, static_cast<std::size_t>(p)) == std::vector<std::uint32_t>{5});
  }
  SECTION("a bad row after a multi-line field is reported on its own line") {
    auto e = parse_error(text + "stu2,plain,2,z\n", strict_options());
    REQUIRE(e);
    CHECK(e->location() == Location{kSource, 6, 12, "correct"});
  }
}

TEST_CASE("response_log: a bad field after a line break inside quotes is placed on its own line",
          "[response_log]") {
  // The record starts on line 2, but its 'correct' field is on line 3, column 8. A line and a
  // column measured on different lines point at the wrong byte.
  auto e = parse_error("user_id,skill_name,correct\nstu1,\"two\nlines\",2\n", strict_options());
  REQUIRE(e);
  CHECK(e->location() == Location{kSource, 3, 8, "correct"});
}

TEST_CASE("response_log: CRLF line ends are accepted", "[response_log]") {
  const std::string text = "user_id,skill_name,correct\r\nstu1,a,1\r\nstu1,a,0\r\n";
  auto log = parse(text);
  CHECK(log.skill_count() == 1);
  CHECK(log.skill_name(0) == "a");
  CHECK(outcomes_for(log, "a", "stu1") == "10");
  CHECK(log.lines() == std::vector<std::uint32_t>{2, 3});
  auto e = parse_error(text + "stu1,a,2\r\n", strict_options());
  REQUIRE(e);
  CHECK(e->location() == Location{kSource, 4, 8, "correct"});
  CHECK_THAT(e->message(), Catch::Matchers::EndsWith("got '2'"));
}

TEST_CASE("response_log: a UTF-8 byte-order mark is not part of the first column name",
          "[response_log]") {
  auto log = parse("\xEF\xBB\xBFuser_id,skill_name,correct\nstu1,a,1\n");
  CHECK(log.report().columns_used.learner == "user_id");
  CHECK(log.report().encoding == "utf-8");
  CHECK(log.size() == 1);
  CHECK(log.learner_id(0) == "stu1");
}

TEST_CASE("response_log: blank lines are skipped and do not shift line numbers", "[response_log]") {
  auto log = parse("\n\nuser_id,skill_name,correct\n\nstu1,a,1\n\n\nstu1,a,0\n\n");
  CHECK(log.report().rows == 2);
  CHECK(log.report().skipped_total() == 0);
  CHECK(log.lines() == std::vector<std::uint32_t>{5, 8});
  CHECK(outcomes_for(log, "a", "stu1") == "10");
}

TEST_CASE("response_log: the last row needs no final newline", "[response_log]") {
  auto log = parse("user_id,skill_name,correct\nstu1,a,1\nstu1,a,0");
  CHECK(log.report().rows == 2);
  CHECK(outcomes_for(log, "a", "stu1") == "10");
  CHECK(log.lines() == std::vector<std::uint32_t>{2, 3});
  SECTION("an empty last field at the very end is still a field") {
    auto e = parse_error("user_id,skill_name,correct\nstu1,a,1\nstu1,a,", strict_options());
    REQUIRE(e);
    CHECK(e->location() == Location{kSource, 3, 8, "correct"});
  }
}

// ---------------------------------------------------------------------------------------------
// Encodings

TEST_CASE("response_log: Latin-1 input is converted to UTF-8", "[response_log]") {
  auto log = parse("user_id,skill_name,correct\nstu1,caf\xE9,1\n");
  CHECK(log.report().encoding == "latin-1");
  REQUIRE(log.skill_count() == 1);
  CHECK(log.skill_name(0) == "caf\xC3\xA9");
  CHECK(log.find_skill("caf\xC3\xA9").has_value());
}

TEST_CASE("response_log: error columns in Latin-1 input count the bytes of the file",
          "[response_log]") {
  // In the file 'é' is one byte, so the '2' is at byte 11 of line 3; after the conversion to
  // UTF-8 it would be at byte 12.
  auto e = parse_error("user_id,skill_name,correct\nstu1,a,1\nstu1,caf\xE9,2\n", strict_options());
  REQUIRE(e);
  CHECK(e->location() == Location{kSource, 3, 11, "correct"});
}

TEST_CASE("response_log: valid UTF-8 input is kept as it is", "[response_log]") {
  auto log = parse("user_id,skill_name,correct\nstu1,caf\xC3\xA9,1\n");
  CHECK(log.report().encoding == "utf-8");
  REQUIRE(log.skill_count() == 1);
  CHECK(log.skill_name(0) == "caf\xC3\xA9");
}

// ---------------------------------------------------------------------------------------------
// Bad rows

namespace {
struct BadRow {
  const char* what;
  const char* row;  // line 3 of the text
  RowProblem problem;
  std::size_t column;
  const char* field;
};
// The learner id is distinctive so that a leak into any message is easy to spot.
const std::string kBadRowHeader =
    "user_id,skill_name,correct,order_id\n"
    "stu-SECRET-9,add,1,1\n";
const BadRow kBadRows[] = {
    {"missing field", "stu-SECRET-9,add,1", RowProblem::MissingField, 18, ""},
    {"extra field", "stu-SECRET-9,add,1,2,extra", RowProblem::ExtraField, 22, ""},
    {"correct is 2", "stu-SECRET-9,add,2,2", RowProblem::BadCorrect, 18, "correct"},
    {"correct is empty", "stu-SECRET-9,add,,2", RowProblem::BadCorrect, 18, "correct"},
    {"order is not a number", "stu-SECRET-9,add,1,abc", RowProblem::BadOrder, 20, "order_id"},
    {"skill is empty", "stu-SECRET-9,,1,2", RowProblem::EmptySkill, 14, "skill_name"},
    {"learner is empty", ",add,1,2", RowProblem::EmptyLearner, 1, "user_id"},
};
}  // namespace

TEST_CASE("response_log: in strict mode a bad row throws a parse error at its line and column",
          "[response_log]") {
  for (const BadRow& b : kBadRows) {
    INFO(b.what);
    auto e = parse_error(kBadRowHeader + b.row + "\n", strict_options());
    REQUIRE(e);
    CHECK(e->code() == ErrorCode::Parse);
    // Width mismatches name no single field.
    CHECK(e->location() == Location{kSource, 3, b.column, b.field});
    const std::string what = e->what();
    CHECK_THAT(what, Catch::Matchers::Contains("name.csv:3:" + std::to_string(b.column)));
    CHECK_THAT(what, !Catch::Matchers::Contains("SECRET"));
    CHECK_THAT(e->message(), !Catch::Matchers::Contains("SECRET"));
  }
}

TEST_CASE("response_log: in lenient mode a bad row is skipped and counted under its reason",
          "[response_log]") {
  for (const BadRow& b : kBadRows) {
    INFO(b.what);
    auto log = parse(kBadRowHeader + b.row + "\n");
    const ReadReport& r = log.report();
    CHECK(r.rows == 2);
    CHECK(r.rows_kept == 1);
    CHECK(r.skipped_total() == 1);
    CHECK(skipped(r, b.problem) == 1);
    CHECK(first_place(r, b.problem) == Location{kSource, 3, b.column, b.field});
    CHECK_FALSE(r.first_message[static_cast<std::size_t>(b.problem)].empty());
    CHECK(log.size() == 1);
    CHECK_THAT(r.summary(), Catch::Matchers::Contains(pathwise::to_string(b.problem)));
    CHECK_THAT(r.summary(), !Catch::Matchers::Contains("SECRET"));
  }
}

TEST_CASE("response_log: a file with planted bad rows reports each reason with its first place",
          "[response_log]") {
  const std::string path = data_path("planted_bad_rows.csv");
  auto log = ResponseLog::read_file(path);
  const ReadReport& r = log.report();
  CHECK(r.source == path);
  CHECK(r.rows == 11);
  CHECK(r.rows_kept == 4);
  CHECK(skipped(r, RowProblem::BadCorrect) == 3);
  CHECK(skipped(r, RowProblem::EmptySkill) == 2);
  CHECK(skipped(r, RowProblem::MissingField) == 1);
  CHECK(skipped(r, RowProblem::BadOrder) == 1);
  CHECK(skipped(r, RowProblem::ExtraField) == 0);
  CHECK(skipped(r, RowProblem::EmptyLearner) == 0);
  CHECK(skipped(r, RowProblem::BadRecord) == 0);
  CHECK(r.skipped_total() == 7);
  CHECK(r.rows == r.rows_kept + r.skipped_total());

  CHECK(first_place(r, RowProblem::BadCorrect) == Location{path, 3, 18, "correct"});
  CHECK(first_place(r, RowProblem::EmptySkill) == Location{path, 5, 14, "skill_name"});
  CHECK(first_place(r, RowProblem::MissingField) == Location{path, 8, 18, ""});
  CHECK(first_place(r, RowProblem::BadOrder) == Location{path, 9, 20, "order_id"});
  CHECK(first_place(r, RowProblem::ExtraField).line == 0);

  CHECK(log.size() == 4);
  CHECK(outcomes_for(log, "add", "stu-SECRET-1") == "1");
  CHECK(outcomes_for(log, "add", "stu-SECRET-2") == "01");
  CHECK(outcomes_for(log, "sub", "stu-SECRET-1") == "0");
  CHECK(find_sequence(log, "sub", "stu-SECRET-3") < 0);

  const std::string summary = r.summary();
  CHECK_THAT(summary, Catch::Matchers::Contains("11 rows"));
  CHECK_THAT(summary, Catch::Matchers::Contains("4 kept"));
  CHECK_THAT(summary, Catch::Matchers::Contains("7 skipped"));
  CHECK_THAT(summary, Catch::Matchers::Contains("3 rows: bad_correct"));
  CHECK_THAT(summary, Catch::Matchers::Contains("2 rows: empty_skill"));
  CHECK_THAT(summary, Catch::Matchers::Contains("1 rows: missing_field"));
  CHECK_THAT(summary, Catch::Matchers::Contains("1 rows: bad_order"));
  CHECK_THAT(summary, !Catch::Matchers::Contains("extra_field"));
  CHECK_THAT(summary, !Catch::Matchers::Contains("SECRET"));
}

TEST_CASE("response_log: an empty-skill label keeps rows without a skill", "[response_log]") {
  ReadOptions o;
  o.empty_skill_label = "(none)";
  auto log = ResponseLog::read_file(data_path("planted_bad_rows.csv"), o);
  const ReadReport& r = log.report();
  CHECK(skipped(r, RowProblem::EmptySkill) == 0);
  CHECK(r.rows_relabelled == 2);
  CHECK(r.rows_kept == 6);
  CHECK(r.skipped_total() == 5);
  CHECK(r.rows == r.rows_kept + r.skipped_total());
  auto none = log.find_skill("(none)");
  REQUIRE(none.has_value());
  CHECK(log.skill_size(*none) == 2);
  CHECK(outcomes_for(log, "(none)", "stu-SECRET-2") == "1");
  CHECK(outcomes_for(log, "(none)", "stu-SECRET-3") == "0");
  CHECK_THAT(r.summary(), Catch::Matchers::Contains("2 without a skill kept under a label"));
  CHECK_THAT(r.summary(), !Catch::Matchers::Contains("SECRET"));
}

// ---------------------------------------------------------------------------------------------
// hmm-scalable

TEST_CASE("response_log: hmm-scalable input is detected and read", "[response_log]") {
  const std::string path = data_path("hmm_small.txt");
  auto check = [&](const ResponseLog& log) {
    const ReadReport& r = log.report();
    CHECK(r.format == LogFormat::Hmm);
    CHECK(r.delimiter == '\t');
    CHECK(r.rows == 7);
    CHECK(r.rows_kept == 4);
    CHECK(r.multi_skill_rows == 1);
    CHECK(skipped(r, RowProblem::BadCorrect) == 2);  // '.' and '3'
    CHECK(skipped(r, RowProblem::EmptySkill) == 1);  // '.'
    CHECK(r.skipped_total() == 3);
    CHECK(first_place(r, RowProblem::BadCorrect) == Location{path, 4, 1, "observation"});
    CHECK(first_place(r, RowProblem::EmptySkill) == Location{path, 6, 14, "skill"});
    CHECK(log.size() == 5);
    REQUIRE(log.sequence_count() == 3);
    CHECK(outcomes_for(log, "skillA", "stu1") == "011");  // 2 = incorrect, 1 = correct
    CHECK(outcomes_for(log, "skillB", "stu1") == "1");
    CHECK(outcomes_for(log, "skillB", "stu2") == "1");
    // The last line has no newline and is still read.
    int last = find_sequence(log, "skillB", "stu2");
    REQUIRE(last >= 0);
    CHECK(lines_of(log, static_cast<std::size_t>(last)) == std::vector<std::uint32_t>{7});
    REQUIRE(log.items().size() == 5);
    CHECK(log.item_id(log.items()[0]) == "step1");
  };
  SECTION("auto-detected") { check(ResponseLog::read_file(path)); }
  SECTION("named explicitly") {
    ReadOptions o;
    o.format = LogFormat::Hmm;
    check(ResponseLog::read_file(path, o));
  }
  SECTION("strict mode stops at the first bad observation") {
    ReadOptions o;
    o.strict = true;
    try {
      (void)ResponseLog::read_file(path, o);
      FAIL("no error thrown");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::Parse);
      CHECK(e.location() == Location{path, 4, 1, "observation"});
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Three-line

TEST_CASE("response_log: three-line input is detected and learners are named by position",
          "[response_log]") {
  auto log = ResponseLog::read_file(data_path("three_line_small.csv"));
  const ReadReport& r = log.report();
  CHECK(r.format == LogFormat::ThreeLine);
  CHECK(r.rows == 5);
  CHECK(r.rows_kept == 5);
  CHECK(r.skipped_total() == 0);
  REQUIRE(log.learner_count() == 2);
  CHECK(log.learner_id(0) == "1");
  CHECK(log.learner_id(1) == "2");
  CHECK(log.skill_count() == 3);
  CHECK(log.size() == 5);
  CHECK(log.sequence_count() == 4);
  CHECK(outcomes_for(log, "1", "1") == "01");
  CHECK(outcomes_for(log, "2", "1") == "1");
  CHECK(outcomes_for(log, "2", "2") == "1");
  CHECK(outcomes_for(log, "3", "2") == "1");
  int s = find_sequence(log, "1", "1");
  REQUIRE(s >= 0);
  CHECK(lines_of(log, static_cast<std::size_t>(s)) == std::vector<std::uint32_t>{3, 3});
}

TEST_CASE("response_log: a three-line record whose count disagrees is skipped as a bad record",
          "[response_log]") {
  const std::string text = "2\n1,2,3\n1,0,1\n2\n4,5\n1,0\n";
  auto log = parse(text);
  const ReadReport& r = log.report();
  CHECK(r.format == LogFormat::ThreeLine);
  CHECK(skipped(r, RowProblem::BadRecord) == 3);  // counted as its three responses
  CHECK(r.rows == 5);
  CHECK(r.rows_kept == 2);
  CHECK(r.rows == r.rows_kept + r.skipped_total());
  CHECK(first_place(r, RowProblem::BadRecord).line == 1);
  // The second record keeps its position as its name.
  REQUIRE(log.learner_count() == 1);
  CHECK(log.learner_id(0) == "2");
  CHECK(outcomes_for(log, "4", "2") == "1");
  CHECK(outcomes_for(log, "5", "2") == "0");
  auto e = parse_error(text, strict_options());
  REQUIRE(e);
  CHECK(e->code() == ErrorCode::Parse);
  CHECK(e->location().line == 1);
}

TEST_CASE("response_log: a three-line outcome other than 0 or 1 is a bad outcome at its place",
          "[response_log]") {
  const std::string text = "3\n1,1,1\n1,2,0\n";
  SECTION("strict") {
    auto e = parse_error(text, strict_options());
    REQUIRE(e);
    CHECK(e->code() == ErrorCode::Parse);
    CHECK(e->location() == Location{kSource, 3, 3, "correct"});
    CHECK_THAT(std::string(e->what()), Catch::Matchers::Contains("name.csv:3:3"));
  }
  SECTION("lenient") {
    auto log = parse(text);
    CHECK(skipped(log.report(), RowProblem::BadCorrect) == 1);
    CHECK(log.report().rows == 3);
    CHECK(log.report().rows_kept == 2);
    CHECK(outcomes_for(log, "1", "1") == "10");
  }
}

TEST_CASE("response_log: a truncated last three-line record is a missing field", "[response_log]") {
  const std::string text = "2\n1,1\n1,0\n3\n1,2,2\n";
  SECTION("lenient") {
    auto log = parse(text);
    const ReadReport& r = log.report();
    CHECK(skipped(r, RowProblem::MissingField) == 3);
    CHECK(first_place(r, RowProblem::MissingField).line == 4);
    CHECK(r.rows == 5);
    CHECK(r.rows_kept == 2);
    CHECK(log.size() == 2);
    CHECK(outcomes_for(log, "1", "1") == "10");
  }
  SECTION("strict") {
    auto e = parse_error(text, strict_options());
    REQUIRE(e);
    CHECK(e->code() == ErrorCode::Parse);
    CHECK(e->location().line == 4);
  }
}

TEST_CASE("response_log: a three-line record cut short after its count line is reported",
          "[response_log]") {
  // The last record announces 3 responses and then the file ends.
  auto log = parse("2\n1,1\n1,0\n3\n");
  const ReadReport& r = log.report();
  CHECK(log.size() == 2);
  CHECK(skipped(r, RowProblem::MissingField) > 0);
  CHECK(r.rows == r.rows_kept + r.skipped_total());
  CHECK_THAT(r.summary(), Catch::Matchers::Contains("missing_field"));
}

// ---------------------------------------------------------------------------------------------
// Builder

TEST_CASE("response_log: Builder groups add() responses and keeps add_sequence() sequences",
          "[response_log]") {
  ResponseLog::Builder b;
  b.add_sequence("stu1", "a", {1, 0, 1}, {"i1", "", "i3"});
  b.add("stu2", "a", "", Outcome::Correct, std::nullopt, 7);
  b.add("stu1", "b", "i1", Outcome::Incorrect, std::nullopt, 8);
  b.add("stu2", "a", "i4", Outcome::Incorrect, std::nullopt, 9);
  CHECK(b.size() == 6);
  auto log = b.build();
  CHECK(b.size() == 0);
  CHECK(log.size() == 6);
  CHECK(log.report().rows == 0);
  REQUIRE(log.sequence_count() == 3);
  CHECK(outcomes_of(log, 0) == "101");
  CHECK(log.learner_id(log.sequences()[0].learner) == "stu1");
  CHECK(log.skill_name(log.sequences()[0].skill) == "a");
  CHECK(outcomes_of(log, 1) == "10");
  CHECK(log.learner_id(log.sequences()[1].learner) == "stu2");
  CHECK(outcomes_of(log, 2) == "0");
  CHECK(log.skill_name(log.sequences()[2].skill) == "b");
  const auto kNo = ResponseLog::kNoItem;
  REQUIRE(log.items().size() == 6);
  std::vector<std::string> items;
  for (auto i : log.items()) items.push_back(i == kNo ? "-" : log.item_id(i));
  CHECK(items == std::vector<std::string>{"i1", "-", "i3", "-", "i4", "i1"});
  CHECK(log.item_count() == 3);
  CHECK(log.lines() == std::vector<std::uint32_t>{0, 0, 0, 7, 9, 8});
  CHECK(log.skill_sequences(0) == std::vector<std::uint32_t>{0, 1});
  CHECK(log.skill_size(0) == 5);
  CHECK(log.skill_size(1) == 1);
}

TEST_CASE("response_log: Builder sorts by order when every response has one", "[response_log]") {
  ResponseLog::Builder b;
  b.add("stu1", "a", "", Outcome::Correct, 3.0);
  b.add("stu1", "a", "", Outcome::Incorrect, 1.0);
  b.add("stu1", "a", "", Outcome::Correct, 1.0);
  auto log = b.build();
  CHECK(outcomes_of(log, 0) == "011");
  CHECK(log.lines().empty());
  CHECK(log.items().empty());
}

TEST_CASE("response_log: Builder rejects bad input", "[response_log]") {
  ResponseLog::Builder b;
  SECTION("an outcome other than 0 or 1 in add_sequence") {
    CHECK_THROWS_MATCHES(b.add_sequence("stu1", "a", {1, 2}), Error,
                         Catch::Matchers::Predicate<Error>(
                             [](const Error& e) { return e.code() == ErrorCode::InvalidArgument; },
                             "code is InvalidArgument"));
  }
  SECTION("items that do not match the outcomes") {
    CHECK_THROWS_AS(b.add_sequence("stu1", "a", {1, 0}, {"i1"}), Error);
  }
  SECTION("a second sequence for the same learner and skill") {
    b.add_sequence("stu1", "a", {1});
    b.add_sequence("stu1", "b", {1});
    try {
      b.add_sequence("stu1", "a", {0});
      FAIL("no error thrown");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      CHECK_THAT(std::string(e.what()), !Catch::Matchers::Contains("stu1"));
    }
  }
  SECTION("add() and add_sequence() for the same learner and skill") {
    b.add_sequence("stu1", "a", {1});
    b.add("stu1", "a", "", Outcome::Correct);
    try {
      (void)b.build();
      FAIL("no error thrown");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
    }
  }
  SECTION("an order for some responses but not all") {
    b.add("stu1", "a", "", Outcome::Correct, 1.0);
    b.add("stu1", "a", "", Outcome::Correct);
    try {
      (void)b.build();
      FAIL("no error thrown");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
    }
  }
  SECTION("an empty learner or skill") {
    CHECK_THROWS_AS(b.add("", "a", "", Outcome::Correct), Error);
    CHECK_THROWS_AS(b.add("stu1", "", "", Outcome::Correct), Error);
    CHECK_THROWS_AS(b.add_sequence("", "a", {1}), Error);
  }
}

TEST_CASE("response_log: select_learners keeps only the chosen learners' sequences",
          "[response_log]") {
  ResponseLog::Builder b;
  b.add("stu1", "a", "i1", Outcome::Correct, std::nullopt, 2);
  b.add("stu2", "a", "i2", Outcome::Incorrect, std::nullopt, 3);
  b.add("stu3", "b", "i3", Outcome::Correct, std::nullopt, 4);
  b.add("stu1", "b", "i4", Outcome::Incorrect, std::nullopt, 5);
  b.add("stu2", "b", "i5", Outcome::Correct, std::nullopt, 6);
  auto log = b.build();
  REQUIRE(log.learner_count() == 3);
  auto kept = log.select_learners({true, false, true});
  REQUIRE(kept.sequence_count() == 3);
  std::size_t total = 0;
  for (const auto& s : kept.sequences()) {
    CHECK(kept.learner_id(s.learner) != "stu2");
    total += s.size();
  }
  CHECK(total == 3);
  CHECK(kept.size() == 3);
  CHECK(outcomes_for(kept, "a", "stu1") == "1");
  CHECK(outcomes_for(kept, "b", "stu3") == "1");
  CHECK(outcomes_for(kept, "b", "stu1") == "0");
  CHECK(find_sequence(kept, "a", "stu2") < 0);
  CHECK(kept.items().size() == 3);
  CHECK(kept.lines().size() == 3);
  auto b_skill = kept.find_skill("b");
  REQUIRE(b_skill.has_value());
  CHECK(kept.skill_size(*b_skill) == 2);
  CHECK(kept.skill_sequences(*b_skill).size() == 2);
  CHECK_THROWS_AS(log.select_learners({true, false}), Error);
  try {
    (void)log.select_learners({true, false, true, true});
    FAIL("no error thrown");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("response_log: skills are found by name and indexed by sequence", "[response_log]") {
  ResponseLog::Builder b;
  b.add_sequence("stu1", "a", {1, 1});
  b.add_sequence("stu1", "b", {0});
  b.add_sequence("stu2", "a", {0, 1, 1});
  auto log = b.build();
  auto a = log.find_skill("a");
  auto bs = log.find_skill("b");
  REQUIRE(a.has_value());
  REQUIRE(bs.has_value());
  CHECK_FALSE(log.find_skill("c").has_value());
  CHECK(log.skill_sequences(*a) == std::vector<std::uint32_t>{0, 2});
  CHECK(log.skill_sequences(*bs) == std::vector<std::uint32_t>{1});
  CHECK(log.skill_size(*a) == 5);
  CHECK(log.skill_size(*bs) == 1);
  CHECK_THROWS_AS(log.skill_sequences(2), Error);
  CHECK_THROWS_AS(log.skill_size(2), Error);
  CHECK_THROWS_AS(log.skill_name(2), Error);
}

// ---------------------------------------------------------------------------------------------
// Files and empty input

TEST_CASE("response_log: reading a missing file is an I/O error", "[response_log]") {
  const std::string path = data_path("no_such_file.csv");
  try {
    (void)ResponseLog::read_file(path);
    FAIL("no error thrown");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Io);
    CHECK(e.location().source == path);
  }
}

TEST_CASE("response_log: empty text is a parse error", "[response_log]") {
  for (const char* text : {"", "\n\n", "\r\n"}) {
    INFO("text: '" << text << "'");
    auto e = parse_error(text);
    REQUIRE(e);
    CHECK(e->code() == ErrorCode::Parse);
  }
}

TEST_CASE("response_log: every row problem has a name", "[response_log]") {
  CHECK(std::string(pathwise::to_string(RowProblem::MissingField)) == "missing_field");
  CHECK(std::string(pathwise::to_string(RowProblem::BadCorrect)) == "bad_correct");
  CHECK(std::string(pathwise::to_string(RowProblem::BadRecord)) == "bad_record");
  CHECK(std::string(pathwise::to_string(LogFormat::ThreeLine)) == "three-line");
}

// ---------------------------------------------------------------------------------------------
// Limits: line length, fields per line, input of unknown size

namespace {

ReadOptions with_limits(std::size_t line_bytes, std::size_t fields) {
  ReadOptions o;
  o.max_line_bytes = line_bytes;
  o.max_fields_per_line = fields;
  return o;
}

std::string write_tmp(const std::string& name, const std::string& text) {
  const std::string path = std::string(PATHWISE_TEST_TMP) + "/response-log-" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return path;
}

/// The error read_file() throws, or nullopt if it does not throw an Error.
std::optional<Error> read_error(const std::string& path, const ReadOptions& options) {
  try {
    (void)ResponseLog::read_file(path, options);
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

/// A pipe holding `text` (at most one pipe buffer), its write end closed; read through
/// /proc/self/fd, it is an input whose size is not known before reading.
struct FilledPipe {
  int fds[2] = {-1, -1};
  explicit FilledPipe(const std::string& text) {
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(text.size() < 4096);
    REQUIRE(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fds[1]);
  }
  ~FilledPipe() { ::close(fds[0]); }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fds[0]); }
};

}  // namespace

TEST_CASE("response_log: the limits have generous defaults and are validated", "[response_log]") {
  const ReadOptions defaults;
  CHECK(defaults.max_line_bytes == 16u * 1024 * 1024);
  CHECK(defaults.max_fields_per_line == 1000000u);
  CHECK(defaults.max_input_bytes == 1024ull * 1024 * 1024);
  CHECK_NOTHROW(defaults.validate());
  const std::string text = "user_id,skill_name,correct\nstu1,a,1\n";
  const std::string path = write_tmp("validate.csv", text);
  for (const char* name : {"max_line_bytes", "max_fields_per_line", "max_input_bytes"}) {
    INFO(name);
    ReadOptions o;
    if (std::string(name) == "max_line_bytes") o.max_line_bytes = 0;
    if (std::string(name) == "max_fields_per_line") o.max_fields_per_line = 0;
    if (std::string(name) == "max_input_bytes") o.max_input_bytes = 0;
    for (const auto& e : {parse_error(text, o), read_error(path, o)}) {
      REQUIRE(e);
      CHECK(e->code() == ErrorCode::InvalidArgument);
      CHECK(e->location().field == name);
      CHECK_THAT(e->message(), Catch::Matchers::Contains(name));
    }
  }
}

TEST_CASE("response_log: a line of max_line_bytes is read; one byte more stops at the limit",
          "[response_log]") {
  const std::string header = "user_id,skill_name,correct\n";  // 26 bytes and a line end
  const ReadOptions o = with_limits(30, 100);
  // "u" + 25 x's + ",a,1" is 30 bytes; one more x makes 31.
  const std::string at_limit = "u" + std::string(25, 'x') + ",a,1";
  const std::string over = "u" + std::string(26, 'x') + ",a,1";
  REQUIRE(at_limit.size() == 30);
  SECTION("just under and at the limit") {
    CHECK(parse(header + at_limit + "\n", o).size() == 1);
    CHECK(parse(header + at_limit + "\r\n", o).size() == 1);  // the line end is not counted
    CHECK(parse("\xEF\xBB\xBF" + header + at_limit, o).size() == 1);
    CHECK(parse(header + "u" + std::string(24, 'x') + ",a,1\n", o).size() == 1);
  }
  SECTION("just over, in lenient and strict mode, parsed or read from a file") {
    const Location place{kSource, 2, 31, ""};
    ReadOptions strict = o;
    strict.strict = true;
    for (const ReadOptions& options : {o, strict}) {
      auto e = parse_error(header + over + "\n", options);
      REQUIRE(e);
      CHECK(e->code() == ErrorCode::Parse);
      CHECK(e->location() == place);
      CHECK_THAT(e->message(), Catch::Matchers::Contains("ReadOptions::max_line_bytes") &&
                                   Catch::Matchers::Contains("30 bytes"));
      CHECK_THAT(std::string(e->what()), !Catch::Matchers::Contains("uxx"));
    }
    const std::string path = write_tmp("long-line.csv", header + over + "\n");
    auto f = read_error(path, o);
    REQUIRE(f);
    CHECK(f->location() == Location{path, 2, 31, ""});
  }
  SECTION("a lone CR ends a line too") {
    CHECK(parse(header + at_limit + "\r" + at_limit + "\n", o).size() == 2);
  }
  SECTION("in hmm-scalable and three-line input") {
    const std::string hmm = "1\tstu1\tstep\t" + std::string(30, 's') + "\n";  // 42 bytes
    auto h = parse_error("1\tstu1\tstep\tadd\n" + hmm, with_limits(41, 100));
    REQUIRE(h);
    CHECK(h->location() == Location{kSource, 2, 42, ""});
    CHECK(parse("1\tstu1\tstep\tadd\n" + hmm, with_limits(42, 100)).size() == 2);
    const std::string outcomes = "1,0,1,0,1,0";  // 11 bytes
    auto t = parse_error("6\n1,1,1,1,1,1\n" + outcomes + "\n", with_limits(10, 100));
    REQUIRE(t);
    CHECK(t->location() == Location{kSource, 2, 11, ""});  // the skill line comes first
    CHECK(parse("6\n1,1,1,1,1,1\n" + outcomes + "\n", with_limits(11, 100)).size() == 6);
  }
}

TEST_CASE("response_log: a line of max_fields_per_line fields is read; one more stops at the limit",
          "[response_log]") {
  const std::string header = "user_id,skill_name,correct";
  SECTION("a header") {
    CHECK(parse(header + "\nstu1,a,1\n", with_limits(1000, 3)).size() == 1);
    auto e = parse_error(header + ",x\nstu1,a,1,9\n", with_limits(1000, 3));
    REQUIRE(e);
    CHECK(e->code() == ErrorCode::Parse);
    CHECK(e->location() == Location{kSource, 1, 28, ""});
    CHECK_THAT(e->message(), Catch::Matchers::Contains("ReadOptions::max_fields_per_line") &&
                                 Catch::Matchers::Contains("more than 3 fields"));
  }
  SECTION("a data row: over the header's width it is a bad row, over the limit an error") {
    const std::string text = header + "\nstu1,a,1,9\nstu1,a,1\n";
    auto log = parse(text, with_limits(1000, 4));
    CHECK(log.size() == 1);
    CHECK(skipped(log.report(), RowProblem::ExtraField) == 1);
    auto e = parse_error(text, with_limits(1000, 3));
    REQUIRE(e);
    CHECK(e->location() == Location{kSource, 2, 10, ""});
    // A trailing delimiter ends with one more (empty) field.
    auto t = parse_error(header + "\nstu1,a,1,", with_limits(1000, 3));
    REQUIRE(t);
    CHECK(t->location() == Location{kSource, 2, 10, ""});
  }
  SECTION("a quoted field with line breaks keeps a record's fields together") {
    auto e = parse_error(header + "\n\"stu\n1\",a,1,9\n", with_limits(1000, 3));
    REQUIRE(e);
    CHECK(e->location() == Location{kSource, 3, 8, ""});
  }
  SECTION("hmm-scalable") {
    CHECK(parse("1\tstu1\tstep\tadd\n", with_limits(1000, 4)).size() == 1);
    auto e = parse_error("1\tstu1\tstep\tadd\n2\tstu1\tstep\tadd\tmore\n", with_limits(1000, 4));
    REQUIRE(e);
    CHECK(e->location() == Location{kSource, 2, 17, ""});
  }
  SECTION("three-line lists") {
    CHECK(parse("3\n1,2,3\n0,1,1\n", with_limits(1000, 3)).size() == 3);
    CHECK(parse("3\n1,2,3,\n0,1,1,\n", with_limits(1000, 3)).size() == 3);  // trailing comma
    auto e = parse_error("4\n1,2,3,4\n0,1,1,0\n", with_limits(1000, 3));
    REQUIRE(e);
    CHECK(e->location() == Location{kSource, 2, 7, ""});
    auto o = parse_error("3\n1,2,3\n0,1,1,0\n", with_limits(1000, 3));
    REQUIRE(o);
    CHECK(o->location() == Location{kSource, 3, 7, ""});
  }
}

TEST_CASE("response_log: a header or a data row of delimiters stops at a limit", "[response_log]") {
  const std::string commas(10000, ',');
  const std::string header = "user_id,skill_name,correct\n";
  auto by_fields = parse_error(commas + "\n", with_limits(100000, 100));
  REQUIRE(by_fields);
  CHECK(by_fields->location() == Location{kSource, 1, 101, ""});
  auto by_length = parse_error(commas + "\n", with_limits(1000, 100000));
  REQUIRE(by_length);
  CHECK(by_length->location() == Location{kSource, 1, 1001, ""});
  auto row = parse_error(header + commas + "\n", with_limits(100000, 100));
  REQUIRE(row);
  CHECK(row->location() == Location{kSource, 2, 101, ""});
}

TEST_CASE("response_log: a three-line record with long lists and a wrong count splits no list",
          "[response_log]") {
  std::string skills, outcomes;
  for (int i = 0; i < 10000; ++i) {
    skills += "1,";
    outcomes += "0,";
  }
  const std::string text = "5\n" + skills + "\n" + outcomes + "\n";
  auto log = parse(text, with_limits(100000, 100000));
  const ReadReport& r = log.report();
  CHECK(r.rows == 10000);
  CHECK(skipped(r, RowProblem::BadRecord) == 10000);
  CHECK(r.first_message[static_cast<std::size_t>(RowProblem::BadRecord)] ==
        "record 1 announces 5 responses but lists 10000 skills and 10000 outcomes");
  auto e = parse_error(text, with_limits(100000, 100));
  REQUIRE(e);
  CHECK(e->location() == Location{kSource, 2, 201, ""});
}

TEST_CASE("response_log: input of unknown size is read up to max_input_bytes", "[response_log]") {
  // 26 + 1, 8 + 1, 8 + 1 bytes: 45 in all.
  const std::string text = "user_id,skill_name,correct\nstu1,a,1\nstu1,a,0\n";
  ReadOptions o;
  SECTION("exactly the limit") {
    o.max_input_bytes = 45;
    FilledPipe pipe(text);
    auto log = ResponseLog::read_file(pipe.path(), o);
    CHECK(log.size() == 2);
  }
  SECTION("past the limit: the place of the first byte past it") {
    o.max_input_bytes = 40;  // byte 41 is the ',' after the second "stu1" (line 3, column 5)
    FilledPipe pipe(text);
    auto e = read_error(pipe.path(), o);
    REQUIRE(e);
    CHECK(e->code() == ErrorCode::Parse);
    CHECK(e->location() == Location{pipe.path(), 3, 5, ""});
    CHECK_THAT(e->message(), Catch::Matchers::Contains("ReadOptions::max_input_bytes") &&
                                 Catch::Matchers::Contains("40 bytes"));
  }
  SECTION("a regular file is not limited: its size is known") {
    o.max_input_bytes = 10;
    CHECK(ResponseLog::read_file(write_tmp("regular.csv", text), o).size() == 2);
    CHECK(parse(text, o).size() == 2);
  }
  SECTION("a device that never ends stops at the line limit") {
    o.max_line_bytes = 1000;
    auto e = read_error("/dev/zero", o);
    REQUIRE(e);
    CHECK(e->location() == Location{"/dev/zero", 1, 1001, ""});
    CHECK_THAT(e->message(), Catch::Matchers::Contains("max_line_bytes"));
  }
  SECTION("... or at the input limit when its lines are short") {
    o.max_input_bytes = 100000;
    o.format = LogFormat::Delimited;
    std::FILE* yes = ::popen("exec yes 'stu1,a,1' 2>/dev/null", "r");
    REQUIRE(yes);
    const std::string path = "/proc/self/fd/" + std::to_string(::fileno(yes));
    auto e = read_error(path, o);
    ::pclose(yes);
    REQUIRE(e);
    // 100000 bytes are 11111 lines of 9 bytes and one more byte: line 11112, column 2.
    CHECK(e->location() == Location{path, 11112, 2, ""});
  }
}

// ---------------------------------------------------------------------------------------------
// Privacy: what messages show of a cell

TEST_CASE("response_log: a shifted row's learner id in the outcome or order column is not shown",
          "[response_log]") {
  const std::string header = "user_id,skill_name,correct,order_id\n";
  struct Case {
    const char* what;
    std::string row;
    RowProblem problem;
    std::string shown;  // what the message says it got
  };
  const std::vector<Case> cases = {
      {"a learner id in 'correct'", "add,1,stu-SECRET-42,7", RowProblem::BadCorrect,
       "got a cell of 13 bytes (not shown)"},
      {"a numeric learner id in 'correct'", "add,1,64525,7", RowProblem::BadCorrect,
       "got a cell of 5 digits (not shown)"},
      {"a learner id in 'order_id'", "stu1,add,1,SECRET", RowProblem::BadOrder,
       "got a cell of 6 letters (not shown)"},
      {"letters and digits in 'order_id'", "stu1,add,1,SECRET42", RowProblem::BadOrder,
       "got a cell of 8 letters and digits (not shown)"},
      {"a short outcome is shown", "stu1,add,yes,7", RowProblem::BadCorrect, "got 'yes'"},
      {"a short order is shown", "stu1,add,1,ab", RowProblem::BadOrder, "got 'ab'"},
      {"a non-ASCII cell is not shown", "stu1,add,\xC3\xA9,7", RowProblem::BadCorrect,
       "got a cell of 2 bytes (not shown)"},
      {"one control byte", "stu1,add,\x01,7", RowProblem::BadCorrect,
       "got a cell of 1 byte (not shown)"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const std::string text = header + c.row + "\n";
    auto e = parse_error(text, strict_options());
    REQUIRE(e);
    CHECK_THAT(e->message(), Catch::Matchers::EndsWith(c.shown));
    CHECK_THAT(std::string(e->what()),
               !Catch::Matchers::Contains("SECRET") && !Catch::Matchers::Contains("64525"));
    auto log = parse(text);
    CHECK(skipped(log.report(), c.problem) == 1);
    CHECK_THAT(log.report().summary(), Catch::Matchers::Contains(c.shown) &&
                                           !Catch::Matchers::Contains("SECRET") &&
                                           !Catch::Matchers::Contains("64525"));
  }
}

TEST_CASE("response_log: hmm-scalable and three-line messages show no long cell",
          "[response_log]") {
  ReadOptions hmm = strict_options();
  hmm.format = LogFormat::Hmm;
  auto h = parse_error("1\tstu1\tstep\tadd\nstu-SECRET\tadd\tstep\tadd\n", hmm);
  REQUIRE(h);
  CHECK_THAT(h->message(), Catch::Matchers::EndsWith("got a cell of 10 bytes (not shown)"));
  auto t = parse_error("2\n1,2\n0,SECRET\n", strict_options());
  REQUIRE(t);
  CHECK(t->location() == Location{kSource, 3, 3, "correct"});
  CHECK_THAT(t->message(), Catch::Matchers::EndsWith("got a cell of 6 letters (not shown)"));
  auto c = parse(std::string("2\n1,2\n0,1\n") + "x2\n1,2\n0,1\n", ReadOptions{});
  const auto& message = c.report().first_message[static_cast<std::size_t>(RowProblem::BadRecord)];
  CHECK_THAT(message, Catch::Matchers::EndsWith("got 'x2'"));
}
