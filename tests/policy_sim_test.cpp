#include "pathwise/policy_sim.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

#include "pathwise/json.hpp"

using namespace pathwise;
using Catch::Matchers::WithinAbs;

namespace {

Curriculum sim_curriculum() {
  return Curriculum::from_json(R"({"format":"pathwise-curriculum","version":"1.0",
    "skills":[{"id":"a"},{"id":"b","prerequisites":["a"]},{"id":"c","prerequisites":["a"]}],
    "items":[{"id":"a1","skills":["a"]},{"id":"a2","skills":["a"],"difficulty":0.7},
             {"id":"b1","skills":["b"]},{"id":"b2","skills":["b"]},
             {"id":"c1","skills":["c"]},{"id":"c2","skills":["c"],"difficulty":0.3}]})");
}

BktModel sim_model() {
  BktModel m;
  m.set_skill("a", {0.4, 0.25, 0.0, 0.2, 0.1});
  m.set_skill("b", {0.2, 0.2, 0.0, 0.15, 0.1});
  m.set_skill("c", {0.1, 0.2, 0.0, 0.2, 0.08});
  return m;
}

PolicySimulationOptions small_options() {
  PolicySimulationOptions o;
  o.learners = 400;
  o.fixed_per_skill = 4;
  return o;
}

const std::vector<SimPolicy> kAll = {SimPolicy::Fixed, SimPolicy::Random, SimPolicy::Mastery,
                                     SimPolicy::Pathwise, SimPolicy::Oracle};

}  // namespace

TEST_CASE("policy_sim: the oracle never over-practises and never declares false mastery",
          "[policy_sim]") {
  auto rs = simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Oracle}, small_options());
  REQUIRE(rs.size() == 1);
  for (const LearnerRun& r : rs[0].learners) {
    CHECK(r.over_practice == 0);
    CHECK(r.false_mastery == 0.0);
    CHECK(r.declared_done);
    CHECK(r.attempts_to_mastery == static_cast<long>(r.attempts));
  }
  CHECK(rs[0].curve.back() == 1.0);
}

TEST_CASE("policy_sim: the fixed order ignores responses", "[policy_sim]") {
  auto rs = simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Fixed}, small_options());
  for (const LearnerRun& r : rs[0].learners) {
    CHECK(r.attempts == 12);  // 4 items x 3 skills, whatever the answers
    CHECK(r.declared_done);
  }
}

TEST_CASE("policy_sim: the same seed reproduces every learner's run exactly", "[policy_sim]") {
  auto x = simulate_policies(sim_curriculum(), sim_model(), kAll, small_options());
  auto y = simulate_policies(sim_curriculum(), sim_model(), kAll, small_options());
  REQUIRE(x.size() == y.size());
  for (std::size_t p = 0; p < x.size(); ++p) {
    INFO("policy " << to_string(x[p].policy));
    for (std::size_t l = 0; l < x[p].learners.size(); ++l) {
      CHECK(x[p].learners[l].attempts == y[p].learners[l].attempts);
      CHECK(x[p].learners[l].false_mastery == y[p].learners[l].false_mastery);
    }
    CHECK(x[p].curve == y[p].curve);
  }
  PolicySimulationOptions other = small_options();
  other.population.seed = 2;
  auto z = simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Mastery}, other);
  CHECK(z[0].attempts.mean != x[2].attempts.mean);
}

TEST_CASE("policy_sim: adaptive policies stop with few goal skills unknown, the oracle soonest",
          "[policy_sim]") {
  auto rs = simulate_policies(sim_curriculum(), sim_model(), kAll, small_options());
  const PolicyResult &mastery = rs[2], &pathwise = rs[3], &oracle = rs[4];
  CHECK(mastery.false_mastery.mean < 0.1);
  CHECK(pathwise.false_mastery.mean < 0.1);
  CHECK(oracle.attempts.mean < mastery.attempts.mean);
  CHECK(oracle.attempts.mean < pathwise.attempts.mean);
  for (const auto& r : rs) {
    INFO("policy " << to_string(r.policy));
    REQUIRE(r.curve.size() == small_options().max_attempts + 1);
    // Without forgetting nobody unlearns: the mean share known never drops.
    for (std::size_t k = 1; k < r.curve.size(); ++k) CHECK(r.curve[k] >= r.curve[k - 1] - 1e-12);
  }
}

