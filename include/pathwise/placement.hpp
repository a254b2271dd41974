// Pathwise — placement: an adaptive diagnostic for a new learner on the goal's prerequisite
// graph, with a posterior over knowledge states (knowledge space theory: a state is a set of
// skills closed under prerequisites).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/export.hpp"
#include "pathwise/profile.hpp"

namespace pathwise {

/// One diagnostic answer: the first response of a learner on a skill, to an item of that skill
/// alone. Value type.
struct PATHWISE_EXPORT PlacementAnswer {
  /// Curriculum skill index.
  std::uint32_t skill = 0;
  bool correct = false;
  /// The item asked (curriculum item index): its guess/slip where the model has them; unset:
  /// the skill's.
  std::optional<std::uint32_t> item;
};

/// P(known) of the skills of a placement given its answers. Value type.
struct PATHWISE_EXPORT PlacementPosterior {
  /// P(known) by curriculum skill index; NaN for skills outside the placement's domain.
  std::vector<double> p_known;
  /// Whether the states were enumerated (exact) or sampled (importance sampling, approximate).
  bool exact = true;
  /// Down-closed states enumerated, summed over the parts of the graph not linked by
  /// prerequisites (each part is independent of the others), plus the samples of parts sampled.
  std::size_t states = 0;
};

/// The posterior over knowledge states of the skills marked in `domain` (by skill index).
/// Every state is down-closed: a skill is known only with each of its prerequisites in the
/// domain known (directly or through skills outside it). Prior: a skill whose prerequisites are
/// known is known with probability `prior[s]`, one whose prerequisites are not is unknown, so a
/// state's prior is the product of prior[s] over its skills and 1 - prior[s] over the skills
/// outside it whose prerequisites it holds (a root keeps its prior as its marginal). An answer
/// on skill s has likelihood 1 - slip / slip when s is known and guess / 1 - guess when not,
/// with the model's parameters of the answer's item (or skill). The parts of the domain not
/// linked by prerequisites are independent and computed one by one: exactly (enumeration) when
/// a part has at most `max_states` down-closed states, else by sequential importance sampling
/// (`samples` draws, deterministic for `seed`; docs/engine.md "Placement" has its measured
/// error). Throws Error (InvalidArgument)
/// for a domain or prior of the wrong size, a prior outside [0, 1], an answer outside the
/// domain, max_states of 0 or samples of 0.
[[nodiscard]] PATHWISE_EXPORT PlacementPosterior placement_posterior(
    const Curriculum& curriculum, const BktModel& model, const std::vector<char>& domain,
    const std::vector<double>& prior, const std::vector<PlacementAnswer>& answers,
    std::size_t max_states = 4096, std::size_t samples = 2000, std::uint64_t seed = 0);

/// Where a learner stands in placement (ProfileRules::placement_items). Value type.
struct PATHWISE_EXPORT PlacementStatus {
  /// Whether placement goes on: the next item is a diagnostic one.
  bool active = false;
  /// Whether every response of the profile (at least one) was a diagnostic answer: the
  /// profile's P(known) are the placement's (detail::apply_placement).
  bool placed = false;
  /// The diagnostic answers given so far, in order (the learner's first responses).
  std::vector<PlacementAnswer> answers;
  /// Skills of the placement: the goals (every skill if none) and what they rest on, with items.
  std::vector<char> domain;
  /// The posterior after `answers`, and before the last of them (empty if none).
  PlacementPosterior posterior;
  PlacementPosterior before_last;
  /// While active: the skill to probe next, its item and the expected information of its
  /// answer about the knowledge state, in bits.
  std::uint32_t next_skill = 0;
  std::uint32_t next_item = 0;
  double next_bits = 0.0;
};

/// The placement of `profile`, replayed from its responses: a pure function of the profile, so
/// every process that holds it agrees. Placement covers a learner's first responses: it starts
/// with a profile without responses and runs while each response so far answered the item it
/// asked for. At each step the next skill is the one whose answer carries the most expected
/// information about the knowledge state (the mutual information of the answer and the state,
/// which is that of the answer and the skill, from its posterior P(known)), among skills of
/// the domain not yet asked with an item of that skill alone; it stops when every domain
/// skill's P(known) is at least placement_confidence or at most 1 - placement_confidence, after
/// placement_items answers, or when no skill is left to ask. Inactive (empty) when
/// rules.placement_items is 0 or the profile has more responses than that.
[[nodiscard]] PATHWISE_EXPORT PlacementStatus placement_status(const Curriculum& curriculum,
                                                               const BktModel& model,
                                                               const ProfileRules& rules,
                                                               const LearnerProfile& profile);

}  // namespace pathwise
