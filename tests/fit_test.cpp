#include "pathwise/fit.hpp"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <random>

#include "detail/em_kernel.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/simulate.hpp"

using namespace pathwise;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

// Expected sufficient statistics by enumerating every hidden path of every sequence.
detail::EStats brute_force_stats(const BktParams& p,
                                 const std::vector<std::vector<std::uint8_t>>& seqs) {
  detail::EStats s;
  for (const auto& o : seqs) {
    const std::size_t T = o.size();
    std::vector<double> joint(1u << T);
    double total = 0.0;
    for (std::uint32_t path = 0; path < (1u << T); ++path) {
      double prob = 1.0;
      for (std::size_t t = 0; t < T; ++t) {
        bool k = (path >> t) & 1u;
        if (t == 0) {
          prob *= k ? p.prior : 1 - p.prior;
        } else {
          bool w = (path >> (t - 1)) & 1u;
          prob *= w ? (k ? 1 - p.forget : p.forget) : (k ? p.learn : 1 - p.learn);
        }
        double pc = k ? 1 - p.slip : p.guess;
        prob *= o[t] ? pc : 1 - pc;
      }
      joint[path] = prob;
      total += prob;
    }
    s.log_likelihood += std::log(total);
    s.sequences += 1;
    for (std::uint32_t path = 0; path < (1u << T); ++path) {
      double w = joint[path] / total;
      for (std::size_t t = 0; t < T; ++t) {
        bool k = (path >> t) & 1u;
        if (t == 0 && k) s.init_known += w;
        if (k) {
          s.slip_den += w;
          if (!o[t]) s.slip_num += w;
        } else {
          s.guess_den += w;
          if (o[t]) s.guess_num += w;
        }
        if (t > 0) {
          bool was = (path >> (t - 1)) & 1u;
          if (was) {
            s.forget_den += w;
            if (!k) s.forget_num += w;
          } else {
            s.learn_den += w;
            if (k) s.learn_num += w;
          }
        }
      }
    }
  }
  return s;
}

ResponseLog log_of(const std::vector<std::vector<std::uint8_t>>& seqs) {
  ResponseLog::Builder b;
  for (std::size_t i = 0; i < seqs.size(); ++i)
    b.add_sequence("l" + std::to_string(i), "s", seqs[i]);
  return b.build();
}

BktModel two_skill_truth() {
  BktModel m;
  m.set_skill("a", BktParams{0.30, 0.15, 0.0, 0.20, 0.10});
  m.set_skill("b", BktParams{0.55, 0.08, 0.0, 0.25, 0.15});
  return m;
}

// 5,000 learners x 25 opportunities on each skill of two_skill_truth(), seed 11.
ResponseLog two_skill_log_250k() {
  SimulateLogOptions so;
  so.learners = 5000;
  so.opportunities = 25;
  so.seed = 11;
  return simulate_log(two_skill_truth(), so);
}

}  // namespace

TEST_CASE("fit: the E-step's expected counts equal brute-force enumeration over hidden paths",
          "[fit]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.02, 0.98);
  for (int trial = 0; trial < 20; ++trial) {
    // 11 sequences of lengths 1..10: more than one block of lanes, with padding.
    std::vector<std::vector<std::uint8_t>> seqs;
    for (int i = 0; i < 11; ++i) {
      std::vector<std::uint8_t> o(1 + static_cast<std::size_t>((i * 7 + trial) % 10));
      for (auto& x : o) x = rng() & 1u;
      seqs.push_back(o);
    }
    BktParams p{u(rng), u(rng) * 0.5, trial % 2 ? u(rng) * 0.3 : 0.0, u(rng) * 0.45, u(rng) * 0.45};
    ResponseLog log = log_of(seqs);
    detail::SkillData data = detail::build_skill_data(log, log.skill_sequences(0));
    std::vector<double> scratch;
    detail::EStats got = detail::e_step(data, p, scratch);
    detail::EStats want = brute_force_stats(p, seqs);
    CHECK_THAT(got.log_likelihood, WithinAbs(want.log_likelihood, 1e-9));
    CHECK_THAT(got.sequences, WithinAbs(want.sequences, 1e-12));
    CHECK_THAT(got.init_known, WithinAbs(want.init_known, 1e-9));
    CHECK_THAT(got.learn_num, WithinAbs(want.learn_num, 1e-9));
    CHECK_THAT(got.learn_den, WithinAbs(want.learn_den, 1e-9));
    CHECK_THAT(got.forget_num, WithinAbs(want.forget_num, 1e-9));
    CHECK_THAT(got.forget_den, WithinAbs(want.forget_den, 1e-9));
    CHECK_THAT(got.guess_num, WithinAbs(want.guess_num, 1e-9));
    CHECK_THAT(got.guess_den, WithinAbs(want.guess_den, 1e-9));
    CHECK_THAT(got.slip_num, WithinAbs(want.slip_num, 1e-9));
    CHECK_THAT(got.slip_den, WithinAbs(want.slip_den, 1e-9));
  }
}

