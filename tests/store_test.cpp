#include "pathwise/store.hpp"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine_fixtures.hpp"
#include "multiprocess.hpp"
#include "pathwise/engine.hpp"
#include "test_util.hpp"

using namespace pathwise;
using fixtures::temp_path;
using Catch::Matchers::Contains;

namespace {

std::string fresh_db(const std::string& name) {
  std::string p = temp_path(name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((p + suffix).c_str());
  return p;
}

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

bool file_contains(const std::string& path, const std::string& text) {
  return file_bytes(path).find(text) != std::string::npos;
}


// Stores `after` and one response through update(), as the engine does.
void store_response(ProfileStore& s, const LearnerProfile& after, const ResponseRecord& r,
                    const std::vector<std::string>& changed) {
  CachedProfile cache;
  s.update(after.learner, cache, [&](std::optional<LearnerProfile>& p, bool) {
    p = after;
    return ProfileWrite{ProfileWrite::Kind::Response, r, &changed};
  });
}

}  // namespace

TEST_CASE("store: the in-memory store keeps, updates and erases profiles", "[store]") {
  InMemoryStore s(/*keep_responses=*/true);
  CHECK_FALSE(s.load("u1"));
  LearnerProfile p = fixtures::sample_profile("u1");
  s.save(p);
  REQUIRE(s.load("u1"));
  CHECK(s.load("u1")->profile == p);
  const std::uint64_t v1 = s.version("u1");
  CHECK(v1 == s.load("u1")->version);
  p.skills["addition"].p_known = 0.5;
  p.skills["counting"].p_known = 0.1;  // not listed as changed: not written
  p.responses = 3;
  store_response(s, p, ResponseRecord{"a1", Outcome::Correct, from_millis(1700000001000)},
                 {"addition"});
  CHECK(s.load("u1")->profile.skills.at("addition").p_known == 0.5);
  CHECK(s.load("u1")->profile.skills.at("counting").p_known == 0.97);
  CHECK(s.load("u1")->profile.responses == 3);
  CHECK(s.version("u1") > v1);
  CHECK(s.responses("u1").size() == 1);
  std::size_t n = 0;
  s.for_each([&](const LearnerProfile&) { ++n; });
  CHECK(n == 1);
  CHECK(s.erase("u1"));
  CHECK_FALSE(s.erase("u1"));
  CHECK_FALSE(s.load("u1"));
  CHECK(s.version("u1") == 0);
  // Written again after the erasure: a version the erased profile never had.
  s.save(p);
  CHECK(s.version("u1") > v1 + 1);
}

TEST_CASE("store: SQLite keeps a profile across reopening, field for field", "[store]") {
  std::string db = fresh_db("roundtrip.db");
  LearnerProfile p = fixtures::sample_profile("learner-7");
  {
    auto s = SqliteStore::open(db);
    s->save(p);
    p.skills["addition"].p_known = 0.61;
    p.skills["addition"].attempts = 1;
    p.responses = 3;
    p.last_response = from_millis(1700000005000);
    store_response(*s, p, ResponseRecord{"a1", Outcome::Correct, from_millis(1700000005000)},
                   {"addition"});
  }
  auto s = SqliteStore::open(db);
  auto back = s->load("learner-7");
  REQUIRE(back);
  CHECK(back->profile == p);
  CHECK(back->version == s->version("learner-7"));
  auto rs = s->responses("learner-7");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].item == "a1");
  CHECK(rs[0].outcome == Outcome::Correct);
  CHECK(to_millis(rs[0].time) == 1700000005000);
}

TEST_CASE("store: a database from a newer schema is refused, an old one migrated", "[store]") {
  std::string db = fresh_db("newer.db");
  {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    sqlite3_exec(h, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
    sqlite3_close(h);
  }
  try {
    (void)SqliteStore::open(db);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Version);
  }
  // An empty file is schema 0: opening migrates it to the current schema.
  std::string old = fresh_db("old.db");
  { std::ofstream(old, std::ios::binary); }
  auto s = SqliteStore::open(old);
  s->save(fixtures::sample_profile("u"));
  CHECK(s->load("u"));
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(old.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == SqliteStore::kSchemaVersion);
  sqlite3_finalize(st);
  sqlite3_close(h);
}

