// The readers' time column: every accepted form against epoch milliseconds worked out by hand,
// bad and out-of-range times as bad rows, sorting by time, and the times carried by the log.
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "pathwise/json.hpp"
#include "pathwise/response_log.hpp"
#include "pathwise/time.hpp"
#include "test_util.hpp"

using pathwise::EpochUnit;
using pathwise::ErrorCode;
using pathwise::kNoTime;
using pathwise::Outcome;
using pathwise::ReadOptions;
using pathwise::ResponseLog;
using pathwise::RowProblem;

namespace {

// 2006-10-26 09:51:58 UTC: 13,447 days after 1970-01-01 (36 years, 9 of them leap, to
// 2006-01-01 = 13,149 days; then 298 days to Oct 26) * 86,400 s + 9 h 51 min 58 s.
constexpr std::int64_t kCtFirst = 1161856318000;

std::size_t skipped(const ResponseLog& log, RowProblem p) {
  return log.report().skipped[static_cast<std::size_t>(p)];
}

/// The time read from one cell of a one-row log with a `timestamp` column.
std::int64_t time_of(const std::string& cell, EpochUnit unit = EpochUnit::Auto) {
  ReadOptions o;
  o.strict = true;
  o.epoch_unit = unit;
  const ResponseLog log =
      ResponseLog::parse("user_id,skill_name,correct,timestamp\nu,s,1," + cell + "\n", o);
  REQUIRE(log.times().size() == 1);
  return log.times()[0];
}

/// The problem of a one-row log whose time cell is `cell` (lenient), or none.
bool bad_time(const std::string& cell, EpochUnit unit = EpochUnit::Auto) {
  ReadOptions o;
  o.epoch_unit = unit;
  const ResponseLog log =
      ResponseLog::parse("user_id,skill_name,correct,timestamp\nu,s,1," + cell + "\n", o);
  return skipped(log, RowProblem::BadTime) == 1 && log.empty();
}

}  // namespace

TEST_CASE("log time: the days arithmetic behind the expected values holds", "[log_time]") {
  // 13,149 days from 1970 to 2006 (36 * 365 + 9 leap days), 298 more to Oct 26 (0-based day).
  CHECK((36 * 365 + 9 + 298) * 86400LL + 9 * 3600 + 51 * 60 + 58 == kCtFirst / 1000);
}

TEST_CASE("log time: ISO 8601 forms read to epoch milliseconds", "[log_time]") {
  CHECK(time_of("2006-10-26T09:51:58Z") == kCtFirst);
  CHECK(time_of("2006-10-26 09:51:58.0") == kCtFirst);  // DataShop: no zone is UTC
  CHECK(time_of("2006-10-26 09:51:58") == kCtFirst);
  CHECK(time_of("2006-10-26t09:51:58z") == kCtFirst);
  CHECK(time_of("2006-10-26T11:51:58+02:00") == kCtFirst);
  CHECK(time_of("2006-10-26T11:51:58+0200") == kCtFirst);
  CHECK(time_of("2006-10-26T11:51:58+02") == kCtFirst);
  CHECK(time_of("2006-10-26T04:21:58-05:30") == kCtFirst);
  CHECK(time_of("2006-10-26T09:51:58.25Z") == kCtFirst + 250);
  CHECK(time_of("\"2006-10-26T09:51:58,250Z\"") == kCtFirst + 250);  // quoted: a comma
  CHECK(time_of("2006-10-26T09:51:58.123999Z") == kCtFirst + 123);   // rounded down
  CHECK(time_of("2006-10-26T09:51Z") == kCtFirst - 58000);
  CHECK(time_of("2006-10-26") == kCtFirst - (9 * 3600 + 51 * 60 + 58) * 1000LL);
  CHECK(time_of("  2006-10-26T09:51:58Z  ") == kCtFirst);
  CHECK(time_of("1970-01-01T00:00:00Z") == 0);
  CHECK(time_of("1969-12-31T23:59:59.999Z") == -1);
  CHECK(time_of("2000-02-29T00:00:00Z") == 951782400000);  // 11,016 days: a 400-year leap day
  // The ends of the project's time range (TimePoint counts nanoseconds in 64 bits).
  CHECK(time_of("2262-04-11T23:47:16.854Z") == pathwise::kMaxMillis);
  CHECK(time_of("1677-09-21T00:12:43.146Z") == -pathwise::kMaxMillis);
}

