#include "pathwise/engine.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace pathwise {

namespace {

/// One learner's cached profile and the lock that serialises calls for that learner.
struct Slot {
  std::mutex mu;  // guards loaded and profile
  bool loaded = false;
  std::optional<LearnerProfile> profile;
};

}  // namespace

struct Engine::Impl {
  Curriculum curriculum;
  BktModel model;
  PolicyConfig config;
  ProfileRules rules;
  std::unique_ptr<ProfileStore> store;
  std::unique_ptr<Policy> policy;

  mutable std::shared_mutex slots_mu;  // guards slots
  mutable std::unordered_map<std::string, std::shared_ptr<Slot>> slots;

  std::shared_ptr<Slot> slot(std::string_view learner) const {
    {
      std::shared_lock lock(slots_mu);
      auto it = slots.find(std::string(learner));
      if (it != slots.end()) return it->second;
    }
    std::unique_lock lock(slots_mu);
    auto& s = slots[std::string(learner)];
    if (!s) s = std::make_shared<Slot>();
    return s;
  }

  // Caller holds slot.mu.
  void ensure_loaded(Slot& s, std::string_view learner) const {
    if (s.loaded) return;
    s.profile = store->load(std::string(learner));
    s.loaded = true;
  }

  PolicyContext context() const { return PolicyContext{curriculum, model, config}; }
};

Engine::Engine(Curriculum curriculum, BktModel model, PolicyConfig config,
               std::unique_ptr<ProfileStore> store)
    : Engine(std::move(curriculum), std::move(model), config, std::move(store),
             std::make_unique<Sequencer>()) {}

Engine::Engine(Curriculum curriculum, BktModel model, PolicyConfig config,
               std::unique_ptr<ProfileStore> store, std::unique_ptr<Policy> policy)
    : impl_(std::make_unique<Impl>()) {
  config.validate();
  if (!store) throw Error(ErrorCode::InvalidArgument, "the engine needs a profile store");
  if (!policy) throw Error(ErrorCode::InvalidArgument, "the engine needs a policy");
  for (const Skill& s : curriculum.skills()) {
    if (!model.find_skill(s.id)) {
      throw Error(ErrorCode::UnknownSkill,
                  "curriculum skill '" + s.id + "' has no parameters in the model");
    }
  }
  impl_->curriculum = std::move(curriculum);
  impl_->model = std::move(model);
  impl_->config = config;
  impl_->rules = config.rules();
  impl_->store = std::move(store);
  impl_->policy = std::move(policy);
}

Engine::~Engine() = default;

void Engine::record(const Response& r) {
  if (r.learner.empty()) {
    throw Error(ErrorCode::InvalidArgument, "learner id must not be empty", Location{"", 0, 0, "learner"});
  }
  if (static_cast<std::uint8_t>(r.outcome) > 1) {
    throw Error(ErrorCode::InvalidArgument,
                "outcome must be 0 (incorrect) or 1 (correct), got " +
                    std::to_string(static_cast<int>(r.outcome)),
                Location{"", 0, 0, "outcome"});
  }
  auto item = impl_->curriculum.item_index(r.item);
  if (!item) {
    throw Error(ErrorCode::UnknownItem, "unknown item '" + r.item + "'", Location{"", 0, 0, "item"});
  }
  auto s = impl_->slot(r.learner);
  std::scoped_lock lock(s->mu);
  impl_->ensure_loaded(*s, r.learner);
  if (!s->profile) s->profile = new_profile(r.learner, impl_->curriculum, impl_->model);
  std::vector<std::string> changed;
  try {
    changed = apply_response(*s->profile, impl_->curriculum, impl_->model, impl_->rules, *item,
                             r.outcome, r.time);
  } catch (...) {
    // apply_response checks before it changes anything; reload anyway to be certain.
    s->loaded = false;
    throw;
  }
  try {
    impl_->store->record(*s->profile, ResponseRecord{r.item, r.outcome, r.time}, changed);
  } catch (...) {
    // The store did not take it: forget the in-memory update, the store stays the truth.
    s->loaded = false;
    s->profile.reset();
    throw;
  }
}