TEST_CASE("store: a database that cannot be opened is an Io error", "[store]") {
  try {
    (void)SqliteStore::open("/nonexistent-dir/profiles.db");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Io);
  }
}

TEST_CASE("store: erasing a learner leaves no trace of the id in the database files",
          "[store][engine]") {
  std::string db = fresh_db("erase.db");
  const std::string secret = "stu-ERASE-ME-4711";
  {
    Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                  SqliteStore::open(db));
    auto t = from_millis(1700000000000);
    for (int i = 0; i < 200; ++i) {
      engine.record({secret, i % 2 ? "c1" : "a2", i % 3 ? Outcome::Correct : Outcome::Incorrect,
                     t + std::chrono::seconds(i)});
      engine.record({"other-" + std::to_string(i), "c1", Outcome::Correct, t});
    }
    engine.set_goals(secret, {"fractions"});
    const bool stored = file_bytes(db).find(secret) != std::string::npos ||
                        file_bytes(db + "-wal").find(secret) != std::string::npos;
    REQUIRE(stored);  // the scan below can fail: the id is on disk before the erase
    CHECK(engine.erase_learner(secret));
    CHECK_FALSE(engine.erase_learner(secret));
    CHECK(engine.profile(secret).responses == 0);  // fresh: nothing of before
    CHECK(engine.profile("other-3").responses == 1);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    INFO("file " << db << suffix);
    CHECK(file_bytes(db + suffix).find(secret) == std::string::npos);
  }
  // A prefix of the id does not survive either (no partial copies in index pages).
  CHECK(file_bytes(db).find("ERASE-ME") == std::string::npos);
}

TEST_CASE("store: every acknowledged record survives the process being killed (SIGKILL)",
          "[store][engine]") {
  std::string db = fresh_db("crash.db");
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Child: record as fast as possible; after each record returns, acknowledge its number.
    close(fds[0]);
    try {
      Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                    SqliteStore::open(db));
      auto t = from_millis(1700000000000);
      for (std::uint32_t i = 1;; ++i) {
        engine.record({"crash-learner", i % 2 ? "c1" : "a1", Outcome::Correct,
                       t + std::chrono::milliseconds(i)});
        if (write(fds[1], &i, sizeof i) != sizeof i) _exit(3);
      }
    } catch (...) {
      _exit(2);
    }
  }
  close(fds[1]);
  std::uint32_t last = 0, v = 0;
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(700)) {
    if (read(fds[0], &v, sizeof v) == sizeof v) last = v;
  }
  kill(child, SIGKILL);
  while (read(fds[0], &v, sizeof v) == sizeof v) last = v;  // acks written before the kill
  int status = 0;
  waitpid(child, &status, 0);
  close(fds[0]);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(last > 10);
  auto store = SqliteStore::open(db);
  auto p = store->load("crash-learner");
  REQUIRE(p);
  INFO("acknowledged " << last << ", stored " << p->profile.responses);
  CHECK(p->profile.responses >= last);
  CHECK(store->responses("crash-learner").size() == p->profile.responses);
}

TEST_CASE("store: erasing while other threads record for the same learner loses nothing",
          "[store][engine]") {
  std::string db = fresh_db("erase-race.db");
  Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                SqliteStore::open(db));
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&] {
      auto time = from_millis(1700000000000);
      while (!stop) {
        try {
          engine.record({"contested", "c1", Outcome::Correct, time});
        } catch (const Error&) {
          ++failures;
        }
      }
    });
  }
  for (int i = 0; i < 15; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    engine.erase_learner("contested");
  }
  stop = true;
  for (auto& w : writers) w.join();
  CHECK(failures == 0);
  // Whatever survived the last erase is consistent: one stored response per counted response.
  auto store = SqliteStore::open(db);
  if (auto p = store->load("contested")) {
    CHECK(store->responses("contested").size() == p->profile.responses);
    CHECK(p->profile.skills.at("counting").attempts == p->profile.responses);
  }
}

