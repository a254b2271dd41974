// Regression tests for the crash, undefined-behaviour and foreign-exception classes found by
// fuzzing: each input gives a pathwise::Error naming its place (C API: a non-internal status).
#include <catch2/catch.hpp>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "engine_fixtures.hpp"
#include "pathwise.h"
#include "pathwise/engine.hpp"
#include "test_util.hpp"

using namespace pathwise;
using Catch::Matchers::Contains;
using test_util::error_from;

namespace {

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string curriculum_with_metadata(const std::string& metadata) {
  return R"({"format":"pathwise-curriculum","version":"1.0","skills":[{"id":"s"}],
    "items":[{"id":"i","skills":["s"],"metadata":)" +
         metadata + "}]}";
}

const char* kModel = R"({"format":"pathwise-bkt-model","version":"1.0","skills":{
  "counting":{"prior":0.5,"learn":0.2,"guess":0.2,"slip":0.1},
  "addition":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1},
  "fractions":{"prior":0.2,"learn":0.15,"guess":0.2,"slip":0.1}}})";

std::string take(char* s) {
  std::string out = s ? s : "";
  pathwise_free(s);
  return out;
}

}  // namespace

TEST_CASE("hardening: JSON nested 100,000 deep is a Parse error with its place, not a crash",
          "[hardening]") {
  const std::string deep = curriculum_with_metadata(nested(100000));
  CHECK(deep.size() > 200000);
  Error e = error_from([&] { (void)Curriculum::from_json(deep, "deep.json"); });
  CHECK(e.code() == ErrorCode::Parse);
  CHECK(e.location().source == "deep.json");
  CHECK(e.location().line == 2);
  CHECK_THAT(e.message(), Contains("deeper than 100"));
  // 100 levels in all (the document is one) is the limit: metadata may nest 97 more.
  CHECK_NOTHROW(Curriculum::from_json(curriculum_with_metadata(nested(97))));
  CHECK(error_from([&] { (void)Curriculum::from_json(curriculum_with_metadata(nested(98))); })
            .code() == ErrorCode::Parse);
  // Brackets inside strings do not count.
  CHECK_NOTHROW(Curriculum::from_json(curriculum_with_metadata("\"" + nested(5000) + "\"")));
  // The same for the other documents.
  CHECK(error_from([&] { (void)BktModel::from_json(nested(100000)); }).code() == ErrorCode::Parse);
  CHECK(error_from([&] { (void)LearnerProfile::from_json(nested(100000)); }).code() ==
        ErrorCode::Parse);
}

