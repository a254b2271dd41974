// Placement: the posterior over down-closed knowledge states against brute force, the replay of
// a profile's diagnostic answers, the record path's update, the sequencer's Placement items;
// predictive-similarity stopping and help once on hand-worked cases.
#include "pathwise/placement.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "pathwise/engine.hpp"
#include "pathwise/policy.hpp"
#include "pathwise/store.hpp"
#include "test_util.hpp"

using namespace pathwise;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Catch::Matchers::WithinAbs;

namespace {

const TimePoint kNow = from_millis(1709251200000);

// Skills with their direct prerequisites; each skill gets two items of its own ("<id>-1",
// "<id>-2").
Curriculum course(const std::vector<std::pair<std::string, std::vector<std::string>>>& skills) {
  std::vector<Skill> ss;
  std::vector<Item> items;
  for (const auto& [id, pre] : skills) {
    ss.push_back({id, id, pre});
    items.push_back(Item{id + "-1", {id}, std::nullopt, ""});
    items.push_back(Item{id + "-2", {id}, std::nullopt, ""});
  }
  return Curriculum(std::move(ss), std::move(items));
}

BktModel model_of(const Curriculum& c, const std::vector<double>& priors, double learn = 0.1,
                  double guess = 0.2, double slip = 0.1) {
  BktModel m;
  for (std::size_t s = 0; s < c.skills().size(); ++s)
    m.set_skill(c.skills()[s].id, BktParams{priors[s], learn, 0.0, guess, slip});
  return m;
}

// The posterior by brute force: every subset of the domain, kept if each known skill's
// prerequisites (followed through skills outside the domain) are known, weighted by the
// independent prior and the answers' likelihoods.
std::vector<double> brute_force(const Curriculum& c, const BktModel& m,
                                const std::vector<char>& domain, const std::vector<double>& prior,
                                const std::vector<PlacementAnswer>& answers) {
  const std::size_t n = c.skills().size();
  std::vector<double> sum(n, 0.0);
  double total = 0.0;
  for (unsigned long mask = 0; mask < (1ul << n); ++mask) {
    auto known = [&](std::size_t s) { return ((mask >> s) & 1ul) != 0; };
    bool ok = true;
    for (std::size_t s = 0; s < n; ++s) {
      if (!domain[s] && known(s)) ok = false;  // outside the domain: not part of the state
      if (!known(s)) continue;
      // Every domain skill it rests on must be known.
      for (std::size_t p = 0; p < n; ++p)
        if (domain[p] && c.rests_on(static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(p)) &&
            !known(p))
          ok = false;
    }
    if (!ok) continue;
    // Known with its prior once its prerequisites are known; unknown for certain before.
    double w = 1.0;
    for (std::size_t s = 0; s < n; ++s) {
      if (!domain[s]) continue;
      bool ready = true;
      for (std::size_t p = 0; p < n; ++p)
        if (domain[p] && c.rests_on(static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(p)))
          ready = ready && known(p);
      if (known(s)) {
        w *= prior[s];
      } else if (ready) {
        w *= 1.0 - prior[s];
      }
    }
    for (const auto& a : answers) {
      const BktParams& p = m.skill(c.skills()[a.skill].id);
      const bool k = known(a.skill);
      w *= k ? (a.correct ? 1.0 - p.slip : p.slip) : (a.correct ? p.guess : 1.0 - p.guess);
    }
    total += w;
    for (std::size_t s = 0; s < n; ++s)
      if (known(s)) sum[s] += w;
  }
  for (double& v : sum) v /= total;
  return sum;
}

// counting -> addition -> {subtraction, multiplication}; multiplication -> fractions; geometry
// alone.
Curriculum arithmetic() {
  return course({{"counting", {}},
                 {"addition", {"counting"}},
                 {"subtraction", {"addition"}},
                 {"multiplication", {"addition"}},
                 {"fractions", {"multiplication", "subtraction"}},
                 {"geometry", {}}});
}

}  // namespace

