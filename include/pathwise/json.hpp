// Pathwise — nlohmann::json conversions of Pathwise types, found by ADL: one serialisation per
// type, used by the C API and the CLI alike. Only declarations here: include the header of each
// type you convert.
#pragma once

#include <nlohmann/json.hpp>

#include "pathwise/export.hpp"

namespace pathwise {

struct BktParams;
class BktModel;
struct Metrics;
struct Recommendation;
struct ClassSummary;
struct PolicyResult;
struct Forecast;
struct SkillForecast;
struct SkillFitReport;
struct FitReport;
struct LearnerFitReport;
struct FitOptions;
struct CrossValidation;
struct CrossValidateOptions;
struct EvaluateOptions;
struct Predictions;
struct ReadReport;
struct ReadOptions;
struct ColumnMapping;

/// {"prior", "learn", "forget", "guess", "slip"}.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const BktParams& params);
/// Reads with at(); throws Error (Parse / InvalidArgument) naming the field.
PATHWISE_EXPORT void from_json(const nlohmann::json& j, BktParams& params);

/// The model document (with "format" and "version").
PATHWISE_EXPORT void to_json(nlohmann::json& j, const BktModel& model);
/// Throws as BktModel::from_json().
PATHWISE_EXPORT void from_json(const nlohmann::json& j, BktModel& model);

/// {"auc", "rmse", "accuracy", "log_loss", "responses"}; NaN is written as null.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const Metrics& metrics);

/// {"item", "skill", "reason", "explanation", "p_correct" (null when NaN),
///  "alternatives": [{"item", "skill", "p_correct"}]}.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const Recommendation& recommendation);

/// {"learners", "damaged", "skills": [{"skill", "learners", "mastered", "mean", "histogram"}]}.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const ClassSummary& summary);

/// {"skill", "responses", "sequences", "log_likelihood", "iterations", "converged", "restarts",
///  "best_restart", "total_iterations", "trace": [log-likelihood per E-step], "warnings": [...]}.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const SkillFitReport& report);

/// {"log_likelihood", "seconds", "threads", "e_steps", "response_steps",
///  "skills": [SkillFitReport, ...] sorted by skill}.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const FitReport& report);
/// {"fitted", "responses", "skills", "iterations", "converged", "log_loss_bkt", "log_loss",
///  "seconds"}; FitReport's JSON carries it as "learner" when a layer was fitted.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const LearnerFitReport& report);

/// {"folds": [Metrics, ...], "mean": Metrics, "sd": Metrics}.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const CrossValidation& cv);

/// {"p_correct": [...], "p_known_before": [...], "p_known_after": [...]}, one entry per
/// response in the order of the log's outcomes; NaN (a skipped unknown skill) is written as null.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const Predictions& predictions);

/// {"learner", "skill", "correct", "order", "item", "time"}: column names, "" where none.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const ColumnMapping& columns);

/// {"source", "format" ("delimited", "hmm", "three-line", "xapi"), "delimiter" (one character,
///  or ""), "encoding", "latin1_fields", "columns_used": ColumnMapping, "rows", "rows_kept",
///  "rows_relabelled", "rows_filtered", "multi_skill_rows", "rows_without_time",
///  "first_time", "last_time" (ms since the epoch, null if no time was read), "skipped_total",
///  "skipped": {problem: count} for every RowProblem (e.g. "bad_correct"),
///  "first": {problem: {"source", "line", "column", "field", "message"}} for each problem seen}.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const ReadReport& report);

// Options from JSON. Each reader starts from the value it is given (use a default-constructed
// one for the documented defaults), sets the keys present, rejects an unknown key by name
// (Error InvalidArgument, field "key" or "outer.key"), a value of the wrong type (Error Parse)
// or out of range (Error InvalidArgument), and ends with the options' validate().

/// {"learner", "skill", "correct", "order", "item", "time"}: strings ("" = the default
/// candidates, "-" = none for order, item and time).
PATHWISE_EXPORT void from_json(const nlohmann::json& j, ColumnMapping& columns);

/// {"format": "auto" | "delimited" | "hmm" | "three-line" | "xapi", "delimiter": one character
///  or "" (detect), "columns": ColumnMapping, "skill_separator": string or null (the format's
///  default), "strict", "keep_scaffolding" (true/false), "empty_skill_label": string or null,
///  "epoch_unit": "auto" | "seconds" | "milliseconds", "skill_map" (a file path),
///  "skill_extension" (an IRI),
///  "max_line_bytes", "max_fields_per_line", "max_input_bytes" (integers >= 1)}.
PATHWISE_EXPORT void from_json(const nlohmann::json& j, ReadOptions& options);

/// {"restarts", "max_iterations", "seed", "threads", "item_min_responses",
///  "min_skill_responses" (integers), "tolerance" (number), "forgetting", "item_guess_slip"
///  (true/false), "bounds": {parameter: [lo, hi]}, "fixed": {parameter: value or null},
///  "start": {skill: {"prior", "learn", "guess", "slip", "forget" (optional)}},
///  "skills": [skill names to fit (exact); all when absent]}. Parameters are "prior", "learn",
///  "forget", "guess", "slip". `progress` has no JSON form.
PATHWISE_EXPORT void from_json(const nlohmann::json& j, FitOptions& options);

/// {"skip_unknown_skills": true/false}.
PATHWISE_EXPORT void from_json(const nlohmann::json& j, EvaluateOptions& options);

/// {"folds", "seed" (integers), "fit": FitOptions}.
PATHWISE_EXPORT void from_json(const nlohmann::json& j, CrossValidateOptions& options);

/// One simulated policy's figures: {"attempts", "false_mastery", "false_mastery_delayed",
///  "over_practice", "post_test", "wheel_spinning", "declared_done", "completion",
///  "dropped_out", "ci95": {"attempts", "false_mastery", "post_test", "completion"}} (means; ci95
///  are half-widths). The
/// per-learner runs and the curve are not included.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const PolicyResult& result);

/// One forecast: {"expected", "low", "high", "p_within_cap", "cap"}; "expected" is null when
/// p_within_cap is 0, "low" and "high" are null when beyond the cap.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const Forecast& forecast);
/// {"skill", "p_known", and the forecast's fields}.
PATHWISE_EXPORT void to_json(nlohmann::json& j, const SkillForecast& forecast);

// Learner profiles and the model are documents with their own format and version:
// LearnerProfile::to_json() / from_json(), BktModel::to_json() / from_json().

}  // namespace pathwise