TEST_CASE("store: a damaged row is a Corrupt error and leaves other learners intact", "[store]") {
  std::string db = fresh_db("damaged.db");
  {
    Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                  SqliteStore::open(db));
    auto t = from_millis(1700000000000);
    for (int i = 0; i < 5; ++i) engine.record({"good", "c1", Outcome::Correct, t});
    engine.record({"bad", "c1", Outcome::Correct, t});
  }
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, "UPDATE learners SET goals = 'not json' WHERE learner = 'bad'", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
  Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                SqliteStore::open(db));
  try {
    (void)engine.profile("bad");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK(e.location().field == "goals");
  }
  engine.record({"good", "c1", Outcome::Correct, from_millis(1700000001000)});
  CHECK(engine.profile("good").responses == 6);
  // The class summary leaves the damaged learner out and says so; erase still removes them.
  ClassSummary sum = engine.class_summary();
  CHECK(sum.learners == 1);
  CHECK(sum.damaged == 1);
  CHECK(engine.erase_learner("bad"));
  CHECK(engine.class_summary().damaged == 0);
  CHECK(engine.profile("bad").responses == 0);
}

TEST_CASE("store: every stored value out of its domain is refused, naming the column",
          "[store]") {
  struct Case {
    std::string sql;
    const char* column;
  };
  const Case cases[] = {
      {"UPDATE skill_states SET p_known = 7.5", "p_known"},
      {"UPDATE skill_states SET p_known = -0.1", "p_known"},
      {"UPDATE skill_states SET p_known = 'abc'", "p_known"},
      {"UPDATE skill_states SET attempts = -1", "attempts"},
      {"UPDATE skill_states SET correct = 5000000000", "correct"},
      {"UPDATE skill_states SET half_life_days = -1", "half_life_days"},
      {"UPDATE skill_states SET half_life_days = 1e999", "half_life_days"},  // infinity
      {"UPDATE skill_states SET last_practice = 9223372036854775807", "last_practice"},
      {"UPDATE skill_states SET next_review = 'soon'", "next_review"},
      {"UPDATE skill_states SET skill = CAST(X'FF00' AS TEXT)", "skill"},
      {"UPDATE learners SET responses = -5", "responses"},
      {"UPDATE learners SET last_response = -9223372036854775807", "last_response"},
      {"UPDATE learners SET recent_items = '[1, 2]'", "recent_items"},
      {"UPDATE learners SET goals = '" + std::string(200, '[') + "'", "goals"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.sql);
    std::string db = fresh_db("domain.db");
    {
      Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                    SqliteStore::open(db));
      engine.record({"u", "c1", Outcome::Correct, from_millis(1700000000000)});
    }
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, c.sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
    auto store = SqliteStore::open(db);
    Error e = test_util::error_from([&] { (void)store->load("u"); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK(e.location().field == c.column);
    CHECK(std::string(e.what()).find("'u'") == std::string::npos);
    CHECK(store->for_each([](const LearnerProfile&) {}) == 1);
    CHECK(store->erase("u"));
    CHECK(store->version("u") == 0);
  }
}

TEST_CASE("store: another application's SQLite file is refused and left as it was", "[store]") {
  std::string db = fresh_db("foreign.db");
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
  Error e = test_util::error_from([&] { (void)SqliteStore::open(db); });
  CHECK(e.code() == ErrorCode::Corrupt);
  CHECK_THAT(e.message(), Contains("not a Pathwise profile database"));
  // Still in its own journal mode, with no Pathwise table.
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "delete");
  sqlite3_finalize(st);
  sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == 1);
  sqlite3_finalize(st);
  // A file marked by another application is refused even when empty.
  REQUIRE(sqlite3_exec(h, "DROP TABLE users; PRAGMA application_id = 1234", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(h);
  CHECK(test_util::error_from([&] { (void)SqliteStore::open(db); }).code() == ErrorCode::Corrupt);

  // A text file is not a database at all.
  std::string text = fresh_db("text.db");
  std::ofstream(text) << "learner,item,correct\n" << std::string(200, 'x') << "\n";
  CHECK(test_util::error_from([&] { (void)SqliteStore::open(text); }).code() ==
        ErrorCode::Corrupt);

  // Pathwise's own file with a table altered: Corrupt, not Internal.
  std::string altered = fresh_db("altered.db");
  { auto s = SqliteStore::open(altered); }
  REQUIRE(sqlite3_open(altered.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, "DROP TABLE responses", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
  CHECK(test_util::error_from([&] { (void)SqliteStore::open(altered); }).code() ==
        ErrorCode::Corrupt);
}

TEST_CASE("store: an erase cut off before its rebuild is finished by the next open",
          "[store]") {
  std::string db = fresh_db("resume.db");
  const std::string secret = "stu-RESUME-4242";
  {
    Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                  SqliteStore::open(db));
    engine.record({secret, "c1", Outcome::Correct, from_millis(1700000000000)});
    engine.record({"other", "c1", Outcome::Correct, from_millis(1700000000000)});
  }
  // What a process killed between the delete's commit and the rebuild leaves: rows gone, the
  // marker set, the id still in the file's free pages.
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h,
                       "PRAGMA secure_delete = OFF; BEGIN;"
                       "DELETE FROM responses WHERE learner = 'stu-RESUME-4242';"
                       "DELETE FROM skill_states WHERE learner = 'stu-RESUME-4242';"
                       "DELETE FROM learners WHERE learner = 'stu-RESUME-4242';"
                       "INSERT INTO pathwise_meta (key, value) VALUES ('purge_pending', 1);"
                       "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
  CHECK(file_contains(db, secret));
  { auto s = SqliteStore::open(db); }
  CHECK_FALSE(file_contains(db, secret));
  CHECK_FALSE(file_contains(db + "-wal", secret));
  auto s = SqliteStore::open(db);
  CHECK(s->load("other").has_value());
}

TEST_CASE("store: erase refuses to report success while another connection pins the WAL",
          "[store][engine]") {
  std::string db = fresh_db("pinned.db");
  const std::string secret = "stu-PINNED-77";
  SqliteOptions quick;
  quick.busy_timeout_ms = 200;
  Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                SqliteStore::open(db, quick));
  engine.record({secret, "c1", Outcome::Correct, from_millis(1700000000000)});
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &reader) == SQLITE_OK);
  sqlite3_busy_timeout(reader, 100);
  sqlite3_exec(reader, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(reader, "SELECT count(*) FROM learners", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);  // an open read snapshot
  // Retryable: the rows are gone, the scrub of the WAL waits for the reader.
  CHECK(test_util::error_from([&] { engine.erase_learner(secret); }).code() == ErrorCode::Busy);
  sqlite3_finalize(st);
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  CHECK_FALSE(engine.erase_learner(secret));  // rows already gone; this completes the cleanup
  for (const char* suffix : {"", "-wal"}) {
    INFO("file " << db << suffix);
    CHECK(file_bytes(db + suffix).find(secret) == std::string::npos);
  }
}

