// Pathwise — fitting BKT parameters from response logs by expectation–maximisation.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/export.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise {

/// A closed interval a parameter is kept in during fitting. Value type; thread-compatible.
struct PATHWISE_EXPORT ParamBounds {
  /// Lowest allowed value, in [0, 1].
  double lo = 0.0;
  /// Highest allowed value, in [lo, 1].
  double hi = 1.0;

  friend bool operator==(const ParamBounds& a, const ParamBounds& b) {
    return a.lo == b.lo && a.hi == b.hi;
  }
  friend bool operator!=(const ParamBounds& a, const ParamBounds& b) { return !(a == b); }
};

/// One `T` per BKT parameter, named as in BktParams. Value type; thread-compatible.
template <typename T>
struct BktParamSet {
  /// P(L0): known before the first opportunity.
  T prior{};
  /// P(T): learning at an opportunity.
  T learn{};
  /// P(F): forgetting at an opportunity (fitted only with FitOptions::forgetting).
  T forget{};
  /// P(G): correct while not knowing.
  T guess{};
  /// P(S): incorrect while knowing.
  T slip{};

  /// The member called `name` ("prior", "learn", "forget", "guess" or "slip"), or nullptr for
  /// any other name; how the CLI's `--bound`/`--fix` look a parameter up. Never throws.
  [[nodiscard]] T* find(std::string_view name) noexcept {
    return const_cast<T*>(static_cast<const BktParamSet&>(*this).find(name));
  }
  /// As find() above, read-only.
  [[nodiscard]] const T* find(std::string_view name) const noexcept {
    if (name == "prior") return &prior;
    if (name == "learn") return &learn;
    if (name == "forget") return &forget;
    if (name == "guess") return &guess;
    if (name == "slip") return &slip;
    return nullptr;
  }
  /// Calls `f(name, value)` for the five parameters in the order above.
  template <typename F>
  void for_each(F&& f) const {
    f("prior", prior);
    f("learn", learn);
    f("forget", forget);
    f("guess", guess);
    f("slip", slip);
  }

  friend bool operator==(const BktParamSet& a, const BktParamSet& b) {
    return a.prior == b.prior && a.learn == b.learn && a.forget == b.forget && a.guess == b.guess &&
           a.slip == b.slip;
  }
  friend bool operator!=(const BktParamSet& a, const BktParamSet& b) { return !(a == b); }
};

/// The interval each BKT parameter is kept in while fitting. Default: [0, 1] for each.
using BktBounds = BktParamSet<ParamBounds>;

/// The BKT parameters held at a value instead of fitted; empty ones are fitted. Default: none.
using BktFixed = BktParamSet<std::optional<double>>;

/// A Beta(alpha, beta) prior on one parameter, for maximum a posteriori (MAP) EM: the M-step
/// adds alpha - 1 pseudo-successes and beta - 1 pseudo-failures to the expected counts, so a
/// skill with few responses is pulled toward the prior's mode (alpha - 1) / (alpha + beta - 2)
/// instead of to exactly 0 or 1 (Beck & Chang 2007). Beta(1, 1) is flat: maximum likelihood.
/// Value type; thread-compatible.
struct PATHWISE_EXPORT BetaPrior {
  /// Pseudo-count of the parameter's event plus one; >= 1. Default: 1.
  double alpha = 1.0;
  /// Pseudo-count of its complement plus one; >= 1. Default: 1.
  double beta = 1.0;

  friend bool operator==(const BetaPrior& a, const BetaPrior& b) {
    return a.alpha == b.alpha && a.beta == b.beta;
  }
  friend bool operator!=(const BetaPrior& a, const BetaPrior& b) { return !(a == b); }
};

/// A Beta prior per BKT parameter. Default: flat on each (maximum likelihood).
using BktPriors = BktParamSet<BetaPrior>;

/// The weak priors of calibrated fits (FitOptions' default, see docs/bkt.md "Calibrated
/// fits"): prior Beta(2, 2), learn Beta(1.5, 6), forget Beta(1, 10), guess Beta(2, 5), slip
/// Beta(2, 8).
[[nodiscard]] PATHWISE_EXPORT BktPriors calibrated_priors() noexcept;

