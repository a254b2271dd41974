// pathwise._native: the C++ API for the Python package (python/pathwise). The Python layer
// (pathwise/__init__.py and friends) gives it pyBKT's shape; this file only converts values and
// releases the GIL around the long calls (reading, fitting, evaluating, cross-validating).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pathwise/json.hpp"
#include "pathwise/pathwise.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace pathwise::python {
namespace {

using LogPtr = std::shared_ptr<const ResponseLog>;

// ---- errors ---------------------------------------------------------------------------------

// pathwise::Error becomes pathwise.Error (or its subclass for the code), raised by the Python
// helper pathwise._errors._from_native so the classes are plain Python classes with attributes.
void translate_error(const Error& e) {
  py::object make = py::module_::import("pathwise._errors").attr("_from_native");
  const Location& at = e.location();
  py::object exc = make(to_string(e.code()), e.message(), std::string(e.what()), at.source, at.line,
                        at.column, at.field);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
}

// ---- options from Python dicts --------------------------------------------------------------

template <typename T>
std::optional<T> get(const py::dict& d, const char* key) {
  if (!d.contains(key)) return std::nullopt;
  py::object v = d[key];
  if (v.is_none()) return std::nullopt;
  try {
    return v.cast<T>();
  } catch (const py::cast_error&) {
    throw Error(ErrorCode::InvalidArgument,
                std::string("option '") + key + "' has the wrong type (" +
                    std::string(py::str(py::type::of(v).attr("__name__"))) + ")",
                Location{"", 0, 0, key});
  }
}

// Refuses a key the option dict does not know, so a misspelt option is not silently ignored.
void only_keys(const py::dict& d, std::initializer_list<const char*> known, const char* what) {
  for (const auto& kv : d) {
    const std::string k = py::str(kv.first);
    bool ok = false;
    for (const char* n : known) ok = ok || k == n;
    if (!ok) {
      std::string list;
      for (const char* n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      throw Error(ErrorCode::InvalidArgument,
                  std::string(what) + ": unknown option '" + k + "'; expected " + list,
                  Location{"", 0, 0, k});
    }
  }
}

LogFormat parse_format(const std::string& f) {
  if (f == "auto") return LogFormat::Auto;
  if (f == "delimited" || f == "csv" || f == "tsv") return LogFormat::Delimited;
  if (f == "hmm") return LogFormat::Hmm;
  if (f == "three-line") return LogFormat::ThreeLine;
  if (f == "xapi") return LogFormat::Xapi;
  throw Error(ErrorCode::InvalidArgument,
              "format must be auto, csv, tsv, delimited, hmm, three-line or xapi, got '" + f + "'",
              Location{"", 0, 0, "format"});
}

ReadOptions read_options(const py::dict& d) {
  ReadOptions o;
  if (auto f = get<std::string>(d, "format")) {
    o.format = parse_format(*f);
    if (*f == "csv") o.delimiter = ',';
    if (*f == "tsv") o.delimiter = '\t';
  }
  if (auto v = get<std::string>(d, "delimiter")) {
    if (v->size() != 1)
      throw Error(ErrorCode::InvalidArgument, "delimiter must be one character",
                  Location{"", 0, 0, "delimiter"});
    o.delimiter = (*v)[0];
  }
  if (auto v = get<std::string>(d, "learner")) o.columns.learner = *v;
  if (auto v = get<std::string>(d, "skill")) o.columns.skill = *v;
  if (auto v = get<std::string>(d, "correct")) o.columns.correct = *v;
  if (auto v = get<std::string>(d, "order")) o.columns.order = *v;
  if (auto v = get<std::string>(d, "item")) o.columns.item = *v;
  if (auto v = get<std::string>(d, "time")) o.columns.time = *v;
  if (auto v = get<std::string>(d, "epoch_unit")) {
    const std::optional<EpochUnit> unit = epoch_unit_named(*v);
    if (!unit) {
      throw Error(ErrorCode::InvalidArgument,
                  "epoch_unit must be auto, seconds or milliseconds, got '" + *v + "'",
                  Location{"", 0, 0, "epoch_unit"});
    }
    o.epoch_unit = *unit;
  }
  if (auto v = get<std::string>(d, "skill_map")) o.skill_map = *v;
  if (auto v = get<std::string>(d, "skill_extension")) o.skill_extension = *v;
  if (d.contains("skill_separator")) {
    py::object v = d["skill_separator"];
    // The string "default" leaves the reader's choice; None keeps a cell as one label.
    if (v.is_none()) {
      o.skill_separator = std::string();
    } else if (v.cast<std::string>() != "default") {
      o.skill_separator = v.cast<std::string>();
    }
  }
  if (auto v = get<std::string>(d, "empty_skill_label")) o.empty_skill_label = *v;
  if (auto v = get<bool>(d, "strict")) o.strict = *v;
  if (auto v = get<bool>(d, "keep_scaffolding")) o.keep_scaffolding = *v;
  if (auto v = get<std::size_t>(d, "max_line_bytes")) o.max_line_bytes = *v;
  if (auto v = get<std::size_t>(d, "max_fields_per_line")) o.max_fields_per_line = *v;
  if (auto v = get<std::uint64_t>(d, "max_input_bytes")) o.max_input_bytes = *v;
  return o;
}

BktParams params_from(const py::dict& d, BktParams p = {}) {
  if (auto v = get<double>(d, "prior")) p.prior = *v;
  if (auto v = get<double>(d, "learn")) p.learn = *v;
  if (auto v = get<double>(d, "forget")) p.forget = *v;
  if (auto v = get<double>(d, "guess")) p.guess = *v;
  if (auto v = get<double>(d, "slip")) p.slip = *v;
  return p;
}

py::dict params_dict(const BktParams& p) {
  return py::dict("prior"_a = p.prior, "learn"_a = p.learn, "forget"_a = p.forget,
                  "guess"_a = p.guess, "slip"_a = p.slip);
}

Error unknown_parameter(const std::string& where, const std::string& name) {
  return Error(ErrorCode::InvalidArgument,
               "unknown parameter '" + name + "'; expected prior, learn, forget, guess or slip",
               Location{"", 0, 0, where});
}

FitOptions fit_options(const py::dict& d) {
  FitOptions o;
  // A preset replaces every option; the other keys then change it.
  if (auto v = get<std::string>(d, "preset")) o = FitOptions::preset(*v);
  if (auto v = get<int>(d, "restarts")) o.restarts = *v;
  if (auto v = get<int>(d, "max_iterations")) o.max_iterations = *v;
  if (auto v = get<double>(d, "tolerance")) o.tolerance = *v;
  if (auto v = get<std::uint64_t>(d, "seed")) o.seed = *v;
  if (auto v = get<unsigned>(d, "threads")) o.threads = *v;
  if (auto v = get<bool>(d, "forgetting")) o.forgetting = *v;
  if (auto v = get<bool>(d, "item_guess_slip")) o.item_guess_slip = *v;
  if (auto v = get<bool>(d, "forget_per_day")) o.forget_per_day = *v;
  if (auto v = get<std::size_t>(d, "item_min_responses")) o.item_min_responses = *v;
  if (auto v = get<std::size_t>(d, "min_skill_responses")) o.min_skill_responses = *v;
  if (auto b = get<py::dict>(d, "bounds")) {
    for (auto kv : *b) {
      const auto name = kv.first.cast<std::string>();
      ParamBounds* slot = o.bounds.find(name);
      if (!slot) throw unknown_parameter("bounds", name);
      const auto lohi = kv.second.cast<std::pair<double, double>>();
      *slot = ParamBounds{lohi.first, lohi.second};
    }
  }
  if (auto f = get<py::dict>(d, "fixed")) {
    for (auto kv : *f) {
      const auto name = kv.first.cast<std::string>();
      std::optional<double>* slot = o.fixed.find(name);
      if (!slot) throw unknown_parameter("fixed", name);
      *slot = kv.second.cast<double>();
    }
  }
  if (auto p = get<py::dict>(d, "priors")) {
    for (auto kv : *p) {
      const auto name = kv.first.cast<std::string>();
      BetaPrior* slot = o.find_prior(name);
      if (!slot) throw unknown_parameter("priors", name);
      const auto ab = kv.second.cast<std::pair<double, double>>();
      *slot = BetaPrior{ab.first, ab.second};
    }
  }
  if (d.contains("learner")) {
    py::object v = d["learner"];
    if (py::isinstance<py::bool_>(v)) {
      o.learner.enabled = v.cast<bool>();
    } else {
      const auto l = v.cast<py::dict>();
      o.learner.enabled = true;
      if (auto x = get<bool>(l, "enabled")) o.learner.enabled = *x;
      if (auto x = get<double>(l, "pseudo_count")) o.learner.pseudo_count = *x;
      if (auto x = get<double>(l, "decay_recent")) o.learner.decay_recent = *x;
      if (auto x = get<double>(l, "decay_recent_slow")) o.learner.decay_recent_slow = *x;
      if (auto x = get<double>(l, "l2")) o.learner.l2 = *x;
      if (auto x = get<double>(l, "l2_skill")) o.learner.l2_skill = *x;
      if (auto x = get<int>(l, "max_iterations")) o.learner.max_iterations = *x;
      if (auto x = get<double>(l, "tolerance")) o.learner.tolerance = *x;
      if (auto terms = get<std::vector<std::string>>(l, "terms")) o.learner.set_terms(*terms);
    }
  }
  if (d.contains("max_guess_plus_slip")) {
    py::object v = d["max_guess_plus_slip"];
    if (v.is_none())
      o.max_guess_plus_slip.reset();
    else
      o.max_guess_plus_slip = v.cast<double>();
  }
  if (auto s = get<py::dict>(d, "start")) {
    for (auto kv : *s) {
      o.start[kv.first.cast<std::string>()] = params_from(kv.second.cast<py::dict>());
    }
  }
  if (auto skills = get<std::vector<std::string>>(d, "skills")) {
    auto keep = std::make_shared<std::set<std::string>>(skills->begin(), skills->end());
    o.skill_filter = [keep](const std::string& s) { return keep->count(s) != 0; };
  }
  o.validate();
  return o;
}

// ---- logs -----------------------------------------------------------------------------------

py::dict report_dict(const ReadReport& r) {
  py::dict skipped, first_place, first_message;
  for (std::size_t i = 0; i < kRowProblemCount; ++i) {
    if (!r.skipped[i]) continue;
    const char* name = to_string(static_cast<RowProblem>(i));
    skipped[name] = r.skipped[i];
    const Location& at = r.first_place[i];
    first_place[name] = py::dict("file"_a = at.source, "line"_a = at.line, "column"_a = at.column,
                                 "field"_a = at.field);
    first_message[name] = r.first_message[i];
  }
  py::dict columns("learner"_a = r.columns_used.learner, "skill"_a = r.columns_used.skill,
                   "correct"_a = r.columns_used.correct, "order"_a = r.columns_used.order,
                   "item"_a = r.columns_used.item, "time"_a = r.columns_used.time);
  return py::dict(
      "source"_a = r.source, "format"_a = to_string(r.format), "encoding"_a = r.encoding,
      "rows"_a = r.rows, "rows_kept"_a = r.rows_kept, "rows_relabelled"_a = r.rows_relabelled,
      "rows_filtered"_a = r.rows_filtered, "multi_skill_rows"_a = r.multi_skill_rows,
      "rows_without_time"_a = r.rows_without_time,
      "first_time"_a = r.first_time == kNoTime ? py::object(py::none()) : py::int_(r.first_time),
      "last_time"_a = r.last_time == kNoTime ? py::object(py::none()) : py::int_(r.last_time),
      "skipped_total"_a = r.skipped_total(), "skipped"_a = skipped, "first_place"_a = first_place,
      "first_message"_a = first_message, "columns"_a = columns, "summary"_a = r.summary());
}

template <typename T>
py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

// The log as columns in response order (grouped by sequence): codes into the name lists, the
// outcome, the input row (1-based; 0 where unknown) and the sequence's skill and learner.
py::dict log_columns(const ResponseLog& log) {
  const std::size_t n = log.size();
  py::array_t<std::int32_t> skill(static_cast<py::ssize_t>(n)),
      learner(static_cast<py::ssize_t>(n));
  auto* s = skill.mutable_data();
  auto* l = learner.mutable_data();
  for (const auto& q : log.sequences()) {
    for (std::uint64_t i = q.begin; i < q.end; ++i) {
      s[i] = static_cast<std::int32_t>(q.skill);
      l[i] = static_cast<std::int32_t>(q.learner);
    }
  }
  py::array_t<std::int32_t> item(static_cast<py::ssize_t>(n));
  auto* it = item.mutable_data();
  for (std::size_t i = 0; i < n; ++i) {
    it[i] = log.items().empty() || log.items()[i] == ResponseLog::kNoItem
                ? -1
                : static_cast<std::int32_t>(log.items()[i]);
  }
  std::vector<std::string> skills, learners, items;
  for (std::uint32_t i = 0; i < log.skill_count(); ++i) skills.push_back(log.skill_name(i));
  for (std::uint32_t i = 0; i < log.learner_count(); ++i) learners.push_back(log.learner_id(i));
  for (std::uint32_t i = 0; i < log.item_count(); ++i) items.push_back(log.item_id(i));
  py::array_t<std::uint32_t> rows = log.rows().empty()
                                        ? py::array_t<std::uint32_t>(static_cast<py::ssize_t>(0))
                                        : to_array(log.rows());
  // ms since the epoch per response (kNoTime = -2^63 where a cell was empty); empty if none.
  py::array_t<std::int64_t> times = log.times().empty()
                                        ? py::array_t<std::int64_t>(static_cast<py::ssize_t>(0))
                                        : to_array(log.times());
  return py::dict("skill"_a = skill, "learner"_a = learner, "item"_a = item,
                  "correct"_a = to_array(log.outcomes()), "row"_a = rows, "time"_a = times,
                  "skills"_a = skills, "learners"_a = learners, "items"_a = items);
}

std::vector<std::string> split_label(const std::string& label, const std::string& sep) {
  std::vector<std::string> out;
  if (sep.empty()) {
    if (!label.empty()) out.push_back(label);
    return out;
  }
  std::size_t begin = 0;
  for (;;) {
    const std::size_t at = label.find(sep, begin);
    std::string part =
        label.substr(begin, at == std::string::npos ? std::string::npos : at - begin);
    if (!part.empty()) out.push_back(std::move(part));
    if (at == std::string::npos) break;
    begin = at + sep.size();
  }
  return out;
}

struct Frame {
  py::array_t<std::int64_t> learner_codes, skill_codes, item_codes;
  std::vector<std::string> learner_names, skill_names, item_names;
  py::array_t<double> correct, order;
  py::array_t<bool> keep;
  // The time column as codes into its distinct cells' text (empty: no time column).
  py::array_t<std::int64_t> time_codes;
  std::vector<std::string> time_names;
  EpochUnit epoch_unit = EpochUnit::Auto;
};

// Builds a log from a data frame's columns: pandas.factorize codes (-1 = missing) with their
// names, correct and order as float64 (NaN = missing), a row mask (pyBKT's original == 1), and
// the time column's codes with the text of each distinct cell, read as the file readers read
// a time cell (parse_time_cell).
// Bad rows are skipped and counted as the file readers do (strict: the first throws). The
// place of a row is its 1-based position in the frame, reported as its line.
LogPtr log_from_columns(const Frame& f, const std::string& source, const py::dict& names,
                        const std::optional<std::string>& separator,
                        const std::optional<std::string>& empty_label, bool strict) {
  const py::ssize_t n = f.correct.size();
  auto check = [&](const py::ssize_t size, const char* what, bool optional = true) {
    if (size != n && (size != 0 || !optional))
      throw Error(ErrorCode::InvalidArgument,
                  std::string("column arrays differ in length: ") + what,
                  Location{source, 0, 0, what});
  };
  check(f.learner_codes.size(), "learner", false);
  check(f.skill_codes.size(), "skill", false);
  check(f.item_codes.size(), "item");
  check(f.order.size(), "order");
  check(f.keep.size(), "keep");
  check(f.time_codes.size(), "time");
  const auto col = [&](const char* role) { return names[role].cast<std::string>(); };
  const std::string learner_col = col("learner"), skill_col = col("skill"),
                    correct_col = col("correct"), order_col = col("order");
  const bool timed = f.time_codes.size() > 0;
  const std::string time_col = timed ? col("time") : "";

  ReadReport report;
  report.source = source;
  report.format = LogFormat::Delimited;
  report.columns_used.learner = learner_col;
  report.columns_used.skill = skill_col;
  report.columns_used.correct = correct_col;
  report.columns_used.order = f.order.size() ? order_col : "";
  report.columns_used.item = f.item_codes.size() ? col("item") : "";
  report.columns_used.time = time_col;
  // Each distinct time cell read once: its milliseconds, or why it is not a time.
  std::vector<std::int64_t> time_ms(f.time_names.size(), 0);
  std::vector<std::string> time_error(f.time_names.size());
  for (std::size_t k = 0; k < f.time_names.size(); ++k) {
    try {
      time_ms[k] = parse_time_cell(f.time_names[k], f.epoch_unit, time_col);
    } catch (const Error& e) {
      time_error[k] = e.what();
      if (time_error[k].empty()) time_error[k] = "column '" + time_col + "' is not a time";
    }
  }
  const std::string sep = separator.value_or("~~");
  std::vector<std::vector<std::string>> parts;
  parts.reserve(f.skill_names.size());
  for (const auto& s : f.skill_names) parts.push_back(split_label(s, sep));

  const auto* lc = f.learner_codes.data();
  const auto* sc = f.skill_codes.data();
  const auto* ic = f.item_codes.size() ? f.item_codes.data() : nullptr;
  const auto* cv = f.correct.data();
  const auto* ov = f.order.size() ? f.order.data() : nullptr;
  const auto* kv = f.keep.size() ? f.keep.data() : nullptr;
  const auto* tv = timed ? f.time_codes.data() : nullptr;
  const std::vector<std::string> empty_label_parts =
      empty_label ? std::vector<std::string>{*empty_label} : std::vector<std::string>{};

  // Codes index the name lists: check them all before any is used (-1 means missing).
  auto check_codes = [&](const py::array_t<std::int64_t>& codes, std::size_t names,
                         const char* what) {
    const auto* c = codes.data();
    for (py::ssize_t r = 0; r < codes.size(); ++r) {
      if (c[r] < -1 || (c[r] >= 0 && static_cast<std::size_t>(c[r]) >= names))
        throw Error(ErrorCode::InvalidArgument,
                    std::string("a code of column ") + what + " is outside its name list",
                    Location{source, static_cast<std::size_t>(r + 1), 0, what});
    }
  };
  check_codes(f.learner_codes, f.learner_names.size(), "learner");
  check_codes(f.skill_codes, f.skill_names.size(), "skill");
  check_codes(f.item_codes, f.item_names.size(), "item");
  check_codes(f.time_codes, f.time_names.size(), "time");

  ResponseLog::Builder builder;
  {
    py::gil_scoped_release release;
    auto bad = [&](RowProblem p, py::ssize_t row, const std::string& field,
                   const std::string& message) {
      const Location at{source, static_cast<std::size_t>(row + 1), 0, field};
      if (strict) throw Error(ErrorCode::Parse, message, at);
      const auto k = static_cast<std::size_t>(p);
      if (report.skipped[k]++ == 0) {
        report.first_place[k] = at;
        report.first_message[k] = message;
      }
    };
    for (py::ssize_t r = 0; r < n; ++r) {
      ++report.rows;
      if (kv && !kv[r]) {
        ++report.rows_filtered;
        continue;
      }
      const double c = cv[r];
      if (!(c == 0.0 || c == 1.0)) {
        bad(RowProblem::BadCorrect, r, correct_col,
            "column '" + correct_col + "' must be 0 or 1" +
                (std::isnan(c) ? ", got an empty cell" : ""));
        continue;
      }
      if (lc[r] < 0 || f.learner_names[static_cast<std::size_t>(lc[r])].empty()) {
        bad(RowProblem::EmptyLearner, r, learner_col,
            "no learner id in column '" + learner_col + "'");
        continue;
      }
      const std::vector<std::string>* skills = nullptr;
      if (sc[r] >= 0) skills = &parts[static_cast<std::size_t>(sc[r])];
      bool relabelled = false;
      if ((!skills || skills->empty()) && empty_label) {
        skills = &empty_label_parts;
        relabelled = true;
      }
      if (!skills || skills->empty()) {
        bad(RowProblem::EmptySkill, r, skill_col, "no skill in column '" + skill_col + "'");
        continue;
      }
      std::optional<long double> order;
      if (ov) {
        if (std::isnan(ov[r])) {
          bad(RowProblem::BadOrder, r, order_col, "column '" + order_col + "' is empty");
          continue;
        }
        order = static_cast<long double>(ov[r]);
      }
      std::optional<std::int64_t> time;
      if (tv && tv[r] >= 0) {
        const auto k = static_cast<std::size_t>(tv[r]);
        if (!time_error[k].empty()) {
          bad(RowProblem::BadTime, r, time_col, time_error[k]);
          continue;
        }
        time = time_ms[k];
      }
      const std::string& learner = f.learner_names[static_cast<std::size_t>(lc[r])];
      const std::string_view item =
          ic && ic[r] >= 0 ? std::string_view(f.item_names[static_cast<std::size_t>(ic[r])])
                           : std::string_view();
      for (const auto& skill : *skills) {
        builder.add(learner, skill, item, c == 1.0 ? Outcome::Correct : Outcome::Incorrect, order,
                    static_cast<std::uint32_t>(r + 1), static_cast<std::uint32_t>(r + 1), time);
      }
      ++report.rows_kept;
      if (time) {
        if (report.first_time == kNoTime || *time < report.first_time) report.first_time = *time;
        if (report.last_time == kNoTime || *time > report.last_time) report.last_time = *time;
      } else if (timed) {
        ++report.rows_without_time;
      }
      report.rows_relabelled += relabelled;
      report.multi_skill_rows += skills->size() > 1;
    }
  }
  return std::make_shared<const ResponseLog>(builder.build(std::move(report)));
}

// ---- models and results ---------------------------------------------------------------------

py::dict metrics_dict(const Metrics& m) {
  return py::dict("auc"_a = m.auc, "rmse"_a = m.rmse, "accuracy"_a = m.accuracy,
                  "log_loss"_a = m.log_loss, "responses"_a = m.responses,
                  "skipped_unknown_skill"_a = m.skipped_unknown_skill);
}

py::dict fit_report_dict(const FitReport& r) {
  py::list skills;
  for (const auto& s : r.skills) {
    skills.append(py::dict(
        "skill"_a = s.skill, "responses"_a = s.responses, "sequences"_a = s.sequences,
        "log_likelihood"_a = s.log_likelihood, "iterations"_a = s.iterations,
        "converged"_a = s.converged, "restarts"_a = s.restarts, "best_restart"_a = s.best_restart,
        "trace"_a = s.trace, "total_iterations"_a = s.total_iterations, "warnings"_a = s.warnings));
  }
  return py::dict("skills"_a = skills, "log_likelihood"_a = r.log_likelihood,
                  "seconds"_a = r.seconds, "threads"_a = r.threads, "e_steps"_a = r.e_steps,
                  "response_steps"_a = r.response_steps);
}

TimePoint time_arg(std::int64_t ms) { return checked_from_millis(ms, "time"); }

// (item, skill, reason, explanation, p_correct, [(item, skill, p_correct), ...]): a tuple, as
// building the Python dataclasses from it is the larger part of a recommend call's overhead.
py::tuple recommendation_tuple(const Recommendation& r) {
  py::list alternatives;
  for (const auto& a : r.alternatives)
    alternatives.append(py::make_tuple(a.item, a.skill, a.p_correct));
  return py::make_tuple(r.item, r.skill, to_string(r.reason), r.explanation, r.p_correct,
                        alternatives);
}

PolicyConfig policy_config(const py::dict& d) {
  only_keys(d, {"mastery_threshold", "review_threshold", "initial_half_life_days",
                "half_life_growth", "wheel_spin_attempts", "conjunctive_update", "target_success",
                "remediate_below", "challenge_above", "no_repeat_window",
                "check_prerequisites_after", "alternatives", "seed"}, "policy");
  PolicyConfig c;
  if (auto v = get<double>(d, "mastery_threshold")) c.rules.mastery_threshold = *v;
  if (auto v = get<double>(d, "review_threshold")) c.rules.review_threshold = *v;
  if (auto v = get<double>(d, "initial_half_life_days")) c.rules.initial_half_life_days = *v;
  if (auto v = get<double>(d, "half_life_growth")) c.rules.half_life_growth = *v;
  if (auto v = get<std::uint32_t>(d, "wheel_spin_attempts")) c.rules.wheel_spin_attempts = *v;
  if (auto v = get<bool>(d, "conjunctive_update")) c.rules.conjunctive_update = *v;
  if (auto v = get<double>(d, "target_success")) c.target_success = *v;
  if (auto v = get<double>(d, "remediate_below")) c.remediate_below = *v;
  if (auto v = get<double>(d, "challenge_above")) c.challenge_above = *v;
  if (auto v = get<std::size_t>(d, "no_repeat_window")) c.no_repeat_window = *v;
  if (auto v = get<std::uint32_t>(d, "check_prerequisites_after")) c.check_prerequisites_after = *v;
  if (auto v = get<std::size_t>(d, "alternatives")) c.alternatives = *v;
  if (auto v = get<std::uint64_t>(d, "seed")) c.seed = *v;
  c.validate();
  return c;
}

EngineOptions engine_options(const py::dict& d) {
  only_keys(d, {"cache_learners", "reorder_tolerance_ms", "max_future_ms", "check_clock"},
            "options");
  EngineOptions o;
  if (auto v = get<std::size_t>(d, "cache_learners")) o.cache_learners = *v;
  if (auto v = get<std::int64_t>(d, "reorder_tolerance_ms"))
    o.reorder_tolerance = std::chrono::milliseconds(*v);
  if (auto v = get<std::int64_t>(d, "max_future_ms")) o.max_future = std::chrono::milliseconds(*v);
  if (auto v = get<bool>(d, "check_clock")) o.check_clock = *v;
  o.validate();
  return o;
}

StoreOptions store_options(const py::dict& d) {
  only_keys(d, {"keep_responses", "busy_timeout_ms", "sync_to_disk", "pool_size",
                "synchronous_commit"}, "store_options");
  StoreOptions o;
  if (auto v = get<bool>(d, "keep_responses")) o.keep_responses = *v;
  if (auto v = get<int>(d, "busy_timeout_ms")) o.busy_timeout_ms = *v;
  if (auto v = get<bool>(d, "sync_to_disk")) o.sync_to_disk = *v;
  if (auto v = get<int>(d, "pool_size")) o.pool_size = *v;
  if (auto v = get<std::string>(d, "synchronous_commit")) o.synchronous_commit = *v;
  return o;
}

}  // namespace
}  // namespace pathwise::python

