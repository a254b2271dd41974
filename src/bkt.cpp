#include "pathwise/bkt.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "detail/io.hpp"
#include "detail/json_util.hpp"
#include "detail/settings.hpp"
#include "detail/text.hpp"
#include "pathwise/json.hpp"

namespace pathwise {

namespace {

void check_probability(double value, const char* name, const Location& where) {
  if (std::isnan(value) || value < 0.0 || value > 1.0) {
    Location loc = where;
    loc.field = loc.field.empty() ? name : loc.field + "." + name;
    std::string seen = std::isnan(value) ? std::string("NaN") : std::to_string(value);
    throw Error(
        ErrorCode::InvalidArgument,
        std::string("parameter '") + name + "' must be a probability in [0, 1], got " + seen, loc);
  }
}

}  // namespace

void BktParams::validate(const Location& where) const {
  check_probability(prior, "prior", where);
  check_probability(learn, "learn", where);
  check_probability(forget, "forget", where);
  check_probability(guess, "guess", where);
  check_probability(slip, "slip", where);
}

double predict_correct(const BktParams& p, double p_known) noexcept {
  return p_known * (1.0 - p.slip) + (1.0 - p_known) * p.guess;
}

double answer_information(const BktParams& p, double p_known) noexcept {
  const double pk = std::min(std::max(p_known, 0.0), 1.0);
  const double pc = pk * (1.0 - p.slip) + (1.0 - pk) * p.guess;
  auto h = [](double q) {
    return q <= 0.0 || q >= 1.0 ? 0.0 : -(q * std::log2(q) + (1.0 - q) * std::log2(1.0 - q));
  };
  return std::max(0.0, h(pc) - pk * h(p.slip) - (1.0 - pk) * h(p.guess));
}

double posterior(const BktParams& p, double p_known, Outcome outcome) noexcept {
  double known, unknown;
  if (outcome == Outcome::Correct) {
    known = p_known * (1.0 - p.slip);
    unknown = (1.0 - p_known) * p.guess;
  } else {
    known = p_known * p.slip;
    unknown = (1.0 - p_known) * (1.0 - p.guess);
  }
  double total = known + unknown;
  // An outcome the model calls impossible (e.g. guess = 0 and a correct answer from a learner
  // known not to know) carries no information: keep the belief rather than divide by zero.
  return total > 0.0 ? known / total : p_known;
}

double posterior_conjunctive(const BktParams& p, double p_known, double others_correct,
                             Outcome outcome) noexcept {
  // P(correct | known) = (1 - slip) q and P(correct | unknown) = guess q; q cancels from a
  // correct answer's posterior.
  if (outcome == Outcome::Correct) return posterior(p, p_known, outcome);
  const double q = others_correct;
  const double known = p_known * (1.0 - (1.0 - p.slip) * q);
  const double unknown = (1.0 - p_known) * (1.0 - p.guess * q);
  const double total = known + unknown;
  return total > 0.0 ? known / total : p_known;
}

double transition(const BktParams& p, double p_known) noexcept {
  return p_known * (1.0 - p.forget) + (1.0 - p_known) * p.learn;
}

double update(const BktParams& p, double p_known, Outcome outcome) noexcept {
  return transition(p, posterior(p, p_known, outcome));
}

std::vector<double> predict_sequence(const BktParams& params,
                                     const std::vector<std::uint8_t>& outcomes) {
  std::vector<double> out;
  out.reserve(outcomes.size());
  double known = params.prior;
  for (std::uint8_t o : outcomes) {
    out.push_back(predict_correct(params, known));
    known = update(params, known, o ? Outcome::Correct : Outcome::Incorrect);
  }
  return out;
}

double sequence_log_likelihood(const BktParams& params, const std::vector<std::uint8_t>& outcomes) {
  double ll = 0.0;
  double known = params.prior;
  for (std::uint8_t o : outcomes) {
    double pc = predict_correct(params, known);
    ll += std::log(o ? pc : 1.0 - pc);
    known = update(params, known, o ? Outcome::Correct : Outcome::Incorrect);
  }
  return ll;
}

void BktModel::set_skill(const std::string& name, const BktParams& params) {
  if (name.empty()) throw Error(ErrorCode::InvalidArgument, "skill name must not be empty");
  if (!detail::is_valid_utf8(name)) {
    throw Error(ErrorCode::InvalidArgument, "skill name is not valid UTF-8");
  }
  params.validate(Location{"", 0, 0, "skills." + name});
  skills_[name] = params;
}

void BktModel::set_forget_per_day(const std::string& skill, double rate) {
  if (!find_skill(skill)) {
    throw Error(ErrorCode::UnknownSkill, "the model has no skill '" + skill + "'");
  }
  if (!(rate >= 0.0 && rate < 1.0)) {
    throw Error(ErrorCode::InvalidArgument,
                "forget_per_day must be in [0, 1), got " +
                    (std::isnan(rate) ? std::string("NaN") : std::to_string(rate)),
                Location{"", 0, 0, "skills." + skill + ".forget_per_day"});
  }
  forget_per_day_[skill] = rate;
}

void BktModel::set_learner(LearnerLayer layer) {
  layer.validate();
  for (const auto& [name, w] : layer.skills) {
    (void)w;
    if (!find_skill(name)) {
      throw Error(ErrorCode::UnknownSkill,
                  "the learner layer has corrections for a skill the model lacks",
                  Location{"", 0, 0, "learner.skills." + name});
    }
  }
  learner_ = std::move(layer);
}

std::optional<double> BktModel::forget_per_day(std::string_view skill) const noexcept {
  auto it = forget_per_day_.find(skill);
  if (it == forget_per_day_.end()) return std::nullopt;
  return it->second;
}

void BktModel::set_item(const std::string& item, const ItemParams& params) {
  if (item.empty()) throw Error(ErrorCode::InvalidArgument, "item id must not be empty");
  if (!detail::is_valid_utf8(item))
    throw Error(ErrorCode::InvalidArgument, "item id is not valid UTF-8");
  if (!find_skill(params.skill)) {
    throw Error(ErrorCode::UnknownSkill,
                "item '" + item + "' refers to skill '" + params.skill + "', which the model lacks",
                Location{"", 0, 0, "items." + item + ".skill"});
  }
  Location where{"", 0, 0, "items." + item};
  check_probability(params.guess, "guess", where);
  check_probability(params.slip, "slip", where);
  items_[item] = params;
}

const BktParams& BktModel::skill(std::string_view name) const {
  if (const BktParams* p = find_skill(name)) return *p;
  throw Error(ErrorCode::UnknownSkill, "unknown skill '" + std::string(name) + "'");
}

const BktParams* BktModel::find_skill(std::string_view name) const noexcept {
  auto it = skills_.find(name);
  return it == skills_.end() ? nullptr : &it->second;
}

const ItemParams* BktModel::find_item(std::string_view item) const noexcept {
  auto it = items_.find(item);
  return it == items_.end() ? nullptr : &it->second;
}

BktParams BktModel::params_for(std::string_view skill_name, std::string_view item) const {
  BktParams p = skill(skill_name);
  if (!item.empty()) {
    if (const ItemParams* ip = find_item(item); ip && ip->skill == skill_name) {
      p.guess = ip->guess;
      p.slip = ip->slip;
    }
  }
  return p;
}

std::vector<std::string> BktModel::skill_names() const {
  std::vector<std::string> names;
  names.reserve(skills_.size());
  for (const auto& kv : skills_) names.push_back(kv.first);
  return names;
}

// ---- JSON ----

namespace {

double read_probability(const nlohmann::json& obj, const char* key, const std::string& path,
                        bool required, double fallback) {
  std::string field = path.empty() ? key : path + "." + key;
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (!required) return fallback;
    throw Error(ErrorCode::Parse, std::string("missing required field '") + key + "'",
                Location{"", 0, 0, field});
  }
  if (it->is_null()) {
    throw Error(ErrorCode::InvalidArgument, "value is null (NaN is not a probability)",
                Location{"", 0, 0, field});
  }
  if (!it->is_number()) {
    throw Error(ErrorCode::Parse, "expected a number, got " + detail::describe(*it),
                Location{"", 0, 0, field});
  }
  double v = it->get<double>();
  if (std::isnan(v) || v < 0.0 || v > 1.0) {
    throw Error(ErrorCode::InvalidArgument, "must be a probability in [0, 1], got " + detail::describe(*it),
                Location{"", 0, 0, field});
  }
  return v;
}

}  // namespace

