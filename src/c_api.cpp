#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <nlohmann/json.hpp>
#include <string_view>

#include "detail/json_util.hpp"
#include "detail/settings.hpp"
#include "pathwise.h"
#include "pathwise/json.hpp"
#include "pathwise/pathwise.hpp"

struct pathwise_engine_t {
  std::unique_ptr<pathwise::Engine> engine;
};

namespace pathwise::detail {
namespace {

char* copy_string(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) throw std::bad_alloc();
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

void set_message(char** errmsg, const std::string& msg) {
  if (!errmsg) return;
  *errmsg = static_cast<char*>(std::malloc(msg.size() + 1));
  if (*errmsg) std::memcpy(*errmsg, msg.c_str(), msg.size() + 1);
}

pathwise_status status_of(ErrorCode c) {
  switch (c) {
    case ErrorCode::InvalidArgument:
      return PATHWISE_INVALID_ARGUMENT;
    case ErrorCode::Parse:
      return PATHWISE_PARSE;
    case ErrorCode::Io:
      return PATHWISE_IO;
    case ErrorCode::UnknownSkill:
      return PATHWISE_UNKNOWN_SKILL;
    case ErrorCode::UnknownItem:
      return PATHWISE_UNKNOWN_ITEM;
    case ErrorCode::UnknownLearner:
      return PATHWISE_UNKNOWN_LEARNER;
    case ErrorCode::Version:
      return PATHWISE_VERSION;
    case ErrorCode::Internal:
      return PATHWISE_INTERNAL;
    case ErrorCode::Busy:
      return PATHWISE_BUSY;
    case ErrorCode::Corrupt:
      return PATHWISE_CORRUPT;
  }
  return PATHWISE_INTERNAL;
}

/// Runs `body`, turning every exception into a status and a message: nothing crosses into C.
template <typename F>
pathwise_status c_guard(char** errmsg, F&& body) noexcept {
  if (errmsg) *errmsg = nullptr;
  try {
    body();
    return PATHWISE_OK;
  } catch (const Error& e) {
    set_message(errmsg, e.what());
    return status_of(e.code());
  } catch (const std::bad_alloc&) {
    set_message(errmsg, "out of memory");
    return PATHWISE_INTERNAL;
  } catch (const std::exception& e) {
    set_message(errmsg, e.what());
    return PATHWISE_INTERNAL;
  } catch (...) {
    set_message(errmsg, "unknown error");
    return PATHWISE_INTERNAL;
  }
}

const char* require(const char* s, const char* name) {
  if (!s) throw Error(ErrorCode::InvalidArgument, std::string(name) + " must not be NULL");
  return s;
}

Engine& engine_of(pathwise_engine_t* e) {
  if (!e || !e->engine) throw Error(ErrorCode::InvalidArgument, "engine must not be NULL");
  return *e->engine;
}

void set_out(char** out, const std::string& s) {
  if (!out) throw Error(ErrorCode::InvalidArgument, "the output pointer must not be NULL");
  *out = copy_string(s);
}

constexpr std::int64_t kMaxSeed = std::int64_t{1} << 53;

/// The settings of pathwise_engine_create: PolicyConfig keys, "store" and "engine" objects.
struct EngineSettings {
  PolicyConfig policy;
  StoreOptions store;
  EngineOptions engine;
};

EngineSettings engine_settings_from(const char* text) {
  EngineSettings out;
  if (!text) return out;
  const nlohmann::json j = parse_json(text, "config");
  Settings s(j, "config", "");
  PolicyConfig& c = out.policy;
  c.rules.mastery_threshold = s.number("mastery_threshold", c.rules.mastery_threshold);
  c.target_success = s.number("target_success", c.target_success);
  c.remediate_below = s.number("remediate_below", c.remediate_below);
  c.challenge_above = s.number("challenge_above", c.challenge_above);
  c.rules.review_threshold = s.number("review_threshold", c.rules.review_threshold);
  c.rules.initial_half_life_days =
      s.number("initial_half_life_days", c.rules.initial_half_life_days);
  c.rules.half_life_growth = s.number("half_life_growth", c.rules.half_life_growth);
  c.no_repeat_window = static_cast<std::size_t>(
      s.integer("no_repeat_window", static_cast<std::int64_t>(c.no_repeat_window), 0, 1000000));
  c.rules.wheel_spin_attempts = static_cast<std::uint32_t>(
      s.integer("wheel_spin_attempts", c.rules.wheel_spin_attempts, 1, 1000000));
  c.check_prerequisites_after = static_cast<std::uint32_t>(
      s.integer("check_prerequisites_after", c.check_prerequisites_after, 0, 1000000));
  c.rules.conjunctive_update = s.boolean("conjunctive_update", c.rules.conjunctive_update);
  c.rules.placement_items = static_cast<std::uint32_t>(
      s.integer("placement_items", c.rules.placement_items, 0, 64));
  c.rules.placement_confidence = s.number("placement_confidence", c.rules.placement_confidence);
  c.stop_epsilon = s.number("stop_epsilon", c.stop_epsilon);
  c.help_once = s.boolean("help_once", c.help_once);
  c.alternatives = static_cast<std::size_t>(
      s.integer("alternatives", static_cast<std::int64_t>(c.alternatives), 0, 1000));
  c.seed =
      static_cast<std::uint64_t>(s.integer("seed", static_cast<std::int64_t>(c.seed), 0, kMaxSeed));
  {
    Settings st = s.object("store");
    StoreOptions& o = out.store;
    o.keep_responses = st.boolean("keep_responses", o.keep_responses);
    o.busy_timeout_ms =
        static_cast<int>(st.integer("busy_timeout_ms", o.busy_timeout_ms, 0, 3600000));
    o.sync_to_disk = st.boolean("sync_to_disk", o.sync_to_disk);
    o.pool_size = static_cast<int>(st.integer("pool_size", o.pool_size, 1, 64));
    o.synchronous_commit = st.string("synchronous_commit", o.synchronous_commit);
    st.finish();
  }
  {
    Settings en = s.object("engine");
    EngineOptions& o = out.engine;
    o.cache_learners = static_cast<std::size_t>(
        en.integer("cache_learners", static_cast<std::int64_t>(o.cache_learners), 0, 100000000));
    o.reorder_tolerance = std::chrono::milliseconds(
        en.integer("reorder_tolerance_ms", o.reorder_tolerance.count(), 0, kMaxMillis));
    o.max_future =
        std::chrono::milliseconds(en.integer("max_future_ms", o.max_future.count(), 0, kMaxMillis));
    o.check_clock = en.boolean("check_clock", o.check_clock);
    en.finish();
  }
  s.finish();
  c.validate();
  out.engine.validate();
  return out;
}

/// Runs `body`, naming fields of its errors under `prefix` ("read.strict").
template <typename F>
void under(const char* prefix, F&& body) {
  try {
    body();
  } catch (const Error& e) {
    const std::string& f = e.location().field;
    throw Error(e.code(), e.message(),
                Location{"", 0, 0, std::string(prefix) + (f.empty() ? "" : "." + f)});
  }
}

/// An options document split into its "read" object and the rest.
struct SplitOptions {
  nlohmann::json rest = nlohmann::json::object();
  ReadOptions read;
};

SplitOptions split_options(const char* text) {
  SplitOptions out;
  if (!text) return out;
  out.rest = parse_json(text, "options");
  if (!out.rest.is_object()) {
    throw Error(ErrorCode::Parse, "the options must be a JSON object, got " + describe(out.rest));
  }
  auto it = out.rest.find("read");
  if (it != out.rest.end()) {
    under("read", [&] { from_json(*it, out.read); });
    out.rest.erase(it);
  }
  return out;
}

/// Which log a call reads: a file, or text in memory.
struct LogSource {
  const char* path = nullptr;
  const char* text = nullptr;
  std::size_t text_len = 0;
};

ResponseLog read_log(const LogSource& src, const ReadOptions& options) {
  if (src.path) return ResponseLog::read_file(src.path, options);
  if (!src.text && src.text_len > 0)
    throw Error(ErrorCode::InvalidArgument, "text must not be NULL when text_len > 0");
  return ResponseLog::parse(std::string_view(src.text ? src.text : "", src.text_len), options,
                            "<text>");
}

LogSource file_source(const char* path) { return {require(path, "log_path"), nullptr, 0}; }
LogSource text_source(const char* text, std::size_t len) { return {nullptr, text, len}; }

FitOptions fit_options_of(const nlohmann::json& rest) {
  FitOptions o;
  from_json(rest, o);
  return o;
}

std::string fit_model(const LogSource& src, const char* options_json) {
  SplitOptions opt = split_options(options_json);
  FitOptions fo = fit_options_of(opt.rest);
  return fit(read_log(src, opt.read), fo).to_json();
}

std::string fit_report(const LogSource& src, const char* options_json) {
  SplitOptions opt = split_options(options_json);
  FitOptions fo = fit_options_of(opt.rest);
  ResponseLog log = read_log(src, opt.read);
  FitResult r = fit_with_report(log, fo);
  nlohmann::json j = {{"model", r.model}, {"report", r.report}, {"read", log.report()}};
  return dump(j);
}

BktModel model_of(const char* model_json) {
  return BktModel::from_json(require(model_json, "model_json"), "model");
}

std::string evaluate_log(const char* model_json, const LogSource& src, const char* options_json) {
  BktModel model = model_of(model_json);
  SplitOptions opt = split_options(options_json);
  EvaluateOptions eo;
  from_json(opt.rest, eo);
  ResponseLog log = read_log(src, opt.read);
  nlohmann::json j = {{"metrics", evaluate(model, log, eo)}, {"read", log.report()}};
  return dump(j);
}

std::string predict_log(const char* model_json, const LogSource& src, const char* options_json) {
  BktModel model = model_of(model_json);
  SplitOptions opt = split_options(options_json);
  EvaluateOptions eo;
  from_json(opt.rest, eo);
  ResponseLog log = read_log(src, opt.read);
  Predictions p = predict_states(model, log, eo);
  // Input order: by the response's position in the input (stable for a multi-skill row).
  std::vector<std::uint32_t> skill_of(log.size());
  for (const auto& seq : log.sequences())
    for (auto i = seq.begin; i < seq.end; ++i) skill_of[i] = seq.skill;
  std::vector<std::size_t> order;
  order.reserve(log.size());
  std::size_t skipped = 0;
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (std::isnan(p.correct[i]))
      ++skipped;
    else
      order.push_back(i);
  }
  const auto& rows = log.rows();
  if (!rows.empty()) {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return rows[x] < rows[y]; });
  }
  Predictions sorted;
  nlohmann::json row = nlohmann::json::array(), line = nlohmann::json::array(),
                 skill = nlohmann::json::array(), item = nlohmann::json::array(),
                 correct = nlohmann::json::array();
  const auto& lines = log.lines();
  const auto& items = log.items();
  for (std::size_t i : order) {
    sorted.correct.push_back(p.correct[i]);
    sorted.known_before.push_back(p.known_before[i]);
    sorted.known_after.push_back(p.known_after[i]);
    row.push_back(rows.empty() ? 0 : rows[i]);
    line.push_back(lines.empty() ? 0 : lines[i]);
    skill.push_back(log.skill_name(skill_of[i]));
    item.push_back(!items.empty() && items[i] != ResponseLog::kNoItem ? log.item_id(items[i])
                                                                      : std::string());
    correct.push_back(int(log.outcomes()[i]));
  }
  nlohmann::json j = sorted;
  j["responses"] = order.size();
  j["row"] = std::move(row);
  j["line"] = std::move(line);
  j["skill"] = std::move(skill);
  j["item"] = std::move(item);
  j["correct"] = std::move(correct);
  if (skipped) j["skipped_unknown_skill"] = skipped;
  j["read"] = log.report();
  return dump(j);
}

