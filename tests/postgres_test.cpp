// PostgresStore against a throw-away server started by the test itself.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine_fixtures.hpp"
#include "multiprocess.hpp"
#include "pathwise/engine.hpp"
#include "pathwise/report.hpp"
#include "pathwise/store.hpp"
#include "pg_server.hpp"
#include "test_util.hpp"

using namespace pathwise;

namespace {

pgtest::Server& server() {
  static pgtest::Server s;
  return s;
}

// The server, or a printed reason to skip.
bool have_server() {
  if (server().ok()) return true;
  static bool said = false;
  if (!said) std::cout << "SKIPPED PostgreSQL tests: " << server().why() << std::endl;
  said = true;
  return false;
}

std::string fresh_database(const std::string& name) {
  server().create_database(name);
  return server().conninfo(name);
}

std::string temp_dir(const std::string& name) {
  std::string dir = fixtures::temp_path(name);
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  return dir;
}

}  // namespace

TEST_CASE("postgres: profiles, versions, responses and erasure round-trip", "[postgres]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_roundtrip");
  auto s = PostgresStore::open(url);
  CHECK_FALSE(s->load("u1"));
  CHECK(s->version("u1") == 0);
  LearnerProfile p = fixtures::sample_profile("u1");
  SkillState& c = p.skills["counting"];
  c.p_known = 0.1 + 0.2;  // not exact in binary: must come back bit for bit
  c.wheel_spinning = true;
  s->save(p);
  auto back = s->load("u1");
  REQUIRE(back);
  CHECK(back->profile == p);
  const std::uint64_t v1 = back->version;
  CHECK(s->version("u1") == v1);
  // A response: only the changed skills and the counters are written.
  const std::vector<std::string> changed = {"addition"};
  CachedProfile cache{p, v1};
  s->update("u1", cache, [&](std::optional<LearnerProfile>& q, bool reloaded) {
    CHECK_FALSE(reloaded);
    q->skills["addition"].p_known = 0.5;
    q->responses = 3;
    return ProfileWrite{ProfileWrite::Kind::Response,
                        ResponseRecord{"a1", Outcome::Correct, from_millis(1700000001000)},
                        &changed};
  });
  CHECK(cache.version > v1);
  CHECK(s->version("u1") == cache.version);
  CHECK(s->load("u1")->profile.skills.at("addition").p_known == 0.5);
  auto rs = s->responses("u1");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0] == ResponseRecord{"a1", Outcome::Correct, from_millis(1700000001000)});
  // A stale cache is replaced by the stored state before fn runs.
  CachedProfile stale{p, v1};
  s->update("u1", stale, [&](std::optional<LearnerProfile>& q, bool reloaded) {
    CHECK(reloaded);
    CHECK(q->responses == 3);
    return ProfileWrite{};
  });
  std::size_t n = 0;
  s->for_each([&](const LearnerProfile& q) {
    ++n;
    CHECK(q.skills.at("counting") == c);
  });
  CHECK(n == 1);
  CHECK(s->erase("u1"));
  CHECK_FALSE(s->erase("u1"));
  CHECK_FALSE(s->load("u1"));
  CHECK(s->responses("u1").empty());
  s->save(p);
  CHECK(s->version("u1") > cache.version);  // never a version of before the erasure
  // Options are checked; the schema is not recreated by a second store.
  PostgresOptions bad;
  bad.pool_size = 0;
  CHECK(test_util::error_from([&] { (void)PostgresStore::open(url, bad); }).code() ==
        ErrorCode::InvalidArgument);
  bad = {};
  bad.synchronous_commit = "sometimes";
  CHECK(test_util::error_from([&] { (void)PostgresStore::open(url, bad); }).code() ==
        ErrorCode::InvalidArgument);
  CHECK(PostgresStore::open(url)->load("u1"));
  // The store URL picks PostgreSQL for both spellings.
  CHECK(open_store(url)->load("u1"));
}

