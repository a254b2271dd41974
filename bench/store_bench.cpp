// Shared stores under many processes: durable records/s with 1, 2, 4 and 8 processes, p50/p99
// latency of record and recommend, engine construction time and memory per cached learner, on
// the 100-skill, 2,000-item course.
//
//   store_bench sqlite:/tmp/bench.db                 SQLite
//   store_bench "host=/tmp/pg port=5432 dbname=b"    PostgreSQL (bench/store_bench.sh starts one)
//   store_bench --construction                       engine construction and cache memory only
//
// Each process builds its own engine, as a PHP-FPM worker does, and records for its own
// learners (recording for one shared learner serialises by design); every record is one
// committed transaction. Prints one JSON line per measurement.
#include <malloc.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "pathwise/engine.hpp"

namespace {

using namespace pathwise;
using Clock = std::chrono::steady_clock;

// 100 skills in 10 chains of 10, 20 items per skill, as JSON (what a host reads per request).
std::string curriculum_json() {
  nlohmann::json skills = nlohmann::json::array(), items = nlohmann::json::array();
  for (int k = 0; k < 100; ++k) {
    nlohmann::json s = {{"id", "skill-" + std::to_string(k)}};
    if (k % 10 != 0) s["prerequisites"] = {"skill-" + std::to_string(k - 1)};
    skills.push_back(s);
    for (int i = 0; i < 20; ++i) {
      items.push_back({{"id", "item-" + std::to_string(k) + "-" + std::to_string(i)},
                       {"skills", {"skill-" + std::to_string(k)}},
                       {"difficulty", i / 19.0}});
    }
  }
  return nlohmann::json{
      {"format", "pathwise-curriculum"}, {"version", "1.0"}, {"skills", skills}, {"items", items}}
      .dump();
}

std::string model_json() {
  BktModel m;
  for (int k = 0; k < 100; ++k)
    m.set_skill("skill-" + std::to_string(k), {0.2 + 0.005 * k, 0.15, 0.0, 0.2, 0.1});
  return m.to_json();
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

void construction() {
  const std::string c = curriculum_json(), m = model_json();
  std::vector<double> parse_and_build, build_only;
  Curriculum cur = Curriculum::from_json(c);
  BktModel mod = BktModel::from_json(m);
  for (int r = 0; r < 50; ++r) {
    auto t0 = Clock::now();
    Engine e(Curriculum::from_json(c), BktModel::from_json(m), PolicyConfig{},
             std::make_unique<InMemoryStore>());
    auto t1 = Clock::now();
    Engine f(cur, mod, PolicyConfig{}, std::make_unique<InMemoryStore>());
    auto t2 = Clock::now();
    parse_and_build.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    build_only.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  std::cout << nlohmann::json{{"measure", "engine construction, 100 skills, 2000 items"},
                              {"parse_json_and_build_ms_p50", percentile(parse_and_build, 0.5)},
                              {"build_from_parsed_ms_p50", percentile(build_only, 0.5)}}
                   .dump()
            << std::endl;
  // Memory per cached learner: heap in use before and after caching N learners who each
  // answered one item of every skill.
  const int n = 2000;
  EngineOptions o;
  o.cache_learners = n;
  Engine e(cur, mod, PolicyConfig{}, std::make_unique<InMemoryStore>(), o);
  const TimePoint t = std::chrono::system_clock::now();
  for (int l = 0; l < 10; ++l)
    e.record({"warm-" + std::to_string(l), "item-0-0", Outcome::Correct, t});
  // The store holds a copy of each profile too: measure the engine's cache alone by reading
  // learners into a fresh engine that shares nothing but the store's copies already made.
  auto store = std::make_unique<InMemoryStore>();
  for (int l = 0; l < n; ++l) {
    LearnerProfile p = new_profile("learner-" + std::to_string(l), cur, mod);
    for (auto& [id, st] : p.skills) {
      st.attempts = 1;
      st.last_practice = t;
    }
    p.responses = 100;
    p.recent_items.assign(20, "item-0-0");
    store->save(p);
  }
  ProfileStore* raw = store.get();
  Engine reader(cur, mod, PolicyConfig{}, std::move(store), o);
  const std::size_t before = mallinfo2().uordblks;
  for (int l = 0; l < n; ++l) (void)reader.profile("learner-" + std::to_string(l));
  const std::size_t after = mallinfo2().uordblks;
  (void)raw;
  // profile() returns a copy that is freed at once; what stays is the cache.
  std::cout << nlohmann::json{{"measure", "memory per cached learner, 100 skills"},
                              {"learners", n},
                              {"bytes_per_learner", static_cast<double>(after - before) / n},
                              {"default_cache_learners", EngineOptions{}.cache_learners}}
                   .dump()
            << std::endl;
}

/// Forks `processes` children running `child(index, start)`: each sets up, calls start() (which
/// returns once every child is ready, so they all begin together) and returns its five figures.
/// Returns the figures of every child; `failed` counts children that did not exit cleanly.
template <typename Child>
std::vector<std::array<double, 5>> run_processes(int processes, Child&& child, int& failed) {
  struct Shared {
    std::atomic<int> ready;
    std::atomic<int> go;
  };
  auto* shared = static_cast<Shared*>(
      mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  shared->ready = 0;
  shared->go = 0;
  std::vector<int> pipes;
  std::vector<pid_t> kids;
  for (int p = 0; p < processes; ++p) {
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      const std::array<double, 5> out = child(p, [shared] {
        ++shared->ready;
        while (!shared->go) std::this_thread::yield();
      });
      if (write(fds[1], out.data(), sizeof(double) * 5) != sizeof(double) * 5) _exit(1);
      _exit(0);
    }
    close(fds[1]);
    pipes.push_back(fds[0]);
    kids.push_back(pid);
  }
  while (shared->ready < processes) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  shared->go = 1;
  std::vector<std::array<double, 5>> results;
  for (int fd : pipes) {
    std::array<double, 5> in{};
    if (read(fd, in.data(), sizeof(double) * 5) != sizeof(double) * 5) std::abort();
    results.push_back(in);
    close(fd);
  }
  failed = 0;
  for (pid_t k : kids) {
    int status = 0;
    waitpid(k, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  munmap(shared, sizeof(Shared));
  return results;
}

void load(const std::string& url, int processes, double seconds) {
  const std::string c = curriculum_json(), m = model_json();
  int failed = 0;
  auto results = run_processes(
      processes,
      [&](int p, auto start) {
        Engine e(Curriculum::from_json(c), BktModel::from_json(m), PolicyConfig{}, open_store(url));
        std::vector<double> rec, recm;
        start();
        // Phase 1: records only, for records/s and record latency.
        auto end = Clock::now() + std::chrono::duration<double>(seconds);
        long n = 0;
        while (Clock::now() < end) {
          const std::string learner = "bench-" + std::to_string(p) + "-" + std::to_string(n % 50);
          const std::string item =
              "item-" + std::to_string(n % 100) + "-" + std::to_string((n / 100) % 20);
          auto t0 = Clock::now();
          e.record({learner, item, n % 3 ? Outcome::Correct : Outcome::Incorrect,
                    std::chrono::system_clock::now()});
          rec.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
          ++n;
        }
        // Phase 2: a recommend after each record, as a tutoring request does, for recommend
        // latency while the other processes write.
        end = Clock::now() + std::chrono::duration<double>(seconds / 2);
        for (long k = n; Clock::now() < end; ++k) {
          const std::string learner = "bench-" + std::to_string(p) + "-" + std::to_string(k % 50);
          e.record({learner, "item-" + std::to_string(k % 100) + "-0", Outcome::Correct,
                    std::chrono::system_clock::now()});
          auto t0 = Clock::now();
          (void)e.recommend(learner, std::chrono::system_clock::now());
          recm.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        }
        return std::array<double, 5>{static_cast<double>(n), percentile(rec, 0.5),
                                     percentile(rec, 0.99), percentile(recm, 0.5),
                                     percentile(recm, 0.99)};
      },
      failed);
  double total = 0, rec50 = 0, rec99 = 0, recm50 = 0, recm99 = 0;
  for (const auto& in : results) {
    total += in[0];
    rec50 = std::max(rec50, in[1]);
    rec99 = std::max(rec99, in[2]);
    recm50 = std::max(recm50, in[3]);
    recm99 = std::max(recm99, in[4]);
  }
  // records/s counts phase 1, where the processes only record.
  std::cout << nlohmann::json{{"measure", "records per second"},
                              {"store", url.rfind("sqlite", 0) == 0 ? "sqlite" : "postgresql"},
                              {"processes", processes},
                              {"seconds", seconds},
                              {"records_per_s", total / seconds},
                              {"record_us_p50_worst_process", rec50},
                              {"record_us_p99_worst_process", rec99},
                              {"recommend_us_p50_worst_process", recm50},
                              {"recommend_us_p99_worst_process", recm99},
                              {"failed_processes", failed}}
                   .dump()
            << std::endl;
}

/// The same statements as one Pathwise record of a stored learner on SQLite, by a plain sqlite3
/// program: the file's own limit. `path` must hold the schema and the learners (run the
/// Pathwise load on it first).
void raw_sqlite(const std::string& path, int processes, double seconds) {
  int failed = 0;
  auto results = run_processes(
      processes,
      [&](int p, auto start) {
        sqlite3* db = nullptr;
        if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) _exit(1);
        sqlite3_busy_timeout(db, 5000);
        sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
        const char* sql[] = {
            "BEGIN IMMEDIATE",
            "SELECT version, responses FROM learners WHERE learner = ?1",
            "UPDATE learners SET responses = ?3, last_response = 1700000000000, "
            "recent_items = '[\"item-0-0\",\"item-1-0\"]', version = ?2 WHERE learner = ?1",
            "INSERT INTO skill_states (learner, skill, p_known, attempts, correct, streak, "
            "last_practice, mastered_at, half_life_days, reviews, next_review, wheel_spinning) "
            "VALUES (?1, 'skill-0', 0.5, 1, 1, 1, 1700000000000, NULL, 0, 0, NULL, 0) "
            "ON CONFLICT (learner, skill) DO UPDATE SET p_known = excluded.p_known, "
            "attempts = excluded.attempts, correct = excluded.correct, streak = excluded.streak, "
            "last_practice = excluded.last_practice, mastered_at = excluded.mastered_at, "
            "half_life_days = excluded.half_life_days, reviews = excluded.reviews, "
            "next_review = excluded.next_review, wheel_spinning = excluded.wheel_spinning",
            "INSERT INTO responses (learner, seq, item, outcome, time) VALUES "
            "(?1, ?2, 'item-0-0', 1, 1700000000000)",
            "COMMIT"};
        std::vector<sqlite3_stmt*> st;
        for (const char* q : sql) {
          sqlite3_stmt* x = nullptr;
          if (sqlite3_prepare_v2(db, q, -1, &x, nullptr) != SQLITE_OK) _exit(1);
          st.push_back(x);
        }
        start();
        const auto end = Clock::now() + std::chrono::duration<double>(seconds);
        long n = 0;
        while (Clock::now() < end) {
          const std::string learner = "bench-" + std::to_string(p) + "-" + std::to_string(n % 50);
          // As a Pathwise record of a stored learner: read its version and count, write the
          // learner row (version + 1), the item's skill row and the numbered response row.
          std::int64_t version = 0, responses = 0;
          for (std::size_t k = 0; k < st.size(); ++k) {
            if (k >= 1 && k <= 4) {
              sqlite3_bind_text(st[k], 1, learner.c_str(), -1, SQLITE_TRANSIENT);
            }
            if (k == 2) {
              sqlite3_bind_int64(st[k], 2, version + 1);
              sqlite3_bind_int64(st[k], 3, responses + 1);
            }
            if (k == 4) sqlite3_bind_int64(st[k], 2, responses + 1);
            int rc;
            while ((rc = sqlite3_step(st[k])) == SQLITE_ROW) {
              if (k == 1) {
                version = sqlite3_column_int64(st[k], 0);
                responses = sqlite3_column_int64(st[k], 1);
              }
            }
            if (rc != SQLITE_DONE) _exit(1);
            sqlite3_reset(st[k]);
          }
          ++n;
        }
        return std::array<double, 5>{static_cast<double>(n), 0, 0, 0, 0};
      },
      failed);
  double total = 0;
  for (const auto& in : results) total += in[0];
  std::cout << nlohmann::json{{"measure", "plain sqlite3 program, the same writes"},
                              {"processes", processes},
                              {"records_per_s", total / seconds},
                              {"failed_processes", failed}}
                   .dump()
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: store_bench --construction | STORE_URL [seconds] | --raw-sqlite PATH "
                 "[seconds]\n";
    return 2;
  }
  const std::string arg = argv[1];
  if (arg == "--construction") {
    construction();
    return 0;
  }
  if (arg == "--raw-sqlite" && argc > 2) {
    const double secs = argc > 3 ? std::atof(argv[3]) : 5.0;
    for (int p : {1, 2, 4, 8}) raw_sqlite(argv[2], p, secs);
    return 0;
  }
  const double seconds = argc > 2 ? std::atof(argv[2]) : 5.0;
  for (int p : {1, 2, 4, 8}) load(arg, p, seconds);
  return 0;
}
