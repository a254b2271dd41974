#include "pathwise/profile.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "test_util.hpp"

using namespace pathwise;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

using test_util::error_from;

// A personal-looking id: it must never show up in an error message.
const char* kLearner = "learner-7f3a-secret";

// fractions: prior 0.3, learn 0.2, guess 0.25, slip 0.1 (the Corbett & Anderson example).
// decimals:  prior 0.4, learn 0.1, guess 0.2,  slip 0.15.
BktModel make_model() {
  BktModel m;
  m.set_skill("fractions", BktParams{0.3, 0.2, 0.0, 0.25, 0.1});
  m.set_skill("decimals", BktParams{0.4, 0.1, 0.0, 0.2, 0.15});
  // f2 is an easy-to-guess, hard-to-slip item; on the mixed item fd only fractions has
  // its own guess/slip.
  m.set_item("f2", ItemParams{"fractions", 0.4, 0.05});
  m.set_item("fd", ItemParams{"fractions", 0.4, 0.05});
  return m;
}

// Items by index: 0 f1 (fractions), 1 d1 (decimals), 2 fd (fractions + decimals), 3 f2.
Curriculum make_curriculum() {
  Skill f{"fractions", "Fractions", {}};
  Skill d{"decimals", "Decimals", {"fractions"}};
  Item f1{"f1", {"fractions"}, std::nullopt, ""};
  Item d1{"d1", {"decimals"}, std::nullopt, ""};
  Item fd{"fd", {"fractions", "decimals"}, 0.6, ""};
  Item f2{"f2", {"fractions"}, std::nullopt, ""};
  return Curriculum({f, d}, {f1, d1, fd, f2});
}

constexpr std::uint32_t kF1 = 0, kD1 = 1, kFD = 2, kF2 = 3;

// A fixed, millisecond-aligned starting time (2024-03-01T00:00:00Z).
const TimePoint kT0 = from_millis(1709251200000);

TimePoint at_seconds(double s) { return from_millis(to_millis(kT0) + std::llround(s * 1000.0)); }
TimePoint at_days(double d) { return at_seconds(d * 86400.0); }

}  // namespace

TEST_CASE("profile: new_profile puts every curriculum skill at its prior", "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  const LearnerProfile p = new_profile(kLearner, c, m);
  CHECK(p.learner == kLearner);
  REQUIRE(p.skills.size() == 2);
  CHECK(p.mastery("fractions") == 0.3);
  CHECK(p.mastery("decimals") == 0.4);
  const SkillState* s = p.find("decimals");
  REQUIRE(s != nullptr);
  CHECK(s->attempts == 0);
  CHECK(s->correct == 0);
  CHECK(s->streak == 0);
  CHECK_FALSE(s->last_practice.has_value());
  CHECK_FALSE(s->mastered_at.has_value());
  CHECK_FALSE(s->next_review.has_value());
  CHECK(s->half_life_days == 0.0);
  CHECK_FALSE(s->wheel_spinning);
  CHECK(p.responses == 0);
  CHECK_FALSE(p.last_response.has_value());
  CHECK(p.recent_items.empty());
  CHECK(p.goals.empty());
  CHECK(p.find("algebra") == nullptr);
  CHECK(error_from([&] { (void)p.mastery("algebra"); }).code() == ErrorCode::UnknownSkill);
  CHECK(error_from([&] { (void)p.recall("algebra", kT0); }).code() == ErrorCode::UnknownSkill);
}

TEST_CASE("profile: new_profile throws UnknownSkill when the model lacks a curriculum skill",
          "[profile]") {
  BktModel m;
  m.set_skill("fractions", BktParams{});
  const Error e = error_from([&] { (void)new_profile(kLearner, make_curriculum(), m); });
  CHECK(e.code() == ErrorCode::UnknownSkill);
  CHECK_THAT(e.message(), Contains("decimals"));
  CHECK_THAT(std::string(e.what()), !Contains(kLearner));
}

