#include "pathwise/simulate.hpp"

#include <catch2/catch.hpp>
#include <cmath>

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
