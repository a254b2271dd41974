#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine_fixtures.hpp"
#include "pathwise.h"
#include "pathwise/fit.hpp"
#include "pathwise/forecast.hpp"
#include "pathwise/response_log.hpp"

using Catch::Matchers::Contains;

namespace {

const char* kCurriculum = R"({"format":"pathwise-curriculum","version":"1.0",
  "skills":[{"id":"counting"},{"id":"addition","prerequisites":["counting"]}],
  "items":[{"id":"c1","skills":["counting"]},{"id":"a1","skills":["addition"]}]})";
const char* kModel = R"({"format":"pathwise-bkt-model","version":"1.0","skills":{
  "counting":{"prior":0.5,"learn":0.2,"guess":0.2,"slip":0.1},
  "addition":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1}}})";

struct Engine {
  pathwise_engine_t* e = nullptr;
  Engine() {
    char* err = nullptr;
    REQUIRE(pathwise_engine_create(kCurriculum, kModel, nullptr, nullptr, &e, &err) == PATHWISE_OK);
    REQUIRE(err == nullptr);
  }
  ~Engine() { pathwise_engine_destroy(e); }
};

std::string take(char* s) {
  std::string out = s ? s : "";
  pathwise_free(s);
  return out;
}

}  // namespace

TEST_CASE("c_api: record, recommend and profile through the C boundary", "[c_api]") {
  Engine engine;
  char* json = nullptr;
  REQUIRE(pathwise_record(engine.e, "u1", "a1", 1, 1700000000000, nullptr) == PATHWISE_OK);
  REQUIRE(pathwise_profile(engine.e, "u1", &json, nullptr) == PATHWISE_OK);
  auto p = nlohmann::json::parse(take(json));
  // 0.3 prior, correct: 0.27 / 0.445, then + (1 - post) * 0.2.
  CHECK(std::abs(p.at("skills").at("addition").at("p_known").get<double>() - 0.6853932584269663) <
        1e-12);
  REQUIRE(pathwise_recommend(engine.e, "u1", 1700000001000, &json, nullptr) == PATHWISE_OK);
  auto r = nlohmann::json::parse(take(json));
  CHECK(r.at("skill") == "counting");
  CHECK(r.at("reason") == "practice");
  CHECK(r.contains("explanation"));
  REQUIRE(pathwise_class_summary(engine.e, &json, nullptr) == PATHWISE_OK);
  CHECK(nlohmann::json::parse(take(json)).at("learners") == 1);
  REQUIRE(pathwise_export_learner(engine.e, "u1", &json, nullptr) == PATHWISE_OK);
  CHECK(nlohmann::json::parse(take(json)).at("profile").at("learner") == "u1");
  REQUIRE(pathwise_set_goals(engine.e, "u1", R"(["addition"])", nullptr) == PATHWISE_OK);
  int existed = 0;
  REQUIRE(pathwise_erase_learner(engine.e, "u1", &existed, nullptr) == PATHWISE_OK);
  CHECK(existed == 1);
}