/// How fit() fits the learner layer (LearnerLayer, learner.hpp) after the skills' BKT
/// parameters: by Newton's method on the log-likelihood of the responses given BKT's in-sample
/// P(correct), with L2 penalties. Thread-compatible.
struct PATHWISE_EXPORT LearnerFitOptions {
  /// Fit the layer (the model gets a "learner" block, model JSON 1.1). Default: true (the
  /// presets bkt and pybkt turn it off).
  bool enabled = true;
  /// LearnerLayer's pseudo_count, decay_recent and decay_recent_slow. Defaults: 20, 0.9, 0.97.
  double pseudo_count = 20.0;
  double decay_recent = 0.9;
  double decay_recent_slow = 0.97;
  /// L2 penalty (lambda / 2) |w|^2 on the global weights, and on each skill's corrections.
  /// >= 0. Defaults: 0.01 and 1.
  double l2 = 0.01;
  double l2_skill = 1.0;
  /// Newton iterations at most, and the stop: the penalised log-likelihood changes by at most
  /// tolerance x responses. Defaults: 50, 1e-10.
  int max_iterations = 50;
  double tolerance = 1e-10;
  /// Groups of terms fitted; the weights of a group left out stay 0 (for ablations). Bias and
  /// Bkt are always fitted. "ability": Ability, AbilityFirst, AbilityOpportunities and the
  /// skills' ability corrections; "recency": Recent, RecentSlow, Last, Gap; "practice": First,
  /// Opportunities, BktOpportunities. Default: all three.
  bool ability = true;
  bool recency = true;
  bool practice = true;

  /// Fits exactly the named groups ("ability", "recency", "practice"; the JSON and CLI form of
  /// the three flags above). Throws Error (InvalidArgument, field "learner.terms") for another
  /// name, leaving the options unchanged.
  void set_terms(const std::vector<std::string>& groups);

  /// Throws Error (InvalidArgument) naming the field ("learner.l2", ...) if out of range.
  void validate() const;
};

/// How the learner layer's fit went. Value type; thread-compatible.
struct PATHWISE_EXPORT LearnerFitReport {
  /// Whether a layer was fitted.
  bool fitted = false;
  /// Responses it was fitted on, skills with corrections of their own.
  std::size_t responses = 0;
  std::size_t skills = 0;
  /// Newton iterations; whether the tolerance was met.
  int iterations = 0;
  bool converged = false;
  /// Mean log-loss of BKT's in-sample predictions, and of the layer's.
  double log_loss_bkt = 0.0;
  double log_loss = 0.0;
  /// Wall time of the layer's fit in seconds.
  double seconds = 0.0;
};

