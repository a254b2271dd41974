#include "pathwise/policy.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/profile.hpp"
#include "test_util.hpp"

using namespace pathwise;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Catch::Matchers::WithinAbs;

namespace {

using test_util::error_from;

// counting -> addition -> multiplication, and an independent geometry. Listed dependants
// first so that document order and prerequisite order differ.
// Every skill has four items of difficulty 0.0, 0.2, 0.5 and 1.0: "<letter>0", "<letter>2",
// "<letter>5", "<letter>10".
Curriculum make_curriculum() {
  std::vector<Skill> skills{{"multiplication", "Multiplication", {"addition"}},
                            {"addition", "Addition", {"counting"}},
                            {"counting", "Counting", {}},
                            {"geometry", "Geometry", {}}};
  std::vector<Item> items;
  for (const auto& [skill, letter] : std::vector<std::pair<std::string, std::string>>{
           {"multiplication", "m"}, {"addition", "a"}, {"counting", "c"}, {"geometry", "g"}}) {
    for (const auto& [suffix, difficulty] : std::vector<std::pair<std::string, double>>{
             {"0", 0.0}, {"2", 0.2}, {"5", 0.5}, {"10", 1.0}}) {
      items.push_back(Item{letter + suffix, {skill}, difficulty, ""});
    }
  }
  return Curriculum(std::move(skills), std::move(items));
}

// Every skill: prior 0.4, learn 0.2, guess 0.3, slip 0.02.
BktModel make_model() {
  BktModel m;
  for (const char* s : {"multiplication", "addition", "counting", "geometry"})
    m.set_skill(s, BktParams{0.4, 0.2, 0.0, 0.3, 0.02});
  return m;
}

const TimePoint kNow = from_millis(1709251200000);  // 2024-03-01T00:00:00Z

struct Fixture {
  Curriculum curriculum = make_curriculum();
  BktModel model = make_model();
  PolicyConfig config;
  Sequencer sequencer;

  PolicyContext context() const { return PolicyContext{curriculum, model, config}; }

  // A fresh profile with the given P(known) values.
  LearnerProfile profile(const std::map<std::string, double>& p_known,
                         std::vector<std::string> goals = {}) const {
    LearnerProfile p = new_profile("learner-1", curriculum, model);
    for (const auto& [s, v] : p_known) p.skills.at(s).p_known = v;
    p.goals = std::move(goals);
    return p;
  }

  Recommendation recommend(const LearnerProfile& p, TimePoint now = kNow) const {
    auto r = sequencer.recommend(context(), p, now);
    REQUIRE(r.has_value());
    return *r;
  }
};

std::vector<std::string> alternative_items(const Recommendation& r) {
  std::vector<std::string> out;
  for (const auto& a : r.alternatives) out.push_back(a.item);
  return out;
}

// A mastered skill state: P(known) p, mastered and last practised at `t`, half-life h days.
void master(LearnerProfile& profile, const std::string& skill, double p, TimePoint t, double h) {
  SkillState& s = profile.skills.at(skill);
  s.p_known = p;
  s.mastered_at = t;
  s.last_practice = t;
  s.half_life_days = h;
}

}  // namespace

TEST_CASE(
    "policy: item_p_correct shifts BKT's P(correct) by the item's difficulty on the logit scale",
    "[policy]") {
  Fixture f;
  const auto ctx = f.context();
  const std::uint32_t geometry = *f.curriculum.skill_index("geometry");
  // g2 (difficulty 0.2) at P(known) 0.7:
  //   BKT: 0.7 * (1 - 0.02) + 0.3 * 0.3 = 0.686 + 0.09 = 0.776
  //   logit(0.776) = ln(0.776 / 0.224) = 1.242506468
  //   + 2 (0.5 - 0.2) = 0.6 -> 1.842506468; 1 / (1 + e^-1.842506468) = 0.863244873
  CHECK_THAT(item_p_correct(ctx, *f.curriculum.item_index("g2"), geometry, 0.7),
             WithinAbs(0.8632448734287258, 1e-12));
  // Difficulty 0.5 is neutral: plain BKT.
  CHECK_THAT(item_p_correct(ctx, *f.curriculum.item_index("g5"), geometry, 0.7),
             WithinAbs(0.776, 1e-12));
  // Difficulty 1.0 shifts by -1: 1 / (1 + e^-0.242506468) = 0.560331236.
  CHECK_THAT(item_p_correct(ctx, *f.curriculum.item_index("g10"), geometry, 0.7),
             WithinAbs(0.5603312362274233, 1e-12));

  SECTION("per-item guess/slip of the model replace the skill's, without a difficulty shift") {
    f.model.set_item("g2", ItemParams{"geometry", 0.5, 0.1});
    // 0.7 * 0.9 + 0.3 * 0.5 = 0.78
    CHECK_THAT(item_p_correct(f.context(), *f.curriculum.item_index("g2"), geometry, 0.7),
               WithinAbs(0.78, 1e-12));
  }
}

TEST_CASE("policy: a skill is offered only when its prerequisites are mastered", "[policy]") {
  Fixture f;
  SECTION("nothing mastered: the root of the chain comes first") {
    CHECK(f.recommend(f.profile({})).skill == "counting");
  }
  SECTION("counting mastered: addition opens, multiplication stays closed") {
    CHECK(f.recommend(f.profile({{"counting", 0.97}})).skill == "addition");
  }
  SECTION("even when the learner last practised multiplication") {
    LearnerProfile p = f.profile({{"counting", 0.97}, {"addition", 0.5}});
    p.recent_items = {"m5"};
    CHECK(f.recommend(p).skill == "addition");
  }
  SECTION("counting and addition mastered: multiplication opens") {
    CHECK(f.recommend(f.profile({{"counting", 0.97}, {"addition", 0.96}})).skill ==
          "multiplication");
  }
  SECTION("an independent skill is open at once") {
    CHECK(f.recommend(f.profile({}, {"geometry"})).skill == "geometry");
    CHECK(f.recommend(f.profile({{"counting", 0.97}, {"addition", 0.96}, {"multiplication", 0.99}}))
              .skill == "geometry");
  }
  SECTION("mastery is P(known) >= the threshold") {
    f.config.rules.mastery_threshold = 0.9;
    CHECK(f.recommend(f.profile({{"counting", 0.9}})).skill == "addition");
    CHECK(f.recommend(f.profile({{"counting", 0.8999}})).skill == "counting");
  }
}