TEST_CASE("placement: a two-skill chain, worked by hand", "[placement]") {
  Curriculum c = course({{"counting", {}}, {"addition", {"counting"}}});
  BktModel m = model_of(c, {0.5, 0.5}, 0.1, 0.2, 0.1);
  // States {}, {counting}, {counting, addition} with prior 0.5, 0.25, 0.25. A correct
  // addition answer: likelihood 0.2, 0.2, 0.9: P(addition) = 0.225 / 0.375, P(counting) =
  // 0.275 / 0.375.
  PlacementPosterior p = placement_posterior(c, m, {1, 1}, {0.5, 0.5}, {{1, true, std::nullopt}});
  CHECK(p.exact);
  CHECK(p.states == 3);
  CHECK_THAT(p.p_known[1], WithinAbs(0.225 / 0.375, 1e-12));
  CHECK_THAT(p.p_known[0], WithinAbs(0.275 / 0.375, 1e-12));
  // Without answers counting keeps its prior, and addition needs it: 0.25.
  PlacementPosterior q = placement_posterior(c, m, {1, 1}, {0.5, 0.5}, {});
  CHECK_THAT(q.p_known[1], WithinAbs(0.25, 1e-12));
  CHECK_THAT(q.p_known[0], WithinAbs(0.5, 1e-12));
}

TEST_CASE("placement: exact posterior equals brute force on small DAGs", "[placement]") {
  Curriculum c = arithmetic();
  const std::vector<double> prior{0.8, 0.6, 0.4, 0.45, 0.2, 0.5};
  BktModel m = model_of(c, prior, 0.1, 0.25, 0.08);
  const std::vector<std::vector<PlacementAnswer>> cases{
      {},
      {{4, true, std::nullopt}},
      {{4, false, std::nullopt}},
      {{3, true, std::nullopt}, {2, false, std::nullopt}},
      {{0, false, std::nullopt}, {4, true, std::nullopt}},  // contradictory answers
      {{5, true, std::nullopt}, {1, true, std::nullopt}, {4, false, std::nullopt}}};
  for (const auto& answers : cases) {
    const std::vector<char> all(6, 1);
    PlacementPosterior p = placement_posterior(c, m, all, prior, answers);
    CHECK(p.exact);
    const auto want = brute_force(c, m, all, prior, answers);
    for (std::size_t s = 0; s < 6; ++s) CHECK_THAT(p.p_known[s], WithinAbs(want[s], 1e-12));
  }
  // A domain without addition: fractions still needs counting, through it.
  const std::vector<char> part{1, 0, 1, 1, 1, 0};
  PlacementPosterior p = placement_posterior(c, m, part, prior, {{4, true, std::nullopt}});
  const auto want = brute_force(c, m, part, prior, {{4, true, std::nullopt}});
  for (std::size_t s : {0u, 2u, 3u, 4u}) CHECK_THAT(p.p_known[s], WithinAbs(want[s], 1e-12));
  CHECK(std::isnan(p.p_known[1]));
  CHECK(std::isnan(p.p_known[5]));
}

TEST_CASE("placement: sampled posterior is close to the exact one", "[placement]") {
  Curriculum c = arithmetic();
  const std::vector<double> prior{0.8, 0.6, 0.4, 0.45, 0.2, 0.5};
  BktModel m = model_of(c, prior, 0.1, 0.25, 0.08);
  const std::vector<PlacementAnswer> answers{{3, true, std::nullopt}, {2, false, std::nullopt}};
  const std::vector<char> all(6, 1);
  PlacementPosterior exact = placement_posterior(c, m, all, prior, answers);
  // One state allowed: the exact enumeration gives up and importance sampling answers.
  PlacementPosterior approx = placement_posterior(c, m, all, prior, answers, 1, 4000, 7);
  CHECK_FALSE(approx.exact);
  for (std::size_t s = 0; s < 6; ++s) CHECK_THAT(approx.p_known[s], WithinAbs(exact.p_known[s], 0.02));
  // Deterministic for a seed.
  PlacementPosterior again = placement_posterior(c, m, all, prior, answers, 1, 4000, 7);
  CHECK(again.p_known == approx.p_known);
}

