// The commands that work on a learner through the engine: record, recommend, profile, export,
// goals, class-summary.
#include <cmath>
#include <ostream>

#include "commands.hpp"
#include "common.hpp"
#include "pathwise/json.hpp"

namespace pathwise::cli {

namespace {

std::string join_ids(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> split_ids(const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto comma = v.find(',', start);
    out.push_back(v.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

int run_record(const Args& a, Io& io) {
  std::string learner = required_value(a, "--learner"), item = required_value(a, "--item");
  std::string outcome = required_value(a, "--outcome");
  if (outcome != "0" && outcome != "1") {
    throw UsageError("--outcome must be 0 or 1, got '" + outcome + "'");
  }
  Engine engine = open_engine(a);
  engine.record(
      {learner, item, outcome == "1" ? Outcome::Correct : Outcome::Incorrect, time_of(a)});
  LearnerProfile p = engine.profile(learner);
  if (a.flag("--json")) {
    nlohmann::json j = {{"recorded", true}, {"responses", p.responses}};
    nlohmann::json pk = nlohmann::json::object();
    for (const auto& s : engine.curriculum().item(item).skills) pk[s] = p.mastery(s);
    j["p_known"] = std::move(pk);
    io.out << j.dump() << "\n";
    return kOk;
  }
  io.out << "recorded; P(known):";
  for (const auto& s : engine.curriculum().item(item).skills)
    io.out << " " << s << " " << fixed(p.mastery(s), 3);
  io.out << "\n";
  return kOk;
}

int run_recommend(const Args& a, Io& io) {
  std::string learner = required_value(a, "--learner");
  Engine engine = open_engine(a);
  auto r = engine.recommend(learner, time_of(a));
  if (a.flag("--json")) {
    nlohmann::json j;
    if (r) j = *r;
    io.out << j.dump() << "\n";
  } else if (r) {
    io.out << (r->item.empty() ? "-" : r->item) << "  " << to_string(r->reason) << "  "
           << r->explanation << "\n";
  } else {
    io.out << "nothing to recommend (empty curriculum)\n";
  }
  return kOk;
}

int run_profile(const Args& a, Io& io) {
  std::string learner = required_value(a, "--learner");
  Engine engine = open_engine(a);
  LearnerProfile p = engine.profile(learner);
  if (a.flag("--json")) {
    io.out << p.to_json() << "\n";
    return kOk;
  }
  io.out << "responses " << p.responses << "; goals "
         << (p.goals.empty() ? std::string("(whole curriculum)") : join_ids(p.goals)) << "\n";
  io.out << "skill\tp_known\tattempts\tcorrect\tmastered\n";
  for (const Skill& sk : engine.curriculum().skills()) {
    const SkillState* st = p.find(sk.id);
    if (!st) continue;
    io.out << sk.id << "\t" << fixed(st->p_known, 3) << "\t" << st->attempts << "\t" << st->correct
           << "\t" << (st->p_known >= engine.config().rules.mastery_threshold ? "yes" : "no")
           << "\n";
  }
  return kOk;
}

int run_export(const Args& a, Io& io) {
  std::string learner = required_value(a, "--learner");
  Engine engine = open_engine(a);
  io.out << engine.export_learner(learner);
  return kOk;
}

int run_goals(const Args& a, Io& io) {
  std::string learner = required_value(a, "--learner");
  Engine engine = open_engine(a);
  if (auto set = a.value("--set")) {
    std::vector<std::string> goals;
    if (!set->empty()) goals = split_ids(*set);
    engine.set_goals(learner, goals);
  }
  const auto goals = engine.profile(learner).goals;
  if (a.flag("--json")) {
    io.out << nlohmann::json{{"goals", goals}}.dump() << "\n";
  } else {
    io.out << (goals.empty() ? std::string("(whole curriculum)") : join_ids(goals)) << "\n";
  }
  return kOk;
}

int run_forecast(const Args& a, Io& io) {
  std::string learner = required_value(a, "--learner");
  ForecastOptions fo;
  if (auto v = a.value("--cap"))
    fo.max_attempts =
        static_cast<std::uint32_t>(parse_int("--cap", *v, 1, ForecastOptions::kMaxAttempts));
  Engine engine = open_engine(a);
  const std::vector<SkillForecast> fs = engine.forecast(learner, fo);
  if (a.flag("--json")) {
    nlohmann::json j;
    j["format"] = "pathwise-forecast";
    j["version"] = "1.0";
    j["mastery_threshold"] = engine.config().rules.mastery_threshold;
    j["skills"] = fs;
    io.out << j.dump() << "\n";
    return kOk;
  }
  io.out << "attempts until P(known) >= " << fixed(engine.config().rules.mastery_threshold, 3)
         << ", practising each skill alone (BKT; 10th-90th percentile)\n"
         << "skill\tp_known\texpected\trange\tP(within " << fo.max_attempts << ")\n";
  auto bound = [&](const std::optional<std::uint32_t>& v) {
    return v ? std::to_string(*v) : ">" + std::to_string(fo.max_attempts);
  };
  for (const SkillForecast& f : fs) {
    io.out << f.skill << "\t" << fixed(f.p_known, 3) << "\t"
           << (f.forecast.p_within_cap > 0.0 ? fixed(f.forecast.expected, 1) : std::string("-"))
           << "\t" << bound(f.forecast.low) << "-" << bound(f.forecast.high) << "\t"
           << fixed(f.forecast.p_within_cap, 3) << "\n";
  }
  return kOk;
}

int run_class_summary(const Args& a, Io& io) {
  Engine engine = open_engine(a);
  ClassSummary cs = engine.class_summary();
  if (a.flag("--json")) {
    io.out << cs.to_json() << "\n";
    return kOk;
  }
  io.out << cs.learners << " learners\nskill\tmastered\tmean\thistogram\tforecast\n";
  for (const auto& s : cs.skills) {
    io.out << s.skill << "\t" << s.mastered << "\t" << fixed(s.mean, 3) << "\t";
    for (std::size_t k = 0; k < s.histogram.size(); ++k) io.out << (k ? " " : "") << s.histogram[k];
    io.out << "\t" << (s.forecast_learners ? fixed(s.mean_forecast, 1) : std::string("-")) << "\n";
  }
  return kOk;
}

const OptionGroup kRecordOwn{
    nullptr,
    {{"--item", "ID", "the item answered (an id from the curriculum)"},
     {"--outcome", "0|1", "1 correct, 0 incorrect"},
     {"--json", nullptr, "print {\"recorded\": true, \"responses\": N, \"p_known\": {...}}"}}};
const OptionGroup kRecommendOwn{
    nullptr,
    {{"--json", nullptr,
      "print one JSON object (item, skill, reason, explanation, p_correct, alternatives)"}}};
const OptionGroup kProfileOwn{nullptr, {{"--json", nullptr, "print the profile document"}}};
const OptionGroup kGoalsOwn{
    nullptr, {{"--set", "LIST", "the new goals"}, {"--json", nullptr, "print {\"goals\": [...]}"}}};
const OptionGroup kClassSummaryOwn{nullptr, {{"--json", nullptr, "print one JSON object"}}};
const OptionGroup kForecastOwn{
    nullptr,
    {{"--cap", "N", "attempts looked ahead (default 200)"},
     {"--json", nullptr, "print the forecast document (as the C API's pathwise_forecast)"}}};
const OptionGroup kNone{nullptr, {}};

}  // namespace

const Command kRecordCommand{
    "record",
    "record one response in a profile store",
    "record --curriculum C --model M --db D --learner ID --item ITEM --outcome 0|1 [--time MS]",
    "Records one response in the learner's profile and prints the new P(known) of the item's "
    "skills.",
    {&kRecordOwn, &kEngineGroup},
    false,
    run_record};

const Command kRecommendCommand{
    "recommend",
    "the next item for a learner, with the reason why",
    "recommend --curriculum C --model M --db D --learner ID [--time MS] [--json]",
    "Prints the next item for the learner and why.",
    {&kRecommendOwn, &kEngineGroup},
    false,
    run_recommend};

const Command kProfileCommand{
    "profile",
    "a learner's profile (P(known) per skill, counters, goals)",
    "profile --curriculum C --model M --db URL --learner ID [--json]",
    "Prints the learner's profile: P(known), attempts and mastery per skill, goals and counters. "
    "A learner with nothing stored has the fresh profile (every skill at its prior).",
    {&kProfileOwn, &kEngineGroup},
    false,
    run_profile};

const Command kExportCommand{
    "export",
    "everything held on a learner, as JSON (a data request)",
    "export --curriculum C --model M --db URL --learner ID",
    "Prints everything held on the learner as one JSON document (profile and every stored "
    "response): the answer to a data request. Exit code 1 if nothing is held.",
    {&kNone, &kEngineGroup},
    false,
    run_export};

const Command kGoalsCommand{
    "goals",
    "show or set a learner's goals",
    "goals --curriculum C --model M --db URL --learner ID [--set a,b] [--json]",
    "Shows the learner's goals, or sets them with --set (skill ids, comma-separated; '' = the "
    "whole curriculum).",
    {&kGoalsOwn, &kEngineGroup},
    false,
    run_goals};

const Command kClassSummaryCommand{
    "class-summary",
    "per-skill mastery over every learner of a store",
    "class-summary --curriculum C --model M --db URL [--json]",
    "Per-skill mastery over every learner of the store: learners, mastered, mean P(known), a "
    "histogram over [0,.2) [.2,.4) [.4,.6) [.6,.8) [.8,1], and the mean forecast attempts to "
    "mastery of the learners not yet mastered (see forecast).",
    {&kClassSummaryOwn, &kEngineGroup},
    false,
    run_class_summary};

const Command kForecastCommand{
    "forecast",
    "attempts until each goal skill is mastered, with a range",
    "forecast --curriculum C --model M --db URL --learner ID [--cap N] [--json]",
    "For each of the learner's goal skills: the expected attempts until BKT's P(known) reaches "
    "the mastery threshold when the skill is practised, from the learner's current P(known), "
    "with the 10th-90th percentile range and the chance of mastery within the cap. Exact for "
    "BKT by dynamic programming over the reachable P(known) values (docs/engine.md).",
    {&kForecastOwn, &kEngineGroup},
    false,
    run_forecast};

}  // namespace pathwise::cli
