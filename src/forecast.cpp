#include "pathwise/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "pathwise/json.hpp"

namespace pathwise {

void ForecastOptions::validate() const {
  auto fail = [](const char* field, const std::string& what) {
    throw Error(ErrorCode::InvalidArgument, std::string(field) + " " + what,
                Location{"", 0, 0, field});
  };
  if (max_attempts < 1 || max_attempts > kMaxAttempts)
    fail("max_attempts", "must be in [1, " + std::to_string(kMaxAttempts) + "], got " +
                             std::to_string(max_attempts));
  // Written so that NaN fails too.
  if (!(low_quantile > 0.0 && low_quantile < 1.0)) fail("low_quantile", "must be in (0, 1)");
  if (!(high_quantile >= low_quantile && high_quantile < 1.0))
    fail("high_quantile", "must be in [low_quantile, 1)");
  if (!(merge_tolerance >= 0.0 && merge_tolerance <= 1e-3))
    fail("merge_tolerance", "must be in [0, 0.001]");
  if (max_states < 1 || max_states > 10000000)
    fail("max_states", "must be in [1, 10000000], got " + std::to_string(max_states));
  if (bins < 16 || bins > 10000000)
    fail("bins", "must be in [16, 10000000], got " + std::to_string(bins));
}

namespace {

struct State {
  double p;     // P(known) before the next attempt
  double mass;  // probability of the outcomes that lead here without mastery so far
};

// Merges neighbours (sorted by p) whose P(known) lie within `tol` of their group's first, into
// their mass-weighted mean: every value of a group is below the threshold, so is the mean.
void merge(std::vector<State>& s, double tol) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < s.size();) {
    const double first = s[i].p;
    double mass = 0.0, weighted = 0.0;
    std::size_t j = i;
    for (; j < s.size() && s[j].p - first <= tol; ++j) {
      mass += s[j].mass;
      weighted += s[j].p * s[j].mass;
    }
    s[out++] = State{mass > 0.0 ? std::min(weighted / mass, s[j - 1].p) : first, mass};
    i = j;
  }
  s.resize(out);
}

}  // namespace

Forecast forecast_mastery(const BktParams& params, double p_known, const ProfileRules& rules,
                          const ForecastOptions& options) {
  params.validate();
  if (!(p_known >= 0.0 && p_known <= 1.0)) {
    std::ostringstream m;
    m << "p_known must be a number in [0, 1], got " << p_known;
    throw Error(ErrorCode::InvalidArgument, m.str(), Location{"", 0, 0, "p_known"});
  }
  const double threshold = rules.mastery_threshold;
  if (!(threshold > 0.0 && threshold <= 1.0)) {
    throw Error(ErrorCode::InvalidArgument, "mastery_threshold must be in (0, 1]",
                Location{"", 0, 0, "mastery_threshold"});
  }
  options.validate();
  Forecast f;
  f.cap = options.max_attempts;
  if (p_known >= threshold) {
    f.low = f.high = 0;
    f.p_within_cap = 1.0;
    return f;
  }
  std::vector<double> pmf(f.cap + 1, 0.0);
  std::vector<State> live{{p_known, 1.0}}, next;
  const std::size_t bins = options.bins;
  bool binned = false;
  std::vector<double> bin_mass(bins, 0.0), bin_p(bins, 0.0);
  std::vector<std::size_t> touched;
  double live_mass = 1.0;
  // Once what has not reached mastery weighs less than kNegligible, it is left beyond the cap:
  // no figure can change by more than that.
  constexpr double kNegligible = 1e-15;
  for (std::uint32_t n = 1; n <= f.cap && live_mass >= kNegligible; ++n) {
    next.clear();
    for (const State& s : live) {
      const double pc = predict_correct(params, s.p);
      for (Outcome o : {Outcome::Correct, Outcome::Incorrect}) {
        const double mass = s.mass * (o == Outcome::Correct ? pc : 1.0 - pc);
        if (!(mass > 0.0)) continue;
        // The very update the profile applies, so the forecast crosses where the profile does.
        const double q = update(params, s.p, o);
        if (q >= threshold)
          pmf[n] += mass;
        else
          next.push_back(State{q, mass});
      }
    }
    if (!binned) {
      std::sort(next.begin(), next.end(), [](const State& a, const State& b) { return a.p < b.p; });
      merge(next, options.merge_tolerance);
      binned = next.size() > options.max_states;
    }
    if (binned) {
      // Too many distinct values to follow one by one: from here on, states whose P(known)
      // fall in one of `bins` equal bins below the threshold become one, at their
      // mass-weighted mean, which keeps E[P(known)] exact and costs O(bins) a step.
      for (const State& st : next) {
        const std::size_t b = std::min(
            bins - 1, static_cast<std::size_t>(st.p / threshold * static_cast<double>(bins)));
        if (bin_mass[b] == 0.0) touched.push_back(b);
        bin_mass[b] += st.mass;
        bin_p[b] += st.p * st.mass;
      }
      next.clear();
      for (std::size_t b : touched) {
        next.push_back(State{bin_p[b] / bin_mass[b], bin_mass[b]});
        bin_mass[b] = bin_p[b] = 0.0;
      }
      touched.clear();
    }
    live.swap(next);
    live_mass = 0.0;
    for (const State& st : live) live_mass += st.mass;
  }
  double within = 0.0, weighted = 0.0;
  for (std::uint32_t n = 1; n <= f.cap; ++n) {
    within += pmf[n];
    weighted += static_cast<double>(n) * pmf[n];
  }
  f.p_within_cap = std::min(1.0, within);
  f.expected = within > 0.0 ? weighted / within : 0.0;
  // A quantile is reached when the running sum comes within rounding of it (sums of products
  // of probabilities are not exact).
  double cdf = 0.0;
  for (std::uint32_t n = 1; n <= f.cap; ++n) {
    cdf += pmf[n];
    if (!f.low && cdf >= options.low_quantile - 1e-12) f.low = n;
    if (!f.high && cdf >= options.high_quantile - 1e-12) f.high = n;
  }
  return f;
}

std::vector<SkillForecast> forecast_goals(const Curriculum& curriculum, const BktModel& model,
                                          const ProfileRules& rules,
                                          const LearnerProfile& profile,
                                          const ForecastOptions& options) {
  options.validate();
  std::vector<char> goal(curriculum.skills().size(), profile.goals.empty() ? 1 : 0);
  for (const auto& g : profile.goals)
    if (auto i = curriculum.skill_index(g)) goal[*i] = 1;
  std::vector<SkillForecast> out;
  for (std::size_t i = 0; i < goal.size(); ++i) {
    if (!goal[i]) continue;
    const std::string& id = curriculum.skills()[i].id;
    const SkillState* st = profile.find(id);
    const BktParams& params = model.skill(id);
    const double pk = st ? st->p_known : params.prior;
    out.push_back(SkillForecast{id, pk, forecast_mastery(params, pk, rules, options)});
  }
  return out;
}

}  // namespace pathwise

namespace pathwise {

void to_json(nlohmann::json& j, const Forecast& f) {
  auto opt = [](const std::optional<std::uint32_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  j = {{"expected", f.p_within_cap > 0.0 ? nlohmann::json(f.expected) : nlohmann::json(nullptr)},
       {"low", opt(f.low)},
       {"high", opt(f.high)},
       {"p_within_cap", f.p_within_cap},
       {"cap", f.cap}};
}

void to_json(nlohmann::json& j, const SkillForecast& f) {
  j = f.forecast;
  j["skill"] = f.skill;
  j["p_known"] = f.p_known;
}

}  // namespace pathwise
