// Pathwise — where learner profiles live: the ProfileStore interface and the built-in stores.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pathwise/export.hpp"
#include "pathwise/profile.hpp"

namespace pathwise {

namespace detail {
struct WriteHints;
}

/// One recorded response, as the engine hands it to a store. Value type; thread-compatible.
struct PATHWISE_EXPORT ResponseRecord {
  /// Item id.
  std::string item;
  /// Correct or incorrect.
  Outcome outcome = Outcome::Incorrect;
  /// When it was answered (stores keep milliseconds).
  TimePoint time;
  bool operator==(const ResponseRecord& o) const {
    return item == o.item && outcome == o.outcome && time == o.time;
  }
};

/// A profile as a store holds it, with the store's version of it. Value type.
struct PATHWISE_EXPORT StoredProfile {
  LearnerProfile profile;
  /// Changes with every write of the learner. Versions are unique across a store's whole history:
  /// a learner erased and created again never gets a version an earlier profile had. Never 0.
  std::uint64_t version = 0;
};

/// A process's copy of one learner's profile, checked against the store before it is used.
/// `version` 0 with no profile means "the store held nothing". Value type.
struct PATHWISE_EXPORT CachedProfile {
  std::optional<LearnerProfile> profile;
  std::uint64_t version = 0;
};

/// What one write transaction stores, decided by the caller with the current state in hand.
struct PATHWISE_EXPORT ProfileWrite {
  enum class Kind {
    Nothing,   ///< no change: the transaction ends without a write
    Response,  ///< one response: the learner's counters, the `changed` skills and the response
    Whole,     ///< the whole profile (created, goals changed)
  };
  Kind kind = Kind::Nothing;
  /// Kind::Response: the response, as stored (its time already clamped by the engine).
  ResponseRecord response;
  /// Kind::Response: the skills the response updated (not owned; may be null for "all").
  const std::vector<std::string>* changed = nullptr;
  /// Internal: what the engine knows of the `changed` skills, for the built-in stores; other
  /// stores ignore it, and other callers leave it null.
  const detail::WriteHints* hints = nullptr;
};

/// Storage of learner profiles, shared by every process and server that opens the same database.
/// Pluggable like leveldb's Env: implement it to keep profiles in another database.
///
/// The contract every store keeps, across threads, processes and machines:
/// - update() is one transaction that serialises with every other update() of the learner,
///   in any process: it reads the learner's current state, lets the caller change it, writes it
///   and commits. Nothing acknowledged is lost or applied twice; a conflict is retried inside
///   the store, never reported.
/// - version() and load() see every transaction committed before they were called.
/// - erase() removes everything; afterwards version() is 0 and load() nullopt until the learner
///   is written again, with a new version.
/// - A store that stays locked past its timeout, or a server that cannot be reached, throws
///   Error (Busy): retryable. Stored values that are damaged (out of their domain, not what
///   Pathwise writes) throw Error (Corrupt) naming the column; erase() still removes them.
///   Messages never name a learner.
/// Implementations must be thread-safe.
class PATHWISE_EXPORT ProfileStore {
 public:
  /// The function update() calls with the learner's current profile (nullopt: none stored).
  /// `reloaded` is true when the store replaced the caller's copy with what it holds. It changes
  /// the profile in place and says what to write; if it throws, nothing is written.
  using UpdateFn =
      std::function<ProfileWrite(std::optional<LearnerProfile>& profile, bool reloaded)>;

  ProfileStore() = default;
  ProfileStore(const ProfileStore&) = delete;
  ProfileStore& operator=(const ProfileStore&) = delete;
  virtual ~ProfileStore() = default;

  /// The stored profile of `learner` with its version, or nullopt.
  [[nodiscard]] virtual std::optional<StoredProfile> load(const std::string& learner) = 0;
  /// The stored version of the learner's profile, 0 if none is stored. Cheaper than load().
  [[nodiscard]] virtual std::uint64_t version(const std::string& learner) = 0;
  /// One write transaction for `learner`. Inside the store's lock on the learner: if
  /// `cache.version` is not the stored version, `cache` is replaced by the stored state; then
  /// `fn(cache.profile, reloaded)` runs; what it asks for is written under a new version, which
  /// goes into `cache.version`, and committed before this returns (durability: see each store).
  /// If `fn` or the write throws, the transaction is rolled back and `cache` must be discarded.
  virtual void update(const std::string& learner, CachedProfile& cache, const UpdateFn& fn) = 0;
  /// Removes everything held on `learner`; false if there was nothing.
  virtual bool erase(const std::string& learner) = 0;
  /// Calls `fn` with every stored profile (order unspecified). A learner whose stored rows are
  /// damaged is skipped (and logged, without the id); returns how many were.
  virtual std::size_t for_each(const std::function<void(const LearnerProfile&)>& fn) = 0;
  /// The responses stored for `learner`, oldest first (empty if the store keeps none).
  [[nodiscard]] virtual std::vector<ResponseRecord> responses(const std::string& learner);

