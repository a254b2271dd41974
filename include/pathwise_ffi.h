/* Generated from pathwise.h by tools/gen-ffi-header.cmake: do not edit. The C API's
 * declarations without preprocessor lines, for PHP's FFI::cdef() and FFI::load().
 * Version macros are left out: call pathwise_version_number(). */

/* Pathwise — C API: an opaque engine handle, UTF-8 JSON in and out, status codes.
 *
 * For hosts in other languages (PHP FFI, Python ctypes, ...). Every fallible call returns a
 * pathwise_status (PATHWISE_OK == 0) and takes a last `char** errmsg`, which may be NULL; on
 * failure *errmsg receives a message to release with pathwise_free(). Strings returned through
 * `char** out` are also released with pathwise_free(); out-pointers are set to NULL (and `int*`
 * outputs to 0) unless the call succeeds. Times are milliseconds since the Unix epoch, within
 * +-9223372036854 (the range of the C++ clock). Settings objects accept only the keys listed;
 * an unknown key is an error. No C++ exception crosses this boundary.
 * The engine is thread-safe: calls on one handle may come from several threads.
 *
 * Ids (learners, items) may be passed with their length through the `_n` functions; an id
 * holding a NUL byte is then refused (PATHWISE_INVALID_ARGUMENT), never cut short. Hosts whose
 * strings may hold NUL (PHP) use the `_n` functions. The functions without `_n` read C strings.
 * PHP's FFI cannot read preprocessor lines: it loads pathwise_ffi.h, the same declarations
 * without them (generated from this file by tools/gen-ffi-header.cmake; a test keeps it so).
 * See docs/c-api.md for every JSON shape, ownership and the PHP recipe.
 */

/* Only these declarations are exported by libpathwise.so (built with hidden visibility). */

/** Result of a call. */
typedef enum pathwise_status {
  PATHWISE_OK = 0,
  PATHWISE_INVALID_ARGUMENT = 1,
  PATHWISE_PARSE = 2,
  PATHWISE_IO = 3,
  PATHWISE_UNKNOWN_SKILL = 4,
  PATHWISE_UNKNOWN_ITEM = 5,
  PATHWISE_UNKNOWN_LEARNER = 6,
  PATHWISE_VERSION = 7,
  PATHWISE_INTERNAL = 8,
  /** The profile store stayed locked past its timeout, or its server is unreachable: nothing
   *  was changed; the call may be retried. */
  PATHWISE_BUSY = 9,
  /** The store holds data Pathwise cannot use (a damaged value, a file or schema of another
   *  application): nothing was changed; retrying will not help. */
  PATHWISE_CORRUPT = 10
} pathwise_status;

/** An engine: curriculum, model, policy settings and a profile store. Opaque. */
typedef struct pathwise_engine_t pathwise_engine_t;

/** The library version, e.g. "1.0.0". Never NULL; do not free. */
const char* pathwise_version(void);

/** The library version as MAJOR * 10000 + MINOR * 100 + PATCH (10000 for 1.0.0): compare it
 *  with PATHWISE_VERSION_NUMBER, the version the host was compiled against. */
int pathwise_version_number(void);

/** A short name of a status: "ok", "invalid_argument", "parse", "io", "unknown_skill",
 *  "unknown_item", "unknown_learner", "version", "internal", "busy", "corrupt"; "unknown" for
 *  any other value. Never NULL; do not free. */
const char* pathwise_status_string(pathwise_status status);

/** Releases a string returned by Pathwise. NULL is a harmless no-op. */
void pathwise_free(void* p);

/** Creates an engine from a curriculum document and a model document (JSON text).
 *  `config_json` holds settings or is NULL for the defaults. PolicyConfig: mastery_threshold,
 *  target_success, remediate_below, challenge_above, review_threshold, initial_half_life_days,
 *  half_life_growth (numbers), no_repeat_window, wheel_spin_attempts,
 *  check_prerequisites_after, alternatives, seed (integers), conjunctive_update (true/false).
 *  "store": {keep_responses, sync_to_disk (true/false), busy_timeout_ms, pool_size (integers),
 *  synchronous_commit (string)}. "engine": {cache_learners, reorder_tolerance_ms, max_future_ms
 *  (integers), check_clock (true/false)}. Example:
 *  {"mastery_threshold": 0.95, "store": {"busy_timeout_ms": 2000}, "engine": {"cache_learners": 0}}
 *  `store_url` names the profile store: "sqlite:/path/profiles.db" (or a plain file path),
 *  "postgresql://user@host/db" (or libpq's "host=... dbname=..."), "memory:"; NULL keeps
 *  profiles in memory. Many processes may open the same SQLite file or PostgreSQL database.
 *  On success *engine is set; on failure it is set to NULL. */