TEST_CASE("profile: apply_response matches hand-worked BKT numbers", "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  const ProfileRules rules;

  SECTION("a correct answer on fractions") {
    // P(correct | L=0.3) = 0.3 * 0.9 + 0.7 * 0.25 = 0.27 + 0.175 = 0.445
    // posterior = 0.27 / 0.445 = 0.606741573...
    // then learning: 0.606741573 + (1 - 0.606741573) * 0.2 = 0.685393258...
    auto changed = apply_response(p, c, m, rules, kF1, Outcome::Correct, kT0);
    CHECK(changed == std::vector<std::string>{"fractions"});
    CHECK_THAT(p.mastery("fractions"), WithinAbs(0.6853932584269663, 1e-12));
    CHECK(p.mastery("decimals") == 0.4);  // untouched
  }
  SECTION("an incorrect answer on fractions") {
    // P(incorrect | L=0.3) = 0.3 * 0.1 + 0.7 * 0.75 = 0.03 + 0.525 = 0.555
    // posterior = 0.03 / 0.555 = 0.054054054...
    // then 0.054054054 + 0.945945946 * 0.2 = 0.243243243...
    (void)apply_response(p, c, m, rules, kF1, Outcome::Incorrect, kT0);
    CHECK_THAT(p.mastery("fractions"), WithinAbs(0.24324324324324326, 1e-12));
  }
  SECTION("decimals uses its own parameters") {
    // Correct: 0.4 * 0.85 = 0.34, 0.6 * 0.2 = 0.12; posterior 0.34 / 0.46 = 0.739130435;
    // + 0.260869565 * 0.1 = 0.765217391.
    (void)apply_response(p, c, m, rules, kD1, Outcome::Correct, kT0);
    CHECK_THAT(p.mastery("decimals"), WithinAbs(0.7652173913043478, 1e-12));
  }
  SECTION("decimals, incorrect") {
    // 0.4 * 0.15 = 0.06, 0.6 * 0.8 = 0.48; posterior 0.06 / 0.54 = 1/9; + (8/9) * 0.1 = 0.2.
    (void)apply_response(p, c, m, rules, kD1, Outcome::Incorrect, kT0);
    CHECK_THAT(p.mastery("decimals"), WithinAbs(0.2, 1e-12));
  }
  SECTION("an item with its own guess and slip uses them") {
    // f2: guess 0.4, slip 0.05. 0.3 * 0.95 = 0.285, 0.7 * 0.4 = 0.28; posterior 0.285 / 0.565
    // = 0.504424779; + 0.495575221 * 0.2 = 0.603539823.
    (void)apply_response(p, c, m, rules, kF2, Outcome::Correct, kT0);
    CHECK_THAT(p.mastery("fractions"), WithinAbs(0.6035398230088496, 1e-12));
  }
}

TEST_CASE("profile: a multi-skill item updates each skill with its own parameters", "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  LearnerProfile p = new_profile(kLearner, c, m);

  SECTION("hand-worked: fractions with fd's guess/slip, decimals with its own") {
    auto changed = apply_response(p, c, m, ProfileRules{}, kFD, Outcome::Correct, kT0);
    CHECK(changed == std::vector<std::string>{"fractions", "decimals"});
    // fractions on fd: guess 0.4, slip 0.05 -> 0.603539823 (as f2 above).
    CHECK_THAT(p.mastery("fractions"), WithinAbs(0.6035398230088496, 1e-12));
    // decimals: the item's overrides are for fractions only -> 0.765217391 (as d1).
    CHECK_THAT(p.mastery("decimals"), WithinAbs(0.7652173913043478, 1e-12));
    CHECK(p.responses == 1);
    CHECK(p.find("fractions")->attempts == 1);
    CHECK(p.find("decimals")->attempts == 1);
  }
  SECTION("a wrong answer is blamed conjunctively by default") {
    // P(correct) before: fractions on fd 0.3 * 0.95 + 0.7 * 0.4 = 0.565; decimals 0.46.
    // fractions: 0.3 (1 - 0.95 * 0.46) = 0.1689, 0.7 (1 - 0.4 * 0.46) = 0.5712; posterior
    // 0.1689 / 0.7401 = 0.228212404; + 0.771787596 * 0.2 = 0.382569923.
    // decimals: 0.4 (1 - 0.85 * 0.565) = 0.2079, 0.6 (1 - 0.2 * 0.565) = 0.5322; posterior
    // 0.2079 / 0.7401 = 0.280907985; + 0.719092015 * 0.1 = 0.352817187.
    (void)apply_response(p, c, m, ProfileRules{}, kFD, Outcome::Incorrect, kT0);
    CHECK_THAT(p.mastery("fractions"), WithinAbs(0.38256992298338066, 1e-12));
    CHECK_THAT(p.mastery("decimals"), WithinAbs(0.3528171868666397, 1e-12));
  }
  SECTION("classic knowledge tracing blames each skill fully") {
    // fractions: 0.3 * 0.05 / (0.015 + 0.7 * 0.6) = 0.034482759; + 0.965517241 * 0.2.
    // decimals: 0.06 / 0.54 = 1/9; + (8/9) * 0.1 = 0.2 (as d1 alone).
    ProfileRules classic;
    classic.conjunctive_update = false;
    (void)apply_response(p, c, m, classic, kFD, Outcome::Incorrect, kT0);
    CHECK_THAT(p.mastery("fractions"), WithinAbs(0.22758620689655173, 1e-12));
    CHECK_THAT(p.mastery("decimals"), WithinAbs(0.2, 1e-12));
  }
  SECTION("classic: the same numbers as bkt::update applied offline, per skill") {
    // A log: (item, outcome). Offline, each row is listed under each of its skills and
    // filtered with that skill's parameters (the item's where the model has them).
    ProfileRules classic;
    classic.conjunctive_update = false;
    const std::vector<std::pair<std::uint32_t, Outcome>> log{
        {kFD, Outcome::Correct}, {kF1, Outcome::Incorrect}, {kFD, Outcome::Incorrect},
        {kD1, Outcome::Correct}, {kF2, Outcome::Correct},   {kFD, Outcome::Correct},
        {kFD, Outcome::Correct}, {kD1, Outcome::Incorrect}};
    double off_f = m.skill("fractions").prior, off_d = m.skill("decimals").prior;
    int t = 0;
    for (const auto& [i, o] : log) {
      (void)apply_response(p, c, m, classic, i, o, at_seconds(60.0 * ++t));
      const std::string& id = c.items()[i].id;
      for (const auto& s : c.items()[i].skills) {
        double& off = s == "fractions" ? off_f : off_d;
        off = update(m.params_for(s, id), off, o);
      }
      CHECK(p.mastery("fractions") == off_f);
      CHECK(p.mastery("decimals") == off_d);
    }
    CHECK(p.find("fractions")->attempts == 6);
    CHECK(p.find("decimals")->attempts == 6);
  }
}