TEST_CASE("policy: a blocked goal yields Reason::Prerequisite naming the goal", "[policy]") {
  Fixture f;
  SECTION("its direct prerequisite is unmastered") {
    const Recommendation r =
        f.recommend(f.profile({{"counting", 0.97}, {"addition", 0.5}}, {"multiplication"}));
    CHECK(r.reason == Reason::Prerequisite);
    CHECK(r.skill == "addition");
    CHECK(r.item.rfind("a", 0) == 0);
    CHECK_THAT(r.explanation, StartsWith("prerequisite: Addition (P(known) 0.50)"));
    CHECK_THAT(r.explanation, Contains("Multiplication"));
  }
  SECTION("only a prerequisite of its prerequisite can be practised") {
    // counting is two steps below the goal; the explanation must still say what it unlocks.
    const Recommendation r = f.recommend(f.profile({}, {"multiplication"}));
    CHECK(r.reason == Reason::Prerequisite);
    CHECK(r.skill == "counting");
    CHECK_THAT(r.explanation, Contains("Multiplication"));
  }
  SECTION("a goal that is itself open is practised, not a prerequisite") {
    const Recommendation r =
        f.recommend(f.profile({{"counting", 0.97}, {"addition", 0.5}}, {"addition"}));
    CHECK(r.skill == "addition");
    CHECK(r.reason == Reason::Practice);
  }
}

TEST_CASE(
    "policy: remediate, practice and challenge pick the easiest, nearest-target and hardest item",
    "[policy]") {
  Fixture f;
  // P(correct) of geometry's items (see the item_p_correct test for g2 at 0.7):
  //   P(known) 0.10: g0 0.6128  g2 0.5148  g5 0.3680  g10 0.1764
  //   P(known) 0.70: g0 0.9040  g2 0.8632  g5 0.7760  g10 0.5603
  //   P(known) 0.85: g0 0.9514  g2 0.9291  g5 0.8780  g10 0.7258
  SECTION("P(known) < remediate_below: the easiest item (highest P(correct))") {
    const Recommendation r = f.recommend(f.profile({{"geometry", 0.1}}, {"geometry"}));
    CHECK(r.reason == Reason::Remediate);
    CHECK(r.item == "g0");
    CHECK_THAT(r.p_correct, WithinAbs(0.6128228449373885, 1e-12));
    CHECK(alternative_items(r) == std::vector<std::string>{"g2", "g5", "g10"});
    CHECK(r.explanation ==
          "remediate: Geometry is weak (P(known) 0.10 < 0.30); easiest item, "
          "P(correct) 0.61");
  }
  SECTION("P(known) >= challenge_above: the hardest item (lowest P(correct))") {
    const Recommendation r = f.recommend(f.profile({{"geometry", 0.85}}, {"geometry"}));
    CHECK(r.reason == Reason::Challenge);
    CHECK(r.item == "g10");
    CHECK_THAT(r.p_correct, WithinAbs(0.725841556468028, 1e-12));
    CHECK(alternative_items(r) == std::vector<std::string>{"g5", "g2", "g0"});
    CHECK_THAT(r.explanation, StartsWith("challenge: Geometry is nearly mastered (P(known) 0.85)"));
  }
  SECTION("in between: the item whose P(correct) is nearest target_success") {
    // Distances to 0.85: g2 0.0132, g0 0.0540, g5 0.0740, g10 0.2897.
    const Recommendation r = f.recommend(f.profile({{"geometry", 0.7}}, {"geometry"}));
    CHECK(r.reason == Reason::Practice);
    CHECK(r.skill == "geometry");
    CHECK(r.item == "g2");
    CHECK_THAT(r.p_correct, WithinAbs(0.8632448734287258, 1e-12));
    CHECK(alternative_items(r) == std::vector<std::string>{"g0", "g5", "g10"});
    CHECK(r.explanation ==
          "practice: Geometry at P(known) 0.70; item P(correct) 0.86, nearest the 0.85 target");
  }
  SECTION("another target picks another item") {
    f.config.target_success = 0.75;  // g5 0.776 is nearest
    CHECK(f.recommend(f.profile({{"geometry", 0.7}}, {"geometry"})).item == "g5");
  }
  SECTION("the band edges: remediate_below is exclusive, challenge_above inclusive") {
    CHECK(f.recommend(f.profile({{"geometry", 0.3}}, {"geometry"})).reason == Reason::Practice);
    CHECK(f.recommend(f.profile({{"geometry", 0.2999}}, {"geometry"})).reason == Reason::Remediate);
    CHECK(f.recommend(f.profile({{"geometry", 0.8}}, {"geometry"})).reason == Reason::Challenge);
    CHECK(f.recommend(f.profile({{"geometry", 0.7999}}, {"geometry"})).reason == Reason::Practice);
  }
}

TEST_CASE("policy: alternatives are listed best first and exclude the chosen item", "[policy]") {
  Fixture f;
  for (double pk : {0.1, 0.5, 0.7, 0.85}) {
    INFO("P(known) " << pk);
    const Recommendation r = f.recommend(f.profile({{"geometry", pk}}, {"geometry"}));
    REQUIRE(r.alternatives.size() == 3);
    auto key = [&](double pc) {
      return r.reason == Reason::Remediate   ? -pc
             : r.reason == Reason::Challenge ? pc
                                             : std::fabs(pc - f.config.target_success);
    };
    CHECK(key(r.p_correct) <= key(r.alternatives[0].p_correct));
    for (std::size_t k = 0; k < r.alternatives.size(); ++k) {
      CHECK(r.alternatives[k].item != r.item);
      CHECK(r.alternatives[k].skill == "geometry");
      const auto idx = *f.curriculum.item_index(r.alternatives[k].item);
      CHECK(r.alternatives[k].p_correct ==
            item_p_correct(f.context(), idx, *f.curriculum.skill_index("geometry"), pk));
      if (k > 0) CHECK(key(r.alternatives[k - 1].p_correct) <= key(r.alternatives[k].p_correct));
    }
  }
  SECTION("the count follows PolicyConfig::alternatives") {
    f.config.alternatives = 1;
    CHECK(alternative_items(f.recommend(f.profile({{"geometry", 0.7}}, {"geometry"}))) ==
          std::vector<std::string>{"g0"});
    f.config.alternatives = 0;
    CHECK(f.recommend(f.profile({{"geometry", 0.7}}, {"geometry"})).alternatives.empty());
  }
}

