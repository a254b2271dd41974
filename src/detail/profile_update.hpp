// The profile update shared by apply_response() and the engine's hot path.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
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
/// (NaN: unset; a null pointer: unset for every skill).
void apply_checked(LearnerProfile& profile, SkillState* const* states, const BktParams* params,
                   const double* forget_per_day, std::size_t skills, const std::string& item_id,
                   const ProfileRules& rules, Outcome outcome, TimePoint time);

}  // namespace pathwise::detail
