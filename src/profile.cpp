#include "pathwise/profile.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "detail/json_util.hpp"
#include "detail/learner_layer.hpp"
#include "detail/placement_update.hpp"
#include "detail/profile_update.hpp"

namespace pathwise {

bool SkillState::operator==(const SkillState& o) const {
  return p_known == o.p_known && attempts == o.attempts && correct == o.correct &&
         streak == o.streak && last_practice == o.last_practice && mastered_at == o.mastered_at &&
         half_life_days == o.half_life_days && reviews == o.reviews &&
         next_review == o.next_review && wheel_spinning == o.wheel_spinning;
}

bool LearnerProfile::operator==(const LearnerProfile& o) const {
  return learner == o.learner && skills == o.skills && goals == o.goals &&
         recent_items == o.recent_items && responses == o.responses &&
         last_response == o.last_response && learner_state == o.learner_state &&
         learner_ability == o.learner_ability;
}

const SkillState* LearnerProfile::find(std::string_view skill) const noexcept {
  auto it = skills.find(skill);
  return it == skills.end() ? nullptr : &it->second;
}

double estimated_recall(const SkillState& state, TimePoint now) noexcept {
  if (state.half_life_days <= 0.0 || !state.last_practice) return state.p_known;
  const double days = std::max(0.0, days_between(*state.last_practice, now));
  return state.p_known * std::exp2(-days / state.half_life_days);
}

double LearnerProfile::mastery(std::string_view skill) const {
  if (const SkillState* s = find(skill)) return s->p_known;
  throw Error(ErrorCode::UnknownSkill, "the profile tracks no skill '" + std::string(skill) + "'");
}

double LearnerProfile::recall(std::string_view skill, TimePoint now) const {
  const SkillState* s = find(skill);
  if (!s)
    throw Error(ErrorCode::UnknownSkill,
                "the profile tracks no skill '" + std::string(skill) + "'");
  return estimated_recall(*s, now);
}

LearnerProfile new_profile(std::string learner, const Curriculum& curriculum,
                           const BktModel& model) {
  LearnerProfile p;
  p.learner = std::move(learner);
  for (const Skill& s : curriculum.skills()) {
    const BktParams* params = model.find_skill(s.id);
    if (!params) {
      throw Error(ErrorCode::UnknownSkill, "the model has no parameters for skill '" + s.id + "'");
    }
    p.skills[s.id].p_known = params->prior;
  }
  return p;
}

namespace detail {

void check_response(const LearnerProfile& profile, std::size_t item_count, std::uint32_t item,
                    Outcome outcome, TimePoint time) {
  if (static_cast<std::uint8_t>(outcome) > 1) {
    throw Error(ErrorCode::InvalidArgument,
                "outcome must be 0 (incorrect) or 1 (correct), got " +
                    std::to_string(static_cast<int>(outcome)),
                Location{"", 0, 0, "outcome"});
  }
  if (item >= item_count) {
    throw Error(ErrorCode::UnknownItem, "item index " + std::to_string(item) + " is out of range");
  }
  if (profile.last_response && time < *profile.last_response) {
    throw Error(ErrorCode::InvalidArgument,
                "response time goes backwards: " +
                    std::to_string(to_millis(*profile.last_response) - to_millis(time)) +
                    " ms before the learner's previous response",
                Location{"", 0, 0, "time"});
  }
}

void apply_checked(LearnerProfile& profile, SkillState* const* states, const BktParams* params,
                   const double* forget_per_day, std::size_t skills, const std::string& item_id,
                   const ProfileRules& rules, Outcome outcome, TimePoint time,
                   const LearnerLayer* layer, const std::string* skill_ids,
                   LearnerState::Skill** learner_skills) {
  const bool correct = outcome == Outcome::Correct;
  auto rate = [&](std::size_t k) {
    return forget_per_day ? forget_per_day[k] : std::numeric_limits<double>::quiet_NaN();
  };
  // Time-based forgetting since each skill was last practised, where the model has a rate:
  // P(known) (1 - rate)^days (Qiu et al. 2011).
  for (std::size_t k = 0; k < skills; ++k) {
    SkillState& st = *states[k];
    const double d = rate(k);
    if (d > 0.0 && st.last_practice) {
      st.p_known *= std::pow(1.0 - d, std::max(0.0, days_between(*st.last_practice, time)));
    }
  }
  // The learner layer sees BKT's P(correct) of each skill as the offline walk does: after
  // forgetting, before this answer, one record per skill in the item's order.
  if (layer) {
    if (!profile.learner_state) profile.learner_state.emplace();
    LearnerState& ls = *profile.learner_state;
    for (std::size_t k = 0; k < skills; ++k) {
      LearnerState::Skill* entry = learner_skills ? learner_skills[k] : nullptr;
      if (!entry) {
        entry = &ls.skills[skill_ids[k]];
        if (learner_skills) learner_skills[k] = entry;
      }
      learner_record(*layer, ls, *entry, predict_correct(params[k], states[k]->p_known), outcome);
    }
    profile.learner_ability = layer->ability(ls);
  }
  // Posteriors first, from the beliefs before this answer: under the conjunctive update each
  // skill's depends on the others' P(correct).
  double small[8];
  std::vector<double> large;
  double* post = small;
  if (skills > 8) {
    large.resize(skills);
    post = large.data();
  }
  for (std::size_t k = 0; k < skills; ++k) {
    if (skills == 1 || correct || !rules.conjunctive_update) {
      // A correct answer updates each skill alone under either rule (the other skills' factor
      // cancels), so it is computed as posterior() does, to the last bit.
      post[k] = posterior(params[k], states[k]->p_known, outcome);
      continue;
    }
    double others = 1.0;
    for (std::size_t j = 0; j < skills; ++j)
      if (j != k) others *= predict_correct(params[j], states[j]->p_known);
    post[k] = posterior_conjunctive(params[k], states[k]->p_known, others, outcome);
  }
  for (std::size_t k = 0; k < skills; ++k) {
    SkillState& st = *states[k];
    const bool due = st.next_review && time >= *st.next_review;
    st.p_known = transition(params[k], post[k]);
    ++st.attempts;
    st.correct += correct ? 1 : 0;
    st.streak = correct ? st.streak + 1 : 0;
    st.last_practice = time;
    const double d = rate(k);
    if (!std::isnan(d)) {
      // The model's rate fixes recall: p 2^(-days/h) = p (1 - d)^days with h = ln 2 / -ln(1 - d);
      // d = 0: never forgotten, never due.
      if (!st.mastered_at && st.p_known >= rules.mastery_threshold) st.mastered_at = time;
      st.half_life_days =
          st.mastered_at && d > 0.0 ? std::min(std::log(2.0) / -std::log1p(-d), kMaxHalfLifeDays)
                                    : 0.0;
      if (due && correct && st.half_life_days > 0.0) ++st.reviews;
      if (st.half_life_days <= 0.0) st.next_review.reset();
    } else if (!st.mastered_at && st.p_known >= rules.mastery_threshold) {
      st.mastered_at = time;
      st.half_life_days = std::min(rules.initial_half_life_days, kMaxHalfLifeDays);
    } else if (st.half_life_days > 0.0 && due) {
      // A review: answered when due, the memory proves more stable; a miss starts over.
      if (correct) {
        st.half_life_days = std::min(st.half_life_days * rules.half_life_growth, kMaxHalfLifeDays);
        ++st.reviews;
      } else {
        st.half_life_days = std::min(rules.initial_half_life_days, kMaxHalfLifeDays);
      }
    }
    if (st.half_life_days > 0.0) {
      // Recall p 2^(-d/h) reaches the threshold after d = h log2(p / threshold) days.
      double days = st.p_known > rules.review_threshold
                        ? st.half_life_days * std::log2(st.p_known / rules.review_threshold)
                        : 0.0;
      st.next_review = plus_days(time, days);
    }
    st.wheel_spinning = !st.mastered_at && st.attempts >= rules.wheel_spin_attempts;
  }
  ++profile.responses;
  profile.last_response = time;
  if (rules.recent_items > 0) {
    auto& recent = profile.recent_items;
    if (recent.size() >= rules.recent_items) {
      recent.erase(recent.begin(), recent.begin() + static_cast<std::ptrdiff_t>(
                                                        recent.size() - rules.recent_items + 1));
    }
    recent.push_back(item_id);
  }
}

nlohmann::ordered_json learner_state_json(const LearnerState& state, double ability) {
  nlohmann::ordered_json j;
  j["responses"] = state.responses;
  j["residual_sum"] = state.residual_sum;
  j["recent"] = state.recent;
  j["recent_slow"] = state.recent_slow;
  j["last"] = state.last;
  j["ability"] = ability;
  nlohmann::ordered_json sk = nlohmann::ordered_json::object();
  for (const auto& [id, s] : state.skills)
    sk[id] = {{"opportunities", s.opportunities}, {"last_seen", s.last_seen}};
  j["skills"] = std::move(sk);
  return j;
}

}  // namespace detail

std::vector<std::string> apply_response(LearnerProfile& profile, const Curriculum& curriculum,
                                        const BktModel& model, const ProfileRules& rules,
                                        std::uint32_t item, Outcome outcome, TimePoint time) {
  detail::check_response(profile, curriculum.items().size(), item, outcome, time);
  const Item& it = curriculum.items()[item];
  std::vector<std::string> changed;
  std::vector<SkillState*> states;
  std::vector<BktParams> params;
  std::vector<double> forget;
  for (std::uint32_t s : curriculum.item_skills(item)) {
    const std::string& id = curriculum.skills()[s].id;
    params.push_back(model.params_for(id, it.id));
    forget.push_back(model.forget_per_day(id).value_or(std::numeric_limits<double>::quiet_NaN()));
    auto [pos, inserted] = profile.skills.try_emplace(id);
    if (inserted) pos->second.p_known = params.back().prior;  // a skill added since
    states.push_back(&pos->second);
    changed.push_back(id);
  }
  detail::apply_checked(profile, states.data(), params.data(), forget.data(), states.size(), it.id,
                        rules, outcome, time, model.learner(), changed.data());
  if (detail::apply_placement(profile, curriculum, model, rules)) {
    // A diagnostic answer placed every skill of the goals: list all that are not yet listed.
    for (const auto& [id, st] : profile.skills)
      if (std::find(changed.begin(), changed.end(), id) == changed.end()) changed.push_back(id);
  }
  return changed;
}

// ---- JSON ----

namespace {

nlohmann::ordered_json time_or_null(const std::optional<TimePoint>& t) {
  return t ? nlohmann::ordered_json(to_millis(*t)) : nlohmann::ordered_json();
}

std::optional<TimePoint> read_time(const nlohmann::json& o, const char* key,
                                   const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) {
    throw Error(ErrorCode::Parse, "expected milliseconds since the epoch (an integer)",
                Location{"", 0, 0, detail::field_path(path, key)});
  }
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxMillis)) {
    return checked_from_millis(kMaxMillis + 1, detail::field_path(path, key).c_str());
  }
  return checked_from_millis(it->get<std::int64_t>(), detail::field_path(path, key).c_str());
}