TEST_CASE("policy_sim: forgetting raises false mastery after the delay", "[policy_sim]") {
  PolicySimulationOptions o = small_options();
  o.population.forget_per_day = 0.02;
  auto rs = simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Oracle}, o);
  CHECK(rs[0].false_mastery_delayed.mean > rs[0].false_mastery.mean + 0.1);
}

TEST_CASE("policy_sim: the baselines' update rule is theirs alone", "[policy_sim]") {
  // The built-in course has two-skill items (mul-3, frac-3). The mastery tutor's runs change
  // with its update rule; Pathwise's do not, and they change with Pathwise's own rule.
  const SyntheticCourse course = synthetic_course();
  PolicySimulationOptions o = small_options();
  o.learners = 200;
  auto classic = simulate_policies(course.curriculum, course.model,
                                   {SimPolicy::Mastery, SimPolicy::Pathwise}, o);
  o.baseline_conjunctive_update = true;
  auto conjunctive = simulate_policies(course.curriculum, course.model,
                                       {SimPolicy::Mastery, SimPolicy::Pathwise}, o);
  CHECK(classic[0].attempts.mean != conjunctive[0].attempts.mean);
  CHECK(classic[1].attempts.mean == conjunctive[1].attempts.mean);
  CHECK(classic[1].false_mastery.mean == conjunctive[1].false_mastery.mean);
  o.config.rules.conjunctive_update = false;
  auto pathwise_classic = simulate_policies(course.curriculum, course.model,
                                            {SimPolicy::Mastery, SimPolicy::Pathwise}, o);
  CHECK(pathwise_classic[0].attempts.mean == conjunctive[0].attempts.mean);
  CHECK(pathwise_classic[1].attempts.mean != conjunctive[1].attempts.mean);
}

TEST_CASE("policy_sim: Pathwise is told the population's forgetting rate unless hidden",
          "[policy_sim]") {
  // No forgetting: told so, the sequencer never reviews and needs fewer attempts than with its
  // own review schedule; the baselines are untouched.
  PolicySimulationOptions o = small_options();
  o.learners = 200;
  auto told = simulate_policies(sim_curriculum(), sim_model(),
                                {SimPolicy::Mastery, SimPolicy::Pathwise}, o);
  o.tell_forgetting = false;
  auto hidden = simulate_policies(sim_curriculum(), sim_model(),
                                  {SimPolicy::Mastery, SimPolicy::Pathwise}, o);
  CHECK(told[0].attempts.mean == hidden[0].attempts.mean);
  CHECK(told[0].false_mastery.mean == hidden[0].false_mastery.mean);
  CHECK(told[1].attempts.mean < hidden[1].attempts.mean);
  // A model's own rate is kept: set to 0 on every skill, hiding changes nothing.
  BktModel m = sim_model();
  for (const char* s : {"a", "b", "c"}) m.set_forget_per_day(s, 0.0);
  auto own = simulate_policies(sim_curriculum(), m, {SimPolicy::Pathwise}, o);
  CHECK(own[0].attempts.mean == told[1].attempts.mean);
}

TEST_CASE("policy_sim: bad settings are refused", "[policy_sim]") {
  PolicySimulationOptions o = small_options();
  o.goals = {"zz"};
  CHECK_THROWS_AS(simulate_policies(sim_curriculum(), sim_model(), kAll, o), Error);
  o = small_options();
  o.learners = 0;
  CHECK_THROWS_AS(simulate_policies(sim_curriculum(), sim_model(), kAll, o), Error);
  CHECK_THROWS_AS(simulate_policies(Curriculum(), sim_model(), kAll, small_options()), Error);
}

