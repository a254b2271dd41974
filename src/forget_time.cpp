#include "detail/forget_time.hpp"

#include <algorithm>
#include <cmath>

#include "detail/scalar_hmm.hpp"

namespace pathwise::detail {

std::vector<double> gap_days(const ResponseLog& log) {
  const auto& times = log.times();
  std::vector<double> days;
  if (times.empty()) return days;
  days.assign(log.size(), 0.0);
  for (const auto& s : log.sequences())
    for (auto i = s.begin + 1; i < s.end; ++i) {
      const std::int64_t a = times[i - 1], b = times[i];
      if (a == ResponseLog::kNoTime || b == ResponseLog::kNoTime || b <= a) continue;
      days[i] = static_cast<double>(b - a) / 86400000.0;
    }
  return days;
}

double retained(double d, double days) noexcept {
  if (d <= 0.0 || days <= 0.0) return 1.0;
  return std::exp(days * std::log1p(-d));
}

TimeStats e_step_time(const ResponseLog& log, const std::vector<std::uint32_t>& sequences,
                      const BktParams& p, double d, const std::vector<double>& days) {
  TimeStats ts;
  EStats& st = ts.base;
  const auto& seqs = log.sequences();
  const auto& outcomes = log.outcomes();
  std::vector<double> e0, e1, keep;
  ScalarHmmScratch w;
  for (std::uint32_t q : sequences) {
    const auto& s = seqs[q];
    const std::size_t n = s.size();
    if (n == 0) continue;
    e0.resize(n);
    e1.resize(n);
    keep.resize(n);
    for (std::size_t t = 0; t < n; ++t) {
      const bool y = outcomes[s.begin + t] != 0;
      e0[t] = y ? p.guess : 1.0 - p.guess;
      e1[t] = y ? 1.0 - p.slip : p.slip;
      keep[t] = t == 0 ? 1.0 : retained(d, days[s.begin + t]);
    }
    st.sequences += 1.0;
    // Into response t: the learn/forget step, then the decay over the days since t - 1.
    st.log_likelihood += scalar_forward_backward(
        n, p.prior, e0, e1,
        [&](std::size_t t, int from) {
          return (from == 0 ? p.learn : 1.0 - p.forget) * keep[t];
        },
        [&](std::size_t t, double g0, double g1) {
          const bool y = outcomes[s.begin + t] != 0;
          st.guess_num += y ? g0 : 0.0;
          st.guess_den += g0;
          st.slip_num += y ? 0.0 : g1;
          st.slip_den += g1;
          if (t == 0) st.init_known += g1;
        },
        [&](std::size_t t, double x00, double x01, double x10, double x11) {
          ts.gaps.push_back(Gap{days[s.begin + t], x00, x01, x10, x11});
        },
        w);
  }
  return ts;
}

namespace {

double safe_log(double x) { return x > 0.0 ? std::log(x) : -1e300; }

}  // namespace

double transition_objective(const std::vector<Gap>& gaps, double learn, double forget,
                            double d) {
  double q = 0.0;
  for (const Gap& g : gaps) {
    const double r = retained(d, g.days);
    const double uk = learn * r, kk = (1.0 - forget) * r;
    if (g.uk > 0) q += g.uk * safe_log(uk);
    if (g.uu > 0) q += g.uu * safe_log(1.0 - uk);
    if (g.kk > 0) q += g.kk * safe_log(kk);
    if (g.ku > 0) q += g.ku * safe_log(1.0 - kk);
  }
  return q;
}

namespace {

/// Golden-section search for the maximum of a unimodal f on [lo, hi]; returns the best of the
/// search and `start`, so the value never falls below f(start).
template <typename F>
double golden(F&& f, double lo, double hi, double start) {
  const double r = 0.5 * (std::sqrt(5.0) - 1.0);
  double a = lo, b = hi;
  double x1 = b - r * (b - a), x2 = a + r * (b - a);
  double f1 = f(x1), f2 = f(x2);
  for (int i = 0; i < 60 && b - a > 1e-10; ++i) {
    if (f1 < f2) {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + r * (b - a);
      f2 = f(x2);
    } else {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - r * (b - a);
      f1 = f(x1);
    }
  }
  const double x = 0.5 * (a + b);
  return f(x) >= f(start) ? x : start;
}

}  // namespace

void m_step_time(const std::vector<Gap>& gaps, BktParams& p, double& d, const FitOptions& o,
                 bool fit_learn) {
  auto log_density = [](const BetaPrior& pr, double x) {
    double v = 0.0;
    if (pr.alpha != 1.0) v += (pr.alpha - 1.0) * safe_log(x);
    if (pr.beta != 1.0) v += (pr.beta - 1.0) * safe_log(1.0 - x);
    return v;
  };
  auto learn_prior = [&](double l) { return log_density(o.priors.learn, l); };
  auto rate_prior = [&](double x) { return log_density(o.forget_per_day_prior, x); };
  for (int round = 0; round < 4; ++round) {
    if (fit_learn) {
      p.learn = golden(
          [&](double l) { return transition_objective(gaps, l, p.forget, d) + learn_prior(l); },
          o.bounds.learn.lo, o.bounds.learn.hi, p.learn);
    }
    d = golden(
        [&](double x) { return transition_objective(gaps, p.learn, p.forget, x) + rate_prior(x); },
        0.0, 0.999, d);
  }
}

}  // namespace pathwise::detail
