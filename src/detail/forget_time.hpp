// Forgetting over elapsed time: BKT whose transition between two responses of a skill also
// forgets with probability 1 - (1 - d)^days (Qiu, Qi, Lu, Pardos & Heffernan 2011), as the
// engine applies a model's forget_per_day. The E-step with those time-varying transitions and
// the M-step of learn and d.
#pragma once

#include <cstdint>
#include <vector>

#include "detail/em_kernel.hpp"
#include "pathwise/bkt.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise::detail {

/// Days between response i - 1 and i of the same sequence (0 where either time is missing or
/// time goes backwards), for every response; empty when the log has no times.
std::vector<double> gap_days(const ResponseLog& log);

/// P(still known) after `days` at forgetting rate `d` per day: (1 - d)^days.
double retained(double d, double days) noexcept;

/// The expected transitions of one gap, with its length in days.
struct Gap {
  double days;
  double uu, uk, ku, kk;  // expected unknown->unknown, unknown->known, ...
};

/// E-step statistics of a time-aware fit: the usual counts (the transition counts are unused)
/// plus every gap's expected transitions.
struct TimeStats {
  EStats base;
  std::vector<Gap> gaps;
};

/// One E-step over the given sequences of a skill: between responses, the learn/forget step of
/// `p`, then forgetting with probability 1 - (1 - d)^days.
TimeStats e_step_time(const ResponseLog& log, const std::vector<std::uint32_t>& sequences,
                      const BktParams& p, double d, const std::vector<double>& days);

/// The objective of learn, forget (per opportunity) and d given a gap's expected transitions:
/// sum over gaps of the expected log transition probabilities.
double transition_objective(const std::vector<Gap>& gaps, double learn, double forget, double d);

/// The M-step of learn and d (forget per opportunity held): coordinate-wise golden-section
/// search on the concave objective plus the log densities of learn's prior and of the rate's
/// (FitOptions::forget_per_day_prior), never below the current value. `fit_learn` false holds learn.
void m_step_time(const std::vector<Gap>& gaps, BktParams& p, double& d, const FitOptions& o,
                 bool fit_learn);

}  // namespace pathwise::detail
