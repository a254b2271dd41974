#include "cli.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "commands.hpp"
#include "pathwise/bkt.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/policy_sim.hpp"
#include "pathwise/response_log.hpp"
#include "pathwise/simulate.hpp"
#include "pattern.hpp"

using Catch::Matchers::Contains;

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run run(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = pathwise::cli::run(args, out, err, false);
  return {code, out.str(), err.str()};
}

std::string temp_path(const std::string& name) {
  return std::string(PATHWISE_TEST_TMP) + "/cli-test-" + name;
}

std::string write_log(const std::string& name, const std::string& text) {
  std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

const char* kLog =
    "user_id,skill_name,correct,order_id\n"
    "u1,add,0,1\nu1,add,1,2\nu1,add,1,3\nu2,add,0,4\nu2,add,0,5\nu2,add,1,6\n"
    "u3,add,1,7\nu3,add,1,8\nu4,add,0,9\nu4,add,1,10\nu4,add,1,11\nu4,add,1,12\n"
    "u1,sub,0,13\nu1,sub,0,14\nu2,sub,1,15\nu2,sub,1,16\nu3,sub,0,17\nu3,sub,1,18\n"
    "u4,sub,1,19\nu4,sub,0,20\nu5,sub,1,21\nu5,add,0,22\nu5,add,1,23\nu5,sub,1,24\n";

}  // namespace

TEST_CASE("cli: fit writes a model that evaluate and predict read", "[cli]") {
  std::string data = write_log("ok.csv", kLog);
  std::string model = temp_path("model.json");
  Run f = run({"fit", data, "-o", model, "--seed", "3"});
  REQUIRE(f.code == 0);
  CHECK_THAT(f.out, Contains("add") && Contains("sub") && Contains("prior"));
  CHECK_THAT(f.err, Contains("24 rows, 24 kept, 0 skipped"));
  pathwise::BktModel m = pathwise::BktModel::load(model);
  CHECK(m.skill_count() == 2);

  Run e = run({"evaluate", "--model", model, data, "--json"});
  REQUIRE(e.code == 0);
  auto j = nlohmann::json::parse(e.out);
  for (const char* k : {"auc", "rmse", "accuracy", "log_loss", "responses"}) CHECK(j.contains(k));
  CHECK(j.at("responses") == 24);

  Run p = run({"predict", "-m", model, data});
  REQUIRE(p.code == 0);
  std::istringstream lines(p.out);
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  // The default model has the learner layer: BKT's own P(correct) and the ability follow.
  CHECK(header == "row,line,skill,item,correct,p_correct,p_correct_bkt,ability");
  CHECK(first.rfind("1,2,add,,0,", 0) == 0);  // data row 1 is on file line 2
  std::size_t rows = 1;
  for (std::string l; std::getline(lines, l);) ++rows;
  CHECK(rows == 24);
}

TEST_CASE("cli: crossvalidate --json prints the mean figures and the folds", "[cli]") {
  std::string data = write_log("cv.csv", kLog);
  Run r = run({"crossvalidate", "--folds", "2", "--json", "--restarts", "2", data});
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("folds").size() == 2);
  CHECK(j.at("responses") == 24);
  CHECK(j.contains("sd"));
}

TEST_CASE("cli: usage mistakes exit with 2, bad input with 1", "[cli]") {
  CHECK(run({}).code == 2);
  CHECK(run({"frobnicate"}).code == 2);
  CHECK(run({"fit"}).code == 2);
  CHECK(run({"fit", "x.csv", "--restarts", "zero"}).code == 2);
  CHECK(run({"fit", "x.csv", "--bogus"}).code == 2);
  CHECK(run({"fit", "x.csv", "--bound", "guess=0.5:0.1"}).code == 2);
  CHECK(run({"evaluate", "x.csv"}).code == 2);  // no --model
  Run missing = run({"fit", "/nonexistent/log.csv"});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Contains("/nonexistent/log.csv"));
}

TEST_CASE("cli: --strict stops at the first bad row and names its place", "[cli]") {
  std::string data =
      write_log("bad.csv", "user_id,skill_name,correct\nu1,add,1\nsecret-learner,add,2\n");
  Run strict = run({"fit", "--strict", data});
  CHECK(strict.code == 1);
  CHECK_THAT(strict.err, Contains("bad.csv:3:") && Contains("must be 0 or 1"));
  CHECK(strict.err.find("secret-learner") == std::string::npos);
  Run lenient = run({"fit", data, "--restarts", "1"});
  CHECK(lenient.code == 0);
  CHECK_THAT(lenient.err, Contains("skipped 1 rows: bad_correct"));
}

TEST_CASE("cli: predict follows the input order of a three-line file", "[cli]") {
  std::string data = write_log("three.csv", "4\n1,2,1,2\n0,1,1,0\n2\n1,1\n1,1\n");
  std::string model = temp_path("three-model.json");
  REQUIRE(run({"fit", data, "-o", model, "--restarts", "1"}).code == 0);
  Run p = run({"predict", "-m", model, data});
  REQUIRE(p.code == 0);
  std::istringstream lines(p.out);
  std::string l;
  std::getline(lines, l);
  std::vector<std::string> got;
  while (std::getline(lines, l))
    got.push_back(l.substr(0, l.find(',', l.find(',', l.find(',') + 1) + 1)));
  // row, line, skill: skills 1,2,1,2 on line 3, then 1,1 on line 6.
  CHECK(got == std::vector<std::string>{"1,3,1", "2,3,2", "3,3,1", "4,3,2", "5,6,1", "6,6,1"});
}

TEST_CASE("cli: a skill filter matching nothing is a usage error", "[cli]") {
  std::string data = write_log("filter.csv", kLog);
  CHECK(run({"fit", data, "--skills", "ad"}).code == 2);  // whole-name match: "ad" is not "add"
  CHECK(run({"fit", data, "--skills", "a.d", "--restarts", "1"}).code == 0);
  Run exact = run({"fit", data, "--skill", "sub", "--restarts", "1"});
  CHECK(exact.code == 0);
  CHECK(exact.out.find("add") == std::string::npos);
}

TEST_CASE("cli: an option a command does not use is a usage error", "[cli]") {
  std::string data = write_log("opts.csv", kLog);
  CHECK(run({"evaluate", "-m", "x.json", data, "--item-guess-slip"}).code == 2);
  CHECK(run({"predict", "-m", "x.json", data, "--restarts", "3"}).code == 2);
  CHECK(run({"recommend", "--learner", "L", "stray"}).code == 2);
  CHECK(run({"fit", data, "other.csv"}).code == 2);
}

TEST_CASE("cli: every command has --help", "[cli]") {
  for (const char* c : {"fit", "evaluate", "predict", "crossvalidate"}) {
    Run r = run({c, "--help"});
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Contains("usage: pathwise"));
  }
  CHECK(run({"--help"}).code == 0);
}