TEST_CASE("postgres: a newer schema is refused", "[postgres]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_newer");
  (void)PostgresStore::open(url);
  server().psql("UPDATE pathwise_schema SET version = 99");
  // psql runs against the 'postgres' database: set it where the store looks.
  std::system(
      ("psql -q -X '" + url + "' -c 'UPDATE pathwise_schema SET version = 99' >/dev/null 2>&1")
          .c_str());
  CHECK(test_util::error_from([&] { (void)PostgresStore::open(url); }).code() ==
        ErrorCode::Version);
}

TEST_CASE("postgres: a server that cannot be reached is a Busy error", "[postgres]") {
  if (!have_server()) return;
  PostgresOptions quick;
  quick.busy_timeout_ms = 300;
  // Nothing listens on this socket.
  Error e = test_util::error_from(
      [&] { (void)PostgresStore::open("host=/nonexistent port=1 dbname=x", quick); });
  CHECK(e.code() == ErrorCode::Busy);
  CHECK(test_util::error_from([&] { (void)open_store("mysql://x"); }).code() ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("postgres: 8 processes with long-lived and per-request engines on one database",
          "[postgres][multiprocess]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_load");  // schema created by the racing children
  multiprocess::LoadOptions o;
  multiprocess::run_and_check([url] { return PostgresStore::open(url); }, o, temp_dir("mp-pg"));
}

TEST_CASE("postgres: writers killed (SIGKILL) mid-load lose no acknowledged record",
          "[postgres][multiprocess]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_kill");
  multiprocess::LoadOptions o;
  o.kill_after_ms = 1500;
  multiprocess::run_and_check([url] { return PostgresStore::open(url); }, o,
                              temp_dir("mp-pg-kill"));
}

TEST_CASE("postgres: a server restart in the middle of the load loses no acknowledged record",
          "[postgres][multiprocess]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_restart");
  multiprocess::LoadOptions o;
  o.ops_per_process = 400;
  o.allow_busy = true;
  o.meanwhile = [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    REQUIRE(server().restart());
  };
  PostgresOptions quick;
  quick.busy_timeout_ms = 1000;
  multiprocess::run_and_check([url, quick] { return PostgresStore::open(url, quick); }, o,
                              temp_dir("mp-pg-restart"));
}

TEST_CASE("postgres: calls while the server is down fail as Busy and succeed after it",
          "[postgres][engine]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_outage");
  PostgresOptions quick;
  quick.busy_timeout_ms = 500;
  Engine e(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
           PostgresStore::open(url, quick));
  const TimePoint t = std::chrono::system_clock::now();
  e.record({"u", "c1", Outcome::Correct, t});
  REQUIRE(server().stop());
  CHECK(test_util::error_from([&] {
          e.record({"u", "c1", Outcome::Correct, t});
        }).code() == ErrorCode::Busy);
  CHECK(test_util::error_from([&] { (void)e.recommend("u", t); }).code() == ErrorCode::Busy);
  REQUIRE(server().start());
  e.record({"u", "a1", Outcome::Correct, t});  // reconnected
  CHECK(e.profile("u").responses == 2);
}

TEST_CASE("postgres: a learner copied from SQLite (import) comes back equal", "[postgres]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_import");
  const std::string db = fixtures::temp_path("pg-import-src.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  EngineOptions synthetic;
  synthetic.check_clock = false;
  Engine src(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
             SqliteStore::open(db), synthetic);
  for (int i = 0; i < 20; ++i) {
    src.record({"m", i % 3 ? "c1" : "a2", i % 4 ? Outcome::Correct : Outcome::Incorrect,
                from_millis(1700000000000 + 60000 * i)});
  }
  src.set_goals("m", {"fractions"});
  auto from = SqliteStore::open(db);
  auto to = PostgresStore::open(url);
  to->import(from->load("m")->profile, from->responses("m"));
  CHECK(to->load("m")->profile == from->load("m")->profile);
  CHECK(to->responses("m") == from->responses("m"));
  // Imported again: replaced, not doubled.
  to->import(from->load("m")->profile, from->responses("m"));
  CHECK(to->responses("m").size() == 20);
  // And an engine on PostgreSQL carries on from it exactly as one on SQLite.
  Engine pg(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
            PostgresStore::open(url), synthetic);
  const Response next{"m", "f1", Outcome::Correct, from_millis(1700002000000)};
  pg.record(next);
  src.record(next);
  CHECK(pg.profile("m") == src.profile("m"));
}

