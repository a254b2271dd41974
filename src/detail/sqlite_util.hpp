// SQLite helpers of SqliteStore: statements, bindings, checked columns, the schema migrations.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>

#include "detail/stored_values.hpp"
#include "pathwise/store.hpp"

namespace pathwise::detail::sqlite {


/// A prepared statement, finalised on destruction.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) {
      const int code = sqlite3_errcode(db) & 0xff;
      Location where{sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") : "", 0, 0,
                     ""};
      if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
        throw Error(ErrorCode::Busy,
                    "the profile database stayed locked by another connection; retry", where);
      }
      if (code == SQLITE_ERROR || code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
        // Pathwise's statements are fixed: one that does not prepare meets a schema that is
        // not the one Pathwise wrote (a table or column altered or missing).
        throw Error(ErrorCode::Corrupt,
                    std::string("the profile database's schema is not the one Pathwise writes: ") +
                        sqlite3_errmsg(db),
                    where);
      }
      throw Error(ErrorCode::Io, std::string("sqlite: ") + sqlite3_errmsg(db), where);
    }
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

/// Resets a statement on every way out of a scope, so an error never leaves it mid-query.
class ResetGuard {
 public:
  explicit ResetGuard(sqlite3_stmt* s) : s_(s) {}
  ~ResetGuard() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

 private:
  sqlite3_stmt* s_;
};

inline void check_bind(int rc, sqlite3_stmt* s) {
  if (rc != SQLITE_OK) {
    throw Error(ErrorCode::Io, std::string("sqlite bind: ") + sqlite3_errmsg(sqlite3_db_handle(s)));
  }
}
inline void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  check_bind(sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), s);
}
inline void bind_time(sqlite3_stmt* s, int i, const std::optional<TimePoint>& t) {
  if (t) {
    sqlite3_bind_int64(s, i, to_millis(*t));
  } else {
    sqlite3_bind_null(s, i);
  }
}
inline std::optional<TimePoint> column_time(const StoredValues& check, sqlite3_stmt* s, int i,
                                     const char* column) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  if (sqlite3_column_type(s, i) != SQLITE_INTEGER) check.fail(column);
  return check.time(sqlite3_column_int64(s, i), column);
}
inline std::int64_t column_integer(const StoredValues& check, sqlite3_stmt* s, int i,
                            const char* column) {
  if (sqlite3_column_type(s, i) != SQLITE_INTEGER) check.fail(column);
  return sqlite3_column_int64(s, i);
}
inline double column_real(const StoredValues& check, sqlite3_stmt* s, int i, const char* column) {
  const int type = sqlite3_column_type(s, i);
  if (type != SQLITE_FLOAT && type != SQLITE_INTEGER) check.fail(column);
  return sqlite3_column_double(s, i);
}
inline std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

// Schema migrations: entry k brings a database from user_version k to k + 1.
inline constexpr const char* kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE learners ("
    "  learner TEXT PRIMARY KEY, responses INTEGER NOT NULL, last_response INTEGER,"
    "  goals TEXT NOT NULL, recent_items TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE skill_states ("
    "  learner TEXT NOT NULL, skill TEXT NOT NULL, p_known REAL NOT NULL,"
    "  attempts INTEGER NOT NULL, correct INTEGER NOT NULL, streak INTEGER NOT NULL,"
    "  last_practice INTEGER, mastered_at INTEGER, half_life_days REAL NOT NULL,"
    "  reviews INTEGER NOT NULL, next_review INTEGER, wheel_spinning INTEGER NOT NULL,"
    "  PRIMARY KEY (learner, skill)) WITHOUT ROWID;"
    "CREATE TABLE responses ("
    "  learner TEXT NOT NULL, seq INTEGER NOT NULL, item TEXT NOT NULL,"
    "  outcome INTEGER NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (learner, seq)) WITHOUT ROWID;",
    // 1 -> 2: a version per learner row, drawn from one counter for the whole file, so that any
    // process can tell whether its cached copy is current (and an erased learner written again
    // never reuses a version).
    "ALTER TABLE learners ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
    "CREATE TABLE pathwise_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO pathwise_meta (key, value) VALUES ('version', 1);",
    // 2 -> 3: the learner layer's state (LearnerProfile::learner_state) as JSON text, NULL for a
    // learner without one. Adding a nullable column rewrites no row.
    "ALTER TABLE learners ADD COLUMN learner_state TEXT;",
};
inline constexpr int kMigrationCount = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);
static_assert(kMigrationCount == SqliteStore::kSchemaVersion, "one migration per schema version");


}  // namespace pathwise::detail::sqlite