std::string cross_validate_log(const LogSource& src, const char* options_json) {
  SplitOptions opt = split_options(options_json);
  CrossValidateOptions co;
  from_json(opt.rest, co);
  ResponseLog log = read_log(src, opt.read);
  nlohmann::json j = cross_validate(log, co);
  j["read"] = log.report();
  return dump(j);
}

/// An id passed with its length: NUL inside is refused, never cut short.

/// The options of the report calls: {"key", "names": {id: name}, "now_ms", "title",
/// "stalled_after", "read_responses", "max_table_cells", "mastery_threshold",
/// "wheel_spin_attempts"}.
ReportOptions report_options_from(const char* text) {
  ReportOptions o;
  if (!text) return o;
  const nlohmann::json j = parse_json(text, "options");
  Settings s(j, "options", "");
  o.ids.key = s.string("key", "");
  if (const nlohmann::json* n = s.find("names")) {
    if (!n->is_object())
      throw Error(ErrorCode::Parse, "expected an object of id: name, got " + describe(*n),
                  Location{"", 0, 0, "names"});
    for (auto it = n->begin(); it != n->end(); ++it) {
      if (!it.value().is_string())
        throw Error(ErrorCode::Parse,
                    "a display name must be a string, got " + describe(it.value()),
                    Location{"", 0, 0, "names"});
      o.ids.names[it.key()] = it.value().get<std::string>();
    }
  }
  constexpr std::int64_t kUnset = std::numeric_limits<std::int64_t>::min();
  const std::int64_t now = s.integer("now_ms", kUnset, -kMaxMillis, kMaxMillis);
  if (now != kUnset) o.now = from_millis(now);
  o.title = s.string("title", o.title);
  o.stalled_after =
      static_cast<std::uint32_t>(s.integer("stalled_after", o.stalled_after, 1, 1000000));
  o.read_responses = s.boolean("read_responses", o.read_responses);
  o.max_table_cells = static_cast<std::size_t>(
      s.integer("max_table_cells", static_cast<std::int64_t>(o.max_table_cells), 0, 1000000000));
  o.policy.rules.mastery_threshold =
      s.number("mastery_threshold", o.policy.rules.mastery_threshold);
  o.policy.rules.wheel_spin_attempts = static_cast<std::uint32_t>(
      s.integer("wheel_spin_attempts", o.policy.rules.wheel_spin_attempts, 1, 1000000));
  s.finish();
  o.policy.validate();
  return o;
}