TEST_CASE("profile: attempts, correct, streak and times are counted per skill", "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  const ProfileRules rules;
  (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_seconds(1));
  (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_seconds(2));
  CHECK(p.find("fractions")->streak == 2);
  (void)apply_response(p, c, m, rules, kF1, Outcome::Incorrect, at_seconds(3));
  CHECK(p.find("fractions")->streak == 0);
  (void)apply_response(p, c, m, rules, kFD, Outcome::Correct, at_seconds(4));
  // The same time as the previous response is allowed.
  (void)apply_response(p, c, m, rules, kD1, Outcome::Incorrect, at_seconds(4));

  const SkillState& f = *p.find("fractions");
  CHECK(f.attempts == 4);
  CHECK(f.correct == 3);
  CHECK(f.streak == 1);
  CHECK(f.last_practice == at_seconds(4));
  const SkillState& d = *p.find("decimals");
  CHECK(d.attempts == 2);
  CHECK(d.correct == 1);
  CHECK(d.streak == 0);
  CHECK(d.last_practice == at_seconds(4));
  CHECK(p.responses == 5);
  CHECK(p.last_response == at_seconds(4));
  CHECK(p.recent_items == std::vector<std::string>{"f1", "f1", "f1", "fd", "d1"});
}

TEST_CASE("profile: mastered_at is set the first time P(known) reaches the threshold",
          "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  const ProfileRules rules;  // mastery 0.95
  // Correct answers on f1 from 0.3: 0.685393 -> 0.909532 -> 0.978490 (>= 0.95 at the third).
  (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_days(0));
  (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_days(0.001));
  CHECK_THAT(p.mastery("fractions"), WithinAbs(0.9095315024232634, 1e-12));
  CHECK_FALSE(p.find("fractions")->mastered_at.has_value());
  CHECK_FALSE(p.find("fractions")->next_review.has_value());
  CHECK(p.find("fractions")->half_life_days == 0.0);
  (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_days(0.002));
  CHECK_THAT(p.mastery("fractions"), WithinAbs(0.978490493566353, 1e-12));
  CHECK(p.find("fractions")->mastered_at == at_days(0.002));

  SECTION("and is not changed by later answers, right or wrong") {
    (void)apply_response(p, c, m, rules, kF1, Outcome::Incorrect, at_days(0.003));
    (void)apply_response(p, c, m, rules, kF1, Outcome::Incorrect, at_days(0.004));
    CHECK(p.mastery("fractions") < rules.mastery_threshold);
    (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_days(0.005));
    (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_days(0.006));
    (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_days(0.007));
    CHECK(p.mastery("fractions") >= rules.mastery_threshold);
    CHECK(p.find("fractions")->mastered_at == at_days(0.002));
  }
  SECTION("a custom threshold is honoured") {
    LearnerProfile q = new_profile(kLearner, c, m);
    ProfileRules low;
    low.mastery_threshold = 0.6;  // reached by the first correct answer (0.685)
    (void)apply_response(q, c, m, low, kF1, Outcome::Correct, at_days(1));
    CHECK(q.find("fractions")->mastered_at == at_days(1));
  }
}

TEST_CASE("profile: mastery starts a review schedule with the initial half-life", "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  const ProfileRules rules;  // review 0.8, half-life 2 days, growth 2
  for (int k = 0; k < 3; ++k)
    (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_seconds(k));
  const TimePoint t3 = at_seconds(2);
  const SkillState& s = *p.find("fractions");
  REQUIRE(s.mastered_at == t3);
  CHECK(s.half_life_days == 2.0);
  CHECK(s.reviews == 0);
  // next_review = t3 + h log2(p / 0.8) = t3 + 2 * log2(0.978490494 / 0.8)
  //             = t3 + 2 * 0.290557835 = t3 + 0.581115669 days = t3 + 50,208,394 ms.
  REQUIRE(s.next_review.has_value());
  CHECK(to_millis(*s.next_review) - to_millis(t3) == 50208394);

  SECTION("recall decays as p 2^(-days / h)") {
    CHECK(p.recall("fractions", t3) == s.p_known);
    // One day later: 0.978490494 * 2^(-1/2) = 0.978490494 * 0.707106781 = 0.691897263.
    CHECK_THAT(p.recall("fractions", t3 + std::chrono::hours(24)),
               WithinAbs(0.6918972633273401, 1e-12));
    // Four days = two half-lives: a quarter of p.
    CHECK_THAT(p.recall("fractions", t3 + std::chrono::hours(96)),
               WithinAbs(0.978490493566353 / 4, 1e-12));
    // At next_review recall is at the review threshold.
    CHECK_THAT(p.recall("fractions", *s.next_review), WithinAbs(0.8, 1e-8));
    // Before mastery recall is P(known) itself.
    CHECK(p.recall("decimals", t3 + std::chrono::hours(24 * 30)) == 0.4);
  }
}