TEST_CASE("hardening: deep item metadata given through the C++ API is refused", "[hardening]") {
  Skill s;
  s.id = "s";
  Item it;
  it.id = "i";
  it.skills = {"s"};
  it.metadata = nested(5000);
  Error e = error_from([&] { Curriculum c({s}, {it}); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK(e.location().field == "items[0].metadata");
  it.metadata = R"({"a": [1, {"b": 2}]})";
  Curriculum ok({s}, {it});
  // Written out and read back unchanged.
  CHECK(Curriculum::from_json(ok.to_json()).items()[0].metadata == R"({"a":[1,{"b":2}]})");
}

TEST_CASE("hardening: a prerequisite chain of 50,000 skills is walked without recursion",
          "[hardening]") {
  std::vector<Skill> skills(50000);
  for (std::size_t i = 0; i < skills.size(); ++i) {
    skills[i].id = "s" + std::to_string(i);
    if (i > 0) skills[i].prerequisites = {"s" + std::to_string(i - 1)};
  }
  Curriculum c(skills, {});
  // Topological order: each skill after its prerequisite.
  REQUIRE(c.topological_order().size() == 50000);
  CHECK(c.topological_order().front() == 0);
  CHECK(c.topological_order().back() == 49999);
  // Closing the chain into a cycle is found and named.
  skills[0].prerequisites = {"s49999"};
  Error e = error_from([&] { Curriculum cyc(skills, {}); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.message(), Contains("prerequisite cycle: s0 -> s49999"));
}

TEST_CASE("hardening: a number beyond a double is a Parse error at its place", "[hardening]") {
  const std::string doc = "{\"format\":\"pathwise-bkt-model\",\"version\":\"1.0\",\n"
                          "\"skills\":{\"s\":{\"prior\":1e999,\"learn\":0.1,\"guess\":0.2,"
                          "\"slip\":0.1}}}";
  Error e = error_from([&] { (void)BktModel::from_json(doc, "m.json"); });
  CHECK(e.code() == ErrorCode::Parse);
  CHECK(e.location().line == 2);
  CHECK(e.location().column == 24);  // "skills":{"s":{"prior": is 23 bytes
  CHECK_THAT(e.message(), Contains("too large"));
  CHECK(error_from([] { (void)Curriculum::from_json("[-1E+400]"); }).code() == ErrorCode::Parse);
  CHECK(error_from([] { (void)LearnerProfile::from_json("{\"responses\": 1e999}"); }).code() ==
        ErrorCode::Parse);
  // A large integer is not an overflow (it is read as a double).
  CHECK(error_from([] { (void)LearnerProfile::from_json("{\"x\": 123456789012345678901234567890}"); })
            .code() == ErrorCode::Parse);  // wrong format, not an overflow
}

TEST_CASE("hardening: mistyped values are described, never quoted", "[hardening]") {
  const std::string secret(300, 'x');
  const std::string doc =
      R"({"format":"pathwise-learner-profile","schema_version":1,"learner":"u","responses":")" +
      secret + R"(","skills":{}})";
  Error e = error_from([&] { (void)LearnerProfile::from_json(doc); });
  CHECK(e.code() == ErrorCode::Parse);
  CHECK(e.location().field == "responses");
  CHECK_THAT(e.message(), Contains("a string of 300 bytes"));
  CHECK(std::string(e.what()).find(secret) == std::string::npos);
  const std::string model = R"({"format":"pathwise-bkt-model","version":"1.0","skills":{"s":
    {"prior":")" + secret + R"(","learn":0.1,"guess":0.2,"slip":0.1}}})";
  Error m = error_from([&] { (void)BktModel::from_json(model); });
  CHECK(std::string(m.what()).find(secret) == std::string::npos);
}

