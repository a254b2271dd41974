#include "pathwise/simulate.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "pathwise/profile.hpp"
#include "test_util.hpp"

using namespace pathwise;

TEST_CASE("simulate: the empirical success rate matches the BKT formula at every opportunity",
          "[simulate]") {
  BktModel m;
  BktParams p{0.2, 0.15, 0.05, 0.25, 0.1};
  m.set_skill("s", p);
  SimulateLogOptions o;
  o.learners = 40000;
  o.opportunities = 10;
  o.seed = 99;
  ResponseLog log = simulate_log(m, o);
  REQUIRE(log.sequence_count() == 40000);
  std::vector<double> correct(o.opportunities, 0.0);
  for (const auto& s : log.sequences()) {
    REQUIRE(s.size() == o.opportunities);
    for (std::size_t t = 0; t < s.size(); ++t) correct[t] += log.outcomes()[s.begin + t];
  }
  // Unconditional P(known) evolves by the transition alone.
  double known = p.prior;
  for (std::size_t t = 0; t < o.opportunities; ++t) {
    double expected = known * (1 - p.slip) + (1 - known) * p.guess;
    double rate = correct[t] / static_cast<double>(o.learners);
    double se = std::sqrt(expected * (1 - expected) / static_cast<double>(o.learners));
    INFO("opportunity " << t);
    CHECK(std::fabs(rate - expected) < 4 * se);
    known = known * (1 - p.forget) + (1 - known) * p.learn;
  }
}

TEST_CASE("simulate: the same seed reproduces the log exactly, another seed does not",
          "[simulate]") {
  BktModel m;
  m.set_skill("a", BktParams{0.3, 0.1, 0, 0.2, 0.1});
  m.set_skill("b", BktParams{0.5, 0.2, 0, 0.3, 0.1});
  SimulateLogOptions o;
  o.learners = 50;
  ResponseLog x = simulate_log(m, o), y = simulate_log(m, o);
  CHECK(x.outcomes() == y.outcomes());
  o.seed = 2;
  CHECK(simulate_log(m, o).outcomes() != x.outcomes());
}

TEST_CASE("simulate: a model without skills is rejected", "[simulate]") {
  CHECK_THROWS_AS(simulate_log(BktModel{}, SimulateLogOptions{}), Error);
}

namespace {

Curriculum chain_curriculum() {
  return Curriculum({Skill{"a", "A", {}}, Skill{"b", "B", {"a"}}},
                    {Item{"a1", {"a"}, std::nullopt, ""}, Item{"b1", {"b"}, std::nullopt, ""}});
}

BktModel chain_model() {
  BktModel m;
  m.set_skill("a", BktParams{0.3, 0.2, 0.0, 0.2, 0.1});
  m.set_skill("b", BktParams{0.0, 0.3, 0.0, 0.25, 0.05});
  return m;
}

const TimePoint kT = from_millis(1700000000000);

}  // namespace

TEST_CASE("simulate: a learner's first answer is right as often as BKT predicts", "[simulate]") {
  Curriculum c = chain_curriculum();
  BktModel m = chain_model();
  PopulationOptions o;
  o.concentration = 0;  // every learner exactly the model
  const int n = 40000;
  int correct = 0;
  for (int i = 0; i < n; ++i) {
    SimulatedLearner l(c, m, o, static_cast<std::uint64_t>(i));
    correct += l.answer(0, kT) == Outcome::Correct;
  }
  double expected = 0.3 * 0.9 + 0.7 * 0.2;  // 0.41
  double se = std::sqrt(expected * (1 - expected) / n);
  CHECK(std::fabs(correct / static_cast<double>(n) - expected) < 4 * se);
}

TEST_CASE("simulate: learners' priors and learn rates spread around the model by a Beta",
          "[simulate]") {
  Curriculum c = chain_curriculum();
  BktModel m = chain_model();
  PopulationOptions o;
  o.concentration = 20;
  const int n = 20000;
  double sum = 0, sum2 = 0, learn = 0;
  for (int i = 0; i < n; ++i) {
    SimulatedLearner l(c, m, o, static_cast<std::uint64_t>(i));
    sum += l.prior(0);
    sum2 += l.prior(0) * l.prior(0);
    learn += l.learn(0);
  }
  double mean = sum / n, var = sum2 / n - mean * mean;
  CHECK(std::fabs(mean - 0.3) < 0.005);
  CHECK(std::fabs(learn / n - 0.2) < 0.005);
  // Beta with mean m and concentration k has variance m (1 - m) / (k + 1) = 0.01.
  CHECK(std::fabs(var - 0.3 * 0.7 / 21.0) < 0.001);
}