pathwise_status pathwise_engine_create(const char* curriculum_json, const char* model_json,
                                       const char* config_json, const char* store_url,
                                       pathwise_engine_t** engine, char** errmsg);

/** Destroys an engine. NULL is a harmless no-op. */
void pathwise_engine_destroy(pathwise_engine_t* engine);

/** Records a response: `correct` is 1 or 0, `time_ms` milliseconds since the Unix epoch. */
pathwise_status pathwise_record(pathwise_engine_t* engine, const char* learner, const char* item,
                                int correct, int64_t time_ms, char** errmsg);

/** The next step for a learner at `now_ms`, as JSON: {"item", "skill", "reason",
 *  "explanation", "p_correct", "alternatives": [{"item", "skill", "p_correct"}]}, or "null". */
pathwise_status pathwise_recommend(pathwise_engine_t* engine, const char* learner, int64_t now_ms,
                                   char** json_out, char** errmsg);

/** The learner's profile document (JSON); for a learner with nothing stored, the fresh profile.
 *  {"format": "pathwise-learner-profile", "version": "1.0", "learner", "responses" (count),
 *  "last_response" (ms or null), "goals": [...], "recent_items": [...], "skills": {id: {"p_known",
 *  "attempts", "correct", ...}}}. */
pathwise_status pathwise_profile(pathwise_engine_t* engine, const char* learner, char** json_out,
                                 char** errmsg);

/** Sets the learner's goals from a JSON array of skill ids ("[]" = the whole curriculum). */
pathwise_status pathwise_set_goals(pathwise_engine_t* engine, const char* learner,
                                   const char* goals_json, char** errmsg);

/** Per-skill mastery over all stored learners, as JSON: {"learners", "damaged" (stored profiles
 *  that could not be read), "skills": [{"skill", "learners", "mastered", "mean", "histogram",
 *  "mean_forecast" (mean forecast attempts to mastery of the learners below the threshold, as
 *  pathwise_forecast's "expected"; 0 if none), "forecast_learners" (how many)}]}. */
pathwise_status pathwise_class_summary(pathwise_engine_t* engine, char** json_out, char** errmsg);

/** Forecast attempts until mastery of each of the learner's goal skills (every skill without
 *  goals), practised from the learner's current P(known) under the skill's BKT parameters and the
 *  engine's mastery threshold, as JSON: {"format": "pathwise-forecast", "version": "1.0",
 *  "mastery_threshold", "skills": [{"skill", "p_known", "expected" (mean attempts over the
 *  outcomes reaching mastery within the cap; null if none does), "low", "high" (10th and 90th
 *  percentiles; null beyond the cap), "p_within_cap", "cap" (200)}]}. A learner with nothing
 *  stored gets the fresh profile's forecast. */
pathwise_status pathwise_forecast(pathwise_engine_t* engine, const char* learner, char** json_out,
                                  char** errmsg);

/** Everything held on a learner, as JSON: {"format": "pathwise-learner-export", "version": "1.0",
 *  "profile": {the profile document}, "responses": [{"item", "outcome" (0/1), "time" (ms)}, ...]
 *  oldest first}. PATHWISE_UNKNOWN_LEARNER if none is held. */
pathwise_status pathwise_export_learner(pathwise_engine_t* engine, const char* learner,
                                        char** json_out, char** errmsg);

/** Erases a learner from memory and the store; *existed (may be NULL) tells whether anything was
 *  held. */
pathwise_status pathwise_erase_learner(pathwise_engine_t* engine, const char* learner, int* existed,
                                       char** errmsg);

/* ---- The same calls with ids passed with their length (NUL inside an id is an error). ---- */

/** pathwise_record() with `learner` and `item` of the given lengths in bytes. */
pathwise_status pathwise_record_n(pathwise_engine_t* engine, const char* learner,
                                  size_t learner_len, const char* item, size_t item_len,
                                  int correct, int64_t time_ms, char** errmsg);
/** pathwise_recommend() with a learner id of `learner_len` bytes. */
pathwise_status pathwise_recommend_n(pathwise_engine_t* engine, const char* learner,
                                     size_t learner_len, int64_t now_ms, char** json_out,
                                     char** errmsg);
/** pathwise_profile() with a learner id of `learner_len` bytes. */
pathwise_status pathwise_profile_n(pathwise_engine_t* engine, const char* learner,
                                   size_t learner_len, char** json_out, char** errmsg);