TEST_CASE("hardening: times out of range are refused, not overflowed", "[hardening]") {
  CHECK(from_millis(std::numeric_limits<std::int64_t>::max()) == from_millis(kMaxMillis));
  CHECK(from_millis(std::numeric_limits<std::int64_t>::min()) == from_millis(-kMaxMillis));
  CHECK(to_millis(plus_days(from_millis(0), 1e300)) == kMaxMillis);
  CHECK(to_millis(plus_days(from_millis(0), -1e300)) == -kMaxMillis);
  CHECK(to_millis(plus_days(from_millis(1000), 1.5)) == 1000 + 129600000);
  CHECK(plus_days(from_millis(5), std::nan("")) == from_millis(5));
  CHECK(error_from([] { (void)checked_time(TimePoint::min()); }).code() ==
        ErrorCode::InvalidArgument);
  // TimePoint::max() rounds down to exactly kMaxMillis: the latest representable time.
  CHECK(to_millis(checked_time(TimePoint::max())) == kMaxMillis);

  // In a profile document.
  for (const char* t : {"9223372036855", "-9223372036855", "9223372036854775807",
                        "-9223372036854775808", "18446744073709551615"}) {
    const std::string doc =
        std::string(R"({"format":"pathwise-learner-profile","schema_version":1,"learner":"u",)") +
        R"("responses":1,"last_response":)" + t + R"(,"skills":{}})";
    Error e = error_from([&] { (void)LearnerProfile::from_json(doc); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "last_response");
  }

  // Through the engine.
  EngineOptions options;
  options.check_clock = false;
  Engine engine(fixtures::small_curriculum(), fixtures::small_model(), {},
                std::make_unique<InMemoryStore>(), options);
  Error e = error_from([&] { engine.record({"u", "c1", Outcome::Correct, TimePoint::min()}); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK(e.location().field == "time");
  CHECK(error_from([&] { (void)engine.recommend("u", TimePoint::min()); }).location().field ==
        "now");
  CHECK(engine.cached_learners() == 0);
  // The latest representable time is a time like any other: its review schedule saturates.
  engine.record({"u", "c1", Outcome::Correct, TimePoint::max()});
  CHECK(engine.recommend("u", TimePoint::max()).has_value());
  CHECK(to_millis(*engine.profile("u").last_response) == kMaxMillis);

  // With the clock check on (the default), the earliest representable time is checked against
  // the clock without overflow (a 30-minute fuzz campaign found the nanosecond difference
  // overflowing) and accepted: it lies in the past. The latest is refused as in the future.
  Engine checked(fixtures::small_curriculum(), fixtures::small_model(), {},
                 std::make_unique<InMemoryStore>());
  checked.record({"v", "c1", Outcome::Correct, from_millis(-kMaxMillis)});
  CHECK(to_millis(*checked.profile("v").last_response) == -kMaxMillis);
  // A learner's previous response at the latest time and this one at the earliest: the
  // reordering check measures the gap without overflow and refuses it.
  engine.record({"x", "c1", Outcome::Correct, TimePoint::max()});
  Error behind =
      error_from([&] { engine.record({"x", "c1", Outcome::Correct, from_millis(-kMaxMillis)}); });
  CHECK(behind.code() == ErrorCode::InvalidArgument);
  CHECK(behind.location().field == "time");
  CHECK(std::string(behind.what()).find("before the learner's previous response") !=
        std::string::npos);
  Error ahead =
      error_from([&] { checked.record({"w", "c1", Outcome::Correct, from_millis(kMaxMillis)}); });
  CHECK(ahead.code() == ErrorCode::InvalidArgument);
  CHECK(ahead.location().field == "time");
}

TEST_CASE("hardening: review schedules stay representable for extreme settings",
          "[hardening]") {
  // A forgetting rate of 1e-300 per day: a half-life of ~7e299 days, held at 100 years.
  BktModel model = fixtures::small_model();
  model.set_forget_per_day("counting", 1e-300);
  EngineOptions options;
  options.check_clock = false;
  Engine engine(fixtures::small_curriculum(), model, {}, std::make_unique<InMemoryStore>(),
                options);
  const TimePoint t0 = from_millis(1700000000000);
  for (int i = 0; i < 20; ++i)
    engine.record({"u", "c1", Outcome::Correct, t0 + std::chrono::minutes(i)});
  const LearnerProfile profile = engine.profile("u");  // held: find() points into it
  const SkillState* st = profile.find("counting");
  REQUIRE(st != nullptr);
  REQUIRE(st->mastered_at.has_value());
  CHECK(st->half_life_days == kMaxHalfLifeDays);
  REQUIRE(st->next_review.has_value());
  CHECK(*st->next_review > t0);
  CHECK(to_millis(*st->next_review) <= kMaxMillis);
  // The profile document reads back equal.
  CHECK(LearnerProfile::from_json(engine.profile("u").to_json()) == engine.profile("u"));

  PolicyConfig big;
  big.rules.initial_half_life_days = 1e300;
  CHECK(error_from([&] { big.validate(); }).location().field == "initial_half_life_days");
  PolicyConfig growth;
  growth.rules.half_life_growth = 1e300;
  CHECK(error_from([&] { growth.validate(); }).location().field == "half_life_growth");
}

TEST_CASE("hardening: explanations hold long non-ASCII skill names whole", "[hardening]") {
  std::string name;
  for (int i = 0; i < 400; ++i) name += "\xC3\xA9";  // é, 800 bytes
  Skill s;
  s.id = "s";
  s.name = name;
  Item it;
  it.id = "i";
  it.skills = {"s"};
  BktModel m;
  m.set_skill("s", {0.3, 0.2, 0.0, 0.2, 0.1});
  Engine engine(Curriculum({s}, {it}), m);
  auto r = engine.recommend("u", std::chrono::system_clock::now());
  REQUIRE(r.has_value());
  CHECK(r->explanation.find(name) != std::string::npos);
  CHECK_THAT(r->explanation, Contains("0.30"));  // the numbers it promises are there

  // Through the C API: OK, and the JSON holds the whole name.
  std::string curriculum = R"({"format":"pathwise-curriculum","version":"1.0","skills":[{"id":"s",
    "name":")" + name + R"("}],"items":[{"id":"i","skills":["s"]}]})";
  const char* model = R"({"format":"pathwise-bkt-model","version":"1.0","skills":{
    "s":{"prior":0.3,"learn":0.2,"guess":0.2,"slip":0.1}}})";
  pathwise_engine_t* e = nullptr;
  REQUIRE(pathwise_engine_create(curriculum.c_str(), model, nullptr, nullptr, &e, nullptr) ==
          PATHWISE_OK);
  char* json = nullptr;
  CHECK(pathwise_recommend(e, "u", 1700000000000, &json, nullptr) == PATHWISE_OK);
  auto j = nlohmann::json::parse(take(json));
  CHECK(j.at("explanation").get<std::string>().find(name) != std::string::npos);
  pathwise_engine_destroy(e);
}