TEST_CASE("policy: the no-repeat window skips recent items while others remain", "[policy]") {
  Fixture f;  // window 3; at P(known) 0.7 the practice order is g2, g0, g5, g10
  LearnerProfile p = f.profile({{"geometry", 0.7}}, {"geometry"});
  SECTION("the best item was just seen: the runner-up") {
    p.recent_items = {"g2"};
    const Recommendation r = f.recommend(p);
    CHECK(r.item == "g0");
    CHECK(alternative_items(r) == std::vector<std::string>{"g5", "g10"});
  }
  SECTION("three seen: the only fresh one") {
    p.recent_items = {"g2", "g0", "g5"};
    CHECK(f.recommend(p).item == "g10");
  }
  SECTION("an item older than the window is allowed again") {
    p.recent_items = {"g2", "g0", "g5", "g10"};
    CHECK(f.recommend(p).item == "g2");
  }
  SECTION("when every item is recent, all are allowed") {
    f.config.no_repeat_window = 4;
    p.recent_items = {"g2", "g0", "g5", "g10"};
    const Recommendation r = f.recommend(p);
    CHECK(r.item == "g2");
    CHECK(alternative_items(r) == std::vector<std::string>{"g0", "g5", "g10"});
  }
  SECTION("a window of 0 allows an immediate repeat") {
    f.config.no_repeat_window = 0;
    p.recent_items = {"g2"};
    CHECK(f.recommend(p).item == "g2");
  }
}

TEST_CASE("policy: a mastered skill is reviewed exactly when recall falls below review_threshold",
          "[policy]") {
  Fixture f;
  SECTION("hand-worked crossing time") {
    LearnerProfile p = f.profile({}, {"geometry"});
    master(p, "geometry", 0.98, kNow, 2.0);
    // Recall 0.98 2^(-d/2) = 0.8 at d = 2 log2(0.98 / 0.8) = 2 * 0.292781749 = 0.585563499 days
    // = 50,592.686 s.
    const Recommendation before = f.recommend(p, kNow + std::chrono::milliseconds(50592686 - 1000));
    CHECK(before.reason == Reason::Done);
    const Recommendation after = f.recommend(p, kNow + std::chrono::milliseconds(50592686 + 1000));
    CHECK(after.reason == Reason::Review);
    CHECK(after.skill == "geometry");
    CHECK_FALSE(after.item.empty());
  }
  SECTION("the explanation gives the days and the recall") {
    LearnerProfile p = f.profile({}, {"geometry"});
    master(p, "geometry", 0.98, kNow, 20.0);
    // Nine days with a 20-day half-life: 0.98 * 2^(-0.45) = 0.98 * 0.732043 = 0.717402.
    const Recommendation r = f.recommend(p, kNow + std::chrono::hours(9 * 24));
    CHECK(r.reason == Reason::Review);
    CHECK(r.explanation ==
          "review: Geometry last practised 9 days ago, estimated recall 0.72 < 0.80");
    CHECK(r.item == "g10");  // nearest 0.85 at P(known) 0.98 (g10: 0.9137; g5 0.9664)
  }
  SECTION("at the next_review the profile computed after mastering by responses") {
    LearnerProfile p = f.profile({}, {"geometry"});
    const ProfileRules rules = f.config.profile_rules();
    const auto g5 = *f.curriculum.item_index("g5");
    TimePoint t = kNow;
    for (int k = 0; k < 20 && !p.skills.at("geometry").mastered_at; ++k) {
      t += std::chrono::minutes(1);
      (void)apply_response(p, f.curriculum, f.model, rules, g5, Outcome::Correct, t);
    }
    REQUIRE(p.skills.at("geometry").next_review.has_value());
    const TimePoint due = *p.skills.at("geometry").next_review;
    CHECK(f.recommend(p, due - std::chrono::milliseconds(1)).reason == Reason::Done);
    CHECK(f.recommend(p, due + std::chrono::milliseconds(1)).reason == Reason::Review);
  }
  SECTION("review comes before practice of an open skill") {
    LearnerProfile p = f.profile({});
    master(p, "counting", 0.99, kNow, 1.0);
    const Recommendation r = f.recommend(p, kNow + std::chrono::hours(24 * 5));
    CHECK(r.reason == Reason::Review);
    CHECK(r.skill == "counting");
  }
}

TEST_CASE("policy: with the model's forget_per_day, reviews follow (1 - rate)^days", "[policy]") {
  Fixture f;
  const ProfileRules rules = f.config.profile_rules();
  const auto g5 = *f.curriculum.item_index("g5");
  auto mastered = [&](double rate) {
    f.model.set_forget_per_day("geometry", rate);
    LearnerProfile p = f.profile({}, {"geometry"});
    for (int k = 0; k < 20 && !p.skills.at("geometry").mastered_at; ++k)
      (void)apply_response(p, f.curriculum, f.model, rules, g5, Outcome::Correct, kNow);
    REQUIRE(p.skills.at("geometry").mastered_at.has_value());
    return p;
  };
  SECTION("rate 0.05: due when p 0.95^d falls below 0.8") {
    LearnerProfile p = mastered(0.05);
    const double pk = p.skills.at("geometry").p_known;
    const double days = std::log(0.8 / pk) / std::log(0.95);
    const auto ms = std::chrono::milliseconds(std::llround(days * 86400000.0));
    CHECK(f.recommend(p, kNow + ms - std::chrono::seconds(1)).reason == Reason::Done);
    const Recommendation r = f.recommend(p, kNow + ms + std::chrono::seconds(1));
    CHECK(r.reason == Reason::Review);
    CHECK(r.skill == "geometry");
  }
  SECTION("rate 0: never due, done a year later") {
    LearnerProfile p = mastered(0.0);
    CHECK(f.recommend(p, kNow + std::chrono::hours(24 * 365)).reason == Reason::Done);
  }
  SECTION("unset: the config's own schedule (initial half-life 2 days) applies") {
    LearnerProfile p = f.profile({}, {"geometry"});
    for (int k = 0; k < 20 && !p.skills.at("geometry").mastered_at; ++k)
      (void)apply_response(p, f.curriculum, f.model, rules, g5, Outcome::Correct, kNow);
    CHECK(p.skills.at("geometry").half_life_days == 2.0);
    CHECK(f.recommend(p, kNow + std::chrono::hours(24)).reason == Reason::Review);
  }
}

