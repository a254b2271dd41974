// Pathwise — the Bayesian Knowledge Tracing model (Corbett & Anderson, 1995).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pathwise/export.hpp"
#include "pathwise/learner.hpp"
#include "pathwise/types.hpp"

namespace pathwise {

/// The five parameters of one skill's two-state hidden Markov model. Value type;
/// thread-compatible.
struct PATHWISE_EXPORT BktParams {
  /// P(known) before the first opportunity, P(L0).
  double prior = 0.5;
  /// P(unknown -> known) after each opportunity, P(T).
  double learn = 0.1;
  /// P(known -> unknown) after each opportunity; 0 in standard BKT.
  double forget = 0.0;
  /// P(correct | unknown), P(G).
  double guess = 0.2;
  /// P(incorrect | known), P(S).
  double slip = 0.1;

  /// Throws Error (InvalidArgument) naming the parameter if any is NaN or outside [0, 1].
  /// `where` is copied into the error, with the parameter name as its field.
  void validate(const Location& where = {}) const;

  bool operator==(const BktParams& o) const noexcept {
    return prior == o.prior && learn == o.learn && forget == o.forget && guess == o.guess &&
           slip == o.slip;
  }
  bool operator!=(const BktParams& o) const noexcept { return !(*this == o); }
};

/// P(correct) on the next opportunity for a learner who knows the skill with probability
/// `p_known`: p_known (1 - slip) + (1 - p_known) guess.
[[nodiscard]] PATHWISE_EXPORT double predict_correct(const BktParams& params,
                                                     double p_known) noexcept;

/// Expected information, in bits, that one answer carries about whether the skill is known (the
/// mutual information of the answer and the hidden state): H(P(correct)) - p_known H(slip) -
/// (1 - p_known) H(guess), with H the binary entropy, at least 0; `p_known` is clamped to
/// [0, 1]. The criterion of computerised adaptive testing for the item that tells most.
[[nodiscard]] PATHWISE_EXPORT double answer_information(const BktParams& params,
                                                        double p_known) noexcept;

/// P(known | this outcome), by Bayes' rule, before any learning on this opportunity.
[[nodiscard]] PATHWISE_EXPORT double posterior(const BktParams& params, double p_known,
                                               Outcome outcome) noexcept;

/// P(known | this outcome) for one skill of an item that needs several, under conjunctive
/// knowledge tracing (Koedinger, Pavlik, Stamper, Nixon & Ritter 2011): the answer is correct
/// only if each skill's part is, and `others_correct` is the product of the other skills'
/// P(correct). A correct answer updates exactly as posterior(); a wrong one is blamed on this
/// skill only as far as it is likely to have caused it. With others_correct = 1 it is posterior().
[[nodiscard]] PATHWISE_EXPORT double posterior_conjunctive(const BktParams& params, double p_known,
                                                           double others_correct,
                                                           Outcome outcome) noexcept;

/// The learn/forget transition between opportunities: P(known) at the next opportunity from
/// P(known) `p_known` after this one, p_known (1 - forget) + (1 - p_known) learn.
[[nodiscard]] PATHWISE_EXPORT double transition(const BktParams& params, double p_known) noexcept;

/// P(known) before the next opportunity: the posterior followed by the learn/forget transition,
/// posterior (1 - forget) + (1 - posterior) learn.
[[nodiscard]] PATHWISE_EXPORT double update(const BktParams& params, double p_known,
                                            Outcome outcome) noexcept;

/// Forward filtering of one sequence: element t is P(correct at t | responses before t).
/// `outcomes` holds 0/1 bytes.
[[nodiscard]] PATHWISE_EXPORT std::vector<double> predict_sequence(
    const BktParams& params, const std::vector<std::uint8_t>& outcomes);

/// Log-likelihood of one sequence under `params` (natural log), by forward filtering.
[[nodiscard]] PATHWISE_EXPORT double sequence_log_likelihood(
    const BktParams& params, const std::vector<std::uint8_t>& outcomes);

/// Per-item guess and slip that override the skill's (KT-IDEM, Pardos & Heffernan 2011).
/// Value type; thread-compatible.
struct PATHWISE_EXPORT ItemParams {
  /// The skill the item belongs to; must be a skill of the model.
  std::string skill;
  /// P(correct | unknown) on this item.
  double guess = 0.2;
  /// P(incorrect | known) on this item.
  double slip = 0.1;
  bool operator==(const ItemParams& o) const noexcept {
    return skill == o.skill && guess == o.guess && slip == o.slip;
  }
};

/// A BKT model: parameters per skill, plus optional per-item guess/slip and an optional learner
/// layer. What fit() returns is what the engine updates with. JSON: {"format":
/// "pathwise-bkt-model", "version": "1.0", "skills": {"<name>": {"prior", "learn", "forget",
/// "guess", "slip"}}, "items": {...}}; version "1.1" adds "learner" (docs/bkt.md).
/// Thread-compatible (concurrent const calls are fine; writes need external sync).
class PATHWISE_EXPORT BktModel {
 public:
  /// Name written in the "format" field of the JSON document.
  static constexpr const char* kFormat = "pathwise-bkt-model";
  /// Version written for a model without a learner layer (readable by every 1.x reader).
  static constexpr const char* kVersion = "1.0";
  /// Version written for a model with a learner layer; the newest this library reads.
  static constexpr const char* kVersionLearner = "1.1";

