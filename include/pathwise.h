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
 */
#ifndef PATHWISE_H
#define PATHWISE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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

/** Per-skill mastery over all stored learners, as JSON. */
pathwise_status pathwise_class_summary(pathwise_engine_t* engine, char** json_out, char** errmsg);

/** Everything held on a learner, as JSON: {"format": "pathwise-learner-export", "version": "1.0",
 *  "profile": {the profile document}, "responses": [{"item", "outcome" (0/1), "time" (ms)}, ...]
 *  oldest first}. PATHWISE_UNKNOWN_LEARNER if none is held. */
pathwise_status pathwise_export_learner(pathwise_engine_t* engine, const char* learner,
                                        char** json_out, char** errmsg);

/** Erases a learner from memory and the store; *existed (may be NULL) tells whether anything was
 *  held. */
pathwise_status pathwise_erase_learner(pathwise_engine_t* engine, const char* learner, int* existed,
                                       char** errmsg);

/** Fits BKT to a response log file (any format the CLI reads) and returns the model document.
 *  `options_json` holds FitOptions settings or is NULL for the defaults: restarts,
 *  max_iterations, seed, threads (integers), tolerance (number), forgetting, item_guess_slip
 *  (true/false). */
pathwise_status pathwise_fit_file(const char* log_path, const char* options_json,
                                  char** model_json_out, char** errmsg);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PATHWISE_H */