TEST_CASE("hardening: the C API answers bad JSON of every class with a non-internal status",
          "[hardening][c_api]") {
  const std::string curriculum = fixtures::small_curriculum().to_json();
  struct Case {
    std::string curriculum, model, config;
    pathwise_status want;
  };
  const std::string deep = nested(200000);
  const Case cases[] = {
      {deep, kModel, "{}", PATHWISE_PARSE},
      {curriculum, deep, "{}", PATHWISE_PARSE},
      {curriculum, kModel, deep, PATHWISE_PARSE},
      {curriculum, kModel, R"({"mastery_threshold": 1e999})", PATHWISE_PARSE},
      {curriculum, kModel, R"({"seed": 1e999})", PATHWISE_PARSE},
      {curriculum, R"({"format":"pathwise-bkt-model","version":"1.0","skills":{"counting":
        {"prior":1e400,"learn":0.2,"guess":0.2,"slip":0.1}}})",
       "{}", PATHWISE_PARSE},
      {curriculum, kModel, R"({"initial_half_life_days": 1e300})", PATHWISE_INVALID_ARGUMENT},
      {curriculum, kModel, R"({"half_life_growth": 1e300})", PATHWISE_INVALID_ARGUMENT},
  };
  for (const Case& c : cases) {
    pathwise_engine_t* e = nullptr;
    char* err = nullptr;
    CHECK(pathwise_engine_create(c.curriculum.c_str(), c.model.c_str(), c.config.c_str(),
                                 nullptr, &e, &err) == c.want);
    CHECK(e == nullptr);
    CHECK(!take(err).empty());
  }
  pathwise_engine_t* e = nullptr;
  REQUIRE(pathwise_engine_create(curriculum.c_str(), kModel, R"({"engine":{"check_clock":false}})",
                                 nullptr, &e, nullptr) == PATHWISE_OK);
  CHECK(pathwise_set_goals(e, "u", nested(100000).c_str(), nullptr) == PATHWISE_PARSE);
  CHECK(pathwise_set_goals(e, "u", "[1e999]", nullptr) == PATHWISE_PARSE);
  CHECK(pathwise_record(e, "u", "c1", 1, std::numeric_limits<std::int64_t>::min(), nullptr) ==
        PATHWISE_INVALID_ARGUMENT);
  char* json = nullptr;
  CHECK(pathwise_recommend(e, "u", std::numeric_limits<std::int64_t>::max(), &json, nullptr) ==
        PATHWISE_INVALID_ARGUMENT);
  pathwise_engine_destroy(e);
}

