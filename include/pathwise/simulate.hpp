// Pathwise — simulated learners that answer by a BKT model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/export.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise {

/// Options for simulate_log(). Thread-compatible.
struct PATHWISE_EXPORT SimulateLogOptions {
  /// Learners simulated; each practises every skill of the model. Default: 100.
  std::size_t learners = 100;
  /// Opportunities per learner and skill. Default: 20.
  std::size_t opportunities = 20;
  /// Random seed; the same seed gives the same log. Default: 1.
  std::uint64_t seed = 1;
};

/// Draws a response log from `model`: for each learner and skill, the hidden state starts known
/// with P(prior), each response is correct with P(1 - slip) when known and P(guess) otherwise,
/// then the state moves by learn/forget. Where the model has per-item guess/slip for a skill,
/// each opportunity is a uniformly drawn item of that skill, answered with the item's guess and
/// slip, and the log records the item. Learner ids are "learner-<n>".
/// Throws Error (InvalidArgument) if the model has no skills. Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT ResponseLog simulate_log(const BktModel& model,
                                                       const SimulateLogOptions& options);

/// A small built-in course for demos and simulations: five arithmetic skills with prerequisites
/// (counting -> addition -> subtraction, multiplication -> fractions), three items each (one
/// shared by two skills), and BKT parameters for every skill.
struct PATHWISE_EXPORT SyntheticCourse {
  Curriculum curriculum;
  BktModel model;
};
/// The built-in course. Thread-safe.
[[nodiscard]] PATHWISE_EXPORT SyntheticCourse synthetic_course();

/// A course made from a model alone, for simulating on fitted parameters (e.g. a model fitted on
/// a real log): one skill per model skill, in the model's (name) order and without
/// prerequisites; as items, the model's per-item entries of each skill, or `items_per_skill`
/// items named "<skill> #<k>" sharing the skill's guess/slip where it has none. Throws Error
/// (InvalidArgument) if the model has no skills or items_per_skill is 0. Thread-safe.
[[nodiscard]] PATHWISE_EXPORT Curriculum course_from_model(const BktModel& model,
                                                           std::size_t items_per_skill = 3);

/// How a simulated population differs from the model and behaves over time. Thread-compatible.
struct PATHWISE_EXPORT PopulationOptions {
  /// Random seed; learner n of a seed is always the same learner. Default: 1.
  std::uint64_t seed = 1;
  /// Spread of each learner's prior and learn around the skill's values: each is drawn from a
  /// Beta distribution whose mean is the skill's value and whose concentration (a + b) is this;
  /// 0 gives every learner the skill's values. Default: 20.
  double concentration = 20.0;
  /// A skill whose prerequisites are not all known is learned at learn times this factor
  /// (0: not at all). Default: 0.2.
  double prerequisite_factor = 0.2;
  /// Chance per day that a known skill is forgotten (exponential decay over all the time that
  /// passes; practice can make it known again). Default: 0.
  double forget_per_day = 0.0;

  // The settings below are all off by default (the population of the figures before them).
  // docs/policy-evaluation.md states the generative model they form.

  /// Correlation of prior knowledge across skills, in [0, 1). Each learner has a latent level z
  /// (standard normal); skill s is initially known iff Phi(sqrt(r) z + sqrt(1 - r) e_s) < c_s,
  /// with e_s standard normal and independent per skill, and c_s the chance the independent draw
  /// uses (the learner's prior, times prerequisite_factor if a prerequisite is not known). So
  /// each skill's chance given its prerequisites is unchanged, and r is the correlation of the
  /// latent liabilities of any two skills (a Gaussian copula). 0: independent draws. Default: 0.
  double prior_correlation = 0.0;
  /// Spread of learning speed: each learner has an ability a (standard normal) and learns every
  /// skill at learn x exp(learn_sd x a) (at most 1). 0: the Beta-drawn rates alone. Default: 0.
  double learn_sd = 0.0;
  /// Spread of answering by ability, in log-odds: guess' = logistic(logit(guess) + g a) and
  /// slip' = logistic(logit(slip) - g a) with g this (guess or slip 0 or 1 stay as they are).
  /// Default: 0.
  double guess_slip_sd = 0.0;
  /// Correlation of the ability a with the prior-knowledge level z, in [-1, 1]. Default: 0.
  double ability_level_correlation = 0.0;
  /// Dropout: after each attempt the learner quits with probability min(1, quit_base +
  /// quit_per_failure x (wrong answers in a row) + quit_per_easy x max(0, far-too-easy items in
  /// a row - easy_run)), where an item is far too easy when the learner already truly knows every
  /// skill of it. All 0: nobody quits. Defaults: 0, 0, 0 and 5.
  double quit_base = 0.0;
  double quit_per_failure = 0.0;
  double quit_per_easy = 0.0;
  std::size_t easy_run = 5;

