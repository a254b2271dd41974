// Pathwise — offline comparison of sequencing policies on simulated learners.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/export.hpp"
#include "pathwise/policy.hpp"
#include "pathwise/simulate.hpp"

namespace pathwise {

/// The policies the simulator can compare.
enum class SimPolicy {
  Fixed,    ///< every learner the same sequence: N items per skill in prerequisite order, then done
  Random,   ///< a random item of an unmastered goal skill; done when BKT says all are mastered
  Mastery,  ///< the classic mastery tutor: first unmastered skill in prerequisite order,
            ///< items round-robin, done when BKT says P(known) >= 0.95 for every goal
  Pathwise,  ///< the built-in Sequencer; done when it says "done"
  Oracle,  ///< sees the hidden state: practises the first skill not truly known; done when all are
};

/// Lower-case name: "fixed", "random", "mastery", "pathwise", "oracle".
[[nodiscard]] PATHWISE_EXPORT const char* to_string(SimPolicy policy) noexcept;

/// Settings of simulate_policies(). Thread-compatible.
struct PATHWISE_EXPORT PolicySimulationOptions {
  /// The simulated population (seed, spread, prerequisite effect, forgetting).
  PopulationOptions population;
  /// Learners simulated for each policy (the same learners for every policy). Default: 1000.
  std::size_t learners = 1000;
  /// Attempts after which a learner stops whatever the policy says. Default: 400.
  std::size_t max_attempts = 400;
  /// Items per skill of the fixed order. Default: 5.
  std::size_t fixed_per_skill = 5;
  /// Settings of the Pathwise sequencer; its mastery threshold is also the mastery tutor's and
  /// the random policy's stopping rule.
  PolicyConfig config;
  /// Whether the random and mastery policies blame a wrong answer to an item of several skills
  /// conjunctively, as Pathwise does by default (PolicyConfig::rules.conjunctive_update).
  /// Default: false, the classic cognitive tutor's knowledge tracing, where every skill of the
  /// item takes the whole blame. Set it to see how much of a difference the update alone makes.
  bool baseline_conjunctive_update = false;
  /// Whether skills the model gives no forget_per_day get the population's forgetting rate (the
  /// simulated truth, as the other parameters are), so that the sequencer reviews by it (the
  /// random and mastery policies keep the model as given: classic tutors do not forget). False
  /// leaves them unset, and the sequencer spaces reviews by its own schedule. Default: true.
  bool tell_forgetting = true;
  /// Goal skills; empty = every skill. Default: empty.
  std::vector<std::string> goals;
  /// Simulated time per attempt, in minutes: finite, in [0, kMaxMinutesPerAttempt]. Default: 1.
  double minutes_per_attempt = 1.0;
  /// Attempts per session; 0 = one session without breaks. Default: 30.
  std::size_t attempts_per_session = 30;
  /// Days between sessions: finite, in [0, kMaxSimulatedDays]. Default: 1.
  double days_between_sessions = 1.0;
  /// Delay after "done" at which false mastery is measured again (forgetting), in days: finite,
  /// in [0, kMaxSimulatedDays]. Default: 30.
  double delay_days = 30.0;

  /// Upper bounds of the time settings, and of the whole simulated span (every attempt, every
  /// session break and the delay), which must stay within the range of TimePoint.
  static constexpr double kMaxMinutesPerAttempt = 7.0 * 24 * 60;  // a week
  static constexpr double kMaxSimulatedDays = 36500.0;            // a century
  /// Upper bound of learners, max_attempts and fixed_per_skill.
  static constexpr std::size_t kMaxCount = 10000000;

  /// Throws Error (InvalidArgument) naming the first field that is out of range or not finite:
  /// learners in [1, kMaxCount], max_attempts in [1, kMaxCount], fixed_per_skill in
  /// [0, kMaxCount], the time settings above (and their whole span within kMaxSimulatedDays),
  /// then `population` and `config` by their own validate().
  void validate() const;
};

/// What happened to one simulated learner under one policy. Value type.
struct PATHWISE_EXPORT LearnerRun {
  /// Attempts until the policy declared the goals done (or max_attempts).
  std::size_t attempts = 0;
  /// Whether the policy declared done before the cap.
  bool declared_done = false;
  /// Share of goal skills not truly known when done was declared, and delay_days later.
  double false_mastery = 0.0;
  double false_mastery_delayed = 0.0;
  /// Attempts on items whose skills were all truly known already.
  std::size_t over_practice = 0;
  /// Expected post-test score at done: mean P(correct) over every item of the goal skills.
  double post_test = 0.0;
  /// Whether the learner's profile was ever flagged wheel-spinning.
  bool wheel_spinning = false;
  /// Attempt after which every goal skill was first truly known (0 = from the start; -1 never).
  long attempts_to_mastery = -1;
  /// Whether the learner quit (PopulationOptions' dropout) before the policy declared done.
  /// A learner completes when the policy declares done: neither quitting nor reaching the cap.
  bool dropped_out = false;
};

/// Mean and 95% confidence half-width (1.96 standard errors) of one figure over learners.
struct PATHWISE_EXPORT Estimate {
  double mean = 0.0;
  double ci95 = 0.0;
};

/// One policy's results over the population. Value type.
struct PATHWISE_EXPORT PolicyResult {
  SimPolicy policy = SimPolicy::Pathwise;
  Estimate attempts, false_mastery, false_mastery_delayed, over_practice, post_test;
  /// Share of learners flagged wheel-spinning, and of learners whose policy declared done.
  double wheel_spinning = 0.0;
  double declared_done = 0.0;
  /// Completion: the share of learners whose policy declared done before they quit or reached
  /// the cap (declared_done, with its confidence interval), and the share who quit.
  Estimate completion;
  double dropped_out = 0.0;
  /// Mean attempts to true mastery over the learners who reached it, and their share.
  Estimate attempts_to_mastery;
  double reached_mastery = 0.0;
  /// Mean share of goal skills truly known after each attempt (index 0 = before any).
  std::vector<double> curve;
  /// Each learner's run, in learner order.
  std::vector<LearnerRun> learners;
};

/// Runs every policy in `policies` on the same simulated learners and measures it.
/// Throws Error (InvalidArgument) for invalid options or an empty curriculum, Error
/// (UnknownSkill) for a goal or curriculum skill the model lacks. Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT std::vector<PolicyResult> simulate_policies(
    const Curriculum& curriculum, const BktModel& model, const std::vector<SimPolicy>& policies,
    const PolicySimulationOptions& options);