TEST_CASE("fit: the vectorised and portable E-steps give bit-identical statistics", "[fit]") {
  std::mt19937_64 rng(11);
  std::vector<std::vector<std::uint8_t>> seqs;
  for (int i = 0; i < 37; ++i) {
    std::vector<std::uint8_t> o(1 + rng() % 40);
    for (auto& x : o) x = rng() & 1u;
    seqs.push_back(o);
  }
  ResponseLog log = log_of(seqs);
  detail::SkillData data = detail::build_skill_data(log, log.skill_sequences(0));
  BktParams p{0.35, 0.12, 0.03, 0.22, 0.09};
  std::vector<double> s1, s2;
  detail::EStats a = detail::e_step(data, p, s1);
  detail::EStats b = detail::e_step_portable(data, p, s2);
  CHECK(a.log_likelihood == b.log_likelihood);
  CHECK(a.init_known == b.init_known);
  CHECK(a.learn_num == b.learn_num);
  CHECK(a.learn_den == b.learn_den);
  CHECK(a.forget_num == b.forget_num);
  CHECK(a.guess_num == b.guess_num);
  CHECK(a.slip_den == b.slip_den);
  CHECK(data.responses == log.size());
}

TEST_CASE("fit: EM's log-likelihood never decreases", "[fit]") {
  SimulateLogOptions so;
  so.learners = 300;
  so.opportunities = 15;
  so.seed = 3;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  // Maximum likelihood (the trace is the log-likelihood) and MAP (the log-posterior), each
  // plain, with forgetting, and with binding bounds or a binding guess + slip guard: projected
  // and guarded EM must stay monotone too.
  FitOptions variants[6] = {FitOptions::pybkt(), FitOptions::pybkt(), FitOptions::pybkt(),
                            FitOptions::bkt(),   FitOptions::bkt(),   FitOptions::bkt()};
  variants[1].forgetting = true;
  variants[2].bounds.guess = {0.0, 0.1};
  variants[2].bounds.slip = {0.0, 0.05};
  variants[4].forgetting = true;
  variants[5].max_guess_plus_slip = 0.2;  // the truth has 0.30 and 0.40
  for (auto& o : variants) {
    o.tolerance = 0.0;  // run every iteration
    o.max_iterations = 60;
    FitResult r = fit_with_report(log, o);
    for (const auto& s : r.report.skills) {
      REQUIRE(s.trace.size() >= 3);
      REQUIRE(s.trace.size() <= 60);
      for (std::size_t i = 1; i < s.trace.size(); ++i) {
        CHECK(s.trace[i] >= s.trace[i - 1] - 1e-9 * std::fabs(s.trace[i - 1]));
      }
      if (o.priors == BktPriors{}) CHECK(s.trace.back() == s.log_likelihood);
      if (o.max_guess_plus_slip) {
        const BktParams p = r.model.skill(s.skill);
        CHECK(p.guess + p.slip <= *o.max_guess_plus_slip + 1e-12);
      }
    }
  }
}

TEST_CASE("fit: recovers known parameters within 0.02 from 250k simulated responses", "[fit]") {
  BktModel truth = two_skill_truth();
  ResponseLog log = two_skill_log_250k();
  REQUIRE(log.size() == 250000);
  FitResult r = fit_with_report(log, {});
  for (const auto& name : truth.skill_names()) {
    const BktParams& want = truth.skill(name);
    const BktParams& got = r.model.skill(name);
    INFO("skill " << name);
    CHECK_THAT(got.prior, WithinAbs(want.prior, 0.02));
    CHECK_THAT(got.learn, WithinAbs(want.learn, 0.02));
    CHECK_THAT(got.guess, WithinAbs(want.guess, 0.02));
    CHECK_THAT(got.slip, WithinAbs(want.slip, 0.02));
    CHECK(got.forget == 0.0);
  }
  for (const auto& s : r.report.skills) {
    CHECK(s.converged);
    CHECK(s.warnings.empty());
    CHECK(s.responses == 125000);
    CHECK(s.sequences == 5000);
  }
}

TEST_CASE("fit: recovers a forget probability when forgetting is enabled", "[fit]") {
  BktModel truth;
  truth.set_skill("f", BktParams{0.3, 0.2, 0.05, 0.2, 0.1});
  SimulateLogOptions so;
  so.learners = 8000;
  so.opportunities = 30;
  so.seed = 5;
  FitOptions o;
  o.forgetting = true;
  o.max_iterations = 400;
  BktModel got = fit(simulate_log(truth, so), o);
  CHECK_THAT(got.skill("f").forget, WithinAbs(0.05, 0.02));
  CHECK_THAT(got.skill("f").learn, WithinAbs(0.2, 0.03));
  // With forgetting, swapping the two states gives the same likelihood; the fit must report the
  // labelling in which the known state answers better (guess + slip < 1).
  CHECK(got.skill("f").guess + got.skill("f").slip < 1.0);
}

TEST_CASE("fit: with forgetting, the known state is the one that answers better", "[fit]") {
  // Data from the swapped labelling of a model: the fit must return the original labelling.
  BktModel truth;
  truth.set_skill("f", BktParams{0.3, 0.2, 0.05, 0.2, 0.1});
  SimulateLogOptions so;
  so.learners = 3000;
  so.opportunities = 20;
  FitOptions o;
  o.forgetting = true;
  o.restarts = 10;
  FitResult r = fit_with_report(simulate_log(truth, so), o);
  const BktParams& p = r.model.skill("f");
  CHECK(p.guess + p.slip < 1.0);
  CHECK(p.learn > p.forget);
}

