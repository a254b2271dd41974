#include "pathwise/metrics.hpp"

#include "detail/conjunctive.hpp"
#include "detail/forget_time.hpp"
#include "detail/learner_layer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "detail/random.hpp"
#include "pathwise/json.hpp"

namespace pathwise {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_inputs(const std::vector<double>& p, const std::vector<std::uint8_t>& y) {
  if (p.size() != y.size()) {
    throw Error(ErrorCode::InvalidArgument, std::to_string(p.size()) + " predictions for " +
                                                std::to_string(y.size()) + " outcomes");
  }
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (std::isnan(p[i])) {
      throw Error(ErrorCode::InvalidArgument, "prediction " + std::to_string(i) + " is NaN",
                  Location{"", 0, 0, "prediction"});
    }
    if (y[i] > 1) {
      throw Error(
          ErrorCode::InvalidArgument,
          "outcome " + std::to_string(i) + " is " + std::to_string(y[i]) + ", expected 0 or 1",
          Location{"", 0, 0, "outcome"});
    }
  }
}

}  // namespace

double auc(const std::vector<double>& p, const std::vector<std::uint8_t>& y) {
  check_inputs(p, y);
  const std::size_t n = p.size();
  std::size_t positives = 0;
  for (auto v : y) positives += v;
  const std::size_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  // Mann–Whitney: the rank sum of the positives, with tied predictions sharing their mean rank.
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  double rank_sum = 0.0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    std::size_t pos_in_tie = 0;
    while (j < n && p[idx[j]] == p[idx[i]]) pos_in_tie += y[idx[j++]];
    // Ranks i+1 .. j share the mean rank (i + 1 + j) / 2.
    rank_sum += static_cast<double>(pos_in_tie) * (static_cast<double>(i + 1 + j) / 2.0);
    i = j;
  }
  const double np = static_cast<double>(positives), nn = static_cast<double>(negatives);
  return (rank_sum - np * (np + 1.0) / 2.0) / (np * nn);
}

double rmse(const std::vector<double>& p, const std::vector<std::uint8_t>& y) {
  check_inputs(p, y);
  if (p.empty()) return kNaN;
  double s = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    double d = p[i] - y[i];
    s += d * d;
  }
  return std::sqrt(s / static_cast<double>(p.size()));
}

double accuracy(const std::vector<double>& p, const std::vector<std::uint8_t>& y) {
  check_inputs(p, y);
  if (p.empty()) return kNaN;
  std::size_t hits = 0;
  for (std::size_t i = 0; i < p.size(); ++i) hits += ((p[i] >= 0.5) == (y[i] == 1));
  return static_cast<double>(hits) / static_cast<double>(p.size());
}

double log_loss(const std::vector<double>& p, const std::vector<std::uint8_t>& y) {
  check_inputs(p, y);
  if (p.empty()) return kNaN;
  constexpr double kEps = 1e-15;
  double s = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    double q = std::min(std::max(p[i], kEps), 1.0 - kEps);
    s -= y[i] ? std::log(q) : std::log(1.0 - q);
  }
  return s / static_cast<double>(p.size());
}

Metrics compute_metrics(const std::vector<double>& p, const std::vector<std::uint8_t>& y) {
  Metrics m;
  m.auc = auc(p, y);
  m.rmse = rmse(p, y);
  m.accuracy = accuracy(p, y);
  m.log_loss = log_loss(p, y);
  m.responses = p.size();
  return m;
}