TEST_CASE("log time: epoch seconds and milliseconds, by magnitude or by option", "[log_time]") {
  CHECK(time_of("1161856318") == kCtFirst);
  CHECK(time_of("1161856318000") == kCtFirst);
  CHECK(time_of("1161856318.5") == kCtFirst + 500);
  CHECK(time_of("+1161856318") == kCtFirst);
  CHECK(time_of("0") == 0);
  CHECK(time_of("-1.5") == -1500);
  CHECK(time_of("-0.0005") == -1);  // rounded down, also before 1970
  CHECK(time_of("1161856318", EpochUnit::Milliseconds) == 1161856318);
  CHECK(time_of("1161856318000.7", EpochUnit::Milliseconds) == kCtFirst);
  CHECK(time_of("-2.5", EpochUnit::Milliseconds) == -3);
  CHECK(bad_time("1161856318000", EpochUnit::Seconds));  // the year 38787
  CHECK(time_of("99999999999", EpochUnit::Milliseconds) == 99999999999);
  CHECK(time_of("100000000000") == 100000000000);  // 10^11: milliseconds
  // 10^11 - 1 is read as seconds: the year 5138, outside the range.
  CHECK(bad_time("99999999999"));
}

TEST_CASE("log time: malformed and out-of-range times are bad rows", "[log_time]") {
  for (const char* cell :
       {"yesterday", "2006-13-01", "2006-02-29", "2006-10-32", "2006-10-26T24:00",
        "2006-10-26T09:60", "2006-10-26T09:51:60", "2006-10-26T09:51:58+2",
        "2006-10-26T09:51:58+02:", "2006-10-26T09:51:58.Z", "2006-10-26X", "1e9", "12:30", "0x10",
        ".", "-", "2006-1-26"}) {
    INFO(cell);
    CHECK(bad_time(cell));
  }
  CHECK(bad_time("2262-04-11T23:47:16.855Z"));
  CHECK(bad_time("1677-09-21T00:12:43.145Z"));
  CHECK(bad_time("9999-12-31T23:59:59Z"));
  CHECK(bad_time("0000-01-01"));
  CHECK(bad_time("9223372036855", EpochUnit::Milliseconds));
  CHECK(bad_time("99999999999999999999999999"));
  CHECK(bad_time("9223372037", EpochUnit::Seconds));
  CHECK_FALSE(bad_time("9223372036", EpochUnit::Seconds));
}

TEST_CASE("log time: a bad time is counted with its place, strict mode throws there",
          "[log_time]") {
  const std::string text =
      "user_id,skill_name,correct,timestamp\n"
      "u,s,1,2006-10-26T09:51:58Z\n"
      "u,s,0,SECRET-learner-7\n"
      "u,s,1,3000-01-01\n";
  ResponseLog log = ResponseLog::parse(text, {}, "t.csv");
  const auto& r = log.report();
  CHECK(log.size() == 1);
  CHECK(skipped(log, RowProblem::BadTime) == 2);
  CHECK(r.rows == 3);
  CHECK(r.rows == r.rows_kept + r.rows_filtered + r.skipped_total());
  const auto& at = r.first_place[static_cast<std::size_t>(RowProblem::BadTime)];
  CHECK(at.source == "t.csv");
  CHECK(at.line == 3);
  CHECK(at.column == 7);
  CHECK(at.field == "timestamp");
  const std::string& message = r.first_message[static_cast<std::size_t>(RowProblem::BadTime)];
  CHECK_THAT(message, Catch::Matchers::Contains("ISO 8601"));
  CHECK_THAT(message, !Catch::Matchers::Contains("SECRET"));
  CHECK_THAT(r.summary(), Catch::Matchers::Contains("bad_time"));
  CHECK_THAT(r.summary(), !Catch::Matchers::Contains("SECRET"));
  CHECK(std::string(pathwise::to_string(RowProblem::BadTime)) == "bad_time");

  ReadOptions strict;
  strict.strict = true;
  const auto e = test_util::error_from([&] { (void)ResponseLog::parse(text, strict, "t.csv"); });
  CHECK(e.code() == ErrorCode::Parse);
  CHECK(e.location().line == 3);
  CHECK(e.location().column == 7);
  CHECK(e.location().field == "timestamp");
  CHECK_THAT(std::string(e.what()), !Catch::Matchers::Contains("SECRET"));

  // Out of range: its own message, at line 4.
  const std::string late = "user_id,skill_name,correct,timestamp\nu,s,1,3000-01-01\n";
  const auto range = test_util::error_from([&] { (void)ResponseLog::parse(late, strict); });
  CHECK(range.location().line == 2);
  CHECK_THAT(std::string(range.what()), Catch::Matchers::Contains("outside the range"));
}

