#include "pathwise/policy_sim.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "detail/random.hpp"
#include "pathwise/json.hpp"
#include "pathwise/profile.hpp"

namespace pathwise {

const char* to_string(SimPolicy p) noexcept {
  switch (p) {
    case SimPolicy::Fixed:
      return "fixed";
    case SimPolicy::Random:
      return "random";
    case SimPolicy::Mastery:
      return "mastery";
    case SimPolicy::Pathwise:
      return "pathwise";
    case SimPolicy::Oracle:
      return "oracle";
  }
  return "unknown";
}

namespace {

void check_count(std::size_t value, std::size_t lo, const char* field) {
  if (value < lo || value > PolicySimulationOptions::kMaxCount) {
    throw Error(ErrorCode::InvalidArgument,
                std::string(field) + " must be in [" + std::to_string(lo) + ", " +
                    std::to_string(PolicySimulationOptions::kMaxCount) + "], got " +
                    std::to_string(value),
                Location{"", 0, 0, field});
  }
}

void check_range(double value, double hi, const char* field) {
  // Written so that NaN fails too.
  if (!(value >= 0.0 && value <= hi)) {
    std::ostringstream s;
    s << field << " must be a finite number in [0, " << hi << "], got " << value;
    throw Error(ErrorCode::InvalidArgument, s.str(), Location{"", 0, 0, field});
  }
}

}  // namespace

void PolicySimulationOptions::validate() const {
  check_count(learners, 1, "learners");
  check_count(max_attempts, 1, "max_attempts");
  check_count(fixed_per_skill, 0, "fixed_per_skill");
  check_range(minutes_per_attempt, kMaxMinutesPerAttempt, "minutes_per_attempt");
  check_range(days_between_sessions, kMaxSimulatedDays, "days_between_sessions");
  check_range(delay_days, kMaxSimulatedDays, "delay_days");
  // Each setting in range can still add up to a span beyond TimePoint: bound the whole run.
  const double attempts = static_cast<double>(max_attempts);
  const double breaks = attempts_per_session > 0
                            ? std::floor(attempts / static_cast<double>(attempts_per_session))
                            : 0.0;
  const double days =
      attempts * minutes_per_attempt / 1440.0 + breaks * days_between_sessions + delay_days;
  if (days > kMaxSimulatedDays) {
    std::ostringstream s;
    s << "the simulated time (max_attempts x minutes_per_attempt, the breaks of "
         "attempts_per_session x days_between_sessions, and delay_days) must stay within "
      << kMaxSimulatedDays << " days, got " << days;
    throw Error(ErrorCode::InvalidArgument, s.str(), Location{"", 0, 0, "max_attempts"});
  }
  population.validate();
  config.validate();
}

namespace {

Estimate estimate(const std::vector<double>& xs) {
  Estimate e;
  if (xs.empty()) return e;
  double sum = 0;
  for (double x : xs) sum += x;
  e.mean = sum / static_cast<double>(xs.size());
  if (xs.size() > 1) {
    double ss = 0;
    for (double x : xs) ss += (x - e.mean) * (x - e.mean);
    e.ci95 =
        1.96 * std::sqrt(ss / static_cast<double>(xs.size() - 1) / static_cast<double>(xs.size()));
  }
  return e;
}

/// Everything the runs share: goal skills, the skills they rest on, in prerequisite order.
struct Setup {
  const Curriculum& c;
  const BktModel& m;           // Pathwise's model (told the forgetting rate)
  const BktModel& baseline_m;  // the random and mastery policies' model, as given
  const PolicySimulationOptions& o;
  std::vector<char> goal;
  std::vector<std::uint32_t> order;  // relevant skills with items, prerequisites first
  std::vector<std::uint32_t> goal_items;
  ProfileRules rules;           // Pathwise's profile update
  ProfileRules baseline_rules;  // the random and mastery policies'
};

class Run {
 public:
  Run(const Setup& s, SimPolicy policy, std::uint64_t index)
      : s_(s),
        policy_(policy),
        learner_(s.c, s.m, s.o.population, index),
        profile_(new_profile("sim-" + std::to_string(index), s.c, s.m)),
        next_item_(s.c.skills().size(), 0),
        rng_(detail::mix_seed(s.o.population.seed, "policy-random", index)) {
    profile_.goals = s.o.goals;
    if (policy == SimPolicy::Fixed) {
      // Steps beyond max_attempts are never taken: the plan stops there.
      for (std::uint32_t sk : s.order)
        for (std::size_t k = 0; k < s.o.fixed_per_skill && plan_.size() < s.o.max_attempts; ++k)
          plan_.push_back(round_robin(sk));
      std::fill(next_item_.begin(), next_item_.end(), 0);
    }
  }

