// Pathwise — where learner profiles live: the ProfileStore interface and the built-in stores.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pathwise/profile.hpp"

namespace pathwise {

/// One recorded response, as the engine hands it to a store. Value type; thread-compatible.
struct ResponseRecord {
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

/// Storage of learner profiles. Pluggable like leveldb's Env: implement it to keep profiles in
/// another database. Implementations must be thread-safe; the engine never calls them for the
/// same learner from two threads at once.
class ProfileStore {
 public:
  ProfileStore() = default;
  ProfileStore(const ProfileStore&) = delete;
  ProfileStore& operator=(const ProfileStore&) = delete;
  virtual ~ProfileStore() = default;
  /// The stored profile of `learner`, or nullopt.
  [[nodiscard]] virtual std::optional<LearnerProfile> load(const std::string& learner) = 0;
  /// Stores the whole profile (created, goals changed).
  virtual void save(const LearnerProfile& profile) = 0;
  /// Stores one response and the profile after it; `changed` lists the skills it updated. When
  /// this returns, the response must survive a crash of the process (see each store's notes).
  /// The default calls save(after).
  virtual void record(const LearnerProfile& after, const ResponseRecord& response,
                      const std::vector<std::string>& changed);
  /// Removes everything held on `learner`; false if there was nothing.
  virtual bool erase(const std::string& learner) = 0;
  /// Calls `fn` with every stored profile (order unspecified).
  virtual void for_each(const std::function<void(const LearnerProfile&)>& fn) = 0;
  /// The responses stored for `learner`, oldest first (empty if the store keeps none).
  [[nodiscard]] virtual std::vector<ResponseRecord> responses(const std::string& learner);
};

/// Profiles in memory, lost when the process ends. Thread-safe.
class InMemoryStore final : public ProfileStore {
 public:
  [[nodiscard]] std::optional<LearnerProfile> load(const std::string& learner) override;
  void save(const LearnerProfile& profile) override;
  void record(const LearnerProfile& after, const ResponseRecord& response,
              const std::vector<std::string>& changed) override;
  bool erase(const std::string& learner) override;
  void for_each(const std::function<void(const LearnerProfile&)>& fn) override;

 private:
  struct Entry {
    LearnerProfile profile;  // recent_items kept in `recent` instead
    std::deque<std::string> recent;
  };
  std::mutex mu_;  // guards profiles_
  std::unordered_map<std::string, Entry> profiles_;
};

/// Options of SqliteStore::open().
struct SqliteOptions {
  /// Keep every response in a `responses` table (for export and refitting). Default: true.
  bool keep_responses = true;
  /// Durability of a returned record(): false = survives a crash of the process (WAL,
  /// synchronous=NORMAL); true = also survives power loss (synchronous=FULL, slower).
  /// Default: false.
  bool sync_to_disk = false;
};

/// Profiles in an embedded SQLite database file (WAL mode, schema versioned with migrations).
/// Every record() is one transaction, committed before it returns. Erased learners are
/// overwritten on disk (secure_delete), the file is rebuilt (VACUUM) and the WAL truncated, so
/// no trace remains; while that runs other writes wait, and erase() throws Error (Io) if another
/// connection's open read keeps old pages in the WAL. One Engine per database file: the engine
/// caches profiles, so two engines writing one file would overwrite each other's updates.
/// Thread-safe (one connection, serialised).
class SqliteStore final : public ProfileStore {
 public:
  /// Schema version this build writes; older databases are migrated on open.
  static constexpr int kSchemaVersion = 1;

  /// Opens or creates the database file. Throws Error (Io) if it cannot be opened, Error
  /// (Version) if it was written by a newer schema.
  [[nodiscard]] static std::unique_ptr<SqliteStore> open(const std::string& path,
                                                         const SqliteOptions& options = {});
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  [[nodiscard]] std::optional<LearnerProfile> load(const std::string& learner) override;
  void save(const LearnerProfile& profile) override;
  void record(const LearnerProfile& after, const ResponseRecord& response,
              const std::vector<std::string>& changed) override;
  bool erase(const std::string& learner) override;
  void for_each(const std::function<void(const LearnerProfile&)>& fn) override;
  [[nodiscard]] std::vector<ResponseRecord> responses(const std::string& learner) override;

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pathwise