TEST_CASE("profile: a model's forget_per_day decays P(known) by (1 - rate)^days and sets reviews",
          "[profile]") {
  const Curriculum c = make_curriculum();
  BktModel m = make_model();
  const ProfileRules rules;  // review threshold 0.8
  SECTION("rate 0.1 per day") {
    m.set_forget_per_day("fractions", 0.1);
    LearnerProfile p = new_profile(kLearner, c, m);
    // Three answers at the same instant, so that no time passes between them.
    for (int k = 0; k < 3; ++k) (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, kT0);
    const TimePoint t3 = kT0;
    const SkillState& s = *p.find("fractions");
    REQUIRE(s.mastered_at == t3);
    CHECK_THAT(s.p_known, WithinAbs(0.978490493566353, 1e-12));
    // Half-life ln 2 / -ln 0.9 = 6.578813479 days: the schedule is the model's, not the rules'.
    CHECK_THAT(s.half_life_days, WithinAbs(6.578813478960583, 1e-12));
    // Due when 0.978490494 * 0.9^d = 0.8: d = ln(0.8 / 0.978490494) / ln 0.9 = 1.911525798 days.
    REQUIRE(s.next_review.has_value());
    CHECK(std::llabs(to_millis(*s.next_review) - to_millis(t3) - 165155829) <= 1);
    CHECK_THAT(p.recall("fractions", t3 + std::chrono::hours(24)),
               WithinAbs(0.8806414442097177, 1e-12));
    // Three days on, a correct answer: 0.978490494 * 0.9^3 = 0.713319570 before it; posterior
    // 0.642 / (0.642 + 0.0717 ...) and learning give 0.919658844. A review that was due.
    (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, t3 + std::chrono::hours(72));
    CHECK_THAT(s.p_known, WithinAbs(0.9196588442877295, 1e-12));
    CHECK(s.reviews == 1);
    CHECK_THAT(s.half_life_days, WithinAbs(6.578813478960583, 1e-12));     // no spacing growth
    CHECK(p.recall("decimals", t3 + std::chrono::hours(24 * 30)) == 0.4);  // no rate, untouched
  }
  SECTION("rate 0: never forgotten, never due") {
    m.set_forget_per_day("fractions", 0.0);
    LearnerProfile p = new_profile(kLearner, c, m);
    for (int k = 0; k < 3; ++k)
      (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_seconds(k));
    const SkillState& s = *p.find("fractions");
    REQUIRE(s.mastered_at.has_value());
    CHECK(s.half_life_days == 0.0);
    CHECK_FALSE(s.next_review.has_value());
    CHECK(p.recall("fractions", at_seconds(2) + std::chrono::hours(24 * 365)) == s.p_known);
    const double before = s.p_known;
    (void)apply_response(p, c, m, rules, kF1, Outcome::Correct,
                         at_seconds(2) + std::chrono::hours(24 * 365));
    CHECK(s.p_known == update(m.skill("fractions"), before, Outcome::Correct));
  }
}

TEST_CASE("profile: a correct review when due doubles the half-life, a wrong one resets it",
          "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  const ProfileRules rules;
  for (int k = 0; k < 3; ++k)
    (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_seconds(k));
  const TimePoint due = *p.find("fractions")->next_review;

  SECTION("a correct answer before the review is due changes nothing in the schedule") {
    const TimePoint early = due - std::chrono::milliseconds(1);
    (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, early);
    const SkillState& s = *p.find("fractions");
    CHECK(s.half_life_days == 2.0);
    CHECK(s.reviews == 0);
    // p = 0.995144684 now; next_review = early + 2 log2(0.995144684 / 0.8) days.
    CHECK(to_millis(*s.next_review) - to_millis(early) ==
          std::llround(2.0 * std::log2(0.9951446840793323 / 0.8) * 86400000.0));
  }
  SECTION("correct when due, then wrong when due") {
    const TimePoint t4 = due + std::chrono::hours(1);
    (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, t4);
    const SkillState& s = *p.find("fractions");
    // p: 0.978490494 -> 0.995144684; half-life 2 -> 4 days; one review.
    CHECK_THAT(s.p_known, WithinAbs(0.9951446840793323, 1e-12));
    CHECK(s.half_life_days == 4.0);
    CHECK(s.reviews == 1);
    // next_review = t4 + 4 log2(0.995144684 / 0.8) = t4 + 1.259625177 days = t4 + 108,831,615 ms.
    CHECK(to_millis(*s.next_review) - to_millis(t4) == 108831615);

    const TimePoint t5 = *s.next_review + std::chrono::hours(1);
    (void)apply_response(p, c, m, rules, kF1, Outcome::Incorrect, t5);
    // Incorrect from 0.995144684: 0.0995144684 / (0.0995144684 + 0.0048553159 * 0.75)
    // = 0.964696... then + (1 - it) * 0.2 = 0.971759366. Half-life back to 2 days.
    CHECK_THAT(s.p_known, WithinAbs(0.9717593662667307, 1e-12));
    CHECK(s.half_life_days == 2.0);
    CHECK(s.reviews == 1);
    // next_review = t5 + 2 log2(0.971759366 / 0.8) = t5 + 0.561198216 days = 48,487,526 ms.
    CHECK(to_millis(*s.next_review) - to_millis(t5) == 48487526);
    CHECK(s.mastered_at == at_seconds(2));
  }
}