TEST_CASE("store: two processes opening a new database at once both succeed", "[store]") {
  for (int round = 0; round < 5; ++round) {
    std::string db = fresh_db("open-race.db");
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      try {
        (void)SqliteStore::open(db);
        _exit(0);
      } catch (...) {
        _exit(1);
      }
    }
    CHECK_NOTHROW(SqliteStore::open(db));
    int status = 0;
    waitpid(child, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
}

TEST_CASE("store: sub-millisecond times are judged alike cached and reloaded", "[store][engine]") {
  std::string db = fresh_db("millis.db");
  const TimePoint t = from_millis(1700000000000);
  const auto us = [](int n) { return std::chrono::microseconds(n); };
  {
    Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                  SqliteStore::open(db));
    engine.record({"u", "c1", Outcome::Correct, t + us(900)});
    // 0.4 ms is "earlier" than 0.9 ms, but both are the same millisecond, which is what a
    // reloaded profile would see: accepted in both cases.
    CHECK_NOTHROW(engine.record({"u", "c1", Outcome::Correct, t + us(400)}));
  }
  Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                SqliteStore::open(db));
  CHECK_NOTHROW(engine.record({"u", "c1", Outcome::Correct, t + us(100)}));
  // A millisecond early is within the reordering tolerance: applied at the last time.
  CHECK_NOTHROW(engine.record({"u", "c1", Outcome::Correct, t - us(1000)}));
  CHECK(engine.profile("u").responses == 4);
  CHECK(to_millis(*engine.profile("u").last_response) == 1700000000000);
}

