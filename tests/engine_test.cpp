#include "pathwise/engine.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "engine_fixtures.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/response_log.hpp"

using namespace pathwise;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

Engine make_engine(PolicyConfig config = {}) {
  return Engine(fixtures::small_curriculum(), fixtures::small_model(), config,
                std::make_unique<InMemoryStore>());
}

const TimePoint kT0 = from_millis(1700000000000);

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("no error");
  return Error(ErrorCode::Internal, "unreachable");
}

}  // namespace

TEST_CASE("engine: a response updates mastery by the hand-worked BKT numbers", "[engine]") {
  Engine engine = make_engine();
  // addition: prior 0.3, learn 0.2, guess 0.25, slip 0.1. Correct: 0.27 / 0.445, then learn.
  engine.record({"u1", "a1", Outcome::Correct, kT0});
  CHECK_THAT(engine.profile("u1").mastery("addition"), WithinAbs(0.6853932584269663, 1e-12));
  // Incorrect next: 0.68539 * 0.1 / (0.068539 + 0.31461 * 0.75), then + (1 - post) * 0.2.
  double p = 0.6853932584269663;
  double post = p * 0.1 / (p * 0.1 + (1 - p) * 0.75);
  engine.record({"u1", "a1", Outcome::Incorrect, kT0 + std::chrono::seconds(5)});
  CHECK_THAT(engine.profile("u1").mastery("addition"), WithinAbs(post + (1 - post) * 0.2, 1e-12));
  CHECK(engine.profile("u1").mastery("counting") == 0.5);  // untouched
}

TEST_CASE("engine: a wrong answer to a two-skill item is blamed conjunctively unless configured",
          "[engine]") {
  // a2 needs addition (0.3; guess 0.25, slip 0.1) and counting (0.5; guess 0.2, slip 0.1);
  // P(correct) 0.445 and 0.55, learn 0.2 each.
  SECTION("default: conjunctive") {
    // addition: 0.3 (1 - 0.9 * 0.55) / 0.75525 = 0.200595829, then learning -> 0.360476663.
    // counting: 0.5 (1 - 0.9 * 0.445) / 0.75525 = 0.396888447, then learning -> 0.517510758.
    Engine engine = make_engine();
    engine.record({"u1", "a2", Outcome::Incorrect, kT0});
    CHECK_THAT(engine.profile("u1").mastery("addition"), WithinAbs(0.3604766633565044, 1e-12));
    CHECK_THAT(engine.profile("u1").mastery("counting"), WithinAbs(0.5175107580271433, 1e-12));
  }
  SECTION("classic: each skill takes the whole blame") {
    // addition: 0.03 / 0.555, counting: 0.05 / 0.45, each then learning.
    PolicyConfig classic;
    classic.rules.conjunctive_update = false;
    Engine engine = make_engine(classic);
    engine.record({"u1", "a2", Outcome::Incorrect, kT0});
    CHECK_THAT(engine.profile("u1").mastery("addition"), WithinAbs(0.24324324324324326, 1e-12));
    CHECK_THAT(engine.profile("u1").mastery("counting"), WithinAbs(0.2888888888888889, 1e-12));
  }
}