TEST_CASE("placement: bad arguments are named", "[placement]") {
  Curriculum c = arithmetic();
  BktModel m = model_of(c, std::vector<double>(6, 0.5));
  const std::vector<double> prior(6, 0.5);
  auto e = test_util::error_from([&] { (void)placement_posterior(c, m, {1, 1}, prior, {}); });
  CHECK(e.location().field == "domain");
  e = test_util::error_from([&] {
    (void)placement_posterior(c, m, {1, 1, 1, 1, 1, 0}, prior, {{5, true, std::nullopt}});
  });
  CHECK(e.location().field == "answers");
  e = test_util::error_from([&] {
    (void)placement_posterior(c, m, std::vector<char>(6, 1), {0.5, 0.5, 0.5, 1.5, 0.5, 0.5}, {});
  });
  CHECK(e.location().field == "prior");
  e = test_util::error_from(
      [&] { (void)placement_posterior(c, m, std::vector<char>(6, 1), prior, {}, 0); });
  CHECK(e.location().field == "placement_exact_states");
  PolicyConfig cfg;
  cfg.rules.placement_confidence = 0.5;
  e = test_util::error_from([&] { cfg.validate(); });
  CHECK(e.location().field == "placement_confidence");
  cfg = PolicyConfig{};
  cfg.rules.placement_items = 65;
  e = test_util::error_from([&] { cfg.validate(); });
  CHECK(e.location().field == "placement_items");
  cfg = PolicyConfig{};
  cfg.stop_epsilon = 1.0;
  e = test_util::error_from([&] { cfg.validate(); });
  CHECK(e.location().field == "stop_epsilon");
}

TEST_CASE("placement: the diagnostic asks the most informative skill and stops", "[placement]") {
  Curriculum c = arithmetic();
  const std::vector<double> prior(6, 0.5);
  BktModel m = model_of(c, prior, 0.1, 0.2, 0.1);
  PolicyConfig cfg;
  cfg.rules.placement_items = 4;
  LearnerProfile p = new_profile("l", c, m);
  p.goals = {"fractions"};
  PlacementStatus st = placement_status(c, m, cfg.rules, p);
  REQUIRE(st.active);
  CHECK_FALSE(st.placed);
  CHECK(st.domain == std::vector<char>{1, 1, 1, 1, 1, 0});  // geometry is not a goal's
  // The first skill maximises the answer's information at its DAG-implied P(known).
  auto bits = [&](double pk) {
    auto h = [](double q) { return -(q * std::log2(q) + (1 - q) * std::log2(1 - q)); };
    const double pc = pk * 0.9 + (1 - pk) * 0.2;
    return h(pc) - pk * h(0.1) - (1 - pk) * h(0.2);
  };
  double best = 0.0;
  for (std::uint32_t s = 0; s < 5; ++s) best = std::max(best, bits(st.posterior.p_known[s]));
  CHECK_THAT(st.next_bits, WithinAbs(best, 1e-12));
  CHECK_THAT(bits(st.posterior.p_known[st.next_skill]), WithinAbs(best, 1e-12));
  CHECK(c.item_skills(st.next_item) == std::vector<std::uint32_t>{st.next_skill});

  // Answer as asked, correctly each time, through the record path.
  const ProfileRules rules = cfg.profile_rules();
  std::vector<std::uint32_t> asked;
  TimePoint t = kNow;
  while ((st = placement_status(c, m, rules, p)).active) {
    asked.push_back(st.next_skill);
    t += std::chrono::minutes(1);
    (void)apply_response(p, c, m, rules, st.next_item, Outcome::Correct, t);
    // Every domain skill now holds the placement posterior (answered ones after learning).
    PlacementStatus now = placement_status(c, m, rules, p);
    REQUIRE(now.placed);
    for (std::uint32_t s = 0; s < 5; ++s) {
      double want = now.posterior.p_known[s];
      bool answered = false;
      for (const auto& a : now.answers) answered = answered || a.skill == s;
      if (answered) want = want + (1 - want) * 0.1;
      CHECK_THAT(p.skills.at(c.skills()[s].id).p_known, WithinAbs(want, 1e-12));
    }
    CHECK(p.skills.at("geometry").p_known == 0.5);  // outside the goals: untouched
  }
  CHECK(asked.size() >= 1);
  CHECK(asked.size() <= 4);
  // After it stopped, a further response leaves the profile to BKT alone.
  LearnerProfile before = p;
  (void)apply_response(p, c, m, rules, *c.item_index("counting-2"), Outcome::Incorrect,
                       t + std::chrono::minutes(1));
  CHECK_FALSE(placement_status(c, m, rules, p).active);
  CHECK(p.skills.at("fractions").p_known == before.skills.at("fractions").p_known);
}