TEST_CASE("fit: the same seed gives the same model whatever the thread count", "[fit]") {
  SimulateLogOptions so;
  so.learners = 200;
  so.opportunities = 12;
  BktModel truth = two_skill_truth();
  truth.set_skill("c", BktParams{0.2, 0.3, 0, 0.1, 0.2});
  ResponseLog log = simulate_log(truth, so);
  FitOptions one, four;
  one.threads = 1;
  four.threads = 4;
  CHECK(fit(log, one) == fit(log, four));
  FitOptions other = one;
  other.seed = 43;
  other.tolerance = 0;
  other.max_iterations = 3;
  one.tolerance = 0;
  one.max_iterations = 3;
  CHECK(fit(log, one) != fit(log, other));  // the seed does matter
}

TEST_CASE("fit: fixed parameters stay put and bounds are respected", "[fit]") {
  SimulateLogOptions so;
  so.learners = 400;
  so.opportunities = 15;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  FitOptions o;
  o.fixed.prior = 0.5;
  o.bounds.guess = {0.0, 0.12};
  o.bounds.slip = {0.12, 0.3};
  BktModel m = fit(log, o);
  for (const auto& name : m.skill_names()) {
    CHECK(m.skill(name).prior == 0.5);
    CHECK(m.skill(name).guess <= 0.12);
    CHECK(m.skill(name).slip >= 0.12);
  }
}

TEST_CASE("fit: a degenerate fit is flagged in the report", "[fit]") {
  SimulateLogOptions so;
  so.learners = 200;
  so.opportunities = 10;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  FitOptions o = FitOptions::pybkt();  // the default guard would refuse these fixed values
  o.fixed.guess = 0.6;
  o.fixed.slip = 0.5;
  FitResult r = fit_with_report(log, o);
  for (const auto& s : r.report.skills) {
    REQUIRE_FALSE(s.warnings.empty());
    CHECK_THAT(s.warnings.front(), Contains("guess + slip >= 1"));
  }
}

TEST_CASE("fit: the first restart starts where it is told to", "[fit]") {
  SimulateLogOptions so;
  so.learners = 100;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  FitOptions o;
  o.restarts = 1;
  o.max_iterations = 1;  // one E-step, no M-step: the start comes back unchanged
  o.start["a"] = BktParams{0.42, 0.17, 0.0, 0.23, 0.11};
  BktModel m = fit(log, o);
  CHECK(m.skill("a") == BktParams{0.42, 0.17, 0.0, 0.23, 0.11});
}

TEST_CASE("fit: the skill filter limits which skills are fitted", "[fit]") {
  SimulateLogOptions so;
  so.learners = 50;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  FitOptions o;
  o.skill_filter = [](const std::string& s) { return s == "b"; };
  BktModel m = fit(log, o);
  CHECK(m.skill_names() == std::vector<std::string>{"b"});
  o.skill_filter = [](const std::string&) { return false; };
  CHECK_THROWS_AS(fit(log, o), Error);
}

