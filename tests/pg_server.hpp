// A throw-away PostgreSQL server for the tests: initdb + pg_ctl in a temporary directory,
// listening on a Unix socket only. PostgreSQL refuses to run as root; as root the server runs
// as the `postgres` system user (runuser).
#pragma once

#include <glob.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace pgtest {

class Server {
 public:
  /// Starts a server; if that is not possible, ok() is false and why() says why.
  Server() {
    bin_ = find_bin();
    if (bin_.empty()) {
      why_ = "PostgreSQL server binaries (initdb, pg_ctl) not found: apt install postgresql";
      return;
    }
    char tmpl[] = "/tmp/pathwise-pg-XXXXXX";
    if (!mkdtemp(tmpl)) {
      why_ = "cannot create a temporary directory";
      return;
    }
    dir_ = tmpl;
    root_ = geteuid() == 0;
    if (root_ && run("chown postgres '" + dir_ + "'") != 0) {
      why_ = "cannot hand the data directory to the postgres user";
      return;
    }
    if (as_owner("'" + bin_ + "/initdb' -D '" + dir_ + "/data' -A trust -U postgres -E UTF8 " +
                 "--no-locale >'" + dir_ + "/initdb.log' 2>&1") != 0) {
      why_ = "initdb failed (see " + dir_ + "/initdb.log)";
      return;
    }
    if (!start()) {
      why_ = "pg_ctl start failed (see " + dir_ + "/server.log)";
      return;
    }
    ok_ = true;
  }
  ~Server() {
    if (!dir_.empty()) {
      as_owner("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' stop -m immediate >/dev/null 2>&1");
      run("rm -rf '" + dir_ + "'");
    }
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }

  /// A connection string for database `db` (created by create_database()).
  std::string conninfo(const std::string& db = "postgres") const {
    return "host=" + dir_ + " port=" + std::to_string(port()) + " user=postgres dbname=" + db;
  }
  /// A fresh, empty database named `db`.
  void create_database(const std::string& db) {
    psql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    psql("CREATE DATABASE " + db);
  }
  int psql(const std::string& sql, const std::string& db = "postgres") const {
    return run("'" + bin_ + "/psql' -q -X -v ON_ERROR_STOP=1 '" + conninfo(db) + "' -c \"" + sql +
               "\" >/dev/null 2>&1");
  }
  bool start() {
    return as_owner("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -w -t 60 -l '" + dir_ +
                    "/server.log' -o \"-k " + dir_ + " -c listen_addresses='' -p " +
                    std::to_string(port()) +
                    " -c fsync=off -c max_connections=100\" start >/dev/null 2>&1") == 0;
  }
  bool stop() {
    return as_owner("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -w stop -m fast >/dev/null " +
                    "2>&1") == 0;
  }
  bool restart() {
    return as_owner("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -w -t 60 -l '" + dir_ +
                    "/server.log' restart -m fast -o \"-k " + dir_ + " -c listen_addresses='' -p " +
                    std::to_string(port()) +
                    " -c fsync=off -c max_connections=100\" >/dev/null 2>&1") == 0;
  }

 private:
  static int run(const std::string& cmd) { return std::system(cmd.c_str()); }
  int as_owner(const std::string& cmd) const {
    if (!root_) return run(cmd);
    return run("runuser -u postgres -- sh -c \"" + escape(cmd) + "\"");
  }
  static std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\' || c == '$' || c == '`') out += '\\';
      out += c;
    }
    return out;
  }
  // A port number of our own (the socket lives in our directory, so any number would do, but
  // the lock file name has it).
  int port() const { return 5432 + static_cast<int>(getpid() % 1000); }
  static std::string find_bin() {
    glob_t g{};
    std::string found;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0 && g.gl_pathc > 0) {
      found = g.gl_pathv[g.gl_pathc - 1];
      found = found.substr(0, found.size() - std::string("/initdb").size());
    }
    globfree(&g);
    return found;
  }

  std::string bin_, dir_, why_;
  bool root_ = false;
  bool ok_ = false;
};

}  // namespace pgtest
