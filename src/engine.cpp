#include "pathwise/engine.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "detail/json_util.hpp"
#include "detail/placement_update.hpp"
#include "detail/profile_update.hpp"
#include "detail/text.hpp"
#include "detail/write_hints.hpp"
#include "pathwise/json.hpp"

namespace pathwise {

namespace {

/// One learner's cached profile and the lock that serialises this engine's calls for them.
struct Slot {
  std::mutex mu;  // guards everything below
  // Erased: the slot has left the map; a caller that still holds it must fetch a new one.
  bool dead = false;
  // `cache` holds what the store held at cache.version (or is to be reloaded).
  bool loaded = false;
  CachedProfile cache;
  // The profile's skill states by curriculum skill index (map nodes do not move), so a record
  // does no string lookups.
  std::vector<SkillState*> states;
  // Likewise the entries of the profile's learner_state.skills, filled as responses reach them
  // (null: not looked up yet, or not there).
  std::vector<LearnerState::Skill*> learner_skills;
};

std::string id_of(std::string_view learner) {
  if (learner.empty()) {
    throw Error(ErrorCode::InvalidArgument, "learner id must not be empty",
                Location{"", 0, 0, "learner"});
  }
  if (learner.size() > kMaxLearnerIdBytes) {
    throw Error(ErrorCode::InvalidArgument,
                "learner id is longer than " + std::to_string(kMaxLearnerIdBytes) + " bytes",
                Location{"", 0, 0, "learner"});
  }
  if (learner.find('\0') != std::string_view::npos) {
    // A C string (the C API, libpq's text parameters) would end there: two ids would be one.
    throw Error(ErrorCode::InvalidArgument, "learner id contains a NUL byte",
                Location{"", 0, 0, "learner"});
  }
  if (!detail::is_valid_utf8(learner)) {
    throw Error(ErrorCode::InvalidArgument, "learner id is not valid UTF-8",
                Location{"", 0, 0, "learner"});
  }
  return std::string(learner);
}

}  // namespace

void EngineOptions::validate() const {
  if (reorder_tolerance.count() < 0) {
    throw Error(ErrorCode::InvalidArgument, "reorder_tolerance must not be negative",
                Location{"", 0, 0, "reorder_tolerance"});
  }
  if (max_future.count() < 0) {
    throw Error(ErrorCode::InvalidArgument, "max_future must not be negative",
                Location{"", 0, 0, "max_future"});
  }
}

struct Engine::Impl {
  Curriculum curriculum;
  BktModel model;
  PolicyConfig config;
  EngineOptions options;
  ProfileRules rules;
  std::unique_ptr<ProfileStore> store;
  std::unique_ptr<Policy> policy;
  // Per item: the ids and BKT parameters (with per-item guess/slip) of its skills.
  std::vector<std::vector<std::string>> item_skill_ids;
  std::vector<std::vector<BktParams>> item_params;
  std::vector<std::vector<double>> item_forget_per_day;  // NaN where the model has none

  // The cache: slots by learner, and their use order (front: most recent).
  struct Entry {
    std::shared_ptr<Slot> slot;
    std::list<std::string>::iterator use;
  };
  mutable std::mutex slots_mu;  // guards slots and lru
  mutable std::unordered_map<std::string, Entry> slots;
  mutable std::list<std::string> lru;

  /// The learner's slot, marked as just used; with `create`, a new one if none is cached (the
  /// least recently used leave past the bound). nullptr if none and !create.
  std::shared_ptr<Slot> slot(const std::string& learner, bool create) const {
    std::scoped_lock lock(slots_mu);
    auto it = slots.find(learner);
    if (it != slots.end()) {
      lru.splice(lru.begin(), lru, it->second.use);
      return it->second.slot;
    }
    if (!create) return nullptr;
    auto s = std::make_shared<Slot>();
    if (options.cache_learners == 0) return s;  // used for this call only
    lru.push_front(learner);
    try {
      slots.emplace(learner, Entry{s, lru.begin()});
    } catch (...) {
      lru.pop_front();
      throw;
    }
    while (slots.size() > options.cache_learners) {
      // A caller may still hold the evicted slot; it goes on with it, and the store's versions
      // keep that copy and any new one coherent.
      slots.erase(lru.back());
      lru.pop_back();
    }
    return s;
  }
  void drop(const std::string& learner) const {
    std::scoped_lock lock(slots_mu);
    auto it = slots.find(learner);
    if (it == slots.end()) return;
    lru.erase(it->second.use);
    slots.erase(it);
  }

