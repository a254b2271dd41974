#include "pathwise/report.hpp"
#include "pathwise/forecast.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "pathwise.h"
#include "pathwise/engine.hpp"
#include "pathwise/time.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using nlohmann::json;
using namespace pathwise;

namespace {

// Monday 2026-11-02 10:00 UTC.
constexpr std::int64_t kT0 = 1793613600000;
constexpr std::int64_t kDay = 86400000;

Curriculum two_skills() {
  return Curriculum::from_json(R"({
    "format": "pathwise-curriculum", "version": "1.0",
    "skills": [{"id": "A", "name": "Adding"}, {"id": "B", "name": "Bonds"}],
    "items": [{"id": "a1", "skills": ["A"]}, {"id": "a2", "skills": ["A"]},
              {"id": "b1", "skills": ["B"]}]})");
}

// No learning, so that every P(known) below is one Bayes step worked out by hand.
BktModel no_learning() {
  BktModel m;
  m.set_skill("A", {0.5, 0.0, 0.0, 0.2, 0.1});
  m.set_skill("B", {0.5, 0.0, 0.0, 0.2, 0.1});
  return m;
}

const std::string kAlice = "learner-alice@example.org";
const std::string kBob = "bob#42";
const std::string kCarol = "<b>carol</b>";

/// alice: a1 right (P(known) A = 0.45/0.55). bob: a1 wrong a day later (0.05/0.45), b1 right a
/// week after that. carol: a2 wrong 10 times (wheel-spinning on A).
struct Class {
  InMemoryStore* store = nullptr;
  Engine engine;
  Class() : engine(make()) {}
  Engine make() {
    auto s = std::make_unique<InMemoryStore>(true);
    store = s.get();
    EngineOptions o;
    o.check_clock = false;
    return Engine(two_skills(), no_learning(), PolicyConfig{}, std::move(s), o);
  }
  void fill() {
    engine.record({kAlice, "a1", Outcome::Correct, from_millis(kT0)});
    engine.record({kBob, "a1", Outcome::Incorrect, from_millis(kT0 + kDay)});
    engine.record({kBob, "b1", Outcome::Correct, from_millis(kT0 + 8 * kDay)});
    for (int i = 0; i < 10; ++i)
      engine.record({kCarol, "a2", Outcome::Incorrect, from_millis(kT0 + 2 * kDay + i * 1000)});
  }
};

ReportOptions options() {
  ReportOptions o;
  o.ids.key = "teacher key";
  o.ids.names = {{kAlice, "Alice"}, {kCarol, "<i>Carol</i>"}};
  o.now = from_millis(kT0 + 9 * kDay);
  o.stalled_after = 5;
  return o;
}

const json* learner_row(const json& doc, const std::string& label) {
  for (const auto& l : doc.at("learners"))
    if (l.at("label") == label) return &l;
  return nullptr;
}

std::string temp_path(const std::string& name) {
  return std::string(PATHWISE_TEST_TMP) + "/report-test-" + name;
}

}  // namespace