void to_json(nlohmann::json& j, const BktParams& p) {
  j = nlohmann::json{{"prior", p.prior},
                     {"learn", p.learn},
                     {"forget", p.forget},
                     {"guess", p.guess},
                     {"slip", p.slip}};
}

void from_json(const nlohmann::json& j, BktParams& p) {
  if (!j.is_object()) throw Error(ErrorCode::Parse, "expected an object of BKT parameters");
  p.prior = read_probability(j, "prior", "", true, 0);
  p.learn = read_probability(j, "learn", "", true, 0);
  p.forget = read_probability(j, "forget", "", false, 0.0);
  p.guess = read_probability(j, "guess", "", true, 0);
  p.slip = read_probability(j, "slip", "", true, 0);
}

void to_json(nlohmann::json& j, const BktModel& model) {
  j = nlohmann::json::object();
  j["format"] = BktModel::kFormat;
  j["version"] = model.learner() ? BktModel::kVersionLearner : BktModel::kVersion;
  nlohmann::json skills = nlohmann::json::object();
  for (const auto& [name, p] : model.skills()) {
    skills[name] = p;
    if (auto d = model.forget_per_day(name)) skills[name]["forget_per_day"] = *d;
  }
  j["skills"] = std::move(skills);
  if (model.item_count() > 0) {
    nlohmann::json items = nlohmann::json::object();
    for (const auto& [id, ip] : model.items())
      items[id] = {{"skill", ip.skill}, {"guess", ip.guess}, {"slip", ip.slip}};
    j["items"] = std::move(items);
  }
  if (const LearnerLayer* L = model.learner()) {
    nlohmann::json weights = nlohmann::json::object();
    for (std::size_t t = 0; t < kLearnerTerms; ++t)
      weights[to_string(static_cast<LearnerTerm>(t))] = L->weights[t];
    nlohmann::json skills = nlohmann::json::object();
    for (const auto& [name, w] : L->skills)
      skills[name] = {{"bias", w.bias}, {"bkt", w.bkt}, {"ability", w.ability}};
    j["learner"] = {{"pseudo_count", L->pseudo_count},
                    {"decay_recent", L->decay_recent},
                    {"decay_recent_slow", L->decay_recent_slow},
                    {"weights", std::move(weights)},
                    {"skills", std::move(skills)}};
  }
}