TEST_CASE("fit: invalid options and an empty log are rejected", "[fit]") {
  SimulateLogOptions so;
  so.learners = 20;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  auto code_of = [&](const FitOptions& o) {
    try {
      (void)fit(log, o);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::Internal;
  };
  FitOptions o;
  o.restarts = 0;
  CHECK(code_of(o) == ErrorCode::InvalidArgument);
  o = {};
  o.max_iterations = 0;
  CHECK(code_of(o) == ErrorCode::InvalidArgument);
  o = {};
  o.tolerance = std::nan("");
  CHECK(code_of(o) == ErrorCode::InvalidArgument);
  o = {};
  o.bounds.guess = {0.5, 0.2};
  CHECK_THROWS_WITH(fit(log, o), Contains("guess"));
  o = {};
  CHECK(o.fixed.find("lean") == nullptr);  // a parameter is named by the type now
  o = {};
  o.fixed.slip = 1.5;
  CHECK(code_of(o) == ErrorCode::InvalidArgument);
  o = {};
  o.start["a"] = BktParams{std::nan(""), 0.1, 0.0, 0.2, 0.1};
  CHECK_THROWS_WITH(fit(log, o), Contains("start.a"));
  CHECK_THROWS_AS(fit(ResponseLog::Builder().build(), {}), Error);
}

TEST_CASE("fit: an exception from the progress callback cancels the fit", "[fit]") {
  SimulateLogOptions so;
  so.learners = 30;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  for (unsigned threads : {1u, 2u}) {
    FitOptions o;
    o.threads = threads;
    o.progress = [](std::size_t, std::size_t) { throw std::runtime_error("cancelled by host"); };
    CHECK_THROWS_WITH(fit(log, o), "cancelled by host");
  }
}

TEST_CASE("fit: the progress callback sees every skill finish", "[fit]") {
  SimulateLogOptions so;
  so.learners = 30;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  FitOptions o;
  std::vector<std::size_t> seen;
  o.progress = [&](std::size_t done, std::size_t total) {
    CHECK(total == 2);
    seen.push_back(done);
  };
  (void)fit(log, o);
  CHECK(seen == std::vector<std::size_t>{1, 2});
}

namespace {

// Brute-force expected counts with guess and slip per response (per-item BKT), by item.
struct ItemCounts {
  double ll = 0;
  std::map<std::string, std::array<double, 4>> by_item;  // guess num/den, slip num/den
};
ItemCounts brute_force_items(const BktParams& p, const std::vector<std::vector<std::uint8_t>>& seqs,
                             const std::vector<std::vector<std::string>>& items,
                             const std::map<std::string, ItemParams>& ip) {
  ItemCounts out;
  for (std::size_t q = 0; q < seqs.size(); ++q) {
    const auto& o = seqs[q];
    const std::size_t T = o.size();
    std::vector<double> joint(1u << T);
    double total = 0;
    for (std::uint32_t path = 0; path < (1u << T); ++path) {
      double prob = 1;
      for (std::size_t t = 0; t < T; ++t) {
        bool k = (path >> t) & 1u;
        if (t == 0) {
          prob *= k ? p.prior : 1 - p.prior;
        } else {
          bool w = (path >> (t - 1)) & 1u;
          prob *= w ? (k ? 1 - p.forget : p.forget) : (k ? p.learn : 1 - p.learn);
        }
        const ItemParams& e = ip.at(items[q][t]);
        double pc = k ? 1 - e.slip : e.guess;
        prob *= o[t] ? pc : 1 - pc;
      }
      joint[path] = prob;
      total += prob;
    }
    out.ll += std::log(total);
    for (std::uint32_t path = 0; path < (1u << T); ++path) {
      double w = joint[path] / total;
      for (std::size_t t = 0; t < T; ++t) {
        auto& c = out.by_item[items[q][t]];
        if ((path >> t) & 1u) {
          c[3] += w;
          if (!o[t]) c[2] += w;
        } else {
          c[1] += w;
          if (o[t]) c[0] += w;
        }
      }
    }
  }
  return out;
}

BktModel item_truth() {
  BktModel m;
  m.set_skill("s", BktParams{0.3, 0.15, 0.0, 0.2, 0.1});
  m.set_item("easy", ItemParams{"s", 0.45, 0.05});
  m.set_item("hard", ItemParams{"s", 0.05, 0.25});
  m.set_item("mid", ItemParams{"s", 0.2, 0.1});
  return m;
}

}  // namespace

TEST_CASE("fit: the per-item E-step's counts equal brute-force enumeration, item by item",
          "[fit]") {
  std::mt19937_64 rng(5);
  const std::vector<std::string> names{"i1", "i2", "i3"};
  std::map<std::string, ItemParams> ip{
      {"i1", {"s", 0.3, 0.05}}, {"i2", {"s", 0.1, 0.2}}, {"i3", {"s", 0.25, 0.15}}};
  std::vector<std::vector<std::uint8_t>> seqs;
  std::vector<std::vector<std::string>> items;
  ResponseLog::Builder b;
  for (int i = 0; i < 11; ++i) {
    std::vector<std::uint8_t> o(1 + static_cast<std::size_t>(i % 9));
    std::vector<std::string> it(o.size());
    for (std::size_t t = 0; t < o.size(); ++t) {
      o[t] = rng() & 1u;
      it[t] = names[rng() % 3];
    }
    seqs.push_back(o);
    items.push_back(it);
    b.add_sequence("l" + std::to_string(i), "s", o, it);
  }
  ResponseLog log = b.build();
  std::vector<char> own(log.item_count(), 1);
  detail::SkillData data = detail::build_skill_data(log, log.skill_sequences(0), &own);
  REQUIRE(data.slot_items.size() == 4);  // pooled slot + 3 items
  std::vector<double> g(4, 0.5), s(4, 0.5);
  for (std::size_t k = 1; k < 4; ++k) {
    const ItemParams& e = ip.at(log.item_id(data.slot_items[k]));
    g[k] = e.guess;
    s[k] = e.slip;
  }
  BktParams p{0.35, 0.2, 0.05, 0.0, 0.0};
  std::vector<double> scratch;
  detail::EStats got = detail::e_step_items(data, p, g, s, scratch);
  ItemCounts want = brute_force_items(p, seqs, items, ip);
  CHECK_THAT(got.log_likelihood, WithinAbs(want.ll, 1e-9));
  for (std::size_t k = 1; k < 4; ++k) {
    const auto& c = want.by_item.at(log.item_id(data.slot_items[k]));
    INFO("item " << log.item_id(data.slot_items[k]));
    CHECK_THAT(got.item_guess_num[k], WithinAbs(c[0], 1e-9));
    CHECK_THAT(got.item_guess_den[k], WithinAbs(c[1], 1e-9));
    CHECK_THAT(got.item_slip_num[k], WithinAbs(c[2], 1e-9));
    CHECK_THAT(got.item_slip_den[k], WithinAbs(c[3], 1e-9));
  }
  CHECK(got.item_guess_den[0] == 0.0);  // nothing pooled
}

TEST_CASE("fit: per-item guess and slip are recovered from 240k simulated responses", "[fit]") {
  SimulateLogOptions so;
  so.learners = 12000;
  so.opportunities = 20;
  so.seed = 21;
  ResponseLog log = simulate_log(item_truth(), so);
  REQUIRE(log.item_count() == 3);
  FitOptions o;
  o.item_guess_slip = true;
  FitResult r = fit_with_report(log, o);
  BktModel truth = item_truth();
  for (const auto& [id, want] : truth.items()) {
    INFO("item " << id);
    const ItemParams* got = r.model.find_item(id);
    REQUIRE(got);
    CHECK(got->skill == "s");
    CHECK_THAT(got->guess, WithinAbs(want.guess, 0.03));
    CHECK_THAT(got->slip, WithinAbs(want.slip, 0.03));
  }
  CHECK_THAT(r.model.skill("s").prior, WithinAbs(0.3, 0.03));
  CHECK_THAT(r.model.skill("s").learn, WithinAbs(0.15, 0.03));
  const auto& rep = r.report.skills.front();
  for (std::size_t i = 1; i < rep.trace.size(); ++i)
    CHECK(rep.trace[i] >= rep.trace[i - 1] - 1e-9 * std::fabs(rep.trace[i - 1]));
  // Per-item parameters predict this log better than one guess/slip for the skill.
  BktModel plain = fit(log, {});
  CHECK(evaluate(r.model, log).auc > evaluate(plain, log).auc + 0.01);
}

TEST_CASE("fit: a per-item start is projected onto the bounds", "[fit]") {
  SimulateLogOptions so;
  so.learners = 50;
  ResponseLog log = simulate_log(item_truth(), so);
  FitOptions o;
  o.item_guess_slip = true;
  o.restarts = 1;
  o.max_iterations = 1;
  o.bounds.guess = {0.0, 0.3};
  o.start["s"] = BktParams{0.3, 0.1, 0.0, 0.6, 0.1};
  BktModel m = fit(log, o);
  for (const auto& [id, ip] : m.items()) CHECK(ip.guess <= 0.3);
}

TEST_CASE("fit: per-item fitting without an item column is refused", "[fit]") {
  FitOptions o;
  o.item_guess_slip = true;
  SimulateLogOptions so;
  so.learners = 10;
  CHECK_THROWS_WITH(fit(simulate_log(two_skill_truth(), so), o), Contains("item column"));
}

TEST_CASE("fit: items with fewer responses than item_min_responses share their skill's guess/slip",
          "[fit]") {
  // One skill; item "five" is answered exactly 5 times, "four" 4 times, "many" 21 times.
  ResponseLog::Builder b;
  b.add_sequence("l1", "s", {0, 1, 0, 1, 1, 1, 0, 1, 1, 1},
                 {"many", "five", "many", "four", "many", "five", "many", "many", "four", "many"});
  b.add_sequence("l2", "s", {1, 0, 0, 1, 1, 0, 1, 1, 1, 1},
                 {"five", "many", "four", "many", "five", "many", "many", "many", "many", "many"});
  b.add_sequence("l3", "s", {0, 0, 1, 1, 1, 1, 1, 1, 1, 1},
                 {"many", "five", "many", "four", "many", "many", "many", "many", "many", "many"});
  const ResponseLog log = b.build();
  REQUIRE(log.item_count() == 3);
  FitOptions o;
  o.item_guess_slip = true;
  o.restarts = 1;
  o.threads = 1;
  o.seed = 4;
  SECTION("minimum 5: the item with 4 responses gets no entry of its own") {
    o.item_min_responses = 5;
    const BktModel m = fit(log, o);
    CHECK(m.find_item("many") != nullptr);
    CHECK(m.find_item("five") != nullptr);  // exactly the minimum is enough
    CHECK(m.find_item("four") == nullptr);
    CHECK(m.item_count() == 2);
    CHECK(m.params_for("s", "four").guess == m.skill("s").guess);
  }
  SECTION("minimum 6: only the item with 21 responses") {
    o.item_min_responses = 6;
    const BktModel m = fit(log, o);
    CHECK(m.find_item("many") != nullptr);
    CHECK(m.find_item("five") == nullptr);
    CHECK(m.find_item("four") == nullptr);
  }
  SECTION("the default minimum 1: every item") {
    const BktModel m = fit(log, o);
    CHECK(m.item_count() == 3);
    CHECK(m.find_item("four") != nullptr);
  }
  SECTION("a minimum above every count: no per-item entries, the skill is still fitted") {
    o.item_min_responses = 22;
    const BktModel m = fit(log, o);
    CHECK(m.item_count() == 0);
    CHECK(m.find_skill("s") != nullptr);
  }
}

TEST_CASE("fit: skills with fewer responses than min_skill_responses are left out", "[fit]") {
  // Skill "big" has 12 responses, "small" 4.
  ResponseLog::Builder b;
  b.add_sequence("l1", "big", {0, 1, 1, 1, 0, 1}, {});
  b.add_sequence("l2", "big", {0, 0, 1, 1, 1, 1}, {});
  b.add_sequence("l1", "small", {0, 1}, {});
  b.add_sequence("l2", "small", {1, 1}, {});
  const ResponseLog log = b.build();
  FitOptions o;
  o.restarts = 1;
  o.threads = 1;
  SECTION("minimum 5: only the big skill") {
    o.min_skill_responses = 5;
    const BktModel m = fit(log, o);
    CHECK(m.find_skill("big") != nullptr);
    CHECK(m.find_skill("small") == nullptr);
    CHECK(m.skill_count() == 1);
  }
  SECTION("exactly the minimum is enough") {
    o.min_skill_responses = 4;
    CHECK(fit(log, o).skill_count() == 2);
  }
  SECTION("a minimum above every skill: an error, not an empty model") {
    o.min_skill_responses = 13;
    CHECK_THROWS_WITH(fit(log, o), Contains("minimum of responses"));
  }
}

namespace {

/// The field an invalid FitOptions is refused with, or "" if validate() accepts it.
std::string refused_field(const FitOptions& o) {
  try {
    o.validate();
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    return e.location().field;
  }
  return "";
}

}  // namespace

TEST_CASE("fit: validate names the parameter of a bad bound or fixed value", "[fit]") {
  const double nan = std::nan("");
  const char* names[] = {"prior", "learn", "forget", "guess", "slip"};
  CHECK(refused_field(FitOptions{}) == "");
  for (const char* name : names) {
    INFO(name);
    FitOptions o;
    *o.bounds.find(name) = {0.5, 0.2};  // lo > hi
    CHECK(refused_field(o) == std::string("bounds.") + name);
    *o.bounds.find(name) = {-0.1, 0.5};
    CHECK(refused_field(o) == std::string("bounds.") + name);
    *o.bounds.find(name) = {0.0, 1.5};
    CHECK(refused_field(o) == std::string("bounds.") + name);
    *o.bounds.find(name) = {nan, 0.5};
    CHECK(refused_field(o) == std::string("bounds.") + name);
    *o.bounds.find(name) = {0.3, 0.3};  // a single point is a valid interval
    CHECK(refused_field(o) == "");
    *o.fixed.find(name) = 1.5;
    CHECK(refused_field(o) == std::string("fixed.") + name);
    *o.fixed.find(name) = nan;
    CHECK(refused_field(o) == std::string("fixed.") + name);
    *o.fixed.find(name) = -0.0;
    CHECK(refused_field(o) == "");
  }
  FitOptions o;
  o.bounds.slip = {0.9, 0.1};
  o.fixed.guess = 2.0;  // the bounds are checked first, as the fields are listed
  CHECK(refused_field(o) == "bounds.slip");
  try {
    o.validate();
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Contains("field 'bounds.slip'") && Contains("[0.900000, 0.100000]"));
  }
}

