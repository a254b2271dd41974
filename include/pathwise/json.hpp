// Pathwise — nlohmann::json conversions of Pathwise types, found by ADL: one serialisation per
// type, used by the C API and the CLI alike. Only declarations here: include the header of each
// type you convert.
#pragma once

#include <nlohmann/json.hpp>

namespace pathwise {

struct BktParams;
class BktModel;
struct Metrics;
struct Recommendation;
struct ClassSummary;
struct PolicyResult;

/// {"prior", "learn", "forget", "guess", "slip"}.
void to_json(nlohmann::json& j, const BktParams& params);
/// Reads with at(); throws Error (Parse / InvalidArgument) naming the field.
void from_json(const nlohmann::json& j, BktParams& params);

/// The model document (with "format" and "version").
void to_json(nlohmann::json& j, const BktModel& model);
/// Throws as BktModel::from_json().
void from_json(const nlohmann::json& j, BktModel& model);

/// {"auc", "rmse", "accuracy", "log_loss", "responses"}; NaN is written as null.
void to_json(nlohmann::json& j, const Metrics& metrics);

/// {"item", "skill", "reason", "explanation", "p_correct" (null when NaN),
///  "alternatives": [{"item", "skill", "p_correct"}]}.
void to_json(nlohmann::json& j, const Recommendation& recommendation);

/// {"learners", "damaged", "skills": [{"skill", "learners", "mastered", "mean", "histogram"}]}.
void to_json(nlohmann::json& j, const ClassSummary& summary);

/// One simulated policy's figures: {"attempts", "false_mastery", "false_mastery_delayed",
///  "over_practice", "post_test", "wheel_spinning", "declared_done",
///  "ci95": {"attempts", "false_mastery", "post_test"}} (means; ci95 are half-widths). The
/// per-learner runs and the curve are not included.
void to_json(nlohmann::json& j, const PolicyResult& result);

// Learner profiles and the model are documents with their own format and version:
// LearnerProfile::to_json() / from_json(), BktModel::to_json() / from_json().

}  // namespace pathwise
