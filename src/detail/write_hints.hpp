// What the engine tells a built-in store about a response write, so that the store need not
// look the changed skills up by name in its own copy of the profile (detail::WriteHints in
// ProfileWrite). Stores written outside the library never see it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "pathwise/learner.hpp"
#include "pathwise/profile.hpp"

namespace pathwise::detail {

struct WriteHints {
  /// Identifies the caller's numbering of skills (the engine's address): a store that keeps an
  /// index by number keeps it for one numbering at a time.
  const void* numbering = nullptr;
  /// Skills in the numbering; numbers[k] < count.
  std::size_t count = 0;
  /// For each of ProfileWrite::changed, in order: its number, its new state in the profile
  /// the update function changed, and (null where unset) its new learner-state entry there.
  const std::uint32_t* numbers = nullptr;
  const SkillState* const* states = nullptr;
  const LearnerState::Skill* const* learner_skills = nullptr;
};

/// Asks the processor to fetch what `p` points to (nothing if null): for data a call is about to
/// touch, while it waits on something else.
inline void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  if (p) __builtin_prefetch(p, 1);
#else
  (void)p;
#endif
}

/// A map node's key and value, as a store's index by skill number keeps them: the key lets the
/// index check that a number still names the skill it was filled for.
using SkillNode = std::pair<const std::string, SkillState>;
using LearnerSkillNode = std::pair<const std::string, LearnerState::Skill>;

}  // namespace pathwise::detail
