#include "pathwise/learner.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <initializer_list>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "detail/learner_layer.hpp"
#include "pathwise/fit.hpp"

namespace pathwise {

namespace {

constexpr const char* kTermNames[kLearnerTerms] = {
    "bias",          "bkt",   "ability",       "recent",
    "recent_slow",   "last",  "first",         "ability_first",
    "opportunities", "ability_opportunities", "bkt_opportunities", "gap"};

/// BKT's P(correct) as a logit, kept finite: a prediction of exactly 0 or 1 (possible with
/// maximum-likelihood fits) reads as 1e-6 from the edge.
double bkt_logit(double p) {
  p = std::min(std::max(p, 1e-6), 1.0 - 1e-6);
  return std::log(p / (1.0 - p));
}

double sigmoid(double z) {
  return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
}

// Largest weight accepted from a model document: far beyond any fitted value, small enough
// that a sum of terms stays finite.
constexpr double kMaxWeight = 1e6;

void check_finite(double v, double lo, double hi, const std::string& field, const char* what) {
  if (!std::isfinite(v) || v < lo || v > hi) {
    throw Error(ErrorCode::InvalidArgument,
                std::string(what) + ", got " + (std::isfinite(v) ? std::to_string(v) : "NaN/inf"),
                Location{"", 0, 0, field});
  }
}

}  // namespace

const char* to_string(LearnerTerm term) noexcept {
  const auto i = static_cast<std::size_t>(term);
  return i < kLearnerTerms ? kTermNames[i] : "?";
}

double LearnerLayer::ability(const LearnerState& s) const noexcept {
  return s.residual_sum / (static_cast<double>(s.responses) + pseudo_count);
}

LearnerFeatures LearnerLayer::features(const LearnerState& s, std::string_view skill,
                                       double bkt_correct) const {
  std::uint64_t opportunities = 0, since = 0;
  if (auto it = s.skills.find(skill); it != s.skills.end()) {
    opportunities = it->second.opportunities;
    since = s.responses - it->second.last_seen;
  }
  return detail::learner_terms(*this, s.responses, s.residual_sum, s.recent, s.recent_slow,
                               s.last, opportunities, since, bkt_correct);
}

double LearnerLayer::predict(const LearnerState& s, std::string_view skill,
                             double bkt_correct) const {
  const auto it = skills.find(skill);
  return sigmoid(detail::learner_logit(*this, it == skills.end() ? nullptr : &it->second,
                                       features(s, skill, bkt_correct)));
}

void LearnerLayer::update(LearnerState& s, std::string_view skill, double bkt_correct,
                          Outcome outcome) const {
  auto it = s.skills.find(skill);
  if (it == s.skills.end()) it = s.skills.emplace(std::string(skill), LearnerState::Skill{}).first;
  detail::learner_record(*this, s, it->second, bkt_correct, outcome);
}

namespace detail {

void learner_record(const LearnerLayer& layer, LearnerState& s, LearnerState::Skill& entry,
                    double bkt_correct, Outcome outcome) noexcept {
  const double y = outcome == Outcome::Correct ? 1.0 : 0.0;
  const double d = y - bkt_correct;
  s.residual_sum += d;
  s.recent = layer.decay_recent * s.recent + (1.0 - layer.decay_recent) * d;
  s.recent_slow = layer.decay_recent_slow * s.recent_slow + (1.0 - layer.decay_recent_slow) * d;
  s.last = outcome == Outcome::Correct ? 1 : -1;
  s.responses += 1;
  entry.opportunities += 1;
  entry.last_seen = s.responses;
}

}  // namespace detail

namespace {

/// The hyperparameters a layer and its fit options share.
void check_hyper(double pseudo_count, double decay_recent, double decay_recent_slow) {
  check_finite(pseudo_count, 1e-9, 1e9, "learner.pseudo_count",
               "pseudo_count must be a number in (0, 1e9]");
  check_finite(decay_recent, 0.0, 1.0 - 1e-12, "learner.decay_recent",
               "decay_recent must be in [0, 1)");
  check_finite(decay_recent_slow, 0.0, 1.0 - 1e-12, "learner.decay_recent_slow",
               "decay_recent_slow must be in [0, 1)");
}

}  // namespace

void LearnerLayer::validate() const {
  check_hyper(pseudo_count, decay_recent, decay_recent_slow);
  for (std::size_t t = 0; t < kLearnerTerms; ++t)
    check_finite(weights[t], -kMaxWeight, kMaxWeight,
                 std::string("learner.weights.") + kTermNames[t],
                 "a weight must be a finite number of magnitude at most 1e6");
  for (const auto& [name, w] : skills) {
    const std::string at = "learner.skills." + name;
    const char* what = "a weight must be a finite number of magnitude at most 1e6";
    check_finite(w.bias, -kMaxWeight, kMaxWeight, at + ".bias", what);
    check_finite(w.bkt, -kMaxWeight, kMaxWeight, at + ".bkt", what);
    check_finite(w.ability, -kMaxWeight, kMaxWeight, at + ".ability", what);
  }
}

void LearnerFitOptions::set_terms(const std::vector<std::string>& groups) {
  bool a = false, r = false, p = false;
  for (const std::string& g : groups) {
    if (g == "ability") {
      a = true;
    } else if (g == "recency") {
      r = true;
    } else if (g == "practice") {
      p = true;
    } else {
      const std::string shown = g.size() <= 40 ? "'" + g + "'" : std::string("a long name");
      throw Error(ErrorCode::InvalidArgument,
                  "expected ability, recency or practice, got " + shown,
                  Location{"", 0, 0, "learner.terms"});
    }
  }
  ability = a;
  recency = r;
  practice = p;
}

void LearnerFitOptions::validate() const {
  check_hyper(pseudo_count, decay_recent, decay_recent_slow);
  check_finite(l2, 0.0, 1e12, "learner.l2", "l2 must be a number >= 0");
  check_finite(l2_skill, 0.0, 1e12, "learner.l2_skill", "l2_skill must be a number >= 0");
  if (max_iterations < 1 || max_iterations > 10000) {
    throw Error(ErrorCode::InvalidArgument,
                "max_iterations must be from 1 to 10000, got " + std::to_string(max_iterations),
                Location{"", 0, 0, "learner.max_iterations"});
  }
  check_finite(tolerance, 0.0, 1.0, "learner.tolerance", "tolerance must be in [0, 1]");
}

namespace detail {

LearnerFeatures learner_terms(const LearnerLayer& layer, std::uint64_t responses,
                              double residual_sum, double recent, double recent_slow, int last,
                              std::uint64_t opportunities, std::uint64_t since_last,
                              double bkt_correct) noexcept {
  LearnerFeatures x{};
  const double lp = bkt_logit(bkt_correct);
  const double ability = residual_sum / (static_cast<double>(responses) + layer.pseudo_count);
  const double first = opportunities == 0 ? 1.0 : 0.0;
  const double lnop = std::log1p(static_cast<double>(opportunities));
  auto at = [&](LearnerTerm t) -> double& { return x[static_cast<std::size_t>(t)]; };
  at(LearnerTerm::Bias) = 1.0;
  at(LearnerTerm::Bkt) = lp;
  at(LearnerTerm::Ability) = ability;
  at(LearnerTerm::Recent) = recent;
  at(LearnerTerm::RecentSlow) = recent_slow;
  at(LearnerTerm::Last) = static_cast<double>(last);
  at(LearnerTerm::First) = first;
  at(LearnerTerm::AbilityFirst) = ability * first;
  at(LearnerTerm::Opportunities) = lnop;
  at(LearnerTerm::AbilityOpportunities) = ability * lnop;
  at(LearnerTerm::BktOpportunities) = lp * lnop;
  at(LearnerTerm::Gap) = first > 0 ? -1.0 : std::log1p(static_cast<double>(since_last));
  return x;
}

double learner_logit(const LearnerLayer& layer, const LearnerSkillWeights* skill,
                     const LearnerFeatures& x) noexcept {
  double z = 0.0;
  for (std::size_t t = 0; t < kLearnerTerms; ++t) z += layer.weights[t] * x[t];
  if (skill) {
    z += skill->bias + skill->bkt * x[static_cast<std::size_t>(LearnerTerm::Bkt)] +
         skill->ability * x[static_cast<std::size_t>(LearnerTerm::Ability)];
  }
  return z;
}

std::vector<std::uint64_t> learner_order(const ResponseLog& log) {
  // Sequences grouped by learner (counting sort, stable in sequence order).
  const auto& seqs = log.sequences();
  std::vector<std::uint32_t> start(log.learner_count() + 1, 0);
  for (const auto& s : seqs) ++start[s.learner + 1];
  for (std::size_t l = 0; l < log.learner_count(); ++l) start[l + 1] += start[l];
  std::vector<std::uint32_t> by_learner(seqs.size());
  {
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (std::uint32_t i = 0; i < seqs.size(); ++i) by_learner[fill[seqs[i].learner]++] = i;
  }
  const auto& rows = log.rows();
  std::vector<std::uint64_t> order;
  order.reserve(log.size());
  // Per learner: a k-way merge of its sequences by the input position of their next response.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> heads;  // (row, sequence)
  std::vector<std::uint64_t> next(seqs.size());
  for (std::size_t l = 0; l < log.learner_count(); ++l) {
    if (rows.empty()) {
      for (std::uint32_t k = start[l]; k < start[l + 1]; ++k)
        for (auto i = seqs[by_learner[k]].begin; i < seqs[by_learner[k]].end; ++i)
          order.push_back(i);
      continue;
    }
    heads.clear();
    auto later = [](const auto& a, const auto& b) { return a > b; };
    for (std::uint32_t k = start[l]; k < start[l + 1]; ++k) {
      const auto q = by_learner[k];
      next[q] = seqs[q].begin;
      heads.emplace_back(rows[seqs[q].begin], q);
    }
    std::make_heap(heads.begin(), heads.end(), later);
    while (!heads.empty()) {
      std::pop_heap(heads.begin(), heads.end(), later);
      const auto q = heads.back().second;
      heads.pop_back();
      order.push_back(next[q]);
      if (++next[q] < seqs[q].end) {
        heads.emplace_back(rows[next[q]], q);
        std::push_heap(heads.begin(), heads.end(), later);
      }
    }
  }
  return order;
}

namespace {

/// Walks every learner's responses in learner_order(), calling f(response, skill, terms)
/// before recording each; responses where `bkt` is NaN are passed over.
template <typename F>
void walk_learners(const ResponseLog& log, const LearnerLayer& layer,
                   const std::vector<double>& bkt, F&& f) {
  const std::vector<std::uint64_t> order = learner_order(log);
  // Skill of every response, from its sequence.
  std::vector<std::uint32_t> skill_of(log.size());
  std::vector<std::uint32_t> learner_of(log.size());
  for (const auto& s : log.sequences())
    for (auto i = s.begin; i < s.end; ++i) {
      skill_of[i] = s.skill;
      learner_of[i] = s.learner;
    }
  const auto& outcomes = log.outcomes();
  std::vector<std::uint64_t> opportunities(log.skill_count(), 0), last_seen(log.skill_count(), 0);
  std::vector<std::uint32_t> touched;
  std::uint64_t responses = 0;
  double residual_sum = 0, recent = 0, recent_slow = 0;
  int last = 0;
  std::uint32_t learner = 0xffffffffu;
  for (std::uint64_t i : order) {
    if (learner_of[i] != learner) {
      learner = learner_of[i];
      for (std::uint32_t k : touched) opportunities[k] = last_seen[k] = 0;
      touched.clear();
      responses = 0;
      residual_sum = recent = recent_slow = 0.0;
      last = 0;
    }
    const double p = bkt[i];
    if (std::isnan(p)) continue;
    const std::uint32_t k = skill_of[i];
    const LearnerFeatures x =
        learner_terms(layer, responses, residual_sum, recent, recent_slow, last, opportunities[k],
                      responses - last_seen[k], p);
    f(i, k, x);
    // The record step of LearnerLayer::update, on arrays.
    const double d = (outcomes[i] ? 1.0 : 0.0) - p;
    residual_sum += d;
    recent = layer.decay_recent * recent + (1.0 - layer.decay_recent) * d;
    recent_slow = layer.decay_recent_slow * recent_slow + (1.0 - layer.decay_recent_slow) * d;
    last = outcomes[i] ? 1 : -1;
    ++responses;
    if (opportunities[k] == 0) touched.push_back(k);
    ++opportunities[k];
    last_seen[k] = responses;
  }
}

}  // namespace

void apply_learner_layer(const BktModel& model, const ResponseLog& log,
                         std::vector<double>& correct, std::vector<double>* ability) {
  const LearnerLayer* layer = model.learner();
  if (!layer) return;
  std::vector<const LearnerSkillWeights*> sw(log.skill_count(), nullptr);
  for (std::uint32_t k = 0; k < log.skill_count(); ++k) {
    auto it = layer->skills.find(log.skill_name(k));
    if (it != layer->skills.end()) sw[k] = &it->second;
  }
  if (ability) ability->assign(log.size(), std::numeric_limits<double>::quiet_NaN());
  const std::vector<double> bkt = correct;
  walk_learners(log, *layer, bkt, [&](std::uint64_t i, std::uint32_t k, const LearnerFeatures& x) {
    correct[i] = sigmoid(learner_logit(*layer, sw[k], x));
    if (ability) (*ability)[i] = x[static_cast<std::size_t>(LearnerTerm::Ability)];
  });
}

namespace {

constexpr int kSkillDims = 3;  // bias, bkt, ability
using GVec = Eigen::Matrix<double, kLearnerTerms, 1>;
using GMat = Eigen::Matrix<double, kLearnerTerms, kLearnerTerms>;
using SVec = Eigen::Matrix<double, kSkillDims, 1>;
using SMat = Eigen::Matrix<double, kSkillDims, kSkillDims>;
using GSMat = Eigen::Matrix<double, kLearnerTerms, kSkillDims>;

struct Row {
  std::uint32_t skill;
  float y;
  LearnerFeatures x;
};

double log_loss_of(double p, double y) {
  p = std::min(std::max(p, 1e-15), 1.0 - 1e-15);
  return -(y * std::log(p) + (1.0 - y) * std::log1p(-p));
}

SVec skill_terms(const LearnerFeatures& x) {
  return SVec(1.0, x[static_cast<std::size_t>(LearnerTerm::Bkt)],
              x[static_cast<std::size_t>(LearnerTerm::Ability)]);
}

}  // namespace

LearnerLayer fit_learner_layer(const ResponseLog& log, const std::vector<double>& bkt,
                               const LearnerFitOptions& o, LearnerFitReport& report) {
  const auto t0 = std::chrono::steady_clock::now();
  LearnerLayer layer;
  layer.pseudo_count = o.pseudo_count;
  layer.decay_recent = o.decay_recent;
  layer.decay_recent_slow = o.decay_recent_slow;
  std::vector<Row> rows;
  rows.reserve(log.size());
  const auto& outcomes = log.outcomes();
  // Terms of the groups left out are zeroed: their weights then stay 0.
  std::array<bool, kLearnerTerms> keep{};
  keep.fill(true);
  auto drop = [&](std::initializer_list<LearnerTerm> ts) {
    for (LearnerTerm t : ts) keep[static_cast<std::size_t>(t)] = false;
  };
  if (!o.ability)
    drop({LearnerTerm::Ability, LearnerTerm::AbilityFirst, LearnerTerm::AbilityOpportunities});
  if (!o.recency)
    drop({LearnerTerm::Recent, LearnerTerm::RecentSlow, LearnerTerm::Last, LearnerTerm::Gap});
  if (!o.practice)
    drop({LearnerTerm::First, LearnerTerm::Opportunities, LearnerTerm::BktOpportunities});
  walk_learners(log, layer, bkt, [&](std::uint64_t i, std::uint32_t k, LearnerFeatures x) {
    for (std::size_t t = 0; t < kLearnerTerms; ++t)
      if (!keep[t]) x[t] = 0.0;
    rows.push_back(Row{k, outcomes[i] ? 1.0f : 0.0f, x});
  });
  const std::size_t K = log.skill_count();
  // Start at BKT itself: weight 1 on its logit, 0 elsewhere.
  GVec g = GVec::Zero();
  g[static_cast<std::size_t>(LearnerTerm::Bkt)] = 1.0;
  std::vector<SVec> d(K, SVec::Zero());
  std::vector<char> has(K, 0);
  for (const Row& r : rows) has[r.skill] = 1;

  auto objective = [&](const GVec& gw, const std::vector<SVec>& dw) {
    double f = 0.0;
    for (const Row& r : rows) {
      const GVec x = Eigen::Map<const GVec>(r.x.data());
      const double z = gw.dot(x) + dw[r.skill].dot(skill_terms(r.x));
      f += log_loss_of(sigmoid(z), r.y);
    }
    f += 0.5 * o.l2 * gw.squaredNorm();
    for (std::size_t k = 0; k < K; ++k) f += 0.5 * o.l2_skill * dw[k].squaredNorm();
    return f;
  };

  double bkt_loss = 0.0;
  for (const Row& r : rows)
    bkt_loss += log_loss_of(sigmoid(r.x[static_cast<std::size_t>(LearnerTerm::Bkt)]), r.y);
  const double n = static_cast<double>(std::max<std::size_t>(rows.size(), 1));
  double f = objective(g, d);
  report = LearnerFitReport{};
  report.fitted = true;
  report.responses = rows.size();
  report.log_loss_bkt = bkt_loss / n;

  std::vector<SMat> D(K);
  std::vector<GSMat> B(K);
  std::vector<SVec> gd(K);
  for (int it = 1; it <= o.max_iterations; ++it) {
    report.iterations = it;
    // Gradient and Hessian: dense over the global weights, one 3x3 block per skill and the
    // coupling blocks between them.
    GVec gg = o.l2 * g;
    // A tiny ridge keeps the system definite where a term is 0 on every response.
    GMat A = (o.l2 + 1e-9) * GMat::Identity();
    for (std::size_t k = 0; k < K; ++k) {
      D[k] = (o.l2_skill + 1e-9) * SMat::Identity();
      B[k].setZero();
      gd[k] = o.l2_skill * d[k];
    }
    for (const Row& r : rows) {
      const GVec x = Eigen::Map<const GVec>(r.x.data());
      const SVec zt = skill_terms(r.x);
      const double p = sigmoid(g.dot(x) + d[r.skill].dot(zt));
      const double e = p - r.y, w = std::max(p * (1.0 - p), 1e-12);
      gg.noalias() += e * x;
      A.noalias() += w * x * x.transpose();
      gd[r.skill].noalias() += e * zt;
      D[r.skill].noalias() += w * zt * zt.transpose();
      B[r.skill].noalias() += w * x * zt.transpose();
    }
    // Newton step by the Schur complement of the block-diagonal skill part.
    GMat S = A;
    GVec rhs = -gg;
    std::vector<SMat> Dinv(K);
    for (std::size_t k = 0; k < K; ++k) {
      if (!has[k]) continue;
      Dinv[k] = D[k].inverse();
      S.noalias() -= B[k] * Dinv[k] * B[k].transpose();
      rhs.noalias() += B[k] * (Dinv[k] * gd[k]);
    }
    const GVec dg = S.ldlt().solve(rhs);
    std::vector<SVec> dd(K, SVec::Zero());
    for (std::size_t k = 0; k < K; ++k)
      if (has[k]) dd[k] = Dinv[k] * (-gd[k] - B[k].transpose() * dg);
    // Step halving keeps the objective from rising (a safeguard; full steps are the rule).
    double step = 1.0, f_new = f;
    GVec g_new;
    std::vector<SVec> d_new(K);
    for (int h = 0; h < 30; ++h, step *= 0.5) {
      g_new = g + step * dg;
      for (std::size_t k = 0; k < K; ++k) d_new[k] = d[k] + step * dd[k];
      f_new = objective(g_new, d_new);
      if (f_new <= f) break;
    }
    if (!(f_new <= f)) {  // no step lowers it: at the optimum to rounding
      report.converged = true;
      break;
    }
    const double change = f - f_new;
    g = g_new;
    d.swap(d_new);
    f = f_new;
    if (change <= o.tolerance * n) {
      report.converged = true;
      break;
    }
  }
  for (std::size_t t = 0; t < kLearnerTerms; ++t) layer.weights[t] = g[static_cast<Eigen::Index>(t)];
  for (std::size_t k = 0; k < K; ++k) {
    if (!has[k]) continue;
    layer.skills[log.skill_name(static_cast<std::uint32_t>(k))] =
        LearnerSkillWeights{d[k][0], d[k][1], d[k][2]};
  }
  report.skills = layer.skills.size();
  double loss = 0.0;
  for (const Row& r : rows) {
    const GVec x = Eigen::Map<const GVec>(r.x.data());
    loss += log_loss_of(sigmoid(g.dot(x) + d[r.skill].dot(skill_terms(r.x))), r.y);
  }
  report.log_loss = loss / n;
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return layer;
}

}  // namespace detail

}  // namespace pathwise