TEST_CASE("profile: wheel_spinning is flagged after the set attempts without mastery",
          "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  ProfileRules rules;
  rules.wheel_spin_attempts = 4;
  for (int k = 0; k < 3; ++k)
    (void)apply_response(p, c, m, rules, kF1, Outcome::Incorrect, at_seconds(k));
  CHECK_FALSE(p.find("fractions")->wheel_spinning);
  (void)apply_response(p, c, m, rules, kF1, Outcome::Incorrect, at_seconds(3));
  CHECK(p.find("fractions")->wheel_spinning);
  CHECK_FALSE(p.find("decimals")->wheel_spinning);

  SECTION("a mastered skill is never wheel-spinning") {
    LearnerProfile q = new_profile(kLearner, c, m);
    for (int k = 0; k < 6; ++k)
      (void)apply_response(q, c, m, rules, kF1, Outcome::Correct, at_seconds(k));
    CHECK(q.find("fractions")->attempts == 6);
    CHECK_FALSE(q.find("fractions")->wheel_spinning);
  }
}

TEST_CASE("profile: recent_items keeps only the most recent items, oldest first", "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  ProfileRules rules;
  rules.recent_items = 3;
  const std::uint32_t seq[] = {kF1, kD1, kFD, kF2, kF1};
  int t = 0;
  for (std::uint32_t i : seq)
    (void)apply_response(p, c, m, rules, i, Outcome::Correct, at_seconds(++t));
  CHECK(p.recent_items == std::vector<std::string>{"fd", "f2", "f1"});

  SECTION("zero keeps none") {
    LearnerProfile q = new_profile(kLearner, c, m);
    rules.recent_items = 0;
    (void)apply_response(q, c, m, rules, kF1, Outcome::Correct, kT0);
    CHECK(q.recent_items.empty());
  }
  SECTION("shrinking the bound trims an existing list") {
    rules.recent_items = 2;
    (void)apply_response(p, c, m, rules, kD1, Outcome::Correct, at_seconds(10));
    CHECK(p.recent_items == std::vector<std::string>{"f1", "d1"});
  }
}

