// The built-in sequencer: one function per stage of docs/engine.md "The sequencer", tried in
// order of precedence by Sequencer::recommend.
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "detail/random.hpp"
#include "pathwise/placement.hpp"
#include "pathwise/policy.hpp"

namespace pathwise {

namespace {

std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
/// printf into a string of whatever length it needs (skill names have no length limit, and a
/// cut could fall inside a UTF-8 character).
std::string fmt(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string out(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size() + 1, format, again);
  va_end(again);
  return out;
}

struct Scored {
  std::uint32_t item;
  double p;
  double key;         // purpose: smaller is better
  std::uint64_t tie;  // deterministic tie-break
  double info;        // expected information gain, bits: larger is better
  std::size_t seen;   // 1 = last item seen, 2 = the one before, ...; SIZE_MAX = not recently
};

/// A skill's items ranked for a purpose, best first, and how the ranking narrowed them (for
/// explanations).
struct Ranking {
  std::vector<Scored> items;
  const char* among = "";
};

/// What the stages share for one recommendation: each skill's state and P(known), looked up
/// once, the goals and everything they rest on, and the skill the learner is on.
class Stages {
 public:
  Stages(const PolicyContext& ctx, const LearnerProfile& profile, TimePoint now);

  std::optional<Recommendation> placement() const;
  std::optional<Recommendation> review() const;
  std::optional<Recommendation> prerequisite_check() const;
  std::optional<Recommendation> help() const;
  std::optional<Recommendation> practise() const;
  std::optional<Recommendation> set_aside_help() const;
  Recommendation done() const;

 private:
  bool mastered(std::uint32_t s) const {
    return known_[s] >= rules_.mastery_threshold || settled_[s];
  }
  const char* name(std::uint32_t s) const { return cur_.skills()[s].name.c_str(); }
  bool has_items(std::uint32_t s) const { return !cur_.skill_items(s).empty(); }
  bool open(std::uint32_t s) const;
  double chance_after_more(std::uint32_t s) const;
  double prediction_change(std::uint32_t s) const;
  bool spun_out(std::uint32_t s) const;
  bool stalled(std::uint32_t s) const;
  /// The focus while it is open and not set aside.
  bool on_focus() const { return focus_ && open(*focus_) && !stalled(*focus_); }
  bool practised_lately(std::uint32_t skill, std::size_t stretch) const;
  std::size_t last_seen(const std::string& id) const;
  Ranking rank(std::uint32_t s, Reason why) const;
  Recommendation build(std::uint32_t s, Reason why, std::string explanation,
                       const std::vector<Scored>& ranked) const;
  Recommendation prerequisite_of_goal(std::uint32_t s) const;
  Recommendation practise_skill(std::uint32_t s) const;

