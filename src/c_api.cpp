#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>

#include "detail/json_util.hpp"
#include "pathwise/json.hpp"
#include "pathwise.h"
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

/// Reads an object of settings: every key must be one this reader knows.
class Settings {
 public:
  Settings(const char* text, const char* what) : Settings(parse_json(text, what), what, "") {}
  /// A nested object: its keys are reported as "prefix.key".
  Settings(nlohmann::json j, const char* what, std::string prefix)
      : j_(std::move(j)), prefix_(std::move(prefix)) {
    if (!j_.is_object()) {
      throw Error(ErrorCode::Parse, std::string("the ") + what + " must be a JSON object",
                  Location{"", 0, 0, prefix_});
    }
  }
  /// The nested object under `key`, or an empty one.
  Settings object(const char* key) {
    seen_.push_back(key);
    auto it = j_.find(key);
    return Settings(it == j_.end() ? nlohmann::json::object() : *it, key, name(key));
  }
  std::string string(const char* key, const std::string& fallback) {
    seen_.push_back(key);
    auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    if (!it->is_string()) {
      throw Error(ErrorCode::Parse, "expected a string", Location{"", 0, 0, name(key)});
    }
    return it->get<std::string>();
  }
  double number(const char* key, double fallback) {
    seen_.push_back(key);
    auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    if (!it->is_number()) {
      throw Error(ErrorCode::Parse, "expected a number, got " + detail::describe(*it),
                  Location{"", 0, 0, name(key)});
    }
    return it->get<double>();
  }
  /// An integer in [lo, hi]; a fraction or a value out of range is an error naming the key.
  std::int64_t integer(const char* key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
    seen_.push_back(key);
    auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    const bool ok = it->is_number_integer() &&
                    (it->is_number_unsigned()
                         ? it->get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
                         : (it->get<std::int64_t>() >= lo && it->get<std::int64_t>() <= hi));
    if (!ok) {
      throw Error(ErrorCode::InvalidArgument,
                  "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                      ", got " + detail::describe(*it),
                  Location{"", 0, 0, name(key)});
    }
    return it->is_number_unsigned() ? static_cast<std::int64_t>(it->get<std::uint64_t>())
                                    : it->get<std::int64_t>();
  }
  bool boolean(const char* key, bool fallback) {
    seen_.push_back(key);
    auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    if (!it->is_boolean()) {
      throw Error(ErrorCode::Parse, "expected true or false", Location{"", 0, 0, name(key)});
    }
    return it->get<bool>();
  }
  /// Throws for a key no reader asked for (a typo would otherwise be ignored).
  void finish() const {
    for (const auto& item : j_.items()) {
      if (std::find(seen_.begin(), seen_.end(), item.key()) == seen_.end()) {
        throw Error(ErrorCode::InvalidArgument,
                    "unknown setting '" + name(item.key().c_str()) + "'",
                    Location{"", 0, 0, name(item.key().c_str())});
      }
    }
  }

 private:
  std::string name(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  nlohmann::json j_;
  std::string prefix_;
  std::vector<std::string> seen_;
};

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
  Settings s(text, "config");
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

FitOptions fit_options_from(const char* text) {
  FitOptions o;
  if (!text) return o;
  Settings s(text, "options");
  o.restarts = static_cast<int>(s.integer("restarts", o.restarts, 1, 10000));
  o.max_iterations = static_cast<int>(s.integer("max_iterations", o.max_iterations, 1, 10000000));
  o.tolerance = s.number("tolerance", o.tolerance);
  o.seed =
      static_cast<std::uint64_t>(s.integer("seed", static_cast<std::int64_t>(o.seed), 0, kMaxSeed));
  o.threads = static_cast<unsigned>(s.integer("threads", o.threads, 0, 1024));
  o.forgetting = s.boolean("forgetting", o.forgetting);
  o.item_guess_slip = s.boolean("item_guess_slip", o.item_guess_slip);
  s.finish();
  o.validate();
  return o;
}

/// Output pointers read NULL unless the call succeeds.
void clear(char** out) {
  if (out) *out = nullptr;
}

}  // namespace
}  // namespace pathwise::detail

