#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>

#include "detail/json_util.hpp"
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

double number(const nlohmann::json& j, const char* key, double fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_number()) {
    throw Error(ErrorCode::Parse, "expected a number", Location{"", 0, 0, key});
  }
  return it->get<double>();
}

PolicyConfig config_from(const char* text) {
  PolicyConfig c;
  if (!text) return c;
  nlohmann::json j = parse_json(text, "config");
  if (!j.is_object()) throw Error(ErrorCode::Parse, "the config must be a JSON object");
  c.mastery_threshold = number(j, "mastery_threshold", c.mastery_threshold);
  c.target_success = number(j, "target_success", c.target_success);
  c.remediate_below = number(j, "remediate_below", c.remediate_below);
  c.challenge_above = number(j, "challenge_above", c.challenge_above);
  c.review_threshold = number(j, "review_threshold", c.review_threshold);
  c.initial_half_life_days = number(j, "initial_half_life_days", c.initial_half_life_days);
  c.half_life_growth = number(j, "half_life_growth", c.half_life_growth);
  c.no_repeat_window = static_cast<std::size_t>(
      number(j, "no_repeat_window", static_cast<double>(c.no_repeat_window)));
  c.wheel_spin_attempts =
      static_cast<std::uint32_t>(number(j, "wheel_spin_attempts", c.wheel_spin_attempts));
  c.seed = static_cast<std::uint64_t>(number(j, "seed", static_cast<double>(c.seed)));
  return c;
}

FitOptions fit_options_from(const char* text) {
  FitOptions o;
  if (!text) return o;
  nlohmann::json j = parse_json(text, "options");
  if (!j.is_object()) throw Error(ErrorCode::Parse, "the options must be a JSON object");
  o.restarts = static_cast<int>(number(j, "restarts", o.restarts));
  o.max_iterations = static_cast<int>(number(j, "max_iterations", o.max_iterations));
  o.tolerance = number(j, "tolerance", o.tolerance);
  o.seed = static_cast<std::uint64_t>(number(j, "seed", static_cast<double>(o.seed)));
  o.threads = static_cast<unsigned>(number(j, "threads", o.threads));
  if (auto it = j.find("forgetting"); it != j.end()) {
    if (!it->is_boolean())
      throw Error(ErrorCode::Parse, "expected true or false", Location{"", 0, 0, "forgetting"});
    o.forgetting = it->get<bool>();
  }
  return o;
}

nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

}  // namespace
}  // namespace pathwise::detail

using namespace pathwise;
using detail::c_guard;

extern "C" {

const char* pathwise_version(void) { return kVersionString; }

void pathwise_free(void* p) { std::free(p); }

pathwise_status pathwise_engine_create(const char* curriculum_json, const char* model_json,
                                       const char* config_json, const char* store_path,
                                       pathwise_engine_t** engine, char** errmsg) {
  if (engine) *engine = nullptr;
  return c_guard(errmsg, [&] {
    if (!engine) throw Error(ErrorCode::InvalidArgument, "engine must not be NULL");
    Curriculum c =
        Curriculum::from_json(detail::require(curriculum_json, "curriculum_json"), "curriculum");
    BktModel m = BktModel::from_json(detail::require(model_json, "model_json"), "model");
    PolicyConfig cfg = detail::config_from(config_json);
    std::unique_ptr<ProfileStore> store;
    if (store_path) {
      store = SqliteStore::open(store_path);
    } else {
      store = std::make_unique<InMemoryStore>();
    }
    auto handle = std::make_unique<pathwise_engine_t>();
    handle->engine = std::make_unique<Engine>(std::move(c), std::move(m), cfg, std::move(store));
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
         correct ? Outcome::Correct : Outcome::Incorrect, from_millis(time_ms)});
  });
}

pathwise_status pathwise_recommend(pathwise_engine_t* engine, const char* learner, int64_t now_ms,
                                   char** json_out, char** errmsg) {
  return c_guard(errmsg, [&] {
    auto r = detail::engine_of(engine).recommend(detail::require(learner, "learner"),
                                                 from_millis(now_ms));
    nlohmann::json j;
    if (r) {
      j = {{"item", r->item},
           {"skill", r->skill},
           {"reason", to_string(r->reason)},
           {"explanation", r->explanation},
           {"p_correct", detail::finite_or_null(r->p_correct)}};
      nlohmann::json alts = nlohmann::json::array();
      for (const auto& a : r->alternatives)
        alts.push_back({{"item", a.item}, {"skill", a.skill}, {"p_correct", a.p_correct}});
      j["alternatives"] = std::move(alts);
    }
    detail::set_out(json_out, j.dump());
  });
}

pathwise_status pathwise_profile(pathwise_engine_t* engine, const char* learner, char** json_out,
                                 char** errmsg) {
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
  return c_guard(errmsg, [&] {
    ClassSummary cs = detail::engine_of(engine).class_summary();
    nlohmann::json skills = nlohmann::json::array();
    for (const auto& s : cs.skills) {
      skills.push_back({{"skill", s.skill},
                        {"learners", s.learners},
                        {"mastered", s.mastered},
                        {"mean", s.mean},
                        {"histogram", s.histogram}});
    }
    detail::set_out(json_out, nlohmann::json{{"learners", cs.learners}, {"skills", skills}}.dump());
  });
}

pathwise_status pathwise_export_learner(pathwise_engine_t* engine, const char* learner,
                                        char** json_out, char** errmsg) {
  return c_guard(errmsg, [&] {
    detail::set_out(json_out,
                    detail::engine_of(engine).export_learner(detail::require(learner, "learner")));
  });
}

pathwise_status pathwise_erase_learner(pathwise_engine_t* engine, const char* learner, int* existed,
                                       char** errmsg) {
  return c_guard(errmsg, [&] {
    bool e = detail::engine_of(engine).erase_learner(detail::require(learner, "learner"));
    if (existed) *existed = e ? 1 : 0;
  });
}

pathwise_status pathwise_fit_file(const char* log_path, const char* options_json,
                                  char** model_json_out, char** errmsg) {
  return c_guard(errmsg, [&] {
    ResponseLog log = ResponseLog::read_file(detail::require(log_path, "log_path"));
    detail::set_out(model_json_out, fit(log, detail::fit_options_from(options_json)).to_json());
  });
}

}  // extern "C"