/** pathwise_set_goals() with a learner id and the goals document of the given lengths. */
pathwise_status pathwise_set_goals_n(pathwise_engine_t* engine, const char* learner,
                                     size_t learner_len, const char* goals_json, size_t goals_len,
                                     char** errmsg);
/** pathwise_forecast() with a learner id of `learner_len` bytes. */
pathwise_status pathwise_forecast_n(pathwise_engine_t* engine, const char* learner,
                                    size_t learner_len, char** json_out, char** errmsg);
/** pathwise_export_learner() with a learner id of `learner_len` bytes. */
pathwise_status pathwise_export_learner_n(pathwise_engine_t* engine, const char* learner,
                                          size_t learner_len, char** json_out, char** errmsg);
/** pathwise_erase_learner() with a learner id of `learner_len` bytes. */
pathwise_status pathwise_erase_learner_n(pathwise_engine_t* engine, const char* learner,
                                         size_t learner_len, int* existed, char** errmsg);

/* ---- Fitting, evaluation, prediction, cross-validation ----
 *
 * Each reads a response log (any format the CLI reads, detected from the content) from a file
 * (`_file`: a path) or from text in memory (`_text`: `text_len` bytes, read as a file's
 * bytes would be; the text need not end in NUL; it may be NULL when text_len is 0). Options are a JSON object, or NULL for the
 * defaults; an unknown key anywhere is PATHWISE_INVALID_ARGUMENT naming it ("read.colums").
 *
 * "read" (every call): ReadOptions {"format": "auto"|"delimited"|"hmm"|"three-line"|"xapi",
 *   "delimiter": "," (one character; "" detects), "columns": {"learner", "skill", "correct",
 *   "order", "item", "time"} (header names; "" = the built-in candidates, "-" = none for
 *   order/item/time), "skill_separator": "~~" or null, "strict", "keep_scaffolding"
 *   (true/false), "empty_skill_label": "nan" or null, "epoch_unit": "auto"|"seconds"|
 *   "milliseconds", "skill_map" (xAPI: a file path), "skill_extension" (xAPI: an IRI),
 *   "max_line_bytes", "max_fields_per_line", "max_input_bytes" (integers >= 1)}.
 * Fit options: FitOptions {"preset": "bkt" (calibrated standard BKT: weak Beta priors and
 *   guess + slip <= 0.95) | "pybkt" (pyBKT's maximum-likelihood fit), applied before the other
 *   keys (no preset: "bkt" with the learner layer); "learner": true/false or {"l2", "l2_skill",
 *   "pseudo_count", "decay_recent", "decay_recent_slow", "max_iterations", "tolerance",
 *   "terms": ["ability", "recency", "practice"]}; "restarts", "max_iterations", "seed", "threads",
 *   "item_min_responses", "min_skill_responses" (integers), "tolerance" (number), "forgetting",
 *   "item_guess_slip" (true/false), "bounds": {"guess": [0, 0.3], ...}, "fixed": {"slip": 0.1},
 *   "priors": {"guess": [2, 5], ...} (Beta(alpha, beta), alpha and beta >= 1),
 *   "max_guess_plus_slip": 0.95 (in (0, 2], or null for no guard),
 *   "start": {skill: {"prior", "learn", "guess", "slip"}}, "skills": [names to fit]}, plus
 *   "read". Parameters: prior, learn, forget, guess, slip.
 *   Also "conjunctive" (multi-skill rows jointly), "conjunctive_rounds", "forget_per_day"
 *   (fit daily forgetting from the log's times).
 * Evaluate and predict options: {"skip_unknown_skills", "conjunctive" (true/false), "read"}.
 * Cross-validation options: {"folds", "seed" (integers), "fit": {fit options without "read"},
 *   "read": {...}}.
 *
 * Every result but pathwise_fit_file/_text's carries "read": the ReadReport {"source",
 * "format", "delimiter", "encoding", "latin1_fields", "columns_used": {...}, "rows",
 * "rows_kept", "rows_relabelled", "rows_filtered", "multi_skill_rows", "skipped_total",
 * "skipped": {"missing_field": 0, "bad_correct": 2, ...}, "first": {"bad_correct": {"source",
 * "line", "column", "field", "message"}}}. Metrics are {"auc", "rmse", "accuracy", "log_loss"
 * (null where undefined), "responses", "skipped_unknown_skill" (only when > 0)}. */

/** Fits BKT to a response log file and returns the model document (as pathwise_fit_text). */
pathwise_status pathwise_fit_file(const char* log_path, const char* options_json,
                                  char** model_json_out, char** errmsg);