std::uint64_t read_count(const nlohmann::json& o, const char* key, const std::string& path,
                         std::uint64_t max = UINT64_MAX) {
  const auto& v = detail::required(o, key, path);
  if ((!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) ||
      v.get<std::uint64_t>() > max) {
    throw Error(ErrorCode::Parse,
                "expected a count (integer from 0 to " + std::to_string(max) + "), got " +
                    detail::describe(v),
                Location{"", 0, 0, detail::field_path(path, key)});
  }
  return v.get<std::uint64_t>();
}

/// The "schema_version" of documents written before the "version" convention.
void check_schema_version(const nlohmann::json& j) {
  const auto& sv = detail::required(j, "schema_version", "");
  if (!sv.is_number_integer()) {
    throw Error(ErrorCode::Parse, "schema_version must be an integer",
                Location{"", 0, 0, "schema_version"});
  }
  if (sv.is_number_unsigned()
          ? sv.get<std::uint64_t>() > static_cast<std::uint64_t>(LearnerProfile::kSchemaVersion)
          : sv.get<std::int64_t>() > LearnerProfile::kSchemaVersion) {
    throw Error(ErrorCode::Version,
                "profile schema_version " + detail::describe(sv) +
                    " is newer than this Pathwise reads (" +
                    std::to_string(LearnerProfile::kSchemaVersion) + "); upgrade Pathwise",
                Location{"", 0, 0, "schema_version"});
  }
}

}  // namespace

