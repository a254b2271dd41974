// Placement: the posterior over down-closed knowledge states (exact by enumeration, or importance
// sampling for large graphs), the replay of a profile's diagnostic answers, and the record
// path's update of P(known).
#include "pathwise/placement.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "detail/placement_update.hpp"
#include "detail/random.hpp"

namespace pathwise {

namespace {

[[noreturn]] void invalid(const std::string& what, const char* field) {
  throw Error(ErrorCode::InvalidArgument, what, Location{"", 0, 0, field});
}

/// The domain in topological order, each skill's nearest domain prerequisites (through skills
/// outside the domain too) and its domain dependents, and the evidence per skill as the
/// likelihoods of its answers when known and when not.
struct Graph {
  std::vector<std::uint32_t> order;             // domain skills, prerequisites first
  std::vector<std::vector<std::uint32_t>> req;  // by position in `order`: positions required
  std::vector<std::vector<std::uint32_t>> dep;  // by position: positions requiring it
  std::vector<double> pi;                       // prior: P(known | prerequisites known)
  std::vector<double> l1, l0;                   // likelihood of the answers, known / unknown
};

Graph make_graph(const Curriculum& cur, const BktModel& model, const std::vector<char>& domain,
                 const std::vector<double>& prior, const std::vector<PlacementAnswer>& answers) {
  const std::size_t n = cur.skills().size();
  Graph g;
  std::vector<std::uint32_t> pos(n, UINT32_MAX);
  // Nearest domain ancestors of every skill, as positions.
  std::vector<std::vector<std::uint32_t>> near(n);
  for (std::uint32_t s : cur.topological_order()) {
    std::vector<std::uint32_t> r;
    for (std::uint32_t p : cur.prerequisites(s)) {
      if (domain[p]) {
        r.push_back(pos[p]);
      } else {
        r.insert(r.end(), near[p].begin(), near[p].end());
      }
    }
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
    if (domain[s]) {
      pos[s] = static_cast<std::uint32_t>(g.order.size());
      g.order.push_back(s);
      g.req.push_back(r);
      // A domain skill's own dependents see it, not what it rests on.
      near[s] = {pos[s]};
    } else {
      near[s] = std::move(r);
    }
  }
  g.dep.resize(g.order.size());
  for (std::uint32_t k = 0; k < g.order.size(); ++k)
    for (std::uint32_t r : g.req[k]) g.dep[r].push_back(k);
  g.pi.resize(g.order.size());
  g.l1.assign(g.order.size(), 1.0);
  g.l0.assign(g.order.size(), 1.0);
  for (std::uint32_t k = 0; k < g.order.size(); ++k) g.pi[k] = prior[g.order[k]];
  for (const PlacementAnswer& a : answers) {
    const std::string& sid = cur.skills()[a.skill].id;
    const BktParams p = a.item ? model.params_for(sid, cur.items()[*a.item].id) : model.skill(sid);
    const std::uint32_t k = pos[a.skill];
    g.l1[k] *= a.correct ? 1.0 - p.slip : p.slip;
    g.l0[k] *= a.correct ? p.guess : 1.0 - p.guess;
  }
  return g;
}

/// Enumerates the down-closed states depth-first in topological order, summing each state's
/// weight into the marginals; false (and nothing usable) once more than `max_states` are found.
class Enumerator {
 public:
  /// `part`: positions of one connected part of the graph, in topological order.
  Enumerator(const Graph& g, const std::vector<std::uint32_t>& part, std::size_t max_states)
      : g_(g), part_(part), max_(max_states), known_(g.order.size(), 0), sum_(g.order.size(), 0.0) {}

  bool run() { return visit(0, 0.0); }
  std::size_t states() const { return states_; }
  double marginal(std::size_t k) const { return total_ > 0.0 ? sum_[k] / total_ : 0.0; }

 private:
  // Log weights, with the sums kept relative to the largest weight seen (no underflow on long
  // chains).
  bool visit(std::size_t i, double logw) {
    if (i == part_.size()) {
      if (++states_ > max_) return false;
      add(logw);
      return true;
    }
    const std::uint32_t k = part_[i];
    bool ready = true;
    for (std::uint32_t r : g_.req[k]) ready = ready && known_[r];
    // Not ready: unknown for certain (prior factor 1). Ready: known with its prior.
    const double w0 = (ready ? 1.0 - g_.pi[k] : 1.0) * g_.l0[k];
    if (w0 > 0.0) {
      known_[k] = 0;
      if (!visit(i + 1, logw + std::log(w0))) return false;
    }
    const double w1 = g_.pi[k] * g_.l1[k];
    if (ready && w1 > 0.0) {
      known_[k] = 1;
      if (!visit(i + 1, logw + std::log(w1))) return false;
      known_[k] = 0;
    }
    return true;
  }
  void add(double logw) {
    if (logw > top_) {
      const double f = std::exp(top_ - logw);
      total_ *= f;
      for (double& v : sum_) v *= f;
      top_ = logw;
    }
    const double w = std::exp(logw - top_);
    total_ += w;
    for (std::uint32_t k : part_)
      if (known_[k]) sum_[k] += w;
  }

