#include "pathwise/fit.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "detail/em_kernel.hpp"
#include "detail/random.hpp"
#include "pathwise/log.hpp"

namespace pathwise {

namespace {

bool finite_prob(double v) { return std::isfinite(v) && v >= 0.0 && v <= 1.0; }

void check_bounds(const Bounds& b, const char* name) {
  if (!finite_prob(b.lo) || !finite_prob(b.hi) || b.lo > b.hi) {
    throw Error(ErrorCode::InvalidArgument,
                std::string("bounds of '") + name + "' must satisfy 0 <= lo <= hi <= 1, got [" +
                    std::to_string(b.lo) + ", " + std::to_string(b.hi) + "]",
                Location{"", 0, 0, name});
  }
}

double clamp_to(double v, const Bounds& b) { return std::min(std::max(v, b.lo), b.hi); }

struct Restart {
  BktParams params;
  // Per-item fits: guess and slip per item slot (slot 0 pools items shared with other skills).
  std::vector<double> item_guess, item_slip;
  double log_likelihood = -INFINITY;
  int iterations = 0;
  bool converged = false;
  std::vector<double> trace;
};

/// The fixed value of a parameter, if any.
const double* fixed_value(const FitOptions& o, const char* name) {
  auto it = o.fixed.find(name);
  return it == o.fixed.end() ? nullptr : &it->second;
}

/// Starting point of one restart: pyBKT's standard draws (prior U(0,1), learn U(0,0.4),
/// guess U(0,0.4), slip U(0,0.3), forget U(0,1) when fitted), projected onto the bounds.
BktParams initial_params(const FitOptions& o, const std::string& skill, int restart) {
  detail::SplitMix64 rng(detail::mix_seed(o.seed, skill, static_cast<std::uint64_t>(restart)));
  BktParams p;
  p.prior = rng.uniform();
  p.learn = rng.uniform() * 0.4;
  p.guess = rng.uniform() * 0.4;
  p.slip = rng.uniform() * 0.3;
  double forget = rng.uniform();
  p.forget = o.forgetting ? forget : 0.0;
  if (auto it = o.start.find(skill); it != o.start.end() && restart == 0) {
    p = it->second;
    if (!o.forgetting) p.forget = 0.0;
  }
  p.prior = clamp_to(p.prior, o.prior_bounds);
  p.learn = clamp_to(p.learn, o.learn_bounds);
  p.guess = clamp_to(p.guess, o.guess_bounds);
  p.slip = clamp_to(p.slip, o.slip_bounds);
  p.forget = o.forgetting ? clamp_to(p.forget, o.forget_bounds) : 0.0;
  if (const double* v = fixed_value(o, "prior")) p.prior = *v;
  if (const double* v = fixed_value(o, "learn")) p.learn = *v;
  if (const double* v = fixed_value(o, "forget")) p.forget = *v;
  if (const double* v = fixed_value(o, "guess")) p.guess = *v;
  if (const double* v = fixed_value(o, "slip")) p.slip = *v;
  return p;
}

/// The M-step: each parameter's expected complete-data log-likelihood is a*log(x) +
/// b*log(1-x), maximised at a/(a+b); clamping that to the bounds is the exact constrained
/// maximum, so projected EM still never lowers the likelihood.
BktParams m_step(const detail::EStats& s, const BktParams& old, const FitOptions& o) {
  BktParams p = old;
  // A statistic with no mass (no sequence longer than one response, say) leaves its
  // parameter where it was rather than dividing by zero.
  auto ratio = [](double num, double den, double keep) { return den > 0.0 ? num / den : keep; };
  if (!fixed_value(o, "prior"))
    p.prior = clamp_to(ratio(s.init_known, s.sequences, old.prior), o.prior_bounds);
  if (!fixed_value(o, "learn"))
    p.learn = clamp_to(ratio(s.learn_num, s.learn_den, old.learn), o.learn_bounds);
  if (o.forgetting && !fixed_value(o, "forget"))
    p.forget = clamp_to(ratio(s.forget_num, s.forget_den, old.forget), o.forget_bounds);
  if (!fixed_value(o, "guess"))
    p.guess = clamp_to(ratio(s.guess_num, s.guess_den, old.guess), o.guess_bounds);
  if (!fixed_value(o, "slip"))
    p.slip = clamp_to(ratio(s.slip_num, s.slip_den, old.slip), o.slip_bounds);
  return p;
}

/// Starting guess and slip of every item slot: pyBKT's per-item draws, or the skill's start.
void initial_items(const FitOptions& o, const std::string& skill, int restart, std::size_t slots,
                   std::vector<double>& guess, std::vector<double>& slip) {
  detail::SplitMix64 rng(
      detail::mix_seed(o.seed ^ 0x6974656dull, skill, static_cast<std::uint64_t>(restart)));
  guess.resize(slots);
  slip.resize(slots);
  const auto start = o.start.find(skill);
  for (std::size_t k = 0; k < slots; ++k) {
    guess[k] = clamp_to(rng.uniform() * 0.4, o.guess_bounds);
    slip[k] = clamp_to(rng.uniform() * 0.3, o.slip_bounds);
    if (start != o.start.end() && restart == 0) {
      guess[k] = clamp_to(start->second.guess, o.guess_bounds);
      slip[k] = clamp_to(start->second.slip, o.slip_bounds);
    }
    if (const double* v = fixed_value(o, "guess")) guess[k] = *v;
    if (const double* v = fixed_value(o, "slip")) slip[k] = *v;
  }
}

Restart run_em(const detail::SkillData& data, BktParams params, std::vector<double> item_guess,
               std::vector<double> item_slip, const FitOptions& o, std::vector<double>& scratch) {
  Restart r;
  const bool per_item = !data.slot_items.empty();
  double previous = -INFINITY;
  for (int it = 1; it <= o.max_iterations; ++it) {
    detail::EStats s = per_item ? detail::e_step_items(data, params, item_guess, item_slip, scratch)
                                : detail::e_step(data, params, scratch);
    r.iterations = it;
    r.params = params;
    r.item_guess = item_guess;
    r.item_slip = item_slip;
    r.log_likelihood = s.log_likelihood;
    r.trace.push_back(s.log_likelihood);
    // As pyBKT: the test starts at the third E-step and the returned parameters are the ones
    // whose likelihood was just computed.
    if (it >= 3 && std::fabs(s.log_likelihood - previous) <= o.tolerance) {
      r.converged = true;
      break;
    }
    previous = s.log_likelihood;
    if (it == o.max_iterations) break;
    params = m_step(s, params, o);
    if (per_item) {
      // Each item's guess and slip is the ratio of its own expected counts (projected onto the
      // bounds, as the skill-level M-step).
      const bool fg = fixed_value(o, "guess") != nullptr, fs = fixed_value(o, "slip") != nullptr;
      for (std::size_t k = 0; k < item_guess.size(); ++k) {
        if (!fg && s.item_guess_den[k] > 0.0)
          item_guess[k] = clamp_to(s.item_guess_num[k] / s.item_guess_den[k], o.guess_bounds);
        if (!fs && s.item_slip_den[k] > 0.0)
          item_slip[k] = clamp_to(s.item_slip_num[k] / s.item_slip_den[k], o.slip_bounds);
      }
    }
  }
  return r;
}

/// With forgetting, the two hidden states can swap roles: prior -> 1 - prior, learn <-> forget,
/// guess -> 1 - slip, slip -> 1 - guess gives exactly the same likelihood. EM lands on either
/// labelling depending on its start; report the one in which the known state answers better.
/// Returns false (and leaves `p` alone) where the swap would break a bound or a fixed value.
bool relabel_states(BktParams& p, const FitOptions& o) {
  if (!o.forgetting || p.guess + p.slip <= 1.0) return false;
  BktParams q{1.0 - p.prior, p.forget, p.learn, 1.0 - p.slip, 1.0 - p.guess};
  auto inside = [](double v, const Bounds& b) { return v >= b.lo && v <= b.hi; };
  if (!inside(q.prior, o.prior_bounds) || !inside(q.learn, o.learn_bounds) ||
      !inside(q.forget, o.forget_bounds) || !inside(q.guess, o.guess_bounds) ||
      !inside(q.slip, o.slip_bounds) || !o.fixed.empty())
    return false;
  p = q;
  return true;
}

std::vector<std::string> degeneracy_warnings(const BktParams& p) {
  std::vector<std::string> w;
  constexpr double kTiny = 1e-6;
  if (p.guess + p.slip > 1.0 + 1e-9) {
    w.push_back("guess + slip >= 1: a correct answer lowers mastery (degenerate fit)");
  } else if (p.guess + p.slip >= 1.0 - 1e-9) {
    w.push_back("guess + slip >= 1: answers carry no evidence of knowing (degenerate fit)");
  }
  if (p.guess < kTiny) w.push_back("guess driven to 0");
  if (p.slip < kTiny) w.push_back("slip driven to 0");
  return w;
}

}  // namespace

void FitOptions::validate() const {
  if (restarts < 1) {
    throw Error(ErrorCode::InvalidArgument,
                "restarts must be >= 1, got " + std::to_string(restarts),
                Location{"", 0, 0, "restarts"});
  }
  if (max_iterations < 1) {
    throw Error(ErrorCode::InvalidArgument,
                "max_iterations must be >= 1, got " + std::to_string(max_iterations),
                Location{"", 0, 0, "max_iterations"});
  }
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
    throw Error(ErrorCode::InvalidArgument, "tolerance must be a finite number >= 0",
                Location{"", 0, 0, "tolerance"});
  }
  check_bounds(prior_bounds, "prior");
  check_bounds(learn_bounds, "learn");
  check_bounds(forget_bounds, "forget");
  check_bounds(guess_bounds, "guess");
  check_bounds(slip_bounds, "slip");
  for (const auto& [name, p] : start) p.validate(Location{"", 0, 0, "start." + name});
  for (const auto& [name, value] : fixed) {
    if (name != "prior" && name != "learn" && name != "forget" && name != "guess" &&
        name != "slip") {
      throw Error(
          ErrorCode::InvalidArgument,
          "unknown parameter '" + name + "' to fix; expected prior, learn, forget, guess or slip",
          Location{"", 0, 0, "fixed"});
    }
    if (!finite_prob(value)) {
      throw Error(
          ErrorCode::InvalidArgument,
          "fixed " + name + " must be a probability in [0, 1], got " + std::to_string(value),
          Location{"", 0, 0, "fixed." + name});
    }
  }
}