TEST_CASE("report: HMAC-SHA-256 matches the RFC 4231 test vectors", "[report]") {
  CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block is hashed first.
  CHECK(hmac_sha256_hex(std::string(131, '\xaa'),
                        "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("report: html_escape escapes markup, keeps UTF-8 and replaces broken bytes", "[report]") {
  CHECK(html_escape("<script>alert('x') & \"y\"</script>") ==
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  CHECK(html_escape("Zo\xC3\xAB \xE5\xAD\xA6\xE7\x94\x9F") ==
        "Zo\xC3\xAB \xE5\xAD\xA6\xE7\x94\x9F");
  CHECK(html_escape("a\xFF"
                    "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(html_escape("a\xC3") == "a\xEF\xBF\xBD");
  CHECK(html_escape(std::string("a\x01\x1b[31mb\tc\n", 11)) == "a[31mb\tc\n");
}

TEST_CASE("report: the class data holds the hand-worked values of a tiny store", "[report]") {
  Class c;
  c.fill();
  json doc = json::parse(class_report_data(*c.store, two_skills(), no_learning(), options()));
  CHECK(doc.at("format") == "pathwise-class-report");
  CHECK(doc.at("learner_count") == 3);
  const std::string bob = "L-" + hmac_sha256_hex("teacher key", kBob).substr(0, 10);

  const json* alice = learner_row(doc, "Alice");
  REQUIRE(alice);
  CHECK(alice->at("named") == true);
  CHECK_THAT(alice->at("p_known")[0].get<double>(),
             WithinAbs(0.8182, 1e-9));  // 0.45 / 0.55, to 4 decimals
  CHECK_THAT(alice->at("p_known")[1].get<double>(), WithinAbs(0.5, 1e-9));  // the prior
  // Distance from the goals (every skill): (0.95 - 0.8182) + (0.95 - 0.5).
  CHECK_THAT(alice->at("distance").get<double>(), WithinAbs(0.5818, 1e-9));
  CHECK(alice->at("mastered") == 0);
  const json* b = learner_row(doc, bob);
  REQUIRE(b);
  CHECK(b->at("named") == false);
  CHECK_THAT(b->at("p_known")[0].get<double>(), WithinAbs(0.1111, 1e-9));  // 0.05 / 0.45
  CHECK_THAT(b->at("p_known")[1].get<double>(), WithinAbs(0.8182, 1e-9));
  REQUIRE(learner_row(doc, "<i>Carol</i>"));

  // Skill A: alice 0.818 in [.8, 1], bob 0.111 and carol (10 wrong) in [0, .2).
  const json& a = doc.at("skills")[0];
  CHECK(a.at("id") == "A");
  CHECK(a.at("histogram") == json::array({2, 0, 0, 0, 1}));
  CHECK(a.at("wheel_spinning") == 1);

  // Active learners per week (Mondays): alice, bob and carol in the week of 2026-11-02, bob
  // alone in the next.
  const json& weeks = doc.at("progress").at("active_per_week");
  REQUIRE(weeks.size() == 2);
  CHECK(weeks[0] == json({{"week_start", "2026-11-02"}, {"learners", 3}}));
  CHECK(weeks[1] == json({{"week_start", "2026-11-09"}, {"learners", 1}}));
  CHECK(doc.at("progress").at("mastered_per_day").empty());

  // Items: a1 twice (one right), a2 ten times wrong, b1 once right.
  const json& items = doc.at("items");
  REQUIRE(items.size() == 3);
  CHECK(items[0].at("item") == "a1");
  CHECK(items[0].at("attempts") == 2);
  CHECK(items[0].at("success_rate") == 0.5);
  CHECK(items[0].at("guess") == 0.2);
  CHECK(items[1].at("attempts") == 10);
  CHECK(items[1].at("flag").is_null());  // below item_min_attempts on the rest of its skill

  // Carol needs a person: wheel-spinning on A, and 10 answers with no skill mastered (>= 5).
  const json& att = doc.at("attention");
  REQUIRE(att.size() == 1);
  CHECK(att[0].at("label") == "<i>Carol</i>");
  CHECK(att[0].at("why") == json::array({"wheel-spinning", "stalled"}));
  CHECK(att[0].at("responses_since_mastery") == 10);
  // The engine's own recommendation and explanation.
  auto rec = c.engine.recommend(kCarol, from_millis(kT0 + 9 * kDay));
  REQUIRE(rec);
  CHECK(att[0].at("recommendation").at("explanation") == rec->explanation);
  CHECK(att[0].at("recommendation").at("reason") == to_string(rec->reason));
  CHECK(doc.at("forecasts").is_null());  // per learner: in the learner report
}

TEST_CASE("report: no learner id appears in the class data or page", "[report]") {
  Class c;
  c.fill();
  for (bool keyed : {true, false}) {
    ReportOptions o = options();
    if (!keyed) o.ids.key.clear();
    std::string data = class_report_data(*c.store, two_skills(), no_learning(), o);
    std::string page = class_report_html(*c.store, two_skills(), no_learning(), o);
    for (const std::string& id :
         {kAlice, kBob, kCarol, std::string("carol"), std::string("alice")}) {
      CHECK(data.find(id) == std::string::npos);
      CHECK(page.find(id) == std::string::npos);
    }
    // The display name is escaped into the page, never written as markup.
    CHECK_THAT(page, Contains("&lt;i&gt;Carol&lt;/i&gt;"));
    CHECK(page.find("<i>Carol") == std::string::npos);
  }
}

TEST_CASE("report: pseudonyms are stable for a key and differ without one", "[report]") {
  Class c;
  c.fill();
  ReportOptions o = options();
  o.ids.names.clear();
  json a = json::parse(class_report_data(*c.store, two_skills(), no_learning(), o));
  json b = json::parse(class_report_data(*c.store, two_skills(), no_learning(), o));
  CHECK(a.at("learners") == b.at("learners"));
  o.ids.key = "another key";
  json d = json::parse(class_report_data(*c.store, two_skills(), no_learning(), o));
  CHECK(a.at("learners")[0].at("label") != d.at("learners")[0].at("label"));
  o.ids.key.clear();  // a random key for each report
  json r1 = json::parse(class_report_data(*c.store, two_skills(), no_learning(), o));
  json r2 = json::parse(class_report_data(*c.store, two_skills(), no_learning(), o));
  std::set<std::string> l1, l2;
  for (const auto& l : r1.at("learners")) l1.insert(l.at("label").get<std::string>());
  for (const auto& l : r2.at("learners")) l2.insert(l.at("label").get<std::string>());
  CHECK(l1.size() == 3);
  CHECK(l1 != l2);
  for (const auto& s : l1) CHECK(std::regex_match(s, std::regex("L-[0-9a-f]{10}")));
}

TEST_CASE("report: the class page has a row per learner and its values", "[report]") {
  Class c;
  c.fill();
  std::string page = class_report_html(*c.store, two_skills(), no_learning(), options());
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(page, Contains("<table id=\"heatmap\" class=\"sortable\">"));
  CHECK_THAT(page, Contains("<tr><th scope=\"row\">Alice</th><td class=\"n\">0</td><td "
                            "class=\"n\">0.58</td><td class=\"h h8\">0.82</td><td class=\"h h5\">"
                            "0.50</td></tr>"));
  // Nothing refers outside the file.
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find(" src=") == std::string::npos);
  CHECK_THAT(page, Contains("default-src 'none'"));
  CHECK_THAT(page, Contains("id=\"forecasts\""));
  // A large class: compact rows drawn by the script. Alice: 818 = 12 * 64 + 50 ("My"),
  // 500 = 7 * 64 + 52 ("H0").
  ReportOptions o = options();
  o.max_table_cells = 0;
  std::string big = class_report_html(*c.store, two_skills(), no_learning(), o);
  CHECK_THAT(big, Contains("<tr data-p=\"MyH0\"><th scope=\"row\">Alice</th>"));
  CHECK_THAT(big, Contains("<canvas id=\"heatcanvas\""));
  // The data document draws the same page as the direct call.
  CHECK(report_html(class_report_data(*c.store, two_skills(), no_learning(), options())) == page);
}

TEST_CASE("report: the learner report says what is next, why, and what is held", "[report]") {
  Class c;
  c.fill();
  json doc =
      json::parse(learner_report_data(*c.store, two_skills(), no_learning(), kBob, options()));
  CHECK(doc.at("format") == "pathwise-learner-report");
  CHECK(doc.at("label") == "L-" + hmac_sha256_hex("teacher key", kBob).substr(0, 10));
  CHECK_THAT(doc.at("skills")[0].at("p_known").get<double>(), WithinAbs(0.05 / 0.45, 1e-12));
  CHECK(doc.at("skills")[1].at("attempts") == 1);
  auto rec = c.engine.recommend(kBob, from_millis(kT0 + 9 * kDay));
  REQUIRE(rec);
  CHECK(doc.at("next").at("explanation") == rec->explanation);
  CHECK(doc.at("held").at("responses_stored") == 2);
  CHECK(doc.at("held").at("first_response") == to_iso8601(kT0 + kDay));
  CHECK_THAT(doc.at("held").at("in_plain_words").dump(), Contains("2026-11-03 to 2026-11-10"));
  // Forecasts: each goal skill not mastered (Bob has no goals: every skill), from its P(known).
  const json& fc = doc.at("forecasts");
  REQUIRE(fc.size() == 2);
  CHECK(fc[0].at("id") == "A");
  const Forecast want = forecast_mastery(no_learning().skill("A"), 0.05 / 0.45, ProfileRules{});
  CHECK(fc[0].at("expected").get<double>() == want.expected);
  CHECK(fc[0].at("p_within_cap").get<double>() == want.p_within_cap);
  CHECK(fc[0].at("cap") == want.cap);
  CHECK(fc[0].at("low") == (want.low ? json(*want.low) : json(nullptr)));
  std::string page = learner_report_html(*c.store, two_skills(), no_learning(), kBob, options());
  CHECK(page.find(kBob) == std::string::npos);
  CHECK_THAT(page, Contains(html_escape(rec->explanation)));
  CHECK_THAT(page, Contains("<table id=\"forecast-table\">"));
}

TEST_CASE("report: failure paths name the place and never the learner", "[report]") {
  Class c;
  c.fill();
  SECTION("an unknown learner") {
    try {
      (void)learner_report_data(*c.store, two_skills(), no_learning(), "nobody-xyz", options());
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::UnknownLearner);
      CHECK(std::string(e.what()).find("nobody-xyz") == std::string::npos);
    }
  }
  SECTION("a model without a curriculum skill") {
    BktModel m;
    m.set_skill("A", {});
    CHECK_THROWS_MATCHES(class_report_data(*c.store, two_skills(), m, options()), Error,
                         Catch::Matchers::Predicate<Error>(
                             [](const Error& e) { return e.code() == ErrorCode::UnknownSkill; }));
  }
  SECTION("an unwritable output path") {
    try {
      write_report("/nonexistent-dir/report.html", "<html></html>");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::Io);
      CHECK(e.location().source == "/nonexistent-dir/report.html");
    }
  }
  SECTION("data that is not a report") {
    CHECK_THROWS_AS(report_html("{\"format\": \"pathwise-bkt-model\"}"), Error);
    CHECK_THROWS_AS(report_html("{\"format\": \"pathwise-class-report\"}"), Error);
    CHECK_THROWS_AS(report_html("not json"), Error);
  }
}

TEST_CASE(
    "report: the names map is read from CSV or JSON, and bad ones are refused at their "
    "place",
    "[report]") {
  auto write = [](const std::string& name, const std::string& text) {
    std::string p = temp_path(name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
  };
  auto names = Pseudonymizer::read_names(
      write("names.csv", "id,name\nu1,Ada\n\"u,2\",\"Grace \"\"G\"\" H\"\r\nu3 , Zo\xC3\xAB\n"));
  CHECK(names.size() == 3);
  CHECK(names.at("u1") == "Ada");
  CHECK(names.at("u,2") == "Grace \"G\" H");
  CHECK(names.at("u3") == "Zo\xC3\xAB");
  auto js = Pseudonymizer::read_names(write("names.json", "{\"u1\": \"Ada\", \"u2\": \"Grace\"}"));
  CHECK(js.size() == 2);
  CHECK(js.at("u2") == "Grace");

  auto fails = [&](const std::string& text, ErrorCode code, std::size_t line) {
    std::string p = write("bad.csv", text);
    try {
      (void)Pseudonymizer::read_names(p);
      FAIL("no error for: " << text);
    } catch (const Error& e) {
      CHECK(e.code() == code);
      CHECK(e.location().source == p);
      CHECK(e.location().line == line);
      CHECK(std::string(e.what()).find("secret-id") == std::string::npos);
    }
  };
  fails("id,name\nsecret-id,A,B\n", ErrorCode::Parse, 2);
  fails("secret-id,A\nsecret-id,B\n", ErrorCode::Parse, 2);
  fails("u1,A\n,B\n", ErrorCode::Parse, 2);
  fails("u1,\"A\n", ErrorCode::Parse, 1);
  fails("{\"secret-id\": 3}", ErrorCode::Parse, 0);
  fails("{\"secret-id\": ", ErrorCode::Parse, 1);
  CHECK_THROWS_MATCHES(
      Pseudonymizer::read_names(temp_path("missing.csv")), Error,
      Catch::Matchers::Predicate<Error>([](const Error& e) { return e.code() == ErrorCode::Io; }));
}

TEST_CASE("report: the fit data has per-skill figures, curves and calibration", "[report]") {
  const char* text =
      "user_id,skill_name,correct,order_id\n"
      "u1,A,1,1\nu1,A,1,2\nu2,A,0,3\nu2,A,1,4\nu3,A,0,5\n"
      "u1,D,1,6\nu2,D,0,7\nu4,Z,1,8\nu5,A,x,9\n";
  ResponseLog log = ResponseLog::parse(text, {}, "tiny.csv");
  BktModel m;
  m.set_skill("A", {0.5, 0.0, 0.0, 0.2, 0.1});
  m.set_skill("D", {0.5, 0.0, 0.0, 0.6, 0.5});  // guess + slip > 1
  json doc = json::parse(fit_report_data(m, log));
  CHECK(doc.at("format") == "pathwise-fit-report");
  CHECK(doc.at("responses_of_unknown_skills") == 1);  // Z
  REQUIRE(doc.at("skills").size() == 2);
  const json& a = doc.at("skills")[0];
  CHECK(a.at("skill") == "A");
  CHECK(a.at("responses") == 5);
  CHECK(a.at("sequences") == 3);
  CHECK(a.at("flags").empty());
  CHECK(a.at("converged").is_null());
  CHECK_THAT(doc.at("skills")[1].at("flags")[0].get<std::string>(), Contains("degenerate"));
  // Skill A at opportunity 1: u1 right, u2 wrong, u3 wrong; predicted 0.5 * 0.9 + 0.5 * 0.2.
  const json& curves = doc.at("skill_curves");
  const json& p1 = curves[0].at("points")[0];
  CHECK(p1.at("opportunity") == 1);
  CHECK(p1.at("count") == 3);
  CHECK_THAT(p1.at("observed").get<double>(), WithinAbs(1.0 / 3, 1e-12));
  CHECK_THAT(p1.at("predicted").get<double>(), WithinAbs(0.55, 1e-12));
  // Opportunity 2: u1 after a right answer (P(known) 0.45/0.55), u2 after a wrong (0.05/0.45).
  const json& p2 = curves[0].at("points")[1];
  const double k1 = 0.45 / 0.55, k2 = 0.05 / 0.45;
  CHECK_THAT(p2.at("predicted").get<double>(),
             WithinAbs((0.9 * k1 + 0.2 * (1 - k1) + 0.9 * k2 + 0.2 * (1 - k2)) / 2, 1e-12));
  std::size_t n = 0;
  for (const auto& bin : doc.at("calibration")) n += bin.at("count").get<std::size_t>();
  CHECK(n == 7);
  CHECK(doc.at("overall").at("responses") == 7);
  CHECK(doc.at("read").at("skipped").at("bad_correct") == 1);
  std::string page = report_html(doc.dump());
  CHECK_THAT(page, Contains("id=\"params-table\""));
  CHECK_THAT(page, Contains("bad_correct"));
  // A report of a fit run here knows convergence.
  FitResult fr = fit_with_report(log, FitOptions::bkt());
  json fitted = json::parse(fit_report_data(fr.model, log, &fr.report));
  CHECK(fitted.at("skills")[0].at("converged").is_boolean());
  BktModel none;
  none.set_skill("nothing", {});
  CHECK_THROWS_AS(fit_report_data(none, log), Error);
}

TEST_CASE("report: the C API returns the report data and pages", "[report]") {
  std::string db = temp_path("c-api.db");
  std::remove(db.c_str());
  {
    EngineOptions eo;
    eo.check_clock = false;
    Engine e(two_skills(), no_learning(), PolicyConfig{}, open_store("sqlite:" + db), eo);
    e.record({kAlice, "a1", Outcome::Correct, from_millis(kT0)});
  }
  const std::string cur = two_skills().to_json(), model = no_learning().to_json();
  const std::string url = "sqlite:" + db;
  char* out = nullptr;
  char* err = nullptr;
  REQUIRE(pathwise_report_class(cur.c_str(), model.c_str(), url.c_str(),
                                "{\"key\": \"k\", \"names\": {\"learner-alice@example.org\": "
                                "\"Alice\"}, \"now_ms\": 1793700000000}",
                                &out, &err) == PATHWISE_OK);
  json doc = json::parse(out);
  pathwise_free(out);
  CHECK(doc.at("learners")[0].at("label") == "Alice");
  CHECK(doc.at("generated_at") == to_iso8601(1793700000000));
  char* html = nullptr;
  REQUIRE(pathwise_report_html(doc.dump().c_str(), &html, &err) == PATHWISE_OK);
  CHECK_THAT(std::string(html), Contains("<th scope=\"row\">Alice</th>"));
  pathwise_free(html);
  REQUIRE(pathwise_report_learner_n(cur.c_str(), model.c_str(), url.c_str(), kAlice.data(),
                                    kAlice.size(), nullptr, &out, &err) == PATHWISE_OK);
  CHECK(json::parse(out).at("format") == "pathwise-learner-report");
  pathwise_free(out);
  CHECK(pathwise_report_learner_n(cur.c_str(), model.c_str(), url.c_str(), "x", 1, nullptr, &out,
                                  &err) == PATHWISE_UNKNOWN_LEARNER);
  CHECK(out == nullptr);
  pathwise_free(err);
  CHECK(pathwise_report_class(cur.c_str(), model.c_str(), url.c_str(), "{\"colour\": 1}", &out,
                              &err) != PATHWISE_OK);
  CHECK_THAT(std::string(err), Contains("colour"));
  pathwise_free(err);
  CHECK(pathwise_report_html(nullptr, &html, &err) == PATHWISE_INVALID_ARGUMENT);
  pathwise_free(err);
}

TEST_CASE("report: an item answered unlike the rest of its skill is flagged", "[report]") {
  Class c;
  // 25 learners: a1 always right, a2 always wrong; b1 has no other item to compare with.
  for (int l = 0; l < 25; ++l) {
    const std::string id = "learner-" + std::to_string(l);
    c.engine.record({id, "a1", Outcome::Correct, from_millis(kT0 + l * 1000)});
    c.engine.record({id, "a2", Outcome::Incorrect, from_millis(kT0 + l * 1000 + 500)});
    c.engine.record({id, "b1", Outcome::Correct, from_millis(kT0 + l * 1000 + 700)});
  }
  ReportOptions o = options();
  json doc = json::parse(class_report_data(*c.store, two_skills(), no_learning(), o));
  const json& items = doc.at("items");
  CHECK_THAT(items[0].at("flag").get<std::string>(),
             Contains("easier") && Contains("1.00 correct against 0.00"));
  CHECK_THAT(items[1].at("flag").get<std::string>(), Contains("harder"));
  CHECK(items[2].at("flag").is_null());
  // Below the minimum of attempts nothing is flagged.
  o.item_min_attempts = 26;
  json few = json::parse(class_report_data(*c.store, two_skills(), no_learning(), o));
  CHECK(few.at("items")[0].at("flag").is_null());
  // Without reading responses there are no attempts, no activity and no flags.
  o = options();
  o.read_responses = false;
  json none = json::parse(class_report_data(*c.store, two_skills(), no_learning(), o));
  CHECK(none.at("items")[0].at("attempts") == 0);
  CHECK(none.at("progress").at("active_per_week").empty());
  CHECK(none.at("progress").at("from_responses") == false);
}