TEST_CASE("fit: a parameter set finds each of the five parameters by name, and no other", "[fit]") {
  BktFixed f;
  CHECK(f.find("prior") == &f.prior);
  CHECK(f.find("learn") == &f.learn);
  CHECK(f.find("forget") == &f.forget);
  CHECK(f.find("guess") == &f.guess);
  CHECK(f.find("slip") == &f.slip);
  CHECK(f.find("lean") == nullptr);
  CHECK(f.find("") == nullptr);
  CHECK(f.find("Slip") == nullptr);
  const BktBounds b;
  CHECK(b.find("forget") == &b.forget);
  CHECK(b.find("slips") == nullptr);
  std::vector<std::string> seen;
  b.for_each([&](const char* name, const ParamBounds& v) {
    seen.emplace_back(name);
    CHECK(v == ParamBounds{0.0, 1.0});  // the default interval
  });
  CHECK(seen == std::vector<std::string>{"prior", "learn", "forget", "guess", "slip"});
  CHECK_FALSE(f.prior.has_value());  // nothing is fixed by default
  BktFixed g = f;
  g.slip = 0.1;
  CHECK(g != f);
  f.slip = 0.1;
  CHECK(g == f);
}

TEST_CASE("fit: a fixed value wins over its bounds and the start", "[fit]") {
  SimulateLogOptions so;
  so.learners = 60;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  FitOptions o;
  o.restarts = 2;
  o.bounds.prior = {0.0, 0.2};
  o.fixed.prior = 0.5;  // outside the bounds: held as given, not clamped
  o.bounds.learn = {0.05, 0.06};
  o.start["a"] = BktParams{0.9, 0.3, 0.0, 0.2, 0.1};
  BktModel m = fit(log, o);
  for (const auto& name : m.skill_names()) {
    CHECK(m.skill(name).prior == 0.5);
    CHECK(m.skill(name).learn >= 0.05);
    CHECK(m.skill(name).learn <= 0.06);
    CHECK(m.skill(name).forget == 0.0);  // no forgetting: forget is not fitted
  }
}