  /// Throws Error (InvalidArgument) naming the setting if one is out of range (the rates above:
  /// finite, learn_sd and guess_slip_sd in [0, 10], the quit terms in [0, 1], easy_run at most
  /// 1,000,000).
  void validate() const;
};

/// A simulated learner for a curriculum: a hidden known/unknown state per skill that answers
/// items by the model's guess and slip (per item where the model has them; a multi-skill item is
/// answered correctly only if every skill's answer is), learns by the learner's own learn rate
/// (slowed while prerequisites are unknown), and forgets with time. Deterministic for (seed,
/// index). Thread-compatible.
class PATHWISE_EXPORT SimulatedLearner {
 public:
  /// Draws learner `index` of the population. Throws Error (UnknownSkill) if the model lacks a
  /// curriculum skill, Error (InvalidArgument) for invalid options.
  SimulatedLearner(const Curriculum& curriculum, const BktModel& model,
                   const PopulationOptions& options, std::uint64_t index);

  /// Answers item `item` (curriculum index) at `now`, then may learn its skills.
  /// Throws Error (UnknownItem) for an index out of range, Error (InvalidArgument) if `now` is
  /// before the previous call.
  Outcome answer(std::uint32_t item, TimePoint now);
  /// P(correct) on `item` from the hidden state, without answering or learning (a post-test).
  [[nodiscard]] double expected_correct(std::uint32_t item) const;
  /// Lets time pass to `now` (forgetting) without answering.
  void wait_until(TimePoint now);
  /// Whether the learner truly knows skill `skill` (curriculum index).
  [[nodiscard]] bool knows(std::uint32_t skill) const { return known_.at(skill) != 0; }
  /// This learner's own prior and learn rate for a skill.
  [[nodiscard]] double prior(std::uint32_t skill) const { return prior_.at(skill); }
  [[nodiscard]] double learn(std::uint32_t skill) const { return learn_.at(skill); }
  /// The learner's latent prior-knowledge level z and ability a (both standard normal; used only
  /// as far as prior_correlation, learn_sd and guess_slip_sd say).
  [[nodiscard]] double level() const noexcept { return level_; }
  [[nodiscard]] double ability() const noexcept { return ability_; }
  /// Wrong answers in a row, and far-too-easy items in a row, up to the last answer.
  [[nodiscard]] std::uint32_t failures_in_a_row() const noexcept { return failures_; }
  [[nodiscard]] std::uint32_t easy_in_a_row() const noexcept { return easy_; }
  /// The chance that the learner quits after the last answer (PopulationOptions' dropout).
  [[nodiscard]] double quit_chance() const noexcept;
  /// Whether the learner quits now: one draw from the learner's own dropout stream (so dropout
  /// leaves the answers of the learners who stay as they were), none while the chance is 0.
  bool quits();

 private:
  const Curriculum* curriculum_;
  const BktModel* model_;
  PopulationOptions options_;
  std::uint64_t rng_state_;
  std::vector<char> known_;
  std::vector<double> prior_, learn_;
  std::vector<std::int64_t> last_seen_ms_;  // per skill: when time was last applied to it
  std::int64_t now_ms_ = INT64_MIN;
  double level_ = 0.0, ability_ = 0.0;
  std::uint32_t failures_ = 0, easy_ = 0;
  std::uint64_t quit_state_ = 0;

  double uniform();
  void forget(std::uint32_t skill, std::int64_t now_ms);
};

}  // namespace pathwise
