#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>

#include "pattern.hpp"

namespace pathwise::cli {

const OptionGroup kReadGroup{
    "input options (every command that reads a log)",
    {{"--format", "F", "auto (default), csv, tsv, hmm, three-line, xapi"},
     {"--learner-col", "NAME",
      "learner column (default: user_id, Anon Student Id, student_id, ...)"},
     {"--skill-col", "NAME", "skill column (default: skill_name, KC(Default), skill_id, ...)"},
     {"--correct-col", "NAME",
      "0/1 outcome column (default: correct, Correct First Attempt, outcome)"},
     {"--order-col", "NAME",
      "numeric sort key within a learner (default: order_id, Row; '-' = file order)"},
     {"--item-col", "NAME",
      "item column (default: template_id, problem_id, Problem Name, ...; '-' = none)"},
     {"--time-column", "NAME",
      "time column: ISO 8601 or epoch seconds/milliseconds (default: Step Start Time, timestamp, "
      "start_time, time; '-' = none)"},
     {"--epoch-unit", "U",
      "unit of bare-number times: auto (default: below 1e11 is seconds), seconds, milliseconds"},
     {"--skill-map", "FILE",
      "xAPI: item (activity id) to skill(s), a CSV with a header (item,skill) or a JSON object"},
     {"--skill-extension", "IRI",
      "xAPI: extension naming the skill(s), in object.definition.extensions or "
      "context.extensions"},
     {"--skill-sep", "SEP",
      "separator of multi-skill cells (default '~~', hmm-scalable '~'); 'none' keeps a cell as "
      "one skill label, as pyBKT does"},
     {"--empty-skill-as", "L", "keep rows without a skill under skill L (pyBKT calls it 'nan')"},
     {"--keep-scaffolding", nullptr,
      "keep ASSISTments rows with original = 0 (default: left out, as pyBKT)"},
     {"--strict", nullptr, "stop at the first bad row (file:line:column)"},
     {"--lenient", nullptr, "skip bad rows, count them by reason and print the count (default)"},
     {"--quiet", nullptr, "print no read summary unless rows were skipped"},
     {"--max-line-bytes", "N", "longest line read, in bytes (default 16777216)"},
     {"--max-fields", "N", "most fields on one line (default 1000000)"},
     {"--max-input-bytes", "N",
      "most bytes read from a pipe or device, whose size is unknown (default 1073741824)"}}};

const OptionGroup kFitGroup{
    "fit options",
    {{"--preset", "NAME",
      "bkt: calibrated standard BKT, weak Beta priors (MAP EM) and guess + slip <= 0.95; "
      "pybkt: pyBKT's maximum-likelihood fit exactly; the options below change the preset "
      "(default, no preset: calibrated BKT with the learner layer)"},
     {"--restarts", "N", "random restarts per skill, best log-posterior wins (default 5)"},
     {"--max-iter", "N", "maximum EM iterations per restart (default 100)"},
     {"--tol", "X", "stop when the log-likelihood changes by <= X (default 1e-3)"},
     {"--seed", "N", "seed of the random starting points (default 42)"},
     {"--threads", "N", "worker threads, 0 = all cores (default 0)"},
     {"--forgetting", nullptr, "fit a forget probability (default: forget = 0)"},
     {"--item-guess-slip", nullptr, "fit guess and slip per item (KT-IDEM; needs an item column)"},
     {"--item-min-responses", "N",
      "with --item-guess-slip: items with fewer responses share their skill's guess/slip "
      "(default 1)"},
     {"--bound", "P=LO:HI",
      "keep parameter P (prior, learn, forget, guess, slip) in [LO, HI]; repeatable"},
     {"--fix", "P=V", "hold parameter P at V; repeatable"},
     {"--prior", "P=A,B",
      "Beta(A, B) prior on parameter P, A and B >= 1 (1,1 = flat); repeatable (defaults: "
      "prior=2,2 learn=1.5,6 forget=1,10 guess=2,5 slip=2,8, and forget_per_day=1,20 on the "
      "daily rate; pybkt: flat)"},
     {"--learner-layer", nullptr,
      "fit the learner layer (the default without --preset): the learner's ability and "
      "recency across skills correct BKT's P(correct) (model JSON 1.1; docs/bkt.md)"},
     {"--no-learner-layer", nullptr, "fit BKT alone (as --preset bkt)"},
     {"--learner-terms", "LIST",
      "with --learner-layer: the groups of terms fitted, comma-separated: ability, recency, "
      "practice (default all three; for ablations)"},
     {"--daily-forgetting", nullptr,
      "fit each skill's forgetting per day from the times between responses (needs a time "
      "column; the engine's reviews then follow it)"},
     {"--conjunctive", nullptr,
      "explain multi-skill rows (\"a~~b\") jointly, as the engine updates them: the row is "
      "correct only if each skill's part is (crossvalidate evaluates the same way)"},
     {"--max-guess-plus-slip", "X",
      "keep guess + slip <= X, in (0, 2], or 'none' (default 0.95; pybkt: none)"},
     {"--skill", "NAME", "fit only the skill named NAME exactly; repeatable"},
     {"--skills", "REGEX",
      "fit only skills whose whole name matches REGEX: literals, escapes (\\d \\w \\s \\. ...), "
      ". [classes] * + ? {m,n} | (groups); no back-references or look-around; at most 1000 "
      "bytes; matched in time linear in the name's length"},
     {"--min-responses", "N", "leave out skills with fewer than N responses (default 1)"}}};

const OptionGroup kEngineGroup{
    "engine options",
    {{"--curriculum", "FILE", "the curriculum document (JSON)"},
     {"--model", "FILE", "the model document (JSON) written by 'pathwise fit'", "-m"},
     {"--db", "URL",
      "the profile store: sqlite:PATH or a file path (created if missing), "
      "postgresql://user@host/db or \"host=... dbname=...\""},
     {"--learner", "ID", "the learner"},
     {"--time", "MS", "milliseconds since the Unix epoch (default: now)"}}};

namespace {

std::string data_path(const Args& a) {
  if (a.positional().empty()) throw UsageError("missing DATA (the response log to read)");
  if (a.positional().size() > 1)
    throw UsageError("one DATA file expected, got " + std::to_string(a.positional().size()));
  return a.positional()[0];
}

void set_bound(FitOptions& o, const std::string& spec) {
  auto eq = spec.find('='), colon = spec.find(':');
  if (eq == std::string::npos || colon == std::string::npos || colon < eq) {
    throw UsageError("--bound takes P=LO:HI, e.g. guess=0:0.3, got '" + spec + "'");
  }
  std::string name = spec.substr(0, eq);
  ParamBounds b{parse_double("--bound", spec.substr(eq + 1, colon - eq - 1)),
                parse_double("--bound", spec.substr(colon + 1))};
  ParamBounds* slot = o.bounds.find(name);
  if (!slot) {
    throw UsageError("--bound: unknown parameter '" + name +
                     "' (prior, learn, forget, guess, slip)");
  }
  *slot = b;
}

/// --skill NAME (exact, repeatable) and --skills REGEX as FitOptions::skill_filter.
void set_skill_filter(FitOptions& o, const Args& a) {
  std::vector<std::string> exact = a.all("--skill");
  std::shared_ptr<const SkillPattern> re;
  if (auto v = a.value("--skills")) {
    try {
      re = std::make_shared<const SkillPattern>(*v);
    } catch (const Error& e) {
      // The pattern is the user's own text: short ones are shown back.
      const std::string shown = v->size() <= 60 ? " '" + *v + "'" : std::string();
      throw UsageError("--skills: invalid regular expression" + shown + " " + e.message());
    }
  }
  if (re || !exact.empty()) {
    o.skill_filter = [re, exact](const std::string& s) {
      return std::find(exact.begin(), exact.end(), s) != exact.end() || (re && re->matches(s));
    };
  }
}

}  // namespace

ReadOptions read_options(const Args& a) {
  ReadOptions o;
  if (auto f = a.value("--format")) {
    if (*f == "auto") {
      o.format = LogFormat::Auto;
    } else if (*f == "csv") {
      o.format = LogFormat::Delimited;
      o.delimiter = ',';
    } else if (*f == "tsv") {
      o.format = LogFormat::Delimited;
      o.delimiter = '\t';
    } else if (*f == "hmm") {
      o.format = LogFormat::Hmm;
    } else if (*f == "three-line") {
      o.format = LogFormat::ThreeLine;
    } else if (*f == "xapi") {
      o.format = LogFormat::Xapi;
    } else {
      throw UsageError("--format must be auto, csv, tsv, hmm, three-line or xapi, got '" + *f +
                       "'");
    }
  }
  if (auto v = a.value("--learner-col")) o.columns.learner = *v;
  if (auto v = a.value("--skill-col")) o.columns.skill = *v;
  if (auto v = a.value("--correct-col")) o.columns.correct = *v;
  if (auto v = a.value("--order-col")) o.columns.order = *v;
  if (auto v = a.value("--item-col")) o.columns.item = *v;
  if (auto v = a.value("--time-column")) o.columns.time = *v;
  if (auto v = a.value("--epoch-unit")) {
    const std::optional<EpochUnit> unit = epoch_unit_named(*v);
    if (!unit)
      throw UsageError("--epoch-unit must be auto, seconds or milliseconds, got '" + *v + "'");
    o.epoch_unit = *unit;
  }
  if (auto v = a.value("--skill-map")) {
    if (v->empty()) throw UsageError("--skill-map needs a file");
    o.skill_map = *v;
  }
  if (auto v = a.value("--skill-extension")) {
    if (v->empty()) throw UsageError("--skill-extension needs an IRI");
    o.skill_extension = *v;
  }
  if (auto v = a.value("--skill-sep")) o.skill_separator = (*v == "none") ? std::string() : *v;
  if (auto v = a.value("--empty-skill-as")) {
    if (v->empty()) throw UsageError("--empty-skill-as needs a non-empty label");
    o.empty_skill_label = *v;
  }
  if (a.flag("--strict") && a.flag("--lenient")) {
    throw UsageError("--strict and --lenient exclude each other");
  }
  o.strict = a.flag("--strict");
  o.keep_scaffolding = a.flag("--keep-scaffolding");
  constexpr long kMaxLimit = 0x7fffffffffffffffL;
  if (auto v = a.value("--max-line-bytes"))
    o.max_line_bytes = static_cast<std::size_t>(parse_int("--max-line-bytes", *v, 1, kMaxLimit));
  if (auto v = a.value("--max-fields"))
    o.max_fields_per_line = static_cast<std::size_t>(parse_int("--max-fields", *v, 1, kMaxLimit));
  if (auto v = a.value("--max-input-bytes")) {
    o.max_input_bytes =
        static_cast<std::uint64_t>(parse_int("--max-input-bytes", *v, 1, kMaxLimit));
  }
  return o;
}

namespace {

/// --prior P=A,B as a Beta prior on P.
void set_prior(FitOptions& o, const std::string& spec) {
  auto eq = spec.find('='), comma = spec.find(',');
  if (eq == std::string::npos || comma == std::string::npos || comma < eq) {
    throw UsageError("--prior takes P=A,B, e.g. guess=2,5, got '" + spec + "'");
  }
  std::string name = spec.substr(0, eq);
  BetaPrior* slot = o.find_prior(name);
  if (!slot) {
    throw UsageError("--prior: unknown parameter '" + name +
                     "' (prior, learn, forget, guess, slip, forget_per_day)");
  }
  *slot = BetaPrior{parse_double("--prior", spec.substr(eq + 1, comma - eq - 1)),
                    parse_double("--prior", spec.substr(comma + 1))};
}

}  // namespace

FitOptions fit_options(const Args& a) {
  FitOptions o;
  if (auto v = a.value("--preset")) {
    if (*v != "bkt" && *v != "pybkt")
      throw UsageError("--preset must be bkt or pybkt, got '" + *v + "'");
    o = FitOptions::preset(*v);
  }
  if (auto v = a.value("--restarts"))
    o.restarts = static_cast<int>(parse_int("--restarts", *v, 1, 1000));
  if (auto v = a.value("--max-iter"))
    o.max_iterations = static_cast<int>(parse_int("--max-iter", *v, 1, 1000000));
  if (auto v = a.value("--tol")) o.tolerance = parse_double("--tol", *v);
  if (auto v = a.value("--seed"))
    o.seed = static_cast<std::uint64_t>(parse_int("--seed", *v, 0, 0x7fffffffffffffffL));
  if (auto v = a.value("--threads"))
    o.threads = static_cast<unsigned>(parse_int("--threads", *v, 0, 1024));
  o.forgetting = a.flag("--forgetting");
  o.item_guess_slip = a.flag("--item-guess-slip");
  if (auto v = a.value("--item-min-responses")) {
    if (!o.item_guess_slip) throw UsageError("--item-min-responses needs --item-guess-slip");
    o.item_min_responses =
        static_cast<std::size_t>(parse_int("--item-min-responses", *v, 1, 1000000000));
  }
  for (const auto& b : a.all("--bound")) set_bound(o, b);
  for (const auto& f : a.all("--fix")) {
    auto eq = f.find('=');
    if (eq == std::string::npos)
      throw UsageError("--fix takes P=V, e.g. forget=0, got '" + f + "'");
    const std::string name = f.substr(0, eq);
    const double value = parse_double("--fix", f.substr(eq + 1));
    std::optional<double>* slot = o.fixed.find(name);
    if (!slot) {
      throw UsageError("field 'fixed': unknown parameter '" + name +
                       "' to fix; expected prior, learn, forget, guess or slip");
    }
    *slot = value;
  }
  for (const auto& p : a.all("--prior")) set_prior(o, p);
  o.conjunctive = a.flag("--conjunctive");
  o.forget_per_day = a.flag("--daily-forgetting");
  if (a.flag("--learner-layer") && a.flag("--no-learner-layer"))
    throw UsageError("--learner-layer and --no-learner-layer exclude each other");
  if (a.flag("--learner-layer")) o.learner.enabled = true;
  if (a.flag("--no-learner-layer")) o.learner.enabled = false;
  if (auto v = a.value("--learner-terms")) {
    if (!o.learner.enabled) throw UsageError("--learner-terms needs --learner-layer");
    std::vector<std::string> groups;
    for (std::size_t from = 0;;) {
      const std::size_t comma = v->find(',', from);
      groups.push_back(v->substr(from, comma == std::string::npos ? std::string::npos
                                                                    : comma - from));
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
    try {
      o.learner.set_terms(groups);
    } catch (const Error& e) {
      throw UsageError("--learner-terms: " + e.message());
    }
  }
  if (auto v = a.value("--max-guess-plus-slip")) {
    if (*v == "none")
      o.max_guess_plus_slip.reset();
    else
      o.max_guess_plus_slip = parse_double("--max-guess-plus-slip", *v);
  }
  if (auto v = a.value("--min-responses"))
    o.min_skill_responses =
        static_cast<std::size_t>(parse_int("--min-responses", *v, 1, 1000000000));
  set_skill_filter(o, a);
  try {
    o.validate();
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  return o;
}

ResponseLog load_log(const Args& a, std::ostream& err) {
  ResponseLog log = ResponseLog::read_file(data_path(a), read_options(a));
  if (!a.flag("--quiet") || log.report().skipped_total() > 0) err << log.report().summary();
  if (log.empty()) {
    throw Error(ErrorCode::InvalidArgument, "no usable responses in the log",
                Location{log.report().source, 0, 0, ""});
  }
  return log;
}

void check_filter(const FitOptions& o, const ResponseLog& log) {
  if (!o.skill_filter) return;
  for (std::uint32_t k = 0; k < log.skill_count(); ++k)
    if (o.skill_filter(log.skill_name(k))) return;
  throw UsageError("--skill/--skills match none of the log's " + std::to_string(log.skill_count()) +
                   " skills (--skills is a regular expression matched against the whole name; "
                   "to give a name as it is, use --skill NAME)");
}

std::function<void(std::size_t, std::size_t)> progress_printer(std::ostream& err, bool on,
                                                               const char* what) {
  if (!on) return {};
  return [&err, what](std::size_t done, std::size_t total) {
    err << "\r" << what << " " << done << "/" << total << " skills" << (done == total ? "\n" : "")
        << std::flush;
  };
}

BktModel load_model(const Args& a) {
  auto path = a.value("--model");
  if (!path) throw UsageError("missing --model FILE");
  return BktModel::load(*path);
}

std::string db_url(const Args& a) {
  auto db = a.value("--db");
  if (!db || db->empty()) {
    throw UsageError("missing --db URL (sqlite:PATH, a file path, or postgresql://...)");
  }
  return *db;
}

Engine open_engine(const Args& a) {
  auto curriculum = a.value("--curriculum");
  if (!curriculum) throw UsageError("missing --curriculum FILE");
  const std::string url = db_url(a);
  // Inputs first: a rejected curriculum or model must not leave a new database file behind.
  Curriculum c = Curriculum::load(*curriculum);
  BktModel m = load_model(a);
  return Engine(std::move(c), std::move(m), PolicyConfig{}, open_store(url));
}

std::string required_value(const Args& a, const char* name) {
  auto v = a.value(name);
  if (!v || v->empty()) throw UsageError(std::string("missing ") + name);
  return *v;
}

TimePoint time_of(const Args& a) {
  if (auto t = a.value("--time")) {
    return from_millis(parse_int("--time", *t, 0, kMaxMillis));
  }
  return std::chrono::system_clock::now();
}

std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "nan";
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string clip(const std::string& s, std::size_t width) {
  return s.size() <= width ? s : s.substr(0, width - 3) + "...";
}

void print_metrics_line(std::ostream& out, const Metrics& m) {
  out << "responses " << m.responses << "  auc " << fixed(m.auc, 4) << "  rmse " << fixed(m.rmse, 4)
      << "  accuracy " << fixed(m.accuracy, 4) << "  log_loss " << fixed(m.log_loss, 4) << "\n";
}

}  // namespace pathwise::cli