  LearnerRun go(std::vector<double>& curve) {
    LearnerRun r;
    TimePoint t = from_millis(1700000000000);
    learner_.wait_until(t);
    curve[0] += share_known();
    if (all_known()) r.attempts_to_mastery = 0;
    std::size_t step = 0;
    for (; step < s_.o.max_attempts; ++step) {
      std::optional<std::uint32_t> item = choose(t, step);
      if (!item) {
        r.declared_done = true;
        break;
      }
      bool all_skills_known = true;
      for (std::uint32_t sk : s_.c.item_skills(*item))
        all_skills_known = all_skills_known && learner_.knows(sk);
      if (all_skills_known) ++r.over_practice;
      Outcome out = learner_.answer(*item, t);
      if (policy_ == SimPolicy::Pathwise)
        (void)apply_response(profile_, s_.c, s_.m, s_.rules, *item, out, t);
      else
        (void)apply_response(profile_, s_.c, s_.baseline_m, s_.baseline_rules, *item, out, t);
      for (const auto& [id, st] : profile_.skills)
        r.wheel_spinning = r.wheel_spinning || st.wheel_spinning;
      curve[step + 1] += share_known();
      if (r.attempts_to_mastery < 0 && all_known())
        r.attempts_to_mastery = static_cast<long>(step + 1);
      t += std::chrono::milliseconds(static_cast<std::int64_t>(s_.o.minutes_per_attempt * 60000.0));
      if (s_.o.attempts_per_session > 0 && (step + 1) % s_.o.attempts_per_session == 0) {
        t += std::chrono::milliseconds(
            static_cast<std::int64_t>(s_.o.days_between_sessions * 86400000.0));
      }
      if (learner_.quits()) {
        r.dropped_out = true;
        ++step;  // this attempt was made
        break;
      }
    }
    r.attempts = step;
    // A learner who stopped keeps the state reached: the curve holds it.
    const double final_share = share_known();
    for (std::size_t k = step + 1; k < curve.size(); ++k) curve[k] += final_share;
    r.false_mastery = 1.0 - final_share;
    double post = 0;
    for (std::uint32_t it : s_.goal_items) post += learner_.expected_correct(it);
    r.post_test = s_.goal_items.empty() ? 0.0 : post / static_cast<double>(s_.goal_items.size());
    learner_.wait_until(
        t + std::chrono::milliseconds(static_cast<std::int64_t>(s_.o.delay_days * 86400000.0)));
    r.false_mastery_delayed = 1.0 - share_known();
    return r;
  }

 private:
  const Setup& s_;
  SimPolicy policy_;
  SimulatedLearner learner_;
  LearnerProfile profile_;
  std::vector<std::size_t> next_item_;
  std::vector<std::uint32_t> plan_;
  detail::SplitMix64 rng_;

  std::uint32_t round_robin(std::uint32_t skill) {
    const auto& items = s_.c.skill_items(skill);
    return items[next_item_[skill]++ % items.size()];
  }
  double share_known() const {
    std::size_t goals = 0, known = 0;
    for (std::uint32_t sk = 0; sk < s_.goal.size(); ++sk) {
      if (!s_.goal[sk] || s_.c.skill_items(sk).empty()) continue;
      ++goals;
      known += learner_.knows(sk);
    }
    return goals ? static_cast<double>(known) / static_cast<double>(goals) : 1.0;
  }
  bool all_known() const { return share_known() >= 1.0; }
  bool mastered(std::uint32_t sk) const {
    return profile_.mastery(s_.c.skills()[sk].id) >= s_.o.config.rules.mastery_threshold;
  }
  bool goals_mastered() const {
    for (std::uint32_t sk : s_.order)
      if (s_.goal[sk] && !mastered(sk)) return false;
    return true;
  }