/// Options for fit(). The defaults are the calibrated model with the learner layer (learner.hpp):
/// pyBKT's EM schedule (5
/// random restarts, at most 100 EM iterations, stop when the objective changes by at most 1e-3,
/// no forgetting), with the weak calibrated_priors() (MAP EM) and guess + slip kept at most
/// 0.95. FitOptions::pybkt() is pyBKT's pure maximum-likelihood fit. Thread-compatible.
struct PATHWISE_EXPORT FitOptions {
  /// EM restarts per skill from random starting points; the best log-likelihood wins. Default: 5.
  int restarts = 5;
  /// Maximum E-steps per restart. Default: 100.
  int max_iterations = 100;
  /// Convergence: |LL(i) - LL(i-1)| <= tolerance on the skill's total log-likelihood (natural
  /// log). Default: 1e-3.
  double tolerance = 1e-3;
  /// Seed of the random starting points. A fit is the same for a seed whatever the thread count.
  /// Default: 42.
  std::uint64_t seed = 42;
  /// Worker threads; 0 means one per hardware thread. Default: 0.
  unsigned threads = 0;
  /// Fit a forget probability too (otherwise forget stays 0). Default: false.
  bool forgetting = false;
  /// Fit guess and slip per item (KT-IDEM, Pardos & Heffernan 2011; pyBKT's "multigs"), written
  /// to the model's items. Needs the log's item column. An item that occurs under several skills
  /// shares its skill's guess/slip. Forgetting's state relabelling is not applied. Default: false.
  bool item_guess_slip = false;
  /// With item_guess_slip: items with fewer responses than this share their skill's guess/slip
  /// instead of getting their own (few answers cannot tell guess from slip). Default: 1.
  std::size_t item_min_responses = 1;
  /// Bounds per parameter (hmm-scalable style, e.g. `bounds.guess = {0.0, 0.3}`). EM's M-step
  /// is projected onto them, which keeps each step's likelihood from decreasing. Default: [0, 1].
  BktBounds bounds;
  /// Starting point of the first restart, per skill (the other restarts stay random), as
  /// pyBKT's manual initialisation. Projected onto the bounds; fixed values still win. Default:
  /// none.
  std::map<std::string, BktParams> start;
  /// Parameters held at a value instead of fitted (e.g. `fixed.slip = 0.1`); they win over the
  /// bounds and the start. Default: none.
  BktFixed fixed;
  /// Beta priors per parameter: EM then maximises the log-posterior (log-likelihood plus the
  /// log prior densities), which it never lowers, and restarts are compared by it. Per-item
  /// guess/slip use the guess and slip priors. Flat priors (BktPriors{}) are maximum
  /// likelihood. Default: calibrated_priors().
  BktPriors priors = calibrated_priors();
  /// Identifiability guard: the M-step keeps guess + slip at most this (for the skill, and for
  /// each item with item_guess_slip), by maximising the M-step's objective on that line when
  /// the free maximum crosses it, so EM still never lowers its objective. Below 1, a correct
  /// answer always raises P(known) and an incorrect one lowers it (guess + slip >= 1 is the
  /// degenerate fit of Baker, Corbett & Aleven 2008). Fixed values win over it; bounds whose
  /// lower ends sum past it are invalid. Unset: no guard (pyBKT). Range (0, 2]. Default: 0.95.
  std::optional<double> max_guess_plus_slip = 0.95;
  /// The learner layer: fitted after BKT when learner.enabled.
  LearnerFitOptions learner;
  /// Multi-skill rows explained jointly, as the engine updates them (conjunctive knowledge
  /// tracing, Koedinger et al. 2011; EvaluateOptions::conjunctive): after the per-skill fit,
  /// each skill that shares rows is refitted by EM with the other skills' P(correct) on its
  /// shared responses held fixed, alternating over the skills `conjunctive_rounds` times. Not
  /// with item_guess_slip. Default: false.
  bool conjunctive = false;
  /// Rounds of the alternation, 1 to 100. Default: 3.
  int conjunctive_rounds = 3;
  /// Fit each skill's forgetting per day (BktModel::set_forget_per_day; Qiu et al. 2011) from
  /// the times between a learner's responses on it: between two responses, P(known) after the
  /// learning step is multiplied by (1 - rate)^days, as the engine does. Needs the log's time
  /// column (ResponseLog::times()); generalised EM from the standard fit. Not with
  /// item_guess_slip or conjunctive. Default: false.
  bool forget_per_day = false;
  /// The Beta prior on each skill's daily rate under forget_per_day (MAP, as `priors`): its
  /// beta - 1 pseudo-days on which a known skill stays known pull a skill with little evidence
  /// toward no forgetting, instead of to a rate near 1 that forgets everything in a day.
  /// Default: Beta(1, 20) (calibrated fits); flat, Beta(1, 1), in the pybkt preset.
  BetaPrior forget_per_day_prior{1.0, 20.0};
  /// The prior named `name`: a BKT parameter's in `priors` ("prior", "learn", "forget",
  /// "guess", "slip") or "forget_per_day" (forget_per_day_prior); null for any other name.
  [[nodiscard]] BetaPrior* find_prior(std::string_view name) noexcept;
  /// Skills with fewer responses than this are left out of the fit (and the model). Default: 1.
  std::size_t min_skill_responses = 1;
  /// Fit only the skills for which this returns true (all if empty).
  std::function<bool(const std::string& skill)> skill_filter;
  /// Called after each skill finishes with (skills done, skills total); from worker threads,
  /// serialised. An exception thrown from it cancels the fit and is rethrown by fit().
  /// Default: none.
  std::function<void(std::size_t done, std::size_t total)> progress;