TEST_CASE(
    "simulate: with a prerequisite factor of 0, a skill is never learned before its "
    "prerequisite",
    "[simulate]") {
  Curriculum c = chain_curriculum();
  BktModel m = chain_model();
  PopulationOptions o;
  o.prerequisite_factor = 0;
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    SimulatedLearner l(c, m, o, static_cast<std::uint64_t>(i));
    if (l.knows(0)) continue;
    for (int k = 0; k < 30; ++k) (void)l.answer(1, kT);  // practise b only
    CHECK_FALSE(l.knows(1));
    ++checked;
  }
  CHECK(checked > 100);
}

TEST_CASE("simulate: known skills are forgotten at the configured daily rate", "[simulate]") {
  Curriculum c = chain_curriculum();
  BktModel m;
  m.set_skill("a", BktParams{1.0, 0.0, 0.0, 0.2, 0.1});  // everyone knows a, no relearning
  m.set_skill("b", BktParams{0.0, 0.0, 0.0, 0.2, 0.1});
  PopulationOptions o;
  o.concentration = 0;
  o.forget_per_day = 0.1;
  const int n = 20000;
  int still = 0;
  for (int i = 0; i < n; ++i) {
    SimulatedLearner l(c, m, o, static_cast<std::uint64_t>(i));
    REQUIRE(l.knows(0));
    l.wait_until(kT);
    l.wait_until(kT + std::chrono::hours(24 * 7));
    still += l.knows(0);
  }
  double expected = std::pow(0.9, 7);  // 0.478
  CHECK(std::fabs(still / static_cast<double>(n) - expected) <
        4 * std::sqrt(expected * (1 - expected) / n));
}

TEST_CASE("simulate: a simulated learner is reproducible and rejects bad calls", "[simulate]") {
  Curriculum c = chain_curriculum();
  BktModel m = chain_model();
  PopulationOptions o;
  SimulatedLearner x(c, m, o, 7), y(c, m, o, 7);
  for (int k = 0; k < 50; ++k) CHECK(x.answer(k % 2, kT) == y.answer(k % 2, kT));
  CHECK_THROWS_AS(x.answer(9, kT), Error);
  CHECK_THROWS_AS(x.answer(0, kT - std::chrono::seconds(1)), Error);
  PopulationOptions bad;
  bad.prerequisite_factor = 2;
  CHECK_THROWS_AS(SimulatedLearner(c, m, bad, 0), Error);
  BktModel partial;
  partial.set_skill("a", BktParams{});
  CHECK_THROWS_AS(SimulatedLearner(c, partial, o, 0), Error);
}