TEST_CASE("cli: record and recommend work on a profile database", "[cli]") {
  std::string curriculum = write_log("cli-curriculum.json",
                                     R"({"format":"pathwise-curriculum","version":"1.0",
      "skills":[{"id":"add"},{"id":"sub","prerequisites":["add"]}],
      "items":[{"id":"a1","skills":["add"]},{"id":"s1","skills":["sub"]}]})");
  std::string model = write_log("cli-model.json", R"({"format":"pathwise-bkt-model","version":"1.0",
      "skills":{"add":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1},
                "sub":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1}}})");
  std::string db = temp_path("cli-profiles.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  std::vector<std::string> engine = {"--curriculum", curriculum, "-m", model, "--db", db};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), engine.begin(), engine.end());
    return run(args);
  };
  Run rec = with(
      {"record", "--learner", "L1", "--item", "a1", "--outcome", "1", "--time", "1700000000000"});
  REQUIRE(rec.code == 0);
  CHECK_THAT(rec.out, Contains("add 0.685"));  // 0.27 / 0.445, then learning: 0.6854
  Run next = with({"recommend", "--learner", "L1", "--time", "1700000060000", "--json"});
  REQUIRE(next.code == 0);
  auto j = nlohmann::json::parse(next.out);
  CHECK(j.at("skill") == "add");
  // The library's one serialisation of a recommendation, as the C API gives it.
  REQUIRE(j.at("alternatives").is_array());
  CHECK(j.at("reason") == "practice");
  CHECK(j.at("p_correct").is_number());
  CHECK(with({"record", "--learner", "L1", "--item", "zz", "--outcome", "1"}).code == 1);
  CHECK(with({"record", "--learner", "L1", "--item", "a1", "--outcome", "2"}).code == 2);
  CHECK(run({"recommend", "--learner", "L1"}).code == 2);  // no curriculum, model or db

  // Operating the store: profile, goals, class summary, export, migrate, erase.
  Run rec2 = with({"record", "--learner", "L1", "--item", "s1", "--outcome", "0", "--time",
                   "1700000070000", "--json"});
  REQUIRE(rec2.code == 0);
  CHECK(nlohmann::json::parse(rec2.out).at("responses") == 2);
  Run prof = with({"profile", "--learner", "L1", "--json"});
  REQUIRE(prof.code == 0);
  CHECK(nlohmann::json::parse(prof.out).at("responses") == 2);
  CHECK_THAT(with({"profile", "--learner", "L1"}).out, Contains("add\t0.685"));
  // A learner with nothing stored: the fresh profile.
  CHECK(nlohmann::json::parse(with({"profile", "--learner", "nobody", "--json"}).out)
            .at("responses") == 0);
  Run goals = with({"goals", "--learner", "L1", "--set", "sub", "--json"});
  REQUIRE(goals.code == 0);
  CHECK(nlohmann::json::parse(goals.out).at("goals") == nlohmann::json::array({"sub"}));
  CHECK(with({"goals", "--learner", "L1", "--set", "nope"}).code == 1);
  Run cs = with({"class-summary", "--json"});
  REQUIRE(cs.code == 0);
  CHECK(nlohmann::json::parse(cs.out).at("learners") == 1);
  CHECK(nlohmann::json::parse(cs.out).at("skills").at(0).contains("mean_forecast"));
  Run fc = with({"forecast", "--learner", "L1", "--json"});
  REQUIRE(fc.code == 0);
  auto fj = nlohmann::json::parse(fc.out);
  CHECK(fj.at("format") == "pathwise-forecast");
  REQUIRE(fj.at("skills").size() == 1);  // the goal set above
  CHECK(fj.at("skills").at(0).at("skill") == "sub");
  CHECK(fj.at("skills").at(0).at("cap") == 200);
  CHECK_THAT(with({"forecast", "--learner", "L1"}).out, Contains("sub\t"));
  CHECK(with({"forecast", "--learner", "L1", "--cap", "0"}).code == 2);
  Run ex = with({"export", "--learner", "L1"});
  REQUIRE(ex.code == 0);
  CHECK(nlohmann::json::parse(ex.out).at("responses").size() == 2);
  CHECK(with({"export", "--learner", "nobody"}).code == 1);
  // Store to store: every learner and response, verified.
  std::string copy = temp_path("cli-copy.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((copy + suffix).c_str());
  Run mig = run({"migrate-store", "--from", "sqlite:" + db, "--to", "sqlite:" + copy, "--json"});
  REQUIRE(mig.code == 0);
  CHECK(nlohmann::json::parse(mig.out) == nlohmann::json{{"learners", 1}, {"responses", 2}});
  Run copied = run({"export", "--learner", "L1", "--curriculum", curriculum, "-m", model, "--db",
                    "sqlite:" + copy});
  CHECK(copied.out == ex.out);
  CHECK(run({"migrate-store", "--from", db, "--to", db}).code == 2);
  CHECK(run({"profile", "--learner", "L1", "--curriculum", curriculum, "-m", model, "--db",
             "mysql://x/y"})
            .code == 1);
  // Erasure needs only the store.
  Run er = run({"erase", "--db", db, "--learner", "L1", "--json"});
  REQUIRE(er.code == 0);
  CHECK(nlohmann::json::parse(er.out).at("erased") == true);
  CHECK(nlohmann::json::parse(run({"erase", "--db", db, "--learner", "L1", "--json"}).out)
            .at("erased") == false);
  CHECK(with({"export", "--learner", "L1"}).code == 1);
  CHECK(run({"erase", "--db", db, "--learner", "L1", "--curriculum", curriculum}).code == 2);
  for (const char* cmd :
       {"profile", "export", "erase", "goals", "class-summary", "forecast", "migrate-store"}) {
    Run help = run({cmd, "--help"});
    CHECK(help.code == 0);
    CHECK_THAT(help.out, Contains("usage: pathwise"));
  }
}

TEST_CASE("cli: simulate compares policies and writes JSON, CSV and SVG", "[cli]") {
  std::string csv = temp_path("sim.csv"), svg = temp_path("sim.svg");
  Run r = run({"simulate", "--learners", "60", "--fixed-per-skill", "4", "--json", "--csv", csv,
               "--svg", svg});
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  for (const char* p : {"fixed", "random", "mastery", "pathwise", "oracle"}) {
    INFO(p);
    REQUIRE(j.at("policies").contains(p));
    for (const char* k : {"attempts", "false_mastery", "over_practice", "post_test"})
      CHECK(j.at("policies").at(p).contains(k));
  }
  CHECK(j.at("policies").at("oracle").at("false_mastery") == 0.0);
  CHECK(j.at("policies").at("fixed").at("attempts") == 20.0);  // 4 items x 5 skills
  std::ifstream c(csv);
  std::string header;
  std::getline(c, header);
  CHECK(header.rfind("policy,learner,attempts", 0) == 0);
  std::size_t rows = 0;
  for (std::string l; std::getline(c, l);) ++rows;
  CHECK(rows == 5 * 60);
  std::ifstream s(svg);
  std::string text((std::istreambuf_iterator<char>(s)), std::istreambuf_iterator<char>());
  CHECK(text.find("<svg") == 0);
  CHECK(text.find("polyline") != std::string::npos);
  CHECK(run({"simulate", "--policy", "best"}).code == 2);
  CHECK(run({"simulate", "--curriculum", "x.json"}).code == 2);  // needs --model too
}