TEST_CASE("policy: Done when every goal is mastered and nothing is due", "[policy]") {
  Fixture f;
  SECTION("one goal") {
    LearnerProfile p = f.profile({}, {"geometry"});
    master(p, "geometry", 0.97, kNow, 2.0);
    const Recommendation r = f.recommend(p, kNow + std::chrono::hours(1));
    CHECK(r.reason == Reason::Done);
    CHECK(r.item.empty());
    CHECK(std::isnan(r.p_correct));
    CHECK(r.alternatives.empty());
    CHECK_THAT(r.explanation, StartsWith("done: all 1 goal skills mastered"));
  }
  SECTION("every skill when no goal is set") {
    LearnerProfile p = f.profile({});
    for (const char* s : {"multiplication", "addition", "counting", "geometry"})
      master(p, s, 0.97, kNow, 2.0);
    const Recommendation r = f.recommend(p, kNow);
    CHECK(r.reason == Reason::Done);
    CHECK_THAT(r.explanation, StartsWith("done: all 4 goal skills mastered"));
  }
  SECTION("not while one goal is unmastered") {
    LearnerProfile p = f.profile({{"geometry", 0.5}}, {"geometry", "counting"});
    master(p, "counting", 0.97, kNow, 2.0);
    CHECK(f.recommend(p, kNow).reason != Reason::Done);
  }
}

TEST_CASE("policy: Help when the skill practised last is wheel-spinning", "[policy]") {
  Fixture f;
  LearnerProfile p = f.profile({{"geometry", 0.5}}, {"geometry"});
  SkillState& g = p.skills.at("geometry");
  g.wheel_spinning = true;
  g.attempts = 12;
  p.recent_items = {"g5"};
  const Recommendation r = f.recommend(p);
  CHECK(r.reason == Reason::Help);
  CHECK(r.skill == "geometry");
  CHECK(r.item == "g0");  // the easiest fresh item
  CHECK_THAT(r.explanation,
             StartsWith("help: 12 attempts on Geometry without mastery (P(known) 0.500 < 0.95)"));

  SECTION("not when the wheel-spinning skill is not the one practised last") {
    LearnerProfile q = f.profile({{"geometry", 0.5}, {"counting", 0.5}});
    q.skills.at("counting").wheel_spinning = true;
    q.recent_items = {"g5"};
    const Recommendation s = f.recommend(q);
    CHECK(s.reason != Reason::Help);
    CHECK(s.skill == "geometry");
  }
}

TEST_CASE("policy: the same profile, time and seed give identical recommendations", "[policy]") {
  Fixture f;
  LearnerProfile p = f.profile({{"counting", 0.97}, {"addition", 0.55}, {"geometry", 0.7}});
  p.recent_items = {"c2", "a5"};
  auto same = [](const Recommendation& a, const Recommendation& b) {
    return a.item == b.item && a.skill == b.skill && a.reason == b.reason &&
           a.explanation == b.explanation && a.alternatives == b.alternatives &&
           std::memcmp(&a.p_correct, &b.p_correct, sizeof(double)) == 0;
  };
  const Recommendation first = f.recommend(p);
  const LearnerProfile copy = p;
  for (int k = 0; k < 5; ++k) CHECK(same(first, f.recommend(copy)));
  Fixture g;  // a separate but equal context
  CHECK(same(first, g.recommend(copy)));

  SECTION("exact ties are broken by the seed, the same way for the same seed") {
    // Three items of one skill with equal difficulty tie exactly.
    Curriculum c({Skill{"s", "S", {}}}, {Item{"t1", {"s"}, 0.5, ""}, Item{"t2", {"s"}, 0.5, ""},
                                         Item{"t3", {"s"}, 0.5, ""}});
    BktModel m;
    m.set_skill("s", BktParams{});
    const LearnerProfile lp = new_profile("x", c, m);
    std::set<std::string> chosen;
    for (std::uint64_t seed = 0; seed < 32; ++seed) {
      PolicyConfig cfg;
      cfg.seed = seed;
      const PolicyContext ctx{c, m, cfg};
      const auto a = Sequencer().recommend(ctx, lp, kNow);
      const auto b = Sequencer().recommend(ctx, lp, kNow);
      REQUIRE(a.has_value());
      REQUIRE(b.has_value());
      CHECK(same(*a, *b));
      chosen.insert(a->item);
    }
    CHECK(chosen.size() >= 2);  // the seed does decide
  }
}

TEST_CASE("policy: Done names no skill when no goal skill has items", "[policy]") {
  const Curriculum c({Skill{"theory", "Theory", {}}, Skill{"practice", "Practice", {}}},
                     {Item{"p1", {"practice"}, std::nullopt, ""}});
  BktModel m;
  m.set_skill("theory", BktParams{0.4, 0.2, 0.0, 0.3, 0.02});
  m.set_skill("practice", BktParams{0.4, 0.2, 0.0, 0.3, 0.02});
  const PolicyConfig cfg;
  LearnerProfile p = new_profile("learner-1", c, m);
  p.goals = {"theory"};
  auto r = Sequencer().recommend(PolicyContext{c, m, cfg}, p, kNow);
  REQUIRE(r);
  CHECK(r->reason == Reason::Done);
  CHECK(r->skill.empty());
  CHECK(r->explanation == "done: no goal skill has items to practise");
}

TEST_CASE("policy: an empty curriculum gives no recommendation", "[policy]") {
  const Curriculum c;
  const BktModel m;
  const PolicyConfig cfg;
  CHECK_FALSE(Sequencer().recommend(PolicyContext{c, m, cfg}, LearnerProfile{}, kNow).has_value());
}

