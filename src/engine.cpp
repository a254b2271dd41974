#include "pathwise/engine.hpp"

#include <cmath>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <unordered_map>

#include "detail/profile_update.hpp"

namespace pathwise {

namespace {

/// One learner's cached profile and the lock that serialises calls for that learner.
struct Slot {
  std::mutex mu;  // guards loaded, dead, profile and states
  bool loaded = false;
  // Erased: the slot has left the map; a caller that still holds it must fetch a new one.
  bool dead = false;
  std::optional<LearnerProfile> profile;
  // The profile's skill states by curriculum skill index (map nodes do not move), so a record
  // does no string lookups.
  std::vector<SkillState*> states;
};

}  // namespace

struct Engine::Impl {
  Curriculum curriculum;
  BktModel model;
  PolicyConfig config;
  ProfileRules rules;
  std::unique_ptr<ProfileStore> store;
  std::unique_ptr<Policy> policy;
  // Per item: the ids and BKT parameters (with per-item guess/slip) of its skills.
  std::vector<std::vector<std::string>> item_skill_ids;
  std::vector<std::vector<BktParams>> item_params;
  std::vector<std::vector<double>> item_forget_per_day;  // NaN where the model has none

  mutable std::shared_mutex slots_mu;  // guards slots
  mutable std::unordered_map<std::string, std::shared_ptr<Slot>> slots;

  std::shared_ptr<Slot> find_slot(std::string_view learner) const {
    std::shared_lock lock(slots_mu);
    auto it = slots.find(std::string(learner));
    return it == slots.end() ? nullptr : it->second;
  }
  std::shared_ptr<Slot> slot(std::string_view learner) const {
    if (auto s = find_slot(learner)) return s;
    std::unique_lock lock(slots_mu);
    auto& s = slots[std::string(learner)];
    if (!s) s = std::make_shared<Slot>();
    return s;
  }

  /// Runs `fn(slot)` with the learner's slot locked and loaded, retrying if the slot was erased
  /// meanwhile. With `create` false, a learner the store does not hold gets no slot (read paths
  /// must not keep an entry for every id ever asked about): fn receives nullptr.
  template <typename F>
  auto with_slot(std::string_view learner, bool create, F&& fn) const {
    for (;;) {
      std::shared_ptr<Slot> s = find_slot(learner);
      std::optional<LearnerProfile> loaded;
      if (!s && !create) {
        // Not cached: cache it only if the store holds it, and keep what was read.
        loaded = store->load(std::string(learner));
        if (!loaded) return fn(static_cast<Slot*>(nullptr));
      }
      if (!s) s = slot(learner);
      std::scoped_lock lock(s->mu);
      if (s->dead) continue;
      if (loaded && !s->loaded) {
        s->profile = std::move(loaded);
        s->loaded = true;
        index_states(*s);
      }
      ensure_loaded(*s, learner);
      return fn(s.get());
    }
  }

