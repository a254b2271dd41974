// Pathwise — the engine: the small facade a host (LMS plugin, tutoring app) talks to.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/policy.hpp"
#include "pathwise/profile.hpp"
#include "pathwise/store.hpp"

namespace pathwise {

/// One answer of one learner, as the host reports it. Value type; thread-compatible.
struct Response {
  /// Opaque learner id (personal data: never logged).
  std::string learner;
  /// Item id from the curriculum.
  std::string item;
  /// Correct or incorrect.
  Outcome outcome = Outcome::Incorrect;
  /// When it was answered, kept to the millisecond; a learner's responses must not go back in
  /// time.
  TimePoint time;
  bool operator==(const Response& o) const {
    return learner == o.learner && item == o.item && outcome == o.outcome && time == o.time;
  }
};

/// Mastery of one skill across the learners of a store. Value type; thread-compatible.
struct SkillSummary {
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
};

/// Per-skill mastery distribution, for a teacher's view. Value type; thread-compatible.
struct ClassSummary {
  /// Learners with a stored profile.
  std::size_t learners = 0;
  /// One summary per skill, in curriculum order.
  std::vector<SkillSummary> skills;
};

/// The engine: records responses, keeps learner profiles in a ProfileStore and recommends what
/// to do next. The curriculum and the model are fixed for its lifetime; every curriculum skill
/// must have parameters in the model.
/// Thread-safe: many threads may record and recommend at once, for different learners or the
/// same one (calls for one learner are serialised; none is lost).
class Engine {
 public:
  /// Throws Error (UnknownSkill) if the model lacks a curriculum skill, Error (InvalidArgument)
  /// for an invalid config or a null store.
  Engine(Curriculum curriculum, BktModel model, PolicyConfig config = {},
         std::unique_ptr<ProfileStore> store = std::make_unique<InMemoryStore>());
  /// The same with a custom policy instead of the built-in Sequencer.
  Engine(Curriculum curriculum, BktModel model, PolicyConfig config,
         std::unique_ptr<ProfileStore> store, std::unique_ptr<Policy> policy);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Applies a response to the learner's profile (BKT update of every skill of the item) and
  /// stores it; once this returns the store holds it (see the store's durability notes).
  /// Throws Error (InvalidArgument) for an empty learner id, an outcome other than 0/1 or a time
  /// before the learner's previous response; Error (UnknownItem) for an item not in the
  /// curriculum. On error nothing changes.
  void record(const Response& response);

  /// What the learner should do next at `now`. A learner with no profile yet gets the
  /// recommendation for a fresh one (nothing is stored or kept in memory). nullopt if the
  /// curriculum is empty. Throws Error (Io / Parse) if the store cannot be read.
  [[nodiscard]] std::optional<Recommendation> recommend(std::string_view learner,
                                                        TimePoint now) const;

  /// A copy of the learner's profile. Throws Error (UnknownLearner) if none is held, Error
  /// (Io / Parse) if the store cannot be read.
  [[nodiscard]] LearnerProfile profile(std::string_view learner) const;

  /// Sets the learner's target skills (empty = the whole curriculum), creating the profile if
  /// needed. Throws Error (UnknownSkill) for a skill not in the curriculum, Error (Io) if the
  /// store fails.
  void set_goals(std::string_view learner, const std::vector<std::string>& skills);

  /// Per-skill mastery over every stored learner. Throws Error (Io / Parse) if the store cannot
  /// be read.
  [[nodiscard]] ClassSummary class_summary() const;

  /// Everything held on a learner, as JSON: {"format": "pathwise-learner-export",
  /// "version": "1.0", "profile": {...}, "responses": [...]}. Throws Error (UnknownLearner).
  [[nodiscard]] std::string export_learner(std::string_view learner) const;

  /// Removes the learner from memory and from the store. Returns false if nothing was held.
  /// Throws Error (Io) if the store could not finish; the learner is then reloaded from whatever
  /// the store still holds, and erasing again completes it.
  bool erase_learner(std::string_view learner);

  /// The curriculum, model and policy settings the engine was built with.
  [[nodiscard]] const Curriculum& curriculum() const noexcept;
  [[nodiscard]] const BktModel& model() const noexcept;
  [[nodiscard]] const PolicyConfig& config() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pathwise