PYBIND11_MODULE(_native, m) {
  using namespace pathwise;
  using namespace pathwise::python;
  m.doc() = "Pathwise's C++ API for the pathwise package (use pathwise, not this module)";
  m.attr("version") = pathwise::kVersionString;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      translate_error(e);
    }
  });

  py::class_<ResponseLog, std::shared_ptr<ResponseLog>>(m, "Log",
                                                        "A response log (pathwise::ResponseLog)")
      .def_property_readonly("size", &ResponseLog::size)
      .def_property_readonly("skill_count", &ResponseLog::skill_count)
      .def_property_readonly("learner_count", &ResponseLog::learner_count)
      .def_property_readonly("sequence_count", &ResponseLog::sequence_count)
      .def("report", [](const ResponseLog& l) { return report_dict(l.report()); })
      .def("columns", [](const ResponseLog& l) { return log_columns(l); })
      .def("skill_names", [](const ResponseLog& l) {
        std::vector<std::string> out;
        for (std::uint32_t i = 0; i < l.skill_count(); ++i) out.push_back(l.skill_name(i));
        return out;
      });

  m.def(
      "read_file",
      [](const std::string& path, const py::dict& options) {
        ReadOptions o = read_options(options);
        py::gil_scoped_release release;
        return std::make_shared<ResponseLog>(ResponseLog::read_file(path, o));
      },
      "path"_a, "options"_a = py::dict());
  m.def(
      "parse",
      [](const std::string& text, const py::dict& options, const std::string& source) {
        ReadOptions o = read_options(options);
        py::gil_scoped_release release;
        return std::make_shared<ResponseLog>(ResponseLog::parse(text, o, source));
      },
      "text"_a, "options"_a = py::dict(), "source"_a = "<string>");
  m.def(
      "log_from_columns",
      [](py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> learner_codes,
         std::vector<std::string> learner_names,
         py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> skill_codes,
         std::vector<std::string> skill_names,
         py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> item_codes,
         std::vector<std::string> item_names,
         py::array_t<double, py::array::c_style | py::array::forcecast> correct,
         py::array_t<double, py::array::c_style | py::array::forcecast> order,
         py::array_t<bool, py::array::c_style | py::array::forcecast> keep,
         const std::string& source, const py::dict& names, std::optional<std::string> separator,
         std::optional<std::string> empty_label, bool strict,
         py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> time_codes,
         std::vector<std::string> time_names, const std::string& epoch_unit) {
        Frame f{std::move(learner_codes), std::move(skill_codes), std::move(item_codes),
                std::move(learner_names), std::move(skill_names), std::move(item_names),
                std::move(correct),       std::move(order),       std::move(keep),
                std::move(time_codes),    std::move(time_names)};
        const std::optional<EpochUnit> unit = epoch_unit_named(epoch_unit);
        if (!unit) {
          throw Error(ErrorCode::InvalidArgument,
                      "epoch_unit must be auto, seconds or milliseconds, got '" + epoch_unit + "'",
                      Location{"", 0, 0, "epoch_unit"});
        }
        f.epoch_unit = *unit;
        std::shared_ptr<const ResponseLog> log =
            log_from_columns(f, source, names, separator, empty_label, strict);
        return std::const_pointer_cast<ResponseLog>(log);
      },
      "learner_codes"_a, "learner_names"_a, "skill_codes"_a, "skill_names"_a, "item_codes"_a,
      "item_names"_a, "correct"_a, "order"_a, "keep"_a, "source"_a, "names"_a, "separator"_a,
      "empty_label"_a, "strict"_a, "time_codes"_a, "time_names"_a, "epoch_unit"_a);

  py::class_<BktModel>(m, "BktModel", "Fitted BKT parameters (pathwise::BktModel)")
      .def(py::init<>())
      .def("skills",
           [](const BktModel& b) {
             py::dict out;
             for (const auto& [name, p] : b.skills()) out[py::str(name)] = params_dict(p);
             return out;
           })
      .def("items",
           [](const BktModel& b) {
             py::dict out;
             for (const auto& [name, p] : b.items())
               out[py::str(name)] =
                   py::dict("skill"_a = p.skill, "guess"_a = p.guess, "slip"_a = p.slip);
             return out;
           })
      .def("set_skill", [](BktModel& b, const std::string& name,
                           const py::dict& p) { b.set_skill(name, params_from(p)); })
      .def("set_item",
           [](BktModel& b, const std::string& item, const std::string& skill, double guess,
              double slip) {
             b.set_item(item, ItemParams{skill, guess, slip});
           })
      .def("to_json", &BktModel::to_json, "indent"_a = 2)
      .def("save", &BktModel::save)
      .def_static("from_json", &BktModel::from_json, "text"_a, "source"_a = "<string>")
      .def_static("load", &BktModel::load)
      .def("__eq__", [](const BktModel& a, const BktModel& b) { return a == b; });

  m.def(
      "fit",
      [](const ResponseLog& log, const py::dict& options) {
        FitOptions o = fit_options(options);
        FitResult r;
        {
          py::gil_scoped_release release;
          r = fit_with_report(log, o);
        }
        return py::make_tuple(r.model, fit_report_dict(r.report));
      },
      "log"_a, "options"_a = py::dict());
  m.def(
      "predict_states",
      [](const BktModel& model, const ResponseLog& log, bool skip_unknown) {
        Predictions p;
        {
          py::gil_scoped_release release;
          p = predict_states(model, log, EvaluateOptions{skip_unknown});
        }
        return py::dict("correct"_a = to_array(p.correct),
                        "known_before"_a = to_array(p.known_before),
                        "known_after"_a = to_array(p.known_after));
      },
      "model"_a, "log"_a, "skip_unknown_skills"_a = false);
  m.def(
      "evaluate",
      [](const BktModel& model, const ResponseLog& log, bool skip_unknown) {
        Metrics r;
        {
          py::gil_scoped_release release;
          r = evaluate(model, log, EvaluateOptions{skip_unknown});
        }
        return metrics_dict(r);
      },
      "model"_a, "log"_a, "skip_unknown_skills"_a = false);
  m.def(
      "cross_validate",
      [](const ResponseLog& log, const py::dict& fit, int folds, std::uint64_t seed) {
        CrossValidateOptions o;
        o.fit = fit_options(fit);
        o.folds = folds;
        o.seed = seed;
        CrossValidation cv;
        {
          py::gil_scoped_release release;
          cv = cross_validate(log, o);
        }
        py::list per_fold;
        for (const auto& f : cv.folds) per_fold.append(metrics_dict(f));
        return py::dict("folds"_a = per_fold, "mean"_a = metrics_dict(cv.mean),
                        "sd"_a = metrics_dict(cv.sd));
      },
      "log"_a, "fit"_a, "folds"_a = 5, "seed"_a = 42);
  m.def(
      "simulate_log",
      [](const BktModel& model, std::size_t learners, std::size_t opportunities,
         std::uint64_t seed) {
        SimulateLogOptions o{learners, opportunities, seed};
        py::gil_scoped_release release;
        return std::make_shared<ResponseLog>(simulate_log(model, o));
      },
      "model"_a, "learners"_a = 100, "opportunities"_a = 20, "seed"_a = 1);
  m.def("synthetic_course", [] {
    SyntheticCourse c = synthetic_course();
    return py::make_tuple(c.curriculum.to_json(-1), c.model);
  });
  m.def("course_from_model", [](const BktModel& model, std::size_t items_per_skill) {
    return course_from_model(model, items_per_skill).to_json(-1);
  });

  py::class_<Engine>(m, "Engine", "The online engine (pathwise::Engine)")
      .def(py::init([](const std::string& curriculum_json, const BktModel& model,
                       const std::string& store_url, const py::dict& policy, const py::dict& store,
                       const py::dict& options) {
             Curriculum c = Curriculum::from_json(curriculum_json, "curriculum");
             PolicyConfig p = policy_config(policy);
             EngineOptions eo = engine_options(options);
             StoreOptions so = store_options(store);
             py::gil_scoped_release release;
             return std::make_unique<Engine>(std::move(c), model, p, open_store(store_url, so), eo);
           }),
           "curriculum_json"_a, "model"_a, "store_url"_a, "policy"_a, "store"_a, "options"_a)
      .def(
          "record",
          [](Engine& e, const std::string& learner, const std::string& item, bool correct,
             std::int64_t ms) {
            Response r{learner, item, correct ? Outcome::Correct : Outcome::Incorrect,
                       time_arg(ms)};
            py::gil_scoped_release release;
            e.record(r);
          },
          "learner"_a, "item"_a, "correct"_a, "time_ms"_a)
      .def(
          "recommend",
          [](const Engine& e, const std::string& learner, std::int64_t ms) -> py::object {
            std::optional<Recommendation> r;
            {
              const TimePoint now = time_arg(ms);
              py::gil_scoped_release release;
              r = e.recommend(learner, now);
            }
            if (!r) return py::none();
            return recommendation_tuple(*r);
          },
          "learner"_a, "now_ms"_a)
      .def("profile_json",
           [](const Engine& e, const std::string& learner) {
             LearnerProfile p;
             {
               py::gil_scoped_release release;
               p = e.profile(learner);
             }
             return p.to_json(-1);
           })
      .def("set_goals",
           [](Engine& e, const std::string& learner, const std::vector<std::string>& skills) {
             py::gil_scoped_release release;
             e.set_goals(learner, skills);
           })
      .def("class_summary_json",
           [](const Engine& e) {
             ClassSummary s;
             {
               py::gil_scoped_release release;
               s = e.class_summary();
             }
             return s.to_json();
           })
      .def("export_learner",
           [](const Engine& e, const std::string& learner) {
             py::gil_scoped_release release;
             return e.export_learner(learner);
           })
      .def("erase_learner", [](Engine& e, const std::string& learner) {
        py::gil_scoped_release release;
        return e.erase_learner(learner);
      });
}
