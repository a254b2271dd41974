// Pathwise — sequencing: which item a learner should do next, and why.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/export.hpp"
#include "pathwise/profile.hpp"

namespace pathwise {

/// Why an item was recommended.
enum class Reason {
  Remediate,     ///< the skill is weak: the easiest item of it
  Practice,      ///< the item whose P(correct) is nearest the target success rate
  Challenge,     ///< the skill is nearly mastered: the hardest item of it
  Review,        ///< a mastered skill whose estimated recall fell below the review threshold
  Prerequisite,  ///< a goal is blocked: practise its unmastered prerequisite first
  Done,          ///< every goal skill is mastered and no review is due (no item)
  Help,          ///< wheel-spinning: many attempts without mastery; a person should step in
  Placement,     ///< a diagnostic item of placement for a new learner (placement.hpp)
};

/// Lower-case name of a reason: "remediate", "practice", ..., "help", "placement".
[[nodiscard]] PATHWISE_EXPORT const char* to_string(Reason reason) noexcept;
/// Writes to_string(reason).
PATHWISE_EXPORT std::ostream& operator<<(std::ostream& out, Reason reason);

/// Another item the policy considered, with its predicted P(correct). Value type;
/// thread-compatible.
struct PATHWISE_EXPORT Alternative {
  /// Item id.
  std::string item;
  /// The skill it was ranked for.
  std::string skill;
  /// Predicted P(correct).
  double p_correct = 0.0;
  bool operator==(const Alternative& o) const {
    return item == o.item && skill == o.skill && p_correct == o.p_correct;
  }
};

/// The next step for a learner. Value type; thread-compatible.
struct PATHWISE_EXPORT Recommendation {
  /// Item to present; empty for Done (and for Help when no item of the skill is left).
  std::string item;
  /// The skill the choice is about.
  std::string skill;
  /// Why.
  Reason reason = Reason::Practice;
  /// One sentence with the numbers behind the choice, e.g.
  /// "review: fractions last practised 9 days ago, estimated recall 0.71 < 0.80".
  std::string explanation;
  /// Predicted P(correct) on `item` (NaN when there is no item).
  double p_correct = 0.0;
  /// Runner-up items, best first.
  std::vector<Alternative> alternatives;
  bool operator==(const Recommendation& o) const {
    return item == o.item && skill == o.skill && reason == o.reason &&
           explanation == o.explanation &&
           (p_correct == o.p_correct || (p_correct != p_correct && o.p_correct != o.p_correct)) &&
           alternatives == o.alternatives;
  }
};

/// Settings of the built-in sequencer. Defaults are documented in docs/engine.md with sources.
/// Thread-compatible.
struct PATHWISE_EXPORT PolicyConfig {
  /// The rules the sequencer shares with the profile update: mastery_threshold (default 0.95,
  /// Corbett & Anderson 1995), review_threshold (0.8), initial_half_life_days (2),
  /// half_life_growth (2), wheel_spin_attempts (10, Beck & Gong 2013) and conjunctive_update
  /// (true: a wrong answer to an item of several skills is blamed on each skill as far as it is
  /// likely to have caused it, Koedinger et al. 2011; false: every skill takes the whole blame,
  /// as in classic knowledge tracing, which sends learners back to skills they know). The
  /// profile keeps at least no_repeat_window recent items whatever rules.recent_items says (see
  /// profile_rules()). Placement is set here too, since the record path applies it:
  /// placement_items (0 = none), placement_confidence (0.9), placement_exact_states (4096),
  /// placement_samples (2000); see ProfileRules and docs/engine.md "Placement".
  ProfileRules rules;
  /// Target P(correct) of practice items: the zone of proximal development. Default: 0.85
  /// (Wilson et al. 2019, "The Eighty Five Percent Rule for optimal learning").
  double target_success = 0.85;
  /// Below this P(known) a skill is remediated with its easiest item. Default: 0.3.
  double remediate_below = 0.3;
  /// From this P(known) up to mastery, a skill is challenged with its hardest item. Default: 0.8.
  double challenge_above = 0.8;
  /// An item is not offered again within this many of the learner's last items. Default: 3.
  std::size_t no_repeat_window = 3;
  /// Attempts on a skill without mastery, with P(known) still below 0.5, after which the
  /// prerequisites it rests on are checked again with one item each (0 = never). Default: 8 (at
  /// learn rates of 0.2-0.3 a learner ready for the skill has learned it by then with
  /// probability 0.83-0.94, so lagging this far suggests a prerequisite is missing).
  std::uint32_t check_prerequisites_after = 8;
  /// Predictive-similarity stopping (Kaeser, Klingler & Gross 2016): practice of a skill stops
  /// when one more attempt would change its predicted P(correct) (BKT, through the learner
  /// layer where the model has one) by less than this, whichever the outcome. A skill at
  /// P(known) >= challenge_above counts as mastered then; one wheel-spinning (wheel_spin_attempts
  /// or more attempts) is set aside. In [0, 1); 0 = off. Default: 0.
  double stop_epsilon = 0.0;
  /// Help once: a wheel-spinning skill is offered `help` once, on the attempt that flags it,
  /// and set aside when wheel_spin_attempts more attempts after it bring no mastery, instead
  /// of help on every later attempt. Default: false.
  bool help_once = false;
  /// Runner-up items listed in a recommendation. Default: 3.
  std::size_t alternatives = 3;
  /// Breaks exact ties between items deterministically. Default: 0.
  std::uint64_t seed = 0;

