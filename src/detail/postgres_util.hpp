// PostgreSQL helpers of PostgresStore: the schema, the prepared statements, results and
// parameters in libpq's text form, checked columns. Included only where libpq is available.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "detail/stored_values.hpp"
#include "pathwise/store.hpp"

namespace pathwise::detail::postgres {


using Clock = std::chrono::steady_clock;

// Schema migrations: entry k brings a database from version k to k + 1. Tables carry a prefix,
// so the profiles can live in a database shared with the host application.
inline constexpr const char* kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE pathwise_learners ("
    "  learner text PRIMARY KEY, responses bigint NOT NULL, last_response bigint,"
    "  goals text NOT NULL, recent_items text NOT NULL, version bigint NOT NULL);"
    "CREATE TABLE pathwise_skill_states ("
    "  learner text NOT NULL, skill text NOT NULL, p_known double precision NOT NULL,"
    "  attempts bigint NOT NULL, correct bigint NOT NULL, streak bigint NOT NULL,"
    "  last_practice bigint, mastered_at bigint, half_life_days double precision NOT NULL,"
    "  reviews bigint NOT NULL, next_review bigint, wheel_spinning boolean NOT NULL,"
    "  PRIMARY KEY (learner, skill));"
    "CREATE TABLE pathwise_responses ("
    "  learner text NOT NULL, seq bigint NOT NULL, item text NOT NULL,"
    "  outcome smallint NOT NULL, time bigint NOT NULL, PRIMARY KEY (learner, seq));"
    "CREATE SEQUENCE pathwise_version;",
    // 1 -> 2: the learner layer's state (LearnerProfile::learner_state) as JSON text, NULL for a
    // learner without one (a nullable column: no row is rewritten).
    "ALTER TABLE pathwise_learners ADD COLUMN IF NOT EXISTS learner_state text;",
};
inline constexpr int kMigrationCount = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);
static_assert(kMigrationCount == PostgresStore::kSchemaVersion, "one migration per version");
// Key of the advisory lock held while the schema is created or migrated.
inline constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7081423190512)";
inline constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(7081423190512)";

struct Statement {
  const char* name;
  const char* sql;
};
inline const Statement kStatements[] = {
    {"pw_version", "SELECT version FROM pathwise_learners WHERE learner = $1"},
    {"pw_txid_status", "SELECT txid_status($1)"},
    {"pw_lock", "SELECT version FROM pathwise_learners WHERE learner = $1 FOR UPDATE"},
    {"pw_learner",
     "SELECT responses, last_response, goals, recent_items, version, learner_state "
     "FROM pathwise_learners WHERE learner = $1"},
    {"pw_skills",
     "SELECT skill, p_known, attempts, correct, streak, last_practice, mastered_at, "
     "half_life_days, reviews, next_review, wheel_spinning FROM pathwise_skill_states "
     "WHERE learner = $1"},
    // Erase's first statement. Inserting waits for a creator of the learner still in flight (a
    // unique key waits for an uncommitted insert), and the row lock then blocks new writers, so
    // the erase's later statements see everything the learner has; `inserted` is true when
    // there was no row (xmax is 0 on a freshly inserted one).
    {"pw_claim_learner",
     "INSERT INTO pathwise_learners (learner, responses, goals, recent_items, version) "
     "VALUES ($1, 0, '[]', '[]', 0) ON CONFLICT (learner) DO UPDATE SET version = "
     "pathwise_learners.version RETURNING (xmax = 0)"},
    {"pw_insert_learner",
     "INSERT INTO pathwise_learners (learner, responses, last_response, goals, recent_items, "
     "learner_state, version) VALUES ($1, $2, $3, $4, $5, $6, nextval('pathwise_version')) "
     "RETURNING version, txid_current()"},
    {"pw_update_learner",
     "UPDATE pathwise_learners SET responses = $2, last_response = $3, goals = $4, "
     "recent_items = $5, learner_state = $6, version = nextval('pathwise_version') "
     "WHERE learner = $1 RETURNING version, txid_current()"},
    {"pw_update_progress",
     "UPDATE pathwise_learners SET responses = $2, last_response = $3, recent_items = $4, "
     "learner_state = $5, version = nextval('pathwise_version') WHERE learner = $1 "
     "RETURNING version, txid_current()"},
    {"pw_upsert_skill",
     "INSERT INTO pathwise_skill_states (learner, skill, p_known, attempts, correct, streak, "
     "last_practice, mastered_at, half_life_days, reviews, next_review, wheel_spinning) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
     "ON CONFLICT (learner, skill) DO UPDATE SET p_known = excluded.p_known, "
     "attempts = excluded.attempts, correct = excluded.correct, streak = excluded.streak, "
     "last_practice = excluded.last_practice, mastered_at = excluded.mastered_at, "
     "half_life_days = excluded.half_life_days, reviews = excluded.reviews, "
     "next_review = excluded.next_review, wheel_spinning = excluded.wheel_spinning"},
    {"pw_insert_response",
     "INSERT INTO pathwise_responses (learner, seq, item, outcome, time) "
     "VALUES ($1, $2, $3, $4, $5)"},
    {"pw_responses",
     "SELECT item, outcome, time FROM pathwise_responses WHERE learner = $1 ORDER BY seq"},
    {"pw_delete_learner", "DELETE FROM pathwise_learners WHERE learner = $1"},
    {"pw_delete_skills", "DELETE FROM pathwise_skill_states WHERE learner = $1"},
    {"pw_delete_responses", "DELETE FROM pathwise_responses WHERE learner = $1"},
    // for_each() reads learners in pages, in key order, so memory stays bounded.
    {"pw_learners_page",
     "SELECT learner, responses, last_response, goals, recent_items, learner_state "
     "FROM pathwise_learners WHERE learner > $1 ORDER BY learner LIMIT 500"},
    {"pw_skills_range",
     "SELECT learner, skill, p_known, attempts, correct, streak, last_practice, mastered_at, "
     "half_life_days, reviews, next_review, wheel_spinning FROM pathwise_skill_states "
     "WHERE learner >= $1 AND learner <= $2"},
};