FitResult fit_with_report(const ResponseLog& log, const FitOptions& options) {
  options.validate();
  if (log.empty()) throw Error(ErrorCode::InvalidArgument, "cannot fit an empty response log");
  const auto t0 = std::chrono::steady_clock::now();

  // Skills to fit, largest first so that long tasks start early.
  std::vector<std::uint32_t> skills;
  for (std::uint32_t k = 0; k < log.skill_count(); ++k) {
    if (log.skill_size(k) == 0 || log.skill_size(k) < options.min_skill_responses) continue;
    if (options.skill_filter && !options.skill_filter(log.skill_name(k))) continue;
    skills.push_back(k);
  }
  if (skills.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                "no skill to fit (the skill filter or the minimum of responses left none)");
  }
  std::vector<std::size_t> sizes(log.skill_count(), 0);
  for (std::uint32_t k : skills) sizes[k] = log.skill_size(k);
  std::stable_sort(skills.begin(), skills.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return sizes[a] > sizes[b]; });

  unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;
  const std::size_t restarts = static_cast<std::size_t>(options.restarts);
  const std::size_t tasks = skills.size() * restarts;
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, tasks));

  // Per-item fits: which items occur under one skill only (the others share their skill's
  // guess/slip).
  std::vector<char> own_item;
  if (options.item_guess_slip) {
    if (log.items().empty()) {
      throw Error(ErrorCode::InvalidArgument,
                  "per-item guess/slip needs an item column in the log (none was read)",
                  Location{log.report().source, 0, 0, "item"});
    }
    std::vector<std::uint32_t> first_skill(log.item_count(), 0xffffffffu);
    std::vector<std::size_t> count(log.item_count(), 0);
    own_item.assign(log.item_count(), 1);
    for (const auto& sq : log.sequences()) {
      for (auto i = sq.begin; i < sq.end; ++i) {
        std::uint32_t it = log.items()[i];
        if (it == ResponseLog::kNoItem) continue;
        ++count[it];
        if (first_skill[it] == 0xffffffffu)
          first_skill[it] = sq.skill;
        else if (first_skill[it] != sq.skill)
          own_item[it] = 0;
      }
    }
    for (std::size_t it = 0; it < count.size(); ++it)
      if (count[it] < options.item_min_responses) own_item[it] = 0;
  }
  std::vector<detail::SkillData> data(skills.size());
  std::vector<std::once_flag> built(skills.size());
  std::vector<Restart> results(tasks);
  std::vector<std::atomic<int>> remaining(skills.size());
  for (auto& r : remaining) r.store(static_cast<int>(restarts));
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex progress_mu;  // serialises the progress callback
  std::exception_ptr failure;
  std::mutex failure_mu;  // guards failure

  auto worker = [&] {
    std::vector<double> scratch;
    for (;;) {
      std::size_t task = next.fetch_add(1);
      if (task >= tasks) return;
      const std::size_t si = task / restarts;
      const int restart = static_cast<int>(task % restarts);
      try {
        // The first restart of a skill to run builds its layout; the others wait for it.
        std::call_once(built[si], [&] {
          data[si] = detail::build_skill_data(log, log.skill_sequences(skills[si]),
                                              options.item_guess_slip ? &own_item : nullptr);
        });
        const std::string& name = log.skill_name(skills[si]);
        BktParams start = initial_params(options, name, restart);
        std::vector<double> ig, is;
        if (options.item_guess_slip)
          initial_items(options, name, restart, data[si].slot_items.size(), ig, is);
        results[task] = run_em(data[si], start, std::move(ig), std::move(is), options, scratch);
      } catch (...) {
        std::scoped_lock lock(failure_mu);
        if (!failure) failure = std::current_exception();
      }
      if (remaining[si].fetch_sub(1) == 1) {
        // Last restart of this skill: its layout is no longer needed.
        detail::SkillData().codes.swap(data[si].codes);
        detail::SkillData().item_slots.swap(data[si].item_slots);
        std::size_t d = done.fetch_add(1) + 1;
        if (options.progress) {
          try {
            std::scoped_lock lock(progress_mu);
            options.progress(d, skills.size());
          } catch (...) {
            // A throwing callback cancels the fit: remaining tasks are skipped, the exception
            // reaches the caller.
            std::scoped_lock lock(failure_mu);
            if (!failure) failure = std::current_exception();
            next.store(tasks);
          }
        }
      }
    }
  };
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < threads; ++i) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);

  FitResult out;
  out.report.threads = threads;
  std::size_t degenerate = 0;
  for (std::size_t si = 0; si < skills.size(); ++si) {
    // Best log-likelihood wins; ties go to the earliest restart, so the result does not depend
    // on which thread finished first.
    std::size_t best = 0;
    for (std::size_t r = 1; r < restarts; ++r)
      if (results[si * restarts + r].log_likelihood > results[si * restarts + best].log_likelihood)
        best = r;
    Restart& win = results[si * restarts + best];
    const bool relabelled = !options.item_guess_slip && relabel_states(win.params, options);
    std::size_t degenerate_items = 0;
    if (options.item_guess_slip) {
      // The skill's own guess/slip: that of the pooled slot where it has responses, else the
      // response-weighted mean over the items (used for items the fit never saw).
      const auto& d = data[si];
      if (d.slot_responses[0] > 0) {
        win.params.guess = win.item_guess[0];
        win.params.slip = win.item_slip[0];
      } else {
        double g = 0, sl = 0, n = 0;
        for (std::size_t k = 1; k < d.slot_items.size(); ++k) {
          g += win.item_guess[k] * d.slot_responses[k];
          sl += win.item_slip[k] * d.slot_responses[k];
          n += d.slot_responses[k];
        }
        if (n > 0) {
          win.params.guess = g / n;
          win.params.slip = sl / n;
        }
      }
    }
    SkillFitReport rep;
    rep.skill = log.skill_name(skills[si]);
    rep.responses = data[si].responses;
    rep.sequences = data[si].sequences;
    rep.log_likelihood = win.log_likelihood;
    rep.iterations = win.iterations;
    rep.converged = win.converged;
    rep.trace = win.trace;
    rep.restarts = static_cast<int>(restarts);
    rep.best_restart = static_cast<int>(best);
    for (std::size_t r = 0; r < restarts; ++r) {
      rep.total_iterations += results[si * restarts + r].iterations;
      out.report.e_steps += static_cast<std::uint64_t>(results[si * restarts + r].iterations);
      out.report.response_steps +=
          static_cast<std::uint64_t>(results[si * restarts + r].iterations) * rep.responses;
    }
    rep.warnings = degeneracy_warnings(win.params);
    if (!rep.warnings.empty()) ++degenerate;
    if (relabelled) rep.warnings.push_back("hidden states relabelled so that known answers better");
    out.model.set_skill(rep.skill, win.params);
    if (options.item_guess_slip) {
      const auto& d = data[si];
      for (std::size_t k = 1; k < d.slot_items.size(); ++k) {
        out.model.set_item(log.item_id(d.slot_items[k]),
                           ItemParams{rep.skill, win.item_guess[k], win.item_slip[k]});
        if (win.item_guess[k] + win.item_slip[k] >= 1.0) ++degenerate_items;
      }
      if (degenerate_items > 0) {
        rep.warnings.push_back(std::to_string(degenerate_items) +
                               " items have guess + slip >= 1 (too few responses to tell apart?)");
      }
    }
    out.report.log_likelihood += win.log_likelihood;
    out.report.skills.push_back(std::move(rep));
  }
  std::sort(out.report.skills.begin(), out.report.skills.end(),
            [](const SkillFitReport& a, const SkillFitReport& b) { return a.skill < b.skill; });
  out.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (degenerate > 0) {
    logger()->info("{} of {} skills have degenerate fits (see the fit report's warnings)",
                   degenerate, skills.size());
  }
  return out;
}

BktModel fit(const ResponseLog& log, const FitOptions& options) {
  return fit_with_report(log, options).model;
}

}  // namespace pathwise
