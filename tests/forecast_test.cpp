#include "pathwise/forecast.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "pathwise/json.hpp"

using namespace pathwise;
using Catch::Matchers::WithinAbs;

namespace {

ProfileRules rules_at(double threshold) {
  ProfileRules r;
  r.mastery_threshold = threshold;
  return r;
}

// P(N = n) for n = 0..cap by enumerating every outcome sequence, stopping at the first crossing:
// the definition of the forecast, without the dynamic programme's merging.
void enumerate(const BktParams& p, double pk, double threshold, std::uint32_t n, double mass,
               std::uint32_t cap, std::vector<double>& pmf) {
  if (n == cap) return;
  const double pc = predict_correct(p, pk);
  for (Outcome o : {Outcome::Correct, Outcome::Incorrect}) {
    const double m = mass * (o == Outcome::Correct ? pc : 1.0 - pc);
    const double q = update(p, pk, o);
    if (q >= threshold)
      pmf[n + 1] += m;
    else
      enumerate(p, q, threshold, n + 1, m, cap, pmf);
  }
}

}  // namespace

TEST_CASE("forecast: without guess or slip, N is 1 or one plus a geometric learning step",
          "[forecast]") {
  // guess = slip = 0: an answer reveals the state. Correct (chance 0.3) masters at once; wrong
  // leaves P(known) = learn = 0.2, and then each attempt masters with chance 0.2. So P(N = 1) =
  // 0.3 and P(N = n) = 0.7 x 0.8^(n-2) x 0.2 for n >= 2: E[N] = 0.3 + 0.7 (1 + 1/0.2) = 4.5.
  const BktParams p{0.3, 0.2, 0.0, 0.0, 0.0};
  Forecast f = forecast_mastery(p, 0.3, rules_at(0.95));
  CHECK(f.cap == 200);
  CHECK_THAT(f.p_within_cap, WithinAbs(1.0, 1e-12));
  CHECK_THAT(f.expected, WithinAbs(4.5, 1e-9));
  // CDF(n) = 0.3 + 0.7 (1 - 0.8^(n-1)): CDF(1) = 0.3 >= 0.1; CDF(9) = 0.8826 < 0.9 <= CDF(10).
  REQUIRE(f.low);
  REQUIRE(f.high);
  CHECK(*f.low == 1);
  CHECK(*f.high == 10);

  SECTION("a cap of 3 keeps 0.3 + 0.14 + 0.112 of the mass, and the mean of that part") {
    ForecastOptions o;
    o.max_attempts = 3;
    Forecast c = forecast_mastery(p, 0.3, rules_at(0.95), o);
    CHECK_THAT(c.p_within_cap, WithinAbs(0.552, 1e-12));
    CHECK_THAT(c.expected, WithinAbs((0.3 * 1 + 0.14 * 2 + 0.112 * 3) / 0.552, 1e-12));
    CHECK(c.low == std::optional<std::uint32_t>(1));
    CHECK_FALSE(c.high);  // the 90th percentile is beyond 3 attempts
  }
  SECTION("other quantiles: CDF(1) = 0.3 < 0.35 <= CDF(2) = 0.44; CDF(5) = 0.713 < 0.75 <= 0.771") {
    ForecastOptions o;
    o.low_quantile = 0.35;
    o.high_quantile = 0.75;
    Forecast q = forecast_mastery(p, 0.3, rules_at(0.95), o);
    CHECK(q.low == std::optional<std::uint32_t>(2));
    CHECK(q.high == std::optional<std::uint32_t>(6));
  }
}