/// Paired differences between two policies run on the same learners: per learner, the figure
/// under `a` minus the figure under `b`, averaged, with a 95% confidence half-width of 1.96
/// standard errors of that mean (the sample standard deviation of the differences over
/// sqrt(learners)). Pairing removes the spread between learners that an unpaired comparison of
/// two means keeps. Value type.
struct PATHWISE_EXPORT PairedDifference {
  SimPolicy a = SimPolicy::Pathwise, b = SimPolicy::Mastery;
  std::size_t learners = 0;
  /// Attempts, false mastery at done, false mastery delay_days later, completion (1 if the
  /// policy declared done for the learner, else 0).
  Estimate attempts, false_mastery, false_mastery_delayed, completion;
};

/// The paired differences `a` - `b`. Throws Error (InvalidArgument) unless both hold the same
/// positive number of learners (runs of one simulate_policies() population). Thread-safe.
[[nodiscard]] PATHWISE_EXPORT PairedDifference paired_difference(const PolicyResult& a,
                                                                 const PolicyResult& b);

/// One setting tried by a matched-quality search, and what it gave. Value type.
struct PATHWISE_EXPORT SweepPoint {
  /// Items per skill (match_fixed_order) or the mastery threshold (match_mastery_tutor).
  double setting = 0.0;
  Estimate attempts, false_mastery;
};

/// What a matched-quality search found. Value type.
struct PATHWISE_EXPORT MatchedSweep {
  /// Every setting tried, in order; the search stops at the first that reaches the target, so
  /// when `matched` is true the last point is that setting.
  std::vector<SweepPoint> points;
  /// Whether a setting reached the target.
  bool matched = false;
  /// The run at the matched setting; empty unless `matched`.
  std::optional<PolicyResult> result;
};

/// The fixed order at a given quality: runs SimPolicy::Fixed with fixed_per_skill = 1, 2, ...,
/// `max_per_skill` (the rest of `options` as given, so on the same learners) and stops at the
/// first N whose mean false mastery is at most `target_false_mastery` (typically the Pathwise
/// sequencer's, from simulate_policies() with the same options). Throws Error (InvalidArgument)
/// for invalid options, a target outside [0, 1] or `max_per_skill` outside [1, kMaxCount], and
/// what simulate_policies() throws. Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT MatchedSweep match_fixed_order(const Curriculum& curriculum,
                                                             const BktModel& model,
                                                             const PolicySimulationOptions& options,
                                                             double target_false_mastery,
                                                             std::size_t max_per_skill = 60);

/// The mastery tutor at a given quality: runs SimPolicy::Mastery with the mastery threshold
/// raised from options.config.rules.mastery_threshold by `step` at a time (at most `steps`
/// settings, none above 0.9995) and stops at the first whose mean false mastery is at most
/// `target_false_mastery`. Throws Error (InvalidArgument) for invalid options, a target outside
/// [0, 1], `steps` outside [1, 1000] or `step` outside (0, 1), and what simulate_policies()
/// throws. Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT MatchedSweep match_mastery_tutor(
    const Curriculum& curriculum, const BktModel& model, const PolicySimulationOptions& options,
    double target_false_mastery, std::size_t steps = 10, double step = 0.005);

/// A model without its degenerate skills, and how many were left out.
struct PATHWISE_EXPORT TeachableModel {
  BktModel model;
  std::size_t dropped = 0;
};

/// `model` without the skills whose answers carry no evidence of knowing (guess + slip >= 1: a
/// correct answer does not raise P(known), so no policy can teach them to mastery), and without
/// those skills' items and forgetting rates; everything else is kept as it is. The result may
/// have no skills left. Thread-safe.
[[nodiscard]] PATHWISE_EXPORT TeachableModel without_degenerate_skills(const BktModel& model);

}  // namespace pathwise