TEST_CASE("policy: PolicyConfig::validate rejects out-of-range settings naming them", "[policy]") {
  CHECK_NOTHROW(PolicyConfig{}.validate());
  struct Case {
    const char* what;
    void (*set)(PolicyConfig&);
    const char* field;
  };
  const Case cases[] = {
      {"mastery 0", [](PolicyConfig& c) { c.rules.mastery_threshold = 0.0; }, "mastery_threshold"},
      {"mastery > 1", [](PolicyConfig& c) { c.rules.mastery_threshold = 1.01; },
       "mastery_threshold"},
      {"target NaN",
       [](PolicyConfig& c) { c.target_success = std::numeric_limits<double>::quiet_NaN(); },
       "target_success"},
      {"target 0", [](PolicyConfig& c) { c.target_success = 0.0; }, "target_success"},
      {"remediate < 0", [](PolicyConfig& c) { c.remediate_below = -0.1; }, "remediate_below"},
      {"challenge > 1", [](PolicyConfig& c) { c.challenge_above = 1.5; }, "challenge_above"},
      {"review 0", [](PolicyConfig& c) { c.rules.review_threshold = 0.0; }, "review_threshold"},
      {"review at mastery", [](PolicyConfig& c) { c.rules.review_threshold = 0.95; },
       "review_threshold"},
      {"remediate above challenge", [](PolicyConfig& c) { c.remediate_below = 0.9; },
       "challenge_above"},
      {"challenge above mastery", [](PolicyConfig& c) { c.challenge_above = 0.97; },
       "challenge_above"},
      {"half-life 0", [](PolicyConfig& c) { c.rules.initial_half_life_days = 0.0; },
       "initial_half_life_days"},
      {"half-life inf", [](PolicyConfig& c) { c.rules.initial_half_life_days = HUGE_VAL; },
       "initial_half_life_days"},
      {"growth < 1", [](PolicyConfig& c) { c.rules.half_life_growth = 0.5; }, "half_life_growth"},
      {"wheel-spin 0", [](PolicyConfig& c) { c.rules.wheel_spin_attempts = 0; },
       "wheel_spin_attempts"},
  };
  for (const Case& k : cases) {
    INFO(k.what);
    PolicyConfig cfg;
    k.set(cfg);
    const Error e = error_from([&] { cfg.validate(); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == k.field);
  }
  SECTION("edges that are allowed") {
    PolicyConfig cfg;
    cfg.rules.mastery_threshold = 1.0;
    cfg.remediate_below = 0.0;
    cfg.challenge_above = 0.0;
    cfg.rules.half_life_growth = 1.0;
    cfg.no_repeat_window = 0;
    cfg.alternatives = 0;
    CHECK_NOTHROW(cfg.validate());
  }
  SECTION("profile_rules() carries the profile-update settings") {
    PolicyConfig cfg;
    cfg.rules.mastery_threshold = 0.9;
    cfg.rules.review_threshold = 0.7;
    cfg.rules.initial_half_life_days = 3.0;
    cfg.rules.half_life_growth = 2.5;
    cfg.rules.wheel_spin_attempts = 7;
    cfg.no_repeat_window = 50;
    const ProfileRules r = cfg.profile_rules();
    CHECK(r.mastery_threshold == 0.9);
    CHECK(r.review_threshold == 0.7);
    CHECK(r.initial_half_life_days == 3.0);
    CHECK(r.half_life_growth == 2.5);
    CHECK(r.wheel_spin_attempts == 7);
    CHECK(r.recent_items >= 50);  // the window must fit in the profile's recent items
  }
}

namespace {

// A custom policy: always the first item of the curriculum.
class FirstItemPolicy final : public Policy {
 public:
  [[nodiscard]] std::optional<Recommendation> recommend(const PolicyContext& context,
                                                        const LearnerProfile& profile,
                                                        TimePoint now) const override {
    (void)profile;
    (void)now;
    if (context.curriculum.items().empty()) return std::nullopt;
    Recommendation r;
    r.item = context.curriculum.items().front().id;
    r.skill = context.curriculum.items().front().skills.front();
    r.reason = Reason::Practice;
    r.explanation = "practice: the first item";
    r.p_correct = item_p_correct(context, 0, context.curriculum.item_skills(0).front(), 0.5);
    return r;
  }
};

static_assert(std::is_abstract_v<Policy>, "Policy is an interface");
static_assert(std::has_virtual_destructor_v<Policy>, "Policy is deleted through a base pointer");
static_assert(std::is_base_of_v<Policy, FirstItemPolicy>, "a custom policy derives from Policy");
static_assert(std::is_base_of_v<Policy, Sequencer>, "the built-in sequencer is a Policy");

}  // namespace

TEST_CASE("policy: a custom Policy subclass plugs in through the interface", "[policy]") {
  Fixture f;
  const std::unique_ptr<Policy> policy = std::make_unique<FirstItemPolicy>();
  const auto r = policy->recommend(f.context(), f.profile({}), kNow);
  REQUIRE(r.has_value());
  CHECK(r->item == "m0");
  CHECK(r->skill == "multiplication");
  // m0 at 0.5: 0.5 * 0.98 + 0.5 * 0.3 = 0.64; logit 0.575364 + 1 -> 0.828488.
  CHECK_THAT(r->p_correct,
             WithinAbs(1.0 / (1.0 + std::exp(-(std::log(0.64 / 0.36) + 1.0))), 1e-12));
}

TEST_CASE("policy: reasons have lower-case names", "[policy]") {
  CHECK(std::string(to_string(Reason::Remediate)) == "remediate");
  CHECK(std::string(to_string(Reason::Practice)) == "practice");
  CHECK(std::string(to_string(Reason::Challenge)) == "challenge");
  CHECK(std::string(to_string(Reason::Review)) == "review");
  CHECK(std::string(to_string(Reason::Prerequisite)) == "prerequisite");
  CHECK(std::string(to_string(Reason::Done)) == "done");
  CHECK(std::string(to_string(Reason::Help)) == "help");
  std::ostringstream out;
  out << Reason::Review;
  CHECK(out.str() == "review");
}

TEST_CASE("policy: item_information is the mutual information between answer and knowledge",
          "[policy]") {
  Fixture f;
  const std::uint32_t geometry = *f.curriculum.skill_index("geometry");
  const std::uint32_t g5 = *f.curriculum.item_index("g5");
  // Binary entropy in bits, written out independently of the library.
  auto h = [](double q) { return -(q * std::log2(q) + (1.0 - q) * std::log2(1.0 - q)); };

  SECTION("hand-computed with the item's own guess 0.2 and slip 0.1 at P(known) 0.5") {
    f.model.set_item("g5", ItemParams{"geometry", 0.2, 0.1});
    // P(correct) = 0.5 * 0.9 + 0.5 * 0.2 = 0.55
    // H(0.55) - 0.5 h(0.1) - 0.5 h(0.2) = 0.992774807 - 0.5 * 0.468995594 - 0.5 * 0.721928095
    //                                   = 0.397312610 bits
    const double want = h(0.55) - 0.5 * h(0.1) - 0.5 * h(0.2);
    const double got = item_information(f.context(), g5, geometry, 0.5);
    CHECK_THAT(got, WithinAbs(want, 1e-12));
    CHECK_THAT(got, WithinAbs(0.3973126097, 1e-9));
  }
  SECTION("without per-item parameters the skill's guess 0.3 and slip 0.02 are used") {
    // P(correct) at 0.7 = 0.7 * 0.98 + 0.3 * 0.3 = 0.776
    const double want = h(0.776) - 0.7 * h(0.02) - 0.3 * h(0.3);  // 0.404008767
    CHECK_THAT(item_information(f.context(), g5, geometry, 0.7), WithinAbs(want, 1e-12));
    CHECK_THAT(want, WithinAbs(0.404008767, 1e-8));
  }
  SECTION("items of one skill without per-item parameters tie exactly, whatever the difficulty") {
    const auto ctx = f.context();
    for (double pk : {0.1, 0.5, 0.7, 0.93}) {
      INFO("P(known) " << pk);
      const double g0 = item_information(ctx, *f.curriculum.item_index("g0"), geometry, pk);
      CHECK(g0 > 0.0);
      for (const char* other : {"g2", "g5", "g10"})
        CHECK(item_information(ctx, *f.curriculum.item_index(other), geometry, pk) == g0);
    }
  }
  SECTION("a certain learner (P(known) 0 or 1) learns nothing from the answer") {
    f.model.set_item("g5", ItemParams{"geometry", 0.2, 0.1});
    for (const char* item : {"g0", "g5"}) {
      INFO(item);
      const std::uint32_t i = *f.curriculum.item_index(item);
      CHECK(item_information(f.context(), i, geometry, 0.0) == 0.0);
      CHECK_THAT(item_information(f.context(), i, geometry, 1.0), WithinAbs(0.0, 1e-12));
    }
  }
}

TEST_CASE("policy: with per-item guess/slip the most informative item is recommended", "[policy]") {
  Fixture f;
  // g0 ("A"): guess 0.45, slip 0.3 - answers say little. g10 ("B"): guess 0.05, slip 0.05.
  // g2 and g5 keep geometry's guess 0.3 / slip 0.02 and tie in information.
  // Information in bits (H(P(correct)) - p h(slip) - (1 - p) h(guess)):
  //   P(known) 0.10: g10 0.2978  g2 = g5 0.1418  g0 0.0166
  //   P(known) 0.70: g10 0.6180  g2 = g5 0.4040  g0 0.0397
  //   P(known) 0.85: g10 0.4045  g2 = g5 0.2827  g0 0.0244
  // The g2 / g5 tie falls to the purpose (see the remediate/practice/challenge test).
  f.model.set_item("g0", ItemParams{"geometry", 0.45, 0.3});
  f.model.set_item("g10", ItemParams{"geometry", 0.05, 0.05});
  SECTION("practice") {
    const Recommendation r = f.recommend(f.profile({{"geometry", 0.7}}, {"geometry"}));
    CHECK(r.reason == Reason::Practice);
    CHECK(r.item == "g10");
    // 0.7 * 0.95 + 0.3 * 0.05 = 0.68: per-item guess/slip, no difficulty shift.
    CHECK_THAT(r.p_correct, WithinAbs(0.68, 1e-12));
    // g2 is nearer the 0.85 target than g5 (0.8632 vs 0.7760).
    CHECK(alternative_items(r) == std::vector<std::string>{"g2", "g5", "g0"});
    CHECK(r.explanation ==
          "practice: Geometry at P(known) 0.70; most informative item (0.62 bits), "
          "P(correct) 0.68");
  }
  SECTION("remediate") {
    const Recommendation r = f.recommend(f.profile({{"geometry", 0.1}}, {"geometry"}));
    CHECK(r.reason == Reason::Remediate);
    CHECK(r.item == "g10");
    CHECK(alternative_items(r) == std::vector<std::string>{"g2", "g5", "g0"});  // easier first
    CHECK(r.explanation ==
          "remediate: Geometry is weak (P(known) 0.10 < 0.30); most informative item (0.30 bits), "
          "P(correct) 0.14");
  }
  SECTION("challenge") {
    const Recommendation r = f.recommend(f.profile({{"geometry", 0.85}}, {"geometry"}));
    CHECK(r.reason == Reason::Challenge);
    CHECK(r.item == "g10");
    CHECK(alternative_items(r) == std::vector<std::string>{"g5", "g2", "g0"});  // harder first
    CHECK_THAT(r.explanation,
               StartsWith("challenge: Geometry is nearly mastered (P(known) 0.85); most "
                          "informative item (0.40 bits), P(correct) 0."));
  }
  SECTION("the most informative item was just seen: the next most informative") {
    LearnerProfile p = f.profile({{"geometry", 0.7}}, {"geometry"});
    p.recent_items = {"g10"};
    const Recommendation r = f.recommend(p);
    CHECK(r.item == "g2");
    CHECK(alternative_items(r) == std::vector<std::string>{"g5", "g0"});
    // g2 and g5 tie in information, so the target decided, and the text says that.
    CHECK(r.explanation ==
          "practice: Geometry at P(known) 0.70; item P(correct) 0.86, nearest the 0.85 target of "
          "those not just seen");
  }
  SECTION("the most informative item of those not just seen is named as such") {
    LearnerProfile p = f.profile({{"geometry", 0.7}}, {"geometry"});
    p.recent_items = {"g2", "g5"};  // g10 stays fresh and beats g0
    const Recommendation r = f.recommend(p);
    CHECK(r.item == "g10");
    CHECK(alternative_items(r) == std::vector<std::string>{"g0"});
    CHECK(r.explanation ==
          "practice: Geometry at P(known) 0.70; most informative item of those not just seen "
          "(0.62 bits), P(correct) 0.68");
  }
  SECTION("a per-item entry of another skill is ignored") {
    f.model.set_item("g10", ItemParams{"counting", 0.05, 0.05});
    const Recommendation r = f.recommend(f.profile({{"geometry", 0.7}}, {"geometry"}));
    // g10 now shares geometry's guess/slip and its difficulty shift again (P(correct) 0.5603);
    // g2, g5 and g10 tie in information, so the target decides and the text says so. g0, the
    // least informative, comes last.
    CHECK(r.item == "g2");
    CHECK(alternative_items(r) == std::vector<std::string>{"g5", "g10", "g0"});
    CHECK(r.explanation ==
          "practice: Geometry at P(known) 0.70; item P(correct) 0.86, nearest the 0.85 target");
  }
}

namespace {

// One skill "s" ("S") with exactly three items: x (difficulty 1.0), y (0.2), z (0.5).
// At P(known) 0.7 (guess 0.3, slip 0.02) their P(correct) are 0.5603, 0.8632 and 0.7760, so by
// the target 0.85 the order would be y, z, x.
Curriculum three_item_curriculum() {
  return Curriculum({Skill{"s", "S", {}}}, {Item{"x", {"s"}, 1.0, ""}, Item{"y", {"s"}, 0.2, ""},
                                            Item{"z", {"s"}, 0.5, ""}});
}

}  // namespace

TEST_CASE("policy: when every item is within the no-repeat window, the one seen longest ago",
          "[policy]") {
  const Curriculum c = three_item_curriculum();
  BktModel m;
  m.set_skill("s", BktParams{0.4, 0.2, 0.0, 0.3, 0.02});
  const PolicyConfig cfg;  // no_repeat_window 3
  REQUIRE(cfg.no_repeat_window == 3);
  LearnerProfile p = new_profile("learner-1", c, m);
  p.skills.at("s").p_known = 0.7;
  SECTION("x, y, z: x") {
    p.recent_items = {"x", "y", "z"};
    const auto r = Sequencer().recommend(PolicyContext{c, m, cfg}, p, kNow);
    REQUIRE(r);
    CHECK(r->reason == Reason::Practice);
    CHECK(r->item == "x");
    CHECK(alternative_items(*r) == std::vector<std::string>{"y", "z"});
    CHECK(r->explanation ==
          "practice: S at P(known) 0.70; item P(correct) 0.56, nearest the 0.85 target "
          "(all seen lately: the one seen longest ago)");
  }
  SECTION("z, x, y: z") {
    p.recent_items = {"z", "x", "y"};
    const auto r = Sequencer().recommend(PolicyContext{c, m, cfg}, p, kNow);
    REQUIRE(r);
    CHECK(r->item == "z");
    CHECK(alternative_items(*r) == std::vector<std::string>{"x", "y"});
    CHECK_THAT(r->explanation, Contains("seen longest ago"));
  }
  SECTION("an item seen twice counts from its last time") {
    p.recent_items = {"y", "x", "y", "z"};  // x is now the one seen longest ago
    const auto r = Sequencer().recommend(PolicyContext{c, m, cfg}, p, kNow);
    REQUIRE(r);
    CHECK(r->item == "x");
  }
}

TEST_CASE("policy: a skill that makes no progress has its prerequisites checked", "[policy]") {
  Fixture f;  // counting -> addition; check_prerequisites_after 8
  REQUIRE(f.config.check_prerequisites_after == 8);
  LearnerProfile p = f.profile({{"counting", 0.97}, {"addition", 0.4}});
  SkillState& add = p.skills.at("addition");
  add.attempts = 8;
  REQUIRE_FALSE(add.mastered_at.has_value());
  p.recent_items = {"a0", "a2", "a5", "a10", "a0", "a2", "a5", "a10"};

  SECTION("eight attempts at P(known) < 0.5 on addition items only: counting is checked") {
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Prerequisite);
    CHECK(r.skill == "counting");
    // Practice ranking at P(known) 0.97: c10 0.8973 is nearest 0.85 (c5 0.9596, c2 0.9774).
    CHECK(r.item == "c10");
    CHECK(r.explanation ==
          "prerequisite check: 8 attempts on Addition without mastery (P(known) 0.40); "
          "checking Counting (P(known) 0.97), which it rests on");
  }
  SECTION("a counting item seen before the stretch of 8 does not count") {
    p.recent_items.insert(p.recent_items.begin(), "c5");  // 9 recent items, the stretch is 8
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Prerequisite);
    CHECK(r.skill == "counting");
  }
  SECTION("a counting item within the stretch: no check") {
    p.recent_items[2] = "c5";
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Practice);
    CHECK(r.skill == "addition");
  }
  SECTION("check_prerequisites_after 0: never") {
    f.config.check_prerequisites_after = 0;
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Practice);
    CHECK(r.skill == "addition");
  }
  SECTION("seven attempts: not yet") {
    add.attempts = 7;
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Practice);
    CHECK(r.skill == "addition");
  }
  SECTION("P(known) 0.5 is not below 0.5") {
    add.p_known = 0.5;
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Practice);
    CHECK(r.skill == "addition");
  }
  SECTION("a skill mastered once before is not checked") {
    add.mastered_at = kNow - std::chrono::hours(24);
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Practice);
    CHECK(r.skill == "addition");
  }
}

