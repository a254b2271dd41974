#include "pathwise/policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <ostream>

#include "detail/prerequisites.hpp"
#include "detail/random.hpp"

namespace pathwise {

const char* to_string(Reason r) noexcept {
  switch (r) {
    case Reason::Remediate:
      return "remediate";
    case Reason::Practice:
      return "practice";
    case Reason::Challenge:
      return "challenge";
    case Reason::Review:
      return "review";
    case Reason::Prerequisite:
      return "prerequisite";
    case Reason::Done:
      return "done";
    case Reason::Help:
      return "help";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, Reason r) { return out << to_string(r); }

ProfileRules PolicyConfig::rules() const {
  ProfileRules r;
  r.mastery_threshold = mastery_threshold;
  r.review_threshold = review_threshold;
  r.initial_half_life_days = initial_half_life_days;
  r.half_life_growth = half_life_growth;
  r.wheel_spin_attempts = wheel_spin_attempts;
  r.recent_items = std::max<std::size_t>(20, no_repeat_window);
  r.conjunctive_update = conjunctive_update;
  return r;
}

void PolicyConfig::validate() const {
  auto in01 = [](double v, const char* name, bool open_low) {
    if (!(v <= 1.0 && (open_low ? v > 0.0 : v >= 0.0))) {
      throw Error(ErrorCode::InvalidArgument,
                  std::string(name) + " must be in " + (open_low ? "(0, 1]" : "[0, 1]") + ", got " +
                      (std::isnan(v) ? std::string("NaN") : std::to_string(v)),
                  Location{"", 0, 0, name});
    }
  };
  in01(mastery_threshold, "mastery_threshold", true);
  in01(target_success, "target_success", true);
  in01(remediate_below, "remediate_below", false);
  in01(challenge_above, "challenge_above", false);
  in01(review_threshold, "review_threshold", true);
  if (!(remediate_below <= challenge_above && challenge_above <= mastery_threshold)) {
    throw Error(ErrorCode::InvalidArgument,
                "need remediate_below <= challenge_above <= mastery_threshold",
                Location{"", 0, 0, "challenge_above"});
  }
  if (!(review_threshold < mastery_threshold)) {
    throw Error(ErrorCode::InvalidArgument,
                "review_threshold must be below mastery_threshold, or a skill is due the moment it "
                "is mastered",
                Location{"", 0, 0, "review_threshold"});
  }
  if (!(initial_half_life_days > 0.0 && initial_half_life_days <= kMaxHalfLifeDays)) {
    throw Error(ErrorCode::InvalidArgument,
                "initial_half_life_days must be > 0 and at most " +
                    std::to_string(static_cast<int>(kMaxHalfLifeDays)) + " (100 years)",
                Location{"", 0, 0, "initial_half_life_days"});
  }
  if (!(half_life_growth >= 1.0 && half_life_growth <= kMaxHalfLifeGrowth)) {
    throw Error(ErrorCode::InvalidArgument, "half_life_growth must be from 1 to 100",
                Location{"", 0, 0, "half_life_growth"});
  }
  if (wheel_spin_attempts == 0) {
    throw Error(ErrorCode::InvalidArgument, "wheel_spin_attempts must be >= 1",
                Location{"", 0, 0, "wheel_spin_attempts"});
  }
}

double item_p_correct(const PolicyContext& ctx, std::uint32_t item, std::uint32_t skill,
                      double p_known) {
  const Item& it = ctx.curriculum.items()[item];
  const std::string& sid = ctx.curriculum.skills()[skill].id;
  BktParams p = ctx.model.skill(sid);
  if (const ItemParams* ip = ctx.model.find_item(it.id); ip && ip->skill == sid) {
    p.guess = ip->guess;
    p.slip = ip->slip;
    return predict_correct(p, p_known);
  }
  double pc = predict_correct(p, p_known);
  if (it.difficulty && *it.difficulty != 0.5) {
    // Difficulty moves P(correct) on the logit scale: 0 is easier, 1 harder, 0.5 neutral.
    double q = std::min(std::max(pc, 1e-9), 1.0 - 1e-9);
    double logit = std::log(q / (1.0 - q)) + 2.0 * (0.5 - *it.difficulty);
    pc = 1.0 / (1.0 + std::exp(-logit));
  }
  return pc;
}

double item_information(const PolicyContext& ctx, std::uint32_t item, std::uint32_t skill,
                        double p_known) {
  const std::string& sid = ctx.curriculum.skills()[skill].id;
  BktParams p = ctx.model.params_for(sid, ctx.curriculum.items()[item].id);
  const double pk = std::min(std::max(p_known, 0.0), 1.0);
  const double pc = pk * (1.0 - p.slip) + (1.0 - pk) * p.guess;
  auto h = [](double q) {
    return q <= 0.0 || q >= 1.0 ? 0.0 : -(q * std::log2(q) + (1.0 - q) * std::log2(1.0 - q));
  };
  return std::max(0.0, h(pc) - pk * h(p.slip) - (1.0 - pk) * h(p.guess));
}

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

}  // namespace

std::optional<Recommendation> Sequencer::recommend(const PolicyContext& ctx,
                                                   const LearnerProfile& profile,
                                                   TimePoint now) const {
  const Curriculum& cur = ctx.curriculum;
  const PolicyConfig& cfg = ctx.config;
  const std::size_t n = cur.skills().size();
  if (n == 0) return std::nullopt;

  // Each skill's state and P(known), looked up once.
  std::vector<const SkillState*> state(n);
  std::vector<double> known(n);
  for (std::uint32_t s = 0; s < n; ++s) {
    state[s] = ctx.skill_states ? ctx.skill_states[s] : profile.find(cur.skills()[s].id);
    known[s] = state[s] ? state[s]->p_known : ctx.model.skill(cur.skills()[s].id).prior;
  }
  auto p_known = [&](std::uint32_t s) { return known[s]; };
  auto mastered = [&](std::uint32_t s) { return known[s] >= cfg.mastery_threshold; };
  auto name = [&](std::uint32_t s) { return cur.skills()[s].name.c_str(); };

  // Goals, and everything they rest on.
  std::vector<char> goal(n, 0);
  if (profile.goals.empty()) {
    std::fill(goal.begin(), goal.end(), 1);
  } else {
    for (const auto& g : profile.goals)
      if (auto i = cur.skill_index(g)) goal[*i] = 1;
  }
  const std::vector<char> relevant = detail::with_prerequisites(cur, goal);

  const std::size_t window = cfg.no_repeat_window;
  // How recently an item was seen: 1 = the last item, 2 = the one before, ...; 0 = not among the
  // profile's recent items.
  auto last_seen = [&](const std::string& id) -> std::size_t {
    const auto& r = profile.recent_items;
    for (std::size_t k = r.size(); k > 0; --k)
      if (r[k - 1] == id) return r.size() - k + 1;
    return 0;
  };
  // Items of a skill ranked for a purpose: the most informative about the skill first (expected
  // information gain of the answer about known / not known, from the item's guess and slip; the
  // CAT criterion of choosing the item that tells most), then by purpose (remediate: easiest,
  // challenge: hardest, else P(correct) nearest the target). Preferred: items whose other skills
  // are mastered (a multi-skill item should not drag in a skill that is not open yet) and items
  // outside the no-repeat window; each preference gives way when no item meets it, and among
  // items all seen within the window the one seen longest ago comes first.
  const char* among = "";  // how the last ranking narrowed the items, for explanations
  auto rank = [&](std::uint32_t s, Reason why) {
    std::vector<Scored> tiers[4];  // clean & fresh, clean, fresh, any
    const double pk = p_known(s);
    for (std::uint32_t i : cur.skill_items(s)) {
      double pc = item_p_correct(ctx, i, s, pk);
      double key = why == Reason::Remediate   ? -pc
                   : why == Reason::Challenge ? pc
                                              : std::fabs(pc - cfg.target_success);
      const std::size_t seen = last_seen(cur.items()[i].id);
      Scored sc{i,
                pc,
                key,
                detail::mix_seed(cfg.seed, cur.items()[i].id, 0),
                item_information(ctx, i, s, pk),
                seen == 0 ? SIZE_MAX : seen};
      bool clean = true;
      for (std::uint32_t other : cur.item_skills(i))
        if (other != s && !mastered(other)) clean = false;
      const bool fresh = seen == 0 || seen > window;
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
    among = oldest_first ? " (all seen lately: the one seen longest ago)"
            : tiers[use].size() < cur.skill_items(s).size() ? " of those not just seen"
                                                            : "";
    std::sort(tiers[use].begin(), tiers[use].end(), [&](const Scored& a, const Scored& b) {
      if (oldest_first && a.seen != b.seen) return a.seen > b.seen;
      if (a.info != b.info) return a.info > b.info;
      return a.key != b.key ? a.key < b.key : a.tie < b.tie;
    });
    return std::move(tiers[use]);
  };
  auto build = [&](std::uint32_t s, Reason why, std::string explanation,
                   const std::vector<Scored>& ranked) {
    Recommendation r;
    r.skill = cur.skills()[s].id;
    r.reason = why;
    r.explanation = std::move(explanation);
    r.p_correct = std::numeric_limits<double>::quiet_NaN();
    if (!ranked.empty()) {
      r.item = cur.items()[ranked[0].item].id;
      r.p_correct = ranked[0].p;
      for (std::size_t k = 1; k < ranked.size() && r.alternatives.size() < cfg.alternatives; ++k)
        r.alternatives.push_back({cur.items()[ranked[k].item].id, r.skill, ranked[k].p});
    }
    return r;
  };
  auto has_items = [&](std::uint32_t s) { return !cur.skill_items(s).empty(); };

  // 1. Reviews: mastered skills whose estimated recall fell below the threshold.
  {
    std::optional<std::uint32_t> best;
    double best_recall = 2.0;
    for (std::uint32_t s = 0; s < n; ++s) {
      if (!relevant[s] || !has_items(s) || !mastered(s)) continue;
      const SkillState* st = state[s];
      if (!st || st->half_life_days <= 0.0 || !st->last_practice) continue;
      // Estimated recall, as LearnerProfile::recall().
      double days = std::max(
          0.0, static_cast<double>(to_millis(now) - to_millis(*st->last_practice)) / 86400000.0);
      double r = st->p_known * std::exp2(-days / st->half_life_days);
      if (r < cfg.review_threshold && r < best_recall) {
        best = s;
        best_recall = r;
      }
    }
    if (best) {
      const SkillState* st = state[*best];
      double days =
          st->last_practice
              ? static_cast<double>(to_millis(now) - to_millis(*st->last_practice)) / 86400000.0
              : 0.0;
      return build(*best, Reason::Review,
                   fmt("review: %s last practised %.0f days ago, estimated recall %.2f < %.2f",
                       name(*best), days, best_recall, cfg.review_threshold),
                   rank(*best, Reason::Practice));
    }
  }

  // The skill practised last, if any: the learner keeps working on it while it is open.
  std::optional<std::uint32_t> focus;
  if (!profile.recent_items.empty()) {
    if (auto i = cur.item_index(profile.recent_items.back())) {
      for (std::uint32_t s : cur.item_skills(*i))
        if (relevant[s]) focus = s;
    }
  }
  auto open = [&](std::uint32_t s) {
    if (!relevant[s] || !has_items(s) || mastered(s)) return false;
    // A prerequisite without items cannot be practised, so it does not gate.
    for (std::uint32_t p : cur.prerequisites(s))
      if (has_items(p) && !mastered(p)) return false;
    return true;
  };

  // Set aside: a skill practised wheel_spin_attempts times without mastery which, by the model's
  // learn rate, would still more likely be unknown than known after as many attempts again.
  // More of the same practice is unlikely to help (wheel-spinning, Beck & Gong 2013); the
  // learner moves on and a person is asked to step in.
  auto chance_after_more = [&](std::uint32_t s) {
    const double learn = ctx.model.skill(cur.skills()[s].id).learn;
    return 1.0 -
           (1.0 - known[s]) * std::pow(1.0 - learn, static_cast<double>(cfg.wheel_spin_attempts));
  };
  auto stalled = [&](std::uint32_t s) {
    const SkillState* st = state[s];
    return st && !mastered(s) && !st->mastered_at && st->attempts >= cfg.wheel_spin_attempts &&
           chance_after_more(s) < 0.5;
  };

  // 2. A prerequisite check: the skill the learner is on makes no progress (still more likely
  // unknown than known after check_prerequisites_after attempts), and the likeliest cause the
  // curriculum knows of is a prerequisite counted as mastered but not known. Its prerequisites
  // not practised during this stretch are checked, weakest first; a wrong answer drops one
  // below mastery and the gate sends the learner back to it.
  if (focus && open(*focus) && cfg.check_prerequisites_after > 0) {
    const SkillState* st = state[*focus];
    if (st && !st->mastered_at && st->attempts >= cfg.check_prerequisites_after &&
        st->p_known < 0.5) {
      const std::size_t stretch = std::min<std::size_t>(profile.recent_items.size(), st->attempts);
      auto seen_in_stretch = [&](std::uint32_t p) {
        for (std::size_t k = profile.recent_items.size() - stretch; k < profile.recent_items.size();
             ++k) {
          if (auto i = cur.item_index(profile.recent_items[k])) {
            for (std::uint32_t x : cur.item_skills(*i))
              if (x == p) return true;
          }
        }
        return false;
      };
      std::optional<std::uint32_t> check;
      for (std::uint32_t p : cur.prerequisites(*focus)) {
        if (!has_items(p) || seen_in_stretch(p)) continue;
        if (!check || known[p] < known[*check]) check = p;
      }
      if (check) {
        return build(*check, Reason::Prerequisite,
                     fmt("prerequisite check: %u attempts on %s without mastery (P(known) %.2f); "
                         "checking %s (P(known) %.2f), which it rests on",
                         st->attempts, name(*focus), st->p_known, name(*check), known[*check]),
                     rank(*check, Reason::Practice));
      }
    }
  }

  // 3. Help for a wheel-spinning skill the learner is on, while practice still helps.
  if (focus && open(*focus) && !stalled(*focus)) {
    const SkillState* st = state[*focus];
    if (st && st->wheel_spinning) {
      return build(*focus, Reason::Help,
                   fmt("help: %u attempts on %s without mastery (P(known) %.3f < %.2f); a "
                       "teacher's help or a worked example is suggested",
                       st->attempts, name(*focus), st->p_known, cfg.mastery_threshold),
                   rank(*focus, Reason::Remediate));
    }
  }

  // 3./4. The skill to practise: the focus if still open, else the first open skill in
  // prerequisite order.
  std::optional<std::uint32_t> pick;
  if (focus && open(*focus) && !stalled(*focus)) pick = focus;
  if (!pick) {
    for (std::uint32_t s : cur.topological_order()) {
      if (open(s) && !stalled(s)) {
        pick = s;
        break;
      }
    }
  }
  if (pick) {
    const std::uint32_t s = *pick;
    const double pk = p_known(s);
    if (!goal[s]) {
      // A prerequisite of a blocked goal: name the first goal that rests on it, directly or
      // through other prerequisites.
      auto rests_on = [&](std::uint32_t g) {
        std::vector<char> seen(n, 0);
        std::vector<std::uint32_t> todo(cur.prerequisites(g).begin(), cur.prerequisites(g).end());
        while (!todo.empty()) {
          std::uint32_t x = todo.back();
          todo.pop_back();
          if (x == s) return true;
          if (seen[x]) continue;
          seen[x] = 1;
          for (std::uint32_t p : cur.prerequisites(x)) todo.push_back(p);
        }
        return false;
      };
      std::string needed_by;
      for (std::uint32_t g = 0; g < n && needed_by.empty(); ++g)
        if (goal[g] && !mastered(g) && rests_on(g)) needed_by = name(g);
      if (needed_by.empty()) needed_by = "a goal skill";
      auto ranked = rank(s, Reason::Practice);
      return build(s, Reason::Prerequisite,
                   fmt("prerequisite: %s (P(known) %.2f) must reach %.2f before %s", name(s), pk,
                       cfg.mastery_threshold, needed_by.c_str()),
                   ranked);
    }
    Reason why = pk < cfg.remediate_below    ? Reason::Remediate
                 : pk >= cfg.challenge_above ? Reason::Challenge
                                             : Reason::Practice;
    auto ranked = rank(s, why);
    double pc = ranked.empty() ? 0.0 : ranked[0].p;
    // Say what decided the choice: information when the items differ in it, else the purpose.
    bool by_info = !ranked.empty();
    for (std::size_t k = 1; k < ranked.size(); ++k)
      by_info = by_info && ranked[k].info < ranked[0].info;
    const double bits = ranked.empty() ? 0.0 : ranked[0].info;
    std::string text;
    if (why == Reason::Remediate) {
      text = by_info ? fmt("remediate: %s is weak (P(known) %.2f < %.2f); most informative item%s "
                           "(%.2f bits), P(correct) %.2f",
                           name(s), pk, cfg.remediate_below, among, bits, pc)
                     : fmt("remediate: %s is weak (P(known) %.2f < %.2f); easiest item%s, "
                           "P(correct) %.2f",
                           name(s), pk, cfg.remediate_below, among, pc);
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
                           name(s), pk, pc, cfg.target_success, among);
    }
    return build(s, why, std::move(text), ranked);
  }

  // 5. Help without an item: the open skills left are all set aside.
  for (std::uint32_t s : cur.topological_order()) {
    if (!open(s)) continue;
    const SkillState* st = state[s];
    return build(
        s, Reason::Help,
        fmt("help: %u attempts on %s without mastery (P(known) %.2f); at its learn rate "
            "%u more would leave it known with probability %.2f only, so it is set aside "
            "for a teacher's help",
            st->attempts, name(s), known[s], cfg.wheel_spin_attempts, chance_after_more(s)),
        {});
  }

  // 6. Done: every goal that can be practised is mastered.
  std::size_t goals = 0, without_items = 0;
  double lowest = 1.0;
  std::uint32_t low_skill = 0;
  for (std::uint32_t s = 0; s < n; ++s) {
    if (!goal[s]) continue;
    if (!has_items(s)) {
      ++without_items;
      continue;
    }
    ++goals;
    if (p_known(s) <= lowest) {
      lowest = p_known(s);
      low_skill = s;
    }
  }
  Recommendation done;
  done.reason = Reason::Done;
  done.p_correct = std::numeric_limits<double>::quiet_NaN();
  if (goals == 0) {
    done.explanation = "done: no goal skill has items to practise";
    return done;
  }
  done.skill = cur.skills()[low_skill].id;
  done.explanation = fmt("done: all %zu goal skills mastered (lowest P(known) %.2f, %s)", goals,
                         lowest, name(low_skill));
  if (without_items > 0) {
    done.explanation += fmt("; %zu goal skills have no items to practise", without_items);
  }
  return done;
}

}  // namespace pathwise