TEST_CASE("simulate: course_from_model makes a course from a model's skills and items",
          "[simulate]") {
  BktModel m;
  m.set_skill("s2", BktParams{0.5, 0.2, 0.0, 0.3, 0.1});
  m.set_skill("s1", BktParams{0.3, 0.1, 0.0, 0.2, 0.1});
  m.set_item("i2", ItemParams{"s1", 0.1, 0.2});
  m.set_item("i1", ItemParams{"s1", 0.25, 0.05});
  const Curriculum c = course_from_model(m);
  REQUIRE(c.skills().size() == 2);
  CHECK(c.skills()[0].id == "s1");  // the model's (name) order
  CHECK(c.skills()[0].name == "s1");
  CHECK(c.skills()[1].id == "s2");
  CHECK(c.prerequisites(0).empty());
  CHECK(c.prerequisites(1).empty());
  std::vector<std::string> ids;
  for (const Item& it : c.items()) ids.push_back(it.id);
  CHECK(ids == std::vector<std::string>{"i1", "i2", "s2 #1", "s2 #2", "s2 #3"});
  auto items_of = [&](const std::string& skill) {
    std::vector<std::string> out;
    for (std::uint32_t i : c.skill_items(*c.skill_index(skill))) out.push_back(c.items()[i].id);
    return out;
  };
  CHECK(items_of("s1") == std::vector<std::string>{"i1", "i2"});
  CHECK(items_of("s2") == std::vector<std::string>{"s2 #1", "s2 #2", "s2 #3"});
  for (const Item& it : c.items()) {
    INFO(it.id);
    CHECK(it.skills.size() == 1);
    CHECK_FALSE(it.difficulty.has_value());
  }

  SECTION("items_per_skill sets the count for skills without items of their own") {
    const Curriculum one = course_from_model(m, 1);
    REQUIRE(one.items().size() == 3);
    CHECK(one.items()[2].id == "s2 #1");
    CHECK(course_from_model(m, 5).items().size() == 7);
  }
  SECTION("items_per_skill 0 and an empty model are rejected") {
    const Error zero = test_util::error_from([&] { (void)course_from_model(m, 0); });
    CHECK(zero.code() == ErrorCode::InvalidArgument);
    const Error empty = test_util::error_from([] { (void)course_from_model(BktModel{}); });
    CHECK(empty.code() == ErrorCode::InvalidArgument);
  }
  SECTION("a simulated learner runs on the course") {
    PopulationOptions o;
    SimulatedLearner l(c, m, o, 0);
    const double e = l.expected_correct(0);  // i1: guess 0.25, slip 0.05
    CHECK((std::fabs(e - 0.25) < 1e-12 || std::fabs(e - 0.95) < 1e-12));
  }
}

namespace {

// a -> b, both at prior 0.5 (concentration 0: every learner exactly the model).
BktModel half_model(double guess = 0.2, double slip = 0.1, double learn = 0.2) {
  BktModel m;
  m.set_skill("a", BktParams{0.5, learn, 0.0, guess, slip});
  m.set_skill("b", BktParams{0.5, learn, 0.0, guess, slip});
  return m;
}

struct Frequencies {
  double a = 0, b = 0, both = 0;
};

Frequencies initial_knowledge(const PopulationOptions& o, int n) {
  Curriculum c = chain_curriculum();
  BktModel m = half_model();
  Frequencies f;
  for (int i = 0; i < n; ++i) {
    SimulatedLearner l(c, m, o, static_cast<std::uint64_t>(i));
    f.a += l.knows(0);
    f.b += l.knows(1);
    f.both += l.knows(0) && l.knows(1);
  }
  f.a /= n;
  f.b /= n;
  f.both /= n;
  return f;
}

}  // namespace

TEST_CASE(
    "simulate: correlated priors keep each skill's chance and correlate the skills as the "
    "Gaussian copula says",
    "[simulate]") {
  // Liabilities L_a, L_b standard normal with correlation r; a skill is known iff Phi(L) is
  // below its chance. With chances 0.5 and 0.5: P(both) = 1/4 + asin(r) / (2 pi) (the
  // orthant probability of a bivariate normal), so r = 0.5 gives 1/4 + 1/12 = 1/3.
  PopulationOptions o;
  o.concentration = 0;
  o.prerequisite_factor = 1.0;  // b's chance is 0.5 whether or not a is known
  o.prior_correlation = 0.5;
  const int n = 40000;
  const double se = std::sqrt(0.25 / n);
  Frequencies f = initial_knowledge(o, n);
  CHECK(std::fabs(f.a - 0.5) < 4 * se);
  CHECK(std::fabs(f.b - 0.5) < 4 * se);
  CHECK(std::fabs(f.both - 1.0 / 3.0) < 4 * se);
  // P(b | a) = (1/3) / (1/2) = 2/3; P(b | not a) = (1/2 - 1/3) / (1/2) = 1/3.
  CHECK(std::fabs(f.both / f.a - 2.0 / 3.0) < 8 * se);
  CHECK(std::fabs((f.b - f.both) / (1 - f.a) - 1.0 / 3.0) < 8 * se);

  SECTION("without correlation the skills are independent: P(both) = 1/4") {
    o.prior_correlation = 0.0;
    Frequencies g = initial_knowledge(o, n);
    CHECK(std::fabs(g.both - 0.25) < 4 * se);
  }
  SECTION("with prerequisite_factor 0, b is known only with a: P(b) = P(both) = 1/3") {
    o.prerequisite_factor = 0.0;
    Frequencies g = initial_knowledge(o, n);
    CHECK(g.b == g.both);
    CHECK(std::fabs(g.b - 1.0 / 3.0) < 4 * se);
  }
}