  const PolicyContext& ctx_;
  const Curriculum& cur_;
  const PolicyConfig& cfg_;
  const ProfileRules& rules_;
  const LearnerProfile& profile_;
  TimePoint now_;
  std::size_t n_;
  std::vector<const SkillState*> state_;
  std::vector<double> known_;
  std::vector<char> settled_;  // stopped by predictive similarity near mastery
  std::vector<char> goal_;
  std::vector<char> relevant_;  // goals and every skill they rest on
  std::optional<std::uint32_t> focus_;
};

Stages::Stages(const PolicyContext& ctx, const LearnerProfile& profile, TimePoint now)
    : ctx_(ctx),
      cur_(ctx.curriculum),
      cfg_(ctx.config),
      rules_(ctx.config.rules),
      profile_(profile),
      now_(now),
      n_(ctx.curriculum.skills().size()),
      state_(n_),
      known_(n_),
      settled_(n_, 0),
      goal_(n_, 0) {
  for (std::uint32_t s = 0; s < n_; ++s) {
    state_[s] = ctx.skill_states ? ctx.skill_states[s] : profile.find(cur_.skills()[s].id);
    known_[s] = state_[s] ? state_[s]->p_known : ctx.model.skill(cur_.skills()[s].id).prior;
  }
  if (profile.goals.empty()) {
    std::fill(goal_.begin(), goal_.end(), 1);
  } else {
    for (const auto& g : profile.goals)
      if (auto i = cur_.skill_index(g)) goal_[*i] = 1;
  }
  relevant_ = cur_.with_prerequisites(goal_);
  // Predictive similarity near mastery: more practice would not change the prediction.
  if (cfg_.stop_epsilon > 0.0) {
    for (std::uint32_t s = 0; s < n_; ++s) {
      if (relevant_[s] && state_[s] && state_[s]->attempts > 0 && has_items(s) &&
          known_[s] >= cfg_.challenge_above && known_[s] < rules_.mastery_threshold &&
          prediction_change(s) < cfg_.stop_epsilon)
        settled_[s] = 1;
    }
  }
  // The skill practised last, if any: the learner keeps working on it while it is open.
  if (!profile.recent_items.empty()) {
    if (auto i = cur_.item_index(profile.recent_items.back())) {
      for (std::uint32_t s : cur_.item_skills(*i))
        if (relevant_[s]) focus_ = s;
    }
  }
}

bool Stages::open(std::uint32_t s) const {
  if (!relevant_[s] || !has_items(s) || mastered(s)) return false;
  // A prerequisite without items cannot be practised, so it does not gate.
  for (std::uint32_t p : cur_.prerequisites(s))
    if (has_items(p) && !mastered(p)) return false;
  return true;
}

// Set aside: a skill practised wheel_spin_attempts times without mastery which, by the model's
// learn rate, would still more likely be unknown than known after as many attempts again. More
// of the same practice is unlikely to help (wheel-spinning, Beck & Gong 2013); the learner moves
// on and a person is asked to step in.
double Stages::chance_after_more(std::uint32_t s) const {
  const double learn = ctx_.model.skill(cur_.skills()[s].id).learn;
  return 1.0 -
         (1.0 - known_[s]) * std::pow(1.0 - learn, static_cast<double>(rules_.wheel_spin_attempts));
}

// Predictive similarity (Kaeser, Klingler & Gross 2016): the largest change, over the two
// outcomes of one more attempt, of the predicted P(correct) on the skill: BKT's update of
// P(known), then the learner layer's prediction with its state updated by that attempt too.
double Stages::prediction_change(std::uint32_t s) const {
  const std::string& sid = cur_.skills()[s].id;
  const BktParams& p = ctx_.model.skill(sid);
  const double pk = known_[s];
  const double bkt_now = predict_correct(p, pk);
  const LearnerLayer* layer = ctx_.model.learner();
  static const LearnerState kNoResponses;
  const LearnerState& ls = ctx_.learner_state ? *ctx_.learner_state : kNoResponses;
  const double now = layer ? layer->predict(ls, sid, bkt_now) : bkt_now;
  // The layer's prediction for this skill reads the state's running numbers and this skill's
  // entry only: the copy that one more attempt updates holds just those, not every skill's.
  LearnerState base;
  if (layer) {
    base.responses = ls.responses;
    base.residual_sum = ls.residual_sum;
    base.recent = ls.recent;
    base.recent_slow = ls.recent_slow;
    base.last = ls.last;
    if (auto it = ls.skills.find(sid); it != ls.skills.end()) base.skills.insert(*it);
  }
  double change = 0.0;
  for (Outcome o : {Outcome::Correct, Outcome::Incorrect}) {
    const double next_known = transition(p, posterior(p, pk, o));
    double next = predict_correct(p, next_known);
    if (layer) {
      LearnerState after = base;
      layer->update(after, sid, bkt_now, o);
      next = layer->predict(after, sid, next);
    }
    change = std::max(change, std::fabs(next - now));
  }
  return change;
}

// Spun out: help was offered once (help_once) and wheel_spin_attempts more attempts still
// brought no mastery, or practice no longer changes the prediction (stop_epsilon).
bool Stages::spun_out(std::uint32_t s) const {
  const SkillState* st = state_[s];
  if (!st || mastered(s) || st->mastered_at || st->attempts < rules_.wheel_spin_attempts)
    return false;
  if (cfg_.help_once && st->attempts >= 2 * rules_.wheel_spin_attempts && known_[s] < 0.5)
    return true;
  return cfg_.stop_epsilon > 0.0 && prediction_change(s) < cfg_.stop_epsilon;
}

bool Stages::stalled(std::uint32_t s) const {
  const SkillState* st = state_[s];
  return st && !mastered(s) && !st->mastered_at && st->attempts >= rules_.wheel_spin_attempts &&
         (chance_after_more(s) < 0.5 || spun_out(s));
}

/// Whether an item of `skill` is among the learner's last `stretch` items.
bool Stages::practised_lately(std::uint32_t skill, std::size_t stretch) const {
  const auto& r = profile_.recent_items;
  for (std::size_t k = r.size() - stretch; k < r.size(); ++k) {
    if (auto i = cur_.item_index(r[k])) {
      for (std::uint32_t x : cur_.item_skills(*i))
        if (x == skill) return true;
    }
  }
  return false;
}

/// How recently an item was seen: 1 = the last item, 2 = the one before, ...; 0 = not among the
/// profile's recent items.
std::size_t Stages::last_seen(const std::string& id) const {
  const auto& r = profile_.recent_items;
  for (std::size_t k = r.size(); k > 0; --k)
    if (r[k - 1] == id) return r.size() - k + 1;
  return 0;
}

// Items of a skill ranked for a purpose: the most informative about the skill first (expected
// information gain of the answer about known / not known, from the item's guess and slip; the
// CAT criterion of choosing the item that tells most), then by purpose (remediate: easiest,
// challenge: hardest, else P(correct) nearest the target). Preferred: items whose other skills
// are mastered (a multi-skill item should not drag in a skill that is not open yet) and items
// outside the no-repeat window; each preference gives way when no item meets it, and among items
// all seen within the window the one seen longest ago comes first.
Ranking Stages::rank(std::uint32_t s, Reason why) const {
  std::vector<Scored> tiers[4];  // clean & fresh, clean, fresh, any
  const double pk = known_[s];
  for (std::uint32_t i : cur_.skill_items(s)) {
    double pc = item_p_correct(ctx_, i, s, pk);
    double key = why == Reason::Remediate   ? -pc
                 : why == Reason::Challenge ? pc
                                            : std::fabs(pc - cfg_.target_success);
    const std::size_t seen = last_seen(cur_.items()[i].id);
    Scored sc{i,
              pc,
              key,
              detail::mix_seed(cfg_.seed, cur_.items()[i].id, 0),
              item_information(ctx_, i, s, pk),
              seen == 0 ? SIZE_MAX : seen};
    bool clean = true;
    for (std::uint32_t other : cur_.item_skills(i))
      if (other != s && !mastered(other)) clean = false;
    const bool fresh = seen == 0 || seen > cfg_.no_repeat_window;
    if (clean && fresh) tiers[0].push_back(sc);
    if (clean) tiers[1].push_back(sc);
    if (fresh) tiers[2].push_back(sc);
    tiers[3].push_back(sc);
  }
  std::size_t use = 3;
  for (std::size_t t = 0; t < 4; ++t) {
    if (!tiers[t].empty()) {
      use = t;
      break;
    }
  }
  // Tiers 1 and 3 are used only when no item of their kind is fresh.
  const bool oldest_first = use == 1 || use == 3;
  Ranking out;
  out.among = oldest_first ? " (all seen lately: the one seen longest ago)"
              : tiers[use].size() < cur_.skill_items(s).size() ? " of those not just seen"
                                                               : "";
  std::sort(tiers[use].begin(), tiers[use].end(), [&](const Scored& a, const Scored& b) {
    if (oldest_first && a.seen != b.seen) return a.seen > b.seen;
    if (a.info != b.info) return a.info > b.info;
    return a.key != b.key ? a.key < b.key : a.tie < b.tie;
  });
  out.items = std::move(tiers[use]);
  return out;
}

Recommendation Stages::build(std::uint32_t s, Reason why, std::string explanation,
                             const std::vector<Scored>& ranked) const {
  Recommendation r;
  r.skill = cur_.skills()[s].id;
  r.reason = why;
  r.explanation = std::move(explanation);
  r.p_correct = std::numeric_limits<double>::quiet_NaN();
  if (!ranked.empty()) {
    r.item = cur_.items()[ranked[0].item].id;
    r.p_correct = ranked[0].p;
    for (std::size_t k = 1; k < ranked.size() && r.alternatives.size() < cfg_.alternatives; ++k)
      r.alternatives.push_back({cur_.items()[ranked[k].item].id, r.skill, ranked[k].p});
  }
  return r;
}

/// 0. Placement: the diagnostic item placement_status() asks for, while placement is active.
std::optional<Recommendation> Stages::placement() const {
  if (rules_.placement_items == 0 || profile_.responses > rules_.placement_items)
    return std::nullopt;
  const PlacementStatus st = placement_status(cur_, ctx_.model, rules_, profile_);
  if (!st.active) return std::nullopt;
  const std::uint32_t s = st.next_skill;
  const double pk = st.posterior.p_known[s];
  std::string text;
  if (st.answers.empty()) {
    text = fmt("placement: a new learner; %s first, the most informative skill of the goals' "
               "prerequisite graph (P(known) %.2f, %.2f bits)",
               name(s), pk, st.next_bits);
  } else {
    // What the last answer taught about another skill: the one whose P(known) moved most.
    const PlacementAnswer& last = st.answers.back();
    std::optional<std::uint32_t> moved;
    double most = 0.01;
    for (std::uint32_t t = 0; t < n_; ++t) {
      if (!st.domain[t] || t == last.skill) continue;
      const double d = std::fabs(st.posterior.p_known[t] - st.before_last.p_known[t]);
      if (d > most) {
        most = d;
        moved = t;
      }
    }
    const char* how = last.correct ? "correct" : "wrong";
    if (moved) {
      const double p = st.posterior.p_known[*moved];
      const bool up = p > st.before_last.p_known[*moved];
      text = p >= 0.5 && up ? fmt("placement: a %s %s answer suggests %s is known, P = %.2f", how,
                                  name(last.skill), name(*moved), p)
             : p < 0.5 && !up
                 ? fmt("placement: a %s %s answer suggests %s is not known, P(known) = %.2f", how,
                       name(last.skill), name(*moved), p)
                 : fmt("placement: a %s %s answer %s %s to P(known) %.2f", how, name(last.skill),
                       up ? "raises" : "lowers", name(*moved), p);
    } else {
      text = fmt("placement: a %s %s answer puts it at P(known) %.2f", how, name(last.skill),
                 st.posterior.p_known[last.skill]);
    }
    text += fmt("; next %s (P(known) %.2f, %.2f bits)", name(s), pk, st.next_bits);
  }
  text += fmt(", item %zu of at most %u", st.answers.size() + 1, rules_.placement_items);
  Scored sc{st.next_item, item_p_correct(ctx_, st.next_item, s, pk), 0.0, 0, st.next_bits, SIZE_MAX};
  return build(s, Reason::Placement, std::move(text), {sc});
}

/// 1. A review: the mastered skill whose estimated recall fell furthest below the threshold.
std::optional<Recommendation> Stages::review() const {
  std::optional<std::uint32_t> best;
  double best_recall = 2.0;
  for (std::uint32_t s = 0; s < n_; ++s) {
    if (!relevant_[s] || !has_items(s) || !mastered(s)) continue;
    const SkillState* st = state_[s];
    if (!st || st->half_life_days <= 0.0 || !st->last_practice) continue;
    const double r = estimated_recall(*st, now_);
    if (r < rules_.review_threshold && r < best_recall) {
      best = s;
      best_recall = r;
    }
  }
  if (!best) return std::nullopt;
  const double days = days_between(*state_[*best]->last_practice, now_);
  return build(*best, Reason::Review,
               fmt("review: %s last practised %.0f days ago, estimated recall %.2f < %.2f",
                   name(*best), days, best_recall, rules_.review_threshold),
               rank(*best, Reason::Practice).items);
}

/// 2. A prerequisite check: the skill the learner is on makes no progress (still more likely
/// unknown than known after check_prerequisites_after attempts), and the likeliest cause the
/// curriculum knows of is a prerequisite counted as mastered but not known. Its prerequisites
/// not practised during this stretch are checked, weakest first; a wrong answer drops one below
/// mastery and the gate sends the learner back to it.
std::optional<Recommendation> Stages::prerequisite_check() const {
  if (!focus_ || !open(*focus_) || cfg_.check_prerequisites_after == 0) return std::nullopt;
  const SkillState* st = state_[*focus_];
  if (!st || st->mastered_at || st->attempts < cfg_.check_prerequisites_after ||
      !(st->p_known < 0.5))
    return std::nullopt;
  const std::size_t stretch = std::min<std::size_t>(profile_.recent_items.size(), st->attempts);
  std::optional<std::uint32_t> check;
  for (std::uint32_t p : cur_.prerequisites(*focus_)) {
    if (!has_items(p) || practised_lately(p, stretch)) continue;
    if (!check || known_[p] < known_[*check]) check = p;
  }
  if (!check) return std::nullopt;
  return build(*check, Reason::Prerequisite,
               fmt("prerequisite check: %u attempts on %s without mastery (P(known) %.2f); "
                   "checking %s (P(known) %.2f), which it rests on",
                   st->attempts, name(*focus_), st->p_known, name(*check), known_[*check]),
               rank(*check, Reason::Practice).items);
}

/// 3. Help for a wheel-spinning skill the learner is on, while practice still helps.
std::optional<Recommendation> Stages::help() const {
  if (!on_focus()) return std::nullopt;
  const SkillState* st = state_[*focus_];
  if (!st || !st->wheel_spinning) return std::nullopt;
  // Help once: on the attempt that flagged the skill, not on every later one.
  if (cfg_.help_once && st->attempts > rules_.wheel_spin_attempts) return std::nullopt;
  return build(*focus_, Reason::Help,
               fmt("help: %u attempts on %s without mastery (P(known) %.3f < %.2f); a "
                   "teacher's help or a worked example is suggested",
                   st->attempts, name(*focus_), st->p_known, rules_.mastery_threshold),
               rank(*focus_, Reason::Remediate).items);
}

/// 4. The skill to practise: the focus if still open, else the first open skill in prerequisite
/// order, skipping skills set aside.
std::optional<Recommendation> Stages::practise() const {
  std::optional<std::uint32_t> pick;
  if (on_focus()) pick = focus_;
  if (!pick) {
    for (std::uint32_t s : cur_.topological_order()) {
      if (open(s) && !stalled(s)) {
        pick = s;
        break;
      }
    }
  }
  if (!pick) return std::nullopt;
  return goal_[*pick] ? practise_skill(*pick) : prerequisite_of_goal(*pick);
}

/// A prerequisite of a blocked goal: names the first goal that rests on it, directly or through
/// other prerequisites.
Recommendation Stages::prerequisite_of_goal(std::uint32_t s) const {
  std::string needed_by;
  for (std::uint32_t g = 0; g < n_ && needed_by.empty(); ++g)
    if (goal_[g] && !mastered(g) && cur_.rests_on(g, s)) needed_by = name(g);
  if (needed_by.empty()) needed_by = "a goal skill";
  return build(s, Reason::Prerequisite,
               fmt("prerequisite: %s (P(known) %.2f) must reach %.2f before %s", name(s), known_[s],
                   rules_.mastery_threshold, needed_by.c_str()),
               rank(s, Reason::Practice).items);
}

/// A goal skill: remediate, practise or challenge it by its P(known).
Recommendation Stages::practise_skill(std::uint32_t s) const {
  const double pk = known_[s];
  const Reason why = pk < cfg_.remediate_below    ? Reason::Remediate
                     : pk >= cfg_.challenge_above ? Reason::Challenge
                                                  : Reason::Practice;
  const Ranking ranking = rank(s, why);
  const std::vector<Scored>& ranked = ranking.items;
  const char* among = ranking.among;
  const double pc = ranked.empty() ? 0.0 : ranked[0].p;
  // Say what decided the choice: information when the items differ in it, else the purpose.
  bool by_info = !ranked.empty();
  for (std::size_t k = 1; k < ranked.size(); ++k)
    by_info = by_info && ranked[k].info < ranked[0].info;
  const double bits = ranked.empty() ? 0.0 : ranked[0].info;
  std::string text;
  if (why == Reason::Remediate) {
    text = by_info ? fmt("remediate: %s is weak (P(known) %.2f < %.2f); most informative item%s "
                         "(%.2f bits), P(correct) %.2f",
                         name(s), pk, cfg_.remediate_below, among, bits, pc)
                   : fmt("remediate: %s is weak (P(known) %.2f < %.2f); easiest item%s, "
                         "P(correct) %.2f",
                         name(s), pk, cfg_.remediate_below, among, pc);
  } else if (why == Reason::Challenge) {
    text = by_info ? fmt("challenge: %s is nearly mastered (P(known) %.2f); most informative "
                         "item%s (%.2f bits), P(correct) %.2f",
                         name(s), pk, among, bits, pc)
                   : fmt("challenge: %s is nearly mastered (P(known) %.2f); hardest item%s, "
                         "P(correct) %.2f",
                         name(s), pk, among, pc);
  } else {
    text = by_info ? fmt("practice: %s at P(known) %.2f; most informative item%s (%.2f bits), "
                         "P(correct) %.2f",
                         name(s), pk, among, bits, pc)
                   : fmt("practice: %s at P(known) %.2f; item P(correct) %.2f, nearest the %.2f "
                         "target%s",
                         name(s), pk, pc, cfg_.target_success, among);
  }
  if (const LearnerLayer* layer = ctx_.model.learner()) {
    // The learner layer's ability entered P(correct): say how far it moved this learner.
    text += fmt(", learner ability %+.2f",
                ctx_.learner_state ? layer->ability(*ctx_.learner_state) : 0.0);
  }
  return build(s, why, std::move(text), ranked);
}

/// 5. Help without an item: the open skills left are all set aside.
std::optional<Recommendation> Stages::set_aside_help() const {
  for (std::uint32_t s : cur_.topological_order()) {
    if (!open(s) || !stalled(s)) continue;
    const SkillState* st = state_[s];
    if (chance_after_more(s) >= 0.5) {
      const double change = cfg_.stop_epsilon > 0.0 ? prediction_change(s) : 1.0;
      return build(
          s, Reason::Help,
          change < cfg_.stop_epsilon
              ? fmt("help: %u attempts on %s without mastery (P(known) %.2f); one more would "
                    "change its predicted P(correct) by %.3f < %.3f only, so practice stops and "
                    "it is set aside for a teacher's help",
                    st->attempts, name(s), known_[s], change, cfg_.stop_epsilon)
              : fmt("help: %u attempts on %s without mastery (P(known) %.2f), %u of them after "
                    "help was offered; it is set aside for a teacher's help",
                    st->attempts, name(s), known_[s],
                    st->attempts - rules_.wheel_spin_attempts),
          {});
    }
    return build(
        s, Reason::Help,
        fmt("help: %u attempts on %s without mastery (P(known) %.2f); at its learn rate "
            "%u more would leave it known with probability %.2f only, so it is set aside "
            "for a teacher's help",
            st->attempts, name(s), known_[s], rules_.wheel_spin_attempts, chance_after_more(s)),
        {});
  }
  return std::nullopt;
}

/// 6. Done: every goal that can be practised is mastered.
Recommendation Stages::done() const {
  std::size_t goals = 0, without_items = 0;
  double lowest = 1.0;
  std::uint32_t low_skill = 0;
  for (std::uint32_t s = 0; s < n_; ++s) {
    if (!goal_[s]) continue;
    if (!has_items(s)) {
      ++without_items;
      continue;
    }
    ++goals;
    if (known_[s] <= lowest) {
      lowest = known_[s];
      low_skill = s;
    }
  }
  Recommendation r;
  r.reason = Reason::Done;
  r.p_correct = std::numeric_limits<double>::quiet_NaN();
  if (goals == 0) {
    r.explanation = "done: no goal skill has items to practise";
    return r;
  }
  r.skill = cur_.skills()[low_skill].id;
  r.explanation = fmt("done: all %zu goal skills mastered (lowest P(known) %.2f, %s)", goals,
                      lowest, name(low_skill));
  std::size_t settled = 0;
  for (std::uint32_t s = 0; s < n_; ++s) settled += goal_[s] && settled_[s] ? 1 : 0;
  if (settled > 0) {
    r.explanation += fmt("; %zu of them stopped where one more attempt would change the "
                         "predicted P(correct) by less than %.3f",
                         settled, cfg_.stop_epsilon);
  }
  if (without_items > 0) {
    r.explanation += fmt("; %zu goal skills have no items to practise", without_items);
  }
  return r;
}

}  // namespace

std::optional<Recommendation> Sequencer::recommend(const PolicyContext& ctx,
                                                   const LearnerProfile& profile,
                                                   TimePoint now) const {
  if (ctx.curriculum.skills().empty()) return std::nullopt;
  // The learner-layer state from the profile, unless the caller gave one.
  PolicyContext with_state = ctx;
  if (!with_state.learner_state && profile.learner_state)
    with_state.learner_state = &*profile.learner_state;
  const Stages stages(with_state, profile, now);
  if (auto r = stages.placement()) return r;
  if (auto r = stages.review()) return r;
  if (auto r = stages.prerequisite_check()) return r;
  if (auto r = stages.help()) return r;
  if (auto r = stages.practise()) return r;
  if (auto r = stages.set_aside_help()) return r;
  return stages.done();
}

}  // namespace pathwise