TEST_CASE("forecast: a learner who cannot learn masters only if known from the start",
          "[forecast]") {
  // learn = 0, guess = slip = 0: correct (chance 0.4) masters, wrong leaves P(known) = 0 forever.
  Forecast f = forecast_mastery({0.4, 0.0, 0.0, 0.0, 0.0}, 0.4, rules_at(0.95));
  CHECK_THAT(f.p_within_cap, WithinAbs(0.4, 1e-12));
  CHECK_THAT(f.expected, WithinAbs(1.0, 1e-12));
  CHECK(f.low == std::optional<std::uint32_t>(1));
  CHECK_FALSE(f.high);
  SECTION("and never if P(known) is 0") {
    Forecast z = forecast_mastery({0.4, 0.0, 0.0, 0.0, 0.0}, 0.0, rules_at(0.95));
    CHECK(z.p_within_cap == 0.0);
    CHECK(z.expected == 0.0);
    CHECK_FALSE(z.low);
    const nlohmann::json j = z;
    CHECK(j.at("expected").is_null());
    CHECK(j.at("low").is_null());
    CHECK(j.at("high").is_null());
    CHECK(j.at("cap") == 200);
  }
}

TEST_CASE("forecast: a skill already at the threshold needs no attempt", "[forecast]") {
  Forecast f = forecast_mastery({0.3, 0.2, 0.0, 0.2, 0.1}, 0.95, rules_at(0.95));
  CHECK(f.expected == 0.0);
  CHECK(f.low == std::optional<std::uint32_t>(0));
  CHECK(f.high == std::optional<std::uint32_t>(0));
  CHECK(f.p_within_cap == 1.0);
}

TEST_CASE("forecast: the dynamic programme equals the enumeration of every outcome sequence",
          "[forecast]") {
  const std::uint32_t cap = 16;
  struct Case {
    BktParams p;
    double pk, threshold;
  };
  for (const Case& c :
       {Case{{0.3, 0.15, 0.0, 0.2, 0.1}, 0.3, 0.95}, Case{{0.1, 0.05, 0.02, 0.3, 0.15}, 0.1, 0.9},
        Case{{0.5, 0.3, 0.0, 0.25, 0.05}, 0.05, 0.98}}) {
    std::vector<double> pmf(cap + 1, 0.0);
    enumerate(c.p, c.pk, c.threshold, 0, 1.0, cap, pmf);
    double within = 0, mean = 0;
    for (std::uint32_t n = 1; n <= cap; ++n) {
      within += pmf[n];
      mean += n * pmf[n];
    }
    mean /= within;
    for (double tol : {0.0, 1e-9}) {
      ForecastOptions o;
      o.max_attempts = cap;
      o.merge_tolerance = tol;
      o.max_states = 1u << cap;  // every sequence followed: no binning
      Forecast f = forecast_mastery(c.p, c.pk, rules_at(c.threshold), o);
      INFO("prior " << c.p.prior << ", tolerance " << tol);
      CHECK_THAT(f.p_within_cap, WithinAbs(within, 1e-9));
      CHECK_THAT(f.expected, WithinAbs(mean, 1e-8));
    }
  }
}

TEST_CASE("forecast: agrees with a Monte Carlo of the BKT learner within its standard error",
          "[forecast]") {
  // The simulation draws the hidden state (known from the start with P(known), learning with
  // `learn`, forgetting with `forget`), answers by guess and slip, and tracks P(known) with the
  // profile's update until it reaches the threshold: the forecast's claim, checked from the
  // other side.
  struct Case {
    BktParams p;
    double pk;
  };
  for (const Case& c :
       {Case{{0.3, 0.15, 0.0, 0.2, 0.1}, 0.3}, Case{{0.2, 0.08, 0.0, 0.25, 0.15}, 0.6},
        Case{{0.1, 0.1, 0.01, 0.3, 0.1}, 0.1}}) {
    const double threshold = 0.95;
    const std::uint32_t cap = 200;
    Forecast f = forecast_mastery(c.p, c.pk, rules_at(threshold));
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const int runs = 100000;
    double sum = 0, sum2 = 0;
    int reached = 0, at_most_low = 0, at_most_high = 0;
    for (int r = 0; r < runs; ++r) {
      bool known = u(rng) < c.pk;
      double tracked = c.pk;
      std::uint32_t n = 0;
      while (n < cap && tracked < threshold) {
        const bool correct = known ? u(rng) >= c.p.slip : u(rng) < c.p.guess;
        tracked = update(c.p, tracked, correct ? Outcome::Correct : Outcome::Incorrect);
        known = known ? u(rng) >= c.p.forget : u(rng) < c.p.learn;
        ++n;
      }
      if (tracked < threshold) continue;
      ++reached;
      sum += n;
      sum2 += double(n) * n;
      at_most_low += f.low && n <= *f.low;
      at_most_high += f.high && n <= *f.high;
    }
    const double mean = sum / reached;
    const double se = std::sqrt((sum2 / reached - mean * mean) / reached);
    INFO("P(known) " << c.pk << ": forecast " << f.expected << ", Monte Carlo " << mean << " +- "
                     << se);
    CHECK(std::fabs(f.expected - mean) < 4.0 * se);
    const double share = double(reached) / runs;
    CHECK(std::fabs(f.p_within_cap - share) <
          4.0 * std::sqrt(std::max(share * (1 - share), 1e-6) / runs) + 1e-9);
    // The percentiles: at least 10 % (90 %) of the runs are within them, within the error.
    const double se_q = 4.0 * std::sqrt(0.1 * 0.9 / runs);
    CHECK(double(at_most_low) / runs >= 0.1 - se_q);
    CHECK(double(at_most_high) / runs >= 0.9 - se_q);
  }
}

