// The record path's part of placement, shared by apply_response() and the engine.
#pragma once

#include "pathwise/placement.hpp"

namespace pathwise {
namespace detail {
/// The record path's part of placement (called after a response was applied): when that
/// response was a diagnostic answer, every domain skill's P(known) becomes its placement
/// posterior (the answered ones followed by one learning transition, as BKT after an
/// opportunity). Returns whether it changed skills other than the item's.
bool apply_placement(LearnerProfile& profile, const Curriculum& curriculum, const BktModel& model,
                     const ProfileRules& rules);
}  // namespace detail

}  // namespace pathwise