TEST_CASE("log time: without an order column, responses within a learner sort by time",
          "[log_time]") {
  const std::string text =
      "user_id,skill_name,correct,timestamp\n"
      "a,s,1,2006-10-26T10:00:00Z\n"  // 3rd
      "a,s,0,2006-10-26T08:00:00Z\n"  // 1st
      "b,s,1,1161856318\n"            // b's only
      "a,s,0,2006-10-26T09:00:00Z\n"  // 2nd (tie with the next: input order kept)
      "a,s,1,2006-10-26T10:00:00+01:00\n";
  const ResponseLog log = ResponseLog::parse(text);
  REQUIRE(log.sequence_count() == 2);
  const auto& a = log.sequences()[0];
  REQUIRE(a.size() == 4);
  const std::int64_t h8 = kCtFirst - kCtFirst % 86400000 + 8 * 3600000LL;  // 2006-10-26T08:00Z
  std::vector<std::int64_t> times(log.times().begin() + static_cast<std::ptrdiff_t>(a.begin),
                                  log.times().begin() + static_cast<std::ptrdiff_t>(a.end));
  CHECK(times == std::vector<std::int64_t>{h8, h8 + 3600000, h8 + 3600000, h8 + 7200000});
  std::vector<std::uint8_t> outcomes(log.outcomes().begin() + static_cast<std::ptrdiff_t>(a.begin),
                                     log.outcomes().begin() + static_cast<std::ptrdiff_t>(a.end));
  CHECK(outcomes == std::vector<std::uint8_t>{0, 0, 1, 1});
  CHECK(log.lines()[a.begin] == 3);
  CHECK(log.lines()[a.begin + 1] == 5);
  CHECK(log.lines()[a.begin + 2] == 6);
  CHECK(log.report().columns_used.time == "timestamp");
  CHECK(log.report().first_time == h8);
  CHECK(log.report().last_time == h8 + 7200000);

  SECTION("an order column wins over the times") {
    const ResponseLog ordered = ResponseLog::parse(
        "user_id,skill_name,correct,order_id,timestamp\n"
        "a,s,1,1,2006-10-26T10:00:00Z\n"
        "a,s,0,2,2006-10-26T08:00:00Z\n");
    CHECK(ordered.outcomes() == std::vector<std::uint8_t>{1, 0});
    CHECK(ordered.times() == std::vector<std::int64_t>{h8 + 7200000, h8});
  }
  SECTION("an empty time cell keeps the row, without a time, and the file order") {
    const ResponseLog some = ResponseLog::parse(
        "user_id,skill_name,correct,timestamp\n"
        "a,s,1,2006-10-26T10:00:00Z\n"
        "a,s,0,\n"
        "a,s,0,2006-10-26T08:00:00Z\n");
    CHECK(some.outcomes() == std::vector<std::uint8_t>{1, 0, 0});
    CHECK(some.times() == std::vector<std::int64_t>{h8 + 7200000, kNoTime, h8});
    CHECK(some.report().rows_without_time == 1);
    CHECK(some.report().skipped_total() == 0);
  }
  SECTION("'-' turns the time column off, and a named column is used") {
    ReadOptions off;
    off.columns.time = "-";
    const ResponseLog none = ResponseLog::parse(text, off);
    CHECK(none.times().empty());
    CHECK(none.report().columns_used.time.empty());
    CHECK(none.report().first_time == kNoTime);
    ReadOptions named;
    named.columns.time = "when";
    const ResponseLog custom =
        ResponseLog::parse("user_id,skill_name,correct,when\nu,s,1,1161856318\n", named);
    CHECK(custom.times() == std::vector<std::int64_t>{kCtFirst});
    named.columns.time = "missing";
    CHECK(test_util::error_from([&] { (void)ResponseLog::parse(text, named); }).code() ==
          ErrorCode::Parse);
  }
  SECTION("a default time column named as the order column stays the order alone") {
    ReadOptions o;
    o.columns.order = "timestamp";
    const ResponseLog ordered =
        ResponseLog::parse("user_id,skill_name,correct,timestamp\nu,s,1,20\nu,s,0,10\n", o);
    CHECK(ordered.times().empty());
    CHECK(ordered.outcomes() == std::vector<std::uint8_t>{0, 1});
    CHECK(ordered.report().columns_used.order == "timestamp");
    o.columns.time = "timestamp";  // named for both on purpose: an error, as for other roles
    CHECK(test_util::error_from([&] {
            (void)ResponseLog::parse("user_id,skill_name,correct,timestamp\nu,s,1,20\n", o);
          }).code() == ErrorCode::InvalidArgument);
  }
  SECTION("a log without a time column has no times() (no memory spent)") {
    const ResponseLog plain = ResponseLog::parse("user_id,skill_name,correct\nu,s,1\n");
    CHECK(plain.times().empty());
  }
}

TEST_CASE("log time: select_learners keeps each response's time", "[log_time]") {
  const ResponseLog log = ResponseLog::parse(
      "user_id,skill_name,correct,timestamp\n"
      "a,s,1,10\na,t,0,20\nb,s,1,30\nb,s,0,40\n");
  std::vector<bool> keep(log.learner_count(), false);
  for (std::uint32_t l = 0; l < log.learner_count(); ++l) keep[l] = log.learner_id(l) == "b";
  const ResponseLog b = log.select_learners(keep);
  CHECK(b.outcomes() == std::vector<std::uint8_t>{1, 0});
  CHECK(b.times() == std::vector<std::int64_t>{30000, 40000});
}