std::string report_fit(const char* model_json, const LogSource& src, const char* options_json) {
  SplitOptions opt = split_options(options_json);
  FitReportOptions fo;
  FitOptions fit_opts;
  {
    Settings s(opt.rest, "options", "");
    fo.title = s.string("title", fo.title);
    fo.max_opportunity = static_cast<std::size_t>(
        s.integer("max_opportunity", static_cast<std::int64_t>(fo.max_opportunity), 1, 10000));
    fo.calibration_bins = static_cast<std::size_t>(
        s.integer("calibration_bins", static_cast<std::int64_t>(fo.calibration_bins), 1, 1000));
    if (const nlohmann::json* f = s.find("fit")) under("fit", [&] { from_json(*f, fit_opts); });
    s.finish();
  }
  ResponseLog log = read_log(src, opt.read);
  if (model_json) return fit_report_data(model_of(model_json), log, nullptr, fo);
  FitResult r = fit_with_report(log, fit_opts);
  return fit_report_data(r.model, log, &r.report, fo);
}

struct ReportInputs {
  Curriculum curriculum;
  BktModel model;
  std::unique_ptr<ProfileStore> store;
};

ReportInputs report_inputs(const char* curriculum_json, const char* model_json,
                           const char* store_url) {
  ReportInputs in;
  in.curriculum = Curriculum::from_json(require(curriculum_json, "curriculum_json"), "curriculum");
  in.model = BktModel::from_json(require(model_json, "model_json"), "model");
  in.store = open_store(require(store_url, "store_url"));
  return in;
}