TEST_CASE("engine: online updates give the same numbers as offline prediction of the log",
          "[engine]") {
  // Offline, a row of several skills is listed under each; online that is the classic update.
  PolicyConfig classic;
  classic.rules.conjunctive_update = false;
  Engine engine = make_engine(classic);
  BktModel model = fixtures::small_model();
  ResponseLog::Builder b;
  const char* items[] = {"c1", "a2", "c2", "a1", "a2", "c1", "f1", "a1"};
  const Outcome outs[] = {Outcome::Correct,   Outcome::Incorrect, Outcome::Correct,
                          Outcome::Correct,   Outcome::Correct,   Outcome::Incorrect,
                          Outcome::Incorrect, Outcome::Correct};
  Curriculum cur = fixtures::small_curriculum();
  std::vector<std::pair<std::string, double>> online;  // (skill, P(correct) before the response)
  for (int i = 0; i < 8; ++i) {
    const Item& it = cur.item(items[i]);
    LearnerProfile before = i ? engine.profile("u1") : new_profile("u1", cur, model);
    for (const auto& s : it.skills) {
      online.emplace_back(s, predict_correct(model.skill(s), before.mastery(s)));
      b.add("u1", s, items[i], outs[i], static_cast<double>(i));  // a multi-skill row per skill
    }
    engine.record({"u1", items[i], outs[i], kT0 + std::chrono::seconds(i)});
  }
  ResponseLog log = b.build();
  std::vector<double> offline = predict(model, log);
  // Match each online prediction to the offline one of the same skill and position.
  std::map<std::string, std::vector<double>> by_skill_online, by_skill_offline;
  for (const auto& [s, pc] : online) by_skill_online[s].push_back(pc);
  for (const auto& seq : log.sequences())
    for (auto k = seq.begin; k < seq.end; ++k)
      by_skill_offline[log.skill_name(seq.skill)].push_back(offline[k]);
  REQUIRE(by_skill_online.size() == by_skill_offline.size());
  for (const auto& [s, v] : by_skill_online) {
    INFO("skill " << s);
    REQUIRE(v.size() == by_skill_offline[s].size());
    for (std::size_t k = 0; k < v.size(); ++k) CHECK(v[k] == by_skill_offline[s][k]);
  }
}

TEST_CASE("engine: bad input is an Error naming what was wrong, never a crash", "[engine]") {
  Engine engine = make_engine();
  const std::string secret = "stu-SECRET-0001";
  engine.record({secret, "c1", Outcome::Correct, kT0});
  LearnerProfile before = engine.profile(secret);

  Error unknown_item = error_of([&] { engine.record({secret, "zz9", Outcome::Correct, kT0}); });
  CHECK(unknown_item.code() == ErrorCode::UnknownItem);
  CHECK_THAT(unknown_item.message(), Contains("zz9"));

  Error bad_outcome = error_of([&] {
    engine.record({secret, "c1", static_cast<Outcome>(2), kT0 + std::chrono::seconds(1)});
  });
  CHECK(bad_outcome.code() == ErrorCode::InvalidArgument);

  // Beyond the reordering tolerance (10 minutes by default): rejected.
  Error backwards = error_of([&] {
    engine.record({secret, "c1", Outcome::Correct, kT0 - std::chrono::minutes(11)});
  });
  CHECK(backwards.code() == ErrorCode::InvalidArgument);
  CHECK(backwards.location().field == "time");
  CHECK_THAT(backwards.message(), Contains("before the learner's previous response"));
  // Far ahead of the clock: rejected up front, so it cannot hold back later answers.
  Error future = error_of([&] {
    engine.record({secret, "c1", Outcome::Correct,
                   std::chrono::system_clock::now() + std::chrono::hours(24 * 365)});
  });
  CHECK(future.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(future.message(), Contains("ahead of this machine's clock"));
  CHECK(engine.profile(secret) == before);  // nothing changed

  // Ids: empty, not UTF-8 or too long are refused alike by every call that takes one.
  for (const std::string& bad :
       {std::string(), std::string("stu-\xff\xfe"), std::string("stu-1\0-2", 9),
        std::string(kMaxLearnerIdBytes + 1, 'x')}) {
    std::vector<Error> errors;
    errors.push_back(error_of([&] { engine.record({bad, "c1", Outcome::Correct, kT0}); }));
    errors.push_back(error_of([&] { (void)engine.recommend(bad, kT0); }));
    errors.push_back(error_of([&] { (void)engine.profile(bad); }));
    errors.push_back(error_of([&] { engine.set_goals(bad, {}); }));
    errors.push_back(error_of([&] { (void)engine.export_learner(bad); }));
    errors.push_back(error_of([&] { (void)engine.erase_learner(bad); }));
    for (const Error& e : errors) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      CHECK(e.location().field == "learner");
    }
  }
  CHECK(engine.class_summary().learners == 1);

  // A learner with nothing stored has the fresh profile; an export says nothing is held.
  LearnerProfile fresh = engine.profile("never-seen");
  CHECK(fresh.responses == 0);
  CHECK(fresh.mastery("addition") == fixtures::small_model().skill("addition").prior);
  Error nobody = error_of([&] { (void)engine.export_learner("never-seen"); });
  CHECK(nobody.code() == ErrorCode::UnknownLearner);

  Error goal = error_of([&] { engine.set_goals(secret, {"calculus"}); });
  CHECK(goal.code() == ErrorCode::UnknownSkill);

  for (const Error* e : {&unknown_item, &bad_outcome, &backwards, &nobody, &goal}) {
    CHECK(std::string(e->what()).find(secret) == std::string::npos);
  }
}