TEST_CASE("fit: with one restart and one E-step, fixed values and bounds shape the start",
          "[fit]") {
  // One E-step and no M-step returns the start: the given start projected onto the bounds, then
  // the fixed values, worked out by hand from {0.42, 0.17, 0, 0.23, 0.11}.
  SimulateLogOptions so;
  so.learners = 40;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  FitOptions o;
  o.restarts = 1;
  o.max_iterations = 1;
  o.start["a"] = BktParams{0.42, 0.17, 0.0, 0.23, 0.11};
  o.bounds.prior = {0.5, 0.9};  // 0.42 -> 0.5
  o.bounds.guess = {0.0, 0.2};  // 0.23 -> 0.2
  o.fixed.slip = 0.05;
  BktModel m = fit(log, o);
  CHECK(m.skill("a") == BktParams{0.5, 0.17, 0.0, 0.2, 0.05});
}

namespace {
// Log density (up to its constant) of x under Beta(a, b), worked out here independently.
double beta_log_density(double x, double a, double b) {
  return (a - 1.0) * std::log(x) + (b - 1.0) * std::log(1.0 - x);
}
double log_posterior(const std::vector<std::vector<std::uint8_t>>& seqs, const BktParams& p,
                     const BktPriors& pr) {
  double v = beta_log_density(p.prior, pr.prior.alpha, pr.prior.beta) +
             beta_log_density(p.learn, pr.learn.alpha, pr.learn.beta) +
             beta_log_density(p.guess, pr.guess.alpha, pr.guess.beta) +
             beta_log_density(p.slip, pr.slip.alpha, pr.slip.beta);
  for (const auto& s : seqs) v += sequence_log_likelihood(p, s);
  return v;
}
}  // namespace