TEST_CASE("policy: a stalled skill is set aside for a teacher's help", "[policy]") {
  Fixture f;
  // Geometry learns slowly: learn 0.02. After 10 attempts at P(known) 0.2, 10 more would leave it
  // known with probability 1 - 0.8 * 0.98^10 = 1 - 0.8 * 0.817073 = 0.346342 < 0.5: set aside.
  f.model.set_skill("geometry", BktParams{0.4, 0.02, 0.0, 0.3, 0.02});
  LearnerProfile p = f.profile({{"geometry", 0.2}}, {"geometry"});
  SkillState& g = p.skills.at("geometry");
  g.attempts = 10;
  g.wheel_spinning = true;
  p.recent_items = {"g5"};

  SECTION("the only open skill: Help without an item") {
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Help);
    CHECK(r.skill == "geometry");
    CHECK(r.item.empty());
    CHECK(std::isnan(r.p_correct));
    CHECK(r.alternatives.empty());
    CHECK(r.explanation ==
          "help: 10 attempts on Geometry without mastery (P(known) 0.20); at its learn rate 10 "
          "more would leave it known with probability 0.35 only, so it is set aside for a "
          "teacher's help");
  }
  SECTION("another open skill is recommended instead, even though geometry was practised last") {
    p.goals = {"geometry", "counting"};
    const Recommendation r = f.recommend(p);
    CHECK(r.skill == "counting");
    CHECK(r.reason == Reason::Practice);  // counting at its prior 0.4
    CHECK_FALSE(r.item.empty());
  }
  SECTION("nine attempts: not set aside yet") {
    g.attempts = 9;
    g.wheel_spinning = false;
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Remediate);
    CHECK(r.item == "g0");
  }
  SECTION("a skill mastered once before is not set aside") {
    g.mastered_at = kNow - std::chrono::hours(24 * 30);
    g.wheel_spinning = false;
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Remediate);
    CHECK(r.skill == "geometry");
  }
  SECTION("a high learn rate: wheel-spinning gets Help with an item") {
    // learn 0.3: 1 - 0.8 * 0.7^10 = 1 - 0.8 * 0.028248 = 0.977402 >= 0.5: not set aside.
    f.model.set_skill("geometry", BktParams{0.4, 0.3, 0.0, 0.3, 0.02});
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Help);
    CHECK(r.skill == "geometry");
    CHECK(r.item == "g0");  // the easiest fresh item
    CHECK_THAT(r.explanation,
               StartsWith("help: 10 attempts on Geometry without mastery (P(known) 0.200 < 0.95); "
                          "a teacher's help or a worked example is suggested"));
  }
  SECTION("a high learn rate without the wheel-spinning flag: normal practice") {
    f.model.set_skill("geometry", BktParams{0.4, 0.3, 0.0, 0.3, 0.02});
    g.wheel_spinning = false;
    const Recommendation r = f.recommend(p);
    CHECK(r.reason == Reason::Remediate);
    CHECK(r.item == "g0");
  }
}