TEST_CASE("store: 8 processes with long-lived and per-request engines on one SQLite file",
          "[store][multiprocess]") {
  std::string db = fresh_db("mp.db");
  std::string dir = temp_path("mp-sqlite");
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  multiprocess::LoadOptions o;
  multiprocess::run_and_check([db] { return SqliteStore::open(db); }, o, dir);
}

TEST_CASE("store: SQLite writers killed (SIGKILL) mid-load lose no acknowledged record",
          "[store][multiprocess]") {
  std::string db = fresh_db("mp-kill.db");
  std::string dir = temp_path("mp-sqlite-kill");
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  multiprocess::LoadOptions o;
  o.kill_after_ms = 1500;
  multiprocess::run_and_check([db] { return SqliteStore::open(db); }, o, dir);
}

TEST_CASE("store: without kept responses, concurrent processes still lose no record",
          "[store][multiprocess]") {
  std::string db = fresh_db("mp-nokeep.db");
  SqliteOptions nokeep;
  nokeep.keep_responses = false;
  constexpr int kProcs = 8, kEach = 60;
  std::vector<pid_t> kids;
  for (int c = 0; c < kProcs; ++c) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int bad = 0;
      std::unique_ptr<Engine> e;
      for (int k = 0; k < kEach; ++k) {
        try {
          if (!e || c % 2) {
            e = std::make_unique<Engine>(fixtures::small_curriculum(), fixtures::small_model(),
                                         PolicyConfig{}, SqliteStore::open(db, nokeep));
          }
          e->record({"k", k % 2 ? "c1" : "a1", Outcome::Correct, std::chrono::system_clock::now()});
          if (k % 10 == 0)
            e->set_goals(
                "k", k % 20 ? std::vector<std::string>{"addition"} : std::vector<std::string>{});
        } catch (const Error&) {
          ++bad;
        }
      }
      _exit(bad == 0 ? 0 : 1);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  auto s = SqliteStore::open(db, nokeep);
  auto p = s->load("k");
  REQUIRE(p);
  CHECK(p->profile.responses == kProcs * kEach);
  CHECK(p->profile.skills.at("counting").attempts == kProcs * kEach / 2);
  CHECK(p->profile.skills.at("addition").attempts == kProcs * kEach / 2);
}