TEST_CASE("cli: simulate runs on a model alone and sweeps the mastery tutor's threshold", "[cli]") {
  pathwise::BktModel m;
  m.set_skill("s1", pathwise::BktParams{0.3, 0.25, 0.0, 0.2, 0.1});
  m.set_skill("s2", pathwise::BktParams{0.4, 0.3, 0.0, 0.25, 0.1});
  m.set_item("i1", pathwise::ItemParams{"s1", 0.15, 0.1});
  m.set_item("i2", pathwise::ItemParams{"s1", 0.3, 0.05});
  const std::string model = temp_path("sim-model.json");
  m.save(model);
  Run r = run({"simulate", "--model", model, "--policy", "all", "--learners", "50", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  for (const char* p : {"fixed", "random", "mastery", "pathwise", "oracle"}) {
    INFO(p);
    CHECK(j.at("policies").contains(p));
  }
  REQUIRE(j.contains("mastery_sweep"));
  const auto& sweep = j.at("mastery_sweep");
  REQUIRE(sweep.is_array());
  REQUIRE_FALSE(sweep.empty());
  CHECK(sweep.size() <= 10);
  CHECK(sweep.at(0).at("threshold").get<double>() == 0.95);
  for (const auto& s : sweep) {
    CHECK(s.contains("attempts"));
    CHECK(s.contains("false_mastery"));
  }
  if (j.contains("mastery_matched")) {
    // The sweep stops at the threshold that matched.
    CHECK(j.at("mastery_matched").at("threshold") == sweep.back().at("threshold"));
    CHECK(j.at("mastery_matched").at("false_mastery") == sweep.back().at("false_mastery"));
  } else {
    CHECK(sweep.size() == 10);
  }

  SECTION("one policy: no sweep") {
    Run one =
        run({"simulate", "--model", model, "--policy", "pathwise", "--learners", "20", "--json"});
    REQUIRE(one.code == 0);
    auto k = nlohmann::json::parse(one.out);
    CHECK(k.at("policies").contains("pathwise"));
    CHECK_FALSE(k.contains("mastery_sweep"));
    CHECK_FALSE(k.contains("mastery_matched"));
  }
}

TEST_CASE("cli: simulate's update and forgetting switches change only their policy", "[cli]") {
  // The built-in course has two-skill items; no forgetting by default.
  auto attempts = [](std::vector<std::string> extra) {
    std::vector<std::string> args{"simulate", "--policy",          "all", "--learners", "100",
                                  "--json",   "--fixed-per-skill", "3"};
    args.insert(args.end(), extra.begin(), extra.end());
    Run r = run(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    auto j = nlohmann::json::parse(r.out).at("policies");
    return std::pair<double, double>{j.at("mastery").at("attempts").get<double>(),
                                     j.at("pathwise").at("attempts").get<double>()};
  };
  const auto base = attempts({});
  const auto conj = attempts({"--conjunctive-baselines"});
  CHECK(conj.first != base.first);
  CHECK(conj.second == base.second);
  const auto classic = attempts({"--classic-pathwise"});
  CHECK(classic.first == base.first);
  CHECK(classic.second != base.second);
  const auto hidden = attempts({"--hide-forgetting"});
  CHECK(hidden.first == base.first);
  CHECK(hidden.second > base.second);  // its own schedule reviews what is never forgotten
  CHECK(run({"fit", "x.csv", "--hide-forgetting"}).code == 2);  // a simulate option only
}

TEST_CASE("cli: simulate prints completion and pathwise's paired differences", "[cli]") {
  Run r = run({"simulate", "--learners", "60", "--varied-learners", "--json"});
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("policies").at("pathwise").contains("completion"));
  CHECK(j.at("policies").at("pathwise").contains("dropped_out"));
  const auto& paired = j.at("paired_pathwise_minus");
  for (const char* p : {"mastery-matched", "fixed", "random", "mastery", "oracle"}) {
    INFO(p);
    REQUIRE(paired.contains(p));
    CHECK(paired.at(p).at("learners") == 60);
    for (const char* k : {"attempts", "false_mastery", "false_mastery_delayed", "completion"})
      CHECK(paired.at(p).at(k).contains("ci95"));
  }
  // Pathwise minus the oracle, which needs the fewest attempts without dropout.
  Run t = run({"simulate", "--learners", "60"});
  REQUIRE(t.code == 0);
  CHECK_THAT(t.out, Contains("paired differences, pathwise minus"));
  CHECK_THAT(t.out, Contains("completion"));
  CHECK(run({"simulate", "--prior-correlation", "1"}).code == 2);
  CHECK(run({"simulate", "--quit-base", "2"}).code == 2);
  CHECK(run({"simulate", "--learn-sd", "-1"}).code == 2);
}

TEST_CASE("cli: simulate --curriculum without --model is a usage error", "[cli]") {
  const std::string curriculum = write_log("sim-curriculum.json",
                                           R"({"format":"pathwise-curriculum","version":"1.0",
      "skills":[{"id":"add"}], "items":[{"id":"a1","skills":["add"]}]})");
  Run r = run({"simulate", "--curriculum", curriculum});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--curriculum needs --model"));
}

TEST_CASE("cli: fit --item-min-responses needs --item-guess-slip", "[cli]") {
  const std::string data =
      write_log("items.csv",
                "user_id,skill_name,correct,order_id,item_id\n"
                "u1,add,0,1,p1\nu1,add,1,2,p1\nu1,add,1,3,p2\nu2,add,0,4,p1\nu2,add,1,5,p1\n"
                "u2,add,1,6,p2\nu3,add,1,7,p1\nu3,add,0,8,p3\nu3,add,1,9,p2\n");
  Run bare = run({"fit", data, "--item-min-responses", "5"});
  CHECK(bare.code == 2);
  CHECK_THAT(bare.err, Contains("--item-min-responses needs --item-guess-slip"));
  CHECK(run({"fit", data, "--item-guess-slip", "--item-min-responses", "0"}).code == 2);

  // p1 has 5 responses, p2 3, p3 1: only p1 gets guess/slip of its own.
  const std::string model = temp_path("items-model.json");
  Run ok = run({"fit", data, "--item-guess-slip", "--item-min-responses", "5", "--restarts", "1",
                "-o", model});
  INFO(ok.err);
  REQUIRE(ok.code == 0);
  const pathwise::BktModel m = pathwise::BktModel::load(model);
  CHECK(m.find_item("p1") != nullptr);
  CHECK(m.find_item("p2") == nullptr);
  CHECK(m.find_item("p3") == nullptr);
}

// --- the --skills matcher -------------------------------------------------------------------

namespace {

struct PatternCase {
  const char* pattern;
  const char* text;
  bool matches;  // worked out by hand
};

// Ordinary skill filters, each answer worked out by hand for a whole-name match.
const PatternCase kPatternCases[] = {
    {"a.d", "add", true},
    {"a.d", "ad", false},
    {"add|sub", "sub", true},
    {"add|sub", "addsub", false},
    {"(a|b)*", "", true},
    {"(a|b)*", "abba", true},
    {"(a|b)*", "abc", false},
    {"a+b?c{2,3}", "aacc", true},
    {"a+b?c{2,3}", "abccc", true},
    {"a+b?c{2,3}", "abcccc", false},
    {"a+b?c{2,3}", "bcc", false},
    {"[a-c]+", "cab", true},
    {"[a-c]+", "cad", false},
    {"[^a-c]+", "xyz", true},
    {"[^a-c]+", "xaz", false},
    {"\\d+", "2024", true},
    {"\\d+", "20a4", false},
    {"\\w+-\\d{2}", "frac_add-07", true},
    {"\\w+-\\d{2}", "frac add-07", false},
    {"\\s", " ", true},
    {"\\S+", "a b", false},
    {"frac(tions)?", "frac", true},
    {"frac(tions)?", "fractions", true},
    {"frac(tions)?", "fracti", false},
    {"(?:ab)+", "ababab", true},
    {"(?:ab)+", "aba", false},
    {"a{0,2}", "", true},
    {"a{0,2}", "aaa", false},
    {"a{2,}", "aaaaa", true},
    {"a{2,}", "a", false},
    {"a{3}", "aaa", true},
    {"[-a]+", "a-a", true},
    {"[a-]+", "-a", true},
    {"\\.", ".", true},
    {"\\.", "x", false},
    {".", ".", true},
    {"a\\+", "a+", true},
    {"a\\+", "aa", false},
    {"[\\d_]+", "1_2", true},
    {"(a|ab)(c|bcd)", "abcd", true},
    {"(a|ab)(c|bcd)", "abc", true},
    {"(a|ab)(c|bcd)", "abd", false},
    {"a*?b", "aab", true},
    {"^add$", "add", true},
    {"a|^b", "b", true},
    {"a^b", "ab", false},
    {"ab$|c", "c", true},
    {"", "", true},
    {"", "a", false},
    {"x*", "", true},
    {"\\x41\\t", "A\t", true},
    {"KC\\(Default\\)", "KC(Default)", true},
    {"Equation Solving.*", "Equation Solving Two or Fewer Steps", true},
    {"Equation Solving.*", "equation solving", false},
};

}  // namespace

TEST_CASE("cli: --skills patterns match as std::regex does on ordinary patterns",
          "[cli][pattern]") {
  for (const PatternCase& c : kPatternCases) {
    INFO("pattern '" << c.pattern << "', name '" << c.text << "'");
    pathwise::cli::SkillPattern p(c.pattern);
    CHECK(p.matches(c.text) == c.matches);
    CHECK(std::regex_match(std::string(c.text), std::regex(c.pattern)) == c.matches);
  }
}

TEST_CASE("cli: --skills answers the inputs that crashed or hung std::regex", "[cli][pattern]") {
  using pathwise::cli::SkillPattern;
  // 20,000 characters against (a|b)*: std::regex recursed once per character and overflowed
  // the stack.
  std::string ab(20000, 'a');
  for (std::size_t k = 1; k < ab.size(); k += 2) ab[k] = 'b';
  CHECK(SkillPattern("(a|b)*").matches(ab));
  CHECK_FALSE(SkillPattern("(a|b)*").matches(ab + "c"));
  // Nested stars and overlapping alternatives backtrack exponentially; here they are linear.
  const std::string as(100000, 'a');
  CHECK_FALSE(SkillPattern("(a*)*b").matches(as));
  CHECK_FALSE(SkillPattern("(a|aa)*c").matches(as));
  CHECK_FALSE(SkillPattern("(x+x+)+y").matches(std::string(5000, 'x')));
  CHECK(SkillPattern("(a?){30}a{30}").matches(std::string(30, 'a')));
  // Nested counts that expand past the state limit are refused, not run, even for "a".
  CHECK_THROWS_AS(SkillPattern("((a{0,50}){0,50}){0,50}"), pathwise::Error);
  // Back-references are refused (std::regex was undefined on some).
  CHECK_THROWS_AS(SkillPattern("(a)\\1"), pathwise::Error);

  // The same through fit: a log whose skill name is 20,000 characters long.
  std::string log = "user_id,skill_name,correct,order_id\n";
  for (int k = 0; k < 6; ++k)
    log += "u" + std::to_string(k % 3) + "," + ab + "," + std::to_string(k % 2) + "," +
           std::to_string(k + 1) + "\n";
  log += "u1,add,1,7\nu2,add,0,8\n";
  const std::string data = write_log("long-skill.csv", log);
  Run r = run({"fit", data, "--skills", "(a|b)*", "--restarts", "1", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("skills").size() == 1);
  CHECK(j.at("skills").contains(ab));
  Run backref = run({"fit", data, "--skills", "(a)\\1"});
  CHECK(backref.code == 2);
  CHECK_THAT(backref.err, Contains("position 4") && Contains("back-references"));
}

TEST_CASE("cli: a bad --skills pattern is a usage error naming its position", "[cli][pattern]") {
  using pathwise::cli::SkillPattern;
  struct Bad {
    const char* pattern;
    const char* where;  // "position N"
    const char* what;
  };
  const Bad bad[] = {
      {"x(", "position 2", "missing ')'"},
      {"ab)", "position 3", "')' without a group"},
      {"(a)\\1", "position 4", "back-references"},
      {"(a)\\k<n>", "position 4", "back-references"},
      {"(?=a)a", "position 1", "look-ahead"},
      {"(?!a)b", "position 1", "look-ahead"},
      {"x(?<=a)b", "position 2", "look-behind"},
      {"(?<n>a)", "position 1", "named groups"},
      {"(?i)a", "position 1", "unknown group"},
      {"*a", "position 1", "nothing to repeat"},
      {"a|+", "position 3", "nothing to repeat"},
      {"a**", "position 3", "nothing to repeat"},
      {"^*", "position 2", "cannot be repeated"},
      {"[ab", "position 1", "missing ']'"},
      {"[]", "position 1", "empty class"},
      {"a[z-a]", "position 3", "range"},
      {"[\\d-z]", "position 2", "range"},
      {"[[:alpha:]]", "position 2", "POSIX"},
      {"a{3,1}", "position 2", "m <= n"},
      {"a{1001}", "position 2", "above 1000"},
      {"a{", "position 2", "{m,n}"},
      {"a{x}", "position 2", "{m,n}"},
      {"a\\", "position 2", "at the end"},
      {"\\q", "position 1", "unknown escape"},
      {"\\bword", "position 1", "word boundaries"},
      {"\\u0041", "position 1", "not supported"},
      {"\\x4g", "position 1", "hexadecimal"},
      {"\\01", "position 1", "octal"},
      {"(a{100}){200}", "position 9", "too large"},
  };
  for (const Bad& b : bad) {
    INFO("pattern '" << b.pattern << "'");
    try {
      SkillPattern p(b.pattern);
      FAIL("accepted");
    } catch (const pathwise::Error& e) {
      CHECK(e.code() == pathwise::ErrorCode::InvalidArgument);
      CHECK_THAT(e.message(), Contains(b.where) && Contains(b.what));
    }
  }
  // Groups nested deeper than the limit, and a pattern over the length limit.
  std::string deep = std::string(101, '(') + "a" + std::string(101, ')');
  CHECK_THROWS_WITH(SkillPattern(deep), Contains("position 101") && Contains("nested deeper"));
  CHECK_NOTHROW(SkillPattern(std::string(100, '(') + "a" + std::string(100, ')')));
  CHECK_THROWS_WITH(SkillPattern(std::string(1001, 'a')), Contains("longer than 1000 bytes"));
  CHECK_NOTHROW(SkillPattern(std::string(1000, 'a')));

  // Through the tool: exit code 2, the pattern shown back (it is the user's own text).
  const std::string data = write_log("bad-pattern.csv", kLog);
  Run r = run({"fit", data, "--skills", "(?=add)a.."});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--skills: invalid regular expression '(?=add)a..' at position 1") &&
                        Contains("look-ahead"));
  // A long pattern is not echoed whole.
  Run lng = run({"fit", data, "--skills", std::string(70, 'a') + "("});
  CHECK(lng.code == 2);
  CHECK_THAT(lng.err, Contains("position 71"));
  CHECK(lng.err.find(std::string(70, 'a')) == std::string::npos);
}

// --- the option tables ----------------------------------------------------------------------

namespace {

const std::vector<const pathwise::cli::Command*> kCommands = {
    &pathwise::cli::kFitCommand,          &pathwise::cli::kEvaluateCommand,
    &pathwise::cli::kPredictCommand,      &pathwise::cli::kCrossvalidateCommand,
    &pathwise::cli::kRecordCommand,       &pathwise::cli::kRecommendCommand,
    &pathwise::cli::kProfileCommand,      &pathwise::cli::kExportCommand,
    &pathwise::cli::kEraseCommand,        &pathwise::cli::kGoalsCommand,
    &pathwise::cli::kClassSummaryCommand, &pathwise::cli::kMigrateStoreCommand,
    &pathwise::cli::kSimulateCommand,     &pathwise::cli::kReportCommand};

}  // namespace

TEST_CASE("cli: every command's --help lists each option of its table with its meaning", "[cli]") {
  std::map<std::string, const pathwise::cli::Option*> seen;
  for (const auto* c : kCommands) {
    INFO("command " << c->name);
    Run r = run({c->name, "--help"});
    CHECK(r.code == 0);
    CHECK(r.out.rfind(std::string("usage: pathwise ") + c->name, 0) == 0);
    for (const auto* g : c->groups) {
      for (const auto& o : g->options) {
        INFO("option " << o.name);
        std::string head = std::string(o.alias ? std::string(o.alias) + ", " : "") + o.name +
                           (o.value ? std::string(" ") + o.value : "");
        CHECK_THAT(r.out, Contains("  " + head + " "));
        // The meaning's first words follow on the same line.
        std::string help = o.help;
        std::string first = help.substr(0, help.find(' '));
        auto at = r.out.find("  " + head + " ");
        CHECK(r.out.find(first, at) < r.out.find('\n', at));
        // One name means one thing to the parser: the same value/flag kind and alias everywhere.
        auto [it, inserted] = seen.emplace(o.name, &o);
        if (!inserted) {
          CHECK((it->second->value == nullptr) == (o.value == nullptr));
          CHECK((it->second->alias ? std::string(it->second->alias) : "") ==
                (o.alias ? std::string(o.alias) : ""));
        }
      }
    }
    // Every help line fits in 100 columns (counted in bytes; the help is ASCII).
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);) CHECK(l.size() <= 100);
  }
  Run main = run({"--help"});
  for (const auto* c : kCommands) CHECK_THAT(main.out, Contains(std::string("  ") + c->name));
}