TEST_CASE("placement: a response to another item ends it for good", "[placement]") {
  Curriculum c = arithmetic();
  BktModel m = model_of(c, std::vector<double>(6, 0.5));
  PolicyConfig cfg;
  cfg.rules.placement_items = 6;
  const ProfileRules rules = cfg.profile_rules();
  LearnerProfile p = new_profile("l", c, m);
  PlacementStatus st = placement_status(c, m, rules, p);
  REQUIRE(st.active);
  // Answer an item of a skill other than the one asked.
  std::uint32_t other = st.next_skill == 5 ? 0 : 5;
  (void)apply_response(p, c, m, rules, c.skill_items(other)[0], Outcome::Correct, kNow);
  st = placement_status(c, m, rules, p);
  CHECK_FALSE(st.active);
  CHECK_FALSE(st.placed);
  // BKT's own update only: the other skills keep their prior.
  for (std::uint32_t s = 0; s < 6; ++s)
    if (s != other) CHECK(p.skills.at(c.skills()[s].id).p_known == 0.5);
}

TEST_CASE("placement: the sequencer explains each diagnostic item", "[placement]") {
  Curriculum c = course({{"addition", {}}, {"fractions", {"addition"}}});
  BktModel m = model_of(c, {0.8, 0.5}, 0.1, 0.2, 0.1);
  PolicyConfig cfg;
  cfg.rules.placement_items = 3;
  cfg.rules.placement_confidence = 0.99;
  Engine engine(c, m, cfg);
  auto r = engine.recommend("learner", kNow);
  REQUIRE(r);
  CHECK(r->reason == Reason::Placement);
  CHECK(std::string(to_string(r->reason)) == "placement");
  CHECK_THAT(r->explanation, StartsWith("placement: a new learner; fractions first"));
  CHECK_THAT(r->explanation, Contains("item 1 of at most 3"));
  // States {}, {addition}, {addition, fractions} with prior 0.2, 0.4, 0.4: P(addition) 0.8,
  // P(fractions) 0.4, so fractions' answer is the more informative (guess 0.2, slip 0.1).
  CHECK(r->skill == "fractions");
  engine.record({"learner", r->item, Outcome::Correct, kNow});
  // Correct on fractions: likelihoods 0.2, 0.2, 0.9: P(addition) = (0.08 + 0.36) / 0.46.
  const double p_add = (0.4 * 0.2 + 0.4 * 0.9) / (0.2 * 0.2 + 0.4 * 0.2 + 0.4 * 0.9);
  CHECK_THAT(engine.profile("learner").mastery("addition"), WithinAbs(p_add, 1e-12));
  const double p_frac = 0.4 * 0.9 / (0.2 * 0.2 + 0.4 * 0.2 + 0.4 * 0.9);
  CHECK_THAT(engine.profile("learner").mastery("fractions"),
             WithinAbs(p_frac + (1 - p_frac) * 0.1, 1e-12));
  r = engine.recommend("learner", kNow);
  REQUIRE(r);
  CHECK(r->reason == Reason::Placement);
  CHECK(r->skill == "addition");
  CHECK_THAT(r->explanation,
             StartsWith("placement: a correct fractions answer suggests addition is known, "
                        "P = 0.92; next addition"));
  engine.record({"learner", r->item, Outcome::Correct, kNow});
  // Both asked: nothing is left to ask, placement is over and practice begins.
  r = engine.recommend("learner", kNow);
  REQUIRE(r);
  CHECK(r->reason != Reason::Placement);
}

