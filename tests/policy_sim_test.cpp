#include "pathwise/policy_sim.hpp"

#include <catch2/catch.hpp>

using namespace pathwise;

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
  o.config.conjunctive_update = false;
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
