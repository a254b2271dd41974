// Multi-skill rows explained jointly: the conjunctive E-step against brute-force enumeration,
// the conjunctive filter against the engine's update rule, and the fit recovering parameters
// from a log drawn from the conjunctive model.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "detail/conjunctive.hpp"
#include "detail/em_kernel.hpp"
#include "pathwise/bkt.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/response_log.hpp"

using Catch::Matchers::WithinAbs;
using namespace pathwise;

namespace {

// Brute force: every hidden path and every latent "part correct" variable of the skill, with
// the other skills' parts correct with probability O[t]; the answer is correct iff both are.
detail::EStats brute_force(const BktParams& p, const std::vector<std::uint8_t>& y,
                           const std::vector<double>& O) {
  const std::size_t n = y.size();
  detail::EStats e;
  double total = 0.0;
  struct Acc {
    double init = 0, ln = 0, ld = 0, fn = 0, fd = 0, gn = 0, gd = 0, sn = 0, sd = 0;
  } acc;
  for (std::uint32_t path = 0; path < (1u << n); ++path) {
    for (std::uint32_t parts = 0; parts < (1u << n); ++parts) {
      double w = 1.0;
      for (std::size_t t = 0; t < n; ++t) {
        const bool known = (path >> t) & 1u, ok = (parts >> t) & 1u;
        if (t == 0)
          w *= known ? p.prior : 1.0 - p.prior;
        else {
          const bool was = (path >> (t - 1)) & 1u;
          w *= was ? (known ? 1.0 - p.forget : p.forget) : (known ? p.learn : 1.0 - p.learn);
        }
        const double pc = known ? 1.0 - p.slip : p.guess;
        w *= ok ? pc : 1.0 - pc;
        // The answer: correct iff the part and the others' parts are.
        w *= y[t] ? (ok ? O[t] : 0.0) : (ok ? 1.0 - O[t] : 1.0);
      }
      if (w == 0.0) continue;
      total += w;
      acc.init += w * ((path & 1u) ? 1.0 : 0.0);
      for (std::size_t t = 0; t < n; ++t) {
        const bool known = (path >> t) & 1u, ok = (parts >> t) & 1u;
        if (known) {
          acc.sd += w;
          acc.sn += ok ? 0.0 : w;
        } else {
          acc.gd += w;
          acc.gn += ok ? w : 0.0;
        }
        if (t + 1 < n) {
          const bool next = (path >> (t + 1)) & 1u;
          if (known) {
            acc.fd += w;
            acc.fn += next ? 0.0 : w;
          } else {
            acc.ld += w;
            acc.ln += next ? w : 0.0;
          }
        }
      }
    }
  }
  e.log_likelihood = std::log(total);
  e.sequences = 1;
  e.init_known = acc.init / total;
  e.learn_num = acc.ln / total;
  e.learn_den = acc.ld / total;
  e.forget_num = acc.fn / total;
  e.forget_den = acc.fd / total;
  e.guess_num = acc.gn / total;
  e.guess_den = acc.gd / total;
  e.slip_num = acc.sn / total;
  e.slip_den = acc.sd / total;
  return e;
}

void check_same(const detail::EStats& a, const detail::EStats& b, double tol) {
  CHECK_THAT(a.log_likelihood, WithinAbs(b.log_likelihood, tol));
  CHECK_THAT(a.init_known, WithinAbs(b.init_known, tol));
  CHECK_THAT(a.learn_num, WithinAbs(b.learn_num, tol));
  CHECK_THAT(a.learn_den, WithinAbs(b.learn_den, tol));
  CHECK_THAT(a.forget_num, WithinAbs(b.forget_num, tol));
  CHECK_THAT(a.forget_den, WithinAbs(b.forget_den, tol));
  CHECK_THAT(a.guess_num, WithinAbs(b.guess_num, tol));
  CHECK_THAT(a.guess_den, WithinAbs(b.guess_den, tol));
  CHECK_THAT(a.slip_num, WithinAbs(b.slip_num, tol));
  CHECK_THAT(a.slip_den, WithinAbs(b.slip_den, tol));
}

ResponseLog one_sequence(const std::vector<std::uint8_t>& y) {
  ResponseLog::Builder b;
  b.add_sequence("u", "s", y);
  return b.build();
}

/// A log drawn from the conjunctive model: each row is one skill, or the pair (a, b); the
/// answer is correct iff every skill's part is; each skill's state then learns.
ResponseLog simulate_rows(const BktModel& m, int learners, int rows, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  ResponseLog::Builder b;
  std::uint32_t row = 0;
  for (int l = 0; l < learners; ++l) {
    std::map<std::string, bool> known;
    for (const auto& s : m.skill_names()) known[s] = u(rng) < m.skill(s).prior;
    for (int r = 0; r < rows; ++r) {
      std::vector<std::string> skills;
      const double pick = u(rng);
      if (pick < 0.4)
        skills = {"a", "b"};
      else
        skills = {pick < 0.6 ? "a" : pick < 0.8 ? "b" : "c"};
      bool ok = true;
      for (const auto& s : skills) {
        const BktParams& p = m.skill(s);
        ok = (u(rng) < (known[s] ? 1.0 - p.slip : p.guess)) && ok;
      }
      ++row;
      for (const auto& s : skills) {
        b.add("l" + std::to_string(l), s, "", ok ? Outcome::Correct : Outcome::Incorrect,
              std::nullopt, row, row);
        if (!known[s] && u(rng) < m.skill(s).learn) known[s] = true;
      }
    }
  }
  return b.build();
}

BktModel truth() {
  BktModel m;
  m.set_skill("a", BktParams{0.3, 0.15, 0.0, 0.25, 0.10});
  m.set_skill("b", BktParams{0.5, 0.10, 0.0, 0.20, 0.08});
  m.set_skill("c", BktParams{0.2, 0.20, 0.0, 0.15, 0.12});
  return m;
}

}  // namespace

