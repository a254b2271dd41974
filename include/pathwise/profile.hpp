// Pathwise — learner profiles: what one learner knows, skill by skill, and how that changes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/export.hpp"
#include "pathwise/learner.hpp"
#include "pathwise/time.hpp"
#include "pathwise/types.hpp"

namespace pathwise {

/// One learner's state on one skill. Value type.
struct PATHWISE_EXPORT SkillState {
  /// BKT P(known) before the next opportunity.
  double p_known = 0.0;
  /// Responses on this skill, and how many were correct.
  std::uint32_t attempts = 0;
  std::uint32_t correct = 0;
  /// Correct answers in a row, up to now.
  std::uint32_t streak = 0;
  /// Time of the last response on this skill.
  std::optional<TimePoint> last_practice;
  /// First time P(known) reached the mastery threshold.
  std::optional<TimePoint> mastered_at;
  /// Review schedule once mastered: estimated recall is P(known) 2^(-days since practice /
  /// half_life_days) (half-life regression, Settles & Meeder 2016). 0 until mastered.
  double half_life_days = 0.0;
  /// Reviews answered correctly when due.
  std::uint32_t reviews = 0;
  /// When estimated recall falls to the review threshold (unset until mastered).
  std::optional<TimePoint> next_review;
  /// Many attempts without mastery (Beck & Gong 2013).
  bool wheel_spinning = false;

  bool operator==(const SkillState& o) const;
  bool operator!=(const SkillState& o) const { return !(*this == o); }
};

/// Estimated recall of a skill at `now`: P(known) 2^(-days since the last practice /
/// half_life_days) (days before the last practice count as 0), or P(known) itself while the
/// skill has no review schedule (half_life_days 0, or never practised). The one formula the
/// profile and the sequencer use.
[[nodiscard]] PATHWISE_EXPORT double estimated_recall(const SkillState& state,
                                                      TimePoint now) noexcept;

/// Longest half-life of recall a profile holds, in days (100 years): a longer one (a forgetting
/// rate near 0, many reviews) is held at this, so review times stay representable.
inline constexpr double kMaxHalfLifeDays = 36525.0;
/// Largest `half_life_growth` the policy accepts.
inline constexpr double kMaxHalfLifeGrowth = 100.0;

/// Rules of the profile update that come from the policy configuration.
struct PATHWISE_EXPORT ProfileRules {
  /// P(known) at which a skill counts as mastered. Default: 0.95 (Corbett & Anderson 1995).
  double mastery_threshold = 0.95;
  /// Estimated recall below which a mastered skill is due for review. Default: 0.8.
  double review_threshold = 0.8;
  /// Half-life of recall after first mastery, in days. Default: 2.
  double initial_half_life_days = 2.0;
  /// Factor the half-life grows by after a correct review when due. Default: 2.
  double half_life_growth = 2.0;
  /// Attempts without ever reaching mastery that flag wheel-spinning. Default: 10 (Beck & Gong).
  std::uint32_t wheel_spin_attempts = 10;
  /// Recent items kept in the profile. Default: 20.
  std::size_t recent_items = 20;
  /// A wrong answer to an item of several skills is blamed on each skill as far as it is likely
  /// to have caused it (conjunctive knowledge tracing, posterior_conjunctive()); false: each
  /// skill takes the whole blame, as in classic knowledge tracing. Default: true.
  bool conjunctive_update = true;
  /// Placement (placement.hpp, docs/engine.md "Placement"): at most this many diagnostic items
  /// for a learner without responses, chosen on the goals' prerequisite graph; their answers
  /// set every placement skill's P(known) to its posterior over knowledge states. 0 = no
  /// placement. At most 64. Default: 0.
  std::uint32_t placement_items = 0;
  /// Placement stops once every placement skill's P(known) is at least this or at most 1 -
  /// this. In (0.5, 1]. Default: 0.9.
  double placement_confidence = 0.9;
  /// Knowledge states enumerated exactly; a goal graph with more down-closed states is sampled
  /// (importance sampling, placement_samples). In [1, 1000000]. Default: 4096.
  std::uint32_t placement_exact_states = 4096;
  /// Draws of knowledge states when they are sampled. In
  /// [1, 100000]. Default: 200.
  std::uint32_t placement_samples = 2000;
};

/// Everything Pathwise holds on one learner. JSON: {"format": "pathwise-learner-profile",
/// "version": "1.0", ...}, the convention of every Pathwise document (documents written before
/// it, with "schema_version": 1 instead, are read too); times are milliseconds since the Unix
/// epoch. A profile with a learner-layer state is written as version "1.1" with a
/// "learner_state" object (docs/engine.md); one without it stays "1.0", as before.
/// Value type; thread-compatible.
struct PATHWISE_EXPORT LearnerProfile {
  static constexpr const char* kFormat = "pathwise-learner-profile";
  static constexpr const char* kVersion = "1.0";
  /// Version written when the profile holds a learner_state; the newest this library reads.
  static constexpr const char* kVersionWithLearner = "1.1";
  /// The "schema_version" older documents carry in place of "version" (read, never written).
  static constexpr int kSchemaVersion = 1;