TEST_CASE("profile: bad responses throw and leave the profile unchanged", "[profile]") {
  const Curriculum c = make_curriculum();
  const BktModel m = make_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  const ProfileRules rules;
  (void)apply_response(p, c, m, rules, kFD, Outcome::Correct, at_seconds(1000));
  const LearnerProfile before = p;

  SECTION("time going backwards is InvalidArgument") {
    const Error e = error_from(
        [&] { (void)apply_response(p, c, m, rules, kF1, Outcome::Correct, at_seconds(999)); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "time");
    CHECK_THAT(e.message(), Contains("1000 ms"));
    CHECK_THAT(std::string(e.what()), !Contains(kLearner));
    CHECK(p == before);
  }
  SECTION("an outcome that is not 0 or 1 is InvalidArgument") {
    const Error e = error_from([&] {
      (void)apply_response(p, c, m, rules, kF1, static_cast<Outcome>(2), at_seconds(2000));
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "outcome");
    CHECK_THAT(e.message(), Contains("got 2"));
    CHECK_THAT(std::string(e.what()), !Contains(kLearner));
    CHECK(p == before);
  }
  SECTION("an item index out of range is UnknownItem") {
    const Error e = error_from(
        [&] { (void)apply_response(p, c, m, rules, 4, Outcome::Correct, at_seconds(2000)); });
    CHECK(e.code() == ErrorCode::UnknownItem);
    CHECK_THAT(std::string(e.what()), !Contains(kLearner));
    CHECK(p == before);
  }
}

namespace {

// A profile with every field set to something other than its default. Times are whole
// milliseconds: the document stores milliseconds since the epoch.
LearnerProfile full_profile() {
  LearnerProfile p;
  p.learner = kLearner;
  SkillState a;
  a.p_known = 0.1 + 0.2;  // not exactly representable in few digits
  a.attempts = 17;
  a.correct = 11;
  a.streak = 3;
  a.last_practice = at_seconds(3600.5);
  a.mastered_at = at_seconds(1800.25);
  a.half_life_days = 4.0 / 3.0;
  a.reviews = 2;
  a.next_review = at_days(2.125);
  a.wheel_spinning = true;
  p.skills["fractions"] = a;
  SkillState b;
  b.p_known = 0.4;
  p.skills["décimales"] = b;  // untouched skill: optional times stay null
  p.goals = {"fractions", "décimales"};
  p.recent_items = {"f1", "fd", "f2"};
  p.responses = 123456789012ull;
  p.last_response = at_seconds(3600.5);
  return p;
}

}  // namespace

TEST_CASE("profile: to_json then from_json gives an equal profile", "[profile]") {
  const LearnerProfile p = full_profile();
  SECTION("one line") { CHECK(LearnerProfile::from_json(p.to_json()) == p); }
  SECTION("indented") { CHECK(LearnerProfile::from_json(p.to_json(2)) == p); }
  SECTION("the document carries format, version and times in milliseconds") {
    const nlohmann::json j = nlohmann::json::parse(p.to_json());
    CHECK(j.at("format") == "pathwise-learner-profile");
    CHECK(j.at("version") == "1.0");  // the convention of every document (was schema_version)
    CHECK_FALSE(j.contains("schema_version"));
    CHECK(j.at("last_response") == to_millis(kT0) + 3600500);
    CHECK(j.at("skills").at("fractions").at("mastered_at") == to_millis(kT0) + 1800250);
    CHECK(j.at("skills").at("décimales").at("mastered_at").is_null());
  }
  SECTION("a profile built by apply_response") {
    const Curriculum c = make_curriculum();
    const BktModel m = make_model();
    LearnerProfile q = new_profile(kLearner, c, m);
    q.goals = {"decimals"};
    for (int k = 0; k < 8; ++k) {
      (void)apply_response(q, c, m, ProfileRules{}, k % 2 ? kFD : kF1,
                           k % 3 ? Outcome::Correct : Outcome::Incorrect, at_seconds(k * 7.5));
    }
    CHECK(LearnerProfile::from_json(q.to_json()) == q);
  }
  SECTION("equality sees every field") {
    LearnerProfile q = p;
    q.skills["fractions"].wheel_spinning = false;
    CHECK(q != p);
    q = p;
    q.skills["fractions"].next_review.reset();
    CHECK(q != p);
    q = p;
    q.recent_items.pop_back();
    CHECK(q != p);
  }
}

TEST_CASE("profile: a newer schema_version is a Version error", "[profile]") {
  nlohmann::json j = nlohmann::json::parse(full_profile().to_json());
  j["schema_version"] = 2;
  const Error e = error_from([&] { (void)LearnerProfile::from_json(j.dump(), "p.json"); });
  CHECK(e.code() == ErrorCode::Version);
  CHECK(e.location().field == "schema_version");
  CHECK(e.location().source == "p.json");
  CHECK_THAT(std::string(e.what()), !Contains(kLearner));

  SECTION("even one too large for a signed 64-bit integer") {
    j["schema_version"] = 18446744073709551615ull;
    CHECK(error_from([&] { (void)LearnerProfile::from_json(j.dump()); }).code() ==
          ErrorCode::Version);
  }
}

TEST_CASE("profile: malformed or ill-typed JSON is a Parse error", "[profile]") {
  SECTION("syntax error, with line and column") {
    const Error e = error_from([] {
      (void)LearnerProfile::from_json(
          "{\"format\": \"pathwise-learner-profile\",\n\"schema_version\": 1,\n\"responses\": 3 4}",
          "p.json");
    });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().source == "p.json");
    CHECK(e.location().line == 3);
    CHECK(e.location().column == 16);  // `"responses": 3 4`: the 4 is column 16
  }
  SECTION("wrong format") {
    const Error e = error_from([] {
      (void)LearnerProfile::from_json(R"({"format": "pathwise-curriculum", "schema_version": 1})");
    });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "format");
  }
  SECTION("a negative count") {
    nlohmann::json j = nlohmann::json::parse(full_profile().to_json());
    j["skills"]["fractions"]["attempts"] = -1;
    const Error e = error_from([&] { (void)LearnerProfile::from_json(j.dump()); });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "skills.fractions.attempts");
  }
  SECTION("a time that is not an integer") {
    nlohmann::json j = nlohmann::json::parse(full_profile().to_json());
    j["last_response"] = "yesterday";
    const Error e = error_from([&] { (void)LearnerProfile::from_json(j.dump()); });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "last_response");
  }
  SECTION("p_known outside [0, 1]") {
    nlohmann::json j = nlohmann::json::parse(full_profile().to_json());
    j["skills"]["fractions"]["p_known"] = 1.5;
    const Error e = error_from([&] { (void)LearnerProfile::from_json(j.dump()); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "skills.fractions.p_known");
  }
  SECTION("missing skills") {
    nlohmann::json j = nlohmann::json::parse(full_profile().to_json());
    j.erase("skills");
    const Error e = error_from([&] { (void)LearnerProfile::from_json(j.dump()); });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "skills");
  }
}