TEST_CASE("simulate: ability scales learning and shifts guess and slip as documented",
          "[simulate]") {
  Curriculum c = chain_curriculum();
  BktModel m = half_model(0.2, 0.1, 0.1);
  PopulationOptions o;
  o.concentration = 0;
  o.learn_sd = 0.5;
  o.guess_slip_sd = 0.3;
  o.ability_level_correlation = 0.6;
  const int n = 20000;
  double sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < n; ++i) {
    SimulatedLearner l(c, m, o, static_cast<std::uint64_t>(i));
    const double a = l.ability();
    CHECK_THAT(l.learn(0),
               Catch::Matchers::WithinAbs(std::min(1.0, 0.1 * std::exp(0.5 * a)), 1e-12));
    // Item a1 answers by a's state alone: guess' = logistic(logit(0.2) + 0.3 a) if unknown,
    // 1 - slip' = 1 - logistic(logit(0.1) - 0.3 a) if known.
    const double expected = l.knows(0)
                                ? 1.0 - 1.0 / (1.0 + std::exp(-(std::log(0.1 / 0.9) - 0.3 * a)))
                                : 1.0 / (1.0 + std::exp(-(std::log(0.2 / 0.8) + 0.3 * a)));
    CHECK_THAT(l.expected_correct(0), Catch::Matchers::WithinAbs(expected, 1e-12));
    sxy += a * l.level();
    sxx += l.level() * l.level();
    syy += a * a;
  }
  // Both standard normal with correlation 0.6: the sample correlation's error is ~ 0.64/sqrt(n).
  CHECK(std::fabs(sxy / std::sqrt(sxx * syy) - 0.6) < 4 * 0.64 / std::sqrt(n));
}

TEST_CASE("simulate: the quit chance follows failures and far-too-easy runs", "[simulate]") {
  Curriculum c = chain_curriculum();
  PopulationOptions o;
  o.concentration = 0;
  o.quit_base = 0.01;
  o.quit_per_failure = 0.02;
  o.quit_per_easy = 0.05;
  o.easy_run = 5;
  SECTION("a learner who never knows and never guesses fails every time") {
    BktModel m;
    m.set_skill("a", BktParams{0.0, 0.0, 0.0, 0.0, 0.1});
    m.set_skill("b", BktParams{0.0, 0.0, 0.0, 0.0, 0.1});
    SimulatedLearner l(c, m, o, 3);
    CHECK(l.quit_chance() == 0.01);
    for (int k = 1; k <= 4; ++k) {
      CHECK(l.answer(0, kT) == Outcome::Incorrect);
      CHECK(l.failures_in_a_row() == static_cast<std::uint32_t>(k));
      CHECK_THAT(l.quit_chance(), Catch::Matchers::WithinAbs(0.01 + 0.02 * k, 1e-15));
    }
  }
  SECTION("a learner who knows everything and never slips gets bored after easy_run items") {
    BktModel m;
    m.set_skill("a", BktParams{1.0, 0.0, 0.0, 0.0, 0.0});
    m.set_skill("b", BktParams{1.0, 0.0, 0.0, 0.0, 0.0});
    SimulatedLearner l(c, m, o, 3);
    for (int k = 1; k <= 7; ++k) CHECK(l.answer(k % 2, kT) == Outcome::Correct);
    CHECK(l.easy_in_a_row() == 7);
    CHECK_THAT(l.quit_chance(), Catch::Matchers::WithinAbs(0.01 + 0.05 * 2, 1e-15));
  }
  SECTION("bad dropout settings are refused with their field") {
    for (auto set : {+[](PopulationOptions& p) { p.quit_base = -0.1; },
                     +[](PopulationOptions& p) { p.quit_per_failure = 1.5; },
                     +[](PopulationOptions& p) { p.prior_correlation = 1.0; },
                     +[](PopulationOptions& p) { p.learn_sd = std::nan(""); },
                     +[](PopulationOptions& p) { p.ability_level_correlation = -2; }}) {
      PopulationOptions bad;
      set(bad);
      CHECK_THROWS_AS(bad.validate(), Error);
    }
  }
}
