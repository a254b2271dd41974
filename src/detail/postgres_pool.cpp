// The PostgreSQL store's connection pool (postgres_pool.hpp).
#ifdef PATHWISE_HAVE_POSTGRES

#include "detail/postgres_pool.hpp"

#include <cstring>

namespace pathwise::detail::postgres {

std::string one_line(const std::string& m) {
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

void busy(const std::string& why) {
  throw Error(ErrorCode::Busy, why + "; retry", Location{"postgresql", 0, 0, ""});
}

std::unique_ptr<PgResult> check(PGconn* c, PGresult* raw) {
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

std::unique_ptr<PgResult> exec(PGconn* c, const char* sql) { return check(c, PQexec(c, sql)); }

std::unique_ptr<PgResult> run(PGconn* c, const char* name, const Params& p) {
  auto ptrs = p.pointers();
  return check(c, PQexecPrepared(c, name, p.size(), ptrs.data(), nullptr, nullptr, 0));
}

Pool::~Pool() {
  for (PGconn* c : idle_) PQfinish(c);
}

PGconn* Pool::connect(bool migrate) {
  const std::string seconds = std::to_string(std::max(1, (options_.busy_timeout_ms + 999) / 1000));
  const char* keys[] = {"dbname", "connect_timeout", "client_encoding", "application_name",
                        nullptr};
  const char* values[] = {conninfo_.c_str(), seconds.c_str(), "UTF8", "pathwise", nullptr};
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
    exec(c, ("SET lock_timeout = " + std::to_string(options_.busy_timeout_ms)).c_str());
    if (!options_.synchronous_commit.empty()) {
      exec(c, ("SET synchronous_commit = " + options_.synchronous_commit).c_str());
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

void Pool::open_first() {
  PGconn* first = connect(true);
  std::scoped_lock lock(mu_);
  idle_.push_back(first);
  open_ = 1;
}

void Pool::migrate_schema(PGconn* c) {
  exec(c, kMigrationLock);  // one process at a time; released below or when c closes
  try {
    exec(c, "CREATE TABLE IF NOT EXISTS pathwise_schema (version integer NOT NULL)");
    auto v = exec(c, "SELECT version FROM pathwise_schema");
    int version = v->rows() ? static_cast<int>(v->integer(0, 0)) : 0;
    if (version > PostgresStore::kSchemaVersion) {
      throw Error(ErrorCode::Version,
                  "profile database schema " + std::to_string(version) +
                      " is newer than this Pathwise reads (" +
                      std::to_string(PostgresStore::kSchemaVersion) + "); upgrade Pathwise",
                  Location{"postgresql", 0, 0, "pathwise_schema"});
    }
    if (version < PostgresStore::kSchemaVersion) {
      exec(c, "BEGIN");
      try {
        if (!v->rows()) exec(c, "INSERT INTO pathwise_schema (version) VALUES (0)");
        for (int k = version; k < PostgresStore::kSchemaVersion; ++k) {
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

Pool::Lease::Lease(Pool& pool, Clock::time_point deadline) : pool_(pool) {
  std::unique_lock lock(pool.mu_);
  while (pool.idle_.empty() && pool.open_ >= pool.options_.pool_size) {
    if (pool.freed_.wait_until(lock, deadline) == std::cv_status::timeout && pool.idle_.empty() &&
        pool.open_ >= pool.options_.pool_size) {
      busy("no connection of the pool became free within the busy timeout");
    }
  }
  if (!pool.idle_.empty()) {
    c_ = pool.idle_.back();
    pool.idle_.pop_back();
    return;
  }
  ++pool.open_;
  lock.unlock();
  try {
    c_ = pool.connect(false);
  } catch (...) {
    std::scoped_lock relock(pool.mu_);
    --pool.open_;
    pool.freed_.notify_one();
    throw;
  }
}

Pool::Lease::~Lease() {
  std::scoped_lock lock(pool_.mu_);
  if (broken_ || PQstatus(c_) != CONNECTION_OK || PQtransactionStatus(c_) != PQTRANS_IDLE) {
    PQfinish(c_);
    --pool_.open_;
  } else {
    pool_.idle_.push_back(c_);
  }
  pool_.freed_.notify_one();
}

}  // namespace pathwise::detail::postgres

#endif  // PATHWISE_HAVE_POSTGRES