TEST_CASE("policy: estimated recall halves with each half-life since the last practice",
          "[policy]") {
  SkillState st;
  st.p_known = 0.9;
  SECTION("no review schedule: P(known) itself") {
    CHECK(estimated_recall(st, kNow) == 0.9);
    st.half_life_days = 2.0;  // a half-life but never practised
    CHECK(estimated_recall(st, kNow) == 0.9);
  }
  SECTION("with a schedule") {
    st.half_life_days = 2.0;
    st.last_practice = kNow;
    CHECK(estimated_recall(st, kNow) == 0.9);
    // 4 days = two half-lives: 0.9 / 4 = 0.225; 1 day: 0.9 / sqrt(2) = 0.636396...
    CHECK_THAT(estimated_recall(st, kNow + std::chrono::hours(96)), WithinAbs(0.225, 1e-15));
    CHECK_THAT(estimated_recall(st, kNow + std::chrono::hours(24)),
               WithinAbs(0.63639610306789277, 1e-15));
    // A time before the last practice counts as no time at all.
    CHECK(estimated_recall(st, kNow - std::chrono::hours(24)) == 0.9);
  }
  SECTION("the profile's recall is the same formula") {
    Fixture f;
    LearnerProfile p = f.profile({});
    SkillState& g = p.skills.at("geometry");
    g.p_known = 0.97;
    g.half_life_days = 3.0;
    g.last_practice = kNow;
    const TimePoint later = kNow + std::chrono::hours(24 * 5);
    CHECK(p.recall("geometry", later) == estimated_recall(g, later));
    CHECK_THAT(p.recall("geometry", later), WithinAbs(0.97 * std::exp2(-5.0 / 3.0), 1e-15));
  }
}