TEST_CASE("forecast: coarser bins change the figures only a little", "[forecast]") {
  const BktParams p{0.2, 0.05, 0.0, 0.3, 0.2};
  ForecastOptions fine;
  fine.bins = 65536;
  Forecast reference = forecast_mastery(p, 0.2, rules_at(0.95), fine);
  Forecast standard = forecast_mastery(p, 0.2, rules_at(0.95));
  ForecastOptions o;
  o.bins = 16;
  o.max_states = 1;
  Forecast coarse = forecast_mastery(p, 0.2, rules_at(0.95), o);
  CHECK_THAT(standard.expected, WithinAbs(reference.expected, 5e-4 * reference.expected));
  CHECK(standard.low == reference.low);
  CHECK(standard.high == reference.high);
  CHECK_THAT(coarse.p_within_cap, WithinAbs(reference.p_within_cap, 1e-3));
  CHECK_THAT(coarse.expected, WithinAbs(reference.expected, 0.05 * reference.expected));
  CHECK(coarse.expected != reference.expected);  // 16 bins do merge states that differ
}

TEST_CASE("forecast: bad input is refused with the field named", "[forecast]") {
  const BktParams p{0.3, 0.2, 0.0, 0.2, 0.1};
  auto field_of = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      return e.location().field;
    }
    FAIL("no error");
    return std::string();
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(field_of([&] { (void)forecast_mastery(p, nan, rules_at(0.95)); }) == "p_known");
  CHECK(field_of([&] { (void)forecast_mastery(p, 1.5, rules_at(0.95)); }) == "p_known");
  CHECK(field_of([&] { (void)forecast_mastery(p, -0.1, rules_at(0.95)); }) == "p_known");
  CHECK(field_of([&] { (void)forecast_mastery(p, 0.3, rules_at(0.0)); }) == "mastery_threshold");
  CHECK(field_of([&] { (void)forecast_mastery(p, 0.3, rules_at(nan)); }) == "mastery_threshold");
  BktParams bad = p;
  bad.guess = nan;
  CHECK(field_of([&] { (void)forecast_mastery(bad, 0.3, rules_at(0.95)); }) == "guess");
  ForecastOptions o;
  o.max_attempts = 0;
  CHECK(field_of([&] { (void)forecast_mastery(p, 0.3, rules_at(0.95), o); }) == "max_attempts");
  o = {};
  o.low_quantile = 0.95;
  CHECK(field_of([&] { (void)forecast_mastery(p, 0.3, rules_at(0.95), o); }) == "high_quantile");
  o = {};
  o.merge_tolerance = nan;
  CHECK(field_of([&] { (void)forecast_mastery(p, 0.3, rules_at(0.95), o); }) == "merge_tolerance");
}