/// The transaction met another one (serialisation failure, deadlock, a concurrent creation of
/// the same learner): roll back and run it again.
struct Retry {};
/// The connection broke (server restarted or gone): drop it, maybe retry on a new one.
struct Lost {};

struct PgResult {
  PGresult* r = nullptr;
  explicit PgResult(PGresult* p) : r(p) {}
  ~PgResult() { PQclear(r); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  int rows() const { return PQntuples(r); }
  bool null(int row, int col) const { return PQgetisnull(r, row, col) != 0; }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
  }
  std::int64_t integer(int row, int col) const {
    return std::strtoll(PQgetvalue(r, row, col), nullptr, 10);
  }
  double real(int row, int col) const { return std::strtod(PQgetvalue(r, row, col), nullptr); }
};

/// Parameters in text form; nullopt is SQL NULL.
class Params {
 public:
  Params& text(std::string v) {
    values_.emplace_back(std::move(v));
    return *this;
  }
  Params& integer(std::int64_t v) { return text(std::to_string(v)); }
  Params& real(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return text(buf);
  }
  Params& time(const std::optional<TimePoint>& t) {
    if (t) return integer(to_millis(*t));
    values_.emplace_back(std::nullopt);
    return *this;
  }
  Params& boolean(bool b) { return text(b ? "t" : "f"); }
  Params& null() {
    values_.emplace_back(std::nullopt);
    return *this;
  }
  /// The learner_state column: the state's JSON text, or NULL for a profile without one.
  Params& learner_state(const LearnerProfile& p) {
    return p.learner_state ? text(learner_state_text(p)) : null();
  }
  std::vector<const char*> pointers() const {
    std::vector<const char*> p;
    for (const auto& v : values_) p.push_back(v ? v->c_str() : nullptr);
    return p;
  }
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::optional<std::string>> values_;
};

inline Params skill_params(const std::string& learner, const std::string& skill, const SkillState& st) {
  Params p;
  p.text(learner).text(skill).real(st.p_known).integer(st.attempts).integer(st.correct);
  p.integer(st.streak).time(st.last_practice).time(st.mastered_at).real(st.half_life_days);
  p.integer(st.reviews).time(st.next_review).boolean(st.wheel_spinning);
  return p;
}

inline const StoredValues kCheck("postgresql");

inline std::optional<TimePoint> stored_time(const PgResult& r, int row, int col, const char* column) {
  if (r.null(row, col)) return std::nullopt;
  return kCheck.time(r.integer(row, col), column);
}

inline SkillState skill_from(const PgResult& r, int row, int first) {
  SkillState st;
  st.p_known = kCheck.probability(r.real(row, first + 0), "p_known");
  st.attempts = kCheck.count32(r.integer(row, first + 1), "attempts");
  st.correct = kCheck.count32(r.integer(row, first + 2), "correct");
  st.streak = kCheck.count32(r.integer(row, first + 3), "streak");
  st.last_practice = stored_time(r, row, first + 4, "last_practice");
  st.mastered_at = stored_time(r, row, first + 5, "mastered_at");
  st.half_life_days = kCheck.half_life(r.real(row, first + 6), "half_life_days");
  st.reviews = kCheck.count32(r.integer(row, first + 7), "reviews");
  st.next_review = stored_time(r, row, first + 8, "next_review");
  st.wheel_spinning = r.text(row, first + 9) == "t";
  return st;
}

/// The learner row's columns from `first` (responses, last_response, goals, recent_items), and
/// learner_state at `state_col`.
inline void learner_from(const PgResult& r, int row, int first, int state_col, LearnerProfile& p) {
  p.responses = kCheck.count64(r.integer(row, first), "responses");
  p.last_response = stored_time(r, row, first + 1, "last_response");
  p.goals = kCheck.string_list(r.text(row, first + 2), "goals");
  p.recent_items = kCheck.string_list(r.text(row, first + 3), "recent_items");
  if (!r.null(row, state_col)) kCheck.learner_state(r.text(row, state_col), "learner_state", p);
}


}  // namespace pathwise::detail::postgres