TEST_CASE("store: engines with stale caches see other engines' writes and erasures",
          "[store][engine]") {
  // Two engines on one file: to the store they are two processes (two connections).
  std::string db = fresh_db("stale.db");
  auto make = [&] {
    return Engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                  SqliteStore::open(db));
  };
  Engine a = make(), b = make();
  const TimePoint t = std::chrono::system_clock::now();
  for (int i = 0; i < 5; ++i) a.record({"s", "c1", Outcome::Correct, t});
  CHECK(b.profile("s").responses == 5);  // b caches it now
  a.record({"s", "a1", Outcome::Incorrect, t});
  CHECK(b.profile("s").responses == 6);  // b's copy was stale: read again
  CHECK(b.profile("s") == a.profile("s"));
  // A stale set_goals keeps the newer answers and counters.
  a.record({"s", "c2", Outcome::Correct, t});
  b.set_goals("s", {"fractions"});
  CHECK(a.profile("s").responses == 7);
  CHECK(a.profile("s").goals == std::vector<std::string>{"fractions"});
  b.record({"s", "c1", Outcome::Correct, t});  // no conflict: b reads the current state
  CHECK(a.profile("s").responses == 8);
  // Erased by one engine: the other serves nothing of before and writes nothing of it back.
  CHECK(a.export_learner("s").find("\"c2\"") != std::string::npos);
  CHECK(b.erase_learner("s"));
  CHECK(a.profile("s").responses == 0);
  CHECK(a.profile("s").goals.empty());
  a.set_goals("s", {"addition"});
  a.record({"s", "f1", Outcome::Correct, t});
  const std::string exported = b.export_learner("s");
  CHECK(exported.find("\"c2\"") == std::string::npos);
  CHECK(exported.find("\"c1\"") == std::string::npos);
  CHECK(b.profile("s").responses == 1);
  CHECK(b.profile("s").skills.at("counting").attempts == 0);
}

TEST_CASE("store: the engine's cache holds at most cache_learners profiles", "[store][engine]") {
  EngineOptions o;
  o.cache_learners = 3;
  Engine e(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
           std::make_unique<InMemoryStore>(), o);
  const TimePoint t = std::chrono::system_clock::now();
  for (int i = 0; i < 10; ++i) e.record({"l" + std::to_string(i), "c1", Outcome::Correct, t});
  CHECK(e.cached_learners() == 3);
  // Evicted learners are read back from the store, intact.
  for (int i = 0; i < 10; ++i) CHECK(e.profile("l" + std::to_string(i)).responses == 1);
  CHECK(e.cached_learners() == 3);
  e.record({"l0", "c1", Outcome::Correct, t});
  CHECK(e.profile("l0").responses == 2);
  // No cache at all: every call reads the store.
  o.cache_learners = 0;
  Engine none(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
              std::make_unique<InMemoryStore>(), o);
  none.record({"x", "c1", Outcome::Correct, t});
  none.record({"x", "a1", Outcome::Correct, t});
  CHECK(none.profile("x").responses == 2);
  CHECK(none.cached_learners() == 0);
}

TEST_CASE("store: a write lock held past the busy timeout is a Busy error, and nothing changes",
          "[store][engine]") {
  std::string db = fresh_db("busy.db");
  SqliteOptions quick;
  quick.busy_timeout_ms = 100;
  Engine e(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
           SqliteStore::open(db, quick));
  const TimePoint t = std::chrono::system_clock::now();
  e.record({"u", "c1", Outcome::Correct, t});
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  Error busy = test_util::error_from([&] { e.record({"u", "c1", Outcome::Correct, t}); });
  CHECK(busy.code() == ErrorCode::Busy);
  CHECK(std::string(busy.what()).find("\"u\"") == std::string::npos);
  CHECK(test_util::error_from([&] { e.set_goals("u", {"addition"}); }).code() == ErrorCode::Busy);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK(e.profile("u").responses == 1);        // the refused record left nothing
  e.record({"u", "c1", Outcome::Correct, t});  // and the next one goes through
  CHECK(e.profile("u").responses == 2);
  SqliteOptions negative;
  negative.busy_timeout_ms = -1;
  CHECK(test_util::error_from([&] { (void)SqliteStore::open(db, negative); }).code() ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("store: a half-life beyond the cap, as earlier versions could store, reads as the cap",
          "[store]") {
  std::string db = fresh_db("halflife.db");
  {
    Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                  SqliteStore::open(db));
    engine.record({"u", "c1", Outcome::Correct, from_millis(1700000000000)});
  }
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, "UPDATE skill_states SET half_life_days = 1e6", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(h);
  auto store = SqliteStore::open(db);
  auto p = store->load("u");
  REQUIRE(p);
  CHECK(p->profile.skills.at("counting").half_life_days == kMaxHalfLifeDays);
}

// ---- the learner layer's state ----

namespace {

// A layered profile after one more response on addition: the counters, the addition entry and a
// new fractions entry change (the item's skills), the rest stays.
LearnerProfile after_response(LearnerProfile p) {
  LearnerState& s = *p.learner_state;
  s.responses += 2;
  s.residual_sum += 0.3;
  s.recent = 0.9 * s.recent + 0.1 * 0.3;
  s.recent_slow = 0.97 * s.recent_slow + 0.03 * 0.3;
  s.last = 1;
  s.skills["addition"] = {2, 4};
  s.skills["fractions"] = {1, 5};
  p.learner_ability = s.residual_sum / 25.0;
  p.responses += 1;
  p.recent_items.push_back("a1");
  p.skills["addition"].p_known = 0.6;
  return p;
}

// Runs `sql` on the SQLite file.
void sqlite_exec(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  char* msg = nullptr;
  const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &msg);
  INFO((msg ? msg : ""));
  sqlite3_free(msg);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
}

int sqlite_user_version(const std::string& db) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, nullptr);
  const int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

