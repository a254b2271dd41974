// The JSON form of the engine's, the fit's and the reader's results, and options read from
// JSON: shared by the C API and the CLI.
#include "pathwise/json.hpp"

#include <algorithm>
#include <cmath>

#include "detail/json_util.hpp"
#include "detail/settings.hpp"
#include "pathwise/bkt.hpp"
#include "pathwise/engine.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/policy.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise {

namespace {
nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}
}  // namespace

void to_json(nlohmann::json& j, const Recommendation& r) {
  nlohmann::json alternatives = nlohmann::json::array();
  for (const auto& a : r.alternatives) {
    alternatives.push_back(
        {{"item", a.item}, {"skill", a.skill}, {"p_correct", finite_or_null(a.p_correct)}});
  }
  j = {{"item", r.item},
       {"skill", r.skill},
       {"reason", to_string(r.reason)},
       {"explanation", r.explanation},
       {"p_correct", finite_or_null(r.p_correct)},
       {"alternatives", std::move(alternatives)}};
}

void to_json(nlohmann::json& j, const ClassSummary& summary) {
  nlohmann::json skills = nlohmann::json::array();
  for (const auto& s : summary.skills) {
    skills.push_back({{"skill", s.skill},
                      {"learners", s.learners},
                      {"mastered", s.mastered},
                      {"mean", s.mean},
                      {"histogram", s.histogram},
                      {"mean_forecast", s.mean_forecast},
                      {"forecast_learners", s.forecast_learners}});
  }
  j = {{"learners", summary.learners}, {"damaged", summary.damaged}, {"skills", std::move(skills)}};
}

}  // namespace pathwise

// ---- fitting, evaluation and reading: results to JSON, options from JSON ----