namespace {

double required_number(detail::Settings& s, const char* key) {
  const nlohmann::json* v = s.find(key);
  if (!v) {
    throw Error(ErrorCode::Parse, std::string("missing required field '") + key + "'",
                Location{"", 0, 0, s.name(key)});
  }
  if (!v->is_number()) s.fail(key, "expected a number, got " + detail::describe(*v));
  return v->get<double>();
}

LearnerLayer read_learner(const nlohmann::json& j) {
  detail::Settings s(j, "learner layer", "learner");
  LearnerLayer L;
  L.pseudo_count = required_number(s, "pseudo_count");
  L.decay_recent = required_number(s, "decay_recent");
  L.decay_recent_slow = required_number(s, "decay_recent_slow");
  {
    detail::Settings w = s.object("weights");
    for (std::size_t t = 0; t < kLearnerTerms; ++t)
      L.weights[t] = required_number(w, to_string(static_cast<LearnerTerm>(t)));
    w.finish();
  }
  if (const nlohmann::json* sk = s.find("skills")) {
    if (!sk->is_object()) s.fail("skills", "expected an object of skills, got " + detail::describe(*sk));
    for (const auto& [name, obj] : sk->items()) {
      detail::Settings one(obj, "skill's corrections", "learner.skills." + name);
      LearnerSkillWeights w;
      w.bias = required_number(one, "bias");
      w.bkt = required_number(one, "bkt");
      w.ability = required_number(one, "ability");
      one.finish();
      L.skills[name] = w;
    }
  }
  s.finish();
  return L;
}

}  // namespace

