#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <thread>

#include "detail/json_util.hpp"
#include "detail/stored_values.hpp"
#include "pathwise/log.hpp"
#include "pathwise/store.hpp"

#include "detail/sqlite_util.hpp"

namespace pathwise {

using namespace detail::sqlite;  // NOLINT: the store is these helpers' one user


struct SqliteStore::Impl {
  sqlite3* db = nullptr;
  std::string path;
  SqliteOptions options;
  std::mutex mu;  // guards db and the statements
  Stmt begin, commit, rollback, upsert_learner, update_progress, upsert_skill, insert_response,
      get_learner, get_version, next_version, get_skills, get_responses, all_learners;

  // close_v2 waits for the statements, which are finalised after this body runs.
  ~Impl() { sqlite3_close_v2(db); }

  void exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      sqlite3_free(msg);
      fail();
    }
  }
  /// exec() for the statements of opening a file. When another connection is setting up the
  /// same new file, SQLite can answer "busy" without calling the busy handler (switching to WAL,
  /// taking the first write lock); retry for up to 5 s before giving up.
  void exec_when_free(const char* sql) {
    for (int attempt = 0;; ++attempt) {
      int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      if ((rc & 0xff) != SQLITE_BUSY || attempt >= 500) fail();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  /// Throws the connection's last error: Busy when another connection held the lock past the
  /// busy timeout (retryable), Io otherwise.
  [[noreturn]] void fail() const {
    const int code = sqlite3_extended_errcode(db) & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
      throw Error(ErrorCode::Busy,
                  "the profile database stayed locked by another connection for longer than the "
                  "busy timeout (" +
                      std::to_string(options.busy_timeout_ms) + " ms); retry",
                  Location{path, 0, 0, ""});
    }
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      throw Error(ErrorCode::Corrupt, std::string("sqlite: ") + sqlite3_errmsg(db),
                  Location{path, 0, 0, ""});
    }
    throw Error(ErrorCode::Io, std::string("sqlite: ") + sqlite3_errmsg(db),
                Location{path, 0, 0, ""});
  }
  /// An integer pragma or one-value query.
  std::int64_t query_int(const char* sql) {
    Stmt q(db, sql);
    const int rc = sqlite3_step(q.get());
    if (rc == SQLITE_ROW) return sqlite3_column_int64(q.get(), 0);
    if (rc != SQLITE_DONE) fail();
    return 0;
  }
  /// Refuses a file another application owns, before anything (WAL mode) changes it: it must be
  /// empty, marked with Pathwise's application id, or an unmarked file with Pathwise's tables
  /// (written before the mark existed).
  void check_owner() {
    const std::int64_t app = query_int("PRAGMA application_id");
    const std::int64_t tables = query_int(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    const std::int64_t ours = query_int(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
        "('learners', 'skill_states', 'responses')");
    const bool owned = app == kApplicationId || (app == 0 && (tables == 0 || ours == 3));
    if (!owned) {
      throw Error(ErrorCode::Corrupt,
                  "not a Pathwise profile database: the file holds another application's data "
                  "(give Pathwise a file of its own)",
                  Location{path, 0, 0, "application_id"});
    }
  }
  /// Whether an erase committed its deletes but has not yet rebuilt the file.
  /// The erase generation a rebuild must cover, 0 if none is pending. Each erase adds one, so a
  /// rebuild started before another process's erase committed does not clear that erase's mark.
  std::int64_t purge_pending() {
    return query_int("SELECT coalesce(max(value), 0) FROM pathwise_meta WHERE key = 'purge_pending'");
  }
  /// Finishes erasing: rebuilds the file if an erase left deleted rows in it, then empties the
  /// WAL. Throws Error (Busy) if other connections' reads keep old pages past the busy timeout.
  void purge() {
    if (const std::int64_t generation = purge_pending()) {
      // B-tree interior pages can keep copies of deleted keys as dividers; VACUUM rebuilds every
      // page, and the truncating checkpoint below empties the WAL that held the old pages.
      exec("VACUUM");
      exec(("DELETE FROM pathwise_meta WHERE key = 'purge_pending' AND value = " +
            std::to_string(generation))
               .c_str());
    }
    // The pragma reports "busy" in its first column, not as an error: other connections' open
    // reads keep old pages in the WAL, and the id with them. Reads are short; wait for a moment
    // free of them up to the busy timeout.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
    for (;;) {
      Stmt checkpoint(db, "PRAGMA wal_checkpoint(TRUNCATE)");
      int rc = sqlite3_step(checkpoint.get());
      if (rc == SQLITE_ROW && sqlite3_column_int(checkpoint.get(), 0) == 0) return;
      if (rc != SQLITE_ROW && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) fail();
      if (std::chrono::steady_clock::now() >= deadline) {
        throw Error(ErrorCode::Busy,
                    "the learner's rows are deleted, but other connections to the database keep "
                    "old pages in its write-ahead log; erase again to finish removing them",
                    Location{path, 0, 0, ""});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  void step_done(const Stmt& s) {
    ResetGuard reset(s.get());
    if (sqlite3_step(s.get()) != SQLITE_DONE) fail();
  }
  void write_learner(const LearnerProfile& p, std::uint64_t version) {
    sqlite3_stmt* s = upsert_learner.get();
    bind_text(s, 1, p.learner);
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(p.responses));
    bind_time(s, 3, p.last_response);
    bind_text(s, 4, detail::dump(nlohmann::json(p.goals)));
    bind_text(s, 5, detail::dump(nlohmann::json(p.recent_items)));
    sqlite3_bind_int64(s, 6, static_cast<sqlite3_int64>(version));
    bind_learner_state(s, 7, p);
    step_done(upsert_learner);
  }
  // The learner row after a response to a stored learner: counters, recent items, version.
  void write_progress(const LearnerProfile& p, std::uint64_t version) {
    sqlite3_stmt* s = update_progress.get();
    bind_text(s, 1, p.learner);
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(p.responses));
    bind_time(s, 3, p.last_response);
    bind_text(s, 4, detail::dump(nlohmann::json(p.recent_items)));
    sqlite3_bind_int64(s, 5, static_cast<sqlite3_int64>(version));
    bind_learner_state(s, 6, p);
    step_done(update_progress);
  }
  /// The learner_state column: the state's JSON text, or NULL for a profile without one.
  static void bind_learner_state(sqlite3_stmt* s, int i, const LearnerProfile& p) {
    if (p.learner_state) {
      bind_text(s, i, detail::learner_state_text(p));
    } else {
      sqlite3_bind_null(s, i);
    }
  }
  /// One row of the responses table: the learner's `seq`-th response.
  void write_response(const std::string& learner, std::int64_t seq, const ResponseRecord& r) {
    sqlite3_stmt* s = insert_response.get();
    bind_text(s, 1, learner);
    sqlite3_bind_int64(s, 2, seq);
    bind_text(s, 3, r.item);
    sqlite3_bind_int(s, 4, static_cast<int>(r.outcome));
    sqlite3_bind_int64(s, 5, to_millis(r.time));
    step_done(insert_response);
  }
  /// The stored version of a learner, 0 if none.
  std::uint64_t read_version(const std::string& learner) {
    sqlite3_stmt* s = get_version.get();
    ResetGuard reset(s);
    bind_text(s, 1, learner);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) fail();
    return static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
  }
  /// The version a write gives a learner now at `stored` (0: none). A version is an epoch (high
  /// 32 bits) and a count of writes within it: a learner is created in a new epoch drawn from
  /// the file's counter, and each later write adds one. So versions are never reused, even by
  /// a learner erased and created again, while a record writes no shared counter row.
  std::uint64_t next_version_of(std::uint64_t stored) {
    if (stored != 0 && (stored & 0xffffffffULL) != 0xffffffffULL) return stored + 1;
    return (take_version() << 32) | 1;
  }
  /// Takes the next value of the file's epoch counter (inside a write transaction).
  std::uint64_t take_version() {
    sqlite3_stmt* s = next_version.get();
    ResetGuard reset(s);
    if (sqlite3_step(s) != SQLITE_ROW) fail();
    const auto v = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    if (sqlite3_step(s) != SQLITE_DONE) fail();
    return v;
  }
  void write_skill(const std::string& learner, const std::string& skill, const SkillState& st) {
    sqlite3_stmt* s = upsert_skill.get();
    bind_text(s, 1, learner);
    bind_text(s, 2, skill);
    sqlite3_bind_double(s, 3, st.p_known);
    sqlite3_bind_int64(s, 4, st.attempts);
    sqlite3_bind_int64(s, 5, st.correct);
    sqlite3_bind_int64(s, 6, st.streak);
    bind_time(s, 7, st.last_practice);
    bind_time(s, 8, st.mastered_at);
    sqlite3_bind_double(s, 9, st.half_life_days);
    sqlite3_bind_int64(s, 10, st.reviews);
    bind_time(s, 11, st.next_review);
    sqlite3_bind_int(s, 12, st.wheel_spinning ? 1 : 0);
    step_done(upsert_skill);
  }
  template <typename F>
  void transaction(F&& body) {
    step_done(begin);
    try {
      body();
      step_done(commit);
    } catch (...) {
      sqlite3_step(rollback.get());
      sqlite3_reset(rollback.get());
      throw;
    }
  }
  std::optional<StoredProfile> read(const std::string& learner) {
    const detail::StoredValues check(path);
    StoredProfile out;
    LearnerProfile& p = out.profile;
    {
      sqlite3_stmt* s = get_learner.get();
      ResetGuard reset(s);
      bind_text(s, 1, learner);
      int rc = sqlite3_step(s);
      if (rc == SQLITE_DONE) return std::nullopt;
      if (rc != SQLITE_ROW) fail();
      p.learner = learner;
      p.responses = check.count64(column_integer(check, s, 0, "responses"), "responses");
      p.last_response = column_time(check, s, 1, "last_response");
      p.goals = check.string_list(column_text(s, 2), "goals");
      p.recent_items = check.string_list(column_text(s, 3), "recent_items");
      out.version = check.count64(column_integer(check, s, 4, "version"), "version");
      if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
        if (sqlite3_column_type(s, 5) != SQLITE_TEXT) check.fail("learner_state");
        check.learner_state(column_text(s, 5), "learner_state", p);
      }
    }
    sqlite3_stmt* k = get_skills.get();
    ResetGuard reset(k);
    bind_text(k, 1, learner);
    int rc;
    while ((rc = sqlite3_step(k)) == SQLITE_ROW) {
      SkillState st;
      st.p_known = check.probability(column_real(check, k, 1, "p_known"), "p_known");
      st.attempts = check.count32(column_integer(check, k, 2, "attempts"), "attempts");
      st.correct = check.count32(column_integer(check, k, 3, "correct"), "correct");
      st.streak = check.count32(column_integer(check, k, 4, "streak"), "streak");
      st.last_practice = column_time(check, k, 5, "last_practice");
      st.mastered_at = column_time(check, k, 6, "mastered_at");
      st.half_life_days =
          check.half_life(column_real(check, k, 7, "half_life_days"), "half_life_days");
      st.reviews = check.count32(column_integer(check, k, 8, "reviews"), "reviews");
      st.next_review = column_time(check, k, 9, "next_review");
      st.wheel_spinning = column_integer(check, k, 10, "wheel_spinning") != 0;
      p.skills.emplace(check.text(column_text(k, 0), "skill"), st);
    }
    if (rc != SQLITE_DONE) fail();
    return out;
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& path,
                                               const SqliteOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = impl->db ? sqlite3_errmsg(impl->db) : "out of memory";
    throw Error(ErrorCode::Io, "cannot open the profile database: " + msg,
                Location{path, 0, 0, ""});
  }
  if (options.busy_timeout_ms < 0) {
    throw Error(ErrorCode::InvalidArgument, "busy_timeout_ms must be 0 or more",
                Location{"", 0, 0, "busy_timeout_ms"});
  }
  sqlite3_busy_timeout(impl->db, options.busy_timeout_ms);
  impl->check_owner();
  impl->exec_when_free("PRAGMA journal_mode=WAL");
  impl->exec(options.sync_to_disk ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  // Deleted content is overwritten with zeros, so an erased learner leaves no bytes behind.
  impl->exec("PRAGMA secure_delete=ON");
  // Checkpoint the WAL every ~16 MB rather than every 4 MB: fewer pauses under steady writes.
  impl->exec("PRAGMA wal_autocheckpoint=4000");
  // Schema: migrate from whatever version the file has, refuse a newer one.
  int version = 0;
  {
    Stmt v(impl->db, "PRAGMA user_version");
    if (sqlite3_step(v.get()) == SQLITE_ROW) version = sqlite3_column_int(v.get(), 0);
  }
  if (version > kSchemaVersion) {
    throw Error(ErrorCode::Version,
                "profile database schema " + std::to_string(version) +
                    " is newer than this Pathwise reads (" + std::to_string(kSchemaVersion) +
                    "); upgrade Pathwise",
                Location{path, 0, 0, "user_version"});
  }
  if (version < kSchemaVersion) {
    // Migrate inside one write transaction, reading the version again once it is held: another
    // process may have migrated the file in the meantime.
    impl->exec_when_free("BEGIN IMMEDIATE");
    try {
      Stmt v(impl->db, "PRAGMA user_version");
      if (sqlite3_step(v.get()) == SQLITE_ROW) version = sqlite3_column_int(v.get(), 0);
      for (int k = version; k < kSchemaVersion; ++k) {
        impl->exec(kMigrations[k]);
        impl->exec(("PRAGMA user_version=" + std::to_string(k + 1)).c_str());
      }
      impl->exec(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str());
      impl->exec("COMMIT");
    } catch (...) {
      sqlite3_exec(impl->db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  if (impl->query_int("PRAGMA application_id") != kApplicationId) {
    // A file from before the mark: its tables were checked above.
    impl->exec_when_free(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str());
  }
  sqlite3* db = impl->db;
  impl->begin = Stmt(db, "BEGIN IMMEDIATE");
  impl->commit = Stmt(db, "COMMIT");
  impl->rollback = Stmt(db, "ROLLBACK");
  impl->upsert_learner =
      Stmt(db,
           "INSERT INTO learners (learner, responses, last_response, goals, recent_items, version, "
           "learner_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (learner) DO UPDATE SET "
           "responses = excluded.responses, last_response = excluded.last_response, "
           "goals = excluded.goals, recent_items = excluded.recent_items, "
           "version = excluded.version, learner_state = excluded.learner_state");
  // What a response changes in the learner row (goals do not change).
  impl->update_progress = Stmt(db,
                               "UPDATE learners SET responses = ?2, last_response = ?3, "
                               "recent_items = ?4, version = ?5, learner_state = ?6 "
                               "WHERE learner = ?1");
  impl->upsert_skill =
      Stmt(db,
           "INSERT INTO skill_states (learner, skill, p_known, attempts, correct, streak, "
           "last_practice, mastered_at, half_life_days, reviews, next_review, wheel_spinning) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
           "ON CONFLICT (learner, skill) DO UPDATE SET p_known = excluded.p_known, "
           "attempts = excluded.attempts, correct = excluded.correct, streak = excluded.streak, "
           "last_practice = excluded.last_practice, mastered_at = excluded.mastered_at, "
           "half_life_days = excluded.half_life_days, reviews = excluded.reviews, "
           "next_review = excluded.next_review, wheel_spinning = excluded.wheel_spinning");
  impl->insert_response = Stmt(
      db, "INSERT INTO responses (learner, seq, item, outcome, time) VALUES (?1, ?2, ?3, ?4, ?5)");
  impl->get_learner =
      Stmt(db,
           "SELECT responses, last_response, goals, recent_items, version, learner_state "
           "FROM learners WHERE learner = ?1");
  impl->get_version = Stmt(db, "SELECT version FROM learners WHERE learner = ?1");
  impl->next_version = Stmt(db,
                            "UPDATE pathwise_meta SET value = value + 1 WHERE key = 'version' "
                            "RETURNING value");
  impl->get_skills = Stmt(
      db,
      "SELECT skill, p_known, attempts, correct, streak, last_practice, mastered_at, "
      "half_life_days, reviews, next_review, wheel_spinning FROM skill_states WHERE learner = ?1");
  impl->get_responses =
      Stmt(db, "SELECT item, outcome, time FROM responses WHERE learner = ?1 ORDER BY seq");
  impl->all_learners = Stmt(db, "SELECT learner FROM learners");
  if (impl->purge_pending()) {
    // An erase stopped before rebuilding the file: finish it now, or at the next erase.
    try {
      impl->purge();
    } catch (const Error& e) {
      // Busy, or no room for the rebuild: the file stays usable, the next erase tries again.
      logger()->warn("profile store {}: an unfinished erase could not be completed yet: {}",
                     path, e.message());
    }
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

std::optional<StoredProfile> SqliteStore::load(const std::string& learner) {
  std::scoped_lock lock(impl_->mu);
  return impl_->read(learner);
}

std::uint64_t SqliteStore::version(const std::string& learner) {
  std::scoped_lock lock(impl_->mu);
  return impl_->read_version(learner);
}

void SqliteStore::update(const std::string& learner, CachedProfile& cache, const UpdateFn& fn) {
  std::scoped_lock lock(impl_->mu);
  // BEGIN IMMEDIATE takes the file's write lock first: every process's update of this learner
  // reads, changes and writes it in turn, and the read below sees the newest commit.
  impl_->transaction([&] {
    const std::uint64_t stored = impl_->read_version(learner);
    const bool reloaded = refresh(cache, stored, [&] { return impl_->read(learner); });
    const ProfileWrite w = fn(cache.profile, reloaded);
    if (w.kind == ProfileWrite::Kind::Nothing) return;
    if (!cache.profile) throw Error(ErrorCode::Internal, "a store write without a profile");
    const LearnerProfile& p = *cache.profile;
    const std::uint64_t v = impl_->next_version_of(stored);
    if (w.kind == ProfileWrite::Kind::Response && w.changed) {
      // A response writes the learner row and the item's skills only; a skill never written is
      // at its prior, which is how a profile is read back (a new learner writes 1 skill row,
      // not one per curriculum skill).
      if (stored != 0) {
        impl_->write_progress(p, v);
      } else {
        impl_->write_learner(p, v);
      }
      for (const auto& skill : *w.changed) {
        auto it = p.skills.find(skill);
        if (it != p.skills.end()) impl_->write_skill(learner, skill, it->second);
      }
    } else {
      impl_->write_learner(p, v);
      for (const auto& [skill, st] : p.skills) impl_->write_skill(learner, skill, st);
    }
    if (w.kind == ProfileWrite::Kind::Response && impl_->options.keep_responses) {
      impl_->write_response(learner, static_cast<std::int64_t>(p.responses), w.response);
    }
    cache.version = v;
  });
}

void SqliteStore::import(const LearnerProfile& profile,
                         const std::vector<ResponseRecord>& responses) {
  std::scoped_lock lock(impl_->mu);
  impl_->transaction([&] {
    for (const char* sql : {"DELETE FROM responses WHERE learner = ?1",
                            "DELETE FROM skill_states WHERE learner = ?1"}) {
      Stmt s(impl_->db, sql);
      bind_text(s.get(), 1, profile.learner);
      impl_->step_done(s);
    }
    impl_->write_learner(profile, impl_->next_version_of(0));
    for (const auto& [skill, st] : profile.skills) impl_->write_skill(profile.learner, skill, st);
    if (!impl_->options.keep_responses) return;
    std::int64_t seq = 0;
    for (const auto& r : responses) {
      impl_->write_response(profile.learner, ++seq, r);
    }
  });
}

bool SqliteStore::erase(const std::string& learner) {
  std::scoped_lock lock(impl_->mu);
  // Deletes whatever rows there are, without reading them: a damaged row is erased too. The
  // marker, committed with the deletes, makes the rebuild that follows resumable: if this
  // process dies first, the next erase() or open() finishes it.
  bool existed = false;
  impl_->transaction([&] {
    for (const char* sql : {"DELETE FROM responses WHERE learner = ?1",
                            "DELETE FROM skill_states WHERE learner = ?1",
                            "DELETE FROM learners WHERE learner = ?1"}) {
      Stmt s(impl_->db, sql);
      bind_text(s.get(), 1, learner);
      impl_->step_done(s);
      existed = existed || sqlite3_changes(impl_->db) > 0;
    }
    if (existed) {
      impl_->exec(
          "INSERT INTO pathwise_meta (key, value) VALUES ('purge_pending', 1) "
          "ON CONFLICT (key) DO UPDATE SET value = value + 1");
    }
  });
  impl_->purge();
  return existed;
}

std::size_t SqliteStore::for_each(const std::function<void(const LearnerProfile&)>& fn) {
  std::vector<std::string> learners;
  {
    std::scoped_lock lock(impl_->mu);
    sqlite3_stmt* s = impl_->all_learners.get();
    ResetGuard reset(s);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) learners.push_back(column_text(s, 0));
    if (rc != SQLITE_DONE) impl_->fail();
  }
  std::size_t damaged = 0;
  for (const auto& l : learners) {
    std::optional<StoredProfile> p;
    try {
      std::scoped_lock lock(impl_->mu);
      p = impl_->read(l);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Corrupt) throw;
      ++damaged;
      continue;
    }
    if (p) fn(p->profile);
  }
  if (damaged > 0) {
    logger()->warn("profile store {}: {} learners skipped, their stored rows are damaged",
                   impl_->path, damaged);
  }
  return damaged;
}

std::vector<ResponseRecord> SqliteStore::responses(const std::string& learner) {
  std::scoped_lock lock(impl_->mu);
  const detail::StoredValues check(impl_->path);
  std::vector<ResponseRecord> out;
  sqlite3_stmt* s = impl_->get_responses.get();
  ResetGuard reset(s);
  bind_text(s, 1, learner);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    ResponseRecord r;
    r.item = check.text(column_text(s, 0), "item");
    r.outcome = check.outcome(column_integer(check, s, 1, "outcome"), "outcome");
    r.time = check.time(column_integer(check, s, 2, "time"), "time");
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) impl_->fail();
  return out;
}

}  // namespace pathwise