TEST_CASE("policy: PolicyConfig holds the profile rules and widens recent items to the window",
          "[policy]") {
  PolicyConfig cfg;
  SECTION("the defaults are the profile's defaults") {
    CHECK(cfg.rules.mastery_threshold == ProfileRules{}.mastery_threshold);
    CHECK(cfg.profile_rules().recent_items == 20);
  }
  SECTION("more recent items than the window are kept as set") {
    cfg.rules.recent_items = 40;
    cfg.no_repeat_window = 3;
    CHECK(cfg.profile_rules().recent_items == 40);
  }
  SECTION("fewer are raised to the window") {
    cfg.rules.recent_items = 2;
    cfg.no_repeat_window = 7;
    CHECK(cfg.profile_rules().recent_items == 7);
  }
  SECTION("the update rule is carried over") {
    cfg.rules.conjunctive_update = false;
    CHECK_FALSE(cfg.profile_rules().conjunctive_update);
  }
  SECTION("an error in the rules names the setting as the C API and the CLI spell it") {
    cfg.rules.review_threshold = std::numeric_limits<double>::quiet_NaN();
    const Error e = error_from([&] { cfg.validate(); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "review_threshold");
    CHECK_THAT(e.what(), Contains("review_threshold must be in (0, 1], got NaN"));
  }
}

TEST_CASE("policy: the curriculum's graph walks follow prerequisites through other skills",
          "[policy]") {
  const Curriculum c = make_curriculum();  // counting -> addition -> multiplication; geometry
  const std::uint32_t mul = *c.skill_index("multiplication"), add = *c.skill_index("addition"),
                      cnt = *c.skill_index("counting"), geo = *c.skill_index("geometry");
  SECTION("rests_on: directly, through another skill, never itself or a dependant") {
    CHECK(c.rests_on(mul, add));
    CHECK(c.rests_on(mul, cnt));
    CHECK(c.rests_on(add, cnt));
    CHECK_FALSE(c.rests_on(mul, mul));
    CHECK_FALSE(c.rests_on(cnt, add));
    CHECK_FALSE(c.rests_on(mul, geo));
  }
  SECTION("with_prerequisites: the marked skills and all they rest on") {
    std::vector<char> marked(c.skills().size(), 0);
    marked[mul] = 1;
    std::vector<char> want(c.skills().size(), 1);
    want[geo] = 0;
    CHECK(c.with_prerequisites(marked) == want);
    marked.assign(c.skills().size(), 0);
    marked[geo] = 1;
    want.assign(c.skills().size(), 0);
    want[geo] = 1;
    CHECK(c.with_prerequisites(marked) == want);
    CHECK(c.with_prerequisites({}) == std::vector<char>(c.skills().size(), 0));
  }
}

TEST_CASE("policy: a prerequisite chain of 50,000 skills is walked without recursion", "[policy]") {
  constexpr std::uint32_t kLength = 50000;
  std::vector<Skill> skills;
  std::vector<Item> items;
  BktModel model;
  for (std::uint32_t k = 0; k < kLength; ++k) {
    const std::string id = "s" + std::to_string(k);
    skills.push_back(Skill{id, id,
                           k == 0 ? std::vector<std::string>{}
                                  : std::vector<std::string>{"s" + std::to_string(k - 1)}});
    items.push_back(Item{"i" + std::to_string(k), {id}, std::nullopt, ""});
    model.set_skill(id, BktParams{0.4, 0.2, 0.0, 0.3, 0.02});
  }
  const Curriculum c(std::move(skills), std::move(items));
  CHECK(c.rests_on(kLength - 1, 0));
  CHECK_FALSE(c.rests_on(0, kLength - 1));
  std::vector<char> last(kLength, 0);
  last[kLength - 1] = 1;
  CHECK(c.with_prerequisites(last) == std::vector<char>(kLength, 1));

  // The goal is the end of the chain: its first skill is the prerequisite to practise, named
  // as needed by the goal.
  PolicyConfig cfg;
  LearnerProfile p = new_profile("learner-1", c, model);
  p.goals = {"s" + std::to_string(kLength - 1)};
  const auto r = Sequencer().recommend(PolicyContext{c, model, cfg}, p, kNow);
  REQUIRE(r.has_value());
  CHECK(r->reason == Reason::Prerequisite);
  CHECK(r->skill == "s0");
  CHECK(r->item == "i0");
  CHECK(r->explanation == "prerequisite: s0 (P(known) 0.40) must reach 0.95 before s49999");
}