  /// The profile-update rules to apply: `rules`, with recent_items raised to no_repeat_window
  /// where it is smaller (the window must fit in the profile's recent items).
  [[nodiscard]] ProfileRules profile_rules() const;
  /// Throws Error (InvalidArgument) naming the setting if one is out of range; the fields of
  /// `rules` are named as they are ("mastery_threshold", not "rules.mastery_threshold").
  void validate() const;
};

/// What a policy sees: the curriculum, the model and the settings. Immutable.
struct PATHWISE_EXPORT PolicyContext {
  const Curriculum& curriculum;
  const BktModel& model;
  const PolicyConfig& config;
  /// Optional: the profile's skill states by curriculum skill index (nullptr where the profile
  /// lacks the skill), so a policy need not look skills up by name. The engine provides it.
  const SkillState* const* skill_states = nullptr;
  /// Optional: the learner's learner-layer state (LearnerProfile::learner_state). With a model
  /// that has a layer, item_p_correct() corrects BKT's P(correct) by it; null there means a
  /// learner with no response yet. The engine provides it; the Sequencer takes the profile's
  /// when it is null.
  const LearnerState* learner_state = nullptr;
};

/// A sequencing policy. Implement it to plug a custom one into the Engine.
/// Implementations must be thread-safe for concurrent const calls.
class PATHWISE_EXPORT Policy {
 public:
  virtual ~Policy() = default;
  /// The next step for `profile` at `now`, or nullopt when there is nothing to offer.
  [[nodiscard]] virtual std::optional<Recommendation> recommend(const PolicyContext& context,
                                                                const LearnerProfile& profile,
                                                                TimePoint now) const = 0;
};

/// The built-in sequencer, in order of precedence: (0) a placement item while placement is
/// active (placement_status()); (1) a due review of a mastered skill, most
/// decayed first; (2) a prerequisite check when the skill the learner is on makes no progress
/// (check_prerequisites_after attempts, P(known) < 0.5): one item of each prerequisite not
/// practised meanwhile; (3) help for a wheel-spinning skill that practice still helps; (4) the
/// open goal skill to practise — prerequisites mastered, not yet mastered, not set aside, the
/// one practised last if still open, else the first in prerequisite order — with remediate /
/// practice / challenge by its P(known), or an unmastered prerequisite of a blocked goal;
/// (5) help without an item when only skills set aside are left (wheel-spinning, and by the
/// model's learn rate still more likely unknown than known after as many attempts again);
/// (6) done. Items: the most informative first (item_information), then by purpose; items seen
/// in the no-repeat window are skipped while others remain. Deterministic for the same profile,
/// time and seed. Immutable (safe to share).
class PATHWISE_EXPORT Sequencer final : public Policy {
 public:
  [[nodiscard]] std::optional<Recommendation> recommend(const PolicyContext& context,
                                                        const LearnerProfile& profile,
                                                        TimePoint now) const override;
};

/// Predicted P(correct) on an item for a learner whose P(known) of `skill` is `p_known`: BKT
/// with the item's guess/slip where the model has them, else the skill's, shifted by the item's
/// difficulty (see Item::difficulty); then, when the model has a learner layer, the layer's
/// LearnerLayer::predict on that for the context's learner_state (an empty state if null).
[[nodiscard]] PATHWISE_EXPORT double item_p_correct(const PolicyContext& context,
                                                    std::uint32_t item, std::uint32_t skill,
                                                    double p_known);

/// Expected information, in bits, that an answer to `item` gives about whether a learner with
/// P(known) `p_known` knows `skill`: the mutual information between the answer and the hidden
/// state under BKT with the item's guess/slip where the model has them, else the skill's.
/// Items that share their skill's guess/slip tie; difficulty hints do not enter.
[[nodiscard]] PATHWISE_EXPORT double item_information(const PolicyContext& context,
                                                      std::uint32_t item, std::uint32_t skill,
                                                      double p_known);

}  // namespace pathwise