  /// Stores a learner whole with their responses (oldest first), replacing whatever is held on
  /// them, in one transaction: for store-to-store copies (`pathwise migrate-store`).
  virtual void import(const LearnerProfile& profile,
                      const std::vector<ResponseRecord>& responses) = 0;

  /// Convenience for tools and tests: stores `profile` whole, replacing what is held.
  void save(const LearnerProfile& profile);

 protected:
  /// For implementations of update(): if `cache` is not the stored state at version `stored`
  /// (0: nothing stored), replaces it with that state, read by `read()` (returning
  /// std::optional<StoredProfile>; called only when `stored` is not 0). Returns whether it did:
  /// the `reloaded` that update() passes to its function.
  template <typename Read>
  static bool refresh(CachedProfile& cache, std::uint64_t stored, Read&& read) {
    if (stored == cache.version && (stored != 0 || !cache.profile)) return false;
    cache.version = stored;
    cache.profile.reset();
    if (stored != 0) {
      if (std::optional<StoredProfile> p = read()) cache.profile = std::move(p->profile);
    }
    return true;
  }
};

/// Profiles in memory, lost when the process ends; shared by the threads of one process only.
/// Thread-safe.
class PATHWISE_EXPORT InMemoryStore final : public ProfileStore {
 public:
  /// Keep every response (for export), as SqliteOptions::keep_responses. Default: false, so
  /// that memory stays bounded by the learners in long simulations.
  explicit InMemoryStore(bool keep_responses = false) : keep_responses_(keep_responses) {}
  [[nodiscard]] std::optional<StoredProfile> load(const std::string& learner) override;
  [[nodiscard]] std::uint64_t version(const std::string& learner) override;
  void update(const std::string& learner, CachedProfile& cache, const UpdateFn& fn) override;
  bool erase(const std::string& learner) override;
  std::size_t for_each(const std::function<void(const LearnerProfile&)>& fn) override;
  [[nodiscard]] std::vector<ResponseRecord> responses(const std::string& learner) override;
  void import(const LearnerProfile& profile, const std::vector<ResponseRecord>& responses) override;

 private:
  struct Entry {
    StoredProfile stored;
    std::vector<ResponseRecord> responses;
    // The stored profile's skill and learner-state nodes by the engine's skill numbers
    // (detail::WriteHints), filled as responses arrive, emptied when the profile is replaced.
    const void* numbering = nullptr;
    std::vector<void*> skill_nodes;
    std::vector<void*> learner_nodes;
  };
  static void copy_response(Entry& e, const LearnerProfile& p,
                            const std::vector<std::string>& changed,
                            const detail::WriteHints* hints);
  bool keep_responses_;
  std::mutex mu_;  // guards profiles_ and next_version_
  std::unordered_map<std::string, Entry> profiles_;
  std::uint64_t next_version_ = 1;
};

/// Options of SqliteStore::open().
struct PATHWISE_EXPORT SqliteOptions {
  /// Keep every response in a `responses` table (for export and refitting). Default: true.
  bool keep_responses = true;
  /// Durability of a returned record(): false = survives a crash of the process (WAL,
  /// synchronous=NORMAL); true = also survives power loss (synchronous=FULL, slower).
  /// Default: false.
  bool sync_to_disk = false;
  /// How long a call waits for another connection's write lock before it throws Error (Busy).
  /// Default: 5000 ms.
  int busy_timeout_ms = 5000;
};

/// Profiles in an embedded SQLite database file (WAL mode, schema versioned with migrations),
/// shared by any number of processes on one machine (not over a network file system). Every
/// update() is one `BEGIN IMMEDIATE` transaction, committed before it returns. Erased learners
/// are overwritten on disk (secure_delete), the file is rebuilt (VACUUM) and the WAL truncated,
/// so no trace remains; while that runs other writes wait, and erase() throws Error (Busy) if
/// other connections' reads keep old pages in the WAL past the busy timeout (the rows are gone
/// by then; erasing again finishes the scrub). Thread-safe (one connection, serialised).
class PATHWISE_EXPORT SqliteStore final : public ProfileStore {
 public:
  /// Schema version this build writes; older databases are migrated on open.
  static constexpr int kSchemaVersion = 3;
  /// The SQLite application id Pathwise marks its files with ("Path"); open() refuses a file
  /// marked otherwise, or one holding another application's tables.
  static constexpr std::int32_t kApplicationId = 0x50617468;

