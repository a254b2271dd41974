// Fuzz target: a C API session. An engine is created from fuzzed curriculum, model and settings
// documents on the "memory:" store, then a sequence of calls decoded from the rest of the bytes
// runs on it. Every status must be a documented one, PATHWISE_INTERNAL never comes back for bad
// input, outputs are JSON, and a profile document reads back with LearnerProfile::from_json.
// The calls include the `_n` spellings with the id's raw bytes (an id holding NUL must be
// refused, never cut short) and the log calls on fuzzed text (fit report, evaluate, predict,
// cross-validate) with fuzzed or fixed options.
//
// Input: curriculum NUL model NUL settings NUL calls. An empty (or missing) document part takes
// the built-in one below, so that the fuzzer can spend its time on the calls; an empty settings
// part passes NULL.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "pathwise.h"
#include "pathwise/curriculum.hpp"
#include "pathwise/profile.hpp"

namespace {

using pathwise::fuzz::Bytes;
using pathwise::fuzz::fail;

const char* kCurriculum = R"({"format":"pathwise-curriculum","version":"1.0",
  "skills":[{"id":"counting"},{"id":"addition","prerequisites":["counting"]}],
  "items":[{"id":"c1","skills":["counting"]},{"id":"a1","skills":["addition"]},
           {"id":"ca","skills":["counting","addition"],"difficulty":0.7}]})";
const char* kModel = R"({"format":"pathwise-bkt-model","version":"1.0","skills":{
  "counting":{"prior":0.5,"learn":0.2,"guess":0.2,"slip":0.1},
  "addition":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1}}})";

constexpr int kMaxCalls = 64;
constexpr std::int64_t kStart = 1700000000000;  // 2023-11-14, milliseconds

/// Owns a string returned by the C API.
struct Owned {
  char* p = nullptr;
  ~Owned() { pathwise_free(p); }
  std::string str() const { return p ? p : ""; }
};

bool documented(pathwise_status s) { return s >= PATHWISE_OK && s <= PATHWISE_CORRUPT; }

struct Session {
  pathwise_engine_t* engine = nullptr;
  std::vector<std::string> items, skills;
  std::string inputs;  // every document given, to tell a learner id apart from input it quoted
  std::int64_t now = kStart;

  /// A call's status and message must be documented and never INTERNAL.
  void check(pathwise_status s, const Owned& err, const char* call, const std::string& learner) {
    if (!documented(s)) fail("undocumented status", call);
    if (s == PATHWISE_OK) {
      PATHWISE_FUZZ_CHECK(err.p == nullptr, call);
      return;
    }
    if (err.p == nullptr) fail("failure without a message", call);
    const std::string msg = err.str();
    if (s == PATHWISE_INTERNAL) fail("PATHWISE_INTERNAL", msg);
    // Messages never echo a learner id (only ids long enough not to occur by chance).
    if (learner.size() >= 8 && inputs.find(learner) == std::string::npos &&
        msg.find(learner) != std::string::npos) {
      fail("error message echoes the learner id", call);
    }
  }

  void check_json_out(pathwise_status s, const Owned& out, const char* call) {
    if (s != PATHWISE_OK) {
      PATHWISE_FUZZ_CHECK(out.p == nullptr, call);
      return;
    }
    PATHWISE_FUZZ_CHECK(out.p != nullptr, call);
    if (!nlohmann::json::accept(out.str())) fail("output is not JSON", call);
  }

  std::string learner(Bytes& in) {
    const std::uint8_t b = in.u8();
    if (b < 250) return "learner-" + std::to_string(b % 4);
    return in.str(64);
  }
  std::string item(Bytes& in) {
    const std::uint8_t b = in.u8();
    if (b < 250 && !items.empty()) return items[b % items.size()];
    return in.str(64);
  }
  std::int64_t time(Bytes& in) {
    const std::uint8_t b = in.u8();
    if (b < 200) return now += static_cast<std::int64_t>(b) * 3600000;     // forward in hours
    if (b < 230) return now - static_cast<std::int64_t>(b - 200) * 60000;  // a little back
    return static_cast<std::int64_t>(in.u64());                            // anything
  }
  std::string goals(Bytes& in) {
    const std::uint8_t b = in.u8();
    if (b < 100) return "[]";
    if (b < 250) {
      nlohmann::json g = nlohmann::json::array();
      for (std::size_t k = 0; k < skills.size(); ++k)
        if ((b >> (k % 8)) & 1u) g.push_back(skills[k]);
      return g.dump();
    }
    return in.str(128);
  }