namespace {

/// Forward filtering over every sequence; `before` and `after` (P(known)) are filled when
/// given, `out` (P(correct)) always.
void forward_filter(const BktModel& model, const ResponseLog& log, const EvaluateOptions& options,
                    std::vector<double>& out, std::vector<double>* before,
                    std::vector<double>* after) {
  out.assign(log.size(), kNaN);
  if (before) before->assign(log.size(), kNaN);
  if (after) after->assign(log.size(), kNaN);
  const auto& outcomes = log.outcomes();
  const auto& items = log.items();
  // Per-item guess/slip apply where the model has them; look each item up once.
  std::vector<const ItemParams*> item_params;
  if (model.item_count() > 0 && !items.empty()) {
    item_params.resize(log.item_count(), nullptr);
    for (std::uint32_t i = 0; i < log.item_count(); ++i)
      item_params[i] = model.find_item(log.item_id(i));
  }
  std::vector<const BktParams*> skill_params(log.skill_count(), nullptr);
  for (std::uint32_t k = 0; k < log.skill_count(); ++k) {
    skill_params[k] = model.find_skill(log.skill_name(k));
    if (!skill_params[k] && !options.skip_unknown_skills && log.skill_size(k) > 0) {
      throw Error(ErrorCode::UnknownSkill,
                  "the model has no skill '" + log.skill_name(k) + "' (" +
                      std::to_string(log.skill_size(k)) +
                      " responses); fit it, or skip unknown skills (EvaluateOptions; CLI: "
                      "--skip-unknown-skills)",
                  Location{log.report().source, 0, 0, "skill"});
    }
  }
  if (options.conjunctive) {
    std::vector<double> part;
    detail::conjunctive_filter(log, detail::row_groups(log), skill_params, part, out, before,
                               after);
    return;
  }
  // Forgetting per day, where the model has a rate and the log has times: P(known) decays by
  // (1 - rate)^days between a skill's responses, as the engine applies it.
  const std::vector<double> days =
      model.forget_per_day().empty() ? std::vector<double>() : detail::gap_days(log);
  for (const auto& s : log.sequences()) {
    const BktParams* base = skill_params[s.skill];
    if (!base) continue;
    double rate = 0.0;
    if (!days.empty())
      rate = model.forget_per_day(log.skill_name(s.skill)).value_or(0.0);
    double known = base->prior;
    for (std::uint64_t i = s.begin; i < s.end; ++i) {
      if (rate > 0.0 && i > s.begin) known *= detail::retained(rate, days[i]);
      BktParams p = *base;
      if (!item_params.empty() && items[i] != ResponseLog::kNoItem) {
        const ItemParams* ip = item_params[items[i]];
        if (ip && ip->skill == log.skill_name(s.skill)) {
          p.guess = ip->guess;
          p.slip = ip->slip;
        }
      }
      out[i] = predict_correct(p, known);
      if (before) (*before)[i] = known;
      known = update(p, known, outcomes[i] ? Outcome::Correct : Outcome::Incorrect);
      if (after) (*after)[i] = known;
    }
  }
}

}  // namespace

std::vector<double> predict(const BktModel& model, const ResponseLog& log,
                            const EvaluateOptions& options) {
  std::vector<double> out;
  forward_filter(model, log, options, out, nullptr, nullptr);
  detail::apply_learner_layer(model, log, out, nullptr);
  return out;
}

Predictions predict_states(const BktModel& model, const ResponseLog& log,
                           const EvaluateOptions& options) {
  Predictions p;
  forward_filter(model, log, options, p.correct, &p.known_before, &p.known_after);
  if (model.learner()) {
    p.bkt_correct = p.correct;
    detail::apply_learner_layer(model, log, p.correct, &p.ability);
  }
  return p;
}

Metrics evaluate(const BktModel& model, const ResponseLog& log, const EvaluateOptions& options) {
  std::vector<double> p = predict(model, log, options);
  std::vector<double> kept;
  std::vector<std::uint8_t> y;
  kept.reserve(p.size());
  y.reserve(p.size());
  const auto& outcomes = log.outcomes();
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (std::isnan(p[i])) continue;
    kept.push_back(p[i]);
    y.push_back(outcomes[i]);
  }
  Metrics m = compute_metrics(kept, y);
  m.skipped_unknown_skill = p.size() - kept.size();
  return m;
}