std::optional<Recommendation> Engine::recommend(std::string_view learner, TimePoint now) const {
  auto s = impl_->slot(learner);
  std::scoped_lock lock(s->mu);
  impl_->ensure_loaded(*s, learner);
  if (s->profile) return impl_->policy->recommend(impl_->context(), *s->profile, now);
  LearnerProfile fresh = new_profile(std::string(learner), impl_->curriculum, impl_->model);
  return impl_->policy->recommend(impl_->context(), fresh, now);
}

LearnerProfile Engine::profile(std::string_view learner) const {
  auto s = impl_->slot(learner);
  std::scoped_lock lock(s->mu);
  impl_->ensure_loaded(*s, learner);
  if (!s->profile) throw Error(ErrorCode::UnknownLearner, "no profile is held for this learner");
  return *s->profile;
}

void Engine::set_goals(std::string_view learner, const std::vector<std::string>& skills) {
  for (const auto& g : skills) {
    if (!impl_->curriculum.skill_index(g)) {
      throw Error(ErrorCode::UnknownSkill, "goal '" + g + "' is not a skill of the curriculum",
                  Location{"", 0, 0, "goals"});
    }
  }
  if (learner.empty()) throw Error(ErrorCode::InvalidArgument, "learner id must not be empty");
  auto s = impl_->slot(learner);
  std::scoped_lock lock(s->mu);
  impl_->ensure_loaded(*s, learner);
  LearnerProfile p = s->profile ? *s->profile
                                : new_profile(std::string(learner), impl_->curriculum, impl_->model);
  p.goals = skills;
  impl_->store->save(p);
  s->profile = std::move(p);
}

ClassSummary Engine::class_summary() const {
  ClassSummary out;
  const auto& skills = impl_->curriculum.skills();
  out.skills.resize(skills.size());
  for (std::size_t i = 0; i < skills.size(); ++i) out.skills[i].skill = skills[i].id;
  impl_->store->for_each([&](const LearnerProfile& p) {
    ++out.learners;
    for (std::size_t i = 0; i < skills.size(); ++i) {
      const SkillState* st = p.find(skills[i].id);
      double pk = st ? st->p_known : impl_->model.skill(skills[i].id).prior;
      SkillSummary& sum = out.skills[i];
      ++sum.learners;
      sum.mean += pk;
      if (pk >= impl_->config.mastery_threshold) ++sum.mastered;
      sum.histogram[std::min<std::size_t>(4, static_cast<std::size_t>(pk * 5.0))]++;
    }
  });
  for (auto& sum : out.skills)
    if (sum.learners) sum.mean /= static_cast<double>(sum.learners);
  return out;
}

std::string Engine::export_learner(std::string_view learner) const {
  LearnerProfile p = profile(learner);
  nlohmann::ordered_json j;
  j["format"] = "pathwise-learner-export";
  j["version"] = "1.0";
  j["profile"] = nlohmann::ordered_json::parse(p.to_json());
  nlohmann::ordered_json rs = nlohmann::ordered_json::array();
  for (const auto& r : impl_->store->responses(std::string(learner))) {
    rs.push_back({{"item", r.item}, {"outcome", static_cast<int>(r.outcome)}, {"time", to_millis(r.time)}});
  }
  j["responses"] = std::move(rs);
  return j.dump(2) + "\n";
}

bool Engine::erase_learner(std::string_view learner) {
  auto s = impl_->slot(learner);
  bool existed;
  {
    std::scoped_lock lock(s->mu);
    existed = impl_->store->erase(std::string(learner));
    s->profile.reset();
    s->loaded = true;  // known absent
  }
  std::unique_lock lock(impl_->slots_mu);
  impl_->slots.erase(std::string(learner));
  return existed;
}

const Curriculum& Engine::curriculum() const noexcept { return impl_->curriculum; }
const BktModel& Engine::model() const noexcept { return impl_->model; }
const PolicyConfig& Engine::config() const noexcept { return impl_->config; }

}  // namespace pathwise