  BktModel() = default;

  /// Adds or replaces a skill. Throws Error (InvalidArgument) for an empty name or invalid
  /// params.
  void set_skill(const std::string& name, const BktParams& params);
  /// Adds or replaces per-item guess/slip. Throws Error (UnknownSkill) if the skill is not in
  /// the model, Error (InvalidArgument) for values outside [0, 1].
  void set_item(const std::string& item, const ItemParams& params);

  /// Sets the chance per day without practice that a known skill is forgotten (time-based
  /// forgetting, as in Qiu, Qi, Lu, Pardos & Heffernan 2011): after `d` days, P(known) becomes
  /// P(known) (1 - rate)^d. The sequencer then reviews a mastered skill when that estimate falls
  /// below its review threshold; 0 means the skill is not forgotten and never reviewed. Unset,
  /// the sequencer spaces reviews by its own schedule
  /// (PolicyConfig::rules.initial_half_life_days).
  /// Throws Error (UnknownSkill) if the skill is not in the model, Error (InvalidArgument)
  /// unless 0 <= rate < 1.
  void set_forget_per_day(const std::string& skill, double rate);
  /// The skill's forgetting per day, or nullopt if unset (or the skill is absent).
  [[nodiscard]] std::optional<double> forget_per_day(std::string_view skill) const noexcept;
  /// The skills' forgetting rates per day that are set.
  [[nodiscard]] const std::map<std::string, double, std::less<>>& forget_per_day() const noexcept {
    return forget_per_day_;
  }

  /// Sets the learner layer (learner.hpp). Throws Error (InvalidArgument) if it is invalid
  /// (LearnerLayer::validate()), Error (UnknownSkill) if it has corrections for a skill the
  /// model lacks.
  void set_learner(LearnerLayer layer);
  /// Removes the learner layer: predictions are BKT's alone.
  void clear_learner() noexcept { learner_.reset(); }
  /// The learner layer, or nullptr.
  [[nodiscard]] const LearnerLayer* learner() const noexcept {
    return learner_ ? &*learner_ : nullptr;
  }

  /// The parameters of a skill. Throws Error (UnknownSkill) naming it if absent.
  [[nodiscard]] const BktParams& skill(std::string_view name) const;
  /// The parameters of a skill, or nullptr.
  [[nodiscard]] const BktParams* find_skill(std::string_view name) const noexcept;
  /// Per-item parameters, or nullptr.
  [[nodiscard]] const ItemParams* find_item(std::string_view item) const noexcept;
  /// The skill's parameters with the item's guess/slip applied when the model has them.
  /// Throws Error (UnknownSkill) if the skill is absent.
  [[nodiscard]] BktParams params_for(std::string_view skill, std::string_view item) const;

  /// Skill names in sorted order.
  [[nodiscard]] std::vector<std::string> skill_names() const;
  [[nodiscard]] std::size_t skill_count() const noexcept { return skills_.size(); }
  [[nodiscard]] std::size_t item_count() const noexcept { return items_.size(); }
  [[nodiscard]] const std::map<std::string, BktParams, std::less<>>& skills() const noexcept {
    return skills_;
  }
  [[nodiscard]] const std::map<std::string, ItemParams, std::less<>>& items() const noexcept {
    return items_;
  }

  /// Reads a model document. Throws Error (Parse) for malformed JSON or a wrong "format",
  /// Error (Version) for a version newer than 1.1, Error (InvalidArgument) for a NaN or a value
  /// outside [0, 1], Error (UnknownSkill) for an item naming a skill the model lacks; each
  /// names the field at fault.
  [[nodiscard]] static BktModel from_json(std::string_view text,
                                          const std::string& source = "<string>");
  /// Reads a model file. Throws Error (Io) if unreadable, else as from_json().
  [[nodiscard]] static BktModel load(const std::string& path);
  /// from_json() and load() returning the Error instead of throwing it.
  [[nodiscard]] static Result<BktModel> try_from_json(std::string_view text,
                                                      const std::string& source = "<string>") {
    return try_result([&] { return from_json(text, source); });
  }
  [[nodiscard]] static Result<BktModel> try_load(const std::string& path) {
    return try_result([&] { return load(path); });
  }
  /// Writes the model document; `indent` < 0 writes one line.
  [[nodiscard]] std::string to_json(int indent = 2) const;
  /// Writes the model document to a file. Throws Error (Io) on failure.
  void save(const std::string& path) const;

  bool operator==(const BktModel& o) const {
    return skills_ == o.skills_ && items_ == o.items_ && forget_per_day_ == o.forget_per_day_ &&
           learner_ == o.learner_;
  }
  bool operator!=(const BktModel& o) const { return !(*this == o); }

 private:
  std::map<std::string, BktParams, std::less<>> skills_;
  std::map<std::string, ItemParams, std::less<>> items_;
  std::map<std::string, double, std::less<>> forget_per_day_;
  std::optional<LearnerLayer> learner_;
};

}  // namespace pathwise