// The schema SqliteStore wrote before the learner layer (user_version 2), as it wrote it, with
// one learner who answered c1 once.
void create_schema_2(const std::string& db) {
  sqlite_exec(db,
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
              "  outcome INTEGER NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (learner, seq)) "
              "WITHOUT ROWID;"
              "ALTER TABLE learners ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
              "CREATE TABLE pathwise_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) "
              "WITHOUT ROWID;"
              "INSERT INTO pathwise_meta (key, value) VALUES ('version', 1);"
              "INSERT INTO learners VALUES ('old', 1, 1700000000000, '[]', '[\"c1\"]', "
              "  4294967297);"
              "INSERT INTO skill_states VALUES ('old', 'counting', 0.8, 1, 1, 1, 1700000000000,"
              "  NULL, 0.0, 0, NULL, 0);"
              "INSERT INTO responses VALUES ('old', 1, 'c1', 1, 1700000000000);"
              "PRAGMA user_version = 2;"
              "PRAGMA application_id = 1348564072;");
}

}  // namespace

TEST_CASE("store: the learner state round-trips through the in-memory and SQLite stores",
          "[store][learner]") {
  const LearnerProfile p = fixtures::layered_profile("u1");
  const LearnerProfile q = after_response(p);
  const std::vector<std::string> changed = {"addition", "fractions"};
  const ResponseRecord r{"a1", Outcome::Correct, from_millis(1700000009000)};
  SECTION("in memory: whole, then one response (only the item's entries copied)") {
    InMemoryStore s;
    s.save(p);
    CHECK(s.load("u1")->profile == p);
    store_response(s, q, r, changed);
    CHECK(s.load("u1")->profile == q);
  }
  SECTION("SQLite: whole, then one response, across reopening") {
    const std::string db = fresh_db("layer-roundtrip.db");
    {
      auto s = SqliteStore::open(db);
      s->save(p);
      CHECK(s->load("u1")->profile == p);
      store_response(*s, q, r, changed);
    }
    auto s = SqliteStore::open(db);
    CHECK(s->load("u1")->profile == q);
    // A profile without a state writes NULL and reads back without one.
    LearnerProfile plain = fixtures::sample_profile("u2");
    s->save(plain);
    CHECK(!s->load("u2")->profile.learner_state);
    CHECK(s->load("u2")->profile == plain);
    // Import (a store-to-store copy) carries it.
    InMemoryStore mem;
    mem.import(s->load("u1")->profile, s->responses("u1"));
    CHECK(mem.load("u1")->profile == q);
    const std::string db2 = fresh_db("layer-import.db");
    auto s2 = SqliteStore::open(db2);
    s2->import(q, {r});
    CHECK(s2->load("u1")->profile == q);
  }
  SECTION("the engine's export carries the state") {
    Engine engine(fixtures::small_curriculum(), fixtures::layered_model(), PolicyConfig{},
                  std::make_unique<InMemoryStore>(true));
    engine.record({"u1", "c1", Outcome::Correct, std::chrono::system_clock::now()});
    const auto j = nlohmann::json::parse(engine.export_learner("u1"));
    CHECK(j.at("profile").at("version") == "1.1");
    CHECK(j.at("profile").at("learner_state").at("responses") == 1);
  }
}