std::string id_n(const char* s, std::size_t len, const char* name) {
  if (!s) throw Error(ErrorCode::InvalidArgument, std::string(name) + " must not be NULL");
  if (const void* nul = std::memchr(s, '\0', len)) {
    const auto at = static_cast<std::size_t>(static_cast<const char*>(nul) - s);
    throw Error(ErrorCode::InvalidArgument,
                std::string(name) + " holds a NUL byte (at byte " + std::to_string(at) + " of " +
                    std::to_string(len) + ")",
                Location{"", 0, 0, name});
  }
  return std::string(s, len);
}

/// Output pointers read NULL unless the call succeeds.
void clear(char** out) {
  if (out) *out = nullptr;
}

// The calls behind both spellings (C string and `_n`) of each engine function.

void record_impl(pathwise_engine_t* engine, std::string learner, std::string item, int correct,
                 int64_t time_ms) {
  if (correct != 0 && correct != 1) {
    throw Error(ErrorCode::InvalidArgument,
                "correct must be 0 or 1, got " + std::to_string(correct),
                Location{"", 0, 0, "correct"});
  }
  engine_of(engine).record({std::move(learner), std::move(item),
                            correct ? Outcome::Correct : Outcome::Incorrect,
                            checked_from_millis(time_ms, "time_ms")});
}