TEST_CASE("fit: MAP EM converges to a maximum of the log-posterior", "[fit][map]") {
  // Nine short sequences: too few for maximum likelihood to stay inside (0, 1).
  const std::vector<std::vector<std::uint8_t>> seqs = {
      {1, 1, 1}, {0, 1, 1}, {1, 1}, {0, 0, 1, 1}, {1}, {1, 1, 1, 1}, {0, 1}, {1, 0, 1}, {1, 1}};
  ResponseLog log = log_of(seqs);
  FitOptions o = FitOptions::bkt();
  o.tolerance = 1e-12;
  o.max_iterations = 100000;
  o.restarts = 10;
  FitResult r = fit_with_report(log, o);
  const BktParams got = r.model.skill("s");
  const double at = log_posterior(seqs, got, o.priors);
  REQUIRE(r.report.skills.size() == 1);
  // The trace is the log-posterior up to the constant, and MAP EM never lowered it.
  const auto& tr = r.report.skills[0].trace;
  CHECK_THAT(tr.back(), WithinAbs(at, 1e-9));
  for (std::size_t i = 1; i < tr.size(); ++i) CHECK(tr[i] >= tr[i - 1] - 1e-12);
  // No step of 1e-3 along any parameter raises the log-posterior computed by brute force.
  for (double BktParams::*m : {&BktParams::prior, &BktParams::learn, &BktParams::guess,
                               &BktParams::slip}) {
    for (double step : {-1e-3, 1e-3}) {
      BktParams q = got;
      q.*m += step;
      INFO("parameter offset " << step);
      CHECK(log_posterior(seqs, q, o.priors) <= at + 1e-9);
    }
  }
  // Every parameter strictly inside (0, 1), where maximum likelihood drives some to the edge.
  for (double v : {got.prior, got.learn, got.guess, got.slip}) {
    CHECK(v > 0.01);
    CHECK(v < 0.99);
  }
  FitOptions ml = FitOptions::pybkt();
  ml.tolerance = 1e-12;
  ml.max_iterations = 100000;
  ml.restarts = 10;
  const BktParams edge = fit(log, ml).skill("s");
  CHECK(std::min({edge.prior, edge.learn, edge.guess, edge.slip, 1.0 - edge.prior,
                  1.0 - edge.guess, 1.0 - edge.slip}) < 1e-3);
}

TEST_CASE("fit: flat Beta(1, 1) priors are maximum likelihood, bit for bit", "[fit][map]") {
  SimulateLogOptions so;
  so.learners = 200;
  so.opportunities = 12;
  so.seed = 5;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  // Beta(1, 1) on every parameter, through the MAP code path, and no guard.
  FitOptions flat;
  flat.priors.for_each([&](const char* name, const BetaPrior&) {
    *flat.priors.find(name) = BetaPrior{1.0, 1.0};
  });
  flat.max_guess_plus_slip.reset();
  flat.learner.enabled = false;
  CHECK(fit(log, flat) == fit(log, FitOptions::pybkt()));
  CHECK(FitOptions::pybkt().priors == BktPriors{});
  CHECK_FALSE(FitOptions::pybkt().max_guess_plus_slip.has_value());
  // The defaults are the calibrated preset, and differ from maximum likelihood.
  CHECK(FitOptions{}.priors == calibrated_priors());
  CHECK(FitOptions::bkt().priors == calibrated_priors());
  CHECK(FitOptions{}.max_guess_plus_slip == std::optional<double>(0.95));
  // The default fits the learner layer too; the presets are standard BKT.
  CHECK(FitOptions{}.learner.enabled);
  CHECK_FALSE(FitOptions::bkt().learner.enabled);
  CHECK_FALSE(FitOptions::pybkt().learner.enabled);
  CHECK_FALSE(fit(log, FitOptions{}) == fit(log, FitOptions::pybkt()));
}

TEST_CASE("fit: calibrated priors leave a large log's parameters where the data put them",
          "[fit][map]") {
  BktModel truth = two_skill_truth();
  BktModel got = fit(two_skill_log_250k(), FitOptions::bkt());
  for (const auto& name : truth.skill_names()) {
    INFO("skill " << name);
    CHECK_THAT(got.skill(name).prior, WithinAbs(truth.skill(name).prior, 0.02));
    CHECK_THAT(got.skill(name).learn, WithinAbs(truth.skill(name).learn, 0.02));
    CHECK_THAT(got.skill(name).guess, WithinAbs(truth.skill(name).guess, 0.02));
    CHECK_THAT(got.skill(name).slip, WithinAbs(truth.skill(name).slip, 0.02));
  }
}