namespace {

/// The field named by the Error that `options` gets from simulate_policies().
std::string refused_field(const PolicySimulationOptions& options) {
  try {
    (void)simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Oracle}, options);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    return e.location().field;
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("policy_sim: validate names each field out of range or not finite", "[policy_sim]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_NOTHROW(small_options().validate());
  auto with = [](auto set) {
    PolicySimulationOptions o = small_options();
    set(o);
    return o;
  };
  CHECK(refused_field(with([](auto& o) { o.learners = 0; })) == "learners");
  CHECK(refused_field(with([](auto& o) { o.learners = 10000001; })) == "learners");
  CHECK(refused_field(with([](auto& o) { o.max_attempts = 0; })) == "max_attempts");
  // max_attempts + 1 curve points: the largest size_t would wrap to an empty curve.
  CHECK(refused_field(with([](auto& o) { o.max_attempts = SIZE_MAX; })) == "max_attempts");
  CHECK(refused_field(with([](auto& o) { o.fixed_per_skill = SIZE_MAX; })) == "fixed_per_skill");
  CHECK(refused_field(with([](auto& o) { o.minutes_per_attempt = -1.0; })) ==
        "minutes_per_attempt");
  CHECK(refused_field(with([&](auto& o) { o.minutes_per_attempt = nan; })) ==
        "minutes_per_attempt");
  CHECK(refused_field(with([](auto& o) { o.minutes_per_attempt = 1e6; })) == "minutes_per_attempt");
  CHECK(refused_field(with([&](auto& o) { o.days_between_sessions = inf; })) ==
        "days_between_sessions");
  CHECK(refused_field(with([](auto& o) { o.days_between_sessions = -0.5; })) ==
        "days_between_sessions");
  CHECK(refused_field(with([&](auto& o) { o.delay_days = nan; })) == "delay_days");
  CHECK(refused_field(with([](auto& o) { o.delay_days = -30.0; })) == "delay_days");
  CHECK(refused_field(with([](auto& o) { o.delay_days = 1e300; })) == "delay_days");
  // Each in range, together beyond a century: 10^7 attempts of a week each.
  CHECK(refused_field(with([](auto& o) {
          o.max_attempts = 10000000;
          o.minutes_per_attempt = PolicySimulationOptions::kMaxMinutesPerAttempt;
        })) == "max_attempts");
  // 400 attempts in sessions of 1 with 100-day breaks: 40,000 days.
  CHECK(refused_field(with([](auto& o) {
          o.attempts_per_session = 1;
          o.days_between_sessions = 100.0;
        })) == "max_attempts");
  CHECK(refused_field(with([&](auto& o) { o.population.concentration = nan; })) == "concentration");
  CHECK(refused_field(with([](auto& o) { o.population.forget_per_day = 2.0; })) ==
        "forget_per_day");
  CHECK_THROWS_AS(with([&](auto& o) { o.config.rules.mastery_threshold = nan; }).validate(), Error);
  // Zero time per attempt, no session breaks and no delay are valid settings.
  CHECK(refused_field(with([](auto& o) {
          o.minutes_per_attempt = 0.0;
          o.attempts_per_session = 0;
          o.delay_days = 0.0;
        })) == "(accepted)");
}

TEST_CASE("policy_sim: the fixed order's sweep stops at the first N reaching the target",
          "[policy_sim]") {
  PolicySimulationOptions o = small_options();
  o.learners = 100;
  // Every run has false mastery <= 1: N = 1 matches at once.
  MatchedSweep all = match_fixed_order(sim_curriculum(), sim_model(), o, 1.0);
  REQUIRE(all.points.size() == 1);
  CHECK(all.matched);
  CHECK(all.points[0].setting == 1.0);
  REQUIRE(all.result);
  CHECK(all.result->learners.at(0).attempts == 3);  // 1 item x 3 skills
  // The target half way between N = 1 and N = 3: each point is the plain run at its N.
  std::vector<double> fm;
  for (std::size_t n = 1; n <= 4; ++n) {
    PolicySimulationOptions f = o;
    f.fixed_per_skill = n;
    fm.push_back(simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Fixed}, f)[0]
                     .false_mastery.mean);
  }
  REQUIRE(fm[0] > fm[2]);
  const double target = (fm[0] + fm[2]) / 2;
  MatchedSweep some = match_fixed_order(sim_curriculum(), sim_model(), o, target, 4);
  REQUIRE_FALSE(some.points.empty());
  CHECK(some.points.size() <= 3);
  for (std::size_t k = 0; k < some.points.size(); ++k) {
    CHECK(some.points[k].setting == static_cast<double>(k + 1));
    CHECK(some.points[k].false_mastery.mean == fm[k]);
    CHECK(some.points[k].attempts.mean == 3.0 * static_cast<double>(k + 1));
    if (k + 1 < some.points.size()) CHECK(fm[k] > target);
  }
  CHECK(some.matched);
  CHECK(some.points.back().false_mastery.mean <= target);
  // Nothing reaches a false mastery below 0: the sweep runs to its end without a match.
  MatchedSweep none = match_fixed_order(sim_curriculum(), sim_model(), o, 0.0, 2);
  if (!none.matched) {
    CHECK(none.points.size() == 2);
    CHECK_FALSE(none.result);
  }
  CHECK_THROWS_AS(match_fixed_order(sim_curriculum(), sim_model(), o, 1.5), Error);
  CHECK_THROWS_AS(
      match_fixed_order(sim_curriculum(), sim_model(), o, std::numeric_limits<double>::quiet_NaN()),
      Error);
  CHECK_THROWS_AS(match_fixed_order(sim_curriculum(), sim_model(), o, 0.5, 0), Error);
  o.delay_days = -1;
  CHECK_THROWS_AS(match_fixed_order(sim_curriculum(), sim_model(), o, 0.5), Error);
}