namespace pathwise {

namespace {

nlohmann::json doubles_or_null(const std::vector<double>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (double x : v) a.push_back(finite_or_null(x));
  return a;
}

}  // namespace

void to_json(nlohmann::json& j, const SkillFitReport& r) {
  j = {{"skill", r.skill},
       {"responses", r.responses},
       {"sequences", r.sequences},
       {"log_likelihood", finite_or_null(r.log_likelihood)},
       {"iterations", r.iterations},
       {"converged", r.converged},
       {"restarts", r.restarts},
       {"best_restart", r.best_restart},
       {"total_iterations", r.total_iterations},
       {"trace", doubles_or_null(r.trace)},
       {"warnings", r.warnings}};
}

void to_json(nlohmann::json& j, const FitReport& r) {
  j = {{"log_likelihood", finite_or_null(r.log_likelihood)},
       {"seconds", r.seconds},
       {"threads", r.threads},
       {"e_steps", r.e_steps},
       {"response_steps", r.response_steps},
       {"skills", r.skills}};
  if (r.learner.fitted) j["learner"] = r.learner;
  if (r.conjunctive_rounds > 0) {
    j["multi_skill_responses"] = r.multi_skill_responses;
    j["conjunctive_rounds"] = r.conjunctive_rounds;
  }
}

void to_json(nlohmann::json& j, const LearnerFitReport& r) {
  j = {{"fitted", r.fitted},
       {"responses", r.responses},
       {"skills", r.skills},
       {"iterations", r.iterations},
       {"converged", r.converged},
       {"log_loss_bkt", finite_or_null(r.log_loss_bkt)},
       {"log_loss", finite_or_null(r.log_loss)},
       {"seconds", r.seconds}};
}

void to_json(nlohmann::json& j, const CrossValidation& cv) {
  j = {{"folds", cv.folds}, {"mean", cv.mean}, {"sd", cv.sd}};
}

void to_json(nlohmann::json& j, const Predictions& p) {
  j = {{"p_correct", doubles_or_null(p.correct)},
       {"p_known_before", doubles_or_null(p.known_before)},
       {"p_known_after", doubles_or_null(p.known_after)}};
  if (!p.bkt_correct.empty()) {
    j["p_correct_bkt"] = doubles_or_null(p.bkt_correct);
    j["ability"] = doubles_or_null(p.ability);
  }
}

void to_json(nlohmann::json& j, const ColumnMapping& c) {
  j = {{"learner", c.learner}, {"skill", c.skill}, {"correct", c.correct},
       {"order", c.order},     {"item", c.item},   {"time", c.time}};
}

void to_json(nlohmann::json& j, const ReadReport& r) {
  nlohmann::json skipped = nlohmann::json::object();
  nlohmann::json first = nlohmann::json::object();
  for (std::size_t k = 0; k < kRowProblemCount; ++k) {
    const char* name = to_string(static_cast<RowProblem>(k));
    skipped[name] = r.skipped[k];
    if (r.skipped[k] == 0) continue;
    const Location& at = r.first_place[k];
    first[name] = {{"source", at.source},
                   {"line", at.line},
                   {"column", at.column},
                   {"field", at.field},
                   {"message", r.first_message[k]}};
  }
  j = {{"source", r.source},
       {"format", to_string(r.format)},
       {"delimiter", r.delimiter ? std::string(1, r.delimiter) : std::string()},
       {"encoding", r.encoding},
       {"latin1_fields", r.latin1_fields},
       {"columns_used", r.columns_used},
       {"rows", r.rows},
       {"rows_kept", r.rows_kept},
       {"rows_relabelled", r.rows_relabelled},
       {"rows_filtered", r.rows_filtered},
       {"multi_skill_rows", r.multi_skill_rows},
       {"rows_without_time", r.rows_without_time},
       {"first_time", r.first_time == kNoTime ? nlohmann::json() : nlohmann::json(r.first_time)},
       {"last_time", r.last_time == kNoTime ? nlohmann::json() : nlohmann::json(r.last_time)},
       {"skipped_total", r.skipped_total()},
       {"skipped", std::move(skipped)},
       {"first", std::move(first)}};
}

namespace {

using detail::Settings;

constexpr std::int64_t kMaxSeed = std::int64_t{1} << 53;
constexpr std::uint64_t kMaxCount = std::uint64_t{1} << 53;

void read_columns(Settings s, ColumnMapping& c) {
  c.learner = s.string("learner", c.learner);
  c.skill = s.string("skill", c.skill);
  c.correct = s.string("correct", c.correct);
  c.order = s.string("order", c.order);
  c.item = s.string("item", c.item);
  c.time = s.string("time", c.time);
  s.finish();
}

void read_fit(Settings s, FitOptions& o) {
  // A preset replaces every option; the other fields then change it.
  if (const nlohmann::json* v = s.find("preset")) {
    if (!v->is_string())
      s.fail("preset", "expected \"bkt\" or \"pybkt\", got " + detail::describe(*v));
    try {
      o = FitOptions::preset(v->get_ref<const std::string&>());
    } catch (const Error& e) {
      throw Error(e.code(), e.message(), Location{"", 0, 0, s.name("preset")});
    }
  }
  o.restarts = static_cast<int>(s.integer("restarts", o.restarts, 1, 10000));
  o.max_iterations = static_cast<int>(s.integer("max_iterations", o.max_iterations, 1, 10000000));
  o.tolerance = s.number("tolerance", o.tolerance);
  o.seed = s.unsigned_integer("seed", o.seed, 0, kMaxSeed);
  o.threads = static_cast<unsigned>(s.integer("threads", o.threads, 0, 1024));
  o.forgetting = s.boolean("forgetting", o.forgetting);
  o.item_guess_slip = s.boolean("item_guess_slip", o.item_guess_slip);
  o.conjunctive = s.boolean("conjunctive", o.conjunctive);
  o.forget_per_day = s.boolean("forget_per_day", o.forget_per_day);
  o.conjunctive_rounds =
      static_cast<int>(s.integer("conjunctive_rounds", o.conjunctive_rounds, 1, 100));
  o.item_min_responses = static_cast<std::size_t>(
      s.unsigned_integer("item_min_responses", o.item_min_responses, 0, kMaxCount));
  o.min_skill_responses = static_cast<std::size_t>(
      s.unsigned_integer("min_skill_responses", o.min_skill_responses, 0, kMaxCount));
  {
    Settings b = s.object("bounds");
    BktBounds& bounds = o.bounds;
    bounds.for_each([&](const char* name, const ParamBounds&) {
      const nlohmann::json* v = b.find(name);
      if (!v) return;
      if (!v->is_array() || v->size() != 2 || !(*v)[0].is_number() || !(*v)[1].is_number())
        b.fail(name, "expected [lo, hi], two numbers, got " + detail::describe(*v));
      *bounds.find(name) = ParamBounds{(*v)[0].get<double>(), (*v)[1].get<double>()};
    });
    b.finish();
  }
  {
    Settings f = s.object("fixed");
    BktFixed& fixed = o.fixed;
    fixed.for_each([&](const char* name, const std::optional<double>&) {
      const nlohmann::json* v = f.find(name);
      if (!v) return;
      if (v->is_null()) {
        fixed.find(name)->reset();
        return;
      }
      if (!v->is_number()) f.fail(name, "expected a number or null, got " + detail::describe(*v));
      *fixed.find(name) = v->get<double>();
    });
    f.finish();
  }
  {
    Settings p = s.object("priors");
    auto read = [&](const char* name) {
      const nlohmann::json* v = p.find(name);
      if (!v) return;
      if (!v->is_array() || v->size() != 2 || !(*v)[0].is_number() || !(*v)[1].is_number())
        p.fail(name, "expected [alpha, beta], two numbers, got " + detail::describe(*v));
      *o.find_prior(name) = BetaPrior{(*v)[0].get<double>(), (*v)[1].get<double>()};
    };
    o.priors.for_each([&](const char* name, const BetaPrior&) { read(name); });
    read("forget_per_day");
    p.finish();
  }
  if (const nlohmann::json* v = s.find("learner")) {
    // true / false, or an object of LearnerFitOptions (which turns the layer on).
    if (v->is_boolean()) {
      o.learner.enabled = v->get<bool>();
    } else if (v->is_object()) {
      Settings l(*v, "learner options", s.name("learner"));
      LearnerFitOptions& L = o.learner;
      L.enabled = l.boolean("enabled", true);
      L.pseudo_count = l.number("pseudo_count", L.pseudo_count);
      L.decay_recent = l.number("decay_recent", L.decay_recent);
      L.decay_recent_slow = l.number("decay_recent_slow", L.decay_recent_slow);
      L.l2 = l.number("l2", L.l2);
      L.l2_skill = l.number("l2_skill", L.l2_skill);
      L.max_iterations = static_cast<int>(l.integer("max_iterations", L.max_iterations, 1, 10000));
      L.tolerance = l.number("tolerance", L.tolerance);
      if (const nlohmann::json* t = l.find("terms")) {
        if (!t->is_array())
          l.fail("terms", "expected an array of \"ability\", \"recency\", \"practice\", got " +
                              detail::describe(*t));
        std::vector<std::string> groups;
        for (const auto& g : *t) {
          if (!g.is_string())
            l.fail("terms", "expected names of groups, got " + detail::describe(g));
          groups.push_back(g.get<std::string>());
        }
        try {
          L.set_terms(groups);
        } catch (const Error& e) {
          throw Error(e.code(), e.message(), Location{"", 0, 0, l.name("terms")});
        }
      }
      l.finish();
    } else {
      s.fail("learner", "expected true, false or an object of options, got " +
                            detail::describe(*v));
    }
  }
  if (const nlohmann::json* v = s.find("max_guess_plus_slip")) {
    if (v->is_null()) {
      o.max_guess_plus_slip.reset();
    } else if (v->is_number()) {
      o.max_guess_plus_slip = v->get<double>();
    } else {
      s.fail("max_guess_plus_slip", "expected a number or null, got " + detail::describe(*v));
    }
  }
  if (const nlohmann::json* v = s.find("start")) {
    if (!v->is_object())
      s.fail("start", "expected an object of skills, got " + detail::describe(*v));
    for (const auto& item : v->items()) {
      const std::string field = "start." + item.key();
      try {
        o.start[item.key()] = item.value().get<BktParams>();
      } catch (const Error& e) {
        const std::string inner = e.location().field;
        throw Error(e.code(), e.message(),
                    Location{"", 0, 0, inner.empty() ? field : field + "." + inner});
      }
    }
  }
  if (const nlohmann::json* v = s.find("skills")) {
    if (!v->is_array())
      s.fail("skills", "expected an array of skill names, got " + detail::describe(*v));
    std::vector<std::string> names;
    for (std::size_t k = 0; k < v->size(); ++k) {
      if (!(*v)[k].is_string())
        s.fail("skills", "element " + std::to_string(k) + ": expected a string, got " +
                             detail::describe((*v)[k]));
      names.push_back((*v)[k].get<std::string>());
    }
    std::sort(names.begin(), names.end());
    o.skill_filter = [names = std::move(names)](const std::string& skill) {
      return std::binary_search(names.begin(), names.end(), skill);
    };
  }
  s.finish();
  o.validate();
}

}  // namespace

void from_json(const nlohmann::json& j, ColumnMapping& columns) {
  read_columns(Settings(j, "columns", ""), columns);
}

void from_json(const nlohmann::json& j, ReadOptions& o) {
  Settings s(j, "read options", "");
  if (const nlohmann::json* v = s.find("format")) {
    const std::string name = v->is_string() ? v->get<std::string>() : std::string();
    if (name == "auto") {
      o.format = LogFormat::Auto;
    } else if (name == "delimited") {
      o.format = LogFormat::Delimited;
    } else if (name == "hmm") {
      o.format = LogFormat::Hmm;
    } else if (name == "three-line") {
      o.format = LogFormat::ThreeLine;
    } else if (name == "xapi") {
      o.format = LogFormat::Xapi;
    } else {
      throw Error(ErrorCode::InvalidArgument,
                  "expected \"auto\", \"delimited\", \"hmm\", \"three-line\" or \"xapi\", got " +
                      detail::quoted_name(*v),
                  Location{"", 0, 0, "format"});
    }
  }
  if (const nlohmann::json* v = s.find("delimiter")) {
    if (!v->is_string() || v->get_ref<const std::string&>().size() > 1)
      s.fail("delimiter",
             "expected one character, or \"\" to detect it, got " + detail::describe(*v));
    const std::string& d = v->get_ref<const std::string&>();
    o.delimiter = d.empty() ? '\0' : d[0];
  }
  read_columns(s.object("columns"), o.columns);
  o.skill_separator = s.optional_string("skill_separator", o.skill_separator);
  o.strict = s.boolean("strict", o.strict);
  o.empty_skill_label = s.optional_string("empty_skill_label", o.empty_skill_label);
  o.keep_scaffolding = s.boolean("keep_scaffolding", o.keep_scaffolding);
  if (const nlohmann::json* v = s.find("epoch_unit")) {
    const std::string name = v->is_string() ? v->get<std::string>() : std::string();
    const std::optional<EpochUnit> unit = epoch_unit_named(name);
    if (!unit) {
      throw Error(
          ErrorCode::InvalidArgument,
          "expected \"auto\", \"seconds\" or \"milliseconds\", got " + detail::quoted_name(*v),
          Location{"", 0, 0, "epoch_unit"});
    }
    o.epoch_unit = *unit;
  }
  o.skill_map = s.string("skill_map", o.skill_map);
  o.skill_extension = s.string("skill_extension", o.skill_extension);
  o.max_line_bytes = static_cast<std::size_t>(
      s.unsigned_integer("max_line_bytes", o.max_line_bytes, 1, kMaxCount));
  o.max_fields_per_line = static_cast<std::size_t>(
      s.unsigned_integer("max_fields_per_line", o.max_fields_per_line, 1, kMaxCount));
  o.max_input_bytes = s.unsigned_integer("max_input_bytes", o.max_input_bytes, 1, kMaxCount);
  s.finish();
  o.validate();
}

void from_json(const nlohmann::json& j, FitOptions& options) {
  read_fit(Settings(j, "fit options", ""), options);
}

void from_json(const nlohmann::json& j, EvaluateOptions& o) {
  Settings s(j, "evaluate options", "");
  o.skip_unknown_skills = s.boolean("skip_unknown_skills", o.skip_unknown_skills);
  o.conjunctive = s.boolean("conjunctive", o.conjunctive);
  s.finish();
}

void from_json(const nlohmann::json& j, CrossValidateOptions& o) {
  Settings s(j, "cross-validation options", "");
  o.folds = static_cast<int>(s.integer("folds", o.folds, 2, 1000000));
  o.seed = s.unsigned_integer("seed", o.seed, 0, kMaxSeed);
  read_fit(s.object("fit"), o.fit);
  s.finish();
  o.validate();
}

}  // namespace pathwise
