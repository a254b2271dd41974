// The PostgreSQL store's connections: a bounded pool of libpq connections, each set up (the
// schema migrated on the first, the statements prepared), statement outcomes classified, and
// a call run again on a new connection when one was lost or met another transaction.
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "detail/postgres_util.hpp"
#include "pathwise/store.hpp"

namespace pathwise::detail::postgres {

/// libpq's messages span lines; errors are one line.
std::string one_line(const std::string& m);

/// Throws Error (Busy) with `why`.
[[noreturn]] void busy(const std::string& why);

/// Checks one statement's result; throws Retry, Lost, Busy or Io as the outcome says. The
/// messages are the server's primary message only: its detail can quote key values (learner
/// ids).
std::unique_ptr<PgResult> check(PGconn* c, PGresult* raw);
/// Runs `sql` (no parameters).
std::unique_ptr<PgResult> exec(PGconn* c, const char* sql);
/// Runs the prepared statement `name` (kStatements) with `p`.
std::unique_ptr<PgResult> run(PGconn* c, const char* name, const Params& p);

/// Up to options.pool_size connections to one database. Thread-safe.
class Pool {
 public:
  Pool(std::string conninfo, PostgresOptions options)
      : conninfo_(std::move(conninfo)), options_(std::move(options)) {}
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const PostgresOptions& options() const { return options_; }
  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(options_.busy_timeout_ms);
  }

  /// A new connection, set up (schema migrated when `migrate`, statements prepared); owned by
  /// the caller.
  PGconn* connect(bool migrate);
  /// Connects (migrating the schema) and keeps the connection in the pool: open()'s check.
  void open_first();

  /// Runs `body(conn)`, retrying on a new connection when one was lost or the transaction met
  /// another, until the busy timeout; then Error (Busy). `body` must be safe to run again.
  template <typename F>
  auto with_connection(F&& body);

 private:
  class Lease;
  void migrate_schema(PGconn* c);

  std::string conninfo_;
  PostgresOptions options_;
  std::mutex mu_;  // guards idle_ and open_
  std::condition_variable freed_;
  std::vector<PGconn*> idle_;
  int open_ = 0;
};

/// A connection from the pool, returned (or dropped if broken) when it goes out of scope.
class Pool::Lease {
 public:
  Lease(Pool& pool, Clock::time_point deadline);
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  PGconn* get() const { return c_; }
  void broken() { broken_ = true; }

 private:
  Pool& pool_;
  PGconn* c_ = nullptr;
  bool broken_ = false;
};

template <typename F>
auto Pool::with_connection(F&& body) {
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
           std::to_string(options_.busy_timeout_ms) + " ms)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(5 * (attempt + 1), 100)));
  }
}

}  // namespace pathwise::detail::postgres