TEST_CASE("engine: a model without a curriculum skill or a bad config is refused", "[engine]") {
  BktModel partial;
  partial.set_skill("counting", {0.5, 0.2, 0.0, 0.2, 0.1});
  Error e = error_of([&] { Engine(fixtures::small_curriculum(), partial); });
  CHECK(e.code() == ErrorCode::UnknownSkill);
  PolicyConfig bad;
  bad.rules.mastery_threshold = 1.5;
  CHECK(error_of([&] {
          Engine(fixtures::small_curriculum(), fixtures::small_model(), bad);
        }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("engine: a new learner is offered the first skill with its prerequisites met",
          "[engine]") {
  Engine engine = make_engine();
  auto next = engine.recommend("newcomer", kT0);
  REQUIRE(next);
  CHECK(next->skill == "counting");
  CHECK_FALSE(next->item.empty());
  CHECK_FALSE(next->explanation.empty());
  CHECK(engine.profile("newcomer").responses == 0);  // recommending stores nothing
  CHECK(engine.class_summary().learners == 0);
}

TEST_CASE("engine: goals narrow the work and prerequisites come first", "[engine]") {
  Engine engine = make_engine();
  engine.set_goals("u1", {"addition"});
  auto next = engine.recommend("u1", kT0);
  REQUIRE(next);
  CHECK(next->reason == Reason::Prerequisite);
  CHECK(next->skill == "counting");
  CHECK_THAT(next->explanation, Contains("Addition"));
  // Master counting: then addition itself is practised.
  auto t = kT0;
  for (int i = 0; i < 30 && engine.profile("u1").mastery("counting") < 0.95; ++i)
    engine.record({"u1", "c1", Outcome::Correct, t += std::chrono::seconds(10)});
  next = engine.recommend("u1", t);
  REQUIRE(next);
  CHECK(next->skill == "addition");
  for (int i = 0; i < 30 && engine.profile("u1").mastery("addition") < 0.95; ++i)
    engine.record({"u1", "a1", Outcome::Correct, t += std::chrono::seconds(10)});
  next = engine.recommend("u1", t);
  REQUIRE(next);
  CHECK(next->reason == Reason::Done);
  CHECK(next->item.empty());
}

TEST_CASE("engine: export holds the profile and every response; class summary counts", "[engine]") {
  std::string db = fixtures::temp_path("export.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                SqliteStore::open(db));
  engine.record({"u1", "c1", Outcome::Correct, kT0});
  engine.record({"u1", "a1", Outcome::Incorrect, kT0 + std::chrono::seconds(1)});
  engine.record({"u2", "c1", Outcome::Correct, kT0});
  auto j = nlohmann::json::parse(engine.export_learner("u1"));
  CHECK(j.at("format") == "pathwise-learner-export");
  CHECK(j.at("profile").at("learner") == "u1");
  CHECK(j.at("profile").at("responses") == 2);
  REQUIRE(j.at("responses").size() == 2);
  CHECK(j.at("responses")[1].at("item") == "a1");
  CHECK(j.at("responses")[1].at("outcome") == 0);
  ClassSummary cs = engine.class_summary();
  CHECK(cs.learners == 2);
  REQUIRE(cs.skills.size() == 3);
  CHECK(cs.skills[0].skill == "counting");
  CHECK(cs.skills[0].learners == 2);
  std::size_t total = 0;
  for (auto c : cs.skills[0].histogram) total += c;
  CHECK(total == 2);
  CHECK_THAT(cs.skills[0].mean, WithinAbs(engine.profile("u1").mastery("counting"), 1e-12));
}

TEST_CASE("engine: 8 threads x 100k records lose no update", "[engine][stress]") {
  Engine engine = make_engine();
  constexpr int kThreads = 8, kPerThread = 100000;
  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      // Even threads share one learner; odd threads each have their own.
      std::string learner = t % 2 == 0 ? "shared" : "own-" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        try {
          // One fixed time: concurrent threads of the shared learner never go backwards.
          engine.record(
              {learner, i % 2 ? "c1" : "a1", i % 3 ? Outcome::Correct : Outcome::Incorrect, kT0});
        } catch (...) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(failures == 0);
  LearnerProfile shared = engine.profile("shared");
  CHECK(shared.responses == 4u * kPerThread);
  CHECK(shared.skills.at("counting").attempts == 4u * kPerThread / 2);
  CHECK(shared.skills.at("addition").attempts == 4u * kPerThread / 2);
  for (int t = 1; t < kThreads; t += 2) {
    LearnerProfile own = engine.profile("own-" + std::to_string(t));
    CHECK(own.responses == static_cast<std::uint64_t>(kPerThread));
    // i % 3 != 0 is correct: 66,666 of 100,000.
    CHECK(own.skills.at("counting").correct + own.skills.at("addition").correct == 66666u);
  }
}

namespace {
// A custom policy: always the first item of the curriculum.
class FirstItem final : public Policy {
 public:
  std::optional<Recommendation> recommend(const PolicyContext& ctx, const LearnerProfile&,
                                          TimePoint) const override {
    Recommendation r;
    r.item = ctx.curriculum.items().front().id;
    r.skill = ctx.curriculum.items().front().skills.front();
    r.reason = Reason::Practice;
    r.explanation = "always the first item";
    return r;
  }
};
}  // namespace

TEST_CASE("engine: a custom policy plugs in", "[engine]") {
  Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                std::make_unique<InMemoryStore>(), std::make_unique<FirstItem>());
  engine.record({"u1", "f1", Outcome::Correct, kT0});
  auto next = engine.recommend("u1", kT0);
  REQUIRE(next);
  CHECK(next->item == "c1");
  CHECK(next->explanation == "always the first item");
}

TEST_CASE("engine: asking about unknown learners keeps nothing about them", "[engine]") {
  Engine engine = make_engine();
  for (int i = 0; i < 1000; ++i) {
    (void)engine.recommend("visitor-" + std::to_string(i), kT0);
    CHECK(engine.profile("visitor-" + std::to_string(i)).responses == 0);
  }
  CHECK(engine.class_summary().learners == 0);
  CHECK(engine.cached_learners() == 0);
}

TEST_CASE("engine: an engine moves with its learners and store", "[engine]") {
  EngineOptions synthetic;
  synthetic.check_clock = false;
  Engine a(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
           std::make_unique<InMemoryStore>(), synthetic);
  a.record({"u", "c1", Outcome::Correct, from_millis(1700000000000)});
  std::vector<Engine> engines;
  engines.push_back(std::move(a));
  CHECK(engines[0].profile("u").responses == 1);
  Engine b(fixtures::small_curriculum(), fixtures::small_model());
  b = std::move(engines[0]);
  b.record({"u", "c1", Outcome::Correct, from_millis(1700000001000)});
  CHECK(b.profile("u").responses == 2);
  static_assert(std::is_nothrow_move_constructible_v<Engine>);
}

namespace {

/// Three skills with two single-skill items each, no difficulty hints.
Curriculum three_skill_course() {
  return Curriculum::from_json(R"({
    "format": "pathwise-curriculum", "version": "1.0",
    "skills": [{"id": "s0"}, {"id": "s1"}, {"id": "s2"}],
    "items": [
      {"id": "s0-a", "skills": ["s0"]}, {"id": "s0-b", "skills": ["s0"]},
      {"id": "s1-a", "skills": ["s1"]}, {"id": "s1-b", "skills": ["s1"]},
      {"id": "s2-a", "skills": ["s2"]}, {"id": "s2-b", "skills": ["s2"]}]})");
}

/// Learners answering the three skills interleaved at random, each with an ability of their own
/// (a shift of the logit of BKT's P(correct), what the layer is there to find). Rows are in
/// time order: row r is answered r seconds after kT0.
ResponseLog interleaved_log(int learners, int per_learner, std::uint32_t seed) {
  BktModel truth;
  truth.set_skill("s0", {0.35, 0.15, 0.0, 0.2, 0.1});
  truth.set_skill("s1", {0.2, 0.2, 0.0, 0.25, 0.12});
  truth.set_skill("s2", {0.5, 0.1, 0.0, 0.15, 0.08});
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> spread(0.0, 1.0);
  const char* skills[] = {"s0", "s1", "s2"};
  ResponseLog::Builder b;
  std::uint32_t row = 0;
  for (int l = 0; l < learners; ++l) {
    const double ability = spread(rng);
    bool known[3];
    for (int k = 0; k < 3; ++k) known[k] = u(rng) < truth.skill(skills[k]).prior;
    for (int t = 0; t < per_learner; ++t) {
      const int k = static_cast<int>(u(rng) * 3.0) % 3;
      const BktParams& p = truth.skill(skills[k]);
      const double pc = known[k] ? 1.0 - p.slip : p.guess;
      const double z = std::log(pc / (1.0 - pc)) + ability;
      const bool ok = u(rng) < 1.0 / (1.0 + std::exp(-z));
      if (!known[k] && u(rng) < p.learn) known[k] = true;
      ++row;
      const std::string item = std::string(skills[k]) + (u(rng) < 0.5 ? "-a" : "-b");
      b.add("learner-" + std::to_string(l), skills[k], item,
            ok ? Outcome::Correct : Outcome::Incorrect, static_cast<long double>(row), row, row);
    }
  }
  return b.build();
}

}  // namespace

TEST_CASE(
    "engine: with a fitted learner layer, online P(correct) equals offline predict, "
    "response by response, and so does the learner state",
    "[engine][learner]") {
  const ResponseLog log = interleaved_log(40, 40, 11);
  FitOptions fo;
  fo.learner.enabled = true;
  const BktModel model = fit(log, fo);
  REQUIRE(model.learner());
  const LearnerLayer& layer = *model.learner();
  const std::vector<double> offline = predict(model, log);
  const Predictions states = predict_states(model, log);
  REQUIRE(offline.size() == 1600);
  // The layer moves predictions well beyond the tolerance: the comparison below can tell.
  double moved = 0.0;
  for (std::size_t i = 0; i < offline.size(); ++i)
    moved = std::max(moved, std::fabs(offline[i] - states.bkt_correct[i]));
  CHECK(moved > 0.1);

  EngineOptions synthetic;
  synthetic.check_clock = false;
  Engine engine(three_skill_course(), model, PolicyConfig{}, std::make_unique<InMemoryStore>(),
                synthetic);
  const Curriculum& cur = engine.curriculum();
  // The responses in row order, with their learner and skill.
  std::vector<std::uint64_t> by_row(log.size());
  std::vector<std::uint32_t> skill_of(log.size()), learner_of(log.size());
  for (const auto& sq : log.sequences())
    for (auto i = sq.begin; i < sq.end; ++i) {
      by_row[log.rows()[i] - 1] = i;
      skill_of[i] = sq.skill;
      learner_of[i] = sq.learner;
    }
  // The offline walk of the layer's state: LearnerLayer::update with BKT's offline P(correct).
  std::map<std::string, LearnerState> walk;
  std::size_t checked = 0, recommendations = 0;
  for (std::uint64_t i : by_row) {
    const std::string learner = log.learner_id(learner_of[i]);
    const std::string& skill = log.skill_name(skill_of[i]);
    const std::string& item = log.item_id(log.items()[i]);
    const Outcome out = log.outcomes()[i] ? Outcome::Correct : Outcome::Incorrect;
    const LearnerProfile before = engine.profile(learner);
    PolicyContext ctx{cur, engine.model(), engine.config()};
    ctx.learner_state = before.learner_state ? &*before.learner_state : nullptr;
    const double online =
        item_p_correct(ctx, *cur.item_index(item), *cur.skill_index(skill), before.mastery(skill));
    INFO("response " << checked << " (row " << log.rows()[i] << ")");
    CHECK_THAT(online, WithinAbs(offline[i], 1e-12));
    if (checked % 5 == 0) {
      // The engine's own recommendation predicts with the same state.
      const auto r = engine.recommend(learner, kT0 + std::chrono::seconds(log.rows()[i]));
      if (r && !r->item.empty()) {
        const std::uint32_t ri = *cur.item_index(r->item), rs = *cur.skill_index(r->skill);
        CHECK(r->p_correct == item_p_correct(ctx, ri, rs, before.mastery(r->skill)));
        if (r->reason == Reason::Practice || r->reason == Reason::Remediate ||
            r->reason == Reason::Challenge) {
          CHECK_THAT(r->explanation, Contains("learner ability"));
        }
        ++recommendations;
      }
    }
    engine.record({learner, item, out, kT0 + std::chrono::seconds(log.rows()[i])});
    layer.update(walk[learner], skill, states.bkt_correct[i], out);
    ++checked;
  }
  CHECK(checked == 1600);
  CHECK(recommendations > 100);
  for (const auto& [learner, expected] : walk) {
    INFO(learner);
    const LearnerProfile p = engine.profile(learner);
    REQUIRE(p.learner_state);
    const LearnerState& got = *p.learner_state;
    CHECK(got.responses == expected.responses);
    CHECK(got.last == expected.last);
    CHECK(got.skills == expected.skills);
    CHECK_THAT(got.residual_sum, WithinAbs(expected.residual_sum, 1e-12));
    CHECK_THAT(got.recent, WithinAbs(expected.recent, 1e-12));
    CHECK_THAT(got.recent_slow, WithinAbs(expected.recent_slow, 1e-12));
    CHECK(p.learner_ability == layer.ability(got));
    CHECK_THAT(p.learner_ability, WithinAbs(layer.ability(expected), 1e-12));
  }
}

TEST_CASE("engine: a model without a layer keeps no learner state, and its profiles stay 1.0",
          "[engine][learner]") {
  Engine engine = make_engine();
  engine.record({"u1", "a1", Outcome::Correct, kT0});
  engine.record({"u1", "a2", Outcome::Incorrect, kT0 + std::chrono::seconds(3)});
  const LearnerProfile p = engine.profile("u1");
  CHECK(!p.learner_state);
  CHECK(p.learner_ability == 0.0);
  const auto j = nlohmann::json::parse(p.to_json());
  CHECK(j.at("version") == "1.0");
  CHECK(!j.contains("learner_state"));
  const auto r = engine.recommend("u1", kT0 + std::chrono::seconds(4));
  REQUIRE(r);
  CHECK_THAT(r->explanation, !Contains("ability"));
}

TEST_CASE("engine: with a layer, a two-skill item records the state once per skill, in order",
          "[engine][learner]") {
  Engine engine(fixtures::small_curriculum(), fixtures::layered_model());
  // a2 is [addition, counting]: BKT's P(correct) 0.3 * 0.9 + 0.7 * 0.25 = 0.445 and
  // 0.5 * 0.9 + 0.5 * 0.2 = 0.55 before the answer; correct, so residuals 0.555 and 0.45.
  const auto now = std::chrono::system_clock::now();
  engine.record({"u1", "a2", Outcome::Correct, now});
  const LearnerProfile p = engine.profile("u1");
  REQUIRE(p.learner_state);
  const LearnerState& s = *p.learner_state;
  CHECK(s.responses == 2);
  CHECK(s.last == 1);
  CHECK_THAT(s.residual_sum, WithinAbs(0.555 + 0.45, 1e-15));
  // Recent: 0.1 * 0.555 first, then 0.9 of that + 0.1 * 0.45.
  CHECK_THAT(s.recent, WithinAbs(0.9 * 0.1 * 0.555 + 0.1 * 0.45, 1e-15));
  CHECK(s.skills.at("addition").last_seen == 1);
  CHECK(s.skills.at("counting").last_seen == 2);
  CHECK(s.skills.at("addition").opportunities == 1);
  CHECK_THAT(p.learner_ability, WithinAbs(1.005 / 22.0, 1e-15));
  // The explanation cites the ability the policy used.
  const auto r = engine.recommend("u1", now);
  REQUIRE(r);
  CHECK_THAT(r->explanation, Contains("learner ability +0.05"));
  const auto j = nlohmann::json::parse(p.to_json());
  CHECK(j.at("version") == "1.1");
  CHECK(j.at("learner_state").at("responses") == 2);
  CHECK(j.at("learner_state").at("ability") == p.learner_ability);
}

namespace {

// One InMemoryStore shared by several engines of one process, as hosts may do.
class SharedStore final : public ProfileStore {
 public:
  explicit SharedStore(std::shared_ptr<InMemoryStore> s) : s_(std::move(s)) {}
  std::optional<StoredProfile> load(const std::string& l) override { return s_->load(l); }
  std::uint64_t version(const std::string& l) override { return s_->version(l); }
  void update(const std::string& l, CachedProfile& c, const UpdateFn& fn) override {
    s_->update(l, c, fn);
  }
  bool erase(const std::string& l) override { return s_->erase(l); }
  std::size_t for_each(const std::function<void(const LearnerProfile&)>& fn) override {
    return s_->for_each(fn);
  }
  void import(const LearnerProfile& p, const std::vector<ResponseRecord>& r) override {
    s_->import(p, r);
  }

 private:
  std::shared_ptr<InMemoryStore> s_;
};

}  // namespace

TEST_CASE("engine: engines numbering skills differently share one in-memory store exactly",
          "[engine][learner]") {
  // The store copies only what a response changes, through an index by the engine's skill
  // numbers: two engines with the skills in other orders, goal changes and an erasure in between
  // must leave it holding what applying the responses one by one gives.
  const Curriculum a = fixtures::small_curriculum();
  const Curriculum b = Curriculum::from_json(R"({
    "format": "pathwise-curriculum", "version": "1.0",
    "skills": [
      {"id": "fractions", "name": "Fractions", "prerequisites": ["addition"]},
      {"id": "addition", "name": "Addition", "prerequisites": ["counting"]},
      {"id": "counting", "name": "Counting"}
    ],
    "items": [
      {"id": "f2", "skills": ["fractions"], "difficulty": 0.9},
      {"id": "a2", "skills": ["addition", "counting"]},
      {"id": "c1", "skills": ["counting"], "difficulty": 0.3},
      {"id": "f1", "skills": ["fractions"]},
      {"id": "a1", "skills": ["addition"]},
      {"id": "c2", "skills": ["counting"], "difficulty": 0.7}
    ]})");
  for (const bool layered : {false, true}) {
    const BktModel model = layered ? fixtures::layered_model() : fixtures::small_model();
    auto shared = std::make_shared<InMemoryStore>();
    Engine ea(a, model, {}, std::make_unique<SharedStore>(shared));
    Engine eb(b, model, {}, std::make_unique<SharedStore>(shared));
    const ProfileRules rules = PolicyConfig{}.profile_rules();
    std::map<std::string, LearnerProfile> offline;
    std::mt19937 rng(7);
    const std::vector<std::string> learners = {"u1", "u2", "u3"};
    // Whole milliseconds, as the stores keep them.
    TimePoint t = from_millis(to_millis(std::chrono::system_clock::now()) - 86400000);
    for (int i = 0; i < 400; ++i) {
      const std::string& l = learners[rng() % learners.size()];
      Engine& e = rng() % 2 ? ea : eb;
      t += std::chrono::seconds(1 + rng() % 100);
      if (i % 97 == 50) {
        const std::vector<std::string> goals = {i % 2 ? "fractions" : "addition"};
        e.set_goals(l, goals);
        if (!offline.count(l)) offline.emplace(l, new_profile(l, a, model));
        offline.at(l).goals = goals;
        continue;
      }
      if (i == 233) {
        e.erase_learner(l);
        offline.erase(l);
        continue;
      }
      const std::uint32_t item = static_cast<std::uint32_t>(rng() % a.items().size());
      const Outcome o = rng() % 3 ? Outcome::Correct : Outcome::Incorrect;
      e.record({l, a.items()[item].id, o, t});
      if (!offline.count(l)) offline.emplace(l, new_profile(l, a, model));
      apply_response(offline.at(l), a, model, rules, item, o, t);
    }
    for (const auto& [l, want] : offline) {
      INFO("layer " << layered << ", learner " << l);
      const auto held = shared->load(l);
      REQUIRE(held);
      CHECK(held->profile.to_json(1) == want.to_json(1));
      CHECK(ea.profile(l) == want);
      CHECK(eb.profile(l) == want);
    }
  }
}

TEST_CASE("engine: forecasts each goal skill from the learner's P(known)", "[engine]") {
  Engine e = make_engine();
  const BktModel m = fixtures::small_model();
  const ProfileRules rules = e.config().rules;
  // Nothing stored: every skill at its prior.
  std::vector<SkillForecast> fresh = e.forecast("L1");
  REQUIRE(fresh.size() == 3);
  CHECK(fresh[0].skill == "counting");
  CHECK(fresh[0].p_known == 0.5);
  CHECK(fresh[0].forecast == forecast_mastery(m.skill("counting"), 0.5, rules));
  CHECK(fresh[2].forecast == forecast_mastery(m.skill("fractions"), 0.2, rules));
  CHECK(fresh[2].forecast.expected > fresh[0].forecast.expected);  // a lower prior, slower
  e.record({"L1", "c1", Outcome::Correct, kT0});
  e.record({"L1", "c2", Outcome::Incorrect, kT0 + std::chrono::seconds(30)});
  const LearnerProfile p = e.profile("L1");
  std::vector<SkillForecast> after = e.forecast("L1");
  CHECK(after[0].p_known == p.mastery("counting"));
  CHECK(after[0].forecast == forecast_mastery(m.skill("counting"), p.mastery("counting"), rules));
  e.set_goals("L1", {"fractions"});
  std::vector<SkillForecast> goal = e.forecast("L1");
  REQUIRE(goal.size() == 1);
  CHECK(goal[0].skill == "fractions");
  ForecastOptions o;
  o.max_attempts = 5;
  CHECK(e.forecast("L1", o)[0].forecast.cap == 5);
  o.max_attempts = 0;
  CHECK_THROWS_AS(e.forecast("L1", o), Error);
  CHECK_THROWS_AS(e.forecast(""), Error);

  SECTION("the class summary holds the mean forecast of the learners not yet mastered") {
    e.record({"L2", "c1", Outcome::Correct, kT0});
    const double p1 = e.profile("L1").mastery("counting"), p2 = e.profile("L2").mastery("counting");
    REQUIRE(p1 < rules.mastery_threshold);
    REQUIRE(p2 < rules.mastery_threshold);
    // Linear interpolation between the forecasts at the grid points (0.01 apart) around pk.
    auto at = [&](double pk) {
      const double lo = std::floor(pk * 100.0) / 100.0, hi = lo + 0.01, w = (pk - lo) / 0.01;
      const double e_lo = forecast_mastery(m.skill("counting"), lo, rules).expected;
      if (hi >= rules.mastery_threshold) return e_lo;
      return (1 - w) * e_lo + w * forecast_mastery(m.skill("counting"), hi, rules).expected;
    };
    ClassSummary cs = e.class_summary();
    CHECK(cs.skills[0].forecast_learners == 2);
    CHECK_THAT(cs.skills[0].mean_forecast, WithinAbs((at(p1) + at(p2)) / 2, 1e-9));
    // ... close to the mean of the learners' own forecasts.
    const double own = (forecast_mastery(m.skill("counting"), p1, rules).expected +
                        forecast_mastery(m.skill("counting"), p2, rules).expected) /
                       2;
    CHECK_THAT(cs.skills[0].mean_forecast, WithinAbs(own, 0.02 * own));
    CHECK(nlohmann::json::parse(cs.to_json()).at("skills").at(0).at("forecast_learners") == 2);
  }
}
