// Pathwise — simulated learners that answer by a BKT model.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pathwise/bkt.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise {

/// Options for simulate_log(). Thread-compatible.
struct SimulateLogOptions {
  /// Learners simulated; each practises every skill of the model. Default: 100.
  std::size_t learners = 100;
  /// Opportunities per learner and skill. Default: 20.
  std::size_t opportunities = 20;
  /// Random seed; the same seed gives the same log. Default: 1.
  std::uint64_t seed = 1;
};

/// Draws a response log from `model`: for each learner and skill, the hidden state starts known
/// with P(prior), each response is correct with P(1 - slip) when known and P(guess) otherwise,
/// then the state moves by learn/forget. Where the model has per-item guess/slip for a skill,
/// each opportunity is a uniformly drawn item of that skill, answered with the item's guess and
/// slip, and the log records the item. Learner ids are "learner-<n>".
/// Throws Error (InvalidArgument) if the model has no skills. Thread-safe: reentrant.
[[nodiscard]] ResponseLog simulate_log(const BktModel& model, const SimulateLogOptions& options);

}  // namespace pathwise