TEST_CASE("store: a schema-2 SQLite file migrates in place, also when processes open it at once",
          "[store][learner][multiprocess]") {
  const std::string db = fresh_db("schema2.db");
  create_schema_2(db);
  constexpr int kProcs = 6, kEach = 20;
  std::vector<pid_t> kids;
  for (int c = 0; c < kProcs; ++c) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int bad = 0;
      try {
        Engine e(fixtures::small_curriculum(), fixtures::layered_model(), PolicyConfig{},
                 SqliteStore::open(db));
        for (int k = 0; k < kEach; ++k)
          e.record({"old", k % 2 ? "c1" : "f1", Outcome::Correct, std::chrono::system_clock::now()});
      } catch (const Error&) {
        ++bad;
      }
      _exit(bad == 0 ? 0 : 1);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  CHECK(sqlite_user_version(db) == SqliteStore::kSchemaVersion);
  auto s = SqliteStore::open(db);
  auto p = s->load("old");
  REQUIRE(p);
  // The response from before the migration counts in the profile; the state starts with the
  // first response under the layer.
  CHECK(p->profile.responses == 1 + kProcs * kEach);
  REQUIRE(p->profile.learner_state);
  CHECK(p->profile.learner_state->responses == kProcs * kEach);
  CHECK(p->profile.learner_state->skills.at("counting").opportunities == kProcs * kEach / 2);
  CHECK(p->profile.skills.at("counting").attempts == 1 + kProcs * kEach / 2);
  CHECK(s->responses("old").size() == 1 + kProcs * kEach);
}

TEST_CASE("store: 8 processes with a layer model on one SQLite file keep the state whole",
          "[store][learner][multiprocess]") {
  std::string db = fresh_db("mp-layer.db");
  std::string dir = temp_path("mp-sqlite-layer");
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  multiprocess::LoadOptions o;
  o.learner_layer = true;
  multiprocess::run_and_check([db] { return SqliteStore::open(db); }, o, dir);
}

TEST_CASE("store: a damaged learner_state is Corrupt, naming the column", "[store][learner]") {
  const char* values[] = {
      "'not json'",
      "42",
      "'[1, 2]'",
      "'{\"responses\": -1, \"residual_sum\": 0, \"recent\": 0, \"recent_slow\": 0, \"last\": 0, "
      "\"skills\": {}}'",
      "'{\"responses\": 1, \"residual_sum\": 3, \"recent\": 0, \"recent_slow\": 0, \"last\": 1, "
      "\"skills\": {}}'",
      "'{\"responses\": 1}'",
  };
  for (const char* v : values) {
    CAPTURE(v);
    const std::string db = fresh_db("layer-damaged.db");
    {
      Engine engine(fixtures::small_curriculum(), fixtures::layered_model(), PolicyConfig{},
                    SqliteStore::open(db));
      engine.record({"u", "c1", Outcome::Correct, std::chrono::system_clock::now()});
    }
    sqlite_exec(db, std::string("UPDATE learners SET learner_state = ") + v);
    auto store = SqliteStore::open(db);
    Error e = test_util::error_from([&] { (void)store->load("u"); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK(e.location().field == "learner_state");
    CHECK(std::string(e.what()).find("'u'") == std::string::npos);
    CHECK(store->for_each([](const LearnerProfile&) {}) == 1);
    CHECK(store->erase("u"));
  }
}