TEST_CASE("cli: options are parsed from the table: values, '=', aliases, flags", "[cli]") {
  using pathwise::cli::Args;
  std::vector<const pathwise::cli::Command*> all(kCommands.begin(), kCommands.end());
  Args a({"fit", "--restarts=3", "-o", "m.json", "--skill", "x", "--skill", "y", "--json", "d.csv"},
         &pathwise::cli::kFitCommand, all);
  CHECK(a.value("--restarts") == "3");
  CHECK(a.value("--output") == "m.json");
  CHECK(a.all("--skill") == std::vector<std::string>{"x", "y"});
  CHECK(a.flag("--json"));
  CHECK_FALSE(a.flag("--forgetting"));
  CHECK(a.positional() == std::vector<std::string>{"d.csv"});
  CHECK_FALSE(a.help());
  // Reading an option the command's table lacks is a bug in the tool, not a user mistake.
  CHECK_THROWS_AS(a.value("--learners"), std::logic_error);
  CHECK_THROWS_AS(a.flag("--restarts"), std::logic_error);
  CHECK_THROWS_AS(a.value("-o"), std::logic_error);
  // An option of another command does not apply; an unknown one is unknown.
  CHECK_THROWS_WITH(Args({"fit", "--learners", "3"}, &pathwise::cli::kFitCommand, all),
                    "option --learners does not apply to 'fit'");
  CHECK_THROWS_WITH(Args({"fit", "--nope"}, &pathwise::cli::kFitCommand, all),
                    "unknown option --nope");
  CHECK_THROWS_WITH(Args({"fit", "--json=1"}, &pathwise::cli::kFitCommand, all),
                    "option --json takes no value");
  CHECK_THROWS_WITH(Args({"fit", "--tol"}, &pathwise::cli::kFitCommand, all),
                    "option --tol needs a value");
  CHECK_THROWS_WITH(Args({"evaluate", "-o", "x"}, &pathwise::cli::kEvaluateCommand, all),
                    "option --output does not apply to 'evaluate'");
  CHECK(run({"fit", "--help", "--bogus"}).code == 2);
}