  // Caller holds s.mu. Points `states` into the cached profile, adding curriculum skills the
  // stored profile lacks at their prior.
  void index_states(Slot& s) const {
    s.states.clear();
    s.learner_skills.clear();
    if (!s.cache.profile) return;
    s.learner_skills.assign(curriculum.skills().size(), nullptr);
    for (const Skill& sk : curriculum.skills()) {
      auto [it, inserted] = s.cache.profile->skills.try_emplace(sk.id);
      if (inserted) it->second.p_known = model.skill(sk.id).prior;
      s.states.push_back(&it->second);
    }
  }
  // Caller holds s.mu. Forgets the cached copy: the next call reads the store.
  void discard(Slot& s) const {
    s.loaded = false;
    s.cache = CachedProfile{};
    s.states.clear();
    s.learner_skills.clear();
  }
  // Caller holds s.mu. Replaces the cache with what the store holds.
  void reload(Slot& s, std::optional<StoredProfile> stored) const {
    discard(s);
    if (stored) s.cache = CachedProfile{std::move(stored->profile), stored->version};
    index_states(s);
    s.loaded = true;
  }

  /// Runs `fn(slot)` with the learner's current profile, as the store holds it now: a cached
  /// copy whose version is the store's, or one read afresh. A learner the store does not hold
  /// gets no slot (read paths must not keep an entry for every id ever asked about): fn receives
  /// nullptr.
  template <typename F>
  auto read(const std::string& learner, F&& fn) const {
    for (;;) {
      if (std::shared_ptr<Slot> s = slot(learner, false)) {
        std::scoped_lock lock(s->mu);
        if (s->dead) continue;
        const std::uint64_t v = store->version(learner);
        if (!s->loaded || v != s->cache.version) reload(*s, store->load(learner));
        if (!s->cache.profile) {
          s->dead = true;
          drop(learner);
          return fn(static_cast<Slot*>(nullptr));
        }
        return fn(s.get());
      }
      std::optional<StoredProfile> stored = store->load(learner);
      if (!stored) return fn(static_cast<Slot*>(nullptr));
      std::shared_ptr<Slot> s = slot(learner, true);
      std::scoped_lock lock(s->mu);
      if (s->dead) continue;
      // Another thread may have cached a newer copy meanwhile: versions only grow while a
      // learner exists.
      if (!s->loaded || s->cache.version < stored->version) reload(*s, std::move(stored));
      return fn(s.get());
    }
  }

  /// One store transaction for the learner: `fn(slot, reloaded)` changes the slot's profile
  /// (nullopt: nothing stored) and says what to write.
  /// `touch`, if given: the curriculum skills `fn` will change, whose cached states are fetched
  /// into the processor's cache while the store looks the learner up.
  void write(const std::string& learner,
             const std::function<ProfileWrite(Slot&, std::optional<LearnerProfile>&)>& fn,
             const std::vector<std::uint32_t>* touch = nullptr) {
    for (;;) {
      std::shared_ptr<Slot> s = slot(learner, true);
      std::scoped_lock lock(s->mu);
      if (s->dead) continue;
      if (!s->loaded) discard(*s);  // version 0: the store sends what it holds, if anything
      if (touch && s->loaded && s->cache.profile) {
        for (std::uint32_t k : *touch) {
          if (k < s->states.size()) detail::prefetch(s->states[k]);
          if (k < s->learner_skills.size()) detail::prefetch(s->learner_skills[k]);
        }
        detail::prefetch(s->cache.profile->recent_items.data());
      }
      try {
        store->update(learner, s->cache, [&](std::optional<LearnerProfile>& p, bool reloaded) {
          if (reloaded) index_states(*s);
          return fn(*s, p);
        });
        s->loaded = true;
      } catch (...) {
        // The store did not take it: forget the in-memory copy, the store stays the truth.
        discard(*s);
        throw;
      }
      return;
    }
  }