TEST_CASE("profile: the learner id never appears in an error message", "[profile]") {
  const std::string good = full_profile().to_json();
  REQUIRE_THAT(good, Contains(kLearner));
  std::vector<std::string> bad;
  // Truncated in the middle of the learner id (a torn write).
  bad.push_back(good.substr(0, good.find(kLearner) + 10));
  // Truncated just after the learner id.
  bad.push_back(good.substr(0, good.find(kLearner) + std::string(kLearner).size() + 1));
  // Garbage right after the learner id.
  {
    std::string s = good;
    s.insert(s.find(kLearner) + std::string(kLearner).size() + 1, "x");
    bad.push_back(s);
  }
  // Wrong types next to the learner id.
  {
    nlohmann::json j = nlohmann::json::parse(good);
    j["responses"] = "many";
    bad.push_back(j.dump());
    j = nlohmann::json::parse(good);
    j["schema_version"] = 9;
    bad.push_back(j.dump());
  }
  for (const std::string& text : bad) {
    INFO(text);
    const Error e = error_from([&] { (void)LearnerProfile::from_json(text); });
    CHECK_THAT(std::string(e.what()), !Contains(kLearner) && !Contains("learner-7f3a"));
  }
}

TEST_CASE("profile: documents written with schema_version are still read", "[profile]") {
  nlohmann::json j = nlohmann::json::parse(full_profile().to_json());
  j.erase("version");
  j["schema_version"] = 1;
  CHECK(LearnerProfile::from_json(j.dump()) == full_profile());
  j.erase("schema_version");
  const Error e = error_from([&] { (void)LearnerProfile::from_json(j.dump()); });
  CHECK(e.code() == ErrorCode::Parse);
  CHECK(e.location().field == "version");
  j["version"] = "2.0";
  CHECK(error_from([&] { (void)LearnerProfile::from_json(j.dump()); }).code() ==
        ErrorCode::Version);
}

// ---- the learner layer's state ----

namespace {

/// make_model() with a learner layer (weights need only be valid: the state's numbers do not
/// depend on them).
BktModel layered_model() {
  BktModel m = make_model();
  LearnerLayer L;
  L.pseudo_count = 10.0;
  for (std::size_t t = 0; t < kLearnerTerms; ++t) L.weights[t] = 0.1 * static_cast<double>(t);
  m.set_learner(L);
  return m;
}

}  // namespace

TEST_CASE("profile: under a layer, apply_response records BKT's P(correct) after forgetting, "
          "once per skill in the item's order",
          "[profile][learner]") {
  const Curriculum c = make_curriculum();
  BktModel m = layered_model();
  m.set_forget_per_day("fractions", 0.1);
  LearnerProfile p = new_profile(kLearner, c, m);
  REQUIRE(!p.learner_state);
  // fd is [fractions, decimals]; fractions takes fd's own guess 0.4 / slip 0.05:
  // P(correct) 0.3 * 0.95 + 0.7 * 0.4 = 0.565, decimals 0.4 * 0.85 + 0.6 * 0.2 = 0.46.
  (void)apply_response(p, c, m, ProfileRules{}, kFD, Outcome::Correct, kT0);
  REQUIRE(p.learner_state);
  const LearnerState& s = *p.learner_state;
  CHECK(s.responses == 2);
  CHECK(s.last == 1);
  CHECK_THAT(s.residual_sum, WithinAbs(0.435 + 0.54, 1e-15));
  CHECK(s.skills.at("fractions").last_seen == 1);
  CHECK(s.skills.at("decimals").last_seen == 2);
  CHECK_THAT(p.learner_ability, WithinAbs(0.975 / 12.0, 1e-15));
  // Two days later, f1 (fractions' own guess 0.25 / slip 0.1). After fd: posterior
  // 0.285 / 0.565, learning 0.2, then two days of forgetting at 0.1 a day: x 0.81.
  const double post = 0.285 / 0.565;
  const double known = (post + (1 - post) * 0.2) * 0.81;
  const double pc = known * 0.9 + (1 - known) * 0.25;
  (void)apply_response(p, c, m, ProfileRules{}, kF1, Outcome::Incorrect, at_days(2));
  CHECK(s.responses == 3);
  CHECK(s.last == -1);
  CHECK_THAT(s.residual_sum, WithinAbs(0.975 - pc, 1e-12));
  CHECK(s.skills.at("fractions").opportunities == 2);
  CHECK(s.skills.at("fractions").last_seen == 3);
  CHECK_THAT(p.learner_ability, WithinAbs((0.975 - pc) / 13.0, 1e-12));
  // A model without the layer leaves the state as it was.
  LearnerProfile q = p;
  (void)apply_response(q, c, make_model(), ProfileRules{}, kD1, Outcome::Correct, at_days(3));
  CHECK(q.learner_state == p.learner_state);
  CHECK(q.learner_ability == p.learner_ability);
}

