#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine_fixtures.hpp"
#include "pathwise.h"

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