TEST_CASE("cli: simulate on a model leaves out its degenerate skills and says so", "[cli]") {
  pathwise::BktModel m;
  m.set_skill("s1", pathwise::BktParams{0.3, 0.25, 0.0, 0.2, 0.1});
  m.set_skill("stuck", pathwise::BktParams{0.3, 0.25, 0.0, 0.6, 0.45});
  const std::string model = temp_path("sim-degenerate.json");
  m.save(model);
  Run r = run({"simulate", "--model", model, "--policy", "pathwise", "--learners", "20"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.err, Contains("left out 1 of 2 skills whose guess + slip >= 1"));
  pathwise::BktModel none;
  none.set_skill("stuck", pathwise::BktParams{0.3, 0.25, 0.0, 0.6, 0.45});
  const std::string none_path = temp_path("sim-degenerate-all.json");
  none.save(none_path);
  Run bad = run({"simulate", "--model", none_path, "--learners", "20"});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Contains("no skill with guess + slip < 1"));
}

TEST_CASE("cli: simulate's figures are the library's, called as docs/policy-evaluation.md shows",
          "[cli]") {
  using namespace pathwise;
  Run r = run({"simulate", "--learners", "80", "--seed", "4", "--json"});
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);

  const SyntheticCourse course = synthetic_course();
  PolicySimulationOptions o;
  o.learners = 80;
  o.population.seed = 4;
  const PolicyResult sequencer =
      simulate_policies(course.curriculum, course.model, {SimPolicy::Pathwise}, o)[0];
  const double target = sequencer.false_mastery.mean;
  const MatchedSweep fixed = match_fixed_order(course.curriculum, course.model, o, target, 60);
  o.fixed_per_skill = fixed.matched ? static_cast<std::size_t>(fixed.points.back().setting) : 60;
  const MatchedSweep tutor = match_mastery_tutor(course.curriculum, course.model, o, target);
  const auto rest = simulate_policies(
      course.curriculum, course.model,
      {SimPolicy::Fixed, SimPolicy::Random, SimPolicy::Mastery, SimPolicy::Oracle}, o);

  CHECK(j.at("fixed_per_skill") == o.fixed_per_skill);
  REQUIRE(j.at("fixed_sweep").size() == fixed.points.size());
  for (std::size_t k = 0; k < fixed.points.size(); ++k) {
    CHECK(j.at("fixed_sweep")[k].at("n") == k + 1);
    CHECK(j.at("fixed_sweep")[k].at("false_mastery") == fixed.points[k].false_mastery.mean);
  }
  REQUIRE(j.at("mastery_sweep").size() == tutor.points.size());
  for (std::size_t k = 0; k < tutor.points.size(); ++k) {
    CHECK(j.at("mastery_sweep")[k].at("threshold") == tutor.points[k].setting);
    CHECK(j.at("mastery_sweep")[k].at("attempts") == tutor.points[k].attempts.mean);
  }
  CHECK(j.contains("mastery_matched") == tutor.matched);
  CHECK(j.at("policies").at("pathwise").at("attempts") == sequencer.attempts.mean);
  for (const PolicyResult& p : rest) {
    INFO(to_string(p.policy));
    CHECK(j.at("policies").at(to_string(p.policy)).at("attempts") == p.attempts.mean);
    CHECK(j.at("policies").at(to_string(p.policy)).at("false_mastery") == p.false_mastery.mean);
  }
}

