// Forgetting over elapsed time: the time-aware E-step against brute-force enumeration, the fit
// recovering a known daily rate, and predict() decaying P(known) between responses as the
// engine does.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "detail/em_kernel.hpp"
#include "detail/forget_time.hpp"
#include "pathwise/bkt.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/response_log.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using namespace pathwise;

namespace {

constexpr std::int64_t kDay = 86400000;

// One learner's sequence on skill "s" at the given times (ms).
ResponseLog timed_sequence(const std::vector<std::uint8_t>& y, const std::vector<std::int64_t>& t) {
  ResponseLog::Builder b;
  for (std::size_t i = 0; i < y.size(); ++i)
    b.add("u", "s", "", y[i] ? Outcome::Correct : Outcome::Incorrect, std::nullopt, 0, 0, t[i]);
  return b.build();
}

}  // namespace

TEST_CASE("forget per day: the E-step equals brute-force enumeration over hidden paths",
          "[forget_time]") {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> u(0.05, 0.9);
  for (int trial = 0; trial < 30; ++trial) {
    const std::size_t n = 1 + trial % 7;
    const BktParams p{u(rng), u(rng) * 0.5, trial % 3 == 0 ? u(rng) * 0.2 : 0.0, u(rng) * 0.4,
                      u(rng) * 0.3};
    const double d = u(rng) * 0.5;
    std::vector<std::uint8_t> y(n);
    std::vector<std::int64_t> t(n);
    std::int64_t now = 1700000000000;
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = u(rng) < 0.5;
      now += static_cast<std::int64_t>(u(rng) * 5 * kDay);
      t[i] = now;
    }
    ResponseLog log = timed_sequence(y, t);
    const std::vector<double> days = detail::gap_days(log);
    const detail::TimeStats got = detail::e_step_time(log, {0}, p, d, days);
    // Enumeration: P(path, outcomes), with the transition into response i: learn or forget
    // per opportunity, then kept with (1 - d)^days.
    double total = 0, known1 = 0, uk = 0, uu = 0, ku = 0, kk = 0, gn = 0, gd = 0, sn = 0, sd = 0;
    for (std::uint32_t path = 0; path < (1u << n); ++path) {
      double w = 1.0;
      for (std::size_t i = 0; i < n; ++i) {
        const bool k = (path >> i) & 1u;
        if (i == 0) {
          w *= k ? p.prior : 1.0 - p.prior;
        } else {
          const bool was = (path >> (i - 1)) & 1u;
          const double keep = std::pow(1.0 - d, days[i]);
          const double toK = was ? (1.0 - p.forget) * keep : p.learn * keep;
          w *= k ? toK : 1.0 - toK;
        }
        const double pc = k ? 1.0 - p.slip : p.guess;
        w *= y[i] ? pc : 1.0 - pc;
      }
      total += w;
      known1 += (path & 1u) ? w : 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const bool k = (path >> i) & 1u;
        (k ? sd : gd) += w;
        if (k && !y[i]) sn += w;
        if (!k && y[i]) gn += w;
        if (i + 1 < n) {
          const bool nx = (path >> (i + 1)) & 1u;
          (k ? (nx ? kk : ku) : (nx ? uk : uu)) += w;
        }
      }
    }
    INFO("trial " << trial);
    CHECK_THAT(got.base.log_likelihood, WithinAbs(std::log(total), 1e-10));
    CHECK_THAT(got.base.init_known, WithinAbs(known1 / total, 1e-10));
    CHECK_THAT(got.base.guess_num, WithinAbs(gn / total, 1e-10));
    CHECK_THAT(got.base.guess_den, WithinAbs(gd / total, 1e-10));
    CHECK_THAT(got.base.slip_num, WithinAbs(sn / total, 1e-10));
    CHECK_THAT(got.base.slip_den, WithinAbs(sd / total, 1e-10));
    double guk = 0, guu = 0, gku = 0, gkk = 0;
    for (const auto& g : got.gaps) {
      guk += g.uk;
      guu += g.uu;
      gku += g.ku;
      gkk += g.kk;
    }
    REQUIRE(got.gaps.size() == n - 1);
    CHECK_THAT(guk, WithinAbs(uk / total, 1e-10));
    CHECK_THAT(guu, WithinAbs(uu / total, 1e-10));
    CHECK_THAT(gku, WithinAbs(ku / total, 1e-10));
    CHECK_THAT(gkk, WithinAbs(kk / total, 1e-10));
  }
}