  /// The learner id, opaque to Pathwise. Personal data: never logged.
  std::string learner;
  /// State per skill id.
  std::map<std::string, SkillState, std::less<>> skills;
  /// Target skills; empty means every skill of the curriculum.
  std::vector<std::string> goals;
  /// Most recent items, oldest first (bounded by ProfileRules::recent_items).
  std::vector<std::string> recent_items;
  /// Responses recorded, and the time of the last one.
  std::uint64_t responses = 0;
  std::optional<TimePoint> last_response;
  /// The learner layer's running numbers (LearnerState, learner.hpp): set by the first
  /// response recorded under a model with a layer (BktModel::learner()), updated by every later
  /// one under such a model, left as it is under a model without one. Unset: no such response.
  std::optional<LearnerState> learner_state;
  /// The layer's ability estimate for `learner_state` (LearnerLayer::ability under the model
  /// that recorded the last response), kept with it for teachers' views: informational only.
  /// Predictions recompute the ability from the state with the model at hand. 0 while
  /// learner_state is unset.
  double learner_ability = 0.0;

  /// P(known) of a skill. Throws Error (UnknownSkill) if the profile does not track it.
  [[nodiscard]] double mastery(std::string_view skill) const;
  /// The state of a skill, or nullptr.
  [[nodiscard]] const SkillState* find(std::string_view skill) const noexcept;
  /// Estimated recall of a skill at `now`: P(known) decayed by the half-life since the last
  /// practice (P(known) itself before mastery). Throws Error (UnknownSkill) if untracked.
  [[nodiscard]] double recall(std::string_view skill, TimePoint now) const;

  /// The profile document. Learner id included: it is the learner's own data.
  [[nodiscard]] std::string to_json(int indent = -1) const;
  /// Reads a profile document. Throws Error (Parse) for malformed JSON or fields, Error
  /// (Version) for a newer major version (or schema_version).
  [[nodiscard]] static LearnerProfile from_json(std::string_view text,
                                                const std::string& source = "<string>");
  /// from_json() returning the Error instead of throwing it (a profile from a request).
  [[nodiscard]] static Result<LearnerProfile> try_from_json(
      std::string_view text, const std::string& source = "<string>") {
    return try_result([&] { return from_json(text, source); });
  }

  bool operator==(const LearnerProfile& o) const;
  bool operator!=(const LearnerProfile& o) const { return !(*this == o); }
};

/// A new profile with every curriculum skill at its prior. Throws Error (UnknownSkill) if the
/// model lacks a curriculum skill.
[[nodiscard]] PATHWISE_EXPORT LearnerProfile new_profile(std::string learner,
                                                         const Curriculum& curriculum,
                                                         const BktModel& model);

/// Applies one response to `profile`: the BKT update of every skill of the item (each skill is
/// updated independently with the same outcome, exactly as an offline log with the row listed
/// under each skill), counters, streaks, mastery time, review schedule and wheel-spinning flags.
/// Under a model with a learner layer, the profile's learner_state records the response once
/// per skill of the item, in the item's skill order, with BKT's P(correct) of the skill (after
/// time-based forgetting, before the update) as LearnerLayer::update takes it; learner_ability
/// is then the layer's ability of the new state.
/// Returns the ids of the skills changed. Throws Error (InvalidArgument) if `time` is before the
/// profile's last response or the outcome is not 0/1, Error (UnknownItem) for an item index out
/// of range.
std::vector<std::string> apply_response(LearnerProfile& profile, const Curriculum& curriculum,
                                        const BktModel& model, const ProfileRules& rules,
                                        std::uint32_t item, Outcome outcome, TimePoint time);

}  // namespace pathwise