TEST_CASE("cli: the readers' limits can be raised or lowered from the command line", "[cli]") {
  const std::string path = std::string(PATHWISE_TEST_TMP) + "/limits.csv";
  {
    std::ofstream f(path);
    f << "user_id,skill_name,correct\n";
    for (int i = 0; i < 30; ++i) f << "u" << (i % 3) << ",add," << (i % 2) << "\n";
  }
  CHECK(run({"fit", path, "--quiet"}).code == 0);
  Run narrow = run({"fit", path, "--max-line-bytes", "10"});
  CHECK(narrow.code == 1);
  CHECK_THAT(narrow.err, Contains("max_line_bytes"));
  CHECK_THAT(narrow.err, Contains(":1:11"));
  Run few = run({"fit", path, "--max-fields", "2"});
  CHECK(few.code == 1);
  CHECK_THAT(few.err, Contains("max_fields_per_line"));
  CHECK(run({"fit", path, "--max-line-bytes", "0"}).code == 2);
  CHECK(run({"fit", path, "--max-input-bytes", "x"}).code == 2);
}

TEST_CASE("cli: --bound and --fix name the parameter they refuse", "[cli]") {
  Run fix = run({"fit", "x.csv", "--fix", "lean=0.2"});
  CHECK(fix.code == 2);
  CHECK_THAT(fix.err, Contains("unknown parameter 'lean' to fix"));
  Run bound = run({"fit", "x.csv", "--bound", "lean=0:0.2"});
  CHECK(bound.code == 2);
  CHECK_THAT(bound.err, Contains("--bound: unknown parameter 'lean'"));
  Run range = run({"crossvalidate", "x.csv", "--bound", "slip=0.5:0.1"});
  CHECK(range.code == 2);
  CHECK_THAT(range.err, Contains("field 'bounds.slip'"));
  Run value = run({"fit", "x.csv", "--fix", "forget=1.5"});
  CHECK(value.code == 2);
  CHECK_THAT(value.err, Contains("field 'fixed.forget'"));
}

TEST_CASE("cli: --preset, --prior and --max-guess-plus-slip set the fit", "[cli][map]") {
  std::string data = write_log("preset.csv", kLog);
  const pathwise::ResponseLog log = pathwise::ResponseLog::read_file(data);
  auto cli_model = [&](std::vector<std::string> extra) {
    std::string model = temp_path("preset-model.json");
    std::vector<std::string> args = {"fit", data, "-o", model, "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    Run r = run(args);
    REQUIRE(r.code == 0);
    return pathwise::BktModel::load(model);
  };
  CHECK(cli_model({}) == pathwise::fit(log, pathwise::FitOptions{}));
  CHECK(cli_model({"--preset", "bkt"}) == pathwise::fit(log, pathwise::FitOptions::bkt()));
  CHECK(cli_model({"--preset", "pybkt"}) == pathwise::fit(log, pathwise::FitOptions::pybkt()));
  pathwise::FitOptions o = pathwise::FitOptions::pybkt();
  o.priors.guess = {2.0, 5.0};
  o.priors.slip = {1.5, 3.0};
  o.max_guess_plus_slip = 0.5;
  CHECK(cli_model({"--prior", "guess=2,5", "--preset", "pybkt", "--prior", "slip=1.5,3",
                   "--max-guess-plus-slip", "0.5"}) == pathwise::fit(log, o));
  o = pathwise::FitOptions{};
  o.max_guess_plus_slip.reset();
  CHECK(cli_model({"--max-guess-plus-slip", "none"}) == pathwise::fit(log, o));

  Run bad = run({"fit", data, "--preset", "pyBKT"});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Contains("--preset must be bkt or pybkt"));
  Run form = run({"fit", data, "--prior", "guess=2"});
  CHECK(form.code == 2);
  CHECK_THAT(form.err, Contains("--prior takes P=A,B"));
  Run name = run({"fit", data, "--prior", "gues=2,2"});
  CHECK(name.code == 2);
  CHECK_THAT(name.err, Contains("--prior: unknown parameter 'gues'"));
  Run range = run({"fit", data, "--prior", "slip=0.5,2"});
  CHECK(range.code == 2);
  CHECK_THAT(range.err, Contains("field 'priors.slip'"));
  Run rate = run({"fit", data, "--prior", "forget_per_day=0.5,2"});
  CHECK(rate.code == 2);
  CHECK_THAT(rate.err, Contains("field 'priors.forget_per_day'"));
  Run cap = run({"crossvalidate", data, "--max-guess-plus-slip", "2.5"});
  CHECK(cap.code == 2);
  CHECK_THAT(cap.err, Contains("field 'max_guess_plus_slip'"));
  Run fixed = run({"fit", data, "--fix", "guess=0.6", "--fix", "slip=0.5"});
  CHECK(fixed.code == 2);
  CHECK_THAT(fixed.err, Contains("max_guess_plus_slip"));
  CHECK(
      run({"fit", data, "--quiet", "--preset", "pybkt", "--fix", "guess=0.6", "--fix", "slip=0.5"})
          .code == 0);
}