TEST_CASE("forget per day: the fit recovers a known daily rate", "[forget_time][fit]") {
  const BktParams truth{0.25, 0.2, 0.0, 0.2, 0.1};
  const double rate = 0.15;
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  ResponseLog::Builder b;
  for (int l = 0; l < 3000; ++l) {
    bool known = u(rng) < truth.prior;
    std::int64_t now = 1700000000000;
    for (int t = 0; t < 15; ++t) {
      if (t > 0) {
        // Gaps from minutes to a week: forgetting is visible only across the long ones.
        const double days = std::exp(u(rng) * std::log(7.0 * 24 * 60)) / (24 * 60);
        now += static_cast<std::int64_t>(days * kDay);
        if (known && u(rng) > std::pow(1.0 - rate, days)) known = false;
      }
      const bool ok = u(rng) < (known ? 1.0 - truth.slip : truth.guess);
      b.add("l" + std::to_string(l), "s", "", ok ? Outcome::Correct : Outcome::Incorrect,
            std::nullopt, 0, 0, now);
      if (!known && u(rng) < truth.learn) known = true;
    }
  }
  ResponseLog log = b.build();
  FitOptions o = FitOptions::bkt();
  o.forget_per_day = true;
  FitResult r = fit_with_report(log, o);
  const BktParams got = r.model.skill("s");
  REQUIRE(r.model.forget_per_day("s"));
  INFO("rate " << *r.model.forget_per_day("s") << " learn " << got.learn);
  CHECK_THAT(*r.model.forget_per_day("s"), WithinAbs(rate, 0.03));
  CHECK_THAT(got.learn, WithinAbs(truth.learn, 0.03));
  CHECK_THAT(got.guess, WithinAbs(truth.guess, 0.03));
  CHECK_THAT(got.slip, WithinAbs(truth.slip, 0.03));
  // The generalised EM never lowered its objective, and beats the fit without the rate.
  const auto& tr = r.report.skills[0].trace;
  for (std::size_t i = 1; i < tr.size(); ++i) CHECK(tr[i] >= tr[i - 1] - 1e-9);
  const FitResult plain = fit_with_report(log, FitOptions::bkt());
  CHECK(r.report.log_likelihood > plain.report.log_likelihood + 10.0);
}

TEST_CASE("forget per day: predict decays P(known) between responses, as the engine does",
          "[forget_time]") {
  ResponseLog log = timed_sequence({1, 0, 1}, {0, 2 * kDay, 2 * kDay + kDay / 2});
  BktModel m;
  const BktParams p{0.4, 0.2, 0.0, 0.2, 0.1};
  m.set_skill("s", p);
  const std::vector<double> plain = predict(m, log);
  m.set_forget_per_day("s", 0.1);
  const Predictions got = predict_states(m, log);
  double k = p.prior;
  CHECK_THAT(got.correct[0], WithinAbs(predict_correct(p, k), 1e-15));
  k = update(p, k, Outcome::Correct) * std::pow(0.9, 2.0);
  CHECK_THAT(got.correct[1], WithinAbs(predict_correct(p, k), 1e-15));
  k = update(p, k, Outcome::Incorrect) * std::pow(0.9, 0.5);
  CHECK_THAT(got.correct[2], WithinAbs(predict_correct(p, k), 1e-15));
  CHECK(plain[1] > got.correct[1]);
  // Without times in the log, the rate does not apply offline.
  ResponseLog::Builder b;
  b.add_sequence("u", "s", {1, 0, 1});
  CHECK(predict(m, b.build()) == plain);
}

TEST_CASE("forget per day: a log without times is refused, naming the option",
          "[forget_time]") {
  ResponseLog::Builder b;
  b.add_sequence("u", "s", {1, 0, 1, 1});
  FitOptions o = FitOptions::bkt();
  o.forget_per_day = true;
  try {
    (void)fit(b.build(), o);
    FAIL("fitted without times");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "forget_per_day");
    CHECK_THAT(e.message(), Contains("time column"));
  }
  o.conjunctive = true;
  CHECK_THROWS_AS(o.validate(), Error);
}

TEST_CASE("forget per day: the rate's prior pulls a skill with little evidence toward no "
          "forgetting, by the hand-worked MAP value",
          "[forget_time][fit]") {
  // Known before every gap of one day, with forget 0: the objective in d is
  //   kk log(1 - d) + ku log d + (beta - 1) log(1 - d) + (alpha - 1) log d,
  // maximised at d = (ku + alpha - 1) / (ku + kk + alpha + beta - 2).
  const std::vector<detail::Gap> gaps = {{1.0, 0.0, 0.0, 2.0, 0.5}, {1.0, 0.0, 0.0, 1.0, 0.5}};
  const double ku = 3.0, kk = 1.0;
  BktParams p{0.3, 0.2, 0.0, 0.2, 0.1};
  FitOptions o = FitOptions::bkt();
  REQUIRE(o.forget_per_day_prior == BetaPrior{1.0, 20.0});
  double d = 0.01;
  detail::m_step_time(gaps, p, d, o, false);
  CHECK_THAT(d, WithinAbs(ku / (ku + kk + 19.0), 1e-6));
  o.forget_per_day_prior = BetaPrior{2.0, 5.0};
  d = 0.01;
  detail::m_step_time(gaps, p, d, o, false);
  CHECK_THAT(d, WithinAbs((ku + 1.0) / (ku + kk + 5.0), 1e-6));
  // Flat (the pybkt preset's): maximum likelihood, ku / (ku + kk).
  o = FitOptions::pybkt();
  CHECK(o.forget_per_day_prior == BetaPrior{});
  d = 0.01;
  detail::m_step_time(gaps, p, d, o, false);
  CHECK_THAT(d, WithinAbs(ku / (ku + kk), 1e-6));
  // Reachable by name from every front end, and checked like the others.
  REQUIRE(o.find_prior("forget_per_day") == &o.forget_per_day_prior);
  CHECK(o.find_prior("learn") == &o.priors.learn);
  CHECK(o.find_prior("rate") == nullptr);
  o.forget_per_day_prior = BetaPrior{0.5, 2.0};
  try {
    o.validate();
    FAIL("a prior below 1 was accepted");
  } catch (const Error& e) {
    CHECK(e.location().field == "priors.forget_per_day");
  }
}