TEST_CASE("policy_sim: the tutor's sweep raises its threshold until the target is reached",
          "[policy_sim]") {
  PolicySimulationOptions o = small_options();
  o.learners = 100;
  MatchedSweep first = match_mastery_tutor(sim_curriculum(), sim_model(), o, 1.0);
  REQUIRE(first.points.size() == 1);
  CHECK(first.matched);
  CHECK(first.points[0].setting == 0.95);
  const PolicyResult plain =
      simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Mastery}, o)[0];
  CHECK(first.points[0].attempts.mean == plain.attempts.mean);
  CHECK(first.result->false_mastery.mean == plain.false_mastery.mean);
  // From 0.99 in steps of 0.005: 0.99 and 0.995; 1.0 is past the end.
  o.config.rules.mastery_threshold = 0.99;
  MatchedSweep top = match_mastery_tutor(sim_curriculum(), sim_model(), o, -0.0, 10);
  REQUIRE_FALSE(top.points.empty());
  CHECK(top.points[0].setting == 0.99);
  if (!top.matched) {
    REQUIRE(top.points.size() == 2);
    CHECK(top.points[1].setting == 0.99 + 0.005);
  }
  CHECK_THROWS_AS(match_mastery_tutor(sim_curriculum(), sim_model(), o, 0.1, 0), Error);
  CHECK_THROWS_AS(match_mastery_tutor(sim_curriculum(), sim_model(), o, 0.1, 5, 0.0), Error);
  CHECK_THROWS_AS(match_mastery_tutor(sim_curriculum(), sim_model(), o, -0.1), Error);
}