void recommend_impl(pathwise_engine_t* engine, const std::string& learner, int64_t now_ms,
                    char** json_out) {
  if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
  auto r = engine_of(engine).recommend(learner, checked_from_millis(now_ms, "now_ms"));
  nlohmann::json j;
  if (r) j = *r;
  set_out(json_out, dump(j));
}

void set_goals_impl(pathwise_engine_t* engine, const std::string& learner,
                    std::string_view goals_json) {
  nlohmann::json j = parse_json(goals_json, "goals");
  if (!j.is_array()) throw Error(ErrorCode::Parse, "goals must be a JSON array of skill ids");
  std::vector<std::string> goals;
  for (const auto& g : j) {
    if (!g.is_string()) throw Error(ErrorCode::Parse, "goals must be a JSON array of skill ids");
    goals.push_back(g.get<std::string>());
  }
  engine_of(engine).set_goals(learner, goals);
}

const char* status_name(pathwise_status s) noexcept {
  switch (s) {
    case PATHWISE_OK:
      return "ok";
    case PATHWISE_INVALID_ARGUMENT:
      return "invalid_argument";
    case PATHWISE_PARSE:
      return "parse";
    case PATHWISE_IO:
      return "io";
    case PATHWISE_UNKNOWN_SKILL:
      return "unknown_skill";
    case PATHWISE_UNKNOWN_ITEM:
      return "unknown_item";
    case PATHWISE_UNKNOWN_LEARNER:
      return "unknown_learner";
    case PATHWISE_VERSION:
      return "version";
    case PATHWISE_INTERNAL:
      return "internal";
    case PATHWISE_BUSY:
      return "busy";
    case PATHWISE_CORRUPT:
      return "corrupt";
  }
  return "unknown";
}

/// The document of pathwise_forecast(): {"format", "version", "mastery_threshold", "skills"}.
std::string forecast_document(const Engine& engine, std::string_view learner) {
  nlohmann::json j;
  j["format"] = "pathwise-forecast";
  j["version"] = "1.0";
  j["mastery_threshold"] = engine.config().rules.mastery_threshold;
  j["skills"] = engine.forecast(learner);
  return j.dump();
}

}  // namespace
}  // namespace pathwise::detail

using namespace pathwise;
using detail::c_guard;
using detail::id_n;
using detail::require;

extern "C" {

const char* pathwise_version(void) { return kVersionString; }

int pathwise_version_number(void) { return PATHWISE_VERSION_NUMBER; }

const char* pathwise_status_string(pathwise_status status) { return detail::status_name(status); }

void pathwise_free(void* p) { std::free(p); }

pathwise_status pathwise_engine_create(const char* curriculum_json, const char* model_json,
                                       const char* config_json, const char* store_url,
                                       pathwise_engine_t** engine, char** errmsg) {
  if (engine) *engine = nullptr;
  return c_guard(errmsg, [&] {
    if (!engine) throw Error(ErrorCode::InvalidArgument, "engine must not be NULL");
    Curriculum c = Curriculum::from_json(require(curriculum_json, "curriculum_json"), "curriculum");
    BktModel m = BktModel::from_json(require(model_json, "model_json"), "model");
    detail::EngineSettings cfg = detail::engine_settings_from(config_json);
    std::unique_ptr<ProfileStore> store =
        store_url ? open_store(store_url, cfg.store) : open_store("memory:", cfg.store);
    auto handle = std::make_unique<pathwise_engine_t>();
    handle->engine = std::make_unique<Engine>(std::move(c), std::move(m), cfg.policy,
                                              std::move(store), cfg.engine);
    *engine = handle.release();
  });
}

void pathwise_engine_destroy(pathwise_engine_t* engine) { delete engine; }

pathwise_status pathwise_record(pathwise_engine_t* engine, const char* learner, const char* item,
                                int correct, int64_t time_ms, char** errmsg) {
  return c_guard(errmsg, [&] {
    detail::record_impl(engine, require(learner, "learner"), require(item, "item"), correct,
                        time_ms);
  });
}

pathwise_status pathwise_record_n(pathwise_engine_t* engine, const char* learner,
                                  size_t learner_len, const char* item, size_t item_len,
                                  int correct, int64_t time_ms, char** errmsg) {
  return c_guard(errmsg, [&] {
    detail::record_impl(engine, id_n(learner, learner_len, "learner"), id_n(item, item_len, "item"),
                        correct, time_ms);
  });
}

pathwise_status pathwise_recommend(pathwise_engine_t* engine, const char* learner, int64_t now_ms,
                                   char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    detail::recommend_impl(engine, require(learner, "learner"), now_ms, json_out);
  });
}