TEST_CASE("cli: --learner-layer fits the layer, and predict writes its columns", "[cli][learner]") {
  std::string data = write_log("layer.csv", kLog);
  std::string model = temp_path("layer-model.json");
  Run f = run({"fit", data, "--learner-layer", "-o", model, "--quiet"});
  REQUIRE(f.code == 0);
  CHECK_THAT(f.err, Contains("learner layer fitted on 24 responses"));
  pathwise::FitOptions o;
  o.learner.enabled = true;
  const pathwise::BktModel m = pathwise::BktModel::load(model);
  REQUIRE(m.learner());
  CHECK(m == pathwise::fit(pathwise::ResponseLog::read_file(data), o));
  Run p = run({"predict", "--model", model, data, "--quiet"});
  REQUIRE(p.code == 0);
  CHECK_THAT(p.out, Contains("row,line,skill,item,correct,p_correct,p_correct_bkt,ability\n"));
  std::string bkt_model = temp_path("layer-bkt.json");
  REQUIRE(run({"fit", data, "--preset", "bkt", "-o", bkt_model, "--quiet"}).code == 0);
  Run plain = run({"predict", "--model", bkt_model, data, "--quiet"});
  REQUIRE(plain.code == 0);
  CHECK_THAT(plain.out, Contains("row,line,skill,item,correct,p_correct\n"));
  CHECK_THAT(plain.out, !Contains("ability"));
  Run terms = run({"fit", data, "--learner-terms", "ability,recent"});
  CHECK(terms.code == 2);
  CHECK_THAT(terms.err, Contains("--learner-terms: expected ability, recency or practice"));
  const pathwise::BktModel only = [&] {
    std::string m = temp_path("layer-terms.json");
    REQUIRE(run({"fit", data, "--learner-terms", "recency", "-o", m, "--quiet"}).code == 0);
    return pathwise::BktModel::load(m);
  }();
  REQUIRE(only.learner());
  CHECK(only.learner()->weights[static_cast<std::size_t>(pathwise::LearnerTerm::Ability)] == 0.0);
  Run json = run({"fit", data, "--learner-layer", "--json", "--quiet"});
  REQUIRE(json.code == 0);
  const auto j = nlohmann::json::parse(json.out);
  CHECK(j.at("learner").at("fitted") == true);
  CHECK(j.at("learner").at("responses") == 24);
}

TEST_CASE("cli: --conjunctive fits and evaluates multi-skill rows jointly", "[cli][conjunctive]") {
  std::string text = "user_id,skill_name,correct,order_id\n";
  int order = 0;
  for (int l = 0; l < 8; ++l)
    for (int t = 0; t < 6; ++t)
      text += "u" + std::to_string(l) + "," + (t % 2 ? "add~~sub" : "add") + "," +
              std::to_string((l + t) % 3 ? 1 : 0) + "," + std::to_string(++order) + "\n";
  std::string data = write_log("conj.csv", text);
  std::string model = temp_path("conj-model.json");
  REQUIRE(run({"fit", data, "--preset", "bkt", "--conjunctive", "-o", model, "--quiet"}).code == 0);
  pathwise::FitOptions o = pathwise::FitOptions::bkt();
  o.conjunctive = true;
  const pathwise::ResponseLog log = pathwise::ResponseLog::read_file(data);
  CHECK(pathwise::BktModel::load(model) == pathwise::fit(log, o));
  CHECK_FALSE(pathwise::BktModel::load(model) == pathwise::fit(log, pathwise::FitOptions::bkt()));
  Run e = run({"evaluate", "--model", model, data, "--conjunctive", "--json", "--quiet"});
  REQUIRE(e.code == 0);
  pathwise::EvaluateOptions eo;
  eo.conjunctive = true;
  const auto j = nlohmann::json::parse(e.out);
  CHECK(j.at("log_loss").get<double>() ==
        pathwise::evaluate(pathwise::BktModel::load(model), log, eo).log_loss);
  Run refused = run({"fit", data, "--conjunctive", "--item-guess-slip"});
  CHECK(refused.code == 2);
  CHECK_THAT(refused.err, Contains("conjunctive"));
}