void from_json(const nlohmann::json& j, BktModel& model) {
  if (!j.is_object()) throw Error(ErrorCode::Parse, "a model document must be a JSON object");
  detail::check_format(j, BktModel::kFormat, 1, 1);
  auto sit = j.find("skills");
  if (sit == j.end() || !sit->is_object()) {
    throw Error(ErrorCode::Parse, "missing \"skills\" object", Location{"", 0, 0, "skills"});
  }
  BktModel out;
  for (const auto& [name, obj] : sit->items()) {
    std::string path = "skills." + name;
    if (name.empty()) throw Error(ErrorCode::Parse, "empty skill name", Location{"", 0, 0, path});
    if (!obj.is_object()) {
      throw Error(ErrorCode::Parse, "expected an object of parameters", Location{"", 0, 0, path});
    }
    BktParams p;
    p.prior = read_probability(obj, "prior", path, true, 0);
    p.learn = read_probability(obj, "learn", path, true, 0);
    p.forget = read_probability(obj, "forget", path, false, 0.0);
    p.guess = read_probability(obj, "guess", path, true, 0);
    p.slip = read_probability(obj, "slip", path, true, 0);
    out.set_skill(name, p);
    // set_forget_per_day refuses 1 (forgotten every day) with this field named.
    if (obj.contains("forget_per_day"))
      out.set_forget_per_day(name, read_probability(obj, "forget_per_day", path, false, 0.0));
  }
  if (auto iit = j.find("items"); iit != j.end()) {
    if (!iit->is_object()) {
      throw Error(ErrorCode::Parse, "\"items\" must be an object", Location{"", 0, 0, "items"});
    }
    for (const auto& [id, obj] : iit->items()) {
      std::string path = "items." + id;
      if (!obj.is_object()) {
        throw Error(ErrorCode::Parse, "expected an object", Location{"", 0, 0, path});
      }
      auto skit = obj.find("skill");
      if (skit == obj.end() || !skit->is_string()) {
        throw Error(ErrorCode::Parse, "missing \"skill\" (a string)",
                    Location{"", 0, 0, path + ".skill"});
      }
      ItemParams ip;
      ip.skill = skit->get<std::string>();
      ip.guess = read_probability(obj, "guess", path, true, 0);
      ip.slip = read_probability(obj, "slip", path, true, 0);
      out.set_item(id, ip);
    }
  }
  if (auto lit = j.find("learner"); lit != j.end()) out.set_learner(read_learner(*lit));
  model = std::move(out);
}

BktModel BktModel::from_json(std::string_view text, const std::string& source) {
  nlohmann::json j = detail::parse_json(text, source);
  try {
    BktModel model;
    pathwise::from_json(j, model);
    return model;
  } catch (const Error& e) {
    Location loc = e.location();
    loc.source = source;
    throw Error(e.code(), e.message(), loc);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::Parse, std::string("invalid model document: ") + e.what(),
                Location{source, 0, 0, ""});
  }
}

BktModel BktModel::load(const std::string& path) {
  return from_json(detail::read_file(path), path);
}

std::string BktModel::to_json(int indent) const {
  nlohmann::json j;
  pathwise::to_json(j, *this);
  return detail::dump(j, indent) + "\n";
}

void BktModel::save(const std::string& path) const { detail::write_file(path, to_json(2)); }

}  // namespace pathwise
