// Pathwise — the learner layer: what BKT's per-skill chains do not see. A learner's ability
// (how much better than BKT expected they have answered so far, on every skill) and recency
// (how they did just now), entering the prediction of P(correct) as a logistic correction of
// BKT's own. P(known) per skill is left as BKT's posterior.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "pathwise/export.hpp"
#include "pathwise/types.hpp"

namespace pathwise {

/// The terms of the learner layer's linear predictor, each computed from the learner's
/// responses before this one (across all skills unless said otherwise). `d` is a response's
/// residual against BKT, outcome - BKT's P(correct).
enum class LearnerTerm : std::uint8_t {
  Bias,                  ///< 1
  Bkt,                   ///< logit of BKT's P(correct) for this response
  Ability,               ///< the ability: sum of d / (responses + pseudo_count)
  Recent,                ///< exponentially weighted d, decay_recent (recency)
  RecentSlow,            ///< exponentially weighted d, decay_recent_slow
  Last,                  ///< the previous outcome, +1 correct, -1 incorrect, 0 none
  First,                 ///< 1 on the learner's first opportunity on this skill, else 0
  AbilityFirst,          ///< Ability x First: the ability as an individualised prior
  Opportunities,         ///< ln(1 + earlier opportunities on this skill)
  AbilityOpportunities,  ///< Ability x Opportunities
  BktOpportunities,      ///< Bkt x Opportunities
  Gap,                   ///< ln(1 + responses on other skills since this skill's last), -1 first
};
inline constexpr std::size_t kLearnerTerms = 12;

/// The JSON name of a term: "bias", "bkt", "ability", "recent", "recent_slow", "last",
/// "first", "ability_first", "opportunities", "ability_opportunities", "bkt_opportunities",
/// "gap".
[[nodiscard]] PATHWISE_EXPORT const char* to_string(LearnerTerm term) noexcept;

/// Values of the terms for one response.
using LearnerFeatures = std::array<double, kLearnerTerms>;

/// A skill's own corrections, added to the global weights of Bias, Bkt and Ability.
/// Value type; thread-compatible.
struct PATHWISE_EXPORT LearnerSkillWeights {
  double bias = 0.0;
  double bkt = 0.0;
  double ability = 0.0;
  friend bool operator==(const LearnerSkillWeights& a, const LearnerSkillWeights& b) {
    return a.bias == b.bias && a.bkt == b.bkt && a.ability == b.ability;
  }
};

/// What one learner's past responses leave for the next prediction: O(1) numbers per learner
/// plus two per skill practised. The engine keeps one per learner in the profile; predict()
/// rebuilds it response by response. Value type; thread-compatible.
struct PATHWISE_EXPORT LearnerState {
  /// Responses recorded, on any skill.
  std::uint64_t responses = 0;
  /// Sum of the residuals d.
  double residual_sum = 0.0;
  /// Exponentially weighted residuals (decay_recent, decay_recent_slow).
  double recent = 0.0;
  double recent_slow = 0.0;
  /// The previous outcome: +1, -1, or 0 before the first response.
  int last = 0;
  /// Per skill: earlier opportunities, and `responses` just after the skill's last one.
  struct Skill {
    std::uint64_t opportunities = 0;
    std::uint64_t last_seen = 0;
    friend bool operator==(const Skill& a, const Skill& b) {
      return a.opportunities == b.opportunities && a.last_seen == b.last_seen;
    }
  };
  std::map<std::string, Skill, std::less<>> skills;

  friend bool operator==(const LearnerState& a, const LearnerState& b) {
    return a.responses == b.responses && a.residual_sum == b.residual_sum &&
           a.recent == b.recent && a.recent_slow == b.recent_slow && a.last == b.last &&
           a.skills == b.skills;
  }
};

/// The learner layer of a model (model JSON 1.1, "learner"): P(correct) =
/// sigmoid(sum over terms of (weight + the skill's own, for Bias/Bkt/Ability) x term).
/// Fitted by FitOptions::learner. Value type; thread-compatible.
struct PATHWISE_EXPORT LearnerLayer {
  /// Pseudo-responses that shrink the ability toward 0 (a learner with n responses has
  /// n / (n + pseudo_count) of their mean residual). > 0. Default: 20.
  double pseudo_count = 20.0;
  /// Decay of the Recent and RecentSlow averages per response, in [0, 1). Defaults: 0.9, 0.97.
  double decay_recent = 0.9;
  double decay_recent_slow = 0.97;
  /// Global weight of each term, indexed by LearnerTerm.
  LearnerFeatures weights{};
  /// Per-skill corrections; a skill absent here has none.
  std::map<std::string, LearnerSkillWeights, std::less<>> skills;

  /// The ability of a learner in this state: sum of d / (responses + pseudo_count).
  [[nodiscard]] double ability(const LearnerState& state) const noexcept;
  /// The terms for the next response of `state`'s learner on `skill`, where BKT predicts
  /// `bkt_correct`.
  [[nodiscard]] LearnerFeatures features(const LearnerState& state, std::string_view skill,
                                         double bkt_correct) const;
  /// P(correct) for the next response on `skill`, where BKT predicts `bkt_correct`.
  [[nodiscard]] double predict(const LearnerState& state, std::string_view skill,
                               double bkt_correct) const;
  /// Records a response: `bkt_correct` is BKT's P(correct) for it, before it was seen.
  void update(LearnerState& state, std::string_view skill, double bkt_correct,
              Outcome outcome) const;

  /// Throws Error (InvalidArgument) naming the field ("learner.pseudo_count",
  /// "learner.weights.recent", "learner.skills.<name>.bias") if a value is not finite or out of
  /// range.
  void validate() const;

  friend bool operator==(const LearnerLayer& a, const LearnerLayer& b) {
    return a.pseudo_count == b.pseudo_count && a.decay_recent == b.decay_recent &&
           a.decay_recent_slow == b.decay_recent_slow && a.weights == b.weights &&
           a.skills == b.skills;
  }
  friend bool operator!=(const LearnerLayer& a, const LearnerLayer& b) { return !(a == b); }
};

}  // namespace pathwise