TEST_CASE("fit: a prior that is not a proper Beta(>=1, >=1) is refused by name", "[fit][map]") {
  for (BetaPrior bad : {BetaPrior{0.5, 2.0}, BetaPrior{2.0, std::nan("")},
                        BetaPrior{2.0, INFINITY}, BetaPrior{-1.0, 1.0}}) {
    FitOptions o;
    o.priors.slip = bad;
    try {
      o.validate();
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      CHECK(e.location().field == "priors.slip");
    }
  }
}

TEST_CASE("fit: the guess + slip guard is a maximum of the log-posterior on its segment",
          "[fit][map]") {
  const std::vector<std::vector<std::uint8_t>> seqs = {
      {1, 1, 1}, {0, 1, 1}, {1, 1}, {0, 0, 1, 1}, {1}, {1, 1, 1, 1}, {0, 1}, {1, 0, 1}, {1, 1},
      {0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  ResponseLog log = log_of(seqs);
  FitOptions o = FitOptions::bkt();
  o.tolerance = 1e-13;
  o.max_iterations = 200000;
  o.restarts = 10;
  // Unguarded, this log's MAP fit has guess + slip well above 0.3.
  FitOptions free = o;
  free.max_guess_plus_slip.reset();
  const BktParams unguarded = fit(log, free).skill("s");
  REQUIRE(unguarded.guess + unguarded.slip > 0.35);

  o.max_guess_plus_slip = 0.3;
  FitResult r = fit_with_report(log, o);
  const BktParams got = r.model.skill("s");
  CHECK_THAT(got.guess + got.slip, WithinAbs(0.3, 1e-9));
  const double at = log_posterior(seqs, got, o.priors);
  CHECK_THAT(r.report.skills[0].trace.back(), WithinAbs(at, 1e-9));
  // KKT by brute force: no feasible step raises the log-posterior: along prior and learn,
  // along the segment (guess up, slip down and back), and inward (guess or slip down).
  struct Step {
    double prior, learn, guess, slip;
  };
  for (const Step& d : {Step{1e-4, 0, 0, 0}, Step{-1e-4, 0, 0, 0}, Step{0, 1e-4, 0, 0},
                        Step{0, -1e-4, 0, 0}, Step{0, 0, 1e-4, -1e-4}, Step{0, 0, -1e-4, 1e-4},
                        Step{0, 0, -1e-4, 0}, Step{0, 0, 0, -1e-4}}) {
    BktParams q = got;
    q.prior += d.prior;
    q.learn += d.learn;
    q.guess += d.guess;
    q.slip += d.slip;
    INFO("step " << d.prior << " " << d.learn << " " << d.guess << " " << d.slip);
    CHECK(log_posterior(seqs, q, o.priors) <= at + 1e-9);
  }
  // Moving inward is a strict loss: the guard binds.
  BktParams in = got;
  in.guess -= 1e-3;
  CHECK(log_posterior(seqs, in, o.priors) < at - 1e-7);
}

TEST_CASE("fit: the guard moves a start past it and keeps fixed values", "[fit][map]") {
  SimulateLogOptions so;
  so.learners = 100;
  ResponseLog log = simulate_log(two_skill_truth(), so);
  FitOptions o;
  o.restarts = 1;
  o.max_iterations = 1;  // one E-step: the start, as guarded, comes back
  o.start["a"] = BktParams{0.42, 0.17, 0.0, 0.60, 0.50};
  const BktParams a = fit(log, o).skill("a");
  CHECK_THAT(a.guess + a.slip, WithinAbs(0.95, 1e-9));
  CHECK(a.guess > a.slip);  // nearest in KL divergence keeps the order
  CHECK(a.prior == 0.42);

  // A fixed guess: only slip moves.
  o.max_iterations = 50;
  o.fixed.guess = 0.5;
  o.max_guess_plus_slip = 0.6;
  for (const auto& name : {"a", "b"}) {
    const BktParams p = fit(log, o).skill(name);
    CHECK(p.guess == 0.5);
    CHECK(p.slip <= 0.1 + 1e-12);
  }
}

TEST_CASE("fit: guard and preset options are validated", "[fit][map]") {
  auto field_of = [](const FitOptions& o) {
    try {
      o.validate();
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      return e.location().field;
    }
    return std::string("(accepted)");
  };
  FitOptions o;
  for (double bad : {0.0, -0.1, 2.5, std::nan(""), double(INFINITY)}) {
    o.max_guess_plus_slip = bad;
    CHECK(field_of(o) == "max_guess_plus_slip");
  }
  o.max_guess_plus_slip = 2.0;
  CHECK(field_of(o) == "(accepted)");
  o = FitOptions{};
  o.bounds.guess = {0.5, 1.0};
  o.bounds.slip = {0.5, 1.0};
  CHECK(field_of(o) == "max_guess_plus_slip");  // no feasible guess + slip
  o.max_guess_plus_slip.reset();
  CHECK(field_of(o) == "(accepted)");
  o = FitOptions{};
  o.fixed.guess = 0.6;
  o.fixed.slip = 0.4;
  CHECK(field_of(o) == "max_guess_plus_slip");
  CHECK(FitOptions::preset("pybkt").priors == BktPriors{});
  CHECK(FitOptions::preset("bkt").priors == calibrated_priors());
  try {
    (void)FitOptions::preset("pyBKT");
    FAIL("accepted an unknown preset");
  } catch (const Error& e) {
    CHECK(e.location().field == "preset");
    CHECK_THAT(e.message(), Contains("\"pybkt\""));
  }
}
