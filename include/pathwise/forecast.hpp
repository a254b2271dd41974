// Pathwise — forecasts: how many more attempts until a skill is mastered, under BKT.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/export.hpp"
#include "pathwise/profile.hpp"

namespace pathwise {

/// Settings of forecast_mastery(). Value type; thread-compatible.
struct PATHWISE_EXPORT ForecastOptions {
  /// Attempts looked ahead; the distribution beyond them is not computed (p_within_cap says how
  /// much of it lies within). In [1, kMaxAttempts]. Default: 200.
  std::uint32_t max_attempts = 200;
  /// Quantiles of the range [low, high]. 0 < low_quantile <= high_quantile < 1. Defaults: 0.1
  /// and 0.9 (the 10th and 90th percentiles).
  double low_quantile = 0.1;
  double high_quantile = 0.9;
  /// States of the dynamic programme whose P(known) differ by at most this are merged into one
  /// (P(known) their mass-weighted mean). 0 merges only equal values. In [0, 1e-3]. Default:
  /// 1e-12.
  double merge_tolerance = 1e-12;
  /// Distinct states followed one by one; once a step has more, the programme switches to
  /// `bins` equal bins of P(known) below the threshold, each holding the mass-weighted mean of
  /// its states, for the remaining steps. In [1, 10,000,000]. Default: 256.
  std::size_t max_states = 256;
  /// Bins of that second phase: they set accuracy against time (docs/engine.md measures both:
  /// at 512, expected attempts within 0.05 % of a 10^6-bin run, a few ms). In [16, 10,000,000].
  /// Default: 512.
  std::size_t bins = 512;

  static constexpr std::uint32_t kMaxAttempts = 100000;
  /// Throws Error (InvalidArgument) naming the first field out of range.
  void validate() const;
};

/// The distribution of N, the attempts (practice on the skill alone, one after another) until
/// the BKT P(known) first reaches the mastery threshold. Value type.
struct PATHWISE_EXPORT Forecast {
  /// E[N | N <= cap]: the expected attempts over the outcomes that reach mastery within the cap
  /// (0 if none does, p_within_cap then 0 too).
  double expected = 0.0;
  /// The low_quantile and high_quantile of N (smallest n with P(N <= n) >= q); unset when that
  /// quantile lies beyond the cap.
  std::optional<std::uint32_t> low, high;
  /// P(N <= cap).
  double p_within_cap = 0.0;
  /// The cap (ForecastOptions::max_attempts).
  std::uint32_t cap = 0;

  bool operator==(const Forecast& o) const {
    return expected == o.expected && low == o.low && high == o.high &&
           p_within_cap == o.p_within_cap && cap == o.cap;
  }
  bool operator!=(const Forecast& o) const { return !(*this == o); }
};

/// Forecasts the attempts until mastery of a skill at P(known) `p_known` (the profile's value,
/// before the next opportunity) under its BKT parameters and `rules.mastery_threshold`.
///
/// Under the model, the next answer is correct with predict_correct(params, p) and P(known) then
/// becomes update(params, p, outcome): so the profile's P(known) is itself a Markov chain, and N
/// is its first passage above the threshold. The distribution is computed exactly by dynamic
/// programming over the P(known) values reachable after each attempt (they depend on the order
/// of the outcomes, not only their counts, since learning happens between them), with states
/// closer than merge_tolerance merged, and binned once they are too many (ForecastOptions),
/// up to the cap (or until the mass not yet mastered is below 1e-15). N = 0 if `p_known` is
/// at or above the threshold already. Per-item parameters, time-based forgetting and the
/// learner layer are not part of it: it is the skill's own BKT, practised back to back.
/// Throws Error (InvalidArgument) for invalid params (BktParams::validate), a p_known that is
/// NaN or outside [0, 1] (field "p_known"), a threshold outside (0, 1] (field
/// "mastery_threshold"), or invalid options. Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT Forecast forecast_mastery(const BktParams& params, double p_known,
                                                        const ProfileRules& rules,
                                                        const ForecastOptions& options = {});

/// A goal skill's forecast for one learner. Value type.
struct PATHWISE_EXPORT SkillForecast {
  /// Skill id.
  std::string skill;
  /// The learner's P(known) the forecast starts from.
  double p_known = 0.0;
  Forecast forecast;
  bool operator==(const SkillForecast& o) const {
    return skill == o.skill && p_known == o.p_known && forecast == o.forecast;
  }
};

/// The forecast of each of the profile's goal skills (every curriculum skill if it has no goals;
/// goals the curriculum lacks are ignored), in curriculum order, from its P(known) (the skill's
/// prior where the profile does not track it), by forecast_mastery() with the model's
/// parameters of the skill. Throws as forecast_mastery(), and Error (UnknownSkill) if the model
/// lacks a curriculum skill.
[[nodiscard]] PATHWISE_EXPORT std::vector<SkillForecast> forecast_goals(
    const Curriculum& curriculum, const BktModel& model, const ProfileRules& rules,
    const LearnerProfile& profile, const ForecastOptions& options = {});

}  // namespace pathwise
