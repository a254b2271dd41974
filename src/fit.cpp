#include "pathwise/fit.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <optional>
#include <thread>

#include "detail/conjunctive.hpp"
#include "detail/em_kernel.hpp"
#include "detail/forget_time.hpp"
#include "detail/learner_layer.hpp"
#include "detail/random.hpp"
#include "pathwise/log.hpp"
#include "pathwise/metrics.hpp"

namespace pathwise {

namespace {

bool finite_prob(double v) { return std::isfinite(v) && v >= 0.0 && v <= 1.0; }

void check_bounds(const char* name, const ParamBounds& b) {
  if (!finite_prob(b.lo) || !finite_prob(b.hi) || b.lo > b.hi) {
    throw Error(ErrorCode::InvalidArgument,
                std::string("bounds of '") + name + "' must satisfy 0 <= lo <= hi <= 1, got [" +
                    std::to_string(b.lo) + ", " + std::to_string(b.hi) + "]",
                Location{"", 0, 0, std::string("bounds.") + name});
  }
}

void check_fixed(const char* name, const std::optional<double>& value) {
  if (value && !finite_prob(*value)) {
    throw Error(ErrorCode::InvalidArgument,
                std::string("fixed ") + name + " must be a probability in [0, 1], got " +
                    std::to_string(*value),
                Location{"", 0, 0, std::string("fixed.") + name});
  }
}

double clamp_to(double v, const ParamBounds& b) { return std::min(std::max(v, b.lo), b.hi); }

bool any_fixed(const BktFixed& f) {
  bool any = false;
  f.for_each([&](const char*, const std::optional<double>& v) { any = any || v.has_value(); });
  return any;
}

struct Restart {
  BktParams params;
  // Per-item fits: guess and slip per item slot (slot 0 pools items shared with other skills).
  std::vector<double> item_guess, item_slip;
  double log_likelihood = -INFINITY;
  /// log_likelihood plus the log prior density (equal to it with flat priors).
  double log_posterior = -INFINITY;
  int iterations = 0;
  bool converged = false;
  std::vector<double> trace;
};

struct Coeffs;
void guard_guess_slip(double& g, double& s, const Coeffs& cg, const Coeffs& cs,
                      const FitOptions& o);
void guard_start(double& g, double& s, const FitOptions& o);

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
  p.prior = clamp_to(p.prior, o.bounds.prior);
  p.learn = clamp_to(p.learn, o.bounds.learn);
  p.guess = clamp_to(p.guess, o.bounds.guess);
  p.slip = clamp_to(p.slip, o.bounds.slip);
  p.forget = o.forgetting ? clamp_to(p.forget, o.bounds.forget) : 0.0;
  p.prior = o.fixed.prior.value_or(p.prior);
  p.learn = o.fixed.learn.value_or(p.learn);
  p.forget = o.fixed.forget.value_or(p.forget);
  p.guess = o.fixed.guess.value_or(p.guess);
  p.slip = o.fixed.slip.value_or(p.slip);
  guard_start(p.guess, p.slip, o);
  return p;
}

/// The M-step's estimate of one parameter from its expected counts `num` of `den`: with a
/// Beta(alpha, beta) prior, the maximum of (num + alpha - 1) log x + (den - num + beta - 1)
/// log(1 - x), i.e. the ratio with the pseudo-counts added (MAP EM; a flat prior gives num /
/// den). A statistic with no mass (no sequence longer than one response, say) leaves the
/// parameter at `keep` rather than dividing by zero.
double map_ratio(double num, double den, const BetaPrior& pr, double keep) {
  num += pr.alpha - 1.0;
  den += pr.alpha + pr.beta - 2.0;
  return den > 0.0 ? num / den : keep;
}

/// The coefficients of one parameter's M-step objective a log x + b log(1 - x): expected counts
/// plus the prior's pseudo-counts.
struct Coeffs {
  double a = 0.0, b = 0.0;
};
Coeffs coeffs(double num, double den, const BetaPrior& pr) {
  return {std::max(0.0, num + pr.alpha - 1.0), std::max(0.0, den - num + pr.beta - 1.0)};
}

/// d/dx of a log x + b log(1 - x), with a zero coefficient contributing nothing (not 0/0).
double dlog(const Coeffs& c, double x) {
  double d = 0.0;
  if (c.a > 0.0) d += c.a / x;
  if (c.b > 0.0) d -= c.b / (1.0 - x);
  return d;
}

/// The identifiability guard: where the free M-step put guess + slip above the cap, the exact
/// maximum of the (concave) objective g_a log g + g_b log(1 - g) + s_a log s + s_b log(1 - s)
/// on the segment g + s = cap within the bounds, found by bisection on its derivative, which
/// decreases along the segment. A fixed guess or slip moves only the other one. The constrained
/// maximum is a valid M-step: EM's objective still never decreases.
void guard_guess_slip(double& g, double& s, const Coeffs& cg, const Coeffs& cs,
                      const FitOptions& o) {
  if (!o.max_guess_plus_slip || g + s <= *o.max_guess_plus_slip) return;
  const double cap = *o.max_guess_plus_slip;
  const ParamBounds& bg = o.bounds.guess;
  const ParamBounds& bs = o.bounds.slip;
  if (o.fixed.guess && o.fixed.slip) return;
  if (o.fixed.guess) {
    s = std::max(bs.lo, std::min(s, cap - g));
    return;
  }
  if (o.fixed.slip) {
    g = std::max(bg.lo, std::min(g, cap - s));
    return;
  }
  double lo = std::max(bg.lo, cap - bs.hi), hi = std::min(bg.hi, cap - bs.lo);
  if (lo > hi) return;  // validate() rules this out
  auto slope = [&](double x) { return dlog(cg, x) - dlog(cs, cap - x); };
  for (int i = 0; i < 100 && hi - lo > 1e-15; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (slope(mid) > 0.0)
      lo = mid;
    else
      hi = mid;
  }
  g = 0.5 * (lo + hi);
  s = std::max(bs.lo, std::min(bs.hi, cap - g));
}

/// A starting point past the guard is moved onto it, to the point of the segment nearest to it
/// in Kullback-Leibler divergence (the guard with the start itself as the "counts"), so that
/// EM's objective never decreases from the first step on.
void guard_start(double& g, double& s, const FitOptions& o) {
  guard_guess_slip(g, s, Coeffs{g, 1.0 - g}, Coeffs{s, 1.0 - s}, o);
}

/// The M-step: each parameter's expected complete-data log-likelihood is a*log(x) +
/// b*log(1-x), maximised at a/(a+b); clamping that to the bounds is the exact constrained
/// maximum, so projected EM still never lowers the likelihood. The guess + slip guard then
/// moves the pair onto its cap where needed.
BktParams m_step(const detail::EStats& s, const BktParams& old, const FitOptions& o) {
  BktParams p = old;
  const BktBounds& b = o.bounds;
  const BktPriors& pr = o.priors;
  if (!o.fixed.prior)
    p.prior = clamp_to(map_ratio(s.init_known, s.sequences, pr.prior, old.prior), b.prior);
  if (!o.fixed.learn)
    p.learn = clamp_to(map_ratio(s.learn_num, s.learn_den, pr.learn, old.learn), b.learn);
  if (o.forgetting && !o.fixed.forget)
    p.forget = clamp_to(map_ratio(s.forget_num, s.forget_den, pr.forget, old.forget), b.forget);
  if (!o.fixed.guess)
    p.guess = clamp_to(map_ratio(s.guess_num, s.guess_den, pr.guess, old.guess), b.guess);
  if (!o.fixed.slip)
    p.slip = clamp_to(map_ratio(s.slip_num, s.slip_den, pr.slip, old.slip), b.slip);
  guard_guess_slip(p.guess, p.slip, coeffs(s.guess_num, s.guess_den, pr.guess),
                   coeffs(s.slip_num, s.slip_den, pr.slip), o);
  return p;
}

/// Log density (up to its constant) of `x` under a Beta prior; 0 for a flat one. A value at 0
/// or 1 where the density vanishes gives -inf, as it should: MAP never returns it.
double log_prior(double x, const BetaPrior& pr) {
  double v = 0.0;
  if (pr.alpha != 1.0) v += (pr.alpha - 1.0) * std::log(x);
  if (pr.beta != 1.0) v += (pr.beta - 1.0) * std::log1p(-x);
  return v;
}

/// The log prior density of a restart's free parameters: the skill's guess/slip when
/// `item_guess` is empty, else every item slot's.
double log_prior(const BktParams& p, const std::vector<double>& item_guess,
                 const std::vector<double>& item_slip, const FitOptions& o) {
  const BktPriors& pr = o.priors;
  double v = 0.0;
  if (!o.fixed.prior) v += log_prior(p.prior, pr.prior);
  if (!o.fixed.learn) v += log_prior(p.learn, pr.learn);
  if (o.forgetting && !o.fixed.forget) v += log_prior(p.forget, pr.forget);
  if (item_guess.empty()) {
    if (!o.fixed.guess) v += log_prior(p.guess, pr.guess);
    if (!o.fixed.slip) v += log_prior(p.slip, pr.slip);
  } else {
    for (double g : item_guess)
      if (!o.fixed.guess) v += log_prior(g, pr.guess);
    for (double sl : item_slip)
      if (!o.fixed.slip) v += log_prior(sl, pr.slip);
  }
  return v;
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
    guess[k] = clamp_to(rng.uniform() * 0.4, o.bounds.guess);
    slip[k] = clamp_to(rng.uniform() * 0.3, o.bounds.slip);
    if (start != o.start.end() && restart == 0) {
      guess[k] = clamp_to(start->second.guess, o.bounds.guess);
      slip[k] = clamp_to(start->second.slip, o.bounds.slip);
    }
    guess[k] = o.fixed.guess.value_or(guess[k]);
    slip[k] = o.fixed.slip.value_or(slip[k]);
    guard_start(guess[k], slip[k], o);
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
    // The objective EM climbs: the log-likelihood, plus the log prior density under MAP.
    const double objective = s.log_likelihood + log_prior(params, item_guess, item_slip, o);
    r.log_posterior = objective;
    r.trace.push_back(objective);
    // As pyBKT: the test starts at the third E-step and the returned parameters are the ones
    // whose likelihood was just computed.
    if (it >= 3 && std::fabs(objective - previous) <= o.tolerance) {
      r.converged = true;
      break;
    }
    previous = objective;
    if (it == o.max_iterations) break;
    params = m_step(s, params, o);
    if (per_item) {
      // Each item's guess and slip is the ratio of its own expected counts (projected onto the
      // bounds, as the skill-level M-step).
      const bool fg = o.fixed.guess.has_value(), fs = o.fixed.slip.has_value();
      for (std::size_t k = 0; k < item_guess.size(); ++k) {
        if (!fg && s.item_guess_den[k] > 0.0)
          item_guess[k] = clamp_to(map_ratio(s.item_guess_num[k], s.item_guess_den[k],
                                             o.priors.guess, item_guess[k]),
                                   o.bounds.guess);
        if (!fs && s.item_slip_den[k] > 0.0)
          item_slip[k] = clamp_to(map_ratio(s.item_slip_num[k], s.item_slip_den[k],
                                            o.priors.slip, item_slip[k]),
                                  o.bounds.slip);
        guard_guess_slip(item_guess[k], item_slip[k],
                         coeffs(s.item_guess_num[k], s.item_guess_den[k], o.priors.guess),
                         coeffs(s.item_slip_num[k], s.item_slip_den[k], o.priors.slip), o);
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
  auto inside = [](double v, const ParamBounds& b) { return v >= b.lo && v <= b.hi; };
  const BktBounds& b = o.bounds;
  if (!inside(q.prior, b.prior) || !inside(q.learn, b.learn) || !inside(q.forget, b.forget) ||
      !inside(q.guess, b.guess) || !inside(q.slip, b.slip) || any_fixed(o.fixed))
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

/// Step 1: the skills to fit (those with enough responses that the filter keeps), largest first
/// so that long tasks start early.
std::vector<std::uint32_t> skills_to_fit(const ResponseLog& log, const FitOptions& o) {
  std::vector<std::uint32_t> skills;
  for (std::uint32_t k = 0; k < log.skill_count(); ++k) {
    if (log.skill_size(k) == 0 || log.skill_size(k) < o.min_skill_responses) continue;
    if (o.skill_filter && !o.skill_filter(log.skill_name(k))) continue;
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
  return skills;
}

/// Step 2, per-item fits only: which items get a guess/slip of their own (indexed by the log's
/// item index). Items that occur under several skills, or that have fewer responses than
/// item_min_responses, share their skill's.
std::vector<char> own_items(const ResponseLog& log, const FitOptions& o) {
  if (log.items().empty()) {
    throw Error(ErrorCode::InvalidArgument,
                "per-item guess/slip needs an item column in the log (none was read)",
                Location{log.report().source, 0, 0, "item"});
  }
  std::vector<std::uint32_t> first_skill(log.item_count(), 0xffffffffu);
  std::vector<std::size_t> count(log.item_count(), 0);
  std::vector<char> own(log.item_count(), 1);
  for (const auto& sq : log.sequences()) {
    for (auto i = sq.begin; i < sq.end; ++i) {
      std::uint32_t it = log.items()[i];
      if (it == ResponseLog::kNoItem) continue;
      ++count[it];
      if (first_skill[it] == 0xffffffffu)
        first_skill[it] = sq.skill;
      else if (first_skill[it] != sq.skill)
        own[it] = 0;
    }
  }
  for (std::size_t it = 0; it < count.size(); ++it)
    if (count[it] < o.item_min_responses) own[it] = 0;
  return own;
}

/// Step 3: EM for every (skill, restart) task over a pool of threads. Task t is restart
/// t % restarts of skill t / restarts; results[t] is its outcome whichever thread ran it, so
/// the fit does not depend on the thread count.
class RestartRunner {
 public:
  RestartRunner(const ResponseLog& log, const FitOptions& o,
                const std::vector<std::uint32_t>& skills, const std::vector<char>& own_item)
      : data(skills.size()),
        results(skills.size() * static_cast<std::size_t>(o.restarts)),
        log_(log),
        o_(o),
        skills_(skills),
        own_item_(o.item_guess_slip ? &own_item : nullptr),
        restarts_(static_cast<std::size_t>(o.restarts)),
        tasks_(results.size()),
        built_(skills.size()),
        remaining_(skills.size()) {
    for (auto& r : remaining_) r.store(static_cast<int>(restarts_));
  }

  std::size_t tasks() const { return tasks_; }

  /// Runs every task on `threads` workers (the caller's thread when 1), then rethrows the first
  /// failure, if any.
  void run(unsigned threads) {
    if (threads <= 1) {
      work();
    } else {
      std::vector<std::thread> pool;
      for (unsigned i = 0; i < threads; ++i) pool.emplace_back([this] { work(); });
      for (auto& t : pool) t.join();
    }
    if (failure_) std::rethrow_exception(failure_);
  }

  /// Per skill: its layout's counts (the layout itself is freed once its restarts are done).
  std::vector<detail::SkillData> data;
  /// Per task: the restart's outcome.
  std::vector<Restart> results;

 private:
  void work() {
    std::vector<double> scratch;
    for (;;) {
      std::size_t task = next_.fetch_add(1);
      if (task >= tasks_) return;
      const std::size_t si = task / restarts_;
      try {
        run_task(task, si, scratch);
      } catch (...) {
        fail(std::current_exception());
      }
      if (remaining_[si].fetch_sub(1) == 1) finish_skill(si);
    }
  }

  void run_task(std::size_t task, std::size_t si, std::vector<double>& scratch) {
    const int restart = static_cast<int>(task % restarts_);
    // The first restart of a skill to run builds its layout; the others wait for it.
    std::call_once(built_[si], [&] {
      data[si] = detail::build_skill_data(log_, log_.skill_sequences(skills_[si]), own_item_);
    });
    const std::string& name = log_.skill_name(skills_[si]);
    BktParams start = initial_params(o_, name, restart);
    std::vector<double> ig, is;
    if (o_.item_guess_slip) initial_items(o_, name, restart, data[si].slot_items.size(), ig, is);
    results[task] = run_em(data[si], start, std::move(ig), std::move(is), o_, scratch);
  }

  /// After the last restart of skill `si`: frees its layout and reports progress.
  void finish_skill(std::size_t si) {
    detail::SkillData().codes.swap(data[si].codes);
    detail::SkillData().item_slots.swap(data[si].item_slots);
    std::size_t d = done_.fetch_add(1) + 1;
    if (!o_.progress) return;
    try {
      std::scoped_lock lock(progress_mu_);
      o_.progress(d, skills_.size());
    } catch (...) {
      // A throwing callback cancels the fit: remaining tasks are skipped, the exception reaches
      // the caller.
      fail(std::current_exception());
      next_.store(tasks_);
    }
  }

  void fail(std::exception_ptr e) {
    std::scoped_lock lock(failure_mu_);
    if (!failure_) failure_ = std::move(e);
  }

  const ResponseLog& log_;
  const FitOptions& o_;
  const std::vector<std::uint32_t>& skills_;
  const std::vector<char>* own_item_;  // null unless per-item fits
  const std::size_t restarts_;
  const std::size_t tasks_;
  std::vector<std::once_flag> built_;
  std::vector<std::atomic<int>> remaining_;  // restarts still to finish, per skill
  std::atomic<std::size_t> next_{0};         // next task to hand out
  std::atomic<std::size_t> done_{0};         // skills finished
  std::mutex progress_mu_;                   // serialises the progress callback
  std::mutex failure_mu_;                    // guards failure_
  std::exception_ptr failure_;
};

/// Step 4: the winning restart of one skill. Best log-likelihood wins; ties go to the earliest
/// restart, so the result does not depend on which thread finished first.
std::size_t best_restart(const Restart* restarts, std::size_t count) {
  std::size_t best = 0;
  for (std::size_t r = 1; r < count; ++r)
    if (restarts[r].log_posterior > restarts[best].log_posterior) best = r;
  return best;
}

/// Per-item fits: the skill's own guess/slip is that of the pooled slot where it has responses,
/// else the response-weighted mean over the items (used for items the fit never saw).
void skill_guess_slip_from_items(Restart& win, const detail::SkillData& d) {
  if (d.slot_responses[0] > 0) {
    win.params.guess = win.item_guess[0];
    win.params.slip = win.item_slip[0];
    return;
  }
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

/// Step 5: one skill's winner into the model and its report into `out`, with the warnings of a
/// degenerate fit. Returns whether the skill's own parameters are degenerate.
bool add_skill(FitResult& out, const ResponseLog& log, const FitOptions& o, std::uint32_t skill,
               const detail::SkillData& d, std::vector<Restart>::iterator first) {
  const std::size_t restarts = static_cast<std::size_t>(o.restarts);
  const std::size_t best = best_restart(&*first, restarts);
  Restart& win = first[static_cast<std::ptrdiff_t>(best)];
  const bool relabelled = !o.item_guess_slip && relabel_states(win.params, o);
  if (o.item_guess_slip) skill_guess_slip_from_items(win, d);
  SkillFitReport rep;
  rep.skill = log.skill_name(skill);
  rep.responses = d.responses;
  rep.sequences = d.sequences;
  rep.log_likelihood = win.log_likelihood;
  rep.iterations = win.iterations;
  rep.converged = win.converged;
  rep.trace = win.trace;
  rep.restarts = o.restarts;
  rep.best_restart = static_cast<int>(best);
  for (std::size_t r = 0; r < restarts; ++r) {
    const int iterations = first[static_cast<std::ptrdiff_t>(r)].iterations;
    rep.total_iterations += iterations;
    out.report.e_steps += static_cast<std::uint64_t>(iterations);
    out.report.response_steps += static_cast<std::uint64_t>(iterations) * rep.responses;
  }
  rep.warnings = degeneracy_warnings(win.params);
  const bool degenerate = !rep.warnings.empty();
  if (relabelled) rep.warnings.push_back("hidden states relabelled so that known answers better");
  out.model.set_skill(rep.skill, win.params);
  if (o.item_guess_slip) {
    std::size_t degenerate_items = 0;
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
  return degenerate;
}

/// FitOptions::conjunctive: each skill that shares multi-skill rows is refitted by EM with the
/// other skills' P(correct) on its shared responses held at their values under the current
/// model, alternating over the skills. Each round's EM starts at the current parameters, so the
/// per-skill fit is the first round's start.
void refit_conjunctive(FitResult& out, const ResponseLog& log, const FitOptions& o) {
  const detail::RowGroups groups = detail::row_groups(log);
  out.report.multi_skill_responses = groups.shared;
  if (groups.shared == 0) return;
  std::vector<char> shares(log.skill_count(), 0);
  std::vector<std::uint32_t> skill_of(log.size());
  for (const auto& s : log.sequences())
    for (auto i = s.begin; i < s.end; ++i) {
      skill_of[i] = s.skill;
      if (groups.next[i] != i) shares[s.skill] = 1;
    }
  std::vector<double> part, row, others(log.size(), 1.0);
  for (int round = 1; round <= o.conjunctive_rounds; ++round) {
    std::vector<const BktParams*> params(log.skill_count(), nullptr);
    for (std::uint32_t k = 0; k < log.skill_count(); ++k)
      params[k] = out.model.find_skill(log.skill_name(k));
    detail::conjunctive_filter(log, groups, params, part, row, nullptr, nullptr);
    for (std::uint64_t i = 0; i < log.size(); ++i) {
      others[i] = 1.0;
      for (std::uint64_t j = groups.next[i]; j != i; j = groups.next[j])
        if (!std::isnan(part[j])) others[i] *= part[j];
    }
    std::vector<std::pair<std::string, BktParams>> updated;
    for (SkillFitReport& rep : out.report.skills) {
      const auto k = log.find_skill(rep.skill);
      if (!k || !shares[*k]) continue;
      const std::vector<std::uint32_t> seqs = log.skill_sequences(*k);
      BktParams p = out.model.skill(rep.skill);
      double previous = -INFINITY;
      rep.trace.clear();
      for (int it = 1; it <= o.max_iterations; ++it) {
        const detail::EStats st = detail::e_step_conjunctive(log, seqs, p, others);
        const double objective = st.log_likelihood + log_prior(p, {}, {}, o);
        rep.trace.push_back(objective);
        rep.log_likelihood = st.log_likelihood;
        rep.iterations = it;
        rep.converged = it >= 2 && std::fabs(objective - previous) <= o.tolerance;
        if (rep.converged || it == o.max_iterations) break;
        previous = objective;
        p = m_step(st, p, o);
      }
      rep.warnings = degeneracy_warnings(p);
      updated.emplace_back(rep.skill, p);
    }
    // The round's skills change together, from the same others.
    for (const auto& [name, p] : updated) out.model.set_skill(name, p);
    out.report.conjunctive_rounds = round;
  }
  out.report.log_likelihood = 0.0;
  for (const auto& rep : out.report.skills) out.report.log_likelihood += rep.log_likelihood;
}

/// FitOptions::forget_per_day: each skill refitted by generalised EM with forgetting over the
/// days between its responses, from the standard fit's parameters.
void refit_forget_per_day(FitResult& out, const ResponseLog& log, const FitOptions& o) {
  const std::vector<double> days = detail::gap_days(log);
  if (days.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                "fitting forgetting per day needs the log's time column (none was read)",
                Location{log.report().source, 0, 0, "forget_per_day"});
  }
  // The usual M-step for prior, guess and slip; learn and the daily rate by m_step_time.
  FitOptions held = o;
  for (SkillFitReport& rep : out.report.skills) {
    const auto k = log.find_skill(rep.skill);
    if (!k) continue;
    const std::vector<std::uint32_t> seqs = log.skill_sequences(*k);
    BktParams p = out.model.skill(rep.skill);
    double d = 0.01;
    double previous = -INFINITY;
    rep.trace.clear();
    for (int it = 1; it <= o.max_iterations; ++it) {
      const detail::TimeStats ts = detail::e_step_time(log, seqs, p, d, days);
      const double objective = ts.base.log_likelihood + log_prior(p, {}, {}, o) +
                               log_prior(d, o.forget_per_day_prior);
      rep.trace.push_back(objective);
      rep.log_likelihood = ts.base.log_likelihood;
      rep.iterations = it;
      rep.converged = it >= 2 && std::fabs(objective - previous) <= o.tolerance;
      if (rep.converged || it == o.max_iterations) break;
      previous = objective;
      held.fixed.learn = p.learn;
      held.fixed.forget = p.forget;
      const double learn = p.learn;
      p = m_step(ts.base, p, held);
      p.learn = learn;
      detail::m_step_time(ts.gaps, p, d, o, !o.fixed.learn.has_value());
    }
    rep.warnings = degeneracy_warnings(p);
    out.model.set_skill(rep.skill, p);
    out.model.set_forget_per_day(rep.skill, std::min(d, 0.999));
  }
  out.report.log_likelihood = 0.0;
  for (const auto& rep : out.report.skills) out.report.log_likelihood += rep.log_likelihood;
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
  bounds.for_each(check_bounds);
  for (const auto& [name, p] : start) p.validate(Location{"", 0, 0, "start." + name});
  fixed.for_each(check_fixed);
  auto check_prior = [](const char* name, const BetaPrior& pr) {
    auto ok = [](double v) { return std::isfinite(v) && v >= 1.0 && v <= 1e9; };
    if (!ok(pr.alpha) || !ok(pr.beta)) {
      throw Error(ErrorCode::InvalidArgument,
                  std::string("prior of '") + name +
                      "' must have alpha and beta in [1, 1e9] (Beta(1, 1) is flat), got Beta(" +
                      std::to_string(pr.alpha) + ", " + std::to_string(pr.beta) +
                      ")",
                  Location{"", 0, 0, std::string("priors.") + name});
    }
  };
  priors.for_each(check_prior);
  check_prior("forget_per_day", forget_per_day_prior);
  learner.validate();
  if (conjunctive && item_guess_slip) {
    throw Error(ErrorCode::InvalidArgument,
                "conjunctive fits do not support per-item guess/slip (item_guess_slip)",
                Location{"", 0, 0, "conjunctive"});
  }
  if (forget_per_day && (conjunctive || item_guess_slip)) {
    throw Error(ErrorCode::InvalidArgument,
                "forget_per_day is not fitted together with conjunctive or item_guess_slip",
                Location{"", 0, 0, "forget_per_day"});
  }
  if (conjunctive_rounds < 1 || conjunctive_rounds > 100) {
    throw Error(ErrorCode::InvalidArgument,
                "conjunctive_rounds must be from 1 to 100, got " +
                    std::to_string(conjunctive_rounds),
                Location{"", 0, 0, "conjunctive_rounds"});
  }
  if (max_guess_plus_slip) {
    const double cap = *max_guess_plus_slip;
    const Location at{"", 0, 0, "max_guess_plus_slip"};
    if (!std::isfinite(cap) || cap <= 0.0 || cap > 2.0) {
      throw Error(ErrorCode::InvalidArgument,
                  "max_guess_plus_slip must be in (0, 2] (unset for no guard), got " +
                      std::to_string(cap),
                  at);
    }
    const double g = fixed.guess.value_or(bounds.guess.lo);
    const double s = fixed.slip.value_or(bounds.slip.lo);
    if (g + s > cap) {
      throw Error(ErrorCode::InvalidArgument,
                  "max_guess_plus_slip " + std::to_string(cap) +
                      " is below the smallest guess + slip the bounds and fixed values allow (" +
                      std::to_string(g + s) + ")",
                  at);
    }
  }
}

BktPriors calibrated_priors() noexcept {
  BktPriors pr;
  pr.prior = {2.0, 2.0};
  pr.learn = {1.5, 6.0};
  pr.forget = {1.0, 10.0};
  pr.guess = {2.0, 5.0};
  pr.slip = {2.0, 8.0};
  return pr;
}

BetaPrior* FitOptions::find_prior(std::string_view name) noexcept {
  if (name == "forget_per_day") return &forget_per_day_prior;
  return priors.find(name);
}

FitOptions FitOptions::pybkt() {
  FitOptions o;
  o.priors = BktPriors{};
  o.forget_per_day_prior = BetaPrior{};
  o.max_guess_plus_slip.reset();
  o.learner.enabled = false;
  return o;
}

FitOptions FitOptions::bkt() {
  FitOptions o;
  o.learner.enabled = false;
  return o;
}

FitOptions FitOptions::preset(std::string_view name) {
  if (name == "bkt") return bkt();
  if (name == "pybkt") return pybkt();
  const std::string shown = name.size() <= 40 ? "'" + std::string(name) + "'" : "a long name";
  throw Error(ErrorCode::InvalidArgument,
              "unknown preset " + shown + "; expected \"bkt\" or \"pybkt\"",
              Location{"", 0, 0, "preset"});
}

FitResult fit_with_report(const ResponseLog& log, const FitOptions& options) {
  options.validate();
  if (log.empty()) throw Error(ErrorCode::InvalidArgument, "cannot fit an empty response log");
  const auto t0 = std::chrono::steady_clock::now();

  const std::vector<std::uint32_t> skills = skills_to_fit(log, options);
  const std::vector<char> own_item =
      options.item_guess_slip ? own_items(log, options) : std::vector<char>();
  RestartRunner runner(log, options, skills, own_item);
  unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, runner.tasks()));
  runner.run(threads);

  FitResult out;
  out.report.threads = threads;
  std::size_t degenerate = 0;
  const auto restarts = static_cast<std::ptrdiff_t>(options.restarts);
  for (std::size_t si = 0; si < skills.size(); ++si) {
    auto first = runner.results.begin() + static_cast<std::ptrdiff_t>(si) * restarts;
    if (add_skill(out, log, options, skills[si], runner.data[si], first)) ++degenerate;
  }
  std::sort(out.report.skills.begin(), out.report.skills.end(),
            [](const SkillFitReport& a, const SkillFitReport& b) { return a.skill < b.skill; });
  if (options.conjunctive) refit_conjunctive(out, log, options);
  if (options.forget_per_day) refit_forget_per_day(out, log, options);
  if (options.learner.enabled) {
    // The layer is fitted on BKT's one-step-ahead predictions of the same log (responses of
    // skills left out of the fit are passed over).
    EvaluateOptions eo;
    eo.skip_unknown_skills = true;
    eo.conjunctive = options.conjunctive;
    const std::vector<double> bkt = predict(out.model, log, eo);
    out.model.set_learner(
        detail::fit_learner_layer(log, bkt, options.learner, out.report.learner));
  }
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
