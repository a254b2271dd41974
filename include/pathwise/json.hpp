// Pathwise — nlohmann::json conversions of Pathwise types, found by ADL.
#pragma once

#include <nlohmann/json.hpp>

#include "pathwise/bkt.hpp"
#include "pathwise/metrics.hpp"

namespace pathwise {

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

}  // namespace pathwise