TEST_CASE("postgres: damaged rows are Corrupt, skipped by for_each, and still erasable",
          "[postgres]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_damaged");
  {
    EngineOptions synthetic;
    synthetic.check_clock = false;
    Engine engine(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{},
                  PostgresStore::open(url), synthetic);
    // More learners than one page of for_each (500), so the paging is exercised.
    for (int i = 0; i < 1203; ++i) {
      engine.record({"u" + std::to_string(i), "c1", Outcome::Correct, from_millis(1700000000000)});
    }
  }
  REQUIRE(server().psql("UPDATE pathwise_skill_states SET p_known = 7.5 WHERE learner = 'u7'",
                        "pw_damaged") == 0);
  REQUIRE(server().psql("UPDATE pathwise_skill_states SET p_known = 'NaN' WHERE learner = 'u600'",
                        "pw_damaged") == 0);
  REQUIRE(server().psql("UPDATE pathwise_learners SET goals = 'not json' WHERE learner = 'u1100'",
                        "pw_damaged") == 0);
  auto s = PostgresStore::open(url);
  for (const char* id : {"u7", "u600", "u1100"}) {
    Error e = test_util::error_from([&] { (void)s->load(id); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK(std::string(e.what()).find(id) == std::string::npos);
  }
  std::size_t seen = 0;
  CHECK(s->for_each([&](const LearnerProfile&) { ++seen; }) == 3);
  CHECK(seen == 1200);
  for (const char* id : {"u7", "u600", "u1100"}) CHECK(s->erase(id));
  seen = 0;
  CHECK(s->for_each([&](const LearnerProfile&) { ++seen; }) == 0);
  CHECK(seen == 1200);
}

TEST_CASE("postgres: an erase waits for a creation of the learner still in flight",
          "[postgres][multiprocess]") {
  // The race the churn learner of the load tests met: a first record of a learner is in flight
  // when its erase starts. The erase must wait and then remove all of it, not delete the
  // responses and leave the learner row (whose count then disagrees with its responses).
  if (!have_server()) return;
  const std::string url = fresh_database("pw_erase_race");
  auto store = PostgresStore::open(url);  // creates the schema
  // Another host's creation, held open for a second after it wrote.
  std::thread creator([] {
    server().psql(
        "BEGIN; INSERT INTO pathwise_learners (learner, responses, goals, recent_items, version) "
        "VALUES ('racer', 1, '[]', '[]', nextval('pathwise_version')); "
        "INSERT INTO pathwise_responses (learner, seq, item, outcome, time) "
        "VALUES ('racer', 1, 'c1', 1, 1700000000000); SELECT pg_sleep(1); COMMIT;",
        "pw_erase_race");
  });
  // Wait until the creator has written and sleeps inside its transaction.
  bool sleeping = false;
  for (int i = 0; i < 200 && !sleeping; ++i) {
    sleeping = server().psql("DO \\$\\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_stat_activity "
                             "WHERE wait_event = 'PgSleep') THEN RAISE EXCEPTION 'not yet'; "
                             "END IF; END \\$\\$",
                             "pw_erase_race") == 0;
    if (!sleeping) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(sleeping);
  const bool erased = store->erase("racer");
  creator.join();
  CHECK(erased);  // it waited, and found the learner the creator committed
  CHECK_FALSE(store->load("racer"));
  CHECK(store->responses("racer").empty());
}

// ---- the learner layer's state ----

TEST_CASE("postgres: the learner state round-trips, whole and by response", "[postgres][learner]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_layer");
  auto s = PostgresStore::open(url);
  const LearnerProfile p = fixtures::layered_profile("u1");
  s->save(p);
  auto back = s->load("u1");
  REQUIRE(back);
  CHECK(back->profile == p);
  // A response writes the state with the learner row.
  const std::vector<std::string> changed = {"addition"};
  CachedProfile cache{p, back->version};
  LearnerProfile expected = p;
  s->update("u1", cache, [&](std::optional<LearnerProfile>& q, bool) {
    q->learner_state->responses += 1;
    q->learner_state->residual_sum += 0.3;
    q->learner_state->last = 1;
    q->learner_state->skills["addition"] = {2, 4};
    q->learner_ability = q->learner_state->residual_sum / 24.0;
    q->responses += 1;
    q->recent_items.push_back("a1");
    expected = *q;
    return ProfileWrite{ProfileWrite::Kind::Response,
                        ResponseRecord{"a1", Outcome::Correct, from_millis(1700000009000)},
                        &changed};
  });
  CHECK(PostgresStore::open(url)->load("u1")->profile == expected);
  std::size_t n = 0;
  s->for_each([&](const LearnerProfile& q) {
    ++n;
    CHECK(q == expected);
  });
  CHECK(n == 1);
  // Without a state: NULL, read back without one.
  s->save(fixtures::sample_profile("u2"));
  CHECK(!s->load("u2")->profile.learner_state);
  // Copied from SQLite (import), then carried on by an engine exactly as on SQLite.
  const std::string db = fixtures::temp_path("pg-layer-src.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  EngineOptions synthetic;
  synthetic.check_clock = false;
  Engine src(fixtures::small_curriculum(), fixtures::layered_model(), PolicyConfig{},
             SqliteStore::open(db), synthetic);
  for (int i = 0; i < 12; ++i) {
    src.record({"m", i % 3 ? "c1" : "a2", i % 4 ? Outcome::Correct : Outcome::Incorrect,
                from_millis(1700000000000 + 60000 * i)});
  }
  auto from = SqliteStore::open(db);
  s->import(from->load("m")->profile, from->responses("m"));
  CHECK(s->load("m")->profile == from->load("m")->profile);
  Engine pg(fixtures::small_curriculum(), fixtures::layered_model(), PolicyConfig{},
            PostgresStore::open(url), synthetic);
  const Response next{"m", "f1", Outcome::Correct, from_millis(1700002000000)};
  pg.record(next);
  src.record(next);
  CHECK(pg.profile("m") == src.profile("m"));
  CHECK(pg.profile("m").learner_state->responses == 17);  // 12 responses, 4 of them on a2, + 1
}

TEST_CASE("postgres: a schema-1 database migrates in place while processes open it at once",
          "[postgres][learner][multiprocess]") {
  if (!have_server()) return;
  const std::string name = "pw_schema1";
  const std::string url = fresh_database(name);
  // The schema PostgresStore wrote before the learner layer, with one learner.
  REQUIRE(server().psql(
              "CREATE TABLE pathwise_schema (version integer NOT NULL);"
              "INSERT INTO pathwise_schema (version) VALUES (1);"
              "CREATE TABLE pathwise_learners ("
              "  learner text PRIMARY KEY, responses bigint NOT NULL, last_response bigint,"
              "  goals text NOT NULL, recent_items text NOT NULL, version bigint NOT NULL);"
              "CREATE TABLE pathwise_skill_states ("
              "  learner text NOT NULL, skill text NOT NULL, p_known double precision NOT NULL,"
              "  attempts bigint NOT NULL, correct bigint NOT NULL, streak bigint NOT NULL,"
              "  last_practice bigint, mastered_at bigint, half_life_days double precision NOT "
              "NULL, reviews bigint NOT NULL, next_review bigint, wheel_spinning boolean NOT NULL,"
              "  PRIMARY KEY (learner, skill));"
              "CREATE TABLE pathwise_responses ("
              "  learner text NOT NULL, seq bigint NOT NULL, item text NOT NULL,"
              "  outcome smallint NOT NULL, time bigint NOT NULL, PRIMARY KEY (learner, seq));"
              "CREATE SEQUENCE pathwise_version;"
              "INSERT INTO pathwise_learners VALUES ('old', 1, 1700000000000, '[]', '[]', "
              "  nextval('pathwise_version'));"
              "INSERT INTO pathwise_skill_states VALUES ('old', 'counting', 0.8, 1, 1, 1, "
              "  1700000000000, NULL, 0, 0, NULL, false);"
              "INSERT INTO pathwise_responses VALUES ('old', 1, 'c1', 1, 1700000000000);",
              name) == 0);
  constexpr int kProcs = 6, kEach = 15;
  std::vector<pid_t> kids;
  for (int c = 0; c < kProcs; ++c) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int bad = 0;
      try {
        Engine e(fixtures::small_curriculum(), fixtures::layered_model(), PolicyConfig{},
                 PostgresStore::open(url));
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
  auto s = PostgresStore::open(url);
  auto p = s->load("old");
  REQUIRE(p);
  CHECK(p->profile.responses == 1 + kProcs * kEach);
  REQUIRE(p->profile.learner_state);
  CHECK(p->profile.learner_state->responses == kProcs * kEach);
  CHECK(s->responses("old").size() == 1 + kProcs * kEach);
  // Migrated once, to the current schema.
  CHECK(server().psql("DO 'BEGIN IF (SELECT version FROM pathwise_schema) <> " +
                          std::to_string(PostgresStore::kSchemaVersion) +
                          " OR (SELECT count(*) FROM pathwise_schema) <> 1 THEN "
                          "RAISE EXCEPTION ''schema''; END IF; END'",
                      name) == 0);
}

TEST_CASE("postgres: 8 processes with a layer model keep the state whole",
          "[postgres][learner][multiprocess]") {
  if (!have_server()) return;
  const std::string url = fresh_database("pw_layer_load");
  multiprocess::LoadOptions o;
  o.learner_layer = true;
  multiprocess::run_and_check([url] { return PostgresStore::open(url); }, o,
                              temp_dir("mp-pg-layer"));
}

TEST_CASE("postgres: a damaged learner_state is Corrupt, naming the column",
          "[postgres][learner]") {
  if (!have_server()) return;
  const std::string name = "pw_layer_damaged";
  const std::string url = fresh_database(name);
  for (const char* v : {"'not json'", "'[1, 2]'", "'{}'"}) {
    CAPTURE(v);
    {
      Engine engine(fixtures::small_curriculum(), fixtures::layered_model(), PolicyConfig{},
                    PostgresStore::open(url));
      engine.record({"u", "c1", Outcome::Correct, std::chrono::system_clock::now()});
    }
    REQUIRE(server().psql(std::string("UPDATE pathwise_learners SET learner_state = ") + v, name) ==
            0);
    auto s = PostgresStore::open(url);
    Error e = test_util::error_from([&] { (void)s->load("u"); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK(e.location().field == "learner_state");
    CHECK(s->for_each([](const LearnerProfile&) {}) == 1);
    CHECK(s->erase("u"));
  }
}

TEST_CASE("postgres: the class and learner reports read a PostgreSQL store as they read SQLite",
          "[postgres][report]") {
  if (!have_server()) return;
  std::string db = fixtures::temp_path("report-pg-twin.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  std::vector<std::string> urls = {fresh_database("reports"), "sqlite:" + db};
  EngineOptions eo;
  eo.check_clock = false;
  for (const auto& url : urls) {
    Engine e(fixtures::small_curriculum(), fixtures::small_model(), PolicyConfig{}, open_store(url),
             eo);
    for (int i = 0; i < 12; ++i)
      e.record({"pg-learner-1", "c1", i % 4 ? Outcome::Incorrect : Outcome::Correct,
                from_millis(1793613600000 + i * 60000)});
    e.record({"pg-learner-2", "a1", Outcome::Correct, from_millis(1793613600000 + 86400000)});
  }
  ReportOptions o;
  o.ids.key = "twin";
  o.now = from_millis(1793613600000 + 7 * 86400000LL);
  auto pg = open_store(urls[0]);
  auto lite = open_store(urls[1]);
  const Curriculum c = fixtures::small_curriculum();
  const BktModel m = fixtures::small_model();
  const std::string from_pg = class_report_data(*pg, c, m, o);
  CHECK(from_pg == class_report_data(*lite, c, m, o));
  auto doc = nlohmann::json::parse(from_pg);
  CHECK(doc.at("learner_count") == 2);
  CHECK(doc.at("attention").size() == 1);  // 12 answers on counting, 9 wrong: wheel-spinning
  CHECK(from_pg.find("pg-learner") == std::string::npos);
  CHECK(learner_report_data(*pg, c, m, "pg-learner-2", o) ==
        learner_report_data(*lite, c, m, "pg-learner-2", o));
}