  PolicyContext context() const { return PolicyContext{curriculum, model, config}; }
};

Engine::Engine(Curriculum curriculum, BktModel model, PolicyConfig config,
               std::unique_ptr<ProfileStore> store)
    : Engine(std::move(curriculum), std::move(model), config, std::move(store),
             std::make_unique<Sequencer>(), EngineOptions{}) {}

Engine::Engine(Curriculum curriculum, BktModel model, PolicyConfig config,
               std::unique_ptr<ProfileStore> store, EngineOptions options)
    : Engine(std::move(curriculum), std::move(model), config, std::move(store),
             std::make_unique<Sequencer>(), options) {}

Engine::Engine(Curriculum curriculum, BktModel model, PolicyConfig config,
               std::unique_ptr<ProfileStore> store, std::unique_ptr<Policy> policy,
               EngineOptions options)
    : impl_(std::make_unique<Impl>()) {
  config.validate();
  options.validate();
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
  impl_->options = options;
  impl_->rules = config.profile_rules();
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
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

void Engine::record(const Response& r) {
  // Stores keep milliseconds: work in milliseconds throughout, so a cached profile and one
  // reloaded from the store judge times alike.
  const TimePoint time = checked_time(r.time, "time");
  const std::string learner = id_of(r.learner);
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
  const EngineOptions& opt = impl_->options;
  if (opt.check_clock) {
    // In milliseconds since the epoch: both lie within ±kMaxMillis, so the difference cannot
    // overflow, whereas the TimePoints' nanosecond difference can for times near the limits.
    const auto ahead =
        std::chrono::milliseconds(to_millis(time) - to_millis(std::chrono::system_clock::now()));
    if (ahead > opt.max_future) {
      throw Error(ErrorCode::InvalidArgument,
                  "response time is " + std::to_string(ahead.count() / 1000) +
                      " s ahead of this machine's clock (at most " +
                      std::to_string(opt.max_future.count() / 1000) +
                      " s allowed; EngineOptions::check_clock = false for synthetic time)",
                  Location{"", 0, 0, "time"});
    }
  }
  // What the store may use in place of lookups by name. The store reads it after the update
  // function has returned: it and the arrays it points to live here.
  detail::WriteHints hints;
  SkillState* states[16];
  LearnerState::Skill* learner_entries[16];
  std::vector<SkillState*> many;
  std::vector<LearnerState::Skill*> many_learner;
  impl_->write(learner, [&](Slot& s, std::optional<LearnerProfile>& p) {
    if (!p) {
      p = new_profile(learner, impl_->curriculum, impl_->model);
      impl_->index_states(s);
    }
    LearnerProfile& profile = *p;
    // Answers that race (two requests, two servers' clocks) arrive slightly out of order: apply
    // them in commit order at the last response's time.
    TimePoint t = time;
    if (profile.last_response && t < *profile.last_response) {
      // In milliseconds, as the clock check above: a nanosecond difference can overflow.
      const auto behind =
          std::chrono::milliseconds(to_millis(*profile.last_response) - to_millis(t));
      if (behind > opt.reorder_tolerance) {
        throw Error(ErrorCode::InvalidArgument,
                    "response time is " + std::to_string(behind.count()) +
                        " ms before the learner's previous response (at most " +
                        std::to_string(opt.reorder_tolerance.count()) + " ms is reordered)",
                    Location{"", 0, 0, "time"});
      }
      t = *profile.last_response;
    }
    detail::check_response(profile, impl_->curriculum.items().size(), *item, r.outcome, t);
    // Checked: from here nothing throws until the store is asked to keep it.
    const auto& skills = impl_->curriculum.item_skills(*item);
    const std::size_t n = skills.size();
    SkillState** st = states;
    LearnerState::Skill** ls = learner_entries;
    if (n > 16) {
      many.resize(n);
      many_learner.resize(n);
      st = many.data();
      ls = many_learner.data();
    }
    for (std::size_t k = 0; k < n; ++k) {
      st[k] = s.states[skills[k]];
      ls[k] = s.learner_skills[skills[k]];
    }
    const LearnerLayer* layer = impl_->model.learner();
    detail::apply_checked(profile, st, impl_->item_params[*item].data(),
                          impl_->item_forget_per_day[*item].data(), n,
                          impl_->curriculum.items()[*item].id, impl_->rules, r.outcome, t, layer,
                          impl_->item_skill_ids[*item].data(), ls);
    for (std::size_t k = 0; k < n; ++k) s.learner_skills[skills[k]] = ls[k];
    // A diagnostic answer of placement sets every placement skill: the whole profile is written.
    const bool placed =
        detail::apply_placement(profile, impl_->curriculum, impl_->model, impl_->rules);
    hints.numbering = impl_.get();
    hints.count = s.states.size();
    hints.numbers = skills.data();
    hints.states = st;
    hints.learner_skills = layer ? ls : nullptr;
    ProfileWrite w{ProfileWrite::Kind::Response, ResponseRecord{r.item, r.outcome, t},
                   placed ? nullptr : &impl_->item_skill_ids[*item]};
    if (!placed) w.hints = &hints;
    return w;
  }, &impl_->curriculum.item_skills(*item));
}

std::optional<Recommendation> Engine::recommend(std::string_view learner, TimePoint now) const {
  const std::string id = id_of(learner);
  (void)checked_time(now, "now");  // range check only
  return impl_->read(id, [&](Slot* s) -> std::optional<Recommendation> {
    if (s) {
      PolicyContext ctx = impl_->context();
      ctx.skill_states = s->states.data();
      const auto& state = s->cache.profile->learner_state;
      ctx.learner_state = state ? &*state : nullptr;
      return impl_->policy->recommend(ctx, *s->cache.profile, now);
    }
    LearnerProfile fresh = new_profile(id, impl_->curriculum, impl_->model);
    return impl_->policy->recommend(impl_->context(), fresh, now);
  });
}

LearnerProfile Engine::profile(std::string_view learner) const {
  const std::string id = id_of(learner);
  return impl_->read(id, [&](Slot* s) {
    return s ? *s->cache.profile : new_profile(id, impl_->curriculum, impl_->model);
  });
}

void Engine::set_goals(std::string_view learner, const std::vector<std::string>& skills) {
  const std::string id = id_of(learner);
  for (const auto& g : skills) {
    if (!impl_->curriculum.skill_index(g)) {
      throw Error(ErrorCode::UnknownSkill, "goal '" + g + "' is not a skill of the curriculum",
                  Location{"", 0, 0, "goals"});
    }
  }
  impl_->write(id, [&](Slot& s, std::optional<LearnerProfile>& p) {
    if (p && p->goals == skills) return ProfileWrite{};  // already so: nothing to write
    if (!p) p = new_profile(id, impl_->curriculum, impl_->model);
    p->goals = skills;
    impl_->index_states(s);
    return ProfileWrite{ProfileWrite::Kind::Whole, {}, nullptr};
  });
}

std::string ClassSummary::to_json() const {
  nlohmann::json j;
  pathwise::to_json(j, *this);
  return detail::dump(j);
}

ClassSummary Engine::class_summary() const {
  ClassSummary out;
  const auto& skills = impl_->curriculum.skills();
  out.skills.resize(skills.size());
  for (std::size_t i = 0; i < skills.size(); ++i) out.skills[i].skill = skills[i].id;
  // Forecasts on a grid of P(known) in steps of 0.01, interpolated between the two grid points
  // around each learner's value (the one below alone where the one above reaches the
  // threshold): at most 100 forecasts a skill however large the class.
  std::vector<std::map<long, Forecast>> forecasts(skills.size());
  const double threshold = impl_->config.rules.mastery_threshold;
  auto grid = [&](std::size_t i, long k) -> const Forecast& {
    auto it = forecasts[i].find(k);
    if (it == forecasts[i].end())
      it = forecasts[i]
               .emplace(k, forecast_mastery(impl_->model.skill(skills[i].id),
                                            static_cast<double>(k) / 100.0, impl_->config.rules))
               .first;
    return it->second;
  };
  out.damaged = impl_->store->for_each([&](const LearnerProfile& p) {
    ++out.learners;
    for (std::size_t i = 0; i < skills.size(); ++i) {
      const SkillState* st = p.find(skills[i].id);
      double pk = st ? st->p_known : impl_->model.skill(skills[i].id).prior;
      SkillSummary& sum = out.skills[i];
      ++sum.learners;
      sum.mean += pk;
      if (pk >= impl_->config.rules.mastery_threshold) {
        ++sum.mastered;
      } else {
        const long k = static_cast<long>(std::floor(pk * 100.0));
        const Forecast& lo = grid(i, k);
        const double above = static_cast<double>(k + 1) / 100.0;
        if (lo.p_within_cap > 0.0) {
          double expected = lo.expected;
          if (above < threshold) {
            const Forecast& hi = grid(i, k + 1);
            const double w = pk * 100.0 - static_cast<double>(k);
            expected = (1.0 - w) * lo.expected + w * hi.expected;
          }
          sum.mean_forecast += expected;
          ++sum.forecast_learners;
        }
      }
      sum.histogram[std::min<std::size_t>(4, static_cast<std::size_t>(pk * 5.0))]++;
    }
  });
  for (auto& sum : out.skills) {
    if (sum.learners) sum.mean /= static_cast<double>(sum.learners);
    if (sum.forecast_learners) sum.mean_forecast /= static_cast<double>(sum.forecast_learners);
  }
  return out;
}

std::vector<SkillForecast> Engine::forecast(std::string_view learner,
                                            const ForecastOptions& options) const {
  options.validate();
  return forecast_goals(impl_->curriculum, impl_->model, impl_->config.rules, profile(learner),
                        options);
}

std::string Engine::export_learner(std::string_view learner) const {
  const std::string id = id_of(learner);
  std::optional<LearnerProfile> p = impl_->read(id, [&](Slot* s) {
    return s ? std::optional<LearnerProfile>(*s->cache.profile) : std::nullopt;
  });
  if (!p) throw Error(ErrorCode::UnknownLearner, "no profile is held for this learner");
  nlohmann::ordered_json j;
  j["format"] = "pathwise-learner-export";
  j["version"] = "1.0";
  j["profile"] = nlohmann::ordered_json::parse(p->to_json());
  nlohmann::ordered_json rs = nlohmann::ordered_json::array();
  for (const auto& r : impl_->store->responses(id)) {
    rs.push_back(
        {{"item", r.item}, {"outcome", static_cast<int>(r.outcome)}, {"time", to_millis(r.time)}});
  }
  j["responses"] = std::move(rs);
  return detail::dump(j, 2) + "\n";
}

bool Engine::erase_learner(std::string_view learner) {
  const std::string id = id_of(learner);
  for (;;) {
    std::shared_ptr<Slot> s = impl_->slot(id, false);
    if (!s) return impl_->store->erase(id);
    std::scoped_lock lock(s->mu);
    if (s->dead) continue;
    // The slot leaves the map while its lock is held: a caller that took it before sees `dead`
    // and starts over with a fresh slot, which reads the store after the erasure.
    s->dead = true;
    impl_->discard(*s);
    impl_->drop(id);
    return impl_->store->erase(id);
  }
}

const Curriculum& Engine::curriculum() const noexcept { return impl_->curriculum; }
const BktModel& Engine::model() const noexcept { return impl_->model; }
const PolicyConfig& Engine::config() const noexcept { return impl_->config; }
const EngineOptions& Engine::options() const noexcept { return impl_->options; }
std::size_t Engine::cached_learners() const {
  std::scoped_lock lock(impl_->slots_mu);
  return impl_->slots.size();
}

}  // namespace pathwise