  /// Opens or creates the database file. Throws Error (Io) if it cannot be opened, Error
  /// (Version) if it was written by a newer schema.
  [[nodiscard]] static std::unique_ptr<SqliteStore> open(const std::string& path,
                                                         const SqliteOptions& options = {});
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  [[nodiscard]] std::optional<StoredProfile> load(const std::string& learner) override;
  [[nodiscard]] std::uint64_t version(const std::string& learner) override;
  void update(const std::string& learner, CachedProfile& cache, const UpdateFn& fn) override;
  bool erase(const std::string& learner) override;
  std::size_t for_each(const std::function<void(const LearnerProfile&)>& fn) override;
  [[nodiscard]] std::vector<ResponseRecord> responses(const std::string& learner) override;
  void import(const LearnerProfile& profile, const std::vector<ResponseRecord>& responses) override;

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Options of PostgresStore::open().
struct PATHWISE_EXPORT PostgresOptions {
  /// Keep every response in a `responses` table (for export and refitting). Default: true.
  bool keep_responses = true;
  /// Connections one store (one engine) opens at most, on demand. Default: 2.
  int pool_size = 2;
  /// How long a call waits for a connection, a lock or the server before it throws Error
  /// (Busy); also the connect timeout (rounded up to seconds). Default: 5000 ms.
  int busy_timeout_ms = 5000;
  /// The session's synchronous_commit ("on", "remote_apply", "remote_write", "local" or "off");
  /// empty: the server's setting (by default "on": a returned update survives a crash of the
  /// server machine). Default: empty.
  std::string synchronous_commit;
};

/// Profiles in a PostgreSQL database (libpq), shared by any number of processes and servers.
/// Opened from a connection string (`postgresql://user@host/db` or `host=... dbname=...`); the
/// schema is created or migrated on open (under an advisory lock, so many processes may start
/// at once). Every update() is one transaction that locks the learner's row (SELECT ... FOR
/// UPDATE; two creators of one new learner meet on its primary key and the loser is retried),
/// with prepared statements on a small pool of connections. A connection lost (server
/// restarted) is reopened and the call retried until the busy timeout; calls while the server
/// is down throw Error (Busy). A COMMIT cut off by a lost connection is resolved by asking the
/// server for the transaction's status; if it cannot be asked in time, Error (Io) says the
/// outcome is unknown (never Busy, so a retry cannot apply a write twice).
/// Erased rows are deleted; PostgreSQL keeps dead row versions until VACUUM (see docs/engine.md).
/// Thread-safe.
class PATHWISE_EXPORT PostgresStore final : public ProfileStore {
 public:
  /// Schema version this build writes; older databases are migrated on open.
  static constexpr int kSchemaVersion = 2;

  /// Connects and creates or migrates the schema. Throws Error (Busy) if the server cannot be
  /// reached, Error (Io) for a refused login or a failed migration, Error (Version) for a newer
  /// schema, Error (InvalidArgument) for bad options or a build without PostgreSQL support.
  [[nodiscard]] static std::unique_ptr<PostgresStore> open(const std::string& conninfo,
                                                           const PostgresOptions& options = {});
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  [[nodiscard]] std::optional<StoredProfile> load(const std::string& learner) override;
  [[nodiscard]] std::uint64_t version(const std::string& learner) override;
  void update(const std::string& learner, CachedProfile& cache, const UpdateFn& fn) override;
  bool erase(const std::string& learner) override;
  std::size_t for_each(const std::function<void(const LearnerProfile&)>& fn) override;
  [[nodiscard]] std::vector<ResponseRecord> responses(const std::string& learner) override;
  void import(const LearnerProfile& profile, const std::vector<ResponseRecord>& responses) override;

 private:
  struct Impl;
  explicit PostgresStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Options of open_store(); each store takes the ones that apply to it.
struct PATHWISE_EXPORT StoreOptions {
  /// Both stores: keep every response. Default: true.
  bool keep_responses = true;
  /// Both stores: how long to wait for a lock or the server before Error (Busy). Default: 5000.
  int busy_timeout_ms = 5000;
  /// SQLite: SqliteOptions::sync_to_disk. Default: false.
  bool sync_to_disk = false;
  /// PostgreSQL: PostgresOptions::pool_size. Default: 2.
  int pool_size = 2;
  /// PostgreSQL: PostgresOptions::synchronous_commit. Default: the server's.
  std::string synchronous_commit;
};

/// Opens the store a URL names: `sqlite:PATH` (or a plain file path) for SqliteStore;
/// `postgresql://...`, `postgres://...` or a libpq key=value string (`host=... dbname=...`) for
/// PostgresStore; `memory:` for an InMemoryStore. Throws Error (InvalidArgument) for an unknown
/// scheme, otherwise as the store's open().
[[nodiscard]] PATHWISE_EXPORT std::unique_ptr<ProfileStore> open_store(
    const std::string& url, const StoreOptions& options = {});

}  // namespace pathwise
