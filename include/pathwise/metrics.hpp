// Pathwise — prediction metrics, evaluation and cross-validation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/export.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise {

/// Area under the ROC curve of `predictions` for the 0/1 `outcomes` (Mann–Whitney statistic;
/// tied predictions count one half). NaN if only one class is present.
/// Throws Error (InvalidArgument) if the sizes differ or a prediction is NaN.
[[nodiscard]] PATHWISE_EXPORT double auc(const std::vector<double>& predictions,
                                         const std::vector<std::uint8_t>& outcomes);
/// Root mean squared error. Throws like auc(); NaN for empty input.
[[nodiscard]] PATHWISE_EXPORT double rmse(const std::vector<double>& predictions,
                                          const std::vector<std::uint8_t>& outcomes);
/// Share of responses where (prediction >= 0.5) equals the outcome. Throws like auc().
[[nodiscard]] PATHWISE_EXPORT double accuracy(const std::vector<double>& predictions,
                                              const std::vector<std::uint8_t>& outcomes);
/// Mean negative log-likelihood (natural log), predictions clipped to [1e-15, 1 - 1e-15].
[[nodiscard]] PATHWISE_EXPORT double log_loss(const std::vector<double>& predictions,
                                              const std::vector<std::uint8_t>& outcomes);

/// The four figures for one set of predictions; NaN where undefined (AUC with one class).
/// Value type; thread-compatible.
struct PATHWISE_EXPORT Metrics {
  /// Area under the ROC curve, ties counted one half.
  double auc = 0.0;
  /// Root mean squared error of P(correct).
  double rmse = 0.0;
  /// Share right with P(correct) >= 0.5 read as "correct".
  double accuracy = 0.0;
  /// Mean negative log-likelihood (natural log).
  double log_loss = 0.0;
  /// Responses scored.
  std::size_t responses = 0;
  /// Responses of skills the model does not have, left out (only with skip_unknown_skills).
  std::size_t skipped_unknown_skill = 0;
};

/// Computes all four metrics. Throws like auc(). Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT Metrics compute_metrics(const std::vector<double>& predictions,
                                                      const std::vector<std::uint8_t>& outcomes);

/// Options for predict() and evaluate(). Thread-compatible.
struct PATHWISE_EXPORT EvaluateOptions {
  /// Leave out (and count) responses of skills the model lacks instead of throwing. Default: false.
  bool skip_unknown_skills = false;
  /// Multi-skill rows (responses of one learner at one input position, e.g. a DataShop
  /// "a~~b" KC cell) are predicted and filtered jointly, as the engine updates them: the row's
  /// P(correct) is the product of its skills' and a wrong answer is blamed on each skill as far
  /// as it is likely to have caused it (posterior_conjunctive()). Every response of the row gets
  /// the row's P(correct). Per-item guess/slip are not applied. Default: false (each skill's
  /// copy of the row is predicted on its own).
  bool conjunctive = false;
};

/// P(correct) for every response of `log` (same order as log.outcomes()), each predicted from
/// the responses before it in its sequence (one-step-ahead forward filtering), and with the
/// model's learner layer, from the learner's responses before it on every skill (in input
/// order across skills; detail in docs/bkt.md). Responses of a
/// skill the model lacks get NaN when skip_unknown_skills, else Error (UnknownSkill) is thrown.
/// Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT std::vector<double> predict(const BktModel& model,
                                                          const ResponseLog& log,
                                                          const EvaluateOptions& options = {});

/// One-step-ahead predictions with the knowledge state behind each, in the order of
/// log.outcomes(); NaN in all three for responses of a skipped unknown skill.
struct PATHWISE_EXPORT Predictions {
  /// P(correct) of each response, from the responses before it: predict()'s values.
  std::vector<double> correct;
  /// P(known) before the response, from the responses before it: what `correct` is computed
  /// from (pyBKT's `state_predictions`).
  std::vector<double> known_before;
  /// P(known) after the response: the posterior given its outcome, then the learning step
  /// (what the engine holds after recording it).
  std::vector<double> known_after;
  /// With a learner layer only (else empty): BKT's own P(correct), which the layer corrects
  /// into `correct`, and the learner's ability before the response (LearnerLayer::ability).
  std::vector<double> bkt_correct;
  std::vector<double> ability;
};

/// predict() with the P(known) before and after each response. Throws like predict().
/// Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT Predictions predict_states(const BktModel& model,
                                                         const ResponseLog& log,
                                                         const EvaluateOptions& options = {});

/// predict() scored against the log's outcomes. Throws Error (UnknownSkill) for a skill the
/// model lacks unless skip_unknown_skills.
[[nodiscard]] PATHWISE_EXPORT Metrics evaluate(const BktModel& model, const ResponseLog& log,
                                               const EvaluateOptions& options = {});

/// Result of cross_validate(). Value type; thread-compatible.
struct PATHWISE_EXPORT CrossValidation {
  /// Figures of each held-out fold.
  std::vector<Metrics> folds;
  /// Mean over folds (responses: the total scored).
  Metrics mean;
  /// Sample standard deviation over folds.
  Metrics sd;
};

/// Options for cross_validate(). The defaults give 5 folds dealt with seed 42, each training
/// split fitted with FitOptions' defaults. Thread-compatible.
struct PATHWISE_EXPORT CrossValidateOptions {
  /// How each training split is fitted (FitOptions::progress reports each split's skills).
  /// With fit.conjunctive, the held-out folds are evaluated conjunctively too. Default:
  /// FitOptions{}.
  FitOptions fit;
  /// Folds: learners are dealt into this many groups, and each group is predicted by a model
  /// fitted on the others. At least 2. Default: 5.
  int folds = 5;
  /// Seed of the shuffle that deals learners into folds (the CLI passes --seed, the fit's seed,
  /// for both). Default: 42.
  std::uint64_t seed = 42;

  /// Throws Error (InvalidArgument) naming the option if an option is out of range: `folds`, or
  /// a field of `fit` as FitOptions::validate() names it.
  void validate() const;
};

/// k-fold cross-validation with folds by learner: learners are shuffled with `options.seed` and
/// dealt into `options.folds` groups; each fold is predicted by a model fitted on the others.
/// Skills absent from a training split are skipped and counted. Throws Error (InvalidArgument)
/// if the options are invalid or there are fewer learners than folds, and rethrows an exception
/// from options.fit.progress. Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT CrossValidation
cross_validate(const ResponseLog& log, const CrossValidateOptions& options = {});

/// cross_validate() with CrossValidateOptions{fit, folds, seed}. Throws like it.
/// Thread-safe: reentrant.
[[nodiscard]] PATHWISE_EXPORT CrossValidation cross_validate(const ResponseLog& log,
                                                             const FitOptions& fit, int folds,
                                                             std::uint64_t seed = 42);

}  // namespace pathwise
