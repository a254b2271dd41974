#include "cli.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <regex>
#include <sstream>

#include "pathwise/json.hpp"
#include "pathwise/pathwise.hpp"

namespace pathwise::cli {

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* kMainHelp = R"(pathwise — Bayesian Knowledge Tracing from response logs, and the engine

usage: pathwise <command> [options] ...

commands:
  fit            fit BKT parameters per skill and write a model (JSON)
  evaluate       score a model's one-step-ahead predictions on a log (AUC, RMSE, accuracy, log-loss)
  predict        write P(correct) for every response of a log as CSV
  crossvalidate  k-fold cross-validation with folds by learner
  record         record one response in a profile store
  recommend      the next item for a learner, with the reason why
  profile        a learner's profile (P(known) per skill, counters, goals)
  export         everything held on a learner, as JSON (a data request)
  erase          remove everything held on a learner (an erasure request)
  goals          show or set a learner's goals
  class-summary  per-skill mastery over every learner of a store
  migrate-store  copy every learner, with their responses, from one store to another
  simulate       compare sequencing policies on simulated learners

Stores are named by URL: sqlite:PATH (or a plain file path), postgresql://user@host/db (or
"host=... dbname=..."). Run 'pathwise <command> --help' for the options of a command.
Exit codes: 0 ok, 1 bad input, 2 usage error, 3 store busy or unreachable (retry).
)";

const char* kReadHelp = R"(
input options (every command):
  --format F          auto (default), csv, tsv, hmm, three-line
  --learner-col NAME  learner column (default: user_id, Anon Student Id, student_id, ...)
  --skill-col NAME    skill column (default: skill_name, KC(Default), skill_id, ...)
  --correct-col NAME  0/1 outcome column (default: correct, Correct First Attempt, outcome)
  --order-col NAME    numeric sort key within a learner (default: order_id, Row; '-' = file order)
  --item-col NAME     item column (default: template_id, problem_id, Problem Name, ...; '-' = none)
  --skill-sep SEP     separator of multi-skill cells (default '~~', hmm-scalable '~');
                      'none' keeps a cell as one skill label, as pyBKT does
  --empty-skill-as L  keep rows without a skill under skill L (pyBKT calls it 'nan')
  --keep-scaffolding  keep ASSISTments rows with original = 0 (default: left out, as pyBKT)
  --strict            stop at the first bad row (file:line:column)
  --lenient           skip bad rows, count them by reason and print the count (default)
)";

const char* kFitOptionsHelp = R"(
fit options:
  --restarts N        random restarts per skill, best log-likelihood wins (default 5)
  --max-iter N        maximum EM iterations per restart (default 100)
  --tol X             stop when the log-likelihood changes by <= X (default 1e-3)
  --seed N            seed of the random starting points (default 42)
  --threads N         worker threads, 0 = all cores (default 0)
  --forgetting        fit a forget probability (default: forget = 0)
  --item-guess-slip   fit guess and slip per item (KT-IDEM; needs an item column)
  --item-min-responses N  with --item-guess-slip: items with fewer responses share their
                      skill's guess/slip (default 1)
  --bound P=LO:HI     keep parameter P (prior, learn, forget, guess, slip) in [LO, HI]; repeatable
  --fix P=V           hold parameter P at V; repeatable
  --skill NAME        fit only the skill named NAME exactly; repeatable
  --skills REGEX      fit only skills whose whole name matches REGEX (ECMAScript syntax)
  --min-responses N   leave out skills with fewer than N responses (default 1)
)";

struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;
  std::map<std::string, bool> flags;
  bool help = false;

  bool flag(const std::string& name) const { return flags.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second.back();
  }
  std::vector<std::string> all(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
  }
};

const std::vector<std::string> kValueOptions = {"--format",
                                                "--learner-col",
                                                "--skill-col",
                                                "--correct-col",
                                                "--order-col",
                                                "--item-col",
                                                "--skill-sep",
                                                "--empty-skill-as",
                                                "--restarts",
                                                "--max-iter",
                                                "--tol",
                                                "--seed",
                                                "--threads",
                                                "--bound",
                                                "--fix",
                                                "--skills",
                                                "--skill",
                                                "--output",
                                                "-o",
                                                "--model",
                                                "-m",
                                                "--folds",
                                                "--curriculum",
                                                "--db",
                                                "--learner",
                                                "--item",
                                                "--outcome",
                                                "--time",
                                                "--policy",
                                                "--learners",
                                                "--max-attempts",
                                                "--fixed-per-skill",
                                                "--forget-per-day",
                                                "--concentration",
                                                "--prerequisite-factor",
                                                "--goals",
                                                "--csv",
                                                "--svg",
                                                "--item-min-responses",
                                                "--min-responses",
                                                "--set",
                                                "--from",
                                                "--to"};
const std::vector<std::string> kFlagOptions = {"--strict",
                                               "--lenient",
                                               "--forgetting",
                                               "--json",
                                               "--keep-scaffolding",
                                               "--quiet",
                                               "--skip-unknown-skills",
                                               "--item-guess-slip",
                                               "--conjunctive-baselines",
                                               "--classic-pathwise",
                                               "--hide-forgetting"};