pathwise_status pathwise_recommend_n(pathwise_engine_t* engine, const char* learner,
                                     size_t learner_len, int64_t now_ms, char** json_out,
                                     char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    detail::recommend_impl(engine, id_n(learner, learner_len, "learner"), now_ms, json_out);
  });
}

pathwise_status pathwise_profile(pathwise_engine_t* engine, const char* learner, char** json_out,
                                 char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    detail::set_out(json_out,
                    detail::engine_of(engine).profile(require(learner, "learner")).to_json());
  });
}

pathwise_status pathwise_profile_n(pathwise_engine_t* engine, const char* learner,
                                   size_t learner_len, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    std::string id = id_n(learner, learner_len, "learner");
    detail::set_out(json_out, detail::engine_of(engine).profile(id).to_json());
  });
}

pathwise_status pathwise_set_goals(pathwise_engine_t* engine, const char* learner,
                                   const char* goals_json, char** errmsg) {
  return c_guard(errmsg, [&] {
    const char* goals = require(goals_json, "goals_json");
    detail::set_goals_impl(engine, require(learner, "learner"), goals);
  });
}

pathwise_status pathwise_set_goals_n(pathwise_engine_t* engine, const char* learner,
                                     size_t learner_len, const char* goals_json, size_t goals_len,
                                     char** errmsg) {
  return c_guard(errmsg, [&] {
    std::string id = id_n(learner, learner_len, "learner");
    if (!goals_json) throw Error(ErrorCode::InvalidArgument, "goals_json must not be NULL");
    detail::set_goals_impl(engine, id, std::string_view(goals_json, goals_len));
  });
}

pathwise_status pathwise_class_summary(pathwise_engine_t* engine, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    detail::set_out(json_out, detail::engine_of(engine).class_summary().to_json());
  });
}

pathwise_status pathwise_forecast(pathwise_engine_t* engine, const char* learner, char** json_out,
                                  char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    detail::set_out(json_out, detail::forecast_document(detail::engine_of(engine),
                                                        require(learner, "learner")));
  });
}

pathwise_status pathwise_forecast_n(pathwise_engine_t* engine, const char* learner,
                                    size_t learner_len, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    std::string id = id_n(learner, learner_len, "learner");
    detail::set_out(json_out, detail::forecast_document(detail::engine_of(engine), id));
  });
}

pathwise_status pathwise_export_learner(pathwise_engine_t* engine, const char* learner,
                                        char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    detail::set_out(json_out,
                    detail::engine_of(engine).export_learner(require(learner, "learner")));
  });
}

pathwise_status pathwise_export_learner_n(pathwise_engine_t* engine, const char* learner,
                                          size_t learner_len, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    std::string id = id_n(learner, learner_len, "learner");
    detail::set_out(json_out, detail::engine_of(engine).export_learner(id));
  });
}

pathwise_status pathwise_erase_learner(pathwise_engine_t* engine, const char* learner, int* existed,
                                       char** errmsg) {
  if (existed) *existed = 0;
  return c_guard(errmsg, [&] {
    bool e = detail::engine_of(engine).erase_learner(require(learner, "learner"));
    if (existed) *existed = e ? 1 : 0;
  });
}

pathwise_status pathwise_erase_learner_n(pathwise_engine_t* engine, const char* learner,
                                         size_t learner_len, int* existed, char** errmsg) {
  if (existed) *existed = 0;
  return c_guard(errmsg, [&] {
    std::string id = id_n(learner, learner_len, "learner");
    bool e = detail::engine_of(engine).erase_learner(id);
    if (existed) *existed = e ? 1 : 0;
  });
}

