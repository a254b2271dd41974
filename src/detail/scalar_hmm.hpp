// A scaled forward–backward pass over one two-state sequence with emissions and transitions
// that vary per step: the scalar core of the E-steps whose emissions or transitions depend on
// more than the skill's parameters (conjunctive rows, forgetting over days).
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace pathwise::detail {

/// Buffers reused across sequences.
struct ScalarHmmScratch {
  std::vector<double> a0, a1, c;
};

/// States 0 unknown, 1 known. `e0[t]`, `e1[t]`: P(observation t | state); `to_known(t, from)`:
/// P(known at t | `from` at t - 1), for t >= 1. Calls `emit(t, g0, g1)` with the posterior of
/// each state at t, and `step(t, x00, x01, x10, x11)` with the expected transitions from t - 1
/// to t, backwards from the last step. Returns the sequence's log-likelihood.
template <typename ToKnown, typename Emit, typename Step>
double scalar_forward_backward(std::size_t n, double prior, const std::vector<double>& e0,
                               const std::vector<double>& e1, ToKnown&& to_known, Emit&& emit,
                               Step&& step, ScalarHmmScratch& w) {
  w.a0.resize(n);
  w.a1.resize(n);
  w.c.resize(n);
  double ll = 0.0;
  double u = (1.0 - prior) * e0[0], k = prior * e1[0];
  for (std::size_t t = 0;; ++t) {
    w.c[t] = u + k;
    w.a0[t] = u / w.c[t];
    w.a1[t] = k / w.c[t];
    ll += std::log(w.c[t]);
    if (t + 1 == n) break;
    const double uk = to_known(t + 1, 0), kk = to_known(t + 1, 1);
    u = (w.a0[t] * (1.0 - uk) + w.a1[t] * (1.0 - kk)) * e0[t + 1];
    k = (w.a0[t] * uk + w.a1[t] * kk) * e1[t + 1];
  }
  double b0 = 1.0, b1 = 1.0;
  for (std::size_t t = n; t-- > 0;) {
    emit(t, w.a0[t] * b0, w.a1[t] * b1);
    if (t == 0) break;
    const double uk = to_known(t, 0), kk = to_known(t, 1);
    const double w0 = e0[t] * b0 / w.c[t], w1 = e1[t] * b1 / w.c[t];
    step(t, w.a0[t - 1] * (1.0 - uk) * w0, w.a0[t - 1] * uk * w1, w.a1[t - 1] * (1.0 - kk) * w0,
         w.a1[t - 1] * kk * w1);
    b0 = (1.0 - uk) * w0 + uk * w1;
    b1 = (1.0 - kk) * w0 + kk * w1;
  }
  return ll;
}

}  // namespace pathwise::detail