  void call(Bytes& in) {
    const std::uint8_t op = in.u8() % 10;
    if (op == 7) return call_n(in);
    if (op == 8) return call_log(in);
    std::string who = learner(in);
    who.resize(std::strlen(who.c_str()));  // what the C API sees
    Owned err, out;
    switch (op) {
      case 0: {
        const std::string it = item(in);
        const int correct = static_cast<int>(static_cast<std::int8_t>(in.u8()) % 3);
        const std::int64_t t = time(in);
        check(pathwise_record(engine, who.c_str(), it.c_str(), correct, t, &err.p), err,
              "pathwise_record", who);
        break;
      }
      case 1: {
        const std::int64_t t = time(in);
        auto s = pathwise_recommend(engine, who.c_str(), t, &out.p, &err.p);
        check(s, err, "pathwise_recommend", who);
        check_json_out(s, out, "pathwise_recommend");
        break;
      }
      case 2: {
        auto s = pathwise_profile(engine, who.c_str(), &out.p, &err.p);
        check(s, err, "pathwise_profile", who);
        check_json_out(s, out, "pathwise_profile");
        if (s == PATHWISE_OK) {
          try {
            pathwise::LearnerProfile p = pathwise::LearnerProfile::from_json(out.str(), "profile");
            PATHWISE_FUZZ_CHECK(p.learner == who, "profile of another learner");
          } catch (const pathwise::Error& e) {
            fail("the profile document does not read back", e.what());
          }
        }
        break;
      }
      case 3: {
        const std::string g = goals(in);
        check(pathwise_set_goals(engine, who.c_str(), g.c_str(), &err.p), err, "pathwise_set_goals",
              who);
        break;
      }
      case 4: {
        auto s = pathwise_export_learner(engine, who.c_str(), &out.p, &err.p);
        check(s, err, "pathwise_export_learner", who);
        check_json_out(s, out, "pathwise_export_learner");
        break;
      }
      case 5: {
        int existed = -1;
        auto s = pathwise_erase_learner(engine, who.c_str(), &existed, &err.p);
        check(s, err, "pathwise_erase_learner", who);
        if (s != PATHWISE_OK) break;
        PATHWISE_FUZZ_CHECK(existed == 0 || existed == 1, "existed is not 0/1");
        // Erase is final: right after it nothing is held on the learner.
        Owned err2, out2;
        auto s2 = pathwise_export_learner(engine, who.c_str(), &out2.p, &err2.p);
        check(s2, err2, "pathwise_export_learner", who);
        PATHWISE_FUZZ_CHECK(s2 == PATHWISE_UNKNOWN_LEARNER, "an erased learner is still held");
        break;
      }
      default: {
        auto s = pathwise_class_summary(engine, &out.p, &err.p);
        check(s, err, "pathwise_class_summary", "");
        check_json_out(s, out, "pathwise_class_summary");
        break;
      }
    }
  }

  /// The `_n` calls with the learner id's raw bytes, NUL included.
  void call_n(Bytes& in) {
    const std::uint8_t sub = in.u8() % 4;
    const std::string who = learner(in);
    const bool has_nul = who.find('\0') != std::string::npos;
    Owned err, out;
    pathwise_status s = PATHWISE_OK;
    const char* name = "";
    switch (sub) {
      case 0: {
        const std::string it = item(in);
        name = "pathwise_record_n";
        s = pathwise_record_n(engine, who.data(), who.size(), it.data(), it.size(), in.u8() & 1,
                              time(in), &err.p);
        if (it.find('\0') != std::string::npos)
          PATHWISE_FUZZ_CHECK(s == PATHWISE_INVALID_ARGUMENT, "an item id with NUL was accepted");
        break;
      }
      case 1:
        name = "pathwise_profile_n";
        s = pathwise_profile_n(engine, who.data(), who.size(), &out.p, &err.p);
        check_json_out(s, out, name);
        if (s == PATHWISE_OK) {
          const auto p = pathwise::LearnerProfile::from_json(out.str(), "profile");
          PATHWISE_FUZZ_CHECK(p.learner == who, "profile_n of another learner (id cut short?)");
        }
        break;
      case 2:
        name = "pathwise_recommend_n";
        s = pathwise_recommend_n(engine, who.data(), who.size(), time(in), &out.p, &err.p);
        check_json_out(s, out, name);
        break;
      default: {
        name = "pathwise_erase_learner_n";
        int existed = -1;
        s = pathwise_erase_learner_n(engine, who.data(), who.size(), &existed, &err.p);
        if (s == PATHWISE_OK) PATHWISE_FUZZ_CHECK(existed == 0 || existed == 1, name);
        break;
      }
    }
    check(s, err, name, who);
    if (has_nul) PATHWISE_FUZZ_CHECK(s == PATHWISE_INVALID_ARGUMENT, "an id with NUL was accepted");
  }

