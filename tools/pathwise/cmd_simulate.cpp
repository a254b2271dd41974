// pathwise simulate: policies compared on simulated learners (the figures of
// docs/policy-evaluation.md).
#include <cmath>
#include <fstream>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"
#include "pathwise/json.hpp"

namespace pathwise::cli {

namespace {

/// The largest N of the fixed order's sweep.
constexpr std::size_t kMaxFixedPerSkill = 60;

/// The course to simulate: the built-in one, or one made from --model (and --curriculum).
SyntheticCourse course_of(const Args& a, std::ostream& err) {
  SyntheticCourse course = synthetic_course();
  if (a.value("--curriculum") && !a.value("--model")) {
    throw UsageError("--curriculum needs --model");
  }
  if (!a.value("--model")) return course;
  course.model = load_model(a);
  if (a.value("--curriculum")) {
    course.curriculum = Curriculum::load(*a.value("--curriculum"));
    return course;
  }
  // A course made from the model leaves out the skills no policy can teach, and says so.
  TeachableModel usable = without_degenerate_skills(course.model);
  if (usable.dropped > 0) {
    err << "left out " << usable.dropped << " of " << course.model.skill_count()
        << " skills whose guess + slip >= 1 (answers carry no evidence of knowing)\n";
  }
  if (usable.model.skill_count() == 0) {
    throw Error(ErrorCode::InvalidArgument, "the model has no skill with guess + slip < 1",
                Location{*a.value("--model"), 0, 0, ""});
  }
  course.model = std::move(usable.model);
  course.curriculum = course_from_model(course.model);
  return course;
}

PolicySimulationOptions simulation_options(const Args& a) {
  PolicySimulationOptions o;
  if (auto v = a.value("--learners"))
    o.learners = static_cast<std::size_t>(parse_int("--learners", *v, 1, 10000000));
  if (auto v = a.value("--seed"))
    o.population.seed = static_cast<std::uint64_t>(parse_int("--seed", *v, 0, 0x7fffffffffffffffL));
  if (auto v = a.value("--max-attempts"))
    o.max_attempts = static_cast<std::size_t>(parse_int("--max-attempts", *v, 1, 100000));
  if (auto v = a.value("--forget-per-day"))
    o.population.forget_per_day = parse_unit("--forget-per-day", *v);
  if (auto v = a.value("--prerequisite-factor"))
    o.population.prerequisite_factor = parse_unit("--prerequisite-factor", *v);
  if (auto v = a.value("--concentration")) {
    o.population.concentration = parse_double("--concentration", *v);
    if (o.population.concentration < 0) throw UsageError("--concentration must be >= 0");
  }
  PopulationOptions& pop = o.population;
  if (auto v = a.value("--prior-correlation")) {
    pop.prior_correlation = parse_unit("--prior-correlation", *v);
    if (pop.prior_correlation >= 1.0) throw UsageError("--prior-correlation must be below 1");
  }
  auto spread = [&](const char* name, double& field) {
    if (auto v = a.value(name)) {
      field = parse_double(name, *v);
      if (!(field >= 0.0 && field <= 10.0))
        throw UsageError(std::string(name) + " must be in [0, 10]");
    }
  };
  spread("--learn-sd", pop.learn_sd);
  spread("--guess-slip-sd", pop.guess_slip_sd);
  if (auto v = a.value("--ability-level-correlation")) {
    pop.ability_level_correlation = parse_double("--ability-level-correlation", *v);
    if (!(std::fabs(pop.ability_level_correlation) <= 1.0))
      throw UsageError("--ability-level-correlation must be in [-1, 1]");
  }
  if (auto v = a.value("--quit-base")) pop.quit_base = parse_unit("--quit-base", *v);
  if (auto v = a.value("--quit-per-failure"))
    pop.quit_per_failure = parse_unit("--quit-per-failure", *v);
  if (auto v = a.value("--quit-per-easy")) pop.quit_per_easy = parse_unit("--quit-per-easy", *v);
  if (auto v = a.value("--easy-run"))
    pop.easy_run = static_cast<std::size_t>(parse_int("--easy-run", *v, 0, 1000000));
  if (a.flag("--varied-learners")) {
    // One documented population for docs/policy-evaluation.md; explicit options still win.
    if (!a.value("--prior-correlation")) pop.prior_correlation = 0.5;
    if (!a.value("--learn-sd")) pop.learn_sd = 0.5;
    if (!a.value("--guess-slip-sd")) pop.guess_slip_sd = 0.3;
    if (!a.value("--ability-level-correlation")) pop.ability_level_correlation = 0.5;
    if (!a.value("--quit-base")) pop.quit_base = 0.001;
    if (!a.value("--quit-per-failure")) pop.quit_per_failure = 0.005;
    if (!a.value("--quit-per-easy")) pop.quit_per_easy = 0.005;
  }
  o.baseline_conjunctive_update = a.flag("--conjunctive-baselines");
  o.tell_forgetting = !a.flag("--hide-forgetting");
  o.config.rules.conjunctive_update = !a.flag("--classic-pathwise");
  if (auto v = a.value("--placement"))
    o.config.rules.placement_items = static_cast<std::uint32_t>(parse_int("--placement", *v, 0, 64));
  if (auto v = a.value("--placement-confidence"))
    o.config.rules.placement_confidence = parse_unit("--placement-confidence", *v);
  if (auto v = a.value("--stop-epsilon")) o.config.stop_epsilon = parse_unit("--stop-epsilon", *v);
  o.config.help_once = a.flag("--help-once");
  if (auto v = a.value("--goals")) {
    std::stringstream ss(*v);
    for (std::string g; std::getline(ss, g, ',');)
      if (!g.empty()) o.goals.push_back(g);
  }
  return o;
}

std::vector<SimPolicy> chosen_policies(const std::string& which) {
  std::vector<SimPolicy> policies;
  for (SimPolicy p : {SimPolicy::Fixed, SimPolicy::Random, SimPolicy::Mastery, SimPolicy::Pathwise,
                      SimPolicy::Oracle}) {
    if (which == "all" || which == to_string(p)) policies.push_back(p);
  }
  if (policies.empty()) {
    throw UsageError("--policy must be fixed, random, mastery, pathwise, oracle or all, got '" +
                     which + "'");
  }
  return policies;
}

/// Everything one simulate run measured.
struct Comparison {
  PolicySimulationOptions options;    // as run (fixed_per_skill as chosen)
  std::vector<PolicyResult> results;  // in the order of the policies asked for
  std::optional<MatchedSweep> fixed_sweep, tutor_sweep;
  /// Pathwise minus each other policy, learner by learner, and minus the tutor at the matched
  /// threshold ("mastery-matched") when its sweep matched.
  std::vector<std::pair<std::string, PairedDifference>> paired;
};

/// Pathwise's paired differences against the other policies run, and the matched tutor.
void add_paired(Comparison& c) {
  const PolicyResult* pw = nullptr;
  for (const auto& r : c.results)
    if (r.policy == SimPolicy::Pathwise) pw = &r;
  if (!pw) return;
  if (c.tutor_sweep && c.tutor_sweep->matched)
    c.paired.emplace_back("mastery-matched", paired_difference(*pw, *c.tutor_sweep->result));
  for (const auto& r : c.results)
    if (r.policy != SimPolicy::Pathwise)
      c.paired.emplace_back(to_string(r.policy), paired_difference(*pw, r));
}

/// Runs the policies. With 'all', Pathwise runs first and the fixed order (unless
/// --fixed-per-skill is given) and the mastery tutor are then searched for its false mastery.
Comparison compare(const SyntheticCourse& course, const Args& a, std::ostream& err) {
  Comparison c{simulation_options(a), {}, std::nullopt, std::nullopt, {}};
  PolicySimulationOptions& o = c.options;
  const std::string which = a.value("--policy").value_or("all");
  const std::vector<SimPolicy> policies = chosen_policies(which);
  std::optional<PolicyResult> pathwise_run;
  if (which == "all")
    pathwise_run = simulate_policies(course.curriculum, course.model, {SimPolicy::Pathwise}, o)[0];
  if (auto v = a.value("--fixed-per-skill")) {
    o.fixed_per_skill = static_cast<std::size_t>(parse_int("--fixed-per-skill", *v, 1, 10000));
  } else if (pathwise_run) {
    const double target = pathwise_run->false_mastery.mean;
    c.fixed_sweep =
        match_fixed_order(course.curriculum, course.model, o, target, kMaxFixedPerSkill);
    if (c.fixed_sweep->matched) {
      o.fixed_per_skill = static_cast<std::size_t>(c.fixed_sweep->points.back().setting);
    } else {
      o.fixed_per_skill = kMaxFixedPerSkill;
      err << "no fixed N up to " << kMaxFixedPerSkill << " reaches pathwise's false mastery "
          << fixed(target, 3) << "; using " << kMaxFixedPerSkill << "\n";
    }
  }
  if (pathwise_run) {
    c.tutor_sweep =
        match_mastery_tutor(course.curriculum, course.model, o, pathwise_run->false_mastery.mean);
  }
  std::vector<SimPolicy> to_run;
  for (SimPolicy p : policies)
    if (!(pathwise_run && p == SimPolicy::Pathwise)) to_run.push_back(p);
  std::vector<PolicyResult> ran = simulate_policies(course.curriculum, course.model, to_run, o);
  for (std::size_t k = 0, r = 0; k < policies.size(); ++k) {
    if (pathwise_run && policies[k] == SimPolicy::Pathwise)
      c.results.push_back(std::move(*pathwise_run));
    else
      c.results.push_back(std::move(ran[r++]));
  }
  add_paired(c);
  return c;
}

void write_csv(const std::string& path, const std::vector<PolicyResult>& rs) {
  std::ofstream f(path);
  if (!f) throw Error(ErrorCode::Io, "cannot create file", Location{path, 0, 0, ""});
  f << "policy,learner,attempts,declared_done,false_mastery,false_mastery_delayed,over_practice,"
       "post_test,wheel_spinning,attempts_to_mastery,"
       "dropped_out\n";
  for (const auto& r : rs)
    for (std::size_t l = 0; l < r.learners.size(); ++l) {
      const LearnerRun& x = r.learners[l];
      f << to_string(r.policy) << ',' << l + 1 << ',' << x.attempts << ',' << x.declared_done << ','
        << x.false_mastery << ',' << x.false_mastery_delayed << ',' << x.over_practice << ','
        << x.post_test << ',' << x.wheel_spinning << ',' << x.attempts_to_mastery << ','
        << x.dropped_out << '\n';
    }
  if (!f) throw Error(ErrorCode::Io, "failed writing", Location{path, 0, 0, ""});
}

/// Mastery-over-attempts curves, one polyline per policy.
std::string curves_svg(const std::vector<PolicyResult>& rs) {
  const double w = 720, h = 420, left = 60, right = 150, top = 30, bottom = 50;
  std::size_t n = 0;
  for (const auto& r : rs) n = std::max(n, r.curve.size());
  // Show attempts up to where every curve has flattened (all learners stopped or capped).
  std::size_t last = 1;
  for (const auto& r : rs)
    for (std::size_t k = 1; k < r.curve.size(); ++k)
      if (r.curve[k] != r.curve[k - 1]) last = std::max(last, k);
  const double xmax = static_cast<double>(std::min(n - 1, last + 5));
  const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << left << "\" y=\"18\">Share of goal skills truly known, by attempt</text>\n";
  auto X = [&](double k) { return left + (w - left - right) * k / xmax; };
  auto Y = [&](double v) { return top + (h - top - bottom) * (1.0 - v); };
  for (int i = 0; i <= 10; i += 2) {
    double v = i / 10.0;
    s << "<line x1=\"" << left << "\" x2=\"" << w - right << "\" y1=\"" << Y(v) << "\" y2=\""
      << Y(v) << "\" stroke=\"#ddd\"/><text x=\"" << left - 8 << "\" y=\"" << Y(v) + 4
      << "\" text-anchor=\"end\">" << v << "</text>\n";
  }
  for (int i = 0; i <= 5; ++i) {
    double k = xmax * i / 5.0;
    s << "<text x=\"" << X(k) << "\" y=\"" << h - bottom + 18 << "\" text-anchor=\"middle\">"
      << static_cast<long>(k) << "</text>\n";
  }
  s << "<text x=\"" << (left + w - right) / 2 << "\" y=\"" << h - 12
    << "\" text-anchor=\"middle\">attempts</text>\n";
  for (std::size_t p = 0; p < rs.size(); ++p) {
    const char* c = colours[p % 5];
    s << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"2\" points=\"";
    for (std::size_t k = 0; k < rs[p].curve.size() && k <= static_cast<std::size_t>(xmax); ++k)
      s << X(static_cast<double>(k)) << "," << Y(rs[p].curve[k]) << " ";
    s << "\"/>\n<text x=\"" << w - right + 10 << "\" y=\""
      << top + 20 + 18.0 * static_cast<double>(p) << "\" fill=\"" << c << "\">"
      << to_string(rs[p].policy) << " (" << fixed(rs[p].attempts.mean, 1) << " attempts)</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

void print_json(std::ostream& out, const Comparison& c) {
  nlohmann::json j;
  j["learners"] = c.options.learners;
  j["seed"] = c.options.population.seed;
  j["fixed_per_skill"] = c.options.fixed_per_skill;
  if (c.fixed_sweep && !c.fixed_sweep->points.empty()) {
    nlohmann::json sweep = nlohmann::json::array();
    for (const SweepPoint& p : c.fixed_sweep->points)
      sweep.push_back({{"n", static_cast<std::size_t>(p.setting)},
                       {"attempts", p.attempts.mean},
                       {"false_mastery", p.false_mastery.mean}});
    j["fixed_sweep"] = std::move(sweep);
  }
  nlohmann::json ps = nlohmann::json::object();
  for (const auto& r : c.results) ps[to_string(r.policy)] = r;
  j["policies"] = std::move(ps);
  if (c.tutor_sweep && !c.tutor_sweep->points.empty()) {
    nlohmann::json sweep = nlohmann::json::array();
    for (const SweepPoint& p : c.tutor_sweep->points)
      sweep.push_back({{"threshold", p.setting},
                       {"attempts", p.attempts.mean},
                       {"false_mastery", p.false_mastery.mean}});
    j["mastery_sweep"] = std::move(sweep);
    if (c.tutor_sweep->matched) {
      const PolicyResult& m = *c.tutor_sweep->result;
      j["mastery_matched"] = {
          {"threshold", c.tutor_sweep->points.back().setting},
          {"attempts", m.attempts.mean},
          {"false_mastery", m.false_mastery.mean},
          {"ci95", {{"attempts", m.attempts.ci95}, {"false_mastery", m.false_mastery.ci95}}}};
    }
  }
  if (!c.paired.empty()) {
    nlohmann::json paired = nlohmann::json::object();
    auto est = [](const Estimate& e) { return nlohmann::json{{"mean", e.mean}, {"ci95", e.ci95}}; };
    for (const auto& [name, d] : c.paired)
      paired[name] = {{"learners", d.learners},
                      {"attempts", est(d.attempts)},
                      {"false_mastery", est(d.false_mastery)},
                      {"false_mastery_delayed", est(d.false_mastery_delayed)},
                      {"completion", est(d.completion)}};
    j["paired_pathwise_minus"] = std::move(paired);
  }
  out << j.dump() << "\n";
}

void print_sweeps(std::ostream& out, const Comparison& c) {
  if (c.fixed_sweep && !c.fixed_sweep->points.empty()) {
    out << "fixed order sweep (items per skill -> attempts, false mastery):";
    for (const SweepPoint& p : c.fixed_sweep->points)
      out << "  " << static_cast<std::size_t>(p.setting) << " -> " << fixed(p.attempts.mean, 1)
          << ", " << fixed(p.false_mastery.mean, 3);
    out << "\nfixed order uses N = " << c.options.fixed_per_skill
        << " (smallest reaching pathwise's false mastery)\n\n";
  }
  if (c.tutor_sweep && !c.tutor_sweep->points.empty()) {
    out << "mastery tutor sweep (threshold -> attempts, false mastery):";
    for (const SweepPoint& p : c.tutor_sweep->points)
      out << "  " << fixed(p.setting, 3) << " -> " << fixed(p.attempts.mean, 1) << ", "
          << fixed(p.false_mastery.mean, 3);
    if (c.tutor_sweep->matched) {
      const PolicyResult& m = *c.tutor_sweep->result;
      out << "\nmastery tutor at pathwise's false mastery: threshold "
          << fixed(c.tutor_sweep->points.back().setting, 3) << ", " << fixed(m.attempts.mean, 1)
          << " +- " << fixed(m.attempts.ci95, 1) << " attempts\n\n";
    } else {
      out << "\nno tutor threshold up to 0.995 reaches pathwise's false mastery\n\n";
    }
  }
}

void print_table(std::ostream& out, const Comparison& c) {
  print_sweeps(out, c);
  out << std::left << std::setw(10) << "policy" << std::right << std::setw(18) << "attempts"
      << std::setw(20) << "false mastery" << std::setw(20) << "after 30 days" << std::setw(16)
      << "over-practice" << std::setw(18) << "post-test" << std::setw(14) << "wheel-spin"
      << std::setw(18) << "completion"
      << "\n";
  auto pm = [&](const Estimate& e, int d) { return fixed(e.mean, d) + " +- " + fixed(e.ci95, d); };
  for (const auto& r : c.results) {
    out << std::left << std::setw(10) << to_string(r.policy) << std::right << std::setw(18)
        << pm(r.attempts, 1) << std::setw(20) << pm(r.false_mastery, 3) << std::setw(20)
        << pm(r.false_mastery_delayed, 3) << std::setw(16) << fixed(r.over_practice.mean, 1)
        << std::setw(18) << pm(r.post_test, 3) << std::setw(14) << fixed(r.wheel_spinning, 3)
        << std::setw(18) << pm(r.completion, 3) << "\n";
  }
  if (!c.paired.empty()) {
    out << "\npaired differences, pathwise minus (same learners; mean +- 95% CI):\n"
        << std::left << std::setw(17) << "policy" << std::right << std::setw(18) << "attempts"
        << std::setw(20) << "false mastery" << std::setw(20) << "after 30 days" << std::setw(20)
        << "completion"
        << "\n";
    for (const auto& [name, d] : c.paired)
      out << std::left << std::setw(17) << name << std::right << std::setw(18) << pm(d.attempts, 1)
          << std::setw(20) << pm(d.false_mastery, 3) << std::setw(20)
          << pm(d.false_mastery_delayed, 3) << std::setw(20) << pm(d.completion, 3) << "\n";
  }
  out << "(" << c.options.learners << " learners per policy, seed " << c.options.population.seed
      << ")\n";
}

int run_simulate(const Args& a, Io& io) {
  const SyntheticCourse course = course_of(a, io.err);
  const Comparison c = compare(course, a, io.err);
  if (auto path = a.value("--csv")) write_csv(*path, c.results);
  if (auto path = a.value("--svg")) {
    std::ofstream f(*path);
    f << curves_svg(c.results);
    if (!f) throw Error(ErrorCode::Io, "cannot write file", Location{*path, 0, 0, ""});
  }
  if (a.flag("--json"))
    print_json(io.out, c);
  else
    print_table(io.out, c);
  return kOk;
}

const OptionGroup kSimulateOwn{
    nullptr,
    {{"--policy", "P", "fixed, random, mastery, pathwise, oracle or all (default all)"},
     {"--learners", "N", "learners per policy (default 1000)"},
     {"--seed", "S", "population seed (default 1)"},
     {"--model", "FILE", "model document; per-item guess/slip are used when present", "-m"},
     {"--curriculum", "FILE",
      "curriculum document (with --model); without it, each model skill is a course skill with "
      "the model's items, or 3 items of its own (skills whose guess + slip >= 1 are left out)"},
     {"--goals", "a,b", "goal skills (default: all)"},
     {"--max-attempts", "N", "cap per learner (default 400)"},
     {"--fixed-per-skill", "N",
      "items per skill of the fixed order (default: with 'all', the smallest N up to 60 "
      "reaching pathwise's false mastery; the sweep is printed). With 'all', the mastery "
      "tutor's threshold is also raised from 0.95 in steps of 0.005 until it reaches "
      "pathwise's false mastery, and that sweep is printed"},
     {"--forget-per-day", "X",
      "chance per day that a known skill is forgotten (default 0); the sequencer is told it for "
      "skills whose model has no forget_per_day"},
     {"--hide-forgetting", nullptr,
      "... unless this is given: it then spaces reviews by its own schedule"},
     {"--concentration", "K",
      "spread of learners around the model, Beta concentration (default 20)"},
     {"--prerequisite-factor", "F", "learning speed before prerequisites are known (default 0.2)"},
     {"--conjunctive-baselines", nullptr,
      "random and mastery blame a wrong answer to a multi-skill item on each skill as far as it "
      "is likely to have caused it, as pathwise does (default: the classic tutor's rule, the "
      "whole blame on every skill)"},
     {"--classic-pathwise", nullptr,
      "pathwise uses the classic rule instead (to see what the rule is worth)"},
     {"--placement", "N",
      "pathwise places each new learner with at most N diagnostic items on the goals' "
      "prerequisite graph (default 0: no placement)"},
     {"--placement-confidence", "C",
      "placement stops once every skill's P(known) is >= C or <= 1 - C (default 0.9)"},
     {"--stop-epsilon", "E",
      "pathwise stops practising a skill when one more attempt would change its predicted "
      "P(correct) by less than E (default 0: off)"},
     {"--help-once", nullptr,
      "pathwise offers help once for a wheel-spinning skill and sets it aside when as many "
      "attempts again bring no mastery"},
     {"--prior-correlation", "R",
      "correlation in [0, 1) of prior knowledge across skills, by a latent level per learner "
      "(default 0)"},
     {"--learn-sd", "X",
      "spread of learning speed: learn x exp(X a) for the learner's ability a ~ N(0, 1) "
      "(default 0)"},
     {"--guess-slip-sd", "X",
      "spread of guess (up) and slip (down) by ability, in log-odds per unit of a (default 0)"},
     {"--ability-level-correlation", "C",
      "correlation of ability with the prior-knowledge level, in [-1, 1] (default 0)"},
     {"--quit-base", "P", "chance of quitting after any attempt (default 0)"},
     {"--quit-per-failure", "P", "added per wrong answer in a row (default 0)"},
     {"--quit-per-easy", "P",
      "added per far-too-easy item (every skill known) in a row beyond --easy-run (default 0)"},
     {"--easy-run", "N", "far-too-easy items in a row tolerated before boredom (default 5)"},
     {"--varied-learners", nullptr,
      "the population of docs/policy-evaluation.md: --prior-correlation 0.5 --learn-sd 0.5 "
      "--guess-slip-sd 0.3 --ability-level-correlation 0.5 --quit-base 0.001 "
      "--quit-per-failure 0.005 --quit-per-easy 0.005 (each overridden by its own option)"},
     {"--json", nullptr, "print one JSON object"},
     {"--csv", "FILE", "write every learner's run as CSV"},
     {"--svg", "FILE", "draw mastery-over-attempts curves per policy"}}};

}  // namespace

const Command kSimulateCommand{
    "simulate",
    "compare sequencing policies on simulated learners",
    "simulate [options]",
    "Compares sequencing policies on the same simulated learners: attempts until each policy "
    "declares the goals done, false mastery then and after 30 days, over-practice, post-test "
    "score, wheel-spinning, completion (the policy declared done before the learner quit or "
    "reached the cap), with 95% confidence intervals, then pathwise's paired differences "
    "against each other policy and the matched tutor. Without --curriculum/--model, a "
    "built-in arithmetic course with prerequisites is used.",
    {&kSimulateOwn},
    false,
    run_simulate};

}  // namespace pathwise::cli