TEST_CASE("hardening: curriculum ids that are not UTF-8 are refused; output never throws",
          "[hardening]") {
  Skill bad;
  bad.id = "caf\xE9";  // Latin-1, not UTF-8
  Error e = error_from([&] { Curriculum c({bad}, {}); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK(e.location().field == "skills[0].id");
  Skill ok;
  ok.id = "s";
  Item it;
  it.id = std::string("i\0j", 3);
  it.skills = {"s"};
  CHECK(error_from([&] { Curriculum c({ok}, {it}); }).location().field == "items[0].id");

  // A profile built by hand with bytes that are not UTF-8 still writes out (as U+FFFD).
  LearnerProfile p;
  p.learner = "u\xFF";
  p.goals = {"g\xC3"};
  std::string json;
  REQUIRE_NOTHROW(json = p.to_json());
  CHECK(json.find("\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("hardening: the try_ entry points return the Error instead of throwing it",
          "[hardening]") {
  Result<Curriculum> bad = Curriculum::try_from_json("{\"format\": 1e999}", "upload.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code() == ErrorCode::Parse);
  CHECK(bad.error().location().source == "upload.json");
  CHECK_THROWS_AS(bad.value(), Error);
  Result<Curriculum> good = Curriculum::try_from_json(fixtures::small_curriculum().to_json());
  REQUIRE(good.ok());
  CHECK(good.value().skills().size() == 3);
  Result<BktModel> missing = BktModel::try_load("/nonexistent/model.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code() == ErrorCode::Io);
  CHECK(BktModel::try_from_json(fixtures::small_model().to_json()).ok());
  CHECK(Curriculum::try_load("/nonexistent/c.json").error().code() == ErrorCode::Io);
  Result<LearnerProfile> p = LearnerProfile::try_from_json(nested(1000));
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().code() == ErrorCode::Parse);
}

TEST_CASE("hardening: the recent-item settings are bounded", "[hardening]") {
  PolicyConfig c;
  c.no_repeat_window = 1000000;
  c.rules.recent_items = 1000000;
  CHECK_NOTHROW(c.validate());
  c.no_repeat_window = SIZE_MAX;
  CHECK(error_from([&] { c.validate(); }).location().field == "no_repeat_window");
  c.no_repeat_window = 3;
  c.rules.recent_items = SIZE_MAX;
  CHECK(error_from([&] { c.validate(); }).location().field == "recent_items");
}

TEST_CASE("hardening: review findings: long literals, underflow, metadata depth, old half-lives",
          "[hardening]") {
  // A 600-digit integer overflows a double: Parse at its place.
  const std::string big = "{\"format\": \"pathwise-bkt-model\", \"version\": \"1.0\",\n \"x\": " +
                          std::string(600, '9') + "}";
  Error e = error_from([&] { (void)BktModel::from_json(big); });
  CHECK(e.code() == ErrorCode::Parse);
  CHECK(e.location().line == 2);
  CHECK(e.location().column == 7);
  // A number too small for a double is read as 0, as JSON readers do: no error from it.
  Error u = error_from([] { (void)BktModel::from_json(R"({"skills": 1e-999})"); });
  CHECK_THAT(u.message(), !Contains("too large"));

  // Item metadata is written three levels down: 97 levels are the most that round-trip.
  Skill s;
  s.id = "s";
  Item it;
  it.id = "i";
  it.skills = {"s"};
  it.metadata = nested(97);
  Curriculum ok({s}, {it});
  CHECK(Curriculum::from_json(ok.to_json()) == ok);
  it.metadata = nested(98);
  CHECK(error_from([&] { Curriculum c({s}, {it}); }).code() == ErrorCode::InvalidArgument);

  // A profile document of an earlier version with a half-life beyond the cap reads as the cap.
  const std::string doc =
      R"({"format":"pathwise-learner-profile","version":"1.0","learner":"u","responses":1,)"
      R"("skills":{"s":{"p_known":0.9,"attempts":1,"correct":1,"streak":1,"half_life_days":1e6}}})";
  CHECK(LearnerProfile::from_json(doc).skills.at("s").half_life_days == kMaxHalfLifeDays);
  CHECK(error_from([] {
          (void)LearnerProfile::from_json(
              R"({"format":"pathwise-learner-profile","version":"1.0","learner":"u",)"
              R"("responses":1,"skills":{"s":{"p_known":0.9,"attempts":1,"correct":1,)"
              R"("streak":1,"half_life_days":-1}}})");
        }).location().field == "skills.s.half_life_days");
}