  /// A log call on fuzzed text: fit report, evaluate, predict or cross-validate.
  void call_log(Bytes& in) {
    const std::uint8_t sub = in.u8() % 4;
    const std::uint8_t pick = in.u8();
    // Small fits keep the fuzzer fast; a fuzzed options document some of the time.
    std::string options;
    if (pick < 200) {
      options = sub == 3 ? R"({"folds": 2, "fit": {"restarts": 1, "max_iterations": 5,
                               "threads": 1}, "read": {"strict": false}})"
                         : (sub == 0 ? R"({"restarts": 1, "max_iterations": 5, "threads": 1,
                                          "bounds": {"guess": [0, 0.3]}})"
                                     : R"({"skip_unknown_skills": true})");
      if (pick & 1) options.clear();  // NULL: the defaults (evaluate, predict) or a full fit
      if (options.empty() && sub != 1 && sub != 2) options = R"({"restarts": 1, "threads": 1})";
    } else {
      options = in.str(96);
      options.resize(std::strlen(options.c_str()));
    }
    std::string text = "user_id,skill_name,correct\n" + in.str(255);
    if (pick & 2) text = in.str(255);  // any format, detected
    const char* o = options.empty() ? nullptr : options.c_str();
    Owned err, out;
    pathwise_status s = PATHWISE_OK;
    const char* name = "";
    switch (sub) {
      case 0:
        name = "pathwise_fit_report_text";
        s = pathwise_fit_report_text(text.data(), text.size(), o, &out.p, &err.p);
        break;
      case 1:
        name = "pathwise_evaluate_text";
        s = pathwise_evaluate_text(kModel, text.data(), text.size(), o, &out.p, &err.p);
        break;
      case 2:
        name = "pathwise_predict_text";
        s = pathwise_predict_text(kModel, text.data(), text.size(), o, &out.p, &err.p);
        break;
      default:
        name = "pathwise_cross_validate_text";
        s = pathwise_cross_validate_text(text.data(), text.size(), o, &out.p, &err.p);
        break;
    }
    check(s, err, name, "");
    check_json_out(s, out, name);
    if (s == PATHWISE_OK) {
      const auto j = nlohmann::json::parse(out.str());
      PATHWISE_FUZZ_CHECK(j.contains("read"), name);
      const auto& r = j.at("read");
      PATHWISE_FUZZ_CHECK(
          r.at("rows").get<std::size_t>() == r.at("rows_kept").get<std::size_t>() +
                                                 r.at("rows_filtered").get<std::size_t>() +
                                                 r.at("skipped_total").get<std::size_t>(),
          "rows != kept + filtered + skipped");
    }
  }
};

/// Splits off the next NUL-terminated part; the last part runs to the end.
std::string_view next_part(std::string_view& rest, bool* found) {
  const std::size_t nul = rest.find('\0');
  *found = nul != std::string_view::npos;
  std::string_view part = rest.substr(0, *found ? nul : rest.size());
  rest = *found ? rest.substr(nul + 1) : std::string_view();
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  bool found = false;
  const std::string curriculum(next_part(rest, &found));
  const std::string model(found ? next_part(rest, &found) : std::string_view());
  const std::string config(found ? next_part(rest, &found) : std::string_view());
  const char* c = curriculum.empty() ? kCurriculum : curriculum.c_str();
  const char* m = model.empty() ? kModel : model.c_str();

  Session session;
  session.inputs = std::string(c) + '\n' + m + '\n' + config;
  Owned err;
  const pathwise_status s = pathwise_engine_create(c, m, config.empty() ? nullptr : config.c_str(),
                                                   "memory:", &session.engine, &err.p);
  session.check(s, err, "pathwise_engine_create", "");
  if (s != PATHWISE_OK) {
    PATHWISE_FUZZ_CHECK(session.engine == nullptr, "a failed create left an engine");
    return 0;
  }
  PATHWISE_FUZZ_CHECK(session.engine != nullptr, "create succeeded without an engine");
  try {
    const pathwise::Curriculum cur = pathwise::Curriculum::from_json(c);
    for (const auto& it : cur.items()) session.items.push_back(it.id);
    for (const auto& sk : cur.skills()) session.skills.push_back(sk.id);
  } catch (const std::exception& e) {
    fail("the engine accepted a curriculum that does not read", e.what());
  }
  Bytes calls(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size());
  for (int k = 0; k < kMaxCalls && !calls.empty(); ++k) session.call(calls);
  pathwise_engine_destroy(session.engine);
  return 0;
}