void to_json(nlohmann::json& j, const Metrics& m) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  j = nlohmann::json{{"auc", num(m.auc)},
                     {"rmse", num(m.rmse)},
                     {"accuracy", num(m.accuracy)},
                     {"log_loss", num(m.log_loss)},
                     {"responses", m.responses}};
  if (m.skipped_unknown_skill > 0) j["skipped_unknown_skill"] = m.skipped_unknown_skill;
}

void CrossValidateOptions::validate() const {
  if (folds < 2) {
    throw Error(ErrorCode::InvalidArgument, "folds must be >= 2, got " + std::to_string(folds),
                Location{"", 0, 0, "folds"});
  }
  fit.validate();
}

namespace {

/// The fold of every learner: a Fisher–Yates shuffle with the portable generator, then learners
/// dealt round-robin into folds.
std::vector<int> deal_folds(std::size_t learners, int folds, std::uint64_t seed) {
  std::vector<std::uint32_t> perm(learners);
  std::iota(perm.begin(), perm.end(), 0u);
  detail::SplitMix64 rng(seed);
  for (std::size_t i = learners; i > 1; --i) {
    auto j = static_cast<std::size_t>(rng.next() % i);
    std::swap(perm[i - 1], perm[j]);
  }
  std::vector<int> fold_of(learners);
  for (std::size_t i = 0; i < learners; ++i)
    fold_of[perm[i]] = static_cast<int>(i % static_cast<std::size_t>(folds));
  return fold_of;
}

/// The folds' mean and sample standard deviation, figure by figure; the mean's counts are the
/// folds' totals.
void summarise_folds(CrossValidation& cv) {
  const double folds = static_cast<double>(cv.folds.size());
  auto stat = [&](double Metrics::*field) {
    double s = 0, ss = 0;
    for (const auto& m : cv.folds) s += m.*field;
    double mu = s / folds;
    for (const auto& m : cv.folds) ss += (m.*field - mu) * (m.*field - mu);
    cv.mean.*field = mu;
    cv.sd.*field = std::sqrt(ss / (folds - 1));
  };
  stat(&Metrics::auc);
  stat(&Metrics::rmse);
  stat(&Metrics::accuracy);
  stat(&Metrics::log_loss);
  for (const auto& m : cv.folds) {
    cv.mean.responses += m.responses;
    cv.mean.skipped_unknown_skill += m.skipped_unknown_skill;
  }
}

}  // namespace

CrossValidation cross_validate(const ResponseLog& log, const CrossValidateOptions& options) {
  options.validate();
  const int folds = options.folds;
  const std::size_t learners = log.learner_count();
  if (learners < static_cast<std::size_t>(folds)) {
    throw Error(ErrorCode::InvalidArgument,
                "cannot make " + std::to_string(folds) + " folds from " + std::to_string(learners) +
                    " learners",
                Location{"", 0, 0, "folds"});
  }
  const std::vector<int> fold_of = deal_folds(learners, folds, options.seed);

  CrossValidation cv;
  EvaluateOptions eval;
  eval.skip_unknown_skills = true;
  eval.conjunctive = options.fit.conjunctive;  // evaluated as fitted
  for (int f = 0; f < folds; ++f) {
    std::vector<bool> train(learners), test(learners);
    for (std::size_t i = 0; i < learners; ++i) {
      train[i] = fold_of[i] != f;
      test[i] = fold_of[i] == f;
    }
    BktModel model = fit(log.select_learners(train), options.fit);
    cv.folds.push_back(evaluate(model, log.select_learners(test), eval));
  }
  summarise_folds(cv);
  return cv;
}

CrossValidation cross_validate(const ResponseLog& log, const FitOptions& fit, int folds,
                               std::uint64_t seed) {
  CrossValidateOptions options;
  options.fit = fit;
  options.folds = folds;
  options.seed = seed;
  return cross_validate(log, options);
}

}  // namespace pathwise