  /// Throws Error (InvalidArgument) naming the option if an option is out of range: the field
  /// is the option's name, `bounds.<parameter>`, `fixed.<parameter>`, `priors.<parameter>` or
  /// `start.<skill>`.
  void validate() const;

  /// Preset "pybkt": pyBKT's standard model exactly, maximum likelihood with flat priors and no
  /// guard. For parity checks against pyBKT.
  [[nodiscard]] static FitOptions pybkt();
  /// Preset "bkt": calibrated standard BKT (no learner layer), the weak calibrated_priors() and
/// the guess + slip
  /// guard (today's defaults).
  [[nodiscard]] static FitOptions bkt();
  /// The preset of that name ("bkt" or "pybkt"). Throws Error (InvalidArgument, field
  /// "preset") for another name.
  [[nodiscard]] static FitOptions preset(std::string_view name);
};

/// How the fit of one skill went. Value type; thread-compatible.
struct PATHWISE_EXPORT SkillFitReport {
  /// The skill's name.
  std::string skill;
  /// Responses and sequences the skill was fitted on.
  std::size_t responses = 0;
  std::size_t sequences = 0;
  /// Total log-likelihood (natural log) of the returned parameters.
  double log_likelihood = 0.0;
  /// E-steps of the winning restart.
  int iterations = 0;
  /// Whether the winning restart met the tolerance before max_iterations.
  bool converged = false;
  /// Restarts run.
  int restarts = 0;
  /// Which restart won (0-based).
  int best_restart = 0;
  /// Log-likelihood after each E-step of the winning restart (EM never lowers it); with
  /// FitOptions::priors, the log-posterior (log-likelihood plus log prior density), which MAP
  /// EM never lowers.
  std::vector<double> trace;
  /// E-steps summed over all restarts.
  int total_iterations = 0;
  /// Degenerate or suspicious fits: "guess + slip >= 1", "guess at 0", "slip at 0", ...
  std::vector<std::string> warnings;
};

/// What fit_with_report() did. Value type; thread-compatible.
struct PATHWISE_EXPORT FitReport {
  /// One report per fitted skill, sorted by skill name.
  std::vector<SkillFitReport> skills;
  /// Sum of the skills' log-likelihoods.
  double log_likelihood = 0.0;
  /// Wall time of the fit in seconds.
  double seconds = 0.0;
  /// Threads used.
  unsigned threads = 0;
  /// E-steps over all skills and restarts, and responses processed by them.
  std::uint64_t e_steps = 0;
  std::uint64_t response_steps = 0;
  /// The learner layer's fit (fitted = false without FitOptions::learner).
  LearnerFitReport learner;
  /// With FitOptions::conjunctive: responses in multi-skill rows (0: the fit is the per-skill
  /// one), and the rounds run.
  std::size_t multi_skill_responses = 0;
  int conjunctive_rounds = 0;
};

/// A fitted model and the report of its fit. Value type; thread-compatible.
struct PATHWISE_EXPORT FitResult {
  /// Parameters of every fitted skill.
  BktModel model;
  /// How each skill's fit went.
  FitReport report;
};

/// Fits BKT parameters for every skill in `log` by EM (Baum–Welch with scaled forward–backward).
/// Throws Error (InvalidArgument) if `log` is empty or the options are invalid.
/// Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT BktModel fit(const ResponseLog& log, const FitOptions& options = {});

/// fit() with the per-skill report. Throws like fit(), and rethrows an exception from
/// options.progress. Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT FitResult fit_with_report(const ResponseLog& log,
                                                        const FitOptions& options = {});

}  // namespace pathwise