TEST_CASE("cli: inspect prints the time range read, and --time-column names the column", "[cli]") {
  const std::string data = write_log("times.csv",
                                     "user_id,skill_name,correct,when,timestamp\n"
                                     "SECRET-1,s,1,1161856318,x\n"
                                     "SECRET-1,s,0,2006-10-26T10:51:58+01:00,x\n"
                                     "SECRET-2,s,1,2006-10-27 09:51:58.0,x\n");
  Run r = run({"inspect", data, "--time-column", "when"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("responses 3") && Contains("learners 2"));
  CHECK_THAT(r.out, Contains("times 2006-10-26T09:51:58.000Z to 2006-10-27T09:51:58.000Z"));
  CHECK_THAT(r.err, Contains("(column 'when')"));
  CHECK_THAT(r.out + r.err, !Contains("SECRET"));

  // The default column holds no time: every row is a bad_time, and --strict names the place.
  Run bad = run({"inspect", data});
  CHECK(bad.code == 1);  // no usable responses
  CHECK_THAT(bad.err, Contains("bad_time"));
  Run strict = run({"inspect", data, "--strict"});
  CHECK(strict.code == 1);
  CHECK_THAT(strict.err, Contains("times.csv:2:") && Contains("timestamp"));
  CHECK_THAT(bad.err + strict.err, !Contains("SECRET"));

  Run none = run({"inspect", data, "--time-column", "-", "--json"});
  REQUIRE(none.code == 0);
  const auto j = nlohmann::json::parse(none.out);
  CHECK(j.at("times") == false);
  CHECK(j.at("first_time").is_null());

  Run ms =
      run({"inspect", data, "--time-column", "when", "--epoch-unit", "milliseconds", "--json"});
  REQUIRE(ms.code == 0);
  CHECK(nlohmann::json::parse(ms.out).at("first_time") == 1161856318);
  CHECK(run({"inspect", data, "--epoch-unit", "weeks"}).code == 2);
}

TEST_CASE("cli: xAPI statements read with --skill-map or --skill-extension", "[cli]") {
  const std::string stmt1 =
      R"({"actor": {"mbox": "mailto:SECRET@example.org"}, "object": {"id": "http://x/q1",)"
      R"( "definition": {"extensions": {"http://x/skill": "add"}}}, "result": {"success": true},)"
      R"( "timestamp": "2006-10-26T09:51:58Z"})";
  const std::string stmt2 =
      R"({"actor": {"mbox": "mailto:SECRET@example.org"}, "object": {"id": "http://x/q2",)"
      R"( "definition": {"extensions": {"http://x/skill": "add"}}}, "result": {"success": false},)"
      R"( "timestamp": "2006-10-26T09:41:58Z"})";
  const std::string launched =
      R"({"actor": {"mbox": "mailto:SECRET@example.org"}, "object": {"id": "http://x/q1"},)"
      R"( "timestamp": "2006-10-26T09:41:58Z"})";
  const std::string data =
      write_log("lrs.jsonl", stmt1 + "\n" + stmt2 + "\n" + launched + "\n{broken\n");
  Run r = run({"inspect", data, "--skill-extension", "http://x/skill"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("format xapi") && Contains("responses 2") && Contains("skills 1"));
  CHECK_THAT(r.out, Contains("times 2006-10-26T09:41:58.000Z to 2006-10-26T09:51:58.000Z"));
  CHECK_THAT(r.err, Contains("1 statements without result.success") && Contains("bad_statement") &&
                        Contains("lrs.jsonl:4:"));
  CHECK_THAT(r.out + r.err, !Contains("SECRET"));

  const std::string map =
      write_log("map.csv", "item,skill\nhttp://x/q1,sub~~add\nhttp://x/q2,sub\n");
  Run m = run({"inspect", data, "--format", "xapi", "--skill-map", map, "--json"});
  REQUIRE(m.code == 0);
  const auto j = nlohmann::json::parse(m.out);
  CHECK(j.at("responses") == 3);
  CHECK(j.at("skills") == 2);
  CHECK(j.at("multi_skill_rows") == 1);

  // fit reads the same options.
  Run f = run({"fit", data, "--skill-map", map, "-o", temp_path("xapi-model.json")});
  CHECK(f.code == 0);
  // No skill source: bad input that says which option to give.
  Run none = run({"inspect", data});
  CHECK(none.code == 1);
  CHECK_THAT(none.err, Contains("--skill-map") && Contains("--skill-extension"));
  CHECK(run({"inspect", data, "--skill-map", ""}).code == 2);
}

TEST_CASE("cli: report writes the class, learner and fit pages and nothing else", "[cli]") {
  std::string curriculum = write_log("rep-curriculum.json",
                                     R"({"format":"pathwise-curriculum","version":"1.0",
      "skills":[{"id":"add"},{"id":"sub","prerequisites":["add"]}],
      "items":[{"id":"a1","skills":["add"]},{"id":"s1","skills":["sub"]}]})");
  std::string model = write_log("rep-model.json", R"({"format":"pathwise-bkt-model","version":"1.0",
      "skills":{"add":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1},
                "sub":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1}}})");
  std::string db = temp_path("rep-profiles.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  std::vector<std::string> engine = {"--curriculum", curriculum, "-m", model, "--db", db};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), engine.begin(), engine.end());
    return run(args);
  };
  REQUIRE(with({"record", "--learner", "secret-L1", "--item", "a1", "--outcome", "1", "--time",
                "1700000000000"})
              .code == 0);
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  std::string names = write_log("rep-names.csv", "id,name\nsecret-L1,Lee\n");
  std::string page = temp_path("rep-class.html");
  Run c = with({"report", "class", "--names", names, "-o", page});
  REQUIRE(c.code == 0);
  std::string html = slurp(page);
  // 0.3 * 0.9 / (0.27 + 0.7 * 0.25) = 0.6067, then learning: 0.6854; distance from the goals
  // (0.95 - 0.6854) + (0.95 - 0.3) = 0.9146.
  CHECK_THAT(html, Contains("<tr><th scope=\"row\">Lee</th><td class=\"n\">0</td><td "
                            "class=\"n\">0.91</td><td class=\"h h6\">0.69</td>"));
  CHECK(html.find("secret-L1") == std::string::npos);
  std::string key = write_log("rep-key.txt", "k1\n");
  Run j = with({"report", "class", "--key-file", key, "--json", "-o", page});
  REQUIRE(j.code == 0);
  auto doc = nlohmann::json::parse(slurp(page));
  CHECK(doc.at("learners")[0].at("label").get<std::string>().size() == 12);  // L- and 10 digits
  Run l = with({"report", "learner", "--learner", "secret-L1", "-o", page});
  REQUIRE(l.code == 0);
  CHECK_THAT(slurp(page), Contains("id=\"explanation\""));
  // An unknown learner, an unknown kind, a missing output, a store that is not there.
  Run u = with({"report", "learner", "--learner", "nobody-here", "-o", page});
  CHECK(u.code == 1);
  CHECK(u.err.find("nobody-here") == std::string::npos);
  CHECK(with({"report", "classes", "-o", page}).code == 2);
  CHECK(with({"report", "class"}).code == 2);
  std::string missing = temp_path("rep-no-such.db");
  std::remove(missing.c_str());
  Run m = run({"report", "class", "--curriculum", curriculum, "-m", model, "--db", missing, "-o",
               temp_path("rep-none.html")});
  CHECK(m.code == 1);
  CHECK_FALSE(std::ifstream(missing).good());  // no empty database left behind
  CHECK_FALSE(std::ifstream(temp_path("rep-none.html")).good());
  CHECK(with({"report", "class", "-o", "/nonexistent-dir/x.html"}).code == 1);
  CHECK(
      with({"report", "class", "--names", write_log("rep-bad.csv", "a,b,c\n"), "-o", page}).code ==
      1);
  // The fit report, fitted here or of a given model.
  std::string data = write_log("rep-log.csv", kLog);
  std::string fit = temp_path("rep-fit.html");
  REQUIRE(run({"report", "fit", data, "-o", fit, "--seed", "3"}).code == 0);
  CHECK_THAT(slurp(fit), Contains("id=\"params-table\""));
  std::string fitted = temp_path("rep-fitted.json");
  REQUIRE(run({"fit", data, "-o", fitted}).code == 0);
  REQUIRE(run({"report", "fit", "-m", fitted, data, "-o", fit}).code == 0);
  CHECK_THAT(slurp(fit), Contains("convergence is not known"));
  CHECK(run({"report", "fit", "-o", fit}).code == 2);
}

TEST_CASE("cli: simulate takes the placement and stopping options, and checks them", "[cli]") {
  // The built-in course; placement changes what the sequencer does, so the runs differ.
  Run plain = run({"simulate", "--policy", "pathwise", "--learners", "200", "--json"});
  Run placed = run({"simulate", "--policy", "pathwise", "--learners", "200", "--json",
                    "--placement", "4", "--help-once", "--stop-epsilon", "0.05"});
  INFO(placed.err);
  REQUIRE(plain.code == 0);
  REQUIRE(placed.code == 0);
  CHECK(nlohmann::json::parse(plain.out).at("policies").at("pathwise") !=
        nlohmann::json::parse(placed.out).at("policies").at("pathwise"));
  Run bad = run({"simulate", "--policy", "pathwise", "--learners", "10", "--placement", "65"});
  CHECK(bad.code != 0);
  Run low = run({"simulate", "--policy", "pathwise", "--learners", "10", "--placement", "2",
                 "--placement-confidence", "0.3"});
  CHECK(low.code != 0);
  CHECK_THAT(low.err, Contains("placement_confidence"));
}