Args parse_args(const std::vector<std::string>& argv) {
  Args a;
  if (argv.empty()) throw UsageError("missing command");
  a.command = argv[0];
  for (std::size_t i = 1; i < argv.size(); ++i) {
    std::string s = argv[i];
    if (s == "--help" || s == "-h") {
      a.help = true;
      continue;
    }
    std::string name = s, val;
    bool has_eq = false;
    if (s.rfind("--", 0) == 0) {
      auto eq = s.find('=');
      if (eq != std::string::npos) {
        name = s.substr(0, eq);
        val = s.substr(eq + 1);
        has_eq = true;
      }
    }
    if (std::find(kValueOptions.begin(), kValueOptions.end(), name) != kValueOptions.end()) {
      if (!has_eq) {
        if (i + 1 >= argv.size()) throw UsageError("option " + name + " needs a value");
        val = argv[++i];
      }
      if (name == "-o") name = "--output";
      if (name == "-m") name = "--model";
      a.values[name].push_back(val);
    } else if (std::find(kFlagOptions.begin(), kFlagOptions.end(), name) != kFlagOptions.end()) {
      if (has_eq) throw UsageError("option " + name + " takes no value");
      a.flags[name] = true;
    } else if (s.size() > 1 && s[0] == '-') {
      throw UsageError("unknown option " + s);
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

long parse_int(const std::string& option, const std::string& v, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || x < lo || x > hi) {
    throw UsageError(option + " must be an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], got '" + v + "'");
  }
  return x;
}

double parse_double(const std::string& option, const std::string& v) {
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(x)) {
    throw UsageError(option + " must be a number, got '" + v + "'");
  }
  return x;
}

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
    } else {
      throw UsageError("--format must be auto, csv, tsv, hmm or three-line, got '" + *f + "'");
    }
  }
  if (auto v = a.value("--learner-col")) o.columns.learner = *v;
  if (auto v = a.value("--skill-col")) o.columns.skill = *v;
  if (auto v = a.value("--correct-col")) o.columns.correct = *v;
  if (auto v = a.value("--order-col")) o.columns.order = *v;
  if (auto v = a.value("--item-col")) o.columns.item = *v;
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
  return o;
}

void set_bound(FitOptions& o, const std::string& spec) {
  auto eq = spec.find('='), colon = spec.find(':');
  if (eq == std::string::npos || colon == std::string::npos || colon < eq) {
    throw UsageError("--bound takes P=LO:HI, e.g. guess=0:0.3, got '" + spec + "'");
  }
  std::string name = spec.substr(0, eq);
  Bounds b{parse_double("--bound", spec.substr(eq + 1, colon - eq - 1)),
           parse_double("--bound", spec.substr(colon + 1))};
  if (name == "prior")
    o.prior_bounds = b;
  else if (name == "learn")
    o.learn_bounds = b;
  else if (name == "forget")
    o.forget_bounds = b;
  else if (name == "guess")
    o.guess_bounds = b;
  else if (name == "slip")
    o.slip_bounds = b;
  else
    throw UsageError("--bound: unknown parameter '" + name +
                     "' (prior, learn, forget, guess, slip)");
}