TEST_CASE("log time: Builder::add takes an optional time and sorts by it", "[log_time]") {
  ResponseLog::Builder b;
  b.add("a", "s", "i1", Outcome::Correct, std::nullopt, 0, 0, 300);
  b.add("a", "s", "i2", Outcome::Incorrect, std::nullopt, 0, 0, 100);
  b.add("a", "s", "i3", Outcome::Incorrect);  // the old signature still compiles
  ResponseLog log = b.build();
  // One response has no time: the order of calls is kept.
  CHECK(log.times() == std::vector<std::int64_t>{300, 100, kNoTime});
  CHECK(log.outcomes() == std::vector<std::uint8_t>{1, 0, 0});

  ResponseLog::Builder all;
  all.add("a", "s", "", Outcome::Correct, std::nullopt, 0, 0, 300);
  all.add("a", "s", "", Outcome::Incorrect, std::nullopt, 0, 0, 100);
  CHECK(all.build().times() == std::vector<std::int64_t>{100, 300});

  ResponseLog::Builder bad;
  CHECK(test_util::error_from([&] {
          bad.add("a", "s", "", Outcome::Correct, std::nullopt, 0, 0, pathwise::kMaxMillis + 1);
        }).code() == ErrorCode::InvalidArgument);
  ResponseLog::Builder mixed;
  mixed.add("a", "s", "", Outcome::Correct, std::nullopt, 0, 0, 5);
  mixed.add_sequence("b", "s", {1, 0});
  CHECK(test_util::error_from([&] { (void)mixed.build(); }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("log time: read options and reports carry the time settings in JSON", "[log_time]") {
  const auto o = nlohmann::json::parse(
                     R"({"columns": {"time": "when"}, "epoch_unit": "milliseconds",
                         "format": "xapi", "skill_map": "m.csv", "skill_extension": "http://x/s"})")
                     .get<ReadOptions>();
  CHECK(o.columns.time == "when");
  CHECK(o.epoch_unit == EpochUnit::Milliseconds);
  CHECK(o.format == pathwise::LogFormat::Xapi);
  CHECK(o.skill_map == "m.csv");
  CHECK(o.skill_extension == "http://x/s");
  CHECK(test_util::error_from(
            [] { (void)nlohmann::json::parse(R"({"epoch_unit": "minutes"})").get<ReadOptions>(); })
            .location()
            .field == "epoch_unit");
  const ResponseLog log =
      ResponseLog::parse("user_id,skill_name,correct,timestamp\nu,s,1,1161856318\nu,s,1,x\n");
  const nlohmann::json r = log.report();
  CHECK(r.at("first_time") == kCtFirst);
  CHECK(r.at("last_time") == kCtFirst);
  CHECK(r.at("skipped").at("bad_time") == 1);
  CHECK(r.at("columns_used").at("time") == "timestamp");
  CHECK(nlohmann::json(ResponseLog::parse("user_id,skill_name,correct\nu,s,1\n").report())
            .at("first_time")
            .is_null());
}

TEST_CASE("log time: to_iso8601 writes UTC with milliseconds", "[log_time]") {
  CHECK(pathwise::to_iso8601(kCtFirst) == "2006-10-26T09:51:58.000Z");
  CHECK(pathwise::to_iso8601(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(pathwise::to_iso8601(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(pathwise::to_iso8601(INT64_MAX) == "2262-04-11T23:47:16.854Z");
}

TEST_CASE("log time: ct.csv's Step Start Time is read", "[log_time][real_data]") {
  const std::string path = std::string(PATHWISE_SHARED_DATA) + "/ct.csv";
  if (!std::ifstream(path)) {
    WARN("SKIPPED: " << path << " is not there (the shared data folder is absent)");
    return;
  }
  const ResponseLog log = ResponseLog::read_file(path);
  const auto& r = log.report();
  CHECK(r.columns_used.time == "Step Start Time");
  REQUIRE(log.times().size() == log.size());
  CHECK(r.skipped[static_cast<std::size_t>(RowProblem::BadTime)] == 0);
  // The first kept row is data row 3 (line 4): 2006-10-26 09:53:41.0, 103 s after row 1's.
  bool found = false;
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (log.lines()[i] != 4) continue;
    CHECK(log.times()[i] == kCtFirst + 103000);
    found = true;
  }
  CHECK(found);
  // The step start times run from 2006-09-05 10:17:24 (the README) to 2007-05-23.
  CHECK(r.first_time == 1157451444000);
  CHECK(pathwise::to_iso8601(r.last_time).substr(0, 10) == "2007-05-23");
  CHECK(r.rows_without_time == 34);
}