TEST_CASE("conjunctive: the E-step's counts equal brute-force enumeration", "[conjunctive]") {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.05, 0.95);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t n = 1 + trial % 6;
    BktParams p{u(rng), u(rng) * 0.5, trial % 2 ? u(rng) * 0.3 : 0.0, u(rng) * 0.4,
                u(rng) * 0.3};
    std::vector<std::uint8_t> y(n);
    std::vector<double> O(n);
    for (std::size_t t = 0; t < n; ++t) {
      y[t] = u(rng) < 0.5 ? 1 : 0;
      O[t] = t % 3 == 0 ? 1.0 : u(rng);
    }
    ResponseLog log = one_sequence(y);
    INFO("trial " << trial);
    check_same(detail::e_step_conjunctive(log, {0}, p, O), brute_force(p, y, O), 1e-10);
  }
}

TEST_CASE("conjunctive: with no shared rows the E-step is the standard one", "[conjunctive]") {
  ResponseLog::Builder b;
  std::mt19937_64 rng(9);
  for (int l = 0; l < 50; ++l) {
    std::vector<std::uint8_t> y(3 + l % 17);
    for (auto& v : y) v = rng() % 3 ? 1 : 0;
    b.add_sequence("l" + std::to_string(l), "s", y);
  }
  ResponseLog log = b.build();
  const BktParams p{0.35, 0.12, 0.05, 0.2, 0.1};
  std::vector<double> scratch;
  const auto data = detail::build_skill_data(log, log.skill_sequences(0));
  const detail::EStats standard = detail::e_step(data, p, scratch);
  const detail::EStats conj =
      detail::e_step_conjunctive(log, log.skill_sequences(0), p, std::vector<double>(log.size(), 1.0));
  check_same(conj, standard, 1e-9);
}

