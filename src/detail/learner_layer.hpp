// The learner layer over a whole log: each learner's responses across skills in time order,
// the layer's terms for every response, the fit of its weights and its predictions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/learner.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise::detail {

/// The terms from a learner's running numbers: the one formula that fit, predict and the
/// engine share. `opportunities` and `since_last` (responses on other skills since this skill's
/// last) describe the skill; `first` is opportunities == 0.
LearnerFeatures learner_terms(const LearnerLayer& layer, std::uint64_t responses,
                              double residual_sum, double recent, double recent_slow, int last,
                              std::uint64_t opportunities, std::uint64_t since_last,
                              double bkt_correct) noexcept;

/// LearnerLayer::update with the skill's entry of `state` already in hand (`entry`).
void learner_record(const LearnerLayer& layer, LearnerState& state, LearnerState::Skill& entry,
                    double bkt_correct, Outcome outcome) noexcept;

/// The linear predictor's value with the skill's corrections (`skill` may be null).
double learner_logit(const LearnerLayer& layer, const LearnerSkillWeights* skill,
                     const LearnerFeatures& x) noexcept;

/// Every response index of `log`, learner by learner; within a learner, its sequences merged
/// by input position (rows()), each sequence keeping its own order. Logs without positions
/// give the learner's sequences one after the other.
std::vector<std::uint64_t> learner_order(const ResponseLog& log);

/// Replaces BKT's P(correct) in `correct` by the layer's, walking each learner's responses in
/// learner_order(). Responses with NaN (a skill the model lacks) are left NaN and do not
/// change the learner's state. `ability`, if given, receives each response's ability.
void apply_learner_layer(const BktModel& model, const ResponseLog& log,
                         std::vector<double>& correct, std::vector<double>* ability);

/// Fits the layer's weights to `log` given BKT's P(correct) for each response (`bkt`, from the
/// model fitted to the same log) by Newton's method on the L2-penalised log-likelihood.
LearnerLayer fit_learner_layer(const ResponseLog& log, const std::vector<double>& bkt,
                               const LearnerFitOptions& options, LearnerFitReport& report);

}  // namespace pathwise::detail
