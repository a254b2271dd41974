// The profile update shared by apply_response() and the engine's hot path.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pathwise/profile.hpp"

namespace pathwise::detail {

/// A half-life read back from a profile document or a store row. NaN, negative or infinite is
/// refused (nullopt); a finite one longer than kMaxHalfLifeDays, which earlier versions could
/// write, reads as the cap.
inline std::optional<double> read_half_life(double days) noexcept {
  if (!(days >= 0.0) || std::isinf(days)) return std::nullopt;
  return std::min(days, kMaxHalfLifeDays);
}

/// Checks a response before anything changes. Throws like apply_response().
void check_response(const LearnerProfile& profile, std::size_t item_count, std::uint32_t item,
                    Outcome outcome, TimePoint time);

/// Applies a checked response: `states[k]` is the state of the item's k-th skill,
/// `params[k]` its BKT parameters for this item and `forget_per_day[k]` its forgetting per day
/// (NaN: unset; a null pointer: unset for every skill). With a learner `layer`, `skill_ids[k]`
/// is the k-th skill's id and the profile's learner_state records the response (see
/// apply_response()); a null layer leaves learner_state alone. `learner_skills`, if given, holds
/// for each skill its entry in learner_state.skills, or null: a null one is looked up (created if
/// missing) and written back, so a caller can keep them.
void apply_checked(LearnerProfile& profile, SkillState* const* states, const BktParams* params,
                   const double* forget_per_day, std::size_t skills, const std::string& item_id,
                   const ProfileRules& rules, Outcome outcome, TimePoint time,
                   const LearnerLayer* layer = nullptr, const std::string* skill_ids = nullptr,
                   LearnerState::Skill** learner_skills = nullptr);

/// The "learner_state" object of a profile document (also what the stores keep in their
/// learner_state column): {"responses", "residual_sum", "recent", "recent_slow", "last",
/// "ability", "skills": {id: {"opportunities", "last_seen"}}}.
nlohmann::ordered_json learner_state_json(const LearnerState& state, double ability);

/// Reads a "learner_state" object into `state` and `ability`. Throws Error (Parse) for a
/// missing or ill-typed field, Error (InvalidArgument) for a value out of its domain
/// (a count below 0, |residual_sum| > responses, |recent| > 1, last not -1/0/1, a skill's
/// last_seen or opportunities beyond responses), naming the field under `path`.
void read_learner_state(const nlohmann::json& o, const std::string& path, LearnerState& state,
                        double& ability);

}  // namespace pathwise::detail