pathwise_status pathwise_fit_file(const char* log_path, const char* options_json,
                                  char** model_json_out, char** errmsg) {
  detail::clear(model_json_out);
  return c_guard(errmsg, [&] {
    if (!model_json_out) throw Error(ErrorCode::InvalidArgument, "model_json_out must not be NULL");
    detail::set_out(model_json_out, detail::fit_model(detail::file_source(log_path), options_json));
  });
}

pathwise_status pathwise_fit_text(const char* text, size_t text_len, const char* options_json,
                                  char** model_json_out, char** errmsg) {
  detail::clear(model_json_out);
  return c_guard(errmsg, [&] {
    if (!model_json_out) throw Error(ErrorCode::InvalidArgument, "model_json_out must not be NULL");
    detail::set_out(model_json_out,
                    detail::fit_model(detail::text_source(text, text_len), options_json));
  });
}

pathwise_status pathwise_fit_report_file(const char* log_path, const char* options_json,
                                         char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    detail::set_out(json_out, detail::fit_report(detail::file_source(log_path), options_json));
  });
}

pathwise_status pathwise_fit_report_text(const char* text, size_t text_len,
                                         const char* options_json, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    detail::set_out(json_out,
                    detail::fit_report(detail::text_source(text, text_len), options_json));
  });
}

pathwise_status pathwise_evaluate_file(const char* model_json, const char* log_path,
                                       const char* options_json, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    detail::set_out(json_out,
                    detail::evaluate_log(model_json, detail::file_source(log_path), options_json));
  });
}

pathwise_status pathwise_evaluate_text(const char* model_json, const char* text, size_t text_len,
                                       const char* options_json, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    detail::set_out(json_out, detail::evaluate_log(model_json, detail::text_source(text, text_len),
                                                   options_json));
  });
}

pathwise_status pathwise_predict_file(const char* model_json, const char* log_path,
                                      const char* options_json, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    detail::set_out(json_out,
                    detail::predict_log(model_json, detail::file_source(log_path), options_json));
  });
}

pathwise_status pathwise_predict_text(const char* model_json, const char* text, size_t text_len,
                                      const char* options_json, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    detail::set_out(json_out, detail::predict_log(model_json, detail::text_source(text, text_len),
                                                  options_json));
  });
}

pathwise_status pathwise_cross_validate_file(const char* log_path, const char* options_json,
                                             char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    detail::set_out(json_out,
                    detail::cross_validate_log(detail::file_source(log_path), options_json));
  });
}

pathwise_status pathwise_cross_validate_text(const char* text, size_t text_len,
                                             const char* options_json, char** json_out,
                                             char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    detail::set_out(json_out,
                    detail::cross_validate_log(detail::text_source(text, text_len), options_json));
  });
}

}  // extern "C"

pathwise_status pathwise_report_class(const char* curriculum_json, const char* model_json,
                                      const char* store_url, const char* options_json,
                                      char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    ReportOptions o = detail::report_options_from(options_json);
    detail::ReportInputs in = detail::report_inputs(curriculum_json, model_json, store_url);
    detail::set_out(json_out, class_report_data(*in.store, in.curriculum, in.model, o));
  });
}

pathwise_status pathwise_report_learner_n(const char* curriculum_json, const char* model_json,
                                          const char* store_url, const char* learner,
                                          size_t learner_len, const char* options_json,
                                          char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    std::string id = detail::id_n(learner, learner_len, "learner");
    ReportOptions o = detail::report_options_from(options_json);
    detail::ReportInputs in = detail::report_inputs(curriculum_json, model_json, store_url);
    detail::set_out(json_out, learner_report_data(*in.store, in.curriculum, in.model, id, o));
  });
}

pathwise_status pathwise_report_fit_file(const char* model_json, const char* log_path,
                                         const char* options_json, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    if (!json_out) throw Error(ErrorCode::InvalidArgument, "json_out must not be NULL");
    detail::set_out(json_out,
                    detail::report_fit(model_json, detail::file_source(log_path), options_json));
  });
}

pathwise_status pathwise_report_html(const char* data_json, char** html_out, char** errmsg) {
  detail::clear(html_out);
  return c_guard(errmsg, [&] {
    if (!html_out) throw Error(ErrorCode::InvalidArgument, "html_out must not be NULL");
    detail::set_out(html_out, report_html(require(data_json, "data_json")));
  });
}