TEST_CASE("policy_sim: degenerate skills are left out with their items, the rest kept",
          "[policy_sim]") {
  BktModel m = sim_model();
  m.set_skill("stuck", {0.3, 0.2, 0.0, 0.6, 0.4});   // guess + slip = 1: no evidence
  m.set_skill("worse", {0.3, 0.2, 0.0, 0.7, 0.45});  // > 1: a right answer lowers P(known)
  m.set_item("a1", ItemParams{"a", 0.1, 0.1});
  m.set_item("s1", ItemParams{"stuck", 0.2, 0.1});
  m.set_forget_per_day("a", 0.01);
  m.set_forget_per_day("stuck", 0.01);
  TeachableModel t = without_degenerate_skills(m);
  CHECK(t.dropped == 2);
  CHECK(t.model.skill_count() == 3);
  CHECK(t.model.find_skill("stuck") == nullptr);
  CHECK(t.model.find_skill("worse") == nullptr);
  CHECK(*t.model.find_skill("b") == *m.find_skill("b"));
  CHECK(t.model.find_item("a1") != nullptr);
  CHECK(t.model.find_item("s1") == nullptr);
  CHECK(t.model.forget_per_day("a") == 0.01);
  CHECK_FALSE(t.model.forget_per_day("stuck"));
  BktModel none;
  none.set_skill("stuck", {0.3, 0.2, 0.0, 0.6, 0.4});
  TeachableModel empty = without_degenerate_skills(none);
  CHECK(empty.dropped == 1);
  CHECK(empty.model.skill_count() == 0);
}

TEST_CASE("policy_sim: a result's JSON holds its means and half-widths", "[policy_sim]") {
  PolicyResult r;
  r.attempts = {40.5, 1.25};
  r.false_mastery = {0.03, 0.01};
  r.false_mastery_delayed = {0.05, 0.02};
  r.over_practice = {2.0, 0.5};
  r.post_test = {0.9, 0.04};
  r.wheel_spinning = 0.125;
  r.declared_done = 0.75;
  r.completion = {0.75, 0.03};
  r.dropped_out = 0.2;
  r.curve = {0.1, 0.2};
  const nlohmann::json j = r;
  CHECK(j.at("attempts") == 40.5);
  CHECK(j.at("false_mastery") == 0.03);
  CHECK(j.at("false_mastery_delayed") == 0.05);
  CHECK(j.at("over_practice") == 2.0);
  CHECK(j.at("post_test") == 0.9);
  CHECK(j.at("wheel_spinning") == 0.125);
  CHECK(j.at("declared_done") == 0.75);
  CHECK(j.at("ci95").at("attempts") == 1.25);
  CHECK(j.at("ci95").at("false_mastery") == 0.01);
  CHECK(j.at("ci95").at("post_test") == 0.04);
  CHECK(j.at("completion") == 0.75);
  CHECK(j.at("dropped_out") == 0.2);
  CHECK(j.at("ci95").at("completion") == 0.03);
  CHECK_FALSE(j.contains("curve"));
}

TEST_CASE(
    "policy_sim: dropout is reproducible by seed and leaves the learners who stay as they "
    "were",
    "[policy_sim]") {
  PolicySimulationOptions o = small_options();
  PolicySimulationOptions d = o;
  d.population.quit_base = 0.02;
  d.population.quit_per_failure = 0.03;
  const auto plain = simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Mastery}, o)[0];
  const auto a = simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Mastery}, d)[0];
  const auto b = simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Mastery}, d)[0];
  std::size_t dropped = 0;
  for (std::size_t l = 0; l < a.learners.size(); ++l) {
    const LearnerRun &x = a.learners[l], &y = b.learners[l], &z = plain.learners[l];
    CHECK(x.attempts == y.attempts);
    CHECK(x.dropped_out == y.dropped_out);
    CHECK(x.false_mastery == y.false_mastery);
    CHECK_FALSE(z.dropped_out);
    if (x.dropped_out) {
      ++dropped;
      CHECK_FALSE(x.declared_done);
      CHECK(x.attempts <= z.attempts);
    } else {
      CHECK(x.attempts == z.attempts);
      CHECK(x.false_mastery == z.false_mastery);
    }
  }
  CHECK(dropped > 0);
  CHECK(a.dropped_out == static_cast<double>(dropped) / a.learners.size());
  CHECK(a.completion.mean == a.declared_done);
  CHECK(plain.completion.mean == plain.declared_done);
  d.population.seed = 2;
  const auto other = simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Mastery}, d)[0];
  bool differs = false;
  for (std::size_t l = 0; l < a.learners.size(); ++l)
    differs = differs || other.learners[l].attempts != a.learners[l].attempts;
  CHECK(differs);
}