TEST_CASE("profile: a learner state round-trips as profile JSON 1.1; 1.2 is refused",
          "[profile][learner]") {
  const Curriculum c = make_curriculum();
  const BktModel m = layered_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  for (int k = 0; k < 7; ++k) {
    (void)apply_response(p, c, m, ProfileRules{}, static_cast<std::uint32_t>(k % 4),
                         k % 3 ? Outcome::Correct : Outcome::Incorrect, at_seconds(k * 30.0));
  }
  REQUIRE(p.learner_state);
  const std::string text = p.to_json();
  const nlohmann::json j = nlohmann::json::parse(text);
  CHECK(j.at("version") == "1.1");
  const auto& ls = j.at("learner_state");
  CHECK(ls.at("responses") == p.learner_state->responses);
  CHECK(ls.at("ability") == p.learner_ability);
  CHECK(ls.at("skills").at("decimals").at("opportunities") ==
        p.learner_state->skills.at("decimals").opportunities);
  CHECK(LearnerProfile::from_json(text) == p);
  CHECK(LearnerProfile::from_json(p.to_json(2)) == p);
  SECTION("equality sees the state and the ability") {
    LearnerProfile q = p;
    q.learner_state->recent += 1e-3;
    CHECK(q != p);
    q = p;
    q.learner_ability = 0.5;
    CHECK(q != p);
    q = p;
    q.learner_state.reset();
    CHECK(q != p);
  }
  SECTION("a newer minor version is a Version error") {
    nlohmann::json k = j;
    k["version"] = "1.2";
    const Error e = error_from([&] { (void)LearnerProfile::from_json(k.dump(), "p.json"); });
    CHECK(e.code() == ErrorCode::Version);
    CHECK(e.location().field == "version");
    CHECK_THAT(std::string(e.what()), !Contains(kLearner));
  }
  SECTION("a 1.0 document, without a state, is still read and written as 1.0") {
    LearnerProfile q = p;
    q.learner_state.reset();
    q.learner_ability = 0.0;
    nlohmann::json k = j;
    k.erase("learner_state");
    k["version"] = "1.0";
    const LearnerProfile back = LearnerProfile::from_json(k.dump());
    CHECK(back == q);
    CHECK(nlohmann::json::parse(back.to_json()).at("version") == "1.0");
  }
}

TEST_CASE("profile: a bad learner_state is refused, naming the field", "[profile][learner]") {
  const Curriculum c = make_curriculum();
  const BktModel m = layered_model();
  LearnerProfile p = new_profile(kLearner, c, m);
  (void)apply_response(p, c, m, ProfileRules{}, kF1, Outcome::Correct, kT0);
  (void)apply_response(p, c, m, ProfileRules{}, kD1, Outcome::Correct, kT0);
  const nlohmann::json good = nlohmann::json::parse(p.to_json());
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    ErrorCode code;
    const char* field;
  };
  const Case cases[] = {
      {[](nlohmann::json& s) { s = 3; }, ErrorCode::Parse, "learner_state"},
      {[](nlohmann::json& s) { s["responses"] = -1; }, ErrorCode::Parse, "learner_state.responses"},
      {[](nlohmann::json& s) { s.erase("responses"); }, ErrorCode::Parse,
       "learner_state.responses"},
      {[](nlohmann::json& s) { s["residual_sum"] = 5.0; }, ErrorCode::InvalidArgument,
       "learner_state.residual_sum"},
      {[](nlohmann::json& s) { s["recent"] = 1.5; }, ErrorCode::InvalidArgument,
       "learner_state.recent"},
      {[](nlohmann::json& s) { s["recent_slow"] = "x"; }, ErrorCode::Parse,
       "learner_state.recent_slow"},
      {[](nlohmann::json& s) { s["last"] = 2; }, ErrorCode::Parse, "learner_state.last"},
      {[](nlohmann::json& s) { s["last"] = 0; }, ErrorCode::InvalidArgument, "learner_state.last"},
      {[](nlohmann::json& s) { s["ability"] = "high"; }, ErrorCode::Parse,
       "learner_state.ability"},
      {[](nlohmann::json& s) { s.erase("skills"); }, ErrorCode::Parse, "learner_state.skills"},
      {[](nlohmann::json& s) { s["skills"]["fractions"]["last_seen"] = 9; }, ErrorCode::Parse,
       "learner_state.skills.fractions.last_seen"},
      {[](nlohmann::json& s) { s["skills"]["fractions"]["opportunities"] = 0; },
       ErrorCode::InvalidArgument, "learner_state.skills.fractions"},
      {[](nlohmann::json& s) { s["skills"]["fractions"] = nullptr; }, ErrorCode::Parse,
       "learner_state.skills.fractions"},
  };
  int n = 0;
  for (const Case& k : cases) {
    CAPTURE(n++);
    nlohmann::json j = good;
    k.edit(j["learner_state"]);
    const Error e = error_from([&] { (void)LearnerProfile::from_json(j.dump(), "p.json"); });
    CHECK(e.code() == k.code);
    CHECK(e.location().field == k.field);
    CHECK(e.location().source == "p.json");
    CHECK_THAT(std::string(e.what()), !Contains(kLearner));
  }
}
