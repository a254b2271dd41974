// Pathwise — the engine: the small facade a host (LMS plugin, tutoring app) talks to.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/export.hpp"
#include "pathwise/forecast.hpp"
#include "pathwise/policy.hpp"
#include "pathwise/profile.hpp"
#include "pathwise/store.hpp"

namespace pathwise {

/// One answer of one learner, as the host reports it. Value type; thread-compatible.
struct PATHWISE_EXPORT Response {
  /// Opaque learner id (personal data: never logged).
  std::string learner;
  /// Item id from the curriculum.
  std::string item;
  /// Correct or incorrect.
  Outcome outcome = Outcome::Incorrect;
  /// When it was answered, kept to the millisecond. A response slightly older than the
  /// learner's last one is applied at that one's time (EngineOptions::reorder_tolerance).
  TimePoint time;
  bool operator==(const Response& o) const {
    return learner == o.learner && item == o.item && outcome == o.outcome && time == o.time;
  }
};

/// Mastery of one skill across the learners of a store. Value type; thread-compatible.
struct PATHWISE_EXPORT SkillSummary {
  /// Skill id.
  std::string skill;
  /// Learners with a profile.
  std::size_t learners = 0;
  /// Learners at or above the mastery threshold.
  std::size_t mastered = 0;
  /// Mean P(known).
  double mean = 0.0;
  /// Learners per P(known) band: [0, .2), [.2, .4), [.4, .6), [.6, .8), [.8, 1].
  std::array<std::size_t, 5> histogram{};
  /// Mean forecast attempts to mastery over the learners not yet at the threshold whose
  /// forecast reaches mastery within its cap: Forecast::expected (forecast_mastery(), default
  /// options) on a grid of P(known) in steps of 0.01, interpolated linearly to each learner's
  /// value (the grid point below alone where the one above is at the threshold). 0 when there
  /// are no such learners (then forecast_learners is 0).
  double mean_forecast = 0.0;
  /// The learners that mean is over.
  std::size_t forecast_learners = 0;
};

/// Per-skill mastery distribution, for a teacher's view. Value type; thread-compatible.
struct PATHWISE_EXPORT ClassSummary {
  /// Learners with a stored profile.
  std::size_t learners = 0;
  /// One summary per skill, in curriculum order.
  std::vector<SkillSummary> skills;
  /// Learners left out because their stored rows are damaged (ErrorCode::Corrupt on load; erase
  /// still removes them).
  std::size_t damaged = 0;
  /// {"learners": N, "damaged": N, "skills": [{"skill", "learners", "mastered", "mean",
  /// "histogram", "mean_forecast", "forecast_learners"}]}.
  [[nodiscard]] std::string to_json() const;
};

/// How an engine caches profiles and judges times. Value type; thread-compatible.
struct PATHWISE_EXPORT EngineOptions {
  /// Learners whose profiles one engine keeps in memory; the least recently used leave first.
  /// A cached profile is checked against the store's version before every use, so the cache
  /// saves reading the profile, never coherence. 0: nothing is cached. Default: 1,000 (about
  /// 20 KB each on a 100-skill course: docs/performance.md).
  std::size_t cache_learners = 1000;
  /// A response up to this much older than the learner's last stored response (two requests
  /// racing, the clocks of two servers) is applied after it, at its time; an older one is
  /// rejected with Error (InvalidArgument). Default: 10 minutes.
  std::chrono::milliseconds reorder_tolerance{std::chrono::minutes(10)};
  /// A response more than this ahead of the engine's clock is rejected with Error
  /// (InvalidArgument): stored, it would hold back every later response of the learner.
  /// Default: 10 minutes.
  std::chrono::milliseconds max_future{std::chrono::minutes(10)};
  /// Judge times against the system clock (max_future). false for simulations and replays in
  /// synthetic time. Default: true.
  bool check_clock = true;
  /// Throws Error (InvalidArgument) naming the field for a negative duration.
  void validate() const;
};

/// Longest learner id the engine takes, in bytes.
inline constexpr std::size_t kMaxLearnerIdBytes = 1024;

/// The engine: records responses, keeps learner profiles in a ProfileStore and recommends what
/// to do next. The curriculum and the model are fixed for its lifetime; every curriculum skill
/// must have parameters in the model.
/// Thread-safe, and coherent across processes: many threads, and many processes or servers
/// each with its own Engine on one shared store, may record and recommend at once, for
/// different learners or the same one. Every call sees what any engine committed before it;
/// records of one learner are serialised by the store, none is lost or applied twice.
/// Learner ids must be non-empty valid UTF-8 without NUL, at most kMaxLearnerIdBytes bytes (Error
/// (InvalidArgument) otherwise, from every call that takes one). A store that stays busy, or a
/// database server that is down, gives Error (Busy): nothing changed, retry.
class PATHWISE_EXPORT Engine {
 public:
  /// Throws Error (UnknownSkill) if the model lacks a curriculum skill, Error (InvalidArgument)
  /// for an invalid config or options or a null store.
  Engine(Curriculum curriculum, BktModel model, PolicyConfig config = {},
         std::unique_ptr<ProfileStore> store = std::make_unique<InMemoryStore>());
  /// The same with engine options.
  Engine(Curriculum curriculum, BktModel model, PolicyConfig config,
         std::unique_ptr<ProfileStore> store, EngineOptions options);
  /// The same with a custom policy instead of the built-in Sequencer.
  Engine(Curriculum curriculum, BktModel model, PolicyConfig config,
         std::unique_ptr<ProfileStore> store, std::unique_ptr<Policy> policy,
         EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  /// Movable (e.g. into a container or a host's session object); a moved-from engine may only be
  /// destroyed or assigned to.
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  /// Applies a response to the learner's profile as the store holds it (BKT update of every
  /// skill of the item) and stores it, in one store transaction; once this returns the store
  /// holds it (see the store's durability notes). Throws Error (InvalidArgument) for a bad
  /// learner id, an outcome other than 0/1, a time more than reorder_tolerance before the
  /// learner's previous response or more than max_future ahead of the clock; Error
  /// (UnknownItem) for an item not in the curriculum; Error (Busy) if the store stayed locked.
  /// On error nothing changes.
  void record(const Response& response);

  /// What the learner should do next at `now`. A learner with no profile yet gets the
  /// recommendation for a fresh one (nothing is stored or kept in memory). nullopt if the
  /// curriculum is empty. Throws Error (Io / Parse) if the store cannot be read.
  [[nodiscard]] std::optional<Recommendation> recommend(std::string_view learner,
                                                        TimePoint now) const;

  /// A copy of the learner's profile; for a learner with nothing stored, the fresh profile
  /// (every skill at its prior; nothing is stored). Throws Error (Io / Parse / Busy) if the store
  /// cannot be read.
  [[nodiscard]] LearnerProfile profile(std::string_view learner) const;

  /// Sets the learner's target skills (empty = the whole curriculum), creating the profile if
  /// needed; the rest of the profile is the store's current one. Throws Error (UnknownSkill) for
  /// a skill not in the curriculum, Error (Io / Busy) if the store fails.
  void set_goals(std::string_view learner, const std::vector<std::string>& skills);

  /// Per-skill mastery over every stored learner. Throws Error (Io / Parse) if the store cannot
  /// be read.
  [[nodiscard]] ClassSummary class_summary() const;

  /// For each of the learner's goal skills (every curriculum skill when the profile has no
  /// goals), in curriculum order: the forecast attempts until mastery from the learner's
  /// current P(known), by forecast_mastery() with the skill's BKT parameters and the engine's
  /// mastery threshold. A learner with nothing stored gets the fresh profile's. Throws Error
  /// (InvalidArgument) for a bad learner id or options, Error (Io / Parse / Busy) if the store
  /// cannot be read.
  [[nodiscard]] std::vector<SkillForecast> forecast(std::string_view learner,
                                                    const ForecastOptions& options = {}) const;

  /// Everything held on a learner, as JSON: {"format": "pathwise-learner-export",
  /// "version": "1.0", "profile": {...}, "responses": [...]}. Throws Error (UnknownLearner) if
  /// nothing is stored.
  [[nodiscard]] std::string export_learner(std::string_view learner) const;

  /// Removes the learner from the store and from this engine's memory; every engine on the
  /// store sees the learner as new from then on. Returns false if nothing was held. Throws
  /// Error (Io / Busy) if the store could not finish; erasing again completes it.
  bool erase_learner(std::string_view learner);

  /// The curriculum, model and policy settings the engine was built with.
  [[nodiscard]] const Curriculum& curriculum() const noexcept;
  [[nodiscard]] const BktModel& model() const noexcept;
  [[nodiscard]] const PolicyConfig& config() const noexcept;
  [[nodiscard]] const EngineOptions& options() const noexcept;
  /// Learners whose profiles are cached now (at most options().cache_learners).
  [[nodiscard]] std::size_t cached_learners() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pathwise