TEST_CASE("policy_sim: a constant quit chance gives the truncated geometric mean of attempts",
          "[policy_sim]") {
  // The fixed order never stops early: with quit chance q after every attempt and a plan of
  // K = 3 skills x 40 items, attempts = min(G, K) for G geometric on {1, 2, ...}:
  // E = (1 - (1 - q)^K) / q.
  PolicySimulationOptions o = small_options();
  o.learners = 4000;
  o.fixed_per_skill = 40;
  o.population.quit_base = 0.05;
  const auto r = simulate_policies(sim_curriculum(), sim_model(), {SimPolicy::Fixed}, o)[0];
  const double q = 0.05, k = 120;
  const double expected = (1 - std::pow(1 - q, k)) / q;
  CHECK(std::fabs(r.attempts.mean - expected) < 4 * r.attempts.ci95 / 1.96);
  CHECK(std::fabs(r.completion.mean - std::pow(1 - q, k)) < 0.01);
}

TEST_CASE("policy_sim: paired differences and their intervals are as worked by hand",
          "[policy_sim]") {
  auto run_of = [](std::vector<std::size_t> attempts, std::vector<bool> done,
                   std::vector<double> fm) {
    PolicyResult r;
    for (std::size_t l = 0; l < attempts.size(); ++l) {
      LearnerRun x;
      x.attempts = attempts[l];
      x.declared_done = done[l];
      x.false_mastery = fm[l];
      x.false_mastery_delayed = fm[l];
      r.learners.push_back(x);
    }
    return r;
  };
  PolicyResult a = run_of({10, 20, 30, 40}, {true, true, false, true}, {0.0, 0.2, 0.4, 0.0});
  PolicyResult b = run_of({12, 18, 35, 41}, {true, false, false, true}, {0.0, 0.0, 0.4, 0.2});
  a.policy = SimPolicy::Pathwise;
  b.policy = SimPolicy::Mastery;
  PairedDifference d = paired_difference(a, b);
  CHECK(d.learners == 4);
  CHECK(d.a == SimPolicy::Pathwise);
  // Attempts: differences -2, 2, -5, -1: mean -1.5; squares about it 0.25 + 12.25 + 12.25 +
  // 0.25 = 25, variance 25/3, standard error sqrt(25/12), half-width 1.96 x 1.443376 = 2.829016.
  CHECK_THAT(d.attempts.mean, WithinAbs(-1.5, 1e-12));
  CHECK_THAT(d.attempts.ci95, WithinAbs(1.96 * std::sqrt(25.0 / 12.0), 1e-12));
  // Completion: 0, 1, 0, 0: mean 0.25, variance 0.75 / 3 = 0.25, standard error 0.25.
  CHECK_THAT(d.completion.mean, WithinAbs(0.25, 1e-12));
  CHECK_THAT(d.completion.ci95, WithinAbs(1.96 * 0.25, 1e-12));
  // False mastery: 0, 0.2, 0, -0.2: mean 0, variance 0.08 / 3.
  CHECK_THAT(d.false_mastery.mean, WithinAbs(0.0, 1e-12));
  CHECK_THAT(d.false_mastery.ci95, WithinAbs(1.96 * std::sqrt(0.08 / 3.0 / 4.0), 1e-12));
  CHECK_THROWS_AS(paired_difference(a, PolicyResult{}), Error);
  PolicyResult shorter = run_of({1}, {true}, {0.0});
  CHECK_THROWS_AS(paired_difference(a, shorter), Error);
}