FitOptions fit_options(const Args& a) {
  FitOptions o;
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
    o.fixed[f.substr(0, eq)] = parse_double("--fix", f.substr(eq + 1));
  }
  if (auto v = a.value("--min-responses"))
    o.min_skill_responses =
        static_cast<std::size_t>(parse_int("--min-responses", *v, 1, 1000000000));
  std::vector<std::string> exact = a.all("--skill");
  std::shared_ptr<std::regex> re;
  if (auto v = a.value("--skills")) {
    try {
      re = std::make_shared<std::regex>(*v, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw UsageError("--skills: invalid regular expression '" + *v + "': " + e.what());
    }
  }
  if (re || !exact.empty()) {
    o.skill_filter = [re, exact](const std::string& s) {
      return std::find(exact.begin(), exact.end(), s) != exact.end() ||
             (re && std::regex_match(s, *re));
    };
  }
  try {
    o.validate();
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  return o;
}

std::string data_path(const Args& a) {
  if (a.positional.empty()) throw UsageError("missing DATA (the response log to read)");
  if (a.positional.size() > 1)
    throw UsageError("one DATA file expected, got " + std::to_string(a.positional.size()));
  return a.positional[0];
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

/// --skill / --skills that select nothing are a usage mistake, not bad data.
void check_filter(const FitOptions& o, const ResponseLog& log) {
  if (!o.skill_filter) return;
  for (std::uint32_t k = 0; k < log.skill_count(); ++k)
    if (o.skill_filter(log.skill_name(k))) return;
  throw UsageError("--skill/--skills match none of the log's " + std::to_string(log.skill_count()) +
                   " skills (--skills is a regular expression matched against the whole name; "
                   "to give a name as it is, use --skill NAME)");
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

std::function<void(std::size_t, std::size_t)> progress_printer(std::ostream& err, bool on,
                                                               const char* what) {
  if (!on) return {};
  return [&err, what](std::size_t done, std::size_t total) {
    err << "\r" << what << " " << done << "/" << total << " skills" << (done == total ? "\n" : "")
        << std::flush;
  };
}

int cmd_fit(const Args& a, std::ostream& out, std::ostream& err, bool progress) {
  if (a.help) {
    out << "usage: pathwise fit [options] DATA [-o model.json]\n\n"
           "Fits BKT per skill by EM and prints a per-skill table; writes the model with -o.\n"
           "  -o, --output FILE   write the model (JSON) to FILE\n"
           "  --json              print the fit report as JSON instead of the table\n"
           "  --quiet             print no read summary unless rows were skipped\n"
        << kFitOptionsHelp << kReadHelp;
    return kOk;
  }
  FitOptions opt = fit_options(a);
  ResponseLog log = load_log(a, err);
  check_filter(opt, log);
  opt.progress = progress_printer(err, progress && !a.flag("--quiet"), "fitting");
  FitResult r = fit_with_report(log, opt);
  if (auto path = a.value("--output")) r.model.save(*path);
  std::size_t warned = 0, unconverged = 0;
  for (const auto& s : r.report.skills) {
    warned += !s.warnings.empty();
    unconverged += !s.converged;
  }
  if (a.flag("--json")) {
    nlohmann::json j;
    j["log_likelihood"] = r.report.log_likelihood;
    j["seconds"] = r.report.seconds;
    j["threads"] = r.report.threads;
    j["responses"] = log.size();
    nlohmann::json skills = nlohmann::json::object();
    for (const auto& s : r.report.skills) {
      nlohmann::json sj = r.model.skill(s.skill);
      sj["responses"] = s.responses;
      sj["sequences"] = s.sequences;
      sj["log_likelihood"] = s.log_likelihood;
      sj["iterations"] = s.iterations;
      sj["converged"] = s.converged;
      sj["warnings"] = s.warnings;
      skills[s.skill] = std::move(sj);
    }
    j["skills"] = std::move(skills);
    out << j.dump(2) << "\n";
  } else {
    out << std::left << std::setw(40) << "skill" << std::right << std::setw(10) << "responses"
        << std::setw(7) << "seqs" << std::setw(8) << "prior" << std::setw(8) << "learn"
        << std::setw(8) << "guess" << std::setw(8) << "slip" << std::setw(8) << "forget"
        << std::setw(13) << "loglik" << std::setw(6) << "iter"
        << "  notes\n";
    for (const auto& s : r.report.skills) {
      const BktParams& p = r.model.skill(s.skill);
      std::string notes = s.converged ? "" : "not converged";
      for (const auto& w : s.warnings) notes += (notes.empty() ? "" : "; ") + w;
      out << std::left << std::setw(40) << clip(s.skill, 39) << std::right << std::setw(10)
          << s.responses << std::setw(7) << s.sequences << std::setw(8) << fixed(p.prior, 4)
          << std::setw(8) << fixed(p.learn, 4) << std::setw(8) << fixed(p.guess, 4) << std::setw(8)
          << fixed(p.slip, 4) << std::setw(8) << fixed(p.forget, 4) << std::setw(13)
          << fixed(s.log_likelihood, 2) << std::setw(6) << s.iterations << "  " << notes << "\n";
    }
  }
  double rate =
      r.report.seconds > 0 ? static_cast<double>(r.report.response_steps) / r.report.seconds : 0;
  std::size_t fitted_responses = 0;
  for (const auto& sk : r.report.skills) fitted_responses += sk.responses;
  err << "fitted " << r.report.skills.size() << " skills on " << fitted_responses
      << " responses in " << fixed(r.report.seconds, 3) << " s (" << r.report.threads
      << " threads, " << r.report.e_steps << " EM iterations, " << fixed(rate / 1e6, 1)
      << " M responses/s per iteration)\n";
  if (unconverged) err << unconverged << " skills did not converge within the iteration limit\n";
  if (warned) err << warned << " skills have degenerate fits (see notes)\n";
  if (auto path = a.value("--output")) err << "model written to " << *path << "\n";
  return kOk;
}

BktModel load_model(const Args& a) {
  auto path = a.value("--model");
  if (!path) throw UsageError("missing --model FILE");
  return BktModel::load(*path);
}

/// What evaluate and predict start from: the model, the log and whether to skip unknown skills.
struct ModelAndLog {
  BktModel model;
  ResponseLog log;
  EvaluateOptions options;
};

ModelAndLog model_and_log(const Args& a, std::ostream& err) {
  BktModel model = load_model(a);
  ResponseLog log = load_log(a, err);
  EvaluateOptions eo;
  eo.skip_unknown_skills = a.flag("--skip-unknown-skills");
  return {std::move(model), std::move(log), eo};
}

int cmd_evaluate(const Args& a, std::ostream& out, std::ostream& err) {
  if (a.help) {
    out << "usage: pathwise evaluate --model M [options] DATA\n\n"
           "Scores the model's one-step-ahead predictions of every response in DATA.\n"
           "  -m, --model FILE          the model (JSON) written by 'pathwise fit'\n"
           "  --json                    print one JSON object\n"
           "  --skip-unknown-skills     leave out (and count) skills the model lacks\n"
           "  --quiet                   print no read summary unless rows were skipped\n"
        << kReadHelp;
    return kOk;
  }
  auto [model, log, eo] = model_and_log(a, err);
  Metrics m = evaluate(model, log, eo);
  if (a.flag("--json")) {
    nlohmann::json j = m;
    out << j.dump() << "\n";
  } else {
    print_metrics_line(out, m);
  }
  if (m.skipped_unknown_skill)
    err << m.skipped_unknown_skill << " responses of skills the model lacks were left out\n";
  return kOk;
}

int cmd_predict(const Args& a, std::ostream& out, std::ostream& err) {
  if (a.help) {
    out << "usage: pathwise predict --model M [options] DATA [-o predictions.csv]\n\n"
           "Writes P(correct) for every response, predicted from the learner's earlier responses\n"
           "on the same skill, as CSV: row,line,skill,item,correct,p_correct, in input order\n"
           "('row' is the response's position in DATA, 'line' its line; a multi-skill row gives\n"
           "one output line per skill).\n"
           "  -m, --model FILE          the model (JSON) written by 'pathwise fit'\n"
           "  -o, --output FILE         write the CSV to FILE instead of standard output\n"
           "  --skip-unknown-skills     leave out (and count) skills the model lacks\n"
           "  --quiet                   print no read summary unless rows were skipped\n"
        << kReadHelp;
    return kOk;
  }
  auto [model, log, eo] = model_and_log(a, err);
  std::vector<double> p = predict(model, log, eo);
  std::vector<std::uint32_t> skill_of(log.size());
  for (const auto& s : log.sequences())
    for (auto i = s.begin; i < s.end; ++i) skill_of[i] = s.skill;
  std::vector<std::size_t> order(log.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto& lines = log.lines();
  const auto& rows = log.rows();
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return rows[x] < rows[y]; });
  std::ofstream file;
  std::ostream* dst = &out;
  if (auto path = a.value("--output")) {
    file.open(*path);
    if (!file) throw Error(ErrorCode::Io, "cannot create file", Location{*path, 0, 0, ""});
    dst = &file;
  }
  auto csv = [](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  *dst << "row,line,skill,item,correct,p_correct\n";
  std::size_t skipped = 0;
  char buf[32];
  for (std::size_t i : order) {
    if (std::isnan(p[i])) {
      ++skipped;
      continue;
    }
    std::snprintf(buf, sizeof buf, "%.6f", p[i]);
    std::string item = (!log.items().empty() && log.items()[i] != ResponseLog::kNoItem)
                           ? log.item_id(log.items()[i])
                           : std::string();
    *dst << rows[i] << ',' << lines[i] << ',' << csv(log.skill_name(skill_of[i])) << ','
         << csv(item) << ',' << int(log.outcomes()[i]) << ',' << buf << '\n';
  }
  dst->flush();
  if (!*dst) throw Error(ErrorCode::Io, "failed writing the predictions");
  if (skipped) err << skipped << " responses of skills the model lacks were left out\n";
  return kOk;
}

int cmd_crossvalidate(const Args& a, std::ostream& out, std::ostream& err, bool progress) {
  if (a.help) {
    out << "usage: pathwise crossvalidate [--folds K] [options] DATA\n\n"
           "K-fold cross-validation with folds by learner: each fold is predicted by a model\n"
           "fitted on the other folds. Prints per-fold figures and mean +- sd.\n"
           "  --folds K     number of folds (default 5)\n"
           "  --json        print one JSON object\n"
           "  --quiet       print no read summary unless rows were skipped\n"
        << kFitOptionsHelp << kReadHelp;
    return kOk;
  }
  int folds =
      a.value("--folds") ? static_cast<int>(parse_int("--folds", *a.value("--folds"), 2, 1000)) : 5;
  FitOptions opt = fit_options(a);
  ResponseLog log = load_log(a, err);
  check_filter(opt, log);
  opt.progress = progress_printer(err, progress && !a.flag("--quiet"), "fold fitting");
  CrossValidation cv = cross_validate(log, opt, folds, opt.seed);
  if (a.flag("--json")) {
    nlohmann::json j = cv.mean;
    j["folds"] = cv.folds;
    nlohmann::json sd = cv.sd;
    sd.erase("responses");
    j["sd"] = sd;
    out << j.dump() << "\n";
  } else {
    for (std::size_t f = 0; f < cv.folds.size(); ++f) {
      out << "fold " << f + 1 << ": ";
      print_metrics_line(out, cv.folds[f]);
    }
    out << "mean +- sd: auc " << fixed(cv.mean.auc, 4) << " +- " << fixed(cv.sd.auc, 4) << "  rmse "
        << fixed(cv.mean.rmse, 4) << " +- " << fixed(cv.sd.rmse, 4) << "  accuracy "
        << fixed(cv.mean.accuracy, 4) << " +- " << fixed(cv.sd.accuracy, 4) << "  log_loss "
        << fixed(cv.mean.log_loss, 4) << " +- " << fixed(cv.sd.log_loss, 4) << "\n";
  }
  if (cv.mean.skipped_unknown_skill) {
    err << cv.mean.skipped_unknown_skill
        << " held-out responses were left out: their skill was not fitted (absent from the "
           "training folds, or not selected by --skill/--skills)\n";
  }
  return kOk;
}

/// The store a command works on: --db URL.
/// The store URL a command works on: --db URL.
std::string db_url(const Args& a) {
  auto db = a.value("--db");
  if (!db || db->empty()) {
    throw UsageError("missing --db URL (sqlite:PATH, a file path, or postgresql://...)");
  }
  return *db;
}

/// The engine a record/recommend/profile/... command works on: --curriculum, --model, --db.
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

/// --time in milliseconds since the epoch, or now.
TimePoint time_of(const Args& a) {
  if (auto t = a.value("--time")) {
    return from_millis(parse_int("--time", *t, 0, kMaxMillis));
  }
  return std::chrono::system_clock::now();
}

const char* kEngineHelp = R"(
engine options:
  --curriculum FILE   the curriculum document (JSON)
  -m, --model FILE    the model document (JSON) written by 'pathwise fit'
  --db URL            the profile store: sqlite:PATH or a file path (created if missing),
                      postgresql://user@host/db or "host=... dbname=..."
  --learner ID        the learner
  --time MS           milliseconds since the Unix epoch (default: now)
)";

int cmd_record(const Args& a, std::ostream& out) {
  if (a.help) {
    out << "usage: pathwise record --curriculum C --model M --db D --learner ID --item ITEM "
           "--outcome 0|1 [--time MS]\n\nRecords one response in the learner's profile and prints "
           "the new P(known) of the item's skills.\n"
           "  --item ID           the item answered (an id from the curriculum)\n"
           "  --outcome 0|1       1 correct, 0 incorrect\n"
        << kEngineHelp;
    return kOk;
  }
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
    out << j.dump() << "\n";
    return kOk;
  }
  out << "recorded; P(known):";
  for (const auto& s : engine.curriculum().item(item).skills)
    out << " " << s << " " << fixed(p.mastery(s), 3);
  out << "\n";
  return kOk;
}

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

int cmd_profile(const Args& a, std::ostream& out) {
  if (a.help) {
    out << "usage: pathwise profile --curriculum C --model M --db URL --learner ID [--json]\n\n"
           "Prints the learner's profile: P(known), attempts and mastery per skill, goals and\n"
           "counters. A learner with nothing stored has the fresh profile (every skill at its\n"
           "prior).\n  --json              print the profile document\n"
        << kEngineHelp;
    return kOk;
  }
  std::string learner = required_value(a, "--learner");
  Engine engine = open_engine(a);
  LearnerProfile p = engine.profile(learner);
  if (a.flag("--json")) {
    out << p.to_json() << "\n";
    return kOk;
  }
  out << "responses " << p.responses << "; goals "
      << (p.goals.empty() ? std::string("(whole curriculum)") : join_ids(p.goals)) << "\n";
  out << "skill\tp_known\tattempts\tcorrect\tmastered\n";
  for (const Skill& sk : engine.curriculum().skills()) {
    const SkillState* st = p.find(sk.id);
    if (!st) continue;
    out << sk.id << "\t" << fixed(st->p_known, 3) << "\t" << st->attempts << "\t" << st->correct
        << "\t" << (st->p_known >= engine.config().mastery_threshold ? "yes" : "no") << "\n";
  }
  return kOk;
}

int cmd_export(const Args& a, std::ostream& out) {
  if (a.help) {
    out << "usage: pathwise export --curriculum C --model M --db URL --learner ID\n\n"
           "Prints everything held on the learner as one JSON document (profile and every\n"
           "stored response): the answer to a data request. Exit code 1 if nothing is held.\n"
        << kEngineHelp;
    return kOk;
  }
  std::string learner = required_value(a, "--learner");
  Engine engine = open_engine(a);
  out << engine.export_learner(learner);
  return kOk;
}

int cmd_erase(const Args& a, std::ostream& out) {
  if (a.help) {
    out << "usage: pathwise erase --db URL --learner ID [--json]\n\n"
           "Removes everything held on the learner from the store (an erasure request). Every\n"
           "engine on the store sees the learner as new from then on.\n"
           "  --db URL            the profile store\n  --learner ID        the learner\n"
           "  --json              print {\"erased\": true|false}\n";
    return kOk;
  }
  std::string learner = required_value(a, "--learner");
  if (learner.size() > kMaxLearnerIdBytes) throw UsageError("--learner is too long");
  bool existed = open_store(db_url(a))->erase(learner);
  if (a.flag("--json")) {
    out << nlohmann::json{{"erased", existed}}.dump() << "\n";
  } else {
    out << (existed ? "erased\n" : "nothing was held on this learner\n");
  }
  return kOk;
}

int cmd_goals(const Args& a, std::ostream& out) {
  if (a.help) {
    out << "usage: pathwise goals --curriculum C --model M --db URL --learner ID [--set a,b] "
           "[--json]\n\nShows the learner's goals, or sets them with --set (skill ids, comma-"
           "separated;\n'' = the whole curriculum).\n"
           "  --set LIST          the new goals\n  --json              print {\"goals\": [...]}\n"
        << kEngineHelp;
    return kOk;
  }
  std::string learner = required_value(a, "--learner");
  Engine engine = open_engine(a);
  if (auto set = a.value("--set")) {
    std::vector<std::string> goals;
    if (!set->empty()) goals = split_ids(*set);
    engine.set_goals(learner, goals);
  }
  const auto goals = engine.profile(learner).goals;
  if (a.flag("--json")) {
    out << nlohmann::json{{"goals", goals}}.dump() << "\n";
  } else {
    out << (goals.empty() ? std::string("(whole curriculum)") : join_ids(goals)) << "\n";
  }
  return kOk;
}

int cmd_class_summary(const Args& a, std::ostream& out) {
  if (a.help) {
    out << "usage: pathwise class-summary --curriculum C --model M --db URL [--json]\n\n"
           "Per-skill mastery over every learner of the store: learners, mastered, mean P(known)\n"
           "and a histogram over [0,.2) [.2,.4) [.4,.6) [.6,.8) [.8,1].\n"
           "  --json              print one JSON object\n"
        << kEngineHelp;
    return kOk;
  }
  Engine engine = open_engine(a);
  ClassSummary cs = engine.class_summary();
  if (a.flag("--json")) {
    out << cs.to_json() << "\n";
    return kOk;
  }
  out << cs.learners << " learners\nskill\tmastered\tmean\thistogram\n";
  for (const auto& s : cs.skills) {
    out << s.skill << "\t" << s.mastered << "\t" << fixed(s.mean, 3) << "\t";
    for (std::size_t k = 0; k < s.histogram.size(); ++k) out << (k ? " " : "") << s.histogram[k];
    out << "\n";
  }
  return kOk;
}

int cmd_migrate_store(const Args& a, std::ostream& out) {
  if (a.help) {
    out << "usage: pathwise migrate-store --from URL --to URL [--json]\n\n"
           "Copies every learner, with every stored response, from one store to another (e.g.\n"
           "sqlite:profiles.db to postgresql://...). A learner already in the target is\n"
           "replaced. Stop the writers first: responses recorded in the source meanwhile are\n"
           "not copied. Each learner is read back from the target and compared.\n"
           "  --from URL          the source store\n  --to URL            the target store\n"
           "  --json              print {\"learners\": N, \"responses\": M}\n";
    return kOk;
  }
  std::string from = required_value(a, "--from"), to = required_value(a, "--to");
  if (from == to) throw UsageError("--from and --to name the same store");
  auto source = open_store(from);
  auto target = open_store(to);
  std::vector<std::string> learners;
  source->for_each([&](const LearnerProfile& p) { learners.push_back(p.learner); });
  std::size_t copied = 0, responses = 0;
  for (const auto& l : learners) {
    auto p = source->load(l);
    if (!p) continue;  // erased meanwhile
    auto rs = source->responses(l);
    target->import(p->profile, rs);
    auto back = target->load(l);
    if (!back || back->profile != p->profile || target->responses(l) != rs) {
      throw Error(ErrorCode::Io,
                  "a learner read back from the target differs from the source "
                  "(learner " +
                      std::to_string(copied + 1) + " of " + std::to_string(learners.size()) + ")");
    }
    ++copied;
    responses += rs.size();
  }
  if (a.flag("--json")) {
    out << nlohmann::json{{"learners", copied}, {"responses", responses}}.dump() << "\n";
  } else {
    out << "copied " << copied << " learners and " << responses << " responses; verified\n";
  }
  return kOk;
}

int cmd_recommend(const Args& a, std::ostream& out) {
  if (a.help) {
    out << "usage: pathwise recommend --curriculum C --model M --db D --learner ID [--time MS] "
           "[--json]\n\nPrints the next item for the learner and why.\n"
           "  --json              print one JSON object (item, skill, reason, explanation, "
           "p_correct)\n"
        << kEngineHelp;
    return kOk;
  }
  std::string learner = required_value(a, "--learner");
  Engine engine = open_engine(a);
  auto r = engine.recommend(learner, time_of(a));
  if (a.flag("--json")) {
    nlohmann::json j;
    if (r) {
      j = {{"item", r->item},
           {"skill", r->skill},
           {"reason", to_string(r->reason)},
           {"explanation", r->explanation}};
      j["p_correct"] =
          std::isfinite(r->p_correct) ? nlohmann::json(r->p_correct) : nlohmann::json();
    }
    out << j.dump() << "\n";
  } else if (r) {
    out << (r->item.empty() ? "-" : r->item) << "  " << to_string(r->reason) << "  "
        << r->explanation << "\n";
  } else {
    out << "nothing to recommend (empty curriculum)\n";
  }
  return kOk;
}

const char* kSimulateHelp = R"(usage: pathwise simulate [options]

Compares sequencing policies on the same simulated learners: attempts until each policy declares
the goals done, false mastery then and after 30 days, over-practice, post-test score,
wheel-spinning, with 95% confidence intervals. Without --curriculum/--model, a built-in
arithmetic course with prerequisites is used.
  --policy P               fixed, random, mastery, pathwise, oracle or all (default all)
  --learners N             learners per policy (default 1000)
  --seed S                 population seed (default 1)
  -m, --model FILE         model document; per-item guess/slip are used when present
  --curriculum FILE        curriculum document (with --model); without it, each model skill
                           is a course skill with the model's items, or 3 items of its own
  --goals a,b              goal skills (default: all)
  --max-attempts N         cap per learner (default 400)
  --fixed-per-skill N      items per skill of the fixed order (default: with 'all', the smallest
                           N reaching pathwise's false mastery; the sweep is printed).
                           With 'all', the mastery tutor's threshold is also raised from 0.95
                           until it reaches pathwise's false mastery, and that sweep is printed
  --forget-per-day X       chance per day that a known skill is forgotten (default 0); the
                           sequencer is told it for skills whose model has no forget_per_day
  --hide-forgetting        ... unless this is given: it then spaces reviews by its own schedule
  --concentration K        spread of learners around the model, Beta concentration (default 20)
  --prerequisite-factor F  learning speed before prerequisites are known (default 0.2)
  --conjunctive-baselines  random and mastery blame a wrong answer to a multi-skill item on each
                           skill as far as it is likely to have caused it, as pathwise does
                           (default: the classic tutor's rule, the whole blame on every skill)
  --classic-pathwise       pathwise uses the classic rule instead (to see what the rule is worth)
  --json                   print one JSON object
  --csv FILE               write every learner's run as CSV
  --svg FILE               draw mastery-over-attempts curves per policy
)";

double parse_unit(const std::string& option, const std::string& v) {
  double x = parse_double(option, v);
  if (x < 0 || x > 1) throw UsageError(option + " must be in [0, 1], got '" + v + "'");
  return x;
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

int cmd_simulate(const Args& a, std::ostream& out, std::ostream& err) {
  if (a.help) {
    out << kSimulateHelp;
    return kOk;
  }
  SyntheticCourse course = synthetic_course();
  if (a.value("--curriculum") && !a.value("--model")) {
    throw UsageError("--curriculum needs --model");
  }
  if (a.value("--model")) {
    course.model = load_model(a);
    if (!a.value("--curriculum")) {
      // Skills whose answers carry no evidence (guess + slip >= 1) cannot be taught to mastery
      // by any policy; a course made from the model leaves them out, and says so.
      BktModel usable;
      std::size_t dropped = 0;
      for (const auto& [name, p] : course.model.skills()) {
        if (p.guess + p.slip >= 1.0) {
          ++dropped;
          continue;
        }
        usable.set_skill(name, p);
      }
      for (const auto& [id, ip] : course.model.items())
        if (usable.find_skill(ip.skill)) usable.set_item(id, ip);
      if (dropped > 0) {
        err << "left out " << dropped << " of " << course.model.skill_count()
            << " skills whose guess + slip >= 1 (answers carry no evidence of knowing)\n";
      }
      if (usable.skill_count() == 0) {
        throw Error(ErrorCode::InvalidArgument, "the model has no skill with guess + slip < 1",
                    Location{*a.value("--model"), 0, 0, ""});
      }
      course.model = std::move(usable);
    }
    course.curriculum = a.value("--curriculum") ? Curriculum::load(*a.value("--curriculum"))
                                                : course_from_model(course.model);
  }
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
  o.baseline_conjunctive_update = a.flag("--conjunctive-baselines");
  o.tell_forgetting = !a.flag("--hide-forgetting");
  o.config.conjunctive_update = !a.flag("--classic-pathwise");
  if (auto v = a.value("--goals")) {
    std::stringstream ss(*v);
    for (std::string g; std::getline(ss, g, ',');)
      if (!g.empty()) o.goals.push_back(g);
  }
  const std::string which = a.value("--policy").value_or("all");
  std::vector<SimPolicy> policies;
  for (SimPolicy p : {SimPolicy::Fixed, SimPolicy::Random, SimPolicy::Mastery, SimPolicy::Pathwise,
                      SimPolicy::Oracle}) {
    if (which == "all" || which == to_string(p)) policies.push_back(p);
  }
  if (policies.empty()) {
    throw UsageError("--policy must be fixed, random, mastery, pathwise, oracle or all, got '" +
                     which + "'");
  }
  // With 'all', pathwise runs once, first: both sweeps below aim at its false mastery, and its
  // result goes into the table as it is.
  std::optional<PolicyResult> pathwise_run;
  if (which == "all")
    pathwise_run = simulate_policies(course.curriculum, course.model, {SimPolicy::Pathwise}, o)[0];
  // The fixed order's N: given, or with 'all' the smallest N whose false mastery is at most the
  // pathwise sequencer's on the same learners.
  nlohmann::json sweep = nlohmann::json::array();
  if (auto v = a.value("--fixed-per-skill")) {
    o.fixed_per_skill = static_cast<std::size_t>(parse_int("--fixed-per-skill", *v, 1, 10000));
  } else if (pathwise_run) {
    const double target = pathwise_run->false_mastery.mean;
    o.fixed_per_skill = 0;
    for (std::size_t n = 1; n <= 60; ++n) {
      PolicySimulationOptions f = o;
      f.fixed_per_skill = n;
      PolicyResult r = simulate_policies(course.curriculum, course.model, {SimPolicy::Fixed}, f)[0];
      sweep.push_back(
          {{"n", n}, {"attempts", r.attempts.mean}, {"false_mastery", r.false_mastery.mean}});
      if (r.false_mastery.mean <= target) {
        o.fixed_per_skill = n;
        break;
      }
    }
    if (o.fixed_per_skill == 0) {
      o.fixed_per_skill = 60;
      err << "no fixed N up to 60 reaches pathwise's false mastery " << fixed(target, 3)
          << "; using 60\n";
    }
  }
  // The mastery tutor at equal quality: with 'all', its threshold is raised from 0.95 in steps
  // of 0.005 until its false mastery is at most pathwise's (as fixed's N above).
  nlohmann::json tutor_sweep = nlohmann::json::array();
  std::optional<PolicyResult> tutor_matched;
  double tutor_threshold = 0.0;
  if (pathwise_run) {
    const double target = pathwise_run->false_mastery.mean;
    for (int k = 0; k <= 9; ++k) {
      PolicySimulationOptions t = o;
      t.config.mastery_threshold = o.config.mastery_threshold + 0.005 * k;
      if (t.config.mastery_threshold > 0.9995) break;
      PolicyResult r =
          simulate_policies(course.curriculum, course.model, {SimPolicy::Mastery}, t)[0];
      tutor_sweep.push_back({{"threshold", t.config.mastery_threshold},
                             {"attempts", r.attempts.mean},
                             {"false_mastery", r.false_mastery.mean}});
      if (r.false_mastery.mean <= target) {
        tutor_threshold = t.config.mastery_threshold;
        tutor_matched = std::move(r);
        break;
      }
    }
  }
  std::vector<SimPolicy> to_run;
  for (SimPolicy p : policies)
    if (!(pathwise_run && p == SimPolicy::Pathwise)) to_run.push_back(p);
  std::vector<PolicyResult> ran = simulate_policies(course.curriculum, course.model, to_run, o);
  std::vector<PolicyResult> rs;  // in the order of `policies`
  for (std::size_t k = 0, r = 0; k < policies.size(); ++k) {
    if (pathwise_run && policies[k] == SimPolicy::Pathwise)
      rs.push_back(std::move(*pathwise_run));
    else
      rs.push_back(std::move(ran[r++]));
  }
  if (auto path = a.value("--csv")) {
    std::ofstream f(*path);
    if (!f) throw Error(ErrorCode::Io, "cannot create file", Location{*path, 0, 0, ""});
    f << "policy,learner,attempts,declared_done,false_mastery,false_mastery_delayed,over_practice,"
         "post_test,wheel_spinning,attempts_to_mastery\n";
    for (const auto& r : rs)
      for (std::size_t l = 0; l < r.learners.size(); ++l) {
        const LearnerRun& x = r.learners[l];
        f << to_string(r.policy) << ',' << l + 1 << ',' << x.attempts << ',' << x.declared_done
          << ',' << x.false_mastery << ',' << x.false_mastery_delayed << ',' << x.over_practice
          << ',' << x.post_test << ',' << x.wheel_spinning << ',' << x.attempts_to_mastery << '\n';
      }
    if (!f) throw Error(ErrorCode::Io, "failed writing", Location{*path, 0, 0, ""});
  }
  if (auto path = a.value("--svg")) {
    std::ofstream f(*path);
    f << curves_svg(rs);
    if (!f) throw Error(ErrorCode::Io, "cannot write file", Location{*path, 0, 0, ""});
  }
  if (a.flag("--json")) {
    nlohmann::json j;
    j["learners"] = o.learners;
    j["seed"] = o.population.seed;
    j["fixed_per_skill"] = o.fixed_per_skill;
    if (!sweep.empty()) j["fixed_sweep"] = sweep;
    nlohmann::json ps = nlohmann::json::object();
    for (const auto& r : rs) {
      ps[to_string(r.policy)] = {{"attempts", r.attempts.mean},
                                 {"false_mastery", r.false_mastery.mean},
                                 {"false_mastery_delayed", r.false_mastery_delayed.mean},
                                 {"over_practice", r.over_practice.mean},
                                 {"post_test", r.post_test.mean},
                                 {"wheel_spinning", r.wheel_spinning},
                                 {"declared_done", r.declared_done},
                                 {"ci95",
                                  {{"attempts", r.attempts.ci95},
                                   {"false_mastery", r.false_mastery.ci95},
                                   {"post_test", r.post_test.ci95}}}};
    }
    j["policies"] = std::move(ps);
    if (!tutor_sweep.empty()) {
      j["mastery_sweep"] = tutor_sweep;
      if (tutor_matched) {
        j["mastery_matched"] = {{"threshold", tutor_threshold},
                                {"attempts", tutor_matched->attempts.mean},
                                {"false_mastery", tutor_matched->false_mastery.mean},
                                {"ci95",
                                 {{"attempts", tutor_matched->attempts.ci95},
                                  {"false_mastery", tutor_matched->false_mastery.ci95}}}};
      }
    }
    out << j.dump() << "\n";
    return kOk;
  }
  if (!sweep.empty()) {
    out << "fixed order sweep (items per skill -> attempts, false mastery):";
    for (const auto& s : sweep)
      out << "  " << s.at("n").get<std::size_t>() << " -> "
          << fixed(s.at("attempts").get<double>(), 1) << ", "
          << fixed(s.at("false_mastery").get<double>(), 3);
    out << "\nfixed order uses N = " << o.fixed_per_skill
        << " (smallest reaching pathwise's false mastery)\n\n";
  }
  if (!tutor_sweep.empty()) {
    out << "mastery tutor sweep (threshold -> attempts, false mastery):";
    for (const auto& s : tutor_sweep)
      out << "  " << fixed(s.at("threshold").get<double>(), 3) << " -> "
          << fixed(s.at("attempts").get<double>(), 1) << ", "
          << fixed(s.at("false_mastery").get<double>(), 3);
    if (tutor_matched) {
      out << "\nmastery tutor at pathwise's false mastery: threshold " << fixed(tutor_threshold, 3)
          << ", " << fixed(tutor_matched->attempts.mean, 1) << " +- "
          << fixed(tutor_matched->attempts.ci95, 1) << " attempts\n\n";
    } else {
      out << "\nno tutor threshold up to 0.995 reaches pathwise's false mastery\n\n";
    }
  }
  out << std::left << std::setw(10) << "policy" << std::right << std::setw(18) << "attempts"
      << std::setw(20) << "false mastery" << std::setw(20) << "after 30 days" << std::setw(16)
      << "over-practice" << std::setw(18) << "post-test" << std::setw(14) << "wheel-spin"
      << "\n";
  auto pm = [&](const Estimate& e, int d) { return fixed(e.mean, d) + " +- " + fixed(e.ci95, d); };
  for (const auto& r : rs) {
    out << std::left << std::setw(10) << to_string(r.policy) << std::right << std::setw(18)
        << pm(r.attempts, 1) << std::setw(20) << pm(r.false_mastery, 3) << std::setw(20)
        << pm(r.false_mastery_delayed, 3) << std::setw(16) << fixed(r.over_practice.mean, 1)
        << std::setw(18) << pm(r.post_test, 3) << std::setw(14) << fixed(r.wheel_spinning, 3)
        << "\n";
  }
  out << "(" << o.learners << " learners per policy, seed " << o.population.seed << ")\n";
  return kOk;
}

/// Options a command does not use are a usage error, not silently ignored.
void check_allowed(const Args& a) {
  static const std::vector<std::string> kRead = {
      "--format",    "--learner-col", "--skill-col",        "--correct-col",
      "--order-col", "--item-col",    "--skill-sep",        "--empty-skill-as",
      "--strict",    "--lenient",     "--keep-scaffolding", "--quiet"};
  static const std::vector<std::string> kFit = {"--restarts",
                                                "--max-iter",
                                                "--tol",
                                                "--seed",
                                                "--threads",
                                                "--forgetting",
                                                "--bound",
                                                "--fix",
                                                "--skills",
                                                "--skill",
                                                "--item-guess-slip",
                                                "--item-min-responses",
                                                "--min-responses"};
  static const std::vector<std::string> kEngine = {"--curriculum", "--model", "--db", "--learner",
                                                   "--time"};
  std::vector<std::string> allowed;
  auto add = [&](const std::vector<std::string>& v) {
    allowed.insert(allowed.end(), v.begin(), v.end());
  };
  std::size_t positional = 1;
  if (a.command == "fit") {
    add(kRead), add(kFit), add({"--output", "--json"});
  } else if (a.command == "evaluate") {
    add(kRead), add({"--model", "--json", "--skip-unknown-skills"});
  } else if (a.command == "predict") {
    add(kRead), add({"--model", "--output", "--skip-unknown-skills"});
  } else if (a.command == "crossvalidate") {
    add(kRead), add(kFit), add({"--folds", "--json"});
  } else if (a.command == "record") {
    add(kEngine), add({"--item", "--outcome", "--json"});
    positional = 0;
  } else if (a.command == "recommend" || a.command == "profile" || a.command == "class-summary") {
    add(kEngine), add({"--json"});
    positional = 0;
  } else if (a.command == "export") {
    add(kEngine);
    positional = 0;
  } else if (a.command == "goals") {
    add(kEngine), add({"--set", "--json"});
    positional = 0;
  } else if (a.command == "erase") {
    add({"--db", "--learner", "--json"});
    positional = 0;
  } else if (a.command == "migrate-store") {
    add({"--from", "--to", "--json"});
    positional = 0;
  } else if (a.command == "simulate") {
    add({"--curriculum", "--model", "--policy", "--learners", "--seed", "--max-attempts",
         "--fixed-per-skill", "--forget-per-day", "--concentration", "--prerequisite-factor",
         "--goals", "--json", "--csv", "--svg", "--conjunctive-baselines", "--classic-pathwise",
         "--hide-forgetting"});
    positional = 0;
  } else {
    return;  // unknown command: reported by the caller
  }
  auto check = [&](const std::string& name) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      throw UsageError("option " + name + " does not apply to '" + a.command + "'");
    }
  };
  for (const auto& kv : a.values) check(kv.first);
  for (const auto& kv : a.flags) check(kv.first);
  if (a.positional.size() > positional) {
    throw UsageError("'" + a.command + "' takes " +
                     (positional ? "one DATA file" : std::string("no file argument")) + ", got '" +
                     a.positional.back() + "'");
  }
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool progress) {
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      (args.empty() ? err : out) << kMainHelp;
      return args.empty() ? kUsage : kOk;
    }
    if (args[0] == "--version") {
      out << "pathwise " << kVersionString << "\n";
      return kOk;
    }
    Args a = parse_args(args);
    check_allowed(a);
    if (a.command == "fit") return cmd_fit(a, out, err, progress);
    if (a.command == "evaluate") return cmd_evaluate(a, out, err);
    if (a.command == "predict") return cmd_predict(a, out, err);
    if (a.command == "crossvalidate") return cmd_crossvalidate(a, out, err, progress);
    if (a.command == "record") return cmd_record(a, out);
    if (a.command == "recommend") return cmd_recommend(a, out);
    if (a.command == "profile") return cmd_profile(a, out);
    if (a.command == "export") return cmd_export(a, out);
    if (a.command == "erase") return cmd_erase(a, out);
    if (a.command == "goals") return cmd_goals(a, out);
    if (a.command == "class-summary") return cmd_class_summary(a, out);
    if (a.command == "migrate-store") return cmd_migrate_store(a, out);
    if (a.command == "simulate") return cmd_simulate(a, out, err);
    throw UsageError("unknown command '" + a.command + "'");
  } catch (const UsageError& e) {
    err << "pathwise: " << e.what() << "\n(run 'pathwise --help' for usage)\n";
    return kUsage;
  } catch (const Error& e) {
    err << "pathwise: error: " << e.what() << "\n";
    return e.code() == ErrorCode::Busy ? kBusy : kBadInput;
  } catch (const std::exception& e) {
    err << "pathwise: error: " << e.what() << "\n";
    return kBadInput;
  }
}

}  // namespace pathwise::cli