  const Graph& g_;
  const std::vector<std::uint32_t>& part_;
  std::size_t max_;
  std::vector<char> known_;
  std::vector<double> sum_;
  double total_ = 0.0;
  double top_ = -std::numeric_limits<double>::infinity();
  std::size_t states_ = 0;
};

/// Sequential importance sampling over down-closed states: each sample walks the part in
/// topological order; a skill whose prerequisites are known is drawn from its own posterior
/// (prior and its answers' likelihood), and the sample's weight takes what that draw left out
/// (the normaliser of the draw, or the likelihood of "unknown" for a skill not ready). The
/// proposal holds every down-closed state with positive prior, so the weighted average
/// converges to the posterior; unlike single-site Gibbs it is not trapped in one mode when the
/// answers contradict each other (a wrong root and a correct skill resting on it).
std::vector<double> sampled(const Graph& g, const std::vector<std::uint32_t>& part,
                            std::size_t samples, std::uint64_t seed) {
  const std::size_t m = g.order.size();
  std::vector<char> known(m, 0);
  std::vector<double> sum(m, 0.0);
  detail::SplitMix64 rng(seed ^ 0x706c6163656d656eull);
  // Two passes over the same draws (same seed): the largest log weight, then the sums.
  double top = -std::numeric_limits<double>::infinity(), total = 0.0;
  for (int pass = 0; pass < 2; ++pass) {
    detail::SplitMix64 r = rng;
    for (std::size_t n = 0; n < samples; ++n) {
      double logw = 0.0;
      for (std::uint32_t k : part) {
        bool ready = true;
        for (std::uint32_t q : g.req[k]) ready = ready && known[q];
        if (!ready) {
          known[k] = 0;
          logw += std::log(g.l0[k]);
          (void)r.next();
          continue;
        }
        const double w1 = g.pi[k] * g.l1[k], z = w1 + (1.0 - g.pi[k]) * g.l0[k];
        known[k] = r.uniform() * z < w1 ? 1 : 0;
        logw += std::log(z);
      }
      if (pass == 0) {
        top = std::max(top, logw);
        continue;
      }
      const double w = std::exp(logw - top);
      total += w;
      for (std::uint32_t k : part)
        if (known[k]) sum[k] += w;
    }
  }
  for (double& v : sum) v = total > 0.0 && std::isfinite(top) ? v / total : 0.0;
  return sum;
}

/// Whether every domain skill's P(known) is at least `c` or at most 1 - c.
bool certain(const PlacementPosterior& post, const std::vector<char>& domain, double c) {
  for (std::size_t s = 0; s < domain.size(); ++s)
    if (domain[s] && post.p_known[s] < c && post.p_known[s] > 1.0 - c) return false;
  return true;
}

}  // namespace

PlacementPosterior placement_posterior(const Curriculum& cur, const BktModel& model,
                                       const std::vector<char>& domain,
                                       const std::vector<double>& prior,
                                       const std::vector<PlacementAnswer>& answers,
                                       std::size_t max_states, std::size_t samples,
                                       std::uint64_t seed) {
  const std::size_t n = cur.skills().size();
  if (domain.size() != n) invalid("domain must have one entry per curriculum skill", "domain");
  if (prior.size() != n) invalid("prior must have one entry per curriculum skill", "prior");
  for (std::size_t s = 0; s < n; ++s)
    if (domain[s] && !(prior[s] >= 0.0 && prior[s] <= 1.0))
      invalid("prior of skill '" + cur.skills()[s].id + "' must be in [0, 1]", "prior");
  for (const PlacementAnswer& a : answers) {
    if (a.skill >= n || !domain[a.skill])
      invalid("a placement answer is on a skill outside the domain", "answers");
    if (a.item && *a.item >= cur.items().size())
      invalid("a placement answer names an item out of range", "answers");
  }
  if (max_states == 0) invalid("placement_exact_states must be >= 1", "placement_exact_states");
  if (samples == 0) invalid("placement_samples must be >= 1", "placement_samples");
  const Graph g = make_graph(cur, model, domain, prior, answers);
  PlacementPosterior out;
  out.p_known.assign(n, std::numeric_limits<double>::quiet_NaN());
  out.exact = true;
  // The parts of the graph not linked by prerequisites are independent: each is enumerated
  // (or sampled) alone.
  const std::size_t m = g.order.size();
  std::vector<std::uint32_t> root(m);
  for (std::uint32_t k = 0; k < m; ++k) root[k] = k;
  auto find = [&](std::uint32_t k) {
    while (root[k] != k) k = root[k] = root[root[k]];
    return k;
  };
  for (std::uint32_t k = 0; k < m; ++k)
    for (std::uint32_t r : g.req[k]) root[find(k)] = find(r);
  std::vector<std::vector<std::uint32_t>> parts(m);
  for (std::uint32_t k = 0; k < m; ++k) parts[find(k)].push_back(k);  // topological order kept
  for (const auto& part : parts) {
    if (part.empty()) continue;
    Enumerator e(g, part, max_states);
    if (e.run()) {
      out.states += e.states();
      for (std::uint32_t k : part) out.p_known[g.order[k]] = e.marginal(k);
      continue;
    }
    const std::vector<double> q = sampled(g, part, samples, seed);
    out.exact = false;
    out.states += samples;
    for (std::uint32_t k : part) out.p_known[g.order[k]] = q[k];
  }
  return out;
}

PlacementStatus placement_status(const Curriculum& cur, const BktModel& model,
                                 const ProfileRules& rules, const LearnerProfile& profile) {
  PlacementStatus st;
  const std::size_t n = cur.skills().size();
  if (rules.placement_items == 0 || profile.responses > rules.placement_items || n == 0)
    return st;
  std::vector<char> goal(n, 0);
  if (profile.goals.empty()) {
    std::fill(goal.begin(), goal.end(), 1);
  } else {
    for (const auto& id : profile.goals)
      if (auto i = cur.skill_index(id)) goal[*i] = 1;
  }
  st.domain = cur.with_prerequisites(goal);
  std::vector<double> prior(n, 0.0);
  bool any = false;
  for (std::uint32_t s = 0; s < n; ++s) {
    if (cur.skill_items(s).empty()) st.domain[s] = 0;
    if (!st.domain[s]) continue;
    any = true;
    prior[s] = model.skill(cur.skills()[s].id).prior;
  }
  if (!any) return st;
  std::vector<char> asked(n, 0);
  for (;;) {
    PlacementPosterior post =
        placement_posterior(cur, model, st.domain, prior, st.answers, rules.placement_exact_states,
                            rules.placement_samples, 0);
    if (!st.answers.empty()) st.before_last = std::move(st.posterior);
    st.posterior = std::move(post);
    const bool all_consumed = st.answers.size() == profile.responses;
    st.placed = all_consumed && !st.answers.empty();
    if (st.answers.size() >= rules.placement_items ||
        certain(st.posterior, st.domain, rules.placement_confidence))
      return st;
    // The next skill: most information about the state, among skills with an item of their own.
    double best = -1.0;
    std::uint32_t best_skill = 0, best_item = 0;
    for (std::uint32_t s : cur.topological_order()) {
      if (!st.domain[s] || asked[s]) continue;
      const std::string& sid = cur.skills()[s].id;
      const double pk = st.posterior.p_known[s];
      // Without per-item parameters the items of a skill tie: the first of its own is taken.
      const bool per_item = model.item_count() > 0;
      const BktParams shared = model.skill(sid);
      for (std::uint32_t i : cur.skill_items(s)) {
        if (cur.item_skills(i).size() != 1) continue;
        const BktParams p = per_item ? model.params_for(sid, cur.items()[i].id) : shared;
        const double bits = answer_information(p, pk);
        if (bits > best) {
          best = bits;
          best_skill = s;
          best_item = i;
        }
        if (!per_item) break;
      }
    }
    if (best < 0.0) return st;
    if (all_consumed) {
      st.active = true;
      st.next_skill = best_skill;
      st.next_item = best_item;
      st.next_bits = best;
      return st;
    }
    // The learner's next response must have answered it: then it is the skill's only one.
    const SkillState* ss = profile.find(cur.skills()[best_skill].id);
    if (!ss || ss->attempts != 1) {
      st.placed = false;
      return st;
    }
    asked[best_skill] = 1;
    st.answers.push_back({best_skill, ss->correct == 1, best_item});
  }
}

namespace detail {

bool apply_placement(LearnerProfile& profile, const Curriculum& cur, const BktModel& model,
                     const ProfileRules& rules) {
  if (rules.placement_items == 0 || profile.responses > rules.placement_items) return false;
  const PlacementStatus st = placement_status(cur, model, rules, profile);
  if (!st.placed) return false;
  std::vector<char> answered(cur.skills().size(), 0);
  for (const PlacementAnswer& a : st.answers) answered[a.skill] = 1;
  for (std::uint32_t s = 0; s < cur.skills().size(); ++s) {
    if (!st.domain[s]) continue;
    const std::string& sid = cur.skills()[s].id;
    double p = st.posterior.p_known[s];
    if (answered[s]) p = transition(model.skill(sid), p);
    profile.skills[sid].p_known = std::min(std::max(p, 0.0), 1.0);
  }
  return true;
}

}  // namespace detail

}  // namespace pathwise