namespace detail {

void read_learner_state(const nlohmann::json& o, const std::string& path, LearnerState& state,
                        double& ability) {
  if (!o.is_object()) throw Error(ErrorCode::Parse, "expected an object", Location{"", 0, 0, path});
  auto out_of_range = [&](const std::string& field, const char* what) {
    throw Error(ErrorCode::InvalidArgument, what, Location{"", 0, 0, field});
  };
  LearnerState s;
  s.responses = read_count(o, "responses", path);
  const double n = static_cast<double>(s.responses);
  s.residual_sum = get_number(o, "residual_sum", path);
  // Each residual lies in [-1, 1], so the sum of n of them in [-n, n].
  if (!(std::fabs(s.residual_sum) <= n))
    out_of_range(field_path(path, "residual_sum"), "residual_sum must be within [-responses, responses]");
  // Averages of residuals in [-1, 1] (with a margin for rounding).
  s.recent = get_number(o, "recent", path);
  if (!(std::fabs(s.recent) <= 1.0 + 1e-9))
    out_of_range(field_path(path, "recent"), "recent must be in [-1, 1]");
  s.recent_slow = get_number(o, "recent_slow", path);
  if (!(std::fabs(s.recent_slow) <= 1.0 + 1e-9))
    out_of_range(field_path(path, "recent_slow"), "recent_slow must be in [-1, 1]");
  const auto& last = required(o, "last", path);
  if (!last.is_number_integer() || last.get<std::int64_t>() < -1 || last.get<std::int64_t>() > 1 ||
      (last.is_number_unsigned() && last.get<std::uint64_t>() > 1)) {
    throw Error(ErrorCode::Parse, "expected -1, 0 or 1, got " + describe(last),
                Location{"", 0, 0, field_path(path, "last")});
  }
  s.last = static_cast<int>(last.get<std::int64_t>());
  if ((s.last == 0) != (s.responses == 0))
    out_of_range(field_path(path, "last"), "last must be 0 exactly when no response is recorded");
  const double a = o.contains("ability") ? get_number(o, "ability", path) : 0.0;
  const auto& sk = required(o, "skills", path);
  if (!sk.is_object())
    throw Error(ErrorCode::Parse, "expected an object", Location{"", 0, 0, field_path(path, "skills")});
  for (const auto& [id, v] : sk.items()) {
    const std::string at = field_path(path, "skills") + "." + id;
    if (!v.is_object()) throw Error(ErrorCode::Parse, "expected an object", Location{"", 0, 0, at});
    LearnerState::Skill k;
    k.opportunities = read_count(v, "opportunities", at, s.responses);
    k.last_seen = read_count(v, "last_seen", at, s.responses);
    if (k.opportunities == 0 || k.last_seen == 0)
      out_of_range(at, "a skill in the learner state has at least one response");
    s.skills.emplace(id, k);
  }
  state = std::move(s);
  ability = a;
}

}  // namespace detail