/** Fits BKT to a log in memory and returns the model document {"format":
 *  "pathwise-bkt-model", "version", "skills": {skill: {"prior", "learn", "forget", "guess",
 *  "slip"}}, "items" (with item_guess_slip)}. */
pathwise_status pathwise_fit_text(const char* text, size_t text_len, const char* options_json,
                                  char** model_json_out, char** errmsg);
/** Fits and returns {"model": the model document, "report": {"log_likelihood", "seconds",
 *  "threads", "e_steps", "response_steps", "skills": [{"skill", "responses", "sequences",
 *  "log_likelihood", "iterations", "converged", "restarts", "best_restart",
 *  "total_iterations", "trace": [...], "warnings": [...]}]}, "read": ReadReport}. */
pathwise_status pathwise_fit_report_file(const char* log_path, const char* options_json,
                                         char** json_out, char** errmsg);
/** pathwise_fit_report_file() on a log in memory. */
pathwise_status pathwise_fit_report_text(const char* text, size_t text_len,
                                         const char* options_json, char** json_out,
                                         char** errmsg);
/** Scores `model_json`'s one-step-ahead predictions on a log: {"metrics": Metrics, "read"}. */
pathwise_status pathwise_evaluate_file(const char* model_json, const char* log_path,
                                       const char* options_json, char** json_out, char** errmsg);
/** pathwise_evaluate_file() on a log in memory. */
pathwise_status pathwise_evaluate_text(const char* model_json, const char* text, size_t text_len,
                                       const char* options_json, char** json_out, char** errmsg);
/** One-step-ahead predictions of every response, in input order, as columns of equal length:
 *  {"responses": n, "row": [...] (1-based position in the input), "line": [...], "skill":
 *  [...], "item": [... or ""], "correct": [0/1], "p_correct": [...], "p_known_before": [...]
 *  (P(known) the prediction is made from), "p_known_after": [...] (after the response and the
 *  learning step), "read"}. With skip_unknown_skills, responses of a skill the model lacks are
 *  left out and counted in "skipped_unknown_skill". A multi-skill row gives one entry per
 *  skill. */
pathwise_status pathwise_predict_file(const char* model_json, const char* log_path,
                                      const char* options_json, char** json_out, char** errmsg);
/** pathwise_predict_file() on a log in memory. */
pathwise_status pathwise_predict_text(const char* model_json, const char* text, size_t text_len,
                                      const char* options_json, char** json_out, char** errmsg);
/** k-fold cross-validation with folds by learner: {"folds": [Metrics, ...], "mean": Metrics,
 *  "sd": Metrics (sample standard deviation), "read"}. */
pathwise_status pathwise_cross_validate_file(const char* log_path, const char* options_json,
                                             char** json_out, char** errmsg);
/** pathwise_cross_validate_file() on a log in memory. */
pathwise_status pathwise_cross_validate_text(const char* text, size_t text_len,
                                             const char* options_json, char** json_out,
                                             char** errmsg);

/* ---- Reports (docs/reports.md): their data as JSON, and the HTML page of that data. ---- */

/** The class report's data {"format": "pathwise-class-report", ...} over every learner of the
 *  store `store_url` (as pathwise_engine_create names stores; a SQLite file is created if
 *  missing). Learners appear by keyed pseudonym or display name, never by id. `options_json`
 *  (or NULL): {"key": string (default: a random key per report), "names": {id: name},
 *  "now_ms", "title", "stalled_after", "read_responses", "max_table_cells",
 *  "mastery_threshold", "wheel_spin_attempts"}. */
pathwise_status pathwise_report_class(const char* curriculum_json, const char* model_json,
                                      const char* store_url, const char* options_json,
                                      char** json_out, char** errmsg);
/** One learner's report data {"format": "pathwise-learner-report", ...}; the id is passed
 *  with its length. PATHWISE_UNKNOWN_LEARNER if nothing is held. Options as above. */
pathwise_status pathwise_report_learner_n(const char* curriculum_json, const char* model_json,
                                          const char* store_url, const char* learner,
                                          size_t learner_len, const char* options_json,
                                          char** json_out, char** errmsg);
/** A fit report's data {"format": "pathwise-fit-report", ...} of `model_json` on a log file;
 *  with `model_json` NULL the log is fitted first (options "fit": FitOptions). Options (or
 *  NULL): {"read": ReadOptions, "title", "max_opportunity", "calibration_bins", "fit"}. */
pathwise_status pathwise_report_fit_file(const char* model_json, const char* log_path,
                                         const char* options_json, char** json_out,
                                         char** errmsg);
/** The self-contained HTML page of a report's data (any of the three documents). */
pathwise_status pathwise_report_html(const char* data_json, char** html_out, char** errmsg);
