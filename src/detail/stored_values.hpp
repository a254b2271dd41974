// Checks on values read back from a profile store: a damaged or hand-edited row becomes
// Error (Corrupt) naming the column, never a profile the engine cannot work with.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "detail/text.hpp"
#include "detail/json_util.hpp"
#include "detail/profile_update.hpp"
#include "pathwise/profile.hpp"

namespace pathwise::detail {

/// The JSON text a store keeps for the profile's learner-layer state (the profile must have one).
inline std::string learner_state_text(const LearnerProfile& p) {
  return dump(learner_state_json(*p.learner_state, p.learner_ability));
}

/// Throws Error (Corrupt): the value in `column` of the store at `source` is damaged. The message
/// names the column, never the value (it may hold a learner id).
[[noreturn]] inline void damaged(const std::string& source, const char* column) {
  throw Error(ErrorCode::Corrupt,
              std::string("damaged value in the profile database (column ") + column +
                  "): the row was not written by Pathwise or has been altered",
              Location{source, 0, 0, column});
}

/// Checked conversions of stored values, for one store (`source` names it in errors).
class StoredValues {
 public:
  explicit StoredValues(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const char* column) const { damaged(source_, column); }

  double probability(double v, const char* column) const {
    if (!(v >= 0.0 && v <= 1.0)) damaged(source_, column);
    return v;
  }
  /// As a profile document's: a longer finite half-life than the cap is read as the cap.
  double half_life(double v, const char* column) const {
    const auto days = read_half_life(v);
    if (!days) damaged(source_, column);
    return *days;
  }
  std::uint32_t count32(std::int64_t v, const char* column) const {
    if (v < 0 || v > 0xffffffffLL) damaged(source_, column);
    return static_cast<std::uint32_t>(v);
  }
  std::uint64_t count64(std::int64_t v, const char* column) const {
    if (v < 0) damaged(source_, column);
    return static_cast<std::uint64_t>(v);
  }
  TimePoint time(std::int64_t ms, const char* column) const {
    if (ms > kMaxMillis || ms < -kMaxMillis) damaged(source_, column);
    return from_millis(ms);
  }
  Outcome outcome(std::int64_t v, const char* column) const {
    if (v != 0 && v != 1) damaged(source_, column);
    return v ? Outcome::Correct : Outcome::Incorrect;
  }
  /// An id or name: UTF-8 without NUL, as every Pathwise writer checks before storing it.
  std::string text(std::string v, const char* column) const {
    if (!is_storable_text(v)) damaged(source_, column);
    return v;
  }
  /// A JSON array of strings (goals, recent items).
  std::vector<std::string> string_list(const std::string& json, const char* column) const {
    std::vector<std::string> out;
    try {
      nlohmann::json j = parse_json(json, source_);
      if (!j.is_array()) damaged(source_, column);
      for (const auto& v : j) {
        if (!v.is_string()) damaged(source_, column);
        out.push_back(text(v.get<std::string>(), column));
      }
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Corrupt) throw;
      damaged(source_, column);
    }
    return out;
  }
  /// A learner-layer state as the stores keep it: the "learner_state" object of a profile
  /// document, as JSON text; anything else, or a value out of its domain, is damaged.
  void learner_state(const std::string& json, const char* column, LearnerProfile& p) const {
    try {
      LearnerState state;
      double ability = 0.0;
      read_learner_state(parse_json(json, source_), "", state, ability);
      p.learner_state = std::move(state);
      p.learner_ability = ability;
    } catch (const Error&) {
      damaged(source_, column);
    }
  }

 private:
  std::string source_;
};

}  // namespace pathwise::detail
