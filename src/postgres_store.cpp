// PostgresStore: learner profiles in PostgreSQL through libpq.
#include "detail/json_util.hpp"
#include "detail/stored_values.hpp"
#include "pathwise/log.hpp"
#include "pathwise/store.hpp"

#ifdef PATHWISE_HAVE_POSTGRES

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "detail/postgres_util.hpp"

namespace pathwise {

using namespace detail::postgres;  // NOLINT: the store is these helpers' one user

struct PostgresStore::Impl {
  std::string conninfo;
  PostgresOptions options;

  std::mutex mu;  // guards idle and open
  std::condition_variable freed;
  std::vector<PGconn*> idle;
  int open = 0;

  ~Impl() {
    for (PGconn* c : idle) PQfinish(c);
  }

  /// libpq's messages span lines; errors are one line.
  static std::string one_line(const std::string& m) {
    std::string out;
    for (char ch : m) {
      if (ch == '\n' || ch == '\t' || ch == '\r') {
        if (!out.empty() && out.back() != ' ') out += ' ';
      } else {
        out += ch;
      }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(options.busy_timeout_ms);
  }

  [[noreturn]] static void busy(const std::string& why) {
    throw Error(ErrorCode::Busy, why + "; retry", Location{"postgresql", 0, 0, ""});
  }

  /// Runs one statement; throws Retry, Lost, Busy or Io as the outcome says. The messages are
  /// the server's primary message only: its detail can quote key values (learner ids).
  static std::unique_ptr<PgResult> check(PGconn* c, PGresult* raw) {
    auto r = std::make_unique<PgResult>(raw);
    const ExecStatusType st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    if (PQstatus(c) != CONNECTION_OK) throw Lost{};
    const char* state = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
    const std::string code = state ? state : "";
    if (code == "40001" || code == "40P01" || code == "23505") throw Retry{};
    const char* primary = raw ? PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const std::string msg = one_line(primary ? primary : PQerrorMessage(c));
    if (code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0) throw Lost{};
    if (code == "55P03" || code == "57014") {
      busy("the profile database kept a lock on the learner longer than the busy timeout");
    }
    throw Error(ErrorCode::Io, msg + (code.empty() ? "" : " (" + code + ")"),
                Location{"postgresql", 0, 0, ""});
  }
  static std::unique_ptr<PgResult> exec(PGconn* c, const char* sql) {
    return check(c, PQexec(c, sql));
  }
  static std::unique_ptr<PgResult> run(PGconn* c, const char* name, const Params& p) {
    auto ptrs = p.pointers();
    return check(c, PQexecPrepared(c, name, p.size(), ptrs.data(), nullptr, nullptr, 0));
  }

  /// A new connection, set up (schema migrated on the first, statements prepared).
  PGconn* connect(bool migrate) {
    const std::string seconds = std::to_string(std::max(1, (options.busy_timeout_ms + 999) / 1000));
    const char* keys[] = {"dbname", "connect_timeout", "client_encoding", "application_name",
                          nullptr};
    const char* values[] = {conninfo.c_str(), seconds.c_str(), "UTF8", "pathwise", nullptr};
    PGconn* c = PQconnectdbParams(keys, values, 1);
    if (!c) throw Error(ErrorCode::Io, "out of memory", Location{"postgresql", 0, 0, ""});
    PGPing ping = PQPING_OK;
    std::string msg;
    if (PQstatus(c) != CONNECTION_OK) {
      // A server that answers pings may have been starting up or shutting down a moment ago:
      // one more try tells that from a login it refuses.
      msg = one_line(PQerrorMessage(c));
      PQfinish(c);
      ping = PQpingParams(keys, values, 1);
      c = ping == PQPING_OK ? PQconnectdbParams(keys, values, 1) : nullptr;
    }
    if (!c || PQstatus(c) != CONNECTION_OK) {
      if (c) msg = one_line(PQerrorMessage(c));
      if (c) PQfinish(c);
      if (ping == PQPING_OK) ping = PQpingParams(keys, values, 1);
      if (ping == PQPING_NO_ATTEMPT) {
        throw Error(ErrorCode::InvalidArgument, "bad connection string: " + msg,
                    Location{"postgresql", 0, 0, "conninfo"});
      }
      if (ping == PQPING_NO_RESPONSE || ping == PQPING_REJECT) {
        busy("the database server cannot be reached (" + msg + ")");
      }
      throw Error(ErrorCode::Io, "cannot connect: " + msg, Location{"postgresql", 0, 0, ""});
    }
    // The server's notices (and its goodbye when it shuts down) are not for the host's stderr.
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    try {
      exec(c, ("SET lock_timeout = " + std::to_string(options.busy_timeout_ms)).c_str());
      if (!options.synchronous_commit.empty()) {
        exec(c, ("SET synchronous_commit = " + options.synchronous_commit).c_str());
      }
      if (migrate) migrate_schema(c);
      for (const Statement& s : kStatements) check(c, PQprepare(c, s.name, s.sql, 0, nullptr));
    } catch (const Lost&) {
      PQfinish(c);
      busy("the database server closed the connection while it was being set up");
    } catch (const Retry&) {
      PQfinish(c);
      busy("the database server was busy setting up the schema");
    } catch (...) {
      PQfinish(c);
      throw;
    }
    return c;
  }

  void migrate_schema(PGconn* c) {
    exec(c, kMigrationLock);  // one process at a time; released below or when c closes
    try {
      exec(c, "CREATE TABLE IF NOT EXISTS pathwise_schema (version integer NOT NULL)");
      auto v = exec(c, "SELECT version FROM pathwise_schema");
      int version = v->rows() ? static_cast<int>(v->integer(0, 0)) : 0;
      if (version > kSchemaVersion) {
        throw Error(ErrorCode::Version,
                    "profile database schema " + std::to_string(version) +
                        " is newer than this Pathwise reads (" + std::to_string(kSchemaVersion) +
                        "); upgrade Pathwise",
                    Location{"postgresql", 0, 0, "pathwise_schema"});
      }
      if (version < kSchemaVersion) {
        exec(c, "BEGIN");
        try {
          if (!v->rows()) exec(c, "INSERT INTO pathwise_schema (version) VALUES (0)");
          for (int k = version; k < kSchemaVersion; ++k) {
            exec(c, kMigrations[k]);
            exec(c, ("UPDATE pathwise_schema SET version = " + std::to_string(k + 1)).c_str());
          }
          exec(c, "COMMIT");
        } catch (...) {
          PQclear(PQexec(c, "ROLLBACK"));
          throw;
        }
      }
      exec(c, kMigrationUnlock);
    } catch (...) {
      PQclear(PQexec(c, kMigrationUnlock));
      throw;
    }
  }

  /// A connection from the pool, returned (or dropped if broken) when it goes out of scope.
  class Lease {
   public:
    Lease(Impl& impl, Clock::time_point deadline) : impl_(impl) {
      std::unique_lock lock(impl.mu);
      while (impl.idle.empty() && impl.open >= impl.options.pool_size) {
        if (impl.freed.wait_until(lock, deadline) == std::cv_status::timeout && impl.idle.empty() &&
            impl.open >= impl.options.pool_size) {
          busy("no connection of the pool became free within the busy timeout");
        }
      }
      if (!impl.idle.empty()) {
        c_ = impl.idle.back();
        impl.idle.pop_back();
        return;
      }
      ++impl.open;
      lock.unlock();
      try {
        c_ = impl.connect(false);
      } catch (...) {
        std::scoped_lock relock(impl.mu);
        --impl.open;
        impl.freed.notify_one();
        throw;
      }
    }
    ~Lease() {
      std::scoped_lock lock(impl_.mu);
      if (broken_ || PQstatus(c_) != CONNECTION_OK || PQtransactionStatus(c_) != PQTRANS_IDLE) {
        PQfinish(c_);
        --impl_.open;
      } else {
        impl_.idle.push_back(c_);
      }
      impl_.freed.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    PGconn* get() const { return c_; }
    void broken() { broken_ = true; }

   private:
    Impl& impl_;
    PGconn* c_ = nullptr;
    bool broken_ = false;
  };

  /// Runs `body(conn)`, retrying on a new connection when one was lost or the transaction met
  /// another, until the busy timeout; then Error (Busy). `body` must be safe to run again.
  template <typename F>
  auto with_connection(F&& body) {
    const auto deadline = Clock::now() + timeout();
    for (int attempt = 0;; ++attempt) {
      try {
        Lease lease(*this, deadline);
        try {
          return body(lease.get());
        } catch (const Retry&) {
          PQclear(PQexec(lease.get(), "ROLLBACK"));
        } catch (const Lost&) {
          lease.broken();
        } catch (...) {
          if (PQtransactionStatus(lease.get()) != PQTRANS_IDLE) {
            PQclear(PQexec(lease.get(), "ROLLBACK"));
          }
          throw;
        }
      } catch (const Error& e) {
        // Busy (the server not reachable yet, a lock held): again until the deadline.
        if (e.code() != ErrorCode::Busy || Clock::now() >= deadline) throw;
      }
      if (Clock::now() >= deadline) {
        busy("the database server could not complete the call within the busy timeout (" +
             std::to_string(options.busy_timeout_ms) + " ms)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(5 * (attempt + 1), 100)));
    }
  }

  /// One row of the responses table: the learner's `seq`-th response.
  static void write_response(PGconn* c, const std::string& learner, std::int64_t seq,
                             const ResponseRecord& r) {
    Params q;
    q.text(learner).integer(seq).text(r.item);
    q.integer(static_cast<int>(r.outcome)).integer(to_millis(r.time));
    run(c, "pw_insert_response", q);
  }

  static std::optional<StoredProfile> read(PGconn* c, const std::string& learner) {
    Params key;
    key.text(learner);
    auto l = run(c, "pw_learner", key);
    if (l->rows() == 0) return std::nullopt;
    StoredProfile out;
    LearnerProfile& p = out.profile;
    p.learner = learner;
    learner_from(*l, 0, 0, p);
    out.version = kCheck.count64(l->integer(0, 4), "version");
    auto k = run(c, "pw_skills", key);
    for (int i = 0; i < k->rows(); ++i) {
      p.skills.emplace(kCheck.text(k->text(i, 0), "skill"), skill_from(*k, i, 1));
    }
    return out;
  }
};

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;

std::unique_ptr<PostgresStore> PostgresStore::open(const std::string& conninfo,
                                                   const PostgresOptions& options) {
  if (options.pool_size < 1 || options.pool_size > 64) {
    throw Error(ErrorCode::InvalidArgument, "pool_size must be from 1 to 64",
                Location{"", 0, 0, "pool_size"});
  }
  if (options.busy_timeout_ms < 0) {
    throw Error(ErrorCode::InvalidArgument, "busy_timeout_ms must be 0 or more",
                Location{"", 0, 0, "busy_timeout_ms"});
  }
  static const char* const kSync[] = {"", "on", "off", "local", "remote_write", "remote_apply"};
  if (std::find(std::begin(kSync), std::end(kSync), options.synchronous_commit) ==
      std::end(kSync)) {
    throw Error(ErrorCode::InvalidArgument,
                "synchronous_commit must be on, off, local, remote_write or remote_apply",
                Location{"", 0, 0, "synchronous_commit"});
  }
  auto impl = std::make_unique<Impl>();
  impl->conninfo = conninfo;
  impl->options = options;
  PGconn* first = impl->connect(true);
  impl->idle.push_back(first);
  impl->open = 1;
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
}

std::optional<StoredProfile> PostgresStore::load(const std::string& learner) {
  return impl_->with_connection([&](PGconn* c) {
    // One snapshot for the learner row and its skills.
    Impl::exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    auto p = Impl::read(c, learner);
    Impl::exec(c, "COMMIT");
    return p;
  });
}

std::uint64_t PostgresStore::version(const std::string& learner) {
  return impl_->with_connection([&](PGconn* c) -> std::uint64_t {
    Params key;
    key.text(learner);
    auto r = Impl::run(c, "pw_version", key);
    return r->rows() ? static_cast<std::uint64_t>(r->integer(0, 0)) : 0;
  });
}

void PostgresStore::update(const std::string& learner, CachedProfile& cache, const UpdateFn& fn) {
  // `cache` was changed (reloaded, or by fn) in a transaction that did not commit: the next
  // attempt must read the learner afresh.
  bool dirty = false;
  impl_->with_connection([&](PGconn* c) {
    if (dirty) cache = CachedProfile{std::nullopt, ~std::uint64_t{0}};  // forces a reload
    Params key;
    key.text(learner);
    Impl::exec(c, "BEGIN");
    auto locked = Impl::run(c, "pw_lock", key);  // the row lock serialises this learner
    const std::uint64_t stored =
        locked->rows() ? static_cast<std::uint64_t>(locked->integer(0, 0)) : 0;
    dirty = true;  // from here `cache` may change: a read cut short leaves it half-replaced
    const bool reloaded = refresh(cache, stored, [&] { return Impl::read(c, learner); });
    const ProfileWrite w = fn(cache.profile, reloaded);
    if (w.kind == ProfileWrite::Kind::Nothing) {
      Impl::exec(c, "COMMIT");
      dirty = false;
      return;
    }
    if (!cache.profile) throw Error(ErrorCode::Internal, "a store write without a profile");
    const LearnerProfile& p = *cache.profile;
    std::unique_ptr<PgResult> v;
    // A response writes the learner row and the item's skills only (a skill never written is
    // at its prior, which is how a profile is read back).
    const bool partial = w.kind == ProfileWrite::Kind::Response && w.changed;
    if (partial) {
      Params q;
      q.text(learner).integer(static_cast<std::int64_t>(p.responses)).time(p.last_response);
      if (stored) {
        q.text(detail::dump(nlohmann::json(p.recent_items)));
        v = Impl::run(c, "pw_update_progress", q);
      } else {
        q.text(detail::dump(nlohmann::json(p.goals))).text(detail::dump(nlohmann::json(p.recent_items)));
        v = Impl::run(c, "pw_insert_learner", q);
      }
      for (const auto& skill : *w.changed) {
        auto it = p.skills.find(skill);
        if (it != p.skills.end())
          Impl::run(c, "pw_upsert_skill", skill_params(learner, skill, it->second));
      }
    } else {
      Params q;
      q.text(learner).integer(static_cast<std::int64_t>(p.responses)).time(p.last_response);
      q.text(detail::dump(nlohmann::json(p.goals))).text(detail::dump(nlohmann::json(p.recent_items)));
      // A new learner is inserted: two creators of one learner meet on the primary key, and
      // the second is retried (it then finds the row and locks it).
      v = Impl::run(c, stored ? "pw_update_learner" : "pw_insert_learner", q);
      for (const auto& [skill, st] : p.skills) {
        Impl::run(c, "pw_upsert_skill", skill_params(learner, skill, st));
      }
    }
    if (w.kind == ProfileWrite::Kind::Response && impl_->options.keep_responses) {
      Impl::write_response(c, learner, static_cast<std::int64_t>(p.responses), w.response);
    }
    const auto new_version = static_cast<std::uint64_t>(v->integer(0, 0));
    const std::string txid = v->text(0, 1);
    try {
      Impl::exec(c, "COMMIT");
    } catch (const Lost&) {
      // Whether the server committed before the connection went is unknown: the transaction's
      // status tells, once the server answers again (txid_status, PostgreSQL 10+).
      const auto deadline = Clock::now() + impl_->timeout();
      for (;;) {
        std::string status;
        try {
          std::unique_ptr<PGconn, decltype(&PQfinish)> probe(impl_->connect(false), &PQfinish);
          Params q;
          q.text(txid);
          auto r = Impl::run(probe.get(), "pw_txid_status", q);
          status = r->rows() && !r->null(0, 0) ? r->text(0, 0) : "aborted";
        } catch (const Lost&) {
          // the server is still going away: ask again
        } catch (const Error& e) {
          if (e.code() != ErrorCode::Busy) throw;
        }
        if (status == "committed") break;
        if (status == "aborted") throw Lost{};  // run it again on a new connection
        if (Clock::now() >= deadline) {
          // Still unknown: say so rather than let a retry apply it twice.
          throw Error(ErrorCode::Io,
                      "the database server went away while committing; whether this write was "
                      "stored is unknown",
                      Location{"postgresql", 0, 0, ""});
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    cache.version = new_version;
    dirty = false;
  });
}

void PostgresStore::import(const LearnerProfile& profile,
                           const std::vector<ResponseRecord>& responses) {
  impl_->with_connection([&](PGconn* c) {
    Params key;
    key.text(profile.learner);
    Impl::exec(c, "BEGIN");
    Impl::run(c, "pw_claim_learner", key);  // as erase: writers in flight finish first
    Impl::run(c, "pw_delete_learner", key);
    Impl::run(c, "pw_delete_skills", key);
    Impl::run(c, "pw_delete_responses", key);
    Params q;
    q.text(profile.learner).integer(static_cast<std::int64_t>(profile.responses));
    q.time(profile.last_response).text(detail::dump(nlohmann::json(profile.goals)));
    q.text(detail::dump(nlohmann::json(profile.recent_items)));
    Impl::run(c, "pw_insert_learner", q);
    for (const auto& [skill, st] : profile.skills) {
      Impl::run(c, "pw_upsert_skill", skill_params(profile.learner, skill, st));
    }
    if (impl_->options.keep_responses) {
      std::int64_t seq = 0;
      for (const auto& r : responses) Impl::write_response(c, profile.learner, ++seq, r);
    }
    Impl::exec(c, "COMMIT");
  });
}

bool PostgresStore::erase(const std::string& learner) {
  return impl_->with_connection([&](PGconn* c) {
    Params key;
    key.text(learner);
    Impl::exec(c, "BEGIN");
    // The learner row first, claimed: an update or a creation in flight finishes before the
    // erase reads on, and none starts until it commits. A plain DELETE would not wait for a
    // creation in flight, and could then delete the new learner's responses but not its row.
    auto claim = Impl::run(c, "pw_claim_learner", key);
    const bool existed = claim->text(0, 0) != std::string("t");
    Impl::run(c, "pw_delete_learner", key);
    auto k = Impl::run(c, "pw_delete_skills", key);
    auto r = Impl::run(c, "pw_delete_responses", key);
    Impl::exec(c, "COMMIT");
    return existed || std::strcmp(PQcmdTuples(k->r), "0") != 0 ||
           std::strcmp(PQcmdTuples(r->r), "0") != 0;
  });
}

std::size_t PostgresStore::for_each(const std::function<void(const LearnerProfile&)>& fn) {
  std::size_t damaged = 0;
  std::string after;  // the last learner of the previous page ("" sorts before every id)
  for (;;) {
    // One page: up to 500 learner rows and their skills, read in one snapshot.
    std::vector<std::optional<LearnerProfile>> page = impl_->with_connection([&](PGconn* c) {
      Params from;
      from.text(after);
      Impl::exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      auto l = Impl::run(c, "pw_learners_page", from);
      std::vector<std::optional<LearnerProfile>> out(static_cast<std::size_t>(l->rows()));
      if (l->rows() == 0) {
        Impl::exec(c, "COMMIT");
        return out;
      }
      Params range;
      range.text(l->text(0, 0)).text(l->text(l->rows() - 1, 0));
      auto k = Impl::run(c, "pw_skills_range", range);
      Impl::exec(c, "COMMIT");
      std::unordered_map<std::string, std::size_t> index;
      for (int i = 0; i < l->rows(); ++i) {
        const auto at = static_cast<std::size_t>(i);
        index.emplace(l->text(i, 0), at);
        try {
          LearnerProfile p;
          p.learner = l->text(i, 0);
          learner_from(*l, i, 1, p);
          out[at] = std::move(p);
        } catch (const Error& e) {
          if (e.code() != ErrorCode::Corrupt) throw;
        }
      }
      std::vector<char> bad(out.size(), 0);
      for (int i = 0; i < k->rows(); ++i) {
        auto it = index.find(k->text(i, 0));
        if (it == index.end() || !out[it->second]) continue;
        try {
          out[it->second]->skills.emplace(kCheck.text(k->text(i, 1), "skill"),
                                          skill_from(*k, i, 2));
        } catch (const Error& e) {
          if (e.code() != ErrorCode::Corrupt) throw;
          bad[it->second] = 1;
        }
      }
      for (std::size_t i = 0; i < out.size(); ++i)
        if (bad[i]) out[i].reset();
      after = l->text(l->rows() - 1, 0);
      return out;
    });
    if (page.empty()) break;
    for (const auto& p : page) {
      if (p) {
        fn(*p);
      } else {
        ++damaged;
      }
    }
  }
  if (damaged > 0) {
    logger()->warn("profile store postgresql: {} learners skipped, their stored rows are damaged",
                   damaged);
  }
  return damaged;
}

std::vector<ResponseRecord> PostgresStore::responses(const std::string& learner) {
  return impl_->with_connection([&](PGconn* c) {
    Params key;
    key.text(learner);
    auto r = Impl::run(c, "pw_responses", key);
    std::vector<ResponseRecord> out;
    for (int i = 0; i < r->rows(); ++i) {
      ResponseRecord rec;
      rec.item = kCheck.text(r->text(i, 0), "item");
      rec.outcome = kCheck.outcome(r->integer(i, 1), "outcome");
      rec.time = kCheck.time(r->integer(i, 2), "time");
      out.push_back(std::move(rec));
    }
    return out;
  });
}

}  // namespace pathwise

#else  // no libpq: the class exists, opening it says why it cannot

namespace pathwise {

struct PostgresStore::Impl {};
PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;
std::unique_ptr<PostgresStore> PostgresStore::open(const std::string&, const PostgresOptions&) {
  throw Error(ErrorCode::InvalidArgument,
              "this build of Pathwise has no PostgreSQL support (libpq was not found when it "
              "was built)");
}
std::optional<StoredProfile> PostgresStore::load(const std::string&) { return std::nullopt; }
std::uint64_t PostgresStore::version(const std::string&) { return 0; }
void PostgresStore::update(const std::string&, CachedProfile&, const UpdateFn&) {}
bool PostgresStore::erase(const std::string&) { return false; }
std::size_t PostgresStore::for_each(const std::function<void(const LearnerProfile&)>&) {
  return 0;
}
std::vector<ResponseRecord> PostgresStore::responses(const std::string&) { return {}; }
void PostgresStore::import(const LearnerProfile&, const std::vector<ResponseRecord>&) {}

}  // namespace pathwise

#endif