TEST_CASE("c_api: forecasts come back as a versioned JSON document", "[c_api]") {
  Engine engine;
  char* json = nullptr;
  char* err = nullptr;
  REQUIRE(pathwise_forecast(engine.e, "u1", &json, &err) == PATHWISE_OK);
  auto j = nlohmann::json::parse(take(json));
  CHECK(j.at("format") == "pathwise-forecast");
  CHECK(j.at("version") == "1.0");
  CHECK(j.at("mastery_threshold") == 0.95);
  REQUIRE(j.at("skills").size() == 2);
  const auto& c = j.at("skills").at(0);
  CHECK(c.at("skill") == "counting");
  CHECK(c.at("p_known") == 0.5);
  pathwise::BktParams p{0.5, 0.2, 0.0, 0.2, 0.1};
  pathwise::Forecast f = pathwise::forecast_mastery(p, 0.5, pathwise::ProfileRules{});
  CHECK(c.at("expected") == f.expected);
  CHECK(c.at("low") == *f.low);
  CHECK(c.at("high") == *f.high);
  CHECK(c.at("cap") == 200);
  REQUIRE(pathwise_forecast_n(engine.e, "u1", 2, &json, &err) == PATHWISE_OK);
  CHECK(nlohmann::json::parse(take(json)) == j);
  CHECK(pathwise_forecast(engine.e, "", &json, &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK(json == nullptr);
  take(err);
  CHECK(pathwise_forecast_n(engine.e,
                            "u\0"
                            "1",
                            3, &json, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);
  CHECK(pathwise_forecast(nullptr, "u1", &json, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);
}

TEST_CASE("c_api: errors come back as status codes and messages, never exceptions", "[c_api]") {
  Engine engine;
  char* err = nullptr;
  CHECK(pathwise_record(engine.e, "u1", "zz", 1, 0, &err) == PATHWISE_UNKNOWN_ITEM);
  CHECK_THAT(take(err), Contains("zz"));
  CHECK(pathwise_record(engine.e, "u1", "c1", 2, 0, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);
  CHECK(pathwise_record(engine.e, nullptr, "c1", 1, 0, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);
  CHECK(pathwise_record(nullptr, "u1", "c1", 1, 0, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);
  char* json = nullptr;
  CHECK(pathwise_export_learner(engine.e, "nobody", &json, &err) == PATHWISE_UNKNOWN_LEARNER);
  CHECK(json == nullptr);
  take(err);
  CHECK(pathwise_profile(engine.e, "\xff", &json, &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK(json == nullptr);
  take(err);
  CHECK(pathwise_set_goals(engine.e, "u1", "[\"calculus\"]", nullptr) == PATHWISE_UNKNOWN_SKILL);
  CHECK(pathwise_set_goals(engine.e, "u1", "{not json", nullptr) == PATHWISE_PARSE);
  pathwise_engine_t* bad = reinterpret_cast<pathwise_engine_t*>(1);
  CHECK(pathwise_engine_create("{", kModel, nullptr, nullptr, &bad, &err) == PATHWISE_PARSE);
  CHECK(bad == nullptr);
  take(err);
  CHECK(pathwise_engine_create(kCurriculum, kModel, R"({"mastery_threshold": 2})", nullptr, &bad,
                               &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("mastery_threshold"));
  pathwise_engine_destroy(nullptr);  // harmless
  pathwise_free(nullptr);            // harmless
}

TEST_CASE("c_api: conjunctive_update chooses how a two-skill item's error is blamed", "[c_api]") {
  const char* curriculum = R"({"format":"pathwise-curriculum","version":"1.0",
    "skills":[{"id":"counting"},{"id":"addition"}],
    "items":[{"id":"ac","skills":["addition","counting"]}]})";
  // As the engine test: conjunctive 0.360476663, classic 0.243243243 for addition.
  for (auto [config, expected] : {std::pair<const char*, double>{nullptr, 0.3604766633565044},
                                  {R"({"conjunctive_update": true})", 0.3604766633565044},
                                  {R"({"conjunctive_update": false})", 0.24324324324324326}}) {
    INFO((config ? config : "defaults"));
    pathwise_engine_t* e = nullptr;
    REQUIRE(pathwise_engine_create(curriculum, kModel, config, nullptr, &e, nullptr) ==
            PATHWISE_OK);
    REQUIRE(pathwise_record(e, "u1", "ac", 0, 1700000000000, nullptr) == PATHWISE_OK);
    char* json = nullptr;
    REQUIRE(pathwise_profile(e, "u1", &json, nullptr) == PATHWISE_OK);
    auto p = nlohmann::json::parse(take(json));
    CHECK(std::abs(p.at("skills").at("addition").at("p_known").get<double>() - expected) < 1e-12);
    pathwise_engine_destroy(e);
  }
}

TEST_CASE("c_api: settings are checked strictly and outputs are NULL after a failure", "[c_api]") {
  pathwise_engine_t* e = nullptr;
  char* err = nullptr;
  for (const char* bad :
       {R"({"no_repeat_window": -1})", R"({"no_repeat_window": 2.5})", R"({"seed": 1e300})",
        R"({"mastery_treshold": 0.9})", R"({"wheel_spin_attempts": 4294967296})",
        R"({"conjunctive_update": 1})", R"({"check_prerequisites_after": -1})"}) {
    INFO(bad);
    CHECK(pathwise_engine_create(kCurriculum, kModel, bad, nullptr, &e, &err) != PATHWISE_OK);
    CHECK(e == nullptr);
    CHECK_FALSE(take(err).empty());
  }
  Engine engine;
  char* json = reinterpret_cast<char*>(1);
  CHECK(pathwise_export_learner(engine.e, "nobody", &json, nullptr) == PATHWISE_UNKNOWN_LEARNER);
  CHECK(json == nullptr);
  int existed = 7;
  CHECK(pathwise_erase_learner(engine.e, nullptr, &existed, nullptr) == PATHWISE_INVALID_ARGUMENT);
  CHECK(existed == 0);
  // Times beyond the clock's range are refused rather than wrapped.
  CHECK(pathwise_record(engine.e, "u1", "c1", 1, INT64_MAX, &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("time_ms"));
  json = reinterpret_cast<char*>(1);
  CHECK(pathwise_fit_file("/nonexistent.csv", R"({"restarts": 2.7})", &json, &err) ==
        PATHWISE_INVALID_ARGUMENT);
  CHECK(json == nullptr);
  take(err);
}

TEST_CASE("c_api: fit a log file into a model document", "[c_api]") {
  std::string path = fixtures::temp_path("c_api_log.csv");
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f);
    std::fputs("user_id,skill_name,correct\n", f);
    for (int l = 0; l < 40; ++l)
      for (int t = 0; t < 6; ++t) std::fprintf(f, "u%d,add,%d\n", l, (l + t) % 3 ? 1 : 0);
    std::fclose(f);
  }
  char* model = nullptr;
  REQUIRE(pathwise_fit_file(path.c_str(), R"({"restarts": 2, "seed": 7})", &model, nullptr) ==
          PATHWISE_OK);
  auto j = nlohmann::json::parse(take(model));
  CHECK(j.at("format") == "pathwise-bkt-model");
  CHECK(j.at("skills").contains("add"));
  char* err = nullptr;
  CHECK(pathwise_fit_file("/nonexistent.csv", nullptr, &model, &err) == PATHWISE_IO);
  take(err);
}

TEST_CASE("c_api: store URLs and store/engine settings", "[c_api]") {
  const std::string db = fixtures::temp_path("c_api_url.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  const std::string url = "sqlite:" + db;
  const char* settings =
      R"({"mastery_threshold": 0.9, "store": {"busy_timeout_ms": 200, "keep_responses": true},
          "engine": {"cache_learners": 0, "reorder_tolerance_ms": 1000, "check_clock": false}})";
  pathwise_engine_t* a = nullptr;
  pathwise_engine_t* b = nullptr;
  char* err = nullptr;
  REQUIRE(pathwise_engine_create(kCurriculum, kModel, settings, url.c_str(), &a, &err) ==
          PATHWISE_OK);
  REQUIRE(pathwise_engine_create(kCurriculum, kModel, settings, url.c_str(), &b, &err) ==
          PATHWISE_OK);
  // Two engines (as two PHP workers) on one file: each sees the other's records at once.
  REQUIRE(pathwise_record(a, "u", "c1", 1, 1700000000000, nullptr) == PATHWISE_OK);
  REQUIRE(pathwise_record(b, "u", "c1", 1, 1700000000000, nullptr) == PATHWISE_OK);
  // 0.5 s back: within the 1 s tolerance, applied at the last time.
  REQUIRE(pathwise_record(a, "u", "c1", 0, 1699999999500, nullptr) == PATHWISE_OK);
  // 2 s back: beyond it.
  CHECK(pathwise_record(b, "u", "c1", 0, 1699999998000, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);
  // check_clock false: a time far in the future is synthetic time, accepted.
  CHECK(pathwise_record(a, "v", "c1", 1, 4102444800000, nullptr) == PATHWISE_OK);
  char* json = nullptr;
  REQUIRE(pathwise_profile(b, "u", &json, nullptr) == PATHWISE_OK);
  CHECK(nlohmann::json::parse(take(json))["responses"] == 3);
  pathwise_engine_destroy(a);
  pathwise_engine_destroy(b);

  // Settings are checked by name, nested names included.
  pathwise_engine_t* e = nullptr;
  CHECK(pathwise_engine_create(kCurriculum, kModel, R"({"store": {"bogus": 1}})", nullptr, &e,
                               &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("store.bogus"));
  CHECK(pathwise_engine_create(kCurriculum, kModel, R"({"engine": {"cache_learners": -1}})",
                               nullptr, &e, &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("engine.cache_learners"));
  CHECK(pathwise_engine_create(kCurriculum, kModel, R"({"store": 3})", nullptr, &e, &err) ==
        PATHWISE_PARSE);
  take(err);
  CHECK(pathwise_engine_create(kCurriculum, kModel, nullptr, "mysql://x/y", &e, &err) ==
        PATHWISE_INVALID_ARGUMENT);
  take(err);
  CHECK(e == nullptr);
  // An unreachable PostgreSQL server is retryable.
  CHECK(pathwise_engine_create(kCurriculum, kModel, R"({"store": {"busy_timeout_ms": 100}})",
                               "host=/nonexistent port=1 dbname=x", &e, &err) == PATHWISE_BUSY);
  CHECK_FALSE(take(err).empty());
}

namespace {

// Two responses of one learner on "addition" (prior 0.3, learn 0.2, guess 0.25, slip 0.1),
// worked by hand: P(correct) 0.3 * 0.9 + 0.7 * 0.25 = 0.445; correct, so P(known) becomes
// 0.27 / 0.445 = 0.60674, then + 0.39326 * 0.2 = 0.685393258. Second: P(correct) 0.685393 * 0.9
// + 0.314607 * 0.25 = 0.695505618; incorrect: 0.0685393 / 0.3044944 = 0.22509, then + 0.77491 *
// 0.2 = 0.380073801.
const std::string kTwoResponses = "user_id,skill_name,correct\nu1,addition,1\nu1,addition,0\n";
constexpr double kP1 = 0.445, kP2 = 0.6955056179775281;
constexpr double kKnown1 = 0.6853932584269663, kKnown2 = 0.3800738007380074;
// ln 0.445 + ln (1 - 0.695505618), and the metrics of predictions {0.445 -> 1, 0.6955 -> 0}.
constexpr double kLogLikelihood = -1.9987836386623812;
constexpr double kRmse = 0.6291871997419779, kLogLoss = 0.9993918193311906;
const char* kFixedAddition =
    R"({"preset": "bkt", "fixed": {"prior": 0.3, "learn": 0.2, "guess": 0.25, "slip": 0.1},
        "restarts": 1})";

/// Runs `call(&out, &err)`, requires PATHWISE_OK and parses the output.
template <typename F>
nlohmann::json ok_json(F&& call) {
  char* out = nullptr;
  char* err = nullptr;
  const pathwise_status s = call(&out, &err);
  std::string e = take(err);
  INFO(e);
  REQUIRE(s == PATHWISE_OK);
  return nlohmann::json::parse(take(out));
}

std::string write_temp(const char* name, const std::string& text) {
  std::string path = fixtures::temp_path(name);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

}  // namespace

TEST_CASE("c_api: version number and status strings", "[c_api]") {
  CHECK(pathwise_version_number() == PATHWISE_VERSION_NUMBER);
  CHECK(pathwise_version_number() ==
        PATHWISE_VERSION_MAJOR * 10000 + PATHWISE_VERSION_MINOR * 100 + PATHWISE_VERSION_PATCH);
  CHECK(std::string(pathwise_version()) == std::to_string(PATHWISE_VERSION_MAJOR) + "." +
                                               std::to_string(PATHWISE_VERSION_MINOR) + "." +
                                               std::to_string(PATHWISE_VERSION_PATCH));
  CHECK(std::string(pathwise_status_string(PATHWISE_OK)) == "ok");
  CHECK(std::string(pathwise_status_string(PATHWISE_INVALID_ARGUMENT)) == "invalid_argument");
  CHECK(std::string(pathwise_status_string(PATHWISE_UNKNOWN_LEARNER)) == "unknown_learner");
  CHECK(std::string(pathwise_status_string(PATHWISE_BUSY)) == "busy");
  CHECK(std::string(pathwise_status_string(PATHWISE_CORRUPT)) == "corrupt");
  CHECK(std::string(pathwise_status_string(static_cast<pathwise_status>(99))) == "unknown");
  CHECK(std::string(pathwise_status_string(static_cast<pathwise_status>(-1))) == "unknown");
}

TEST_CASE("c_api: _n functions take ids with their length and refuse NUL", "[c_api]") {
  Engine engine;
  char* err = nullptr;
  char* json = nullptr;
  // "u\0x": refused, not cut to "u".
  const char nul_id[] = {'u', '\0', 'x'};
  CHECK(pathwise_record_n(engine.e, nul_id, 3, "a1", 2, 1, 1700000000000, &err) ==
        PATHWISE_INVALID_ARGUMENT);
  std::string msg = take(err);
  CHECK_THAT(msg, Contains("NUL") && Contains("learner"));
  CHECK(msg.find('x') == std::string::npos);
  CHECK(pathwise_record_n(engine.e, "u", 1, "a1\0", 3, 1, 1700000000000, &err) ==
        PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("item"));
  auto p = ok_json([&](char** o, char** e) { return pathwise_profile_n(engine.e, "u", 1, o, e); });
  CHECK(p.at("responses") == 0);  // nothing was recorded under "u"
  for (auto call : {+[](pathwise_engine_t*e, char**out, char**er) {
                      return pathwise_profile_n(e, "u\0x", 3, out, er);
                    },
                    +[](pathwise_engine_t*e, char**out, char**er) {
                      return pathwise_recommend_n(e, "u\0x", 3, 0, out, er);
                    },
                    +[](pathwise_engine_t*e, char**out, char**er) {
                      return pathwise_export_learner_n(e, "u\0x", 3, out, er);
                    }}) {
    json = reinterpret_cast<char*>(1);
    CHECK(call(engine.e, &json, &err) == PATHWISE_INVALID_ARGUMENT);
    CHECK(json == nullptr);
    CHECK_THAT(take(err), Contains("NUL"));
  }
  CHECK(pathwise_set_goals_n(engine.e, "u\0x", 3, "[]", 2, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);
  int existed = 7;
  CHECK(pathwise_erase_learner_n(engine.e, "u\0x", 3, &existed, &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK(existed == 0);
  take(err);
  CHECK(pathwise_record_n(engine.e, nullptr, 0, "a1", 2, 1, 0, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);

  // The length is honoured: "u1" out of "u1zzz", "a1" out of "a1c1".
  REQUIRE(pathwise_record_n(engine.e, "u1zzz", 2, "a1c1", 2, 1, 1700000000000, &err) ==
          PATHWISE_OK);
  p = ok_json([&](char** o, char** e) { return pathwise_profile_n(engine.e, "u1zzz", 2, o, e); });
  CHECK(p.at("learner") == "u1");
  CHECK(std::abs(p.at("skills").at("addition").at("p_known").get<double>() - kKnown1) < 1e-12);
  auto r = ok_json([&](char** o, char** e) {
    return pathwise_recommend_n(engine.e, "u1", 2, 1700000001000, o, e);
  });
  CHECK(r.at("skill") == "counting");
  // Goals: the document is read to its length ("]" of "]]" is past it).
  REQUIRE(pathwise_set_goals_n(engine.e, "u1", 2, "[\"addition\"]]", 12, &err) == PATHWISE_OK);
  p = ok_json([&](char** o, char** e) { return pathwise_profile_n(engine.e, "u1", 2, o, e); });
  CHECK(p.at("goals") == nlohmann::json::array({"addition"}));
  auto x = ok_json(
      [&](char** o, char** e) { return pathwise_export_learner_n(engine.e, "u1", 2, o, e); });
  CHECK(x.at("responses").size() == 1);
  REQUIRE(pathwise_erase_learner_n(engine.e, "u1", 2, &existed, &err) == PATHWISE_OK);
  CHECK(existed == 1);
  REQUIRE(pathwise_erase_learner_n(engine.e, "u1", 2, &existed, &err) == PATHWISE_OK);
  CHECK(existed == 0);
}

TEST_CASE("c_api: predict with P(known), worked by hand, from text and from a file", "[c_api]") {
  char* json = nullptr;
  char* err = nullptr;
  const std::string path = write_temp("c_api_two.csv", kTwoResponses);
  auto a = ok_json([&](char** o, char** e) {
    return pathwise_predict_text(kModel, kTwoResponses.data(), kTwoResponses.size(), nullptr, o, e);
  });
  auto b = ok_json([&](char** o, char** e) {
    return pathwise_predict_file(kModel, path.c_str(), nullptr, o, e);
  });
  for (const auto& j : {a, b}) {
    CHECK(j.at("responses") == 2);
    CHECK(j.at("row") == nlohmann::json::array({1, 2}));
    CHECK(j.at("line") == nlohmann::json::array({2, 3}));
    CHECK(j.at("skill") == nlohmann::json::array({"addition", "addition"}));
    CHECK(j.at("item") == nlohmann::json::array({"", ""}));
    CHECK(j.at("correct") == nlohmann::json::array({1, 0}));
    CHECK(std::abs(j.at("p_correct")[0].get<double>() - kP1) < 1e-12);
    CHECK(std::abs(j.at("p_correct")[1].get<double>() - kP2) < 1e-12);
    CHECK(std::abs(j.at("p_known_before")[0].get<double>() - 0.3) < 1e-12);
    CHECK(std::abs(j.at("p_known_before")[1].get<double>() - kKnown1) < 1e-12);
    CHECK(std::abs(j.at("p_known_after")[0].get<double>() - kKnown1) < 1e-12);
    CHECK(std::abs(j.at("p_known_after")[1].get<double>() - kKnown2) < 1e-12);
    CHECK(j.at("read").at("rows") == 2);
    CHECK(j.at("read").at("format") == "delimited");
  }
  CHECK(a.at("read").at("source") == "<text>");
  CHECK(b.at("read").at("source") == path);

  // A skill the model lacks: an error, or left out and counted with skip_unknown_skills.
  const std::string mixed = kTwoResponses + "u1,geometry,1\n";
  CHECK(pathwise_predict_text(kModel, mixed.data(), mixed.size(), nullptr, &json, &err) ==
        PATHWISE_UNKNOWN_SKILL);
  CHECK(json == nullptr);
  take(err);
  auto c = ok_json([&](char** o, char** e) {
    return pathwise_predict_text(kModel, mixed.data(), mixed.size(),
                                 R"({"skip_unknown_skills": true})", o, e);
  });
  CHECK(c.at("responses") == 2);
  CHECK(c.at("skipped_unknown_skill") == 1);
  CHECK(c.at("p_correct").size() == 2);
}

TEST_CASE("c_api: evaluate gives the metrics worked by hand and the read report", "[c_api]") {
  char* json = nullptr;
  char* err = nullptr;
  // A third row with correct = 2 is skipped and reported.
  const std::string text = kTwoResponses + "u2,addition,2\n";
  auto j = ok_json([&](char** o, char** e) {
    return pathwise_evaluate_text(kModel, text.data(), text.size(), nullptr, o, e);
  });
  const auto& m = j.at("metrics");
  CHECK(m.at("responses") == 2);
  CHECK(m.at("auc").get<double>() == 0.0);  // the one correct response is ranked lower
  CHECK(m.at("accuracy").get<double>() == 0.0);
  CHECK(std::abs(m.at("rmse").get<double>() - kRmse) < 1e-12);
  CHECK(std::abs(m.at("log_loss").get<double>() - kLogLoss) < 1e-12);
  CHECK_FALSE(m.contains("skipped_unknown_skill"));
  const auto& r = j.at("read");
  CHECK(r.at("rows") == 3);
  CHECK(r.at("rows_kept") == 2);
  CHECK(r.at("skipped_total") == 1);
  CHECK(r.at("skipped").at("bad_correct") == 1);
  CHECK(r.at("skipped").at("missing_field") == 0);
  CHECK(r.at("first").size() == 1);
  CHECK(r.at("first").at("bad_correct").at("line") == 4);
  CHECK(r.at("first").at("bad_correct").at("column") == 13);  // "u2,addition," is 12 bytes
  CHECK(r.at("first").at("bad_correct").at("field") == "correct");
  CHECK(r.at("delimiter") == ",");
  CHECK(r.at("columns_used").at("learner") == "user_id");
  CHECK(r.at("columns_used").at("order") == "");
  // Strict reading stops at the bad row, with its place.
  CHECK(pathwise_evaluate_text(kModel, text.data(), text.size(), R"({"read": {"strict": true}})",
                               &json, &err) == PATHWISE_PARSE);
  CHECK_THAT(take(err), Contains("<text>:4:13"));
  // One class only: AUC is undefined, written as null.
  const std::string one = "user_id,skill_name,correct\nu1,addition,1\n";
  j = ok_json([&](char** o, char** e) {
    return pathwise_evaluate_text(kModel, one.data(), one.size(), nullptr, o, e);
  });
  CHECK(j.at("metrics").at("auc").is_null());
  CHECK(pathwise_evaluate_text("{}", one.data(), one.size(), nullptr, &json, &err) ==
        PATHWISE_PARSE);
  take(err);
}

TEST_CASE("c_api: fit report with fixed parameters matches the likelihood worked by hand",
          "[c_api]") {
  auto j = ok_json([&](char** o, char** e) {
    return pathwise_fit_report_text(kTwoResponses.data(), kTwoResponses.size(), kFixedAddition, o,
                                    e);
  });
  const auto& p = j.at("model").at("skills").at("addition");
  CHECK(p.at("prior").get<double>() == 0.3);
  CHECK(p.at("slip").get<double>() == 0.1);
  const auto& rep = j.at("report");
  REQUIRE(rep.at("skills").size() == 1);
  const auto& s = rep.at("skills")[0];
  CHECK(s.at("skill") == "addition");
  CHECK(s.at("responses") == 2);
  CHECK(s.at("sequences") == 1);
  CHECK(s.at("restarts") == 1);
  CHECK(std::abs(s.at("log_likelihood").get<double>() - kLogLikelihood) < 1e-9);
  CHECK(std::abs(rep.at("log_likelihood").get<double>() - kLogLikelihood) < 1e-9);
  CHECK(s.at("trace").is_array());
  CHECK(j.at("read").at("rows_kept") == 2);
  // The file and text forms agree; the model-only calls give the same model.
  const std::string path = write_temp("c_api_two_fit.csv", kTwoResponses);
  auto f = ok_json([&](char** o, char** e) {
    return pathwise_fit_report_file(path.c_str(), kFixedAddition, o, e);
  });
  CHECK(f.at("model") == j.at("model"));
  auto m = ok_json([&](char** o, char** e) {
    return pathwise_fit_text(kTwoResponses.data(), kTwoResponses.size(), kFixedAddition, o, e);
  });
  CHECK(m == j.at("model"));
  m = ok_json(
      [&](char** o, char** e) { return pathwise_fit_file(path.c_str(), kFixedAddition, o, e); });
  CHECK(m == j.at("model"));
}

TEST_CASE("c_api: every fit option and the column mapping reach the fit", "[c_api]") {
  char* json = nullptr;
  char* err = nullptr;
  // Own column names, an item column, two skills and several learners.
  std::string text = "student;kc;ok;step;question\n";
  for (int l = 0; l < 30; ++l)
    for (int t = 0; t < 8; ++t) {
      text += "s" + std::to_string(l) + ";add;" + std::to_string((l + t) % 3 ? 1 : 0) + ";" +
              std::to_string(t) + ";q" + std::to_string(t % 2) + "\n";
      text += "s" + std::to_string(l) + ";sub;" + std::to_string((l * t) % 4 ? 1 : 0) + ";" +
              std::to_string(t) + ";r1\n";
    }
  const char* options = R"({
    "restarts": 2, "max_iterations": 30, "tolerance": 1e-4, "seed": 9, "threads": 1,
    "forgetting": false, "item_guess_slip": true, "item_min_responses": 1,
    "min_skill_responses": 10, "bounds": {"guess": [0.0, 0.2], "slip": [0.0, 0.15]},
    "fixed": {"prior": 0.4, "learn": null}, "start": {"add": {"prior": 0.4, "learn": 0.1,
    "guess": 0.1, "slip": 0.1}}, "skills": ["add"],
    "read": {"format": "delimited", "delimiter": ";", "strict": true,
             "columns": {"learner": "student", "skill": "kc", "correct": "ok", "order": "step",
                         "item": "question"},
             "skill_separator": null, "empty_skill_label": null, "keep_scaffolding": false,
             "max_line_bytes": 1000, "max_fields_per_line": 10, "max_input_bytes": 1000000}})";
  auto j = ok_json([&](char** o, char** e) {
    return pathwise_fit_report_text(text.data(), text.size(), options, o, e);
  });
  const auto& model = j.at("model");
  CHECK(model.at("skills").size() == 1);  // "skills": ["add"] only
  const auto& add = model.at("skills").at("add");
  CHECK(add.at("prior").get<double>() == 0.4);  // fixed
  CHECK(add.at("forget").get<double>() == 0.0);
  CHECK(model.at("items").contains("q0"));  // item_guess_slip, from the mapped item column
  for (const auto& [id, item] : model.at("items").items()) {
    INFO(id);
    CHECK(item.at("guess").get<double>() <= 0.2 + 1e-12);
    CHECK(item.at("slip").get<double>() <= 0.15 + 1e-12);
  }
  const auto& rep = j.at("report");
  CHECK(rep.at("threads") == 1);
  CHECK(rep.at("skills")[0].at("restarts") == 2);
  CHECK(rep.at("skills")[0].at("iterations").get<int>() <= 30);
  const auto& read = j.at("read");
  CHECK(read.at("columns_used").at("learner") == "student");
  CHECK(read.at("columns_used").at("item") == "question");
  CHECK(read.at("delimiter") == ";");
  // min_skill_responses above every skill's count leaves nothing to fit.
  CHECK(pathwise_fit_text(text.data(), text.size(),
                          R"({"min_skill_responses": 100000, "read": {"delimiter": ";",
                              "columns": {"learner": "student", "skill": "kc", "correct": "ok"}}})",
                          &json, &err) != PATHWISE_OK);
  take(err);
  // forgetting fits a forget probability.
  j = ok_json([&](char** o, char** e) {
    return pathwise_fit_text(text.data(), text.size(),
                             R"({"forgetting": true, "restarts": 1, "skills": ["sub"],
                                    "read": {"columns": {"learner": "student", "skill": "kc",
                                    "correct": "ok"}}})",
                             o, e);
  });
  CHECK(j.at("skills").contains("sub"));
  CHECK(j.at("skills").at("sub").contains("forget"));
}

TEST_CASE("c_api: options are checked by name, in every nested object", "[c_api]") {
  char* json = nullptr;
  char* err = nullptr;
  const std::string& t = kTwoResponses;
  struct Case {
    const char* options;
    pathwise_status status;
    const char* named;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"restart": 2})", PATHWISE_INVALID_ARGUMENT, "restart"},
           {R"({"read": {"colums": {}}})", PATHWISE_INVALID_ARGUMENT, "read.colums"},
           {R"({"read": {"columns": {"lerner": "x"}}})", PATHWISE_INVALID_ARGUMENT,
            "read.columns.lerner"},
           {R"({"bounds": {"gues": [0, 1]}})", PATHWISE_INVALID_ARGUMENT, "bounds.gues"},
           {R"({"bounds": {"guess": [0.5, 0.1]}})", PATHWISE_INVALID_ARGUMENT, "bounds.guess"},
           {R"({"bounds": {"guess": 0.3}})", PATHWISE_PARSE, "bounds.guess"},
           {R"({"fixed": {"slip": "0.1"}})", PATHWISE_PARSE, "fixed.slip"},
           {R"({"fixed": {"slip": 1.5}})", PATHWISE_INVALID_ARGUMENT, "fixed.slip"},
           {R"({"start": {"add": {"prior": 0.2}}})", PATHWISE_PARSE, "start.add"},
           {R"({"preset": "pyBKT"})", PATHWISE_INVALID_ARGUMENT, "preset"},
           {R"({"preset": 1})", PATHWISE_PARSE, "preset"},
           {R"({"priors": {"gues": [2, 2]}})", PATHWISE_INVALID_ARGUMENT, "priors.gues"},
           {R"({"priors": {"guess": 2}})", PATHWISE_PARSE, "priors.guess"},
           {R"({"priors": {"guess": [0.5, 2]}})", PATHWISE_INVALID_ARGUMENT, "priors.guess"},
           {R"({"max_guess_plus_slip": "0.9"})", PATHWISE_PARSE, "max_guess_plus_slip"},
           {R"({"learner": 1})", PATHWISE_PARSE, "learner"},
           {R"({"learner": {"l2": -1}})", PATHWISE_INVALID_ARGUMENT, "learner.l2"},
           {R"({"learner": {"l2s": 1}})", PATHWISE_INVALID_ARGUMENT, "learner.l2s"},
           {R"({"learner": {"terms": ["ability", "x"]}})", PATHWISE_INVALID_ARGUMENT,
            "learner.terms"},
           {R"({"learner": {"terms": [1]}})", PATHWISE_PARSE, "learner.terms"},
           {R"({"max_guess_plus_slip": 3})", PATHWISE_INVALID_ARGUMENT, "max_guess_plus_slip"},
           {R"({"fixed": {"guess": 0.6, "slip": 0.5}})", PATHWISE_INVALID_ARGUMENT,
            "max_guess_plus_slip"},
           {R"({"skills": "add"})", PATHWISE_PARSE, "skills"},
           {R"({"threads": -1})", PATHWISE_INVALID_ARGUMENT, "threads"},
           {R"({"tolerance": "small"})", PATHWISE_PARSE, "tolerance"},
           {R"({"read": {"format": "xml"}})", PATHWISE_INVALID_ARGUMENT, "read.format"},
           {R"({"read": {"delimiter": ",;"}})", PATHWISE_PARSE, "read.delimiter"},
           {R"({"read": {"max_line_bytes": 0}})", PATHWISE_INVALID_ARGUMENT, "read.max_line_bytes"},
           {R"({"read": 1})", PATHWISE_PARSE, "read"},
           {R"([1])", PATHWISE_PARSE, "options"},
           {R"({"restarts": )", PATHWISE_PARSE, "options"},
       }) {
    INFO(c.options);
    json = reinterpret_cast<char*>(1);
    CHECK(pathwise_fit_text(t.data(), t.size(), c.options, &json, &err) == c.status);
    CHECK(json == nullptr);
    CHECK_THAT(take(err), Contains(c.named));
  }
  // Evaluate and cross-validation options likewise.
  CHECK(pathwise_evaluate_text(kModel, t.data(), t.size(), R"({"skip_unknown": true})", &json,
                               &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("skip_unknown"));
  CHECK(pathwise_cross_validate_text(t.data(), t.size(), R"({"fit": {"restart": 1}})", &json,
                                     &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("fit.restart"));
  CHECK(pathwise_cross_validate_text(t.data(), t.size(), R"({"folds": 1})", &json, &err) ==
        PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("folds"));
  // A key that is not printable text is described, not quoted.
  CHECK(pathwise_fit_text(t.data(), t.size(), "{\"\\u0001secret\": 1}", &json, &err) ==
        PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), !Contains("secret"));
  // Text arguments: NULL with a length is refused; NULL with 0 is an empty log.
  CHECK(pathwise_fit_text(nullptr, 5, nullptr, &json, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);
  CHECK(pathwise_fit_text(nullptr, 0, nullptr, &json, &err) != PATHWISE_OK);
  take(err);
  CHECK(pathwise_fit_report_file(nullptr, nullptr, &json, &err) == PATHWISE_INVALID_ARGUMENT);
  take(err);
  CHECK(pathwise_predict_file(kModel, "/nonexistent.csv", nullptr, &json, &err) == PATHWISE_IO);
  take(err);
  CHECK(pathwise_evaluate_file(kModel, t.c_str(), nullptr, nullptr, &err) ==
        PATHWISE_INVALID_ARGUMENT);
  take(err);
}

TEST_CASE("c_api: cross-validation by learner, with the fit options", "[c_api]") {
  char* json = nullptr;
  char* err = nullptr;
  std::string text = "user_id,skill_name,correct\n";
  for (int l = 0; l < 6; ++l)
    for (int t = 0; t < 2; ++t)
      text += "u" + std::to_string(l) + ",addition," + (t ? "0" : "1") + "\n";
  // Fixed parameters: every fold's model is the hand-worked one, so every fold scores its
  // learners' two responses as kTwoResponses: rmse and log-loss as worked out, sd 0.
  const std::string options = R"({"folds": 3, "seed": 5, "fit": )" + std::string(kFixedAddition) +
                              R"(, "read": {"strict": true}})";
  auto j = ok_json([&](char** o, char** e) {
    return pathwise_cross_validate_text(text.data(), text.size(), options.c_str(), o, e);
  });
  REQUIRE(j.at("folds").size() == 3);
  std::size_t total = 0;
  for (const auto& f : j.at("folds")) {
    total += f.at("responses").get<std::size_t>();
    CHECK(std::abs(f.at("rmse").get<double>() - kRmse) < 1e-12);
  }
  CHECK(total == 12);
  CHECK(j.at("mean").at("responses") == 12);
  CHECK(std::abs(j.at("mean").at("log_loss").get<double>() - kLogLoss) < 1e-12);
  CHECK(std::abs(j.at("sd").at("rmse").get<double>()) < 1e-12);
  CHECK(j.at("read").at("rows") == 12);
  const std::string path = write_temp("c_api_cv.csv", text);
  auto f = ok_json([&](char** o, char** e) {
    return pathwise_cross_validate_file(path.c_str(), options.c_str(), o, e);
  });
  CHECK(f.at("mean") == j.at("mean"));
  // More folds than learners.
  CHECK(pathwise_cross_validate_text(text.data(), text.size(), R"({"folds": 7})", &json, &err) ==
        PATHWISE_INVALID_ARGUMENT);
  take(err);
}

TEST_CASE("c_api: presets, priors and the guard reach the fit", "[c_api][map]") {
  std::string text = "user_id,skill_name,correct\n";
  for (int l = 0; l < 12; ++l)
    for (int t = 0; t < 6; ++t)
      text += "u" + std::to_string(l) + ",add," + std::to_string((l + t) % 3 ? 1 : 0) + "\n";
  const pathwise::ResponseLog log = pathwise::ResponseLog::parse(text);
  auto c_fit = [&](const char* options) {
    return ok_json([&](char** o, char** e) {
      return pathwise_fit_text(text.data(), text.size(), options, o, e);
    });
  };
  auto cpp_fit = [&](const pathwise::FitOptions& o) {
    return nlohmann::json::parse(pathwise::fit(log, o).to_json());
  };
  CHECK(c_fit(nullptr) == cpp_fit(pathwise::FitOptions{}));
  CHECK(c_fit(R"({"preset": "bkt"})") == cpp_fit(pathwise::FitOptions::bkt()));
  CHECK(c_fit(R"({"preset": "pybkt"})") == cpp_fit(pathwise::FitOptions::pybkt()));
  CHECK(c_fit(R"({"preset": "pybkt"})") != c_fit(nullptr));
  pathwise::FitOptions o = pathwise::FitOptions::pybkt();
  o.priors.slip = {3.0, 12.0};
  o.max_guess_plus_slip = 0.3;
  // The preset comes first whatever the key order; the other keys change it.
  CHECK(c_fit(R"({"max_guess_plus_slip": 0.3, "priors": {"slip": [3, 12]}, "preset": "pybkt"})") ==
        cpp_fit(o));
  o = pathwise::FitOptions{};
  o.max_guess_plus_slip.reset();
  CHECK(c_fit(R"({"max_guess_plus_slip": null})") == cpp_fit(o));
  // The learner layer: true, or an object of its options.
  o = pathwise::FitOptions{};
  o.learner.enabled = true;
  const auto layered = c_fit(R"({"learner": true})");
  CHECK(layered == cpp_fit(o));
  CHECK(layered.at("version") == "1.1");
  CHECK(layered.contains("learner"));
  o.learner.l2_skill = 5.0;
  CHECK(c_fit(R"({"learner": {"l2_skill": 5}})") == cpp_fit(o));
  CHECK_FALSE(c_fit(R"({"learner": {"enabled": false, "l2_skill": 5}})").contains("learner"));
}

TEST_CASE("c_api: xAPI statements and a time column are read through the read options", "[c_api]") {
  char* json = nullptr;
  char* err = nullptr;
  // The same two responses as kTwoResponses, as xAPI statements given in reverse time order.
  const std::string text = R"({"actor": {"mbox": "mailto:u1@example.org"}, "object": {"id": "q2"},)"
                           R"( "result": {"success": false}, "timestamp": "2006-10-26T09:52:58Z"})"
                           "\n"
                           R"({"actor": {"mbox": "mailto:u1@example.org"}, "object": {"id": "q1"},)"
                           R"( "result": {"success": true}, "timestamp": "2006-10-26T09:51:58Z"})"
                           "\n";
  const char* options = R"({"read": {"format": "xapi", "skill_map": "", "skill_extension": "",
                                      "empty_skill_label": "addition"}})";
  auto x = ok_json([&](char** o, char** e) {
    return pathwise_evaluate_text(kModel, text.data(), text.size(), options, o, e);
  });
  auto c = ok_json([&](char** o, char** e) {
    return pathwise_evaluate_text(kModel, kTwoResponses.data(), kTwoResponses.size(), nullptr, o,
                                  e);
  });
  CHECK(x.at("read").at("format") == "xapi");
  CHECK(x.at("read").at("first_time") == 1161856318000);
  CHECK(x.at("read").at("last_time") == 1161856378000);
  CHECK(x.at("read").at("columns_used").at("time") == "timestamp");
  // Sorted by timestamp, the statements give the CSV's responses, so the same metrics.
  CHECK(x.at("metrics") == c.at("metrics"));
  // A bad time is a bad row in the report; an unknown epoch unit is refused by name.
  const std::string timed = "user_id,skill_name,correct,timestamp\nu1,addition,0,x\n";
  auto t = ok_json([&](char** o, char** e) {
    const std::string two = timed + "u1,addition,1,1161856318\n";
    return pathwise_evaluate_text(kModel, two.data(), two.size(), nullptr, o, e);
  });
  CHECK(t.at("read").at("skipped").at("bad_time") == 1);
  CHECK(t.at("read").at("first").at("bad_time").at("line") == 2);
  CHECK(pathwise_evaluate_text(kModel, text.data(), text.size(),
                               R"({"read": {"epoch_unit": "days"}})", &json,
                               &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("epoch_unit"));
}

TEST_CASE("c_api: under a layer model the profile shows the learner state and its ability",
          "[c_api][learner]") {
  const std::string model = fixtures::layered_model().to_json();
  pathwise_engine_t* e = nullptr;
  char* err = nullptr;
  REQUIRE(pathwise_engine_create(kCurriculum, model.c_str(),
                                 R"({"engine": {"check_clock": false}})", nullptr, &e,
                                 &err) == PATHWISE_OK);
  REQUIRE(pathwise_record(e, "u1", "c1", 1, 1700000000000, nullptr) == PATHWISE_OK);
  char* json = nullptr;
  REQUIRE(pathwise_profile(e, "u1", &json, nullptr) == PATHWISE_OK);
  const auto p = nlohmann::json::parse(take(json));
  CHECK(p.at("version") == "1.1");
  const auto& s = p.at("learner_state");
  CHECK(s.at("responses") == 1);
  CHECK(s.at("last") == 1);
  // counting: P(correct) 0.5 * 0.9 + 0.5 * 0.2 = 0.55, so the residual is 0.45; ability
  // 0.45 / (1 + 20).
  CHECK(std::abs(s.at("residual_sum").get<double>() - 0.45) < 1e-15);
  CHECK(std::abs(s.at("ability").get<double>() - 0.45 / 21.0) < 1e-15);
  CHECK(s.at("skills").at("counting").at("opportunities") == 1);
  REQUIRE(pathwise_recommend(e, "u1", 1700000001000, &json, nullptr) == PATHWISE_OK);
  CHECK_THAT(nlohmann::json::parse(take(json)).at("explanation").get<std::string>(),
             Contains("learner ability +0.02"));
  pathwise_engine_destroy(e);
}

TEST_CASE("c_api: placement_items turns placement on; bad values are named", "[c_api]") {
  pathwise_engine_t* e = nullptr;
  char* err = nullptr;
  REQUIRE(pathwise_engine_create(kCurriculum, kModel, R"({"placement_items": 2})", nullptr, &e,
                                 &err) == PATHWISE_OK);
  char* json = nullptr;
  REQUIRE(pathwise_recommend(e, "u1", 1700000001000, &json, nullptr) == PATHWISE_OK);
  const auto r = nlohmann::json::parse(take(json));
  CHECK(r.at("reason") == "placement");
  pathwise_engine_destroy(e);
  pathwise_engine_t* bad = nullptr;
  CHECK(pathwise_engine_create(kCurriculum, kModel, R"({"placement_confidence": 0.4})", nullptr,
                               &bad, &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("placement_confidence"));
  CHECK(pathwise_engine_create(kCurriculum, kModel, R"({"stop_epsilon": -1})", nullptr, &bad,
                               &err) == PATHWISE_INVALID_ARGUMENT);
  CHECK_THAT(take(err), Contains("stop_epsilon"));
}