std::string LearnerProfile::to_json(int indent) const {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["version"] = learner_state ? kVersionWithLearner : kVersion;
  j["learner"] = learner;
  j["responses"] = responses;
  j["last_response"] = time_or_null(last_response);
  j["goals"] = goals;
  j["recent_items"] = recent_items;
  nlohmann::ordered_json sk = nlohmann::ordered_json::object();
  for (const auto& [id, s] : skills) {
    sk[id] = {{"p_known", s.p_known},
              {"attempts", s.attempts},
              {"correct", s.correct},
              {"streak", s.streak},
              {"last_practice", time_or_null(s.last_practice)},
              {"mastered_at", time_or_null(s.mastered_at)},
              {"half_life_days", s.half_life_days},
              {"reviews", s.reviews},
              {"next_review", time_or_null(s.next_review)},
              {"wheel_spinning", s.wheel_spinning}};
  }
  j["skills"] = std::move(sk);
  if (learner_state) j["learner_state"] = detail::learner_state_json(*learner_state, learner_ability);
  return detail::dump(j, indent);
}

LearnerProfile LearnerProfile::from_json(std::string_view text, const std::string& source) {
  nlohmann::json j = detail::parse_json(text, source);
  try {
    if (!j.is_object()) throw Error(ErrorCode::Parse, "a profile document must be a JSON object");
    if (detail::get_string(j, "format", "") != kFormat) {
      throw Error(ErrorCode::Parse,
                  std::string("wrong document format, expected \"") + kFormat + "\"",
                  Location{"", 0, 0, "format"});
    }
    // "version" as every document has it; "schema_version" as profiles had it before.
    if (j.contains("version") || !j.contains("schema_version")) detail::check_format(j, kFormat, 1, 1);
    if (j.contains("schema_version")) check_schema_version(j);
    LearnerProfile p;
    p.learner = detail::get_string(j, "learner", "");
    p.responses = read_count(j, "responses", "");
    p.last_response = read_time(j, "last_response", "");
    if (j.contains("goals")) p.goals = detail::get_strings(j, "goals", "");
    if (j.contains("recent_items")) p.recent_items = detail::get_strings(j, "recent_items", "");
    const auto& sk = detail::required(j, "skills", "");
    if (!sk.is_object())
      throw Error(ErrorCode::Parse, "\"skills\" must be an object", Location{"", 0, 0, "skills"});
    for (const auto& [id, o] : sk.items()) {
      std::string path = "skills." + id;
      if (!o.is_object())
        throw Error(ErrorCode::Parse, "expected an object", Location{"", 0, 0, path});
      SkillState s;
      s.p_known = detail::get_number(o, "p_known", path);
      if (!(s.p_known >= 0.0 && s.p_known <= 1.0)) {
        throw Error(ErrorCode::InvalidArgument, "p_known must be in [0, 1]",
                    Location{"", 0, 0, path + ".p_known"});
      }
      s.attempts = static_cast<std::uint32_t>(read_count(o, "attempts", path, UINT32_MAX));
      s.correct = static_cast<std::uint32_t>(read_count(o, "correct", path, UINT32_MAX));
      s.streak = static_cast<std::uint32_t>(read_count(o, "streak", path, UINT32_MAX));
      s.last_practice = read_time(o, "last_practice", path);
      s.mastered_at = read_time(o, "mastered_at", path);
      const auto half_life = detail::read_half_life(
          o.contains("half_life_days") ? detail::get_number(o, "half_life_days", path) : 0.0);
      if (!half_life) {
        throw Error(ErrorCode::InvalidArgument, "half_life_days must be a finite number >= 0",
                    Location{"", 0, 0, path + ".half_life_days"});
      }
      s.half_life_days = *half_life;
      s.reviews = o.contains("reviews")
                      ? static_cast<std::uint32_t>(read_count(o, "reviews", path, UINT32_MAX))
                      : 0;
      s.next_review = read_time(o, "next_review", path);
      if (auto w = o.find("wheel_spinning"); w != o.end()) {
        if (!w->is_boolean())
          throw Error(ErrorCode::Parse, "expected true or false",
                      Location{"", 0, 0, path + ".wheel_spinning"});
        s.wheel_spinning = w->get<bool>();
      }
      p.skills.emplace(id, s);
    }
    if (auto ls = j.find("learner_state"); ls != j.end() && !ls->is_null()) {
      LearnerState state;
      detail::read_learner_state(*ls, "learner_state", state, p.learner_ability);
      p.learner_state = std::move(state);
    }
    return p;
  } catch (const Error& e) {
    Location loc = e.location();
    loc.source = source;
    throw Error(e.code(), e.message(), loc);
  }
}

}  // namespace pathwise