using namespace pathwise;
using detail::c_guard;

extern "C" {

const char* pathwise_version(void) { return kVersionString; }

void pathwise_free(void* p) { std::free(p); }

pathwise_status pathwise_engine_create(const char* curriculum_json, const char* model_json,
                                       const char* config_json, const char* store_url,
                                       pathwise_engine_t** engine, char** errmsg) {
  if (engine) *engine = nullptr;
  return c_guard(errmsg, [&] {
    if (!engine) throw Error(ErrorCode::InvalidArgument, "engine must not be NULL");
    Curriculum c =
        Curriculum::from_json(detail::require(curriculum_json, "curriculum_json"), "curriculum");
    BktModel m = BktModel::from_json(detail::require(model_json, "model_json"), "model");
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
    if (correct != 0 && correct != 1) {
      throw Error(ErrorCode::InvalidArgument,
                  "correct must be 0 or 1, got " + std::to_string(correct),
                  Location{"", 0, 0, "correct"});
    }
    detail::engine_of(engine).record(
        {detail::require(learner, "learner"), detail::require(item, "item"),
         correct ? Outcome::Correct : Outcome::Incorrect, checked_from_millis(time_ms, "time_ms")});
  });
}

pathwise_status pathwise_recommend(pathwise_engine_t* engine, const char* learner, int64_t now_ms,
                                   char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    auto r = detail::engine_of(engine).recommend(detail::require(learner, "learner"),
                                                 checked_from_millis(now_ms, "now_ms"));
    nlohmann::json j;
    if (r) j = *r;
    detail::set_out(json_out, detail::dump(j));
  });
}

pathwise_status pathwise_profile(pathwise_engine_t* engine, const char* learner, char** json_out,
                                 char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    detail::set_out(
        json_out, detail::engine_of(engine).profile(detail::require(learner, "learner")).to_json());
  });
}

pathwise_status pathwise_set_goals(pathwise_engine_t* engine, const char* learner,
                                   const char* goals_json, char** errmsg) {
  return c_guard(errmsg, [&] {
    nlohmann::json j = detail::parse_json(detail::require(goals_json, "goals_json"), "goals");
    if (!j.is_array()) throw Error(ErrorCode::Parse, "goals must be a JSON array of skill ids");
    std::vector<std::string> goals;
    for (const auto& g : j) {
      if (!g.is_string()) throw Error(ErrorCode::Parse, "goals must be a JSON array of skill ids");
      goals.push_back(g.get<std::string>());
    }
    detail::engine_of(engine).set_goals(detail::require(learner, "learner"), goals);
  });
}

pathwise_status pathwise_class_summary(pathwise_engine_t* engine, char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    detail::set_out(json_out, detail::engine_of(engine).class_summary().to_json());
  });
}

pathwise_status pathwise_export_learner(pathwise_engine_t* engine, const char* learner,
                                        char** json_out, char** errmsg) {
  detail::clear(json_out);
  return c_guard(errmsg, [&] {
    detail::set_out(json_out,
                    detail::engine_of(engine).export_learner(detail::require(learner, "learner")));
  });
}

pathwise_status pathwise_erase_learner(pathwise_engine_t* engine, const char* learner, int* existed,
                                       char** errmsg) {
  if (existed) *existed = 0;
  return c_guard(errmsg, [&] {
    bool e = detail::engine_of(engine).erase_learner(detail::require(learner, "learner"));
    if (existed) *existed = e ? 1 : 0;
  });
}

pathwise_status pathwise_fit_file(const char* log_path, const char* options_json,
                                  char** model_json_out, char** errmsg) {
  detail::clear(model_json_out);
  return c_guard(errmsg, [&] {
    if (!model_json_out) throw Error(ErrorCode::InvalidArgument, "model_json_out must not be NULL");
    FitOptions options = detail::fit_options_from(options_json);
    ResponseLog log = ResponseLog::read_file(detail::require(log_path, "log_path"));
    detail::set_out(model_json_out, fit(log, options).to_json());
  });
}

}  // extern "C"