  std::optional<std::uint32_t> choose(TimePoint t, std::size_t step) {
    switch (policy_) {
      case SimPolicy::Fixed:
        if (step >= plan_.size()) return std::nullopt;
        return plan_[step];
      case SimPolicy::Random: {
        if (goals_mastered()) return std::nullopt;
        std::vector<std::uint32_t> open;
        for (std::uint32_t sk : s_.order)
          if (!mastered(sk)) open.push_back(sk);
        const auto& items =
            s_.c.skill_items(open[static_cast<std::size_t>(rng_.next() % open.size())]);
        return items[static_cast<std::size_t>(rng_.next() % items.size())];
      }
      case SimPolicy::Mastery:
        if (goals_mastered()) return std::nullopt;
        for (std::uint32_t sk : s_.order)
          if (!mastered(sk)) return round_robin(sk);
        return std::nullopt;
      case SimPolicy::Oracle:
        for (std::uint32_t sk : s_.order)
          if (!learner_.knows(sk)) return round_robin(sk);
        return std::nullopt;
      case SimPolicy::Pathwise: {
        PolicyContext ctx{s_.c, s_.m, s_.o.config};
        auto rec = Sequencer().recommend(ctx, profile_, t);
        if (!rec || rec->reason == Reason::Done || rec->item.empty()) return std::nullopt;
        return *s_.c.item_index(rec->item);
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::vector<PolicyResult> simulate_policies(const Curriculum& curriculum, const BktModel& model,
                                            const std::vector<SimPolicy>& policies,
                                            const PolicySimulationOptions& options) {
  options.validate();
  if (curriculum.items().empty()) {
    throw Error(ErrorCode::InvalidArgument, "the curriculum has no items to practise");
  }
  BktModel told = model;
  if (options.tell_forgetting) {
    for (const auto& [skill, p] : model.skills()) {
      (void)p;
      if (!told.forget_per_day(skill))
        told.set_forget_per_day(skill, std::min(options.population.forget_per_day, 0.999999));
    }
  }
  Setup setup{curriculum, told, model, options, {}, {}, {}, options.config.profile_rules(), {}};
  setup.baseline_rules = setup.rules;
  setup.baseline_rules.conjunctive_update = options.baseline_conjunctive_update;
  // Placement is the sequencer's: the classic tutor's knowledge tracing has none.
  setup.baseline_rules.placement_items = 0;
  const std::size_t n = curriculum.skills().size();
  setup.goal.assign(n, options.goals.empty() ? 1 : 0);
  for (const auto& g : options.goals) {
    auto i = curriculum.skill_index(g);
    if (!i)
      throw Error(ErrorCode::UnknownSkill, "goal '" + g + "' is not a skill of the curriculum");
    setup.goal[*i] = 1;
  }
  const std::vector<char> relevant = curriculum.with_prerequisites(setup.goal);
  for (std::uint32_t s : curriculum.topological_order())
    if (relevant[s] && !curriculum.skill_items(s).empty()) setup.order.push_back(s);
  for (std::uint32_t s = 0; s < n; ++s)
    if (setup.goal[s])
      for (std::uint32_t it : curriculum.skill_items(s)) setup.goal_items.push_back(it);

  std::vector<PolicyResult> out;
  for (SimPolicy policy : policies) {
    PolicyResult res;
    res.policy = policy;
    res.curve.assign(options.max_attempts + 1, 0.0);
    std::vector<double> attempts, fm, fmd, over, post, to_mastery;
    std::vector<double> completed;
    std::size_t wheel = 0, done = 0, dropped = 0;
    for (std::size_t l = 0; l < options.learners; ++l) {
      Run run(setup, policy, l);
      LearnerRun r = run.go(res.curve);
      attempts.push_back(static_cast<double>(r.attempts));
      fm.push_back(r.false_mastery);
      fmd.push_back(r.false_mastery_delayed);
      over.push_back(static_cast<double>(r.over_practice));
      post.push_back(r.post_test);
      if (r.attempts_to_mastery >= 0)
        to_mastery.push_back(static_cast<double>(r.attempts_to_mastery));
      wheel += r.wheel_spinning;
      done += r.declared_done;
      dropped += r.dropped_out;
      completed.push_back(r.declared_done ? 1.0 : 0.0);
      res.learners.push_back(r);
    }
    const double count = static_cast<double>(options.learners);
    for (double& c : res.curve) c /= count;
    res.attempts = estimate(attempts);
    res.false_mastery = estimate(fm);
    res.false_mastery_delayed = estimate(fmd);
    res.over_practice = estimate(over);
    res.post_test = estimate(post);
    res.attempts_to_mastery = estimate(to_mastery);
    res.reached_mastery = static_cast<double>(to_mastery.size()) / count;
    res.wheel_spinning = static_cast<double>(wheel) / count;
    res.declared_done = static_cast<double>(done) / count;
    res.completion = estimate(completed);
    res.dropped_out = static_cast<double>(dropped) / count;
    out.push_back(std::move(res));
  }
  return out;
}

PairedDifference paired_difference(const PolicyResult& a, const PolicyResult& b) {
  if (a.learners.empty() || a.learners.size() != b.learners.size()) {
    throw Error(ErrorCode::InvalidArgument,
                "paired differences need two runs of the same learners, got " +
                    std::to_string(a.learners.size()) + " and " +
                    std::to_string(b.learners.size()) + " learners",
                Location{"", 0, 0, "learners"});
  }
  const std::size_t n = a.learners.size();
  std::vector<double> att(n), fm(n), fmd(n), comp(n);
  for (std::size_t l = 0; l < n; ++l) {
    const LearnerRun &x = a.learners[l], &y = b.learners[l];
    att[l] = static_cast<double>(x.attempts) - static_cast<double>(y.attempts);
    fm[l] = x.false_mastery - y.false_mastery;
    fmd[l] = x.false_mastery_delayed - y.false_mastery_delayed;
    comp[l] = (x.declared_done ? 1.0 : 0.0) - (y.declared_done ? 1.0 : 0.0);
  }
  PairedDifference d;
  d.a = a.policy;
  d.b = b.policy;
  d.learners = n;
  d.attempts = estimate(att);
  d.false_mastery = estimate(fm);
  d.false_mastery_delayed = estimate(fmd);
  d.completion = estimate(comp);
  return d;
}

namespace {

void check_target(double target) {
  if (!(target >= 0.0 && target <= 1.0)) {
    throw Error(ErrorCode::InvalidArgument, "the target false mastery must be in [0, 1]",
                Location{"", 0, 0, "target_false_mastery"});
  }
}

SweepPoint point(double setting, const PolicyResult& r) {
  return SweepPoint{setting, r.attempts, r.false_mastery};
}

}  // namespace

MatchedSweep match_fixed_order(const Curriculum& curriculum, const BktModel& model,
                               const PolicySimulationOptions& options, double target_false_mastery,
                               std::size_t max_per_skill) {
  options.validate();
  check_target(target_false_mastery);
  check_count(max_per_skill, 1, "max_per_skill");
  MatchedSweep sweep;
  PolicySimulationOptions o = options;
  for (std::size_t n = 1; n <= max_per_skill; ++n) {
    o.fixed_per_skill = n;
    PolicyResult r = simulate_policies(curriculum, model, {SimPolicy::Fixed}, o)[0];
    sweep.points.push_back(point(static_cast<double>(n), r));
    if (r.false_mastery.mean <= target_false_mastery) {
      sweep.matched = true;
      sweep.result = std::move(r);
      break;
    }
  }
  return sweep;
}

MatchedSweep match_mastery_tutor(const Curriculum& curriculum, const BktModel& model,
                                 const PolicySimulationOptions& options,
                                 double target_false_mastery, std::size_t steps, double step) {
  options.validate();
  check_target(target_false_mastery);
  if (steps < 1 || steps > 1000) {
    throw Error(ErrorCode::InvalidArgument,
                "steps must be in [1, 1000], got " + std::to_string(steps),
                Location{"", 0, 0, "steps"});
  }
  if (!(step > 0.0 && step < 1.0)) {
    throw Error(ErrorCode::InvalidArgument, "step must be in (0, 1)", Location{"", 0, 0, "step"});
  }
  MatchedSweep sweep;
  PolicySimulationOptions o = options;
  for (std::size_t k = 0; k < steps; ++k) {
    o.config.rules.mastery_threshold =
        options.config.rules.mastery_threshold + step * static_cast<double>(k);
    // A threshold of 1 is never reached by BKT: the search ends below it.
    if (o.config.rules.mastery_threshold > 0.9995) break;
    PolicyResult r = simulate_policies(curriculum, model, {SimPolicy::Mastery}, o)[0];
    sweep.points.push_back(point(o.config.rules.mastery_threshold, r));
    if (r.false_mastery.mean <= target_false_mastery) {
      sweep.matched = true;
      sweep.result = std::move(r);
      break;
    }
  }
  return sweep;
}

TeachableModel without_degenerate_skills(const BktModel& model) {
  TeachableModel out;
  for (const auto& [name, p] : model.skills()) {
    if (p.guess + p.slip >= 1.0) {
      ++out.dropped;
      continue;
    }
    out.model.set_skill(name, p);
    if (auto rate = model.forget_per_day(name)) out.model.set_forget_per_day(name, *rate);
  }
  for (const auto& [id, ip] : model.items())
    if (out.model.find_skill(ip.skill)) out.model.set_item(id, ip);
  return out;
}

void to_json(nlohmann::json& j, const PolicyResult& r) {
  j = {{"attempts", r.attempts.mean},
       {"false_mastery", r.false_mastery.mean},
       {"false_mastery_delayed", r.false_mastery_delayed.mean},
       {"over_practice", r.over_practice.mean},
       {"post_test", r.post_test.mean},
       {"wheel_spinning", r.wheel_spinning},
       {"declared_done", r.declared_done},
       {"completion", r.completion.mean},
       {"dropped_out", r.dropped_out},
       {"ci95",
        {{"attempts", r.attempts.ci95},
         {"false_mastery", r.false_mastery.ci95},
         {"post_test", r.post_test.ci95},
         {"completion", r.completion.ci95}}}};
}

}  // namespace pathwise