TEST_CASE("placement: the record path writes every placed skill to the store", "[placement]") {
  const std::string path = std::string(PATHWISE_TEST_TMP) + "/placement_test.db";
  std::remove(path.c_str());
  Curriculum c = arithmetic();
  BktModel m = model_of(c, std::vector<double>(6, 0.5));
  PolicyConfig cfg;
  cfg.rules.placement_items = 3;
  LearnerProfile written;
  {
    Engine a(c, m, cfg, SqliteStore::open(path));
    auto r = a.recommend("learner", kNow);
    REQUIRE(r);
    REQUIRE(r->reason == Reason::Placement);
    a.record({"learner", r->item, Outcome::Incorrect, kNow});
    written = a.profile("learner");
  }
  // Another engine (another process) reads the placed P(known) of skills never answered.
  Engine b(c, m, cfg, SqliteStore::open(path));
  const LearnerProfile read = b.profile("learner");
  for (const auto& [id, st] : written.skills) CHECK(read.skills.at(id).p_known == st.p_known);
  std::size_t moved = 0;
  for (const auto& [id, st] : read.skills) moved += st.attempts == 0 && st.p_known != 0.5;
  CHECK(moved >= 1);
  std::remove(path.c_str());
}

// ---- stopping ----

namespace {

struct Stop {
  Curriculum c = course({{"s", {}}});
  BktModel m;
  PolicyConfig cfg;
  Sequencer seq;
  LearnerProfile p;
  Stop(BktParams params, double pk, std::uint32_t attempts) {
    m.set_skill("s", params);
    p = new_profile("l", c, m);
    SkillState& st = p.skills.at("s");
    st.p_known = pk;
    st.attempts = attempts;
    st.wheel_spinning = attempts >= cfg.rules.wheel_spin_attempts;
    p.responses = attempts;
    p.recent_items = {"s-1"};
  }
  Recommendation next() const {
    auto r = seq.recommend(PolicyContext{c, m, cfg}, p, kNow);
    REQUIRE(r);
    return *r;
  }
};

// The largest change of BKT's P(correct) over the two outcomes of one more attempt.
double change(const BktParams& b, double pk) {
  auto pc = [&](double k) { return k * (1 - b.slip) + (1 - k) * b.guess; };
  const double post_c = pk * (1 - b.slip) / pc(pk);
  const double post_w = pk * b.slip / (1 - pc(pk));
  const double c = post_c + (1 - post_c) * b.learn, w = post_w + (1 - post_w) * b.learn;
  return std::max(std::fabs(pc(c) - pc(pk)), std::fabs(pc(w) - pc(pk)));
}

}  // namespace

TEST_CASE("stopping: near mastery, practice stops when predictions stop moving", "[stopping]") {
  // Items that tell little (guess 0.8, slip 0.15): at P(known) 0.9 one more answer moves
  // P(correct) by 0.00145 at most (a wrong one: posterior 0.135 / 0.155).
  const BktParams b{0.5, 0.0, 0.0, 0.8, 0.15};
  const double d = change(b, 0.9);
  CHECK_THAT(d, WithinAbs(0.845 - (0.135 / 0.155 * 0.85 + (1 - 0.135 / 0.155) * 0.8), 1e-12));
  Stop s(b, 0.9, 3);
  CHECK(s.next().reason == Reason::Challenge);  // off by default
  s.cfg.stop_epsilon = d * 1.01;
  Recommendation r = s.next();
  CHECK(r.reason == Reason::Done);
  CHECK_THAT(r.explanation, Contains("1 of them stopped where one more attempt would change"));
  s.cfg.stop_epsilon = d * 0.99;
  CHECK(s.next().reason == Reason::Challenge);
}