  // Caller holds slot.mu.
  void ensure_loaded(Slot& s, std::string_view learner) const {
    if (s.loaded) return;
    s.profile = store->load(std::string(learner));
    s.loaded = true;
    index_states(s);
  }
  // Caller holds slot.mu. Adds curriculum skills the stored profile lacks, at their prior.
  void index_states(Slot& s) const {
    s.states.clear();
    if (!s.profile) return;
    for (const Skill& sk : curriculum.skills()) {
      auto [it, inserted] = s.profile->skills.try_emplace(sk.id);
      if (inserted) it->second.p_known = model.skill(sk.id).prior;
      s.states.push_back(&it->second);
    }
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
  const Curriculum& c = impl_->curriculum;
  for (std::uint32_t i = 0; i < c.items().size(); ++i) {
    std::vector<std::string> ids;
    std::vector<BktParams> params;
    std::vector<double> forget;
    for (std::uint32_t s : c.item_skills(i)) {
      ids.push_back(c.skills()[s].id);
      params.push_back(impl_->model.params_for(ids.back(), c.items()[i].id));
      forget.push_back(impl_->model.forget_per_day(ids.back())
                           .value_or(std::numeric_limits<double>::quiet_NaN()));
    }
    impl_->item_skill_ids.push_back(std::move(ids));
    impl_->item_params.push_back(std::move(params));
    impl_->item_forget_per_day.push_back(std::move(forget));
  }
}

Engine::~Engine() = default;

void Engine::record(const Response& r) {
  // Stores keep milliseconds: work in milliseconds throughout, so a cached profile and one
  // reloaded from the store judge "time goes backwards" alike.
  const TimePoint time = from_millis(to_millis(r.time));
  if (r.learner.empty()) {
    throw Error(ErrorCode::InvalidArgument, "learner id must not be empty",
                Location{"", 0, 0, "learner"});
  }
  if (static_cast<std::uint8_t>(r.outcome) > 1) {
    throw Error(ErrorCode::InvalidArgument,
                "outcome must be 0 (incorrect) or 1 (correct), got " +
                    std::to_string(static_cast<int>(r.outcome)),
                Location{"", 0, 0, "outcome"});
  }
  auto item = impl_->curriculum.item_index(r.item);
  if (!item) {
    throw Error(ErrorCode::UnknownItem, "unknown item '" + r.item + "'",
                Location{"", 0, 0, "item"});
  }
  impl_->with_slot(r.learner, true, [&](Slot* s) {
    if (!s->profile) {
      s->profile = new_profile(r.learner, impl_->curriculum, impl_->model);
      impl_->index_states(*s);
    }
    LearnerProfile& profile = *s->profile;
    detail::check_response(profile, impl_->curriculum.items().size(), *item, r.outcome, time);
    // Checked: from here nothing throws until the store is asked to keep it.
    SkillState* states[16];
    std::vector<SkillState*> many;
    const auto& skills = impl_->curriculum.item_skills(*item);
    SkillState** st = states;
    if (skills.size() > 16) {
      many.resize(skills.size());
      st = many.data();
    }
    for (std::size_t k = 0; k < skills.size(); ++k) st[k] = s->states[skills[k]];
    detail::apply_checked(profile, st, impl_->item_params[*item].data(),
                          impl_->item_forget_per_day[*item].data(), skills.size(),
                          impl_->curriculum.items()[*item].id, impl_->rules, r.outcome, time);
    try {
      impl_->store->record(profile, ResponseRecord{r.item, r.outcome, time},
                           impl_->item_skill_ids[*item]);
    } catch (...) {
      // The store did not take it: forget the in-memory update, the store stays the truth.
      s->loaded = false;
      s->profile.reset();
      s->states.clear();
      throw;
    }
  });
}

std::optional<Recommendation> Engine::recommend(std::string_view learner, TimePoint now) const {
  return impl_->with_slot(learner, false, [&](Slot* s) -> std::optional<Recommendation> {
    if (s && s->profile) {
      PolicyContext ctx = impl_->context();
      ctx.skill_states = s->states.data();
      return impl_->policy->recommend(ctx, *s->profile, now);
    }
    LearnerProfile fresh = new_profile(std::string(learner), impl_->curriculum, impl_->model);
    return impl_->policy->recommend(impl_->context(), fresh, now);
  });
}

LearnerProfile Engine::profile(std::string_view learner) const {
  return impl_->with_slot(learner, false, [&](Slot* s) {
    if (!s || !s->profile)
      throw Error(ErrorCode::UnknownLearner, "no profile is held for this learner");
    return *s->profile;
  });
}

void Engine::set_goals(std::string_view learner, const std::vector<std::string>& skills) {
  for (const auto& g : skills) {
    if (!impl_->curriculum.skill_index(g)) {
      throw Error(ErrorCode::UnknownSkill, "goal '" + g + "' is not a skill of the curriculum",
                  Location{"", 0, 0, "goals"});
    }
  }
  if (learner.empty()) throw Error(ErrorCode::InvalidArgument, "learner id must not be empty");
  impl_->with_slot(learner, true, [&](Slot* s) {
    LearnerProfile p = s->profile
                           ? *s->profile
                           : new_profile(std::string(learner), impl_->curriculum, impl_->model);
    p.goals = skills;
    impl_->store->save(p);
    s->profile = std::move(p);
    impl_->index_states(*s);
  });
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
    rs.push_back(
        {{"item", r.item}, {"outcome", static_cast<int>(r.outcome)}, {"time", to_millis(r.time)}});
  }
  j["responses"] = std::move(rs);
  return j.dump(2) + "\n";
}

bool Engine::erase_learner(std::string_view learner) {
  for (;;) {
    auto s = impl_->slot(learner);
    std::scoped_lock lock(s->mu);
    if (s->dead) continue;
    // The slot leaves the map while its lock is held: a caller that took it before sees `dead`
    // and starts over with a fresh slot, so no update lands on the erased state.
    s->dead = true;
    s->profile.reset();
    s->states.clear();
    {
      std::unique_lock map_lock(impl_->slots_mu);
      impl_->slots.erase(std::string(learner));
    }
    // If the store fails part-way, the next call reloads whatever it still holds.
    return impl_->store->erase(std::string(learner));
  }
}

const Curriculum& Engine::curriculum() const noexcept { return impl_->curriculum; }
const BktModel& Engine::model() const noexcept { return impl_->model; }
const PolicyConfig& Engine::config() const noexcept { return impl_->config; }

}  // namespace pathwise