TEST_CASE("conjunctive: rows of several skills are found, and filtered as the engine updates",
          "[conjunctive]") {
  // A DataShop-style log: row 2 names two KCs.
  ResponseLog log = ResponseLog::parse(
      "Row\tAnon Student Id\tKC(Default)\tCorrect First Attempt\n"
      "1\tu\ta\t1\n2\tu\ta~~b\t0\n3\tu\tb\t1\n4\tv\ta~~b\t1\n");
  const detail::RowGroups g = detail::row_groups(log);
  CHECK(g.shared == 4);
  BktModel m;
  const BktParams pa{0.3, 0.2, 0.0, 0.25, 0.1}, pb{0.6, 0.1, 0.0, 0.2, 0.15};
  m.set_skill("a", pa);
  m.set_skill("b", pb);
  EvaluateOptions eo;
  eo.conjunctive = true;
  const Predictions got = predict_states(m, log, eo);
  // By hand, with the engine's rules: learner u.
  double ka = pa.prior, kb = pb.prior;
  const double r1 = predict_correct(pa, ka);
  ka = transition(pa, posterior(pa, ka, Outcome::Correct));
  const double ca = predict_correct(pa, ka), cb = predict_correct(pb, kb);
  const double r2 = ca * cb;
  const double ka2 = transition(pa, posterior_conjunctive(pa, ka, cb, Outcome::Incorrect));
  const double kb2 = transition(pb, posterior_conjunctive(pb, kb, ca, Outcome::Incorrect));
  const double r3 = predict_correct(pb, kb2);
  // Learner v: one correct row of both skills.
  const double r4 = predict_correct(pa, pa.prior) * predict_correct(pb, pb.prior);
  std::map<std::pair<std::uint32_t, std::string>, std::pair<double, double>> by_row;
  for (const auto& s : log.sequences())
    for (auto i = s.begin; i < s.end; ++i)
      by_row[{log.rows()[i], log.skill_name(s.skill)}] = {got.correct[i], got.known_after[i]};
  CHECK_THAT(by_row.at({1, "a"}).first, WithinAbs(r1, 1e-15));
  CHECK_THAT(by_row.at({2, "a"}).first, WithinAbs(r2, 1e-15));
  CHECK_THAT(by_row.at({2, "b"}).first, WithinAbs(r2, 1e-15));
  CHECK_THAT(by_row.at({2, "a"}).second, WithinAbs(ka2, 1e-15));
  CHECK_THAT(by_row.at({2, "b"}).second, WithinAbs(kb2, 1e-15));
  CHECK_THAT(by_row.at({3, "b"}).first, WithinAbs(r3, 1e-15));
  CHECK_THAT(by_row.at({4, "a"}).first, WithinAbs(r4, 1e-15));
  // Without the option, each copy is its skill's own prediction.
  const Predictions plain = predict_states(m, log);
  for (const auto& s : log.sequences())
    for (auto i = s.begin; i < s.end; ++i)
      if (log.rows()[i] == 2 && log.skill_name(s.skill) == "b")
        CHECK_THAT(plain.correct[i], WithinAbs(cb, 1e-15));
}

TEST_CASE("conjunctive: the fit recovers parameters that per-skill copies get wrong",
          "[conjunctive][fit]") {
  const BktModel t = truth();
  ResponseLog log = simulate_rows(t, 3000, 30, 17);
  FitOptions copies = FitOptions::bkt();
  FitOptions joint = copies;
  joint.conjunctive = true;
  joint.conjunctive_rounds = 5;
  FitResult rc = fit_with_report(log, copies);
  FitResult rj = fit_with_report(log, joint);
  CHECK(rj.report.multi_skill_responses > 40000);
  CHECK(rj.report.conjunctive_rounds == 5);
  CHECK(rc.report.conjunctive_rounds == 0);
  for (const char* s : {"a", "b"}) {
    INFO("skill " << s << " joint slip " << rj.model.skill(s).slip << " copies slip "
                  << rc.model.skill(s).slip);
    const BktParams& want = t.skill(s);
    const BktParams& got = rj.model.skill(s);
    CHECK_THAT(got.prior, WithinAbs(want.prior, 0.04));
    CHECK_THAT(got.learn, WithinAbs(want.learn, 0.03));
    CHECK_THAT(got.guess, WithinAbs(want.guess, 0.03));
    CHECK_THAT(got.slip, WithinAbs(want.slip, 0.03));
    // Per-skill copies blame every wrong pair on both skills: slip comes out too high.
    CHECK(rc.model.skill(s).slip > want.slip + 0.05);
  }
  // Each skill's EM within the last round never lowered its objective.
  for (const auto& r : rj.report.skills)
    for (std::size_t i = 1; i < r.trace.size(); ++i) CHECK(r.trace[i] >= r.trace[i - 1] - 1e-9);
  // Held-out learners, evaluated jointly: the joint fit predicts them better.
  ResponseLog test = simulate_rows(t, 1000, 30, 18);
  EvaluateOptions eo;
  eo.conjunctive = true;
  const Metrics mj = evaluate(rj.model, test, eo), mc = evaluate(rc.model, test, eo);
  CHECK(mj.log_loss < mc.log_loss);
}

TEST_CASE("conjunctive: options are validated", "[conjunctive]") {
  FitOptions o;
  o.conjunctive = true;
  o.item_guess_slip = true;
  CHECK_THROWS_AS(o.validate(), Error);
  try {
    o.validate();
  } catch (const Error& e) {
    CHECK(e.location().field == "conjunctive");
  }
  o.item_guess_slip = false;
  o.conjunctive_rounds = 0;
  try {
    o.validate();
    FAIL("accepted 0 rounds");
  } catch (const Error& e) {
    CHECK(e.location().field == "conjunctive_rounds");
  }
}