TEST_CASE("stopping: a wheel-spinning skill is set aside when practice stops helping",
          "[stopping]") {
  // Learn 0.08: by the old rule 10 more attempts would leave it known with probability
  // 1 - 0.92 * 0.92^10 = 0.60, so it is not set aside; but answers tell almost nothing
  // (guess 0.5, slip 0.45), so one more moves P(correct) by 0.004 at most.
  const BktParams b{0.01, 0.08, 0.0, 0.5, 0.45};
  const double d = change(b, 0.08);
  CHECK(d < 0.005);
  Stop s(b, 0.08, 12);
  CHECK(s.next().reason == Reason::Help);  // before: help on every attempt
  s.cfg.stop_epsilon = 0.01;
  Recommendation r = s.next();
  CHECK(r.reason == Reason::Help);
  CHECK(r.item.empty());
  CHECK_THAT(r.explanation, Contains("so practice stops and it is set aside"));
}

TEST_CASE("stopping: help once, then another stretch, then set aside", "[stopping]") {
  const BktParams b{0.01, 0.3, 0.0, 0.2, 0.1};  // learnable: the old rule never sets it aside
  Stop s(b, 0.2, 10);
  s.cfg.help_once = true;
  Recommendation r = s.next();
  CHECK(r.reason == Reason::Help);  // on the attempt that flagged it
  CHECK_FALSE(r.item.empty());
  s.p.skills.at("s").attempts = 11;
  CHECK(s.next().reason == Reason::Remediate);  // not help again
  s.cfg.help_once = false;
  CHECK(s.next().reason == Reason::Help);  // the old behaviour
  s.cfg.help_once = true;
  s.p.skills.at("s").attempts = 20;
  r = s.next();
  CHECK(r.reason == Reason::Help);
  CHECK(r.item.empty());
  CHECK_THAT(r.explanation, Contains("10 of them after help was offered"));
}

TEST_CASE("stopping: with a learner layer, the change is the layer's, from the whole state",
          "[stopping][learner]") {
  const BktParams b{0.5, 0.0, 0.0, 0.8, 0.15};
  Stop s(b, 0.9, 3);
  LearnerLayer L;
  const double w[kLearnerTerms] = {0.1, 0.95, 3.0, 0.8, -0.4, 0.2, -0.2, 0.5, -0.04, 0.1, 0.05, -0.08};
  for (std::size_t t = 0; t < kLearnerTerms; ++t) L.weights[t] = w[t];
  L.skills["s"] = LearnerSkillWeights{0.15, -0.1, 1.2};
  s.m.set_learner(L);
  // A state with other skills practised too: responses since "s" was last seen enter the gap term.
  LearnerState st;
  for (const char* k : {"a", "s", "b", "c"}) L.update(st, k, 0.6, Outcome::Correct);
  L.update(st, "a", 0.6, Outcome::Incorrect);
  s.p.learner_state = st;
  // The reference: the layer's prediction now, and after one more attempt of either outcome
  // applied to a full copy of the state.
  const double pk = 0.9, pc = predict_correct(b, pk), now = L.predict(st, "s", pc);
  double d = 0.0;
  for (Outcome o : {Outcome::Correct, Outcome::Incorrect}) {
    LearnerState after = st;
    L.update(after, "s", pc, o);
    const double next = L.predict(after, "s", predict_correct(b, transition(b, posterior(b, pk, o))));
    d = std::max(d, std::fabs(next - now));
  }
  REQUIRE(d > change(b, pk));  // the layer moves more than BKT alone here
  s.cfg.stop_epsilon = d * 1.001;
  CHECK(s.next().reason == Reason::Done);
  s.cfg.stop_epsilon = d * 0.999;
  CHECK(s.next().reason != Reason::Done);
}
