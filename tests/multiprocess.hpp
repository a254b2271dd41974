// Many processes on one profile store: the load and the checks shared by the store tests.
//
// Children are forked; each runs engines (long-lived or one per request, as PHP-FPM workers do)
// that record, set goals, recommend, read profiles and erase, for the same learners at once,
// and appends one line per acknowledged record to its own file. The parent then checks the
// store against what was acknowledged.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine_fixtures.hpp"
#include "pathwise/engine.hpp"

namespace multiprocess {

using StoreFactory = std::function<std::unique_ptr<pathwise::ProfileStore>()>;

inline const char* const kItems[] = {"c1", "c2", "a1", "a2", "f1", "f2"};
inline constexpr int kLearners = 4;  // "mp-0" is the hot one: half of all calls
inline std::string learner_name(int i) { return "mp-" + std::to_string(i); }
inline const char* const kChurn = "mp-churn";  // recorded and erased at random

struct LoadOptions {
  int processes = 8;
  int ops_per_process = 250;
  // > 0: after this long, every child is killed with SIGKILL mid-load.
  int kill_after_ms = 0;
  // Run by the parent while the children work (e.g. restart the database server).
  std::function<void()> meanwhile;
  // Errors of kind Busy (server restarting) are expected; any other error still fails.
  bool allow_busy = false;
  // Engines run fixtures::layered_model() (a learner layer) instead of small_model().
  bool learner_layer = false;
};

inline pathwise::BktModel model_of(const LoadOptions& o) {
  return o.learner_layer ? fixtures::layered_model() : fixtures::small_model();
}

/// One child's work. Writes "learner item outcome\n" per acknowledged record to `acks`, and
/// "error <code> <message>\n" to `errors` per Error the engine returned. Never returns.
[[noreturn]] inline void child(int index, const StoreFactory& make_store, const LoadOptions& o,
                               const std::string& acks, const std::string& errors) {
  using namespace pathwise;
  int ack_fd = ::open(acks.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
  int err_fd = ::open(errors.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
  if (ack_fd < 0 || err_fd < 0) _exit(3);
  std::mt19937 rng(1000u + static_cast<unsigned>(index));
  // Each process's clock is off by a little, as several servers' clocks are.
  const auto skew = std::chrono::milliseconds(50 * (index % 5) - 100);
  const bool long_lived = index % 2 == 0;
  std::unique_ptr<Engine> engine;
  auto build = [&] {
    return std::make_unique<Engine>(fixtures::small_curriculum(), model_of(o), PolicyConfig{},
                                    make_store());
  };
  const std::vector<std::vector<std::string>> goal_sets = {
      {}, {"addition"}, {"fractions"}, {"counting", "fractions"}};
  int errors_seen = 0;
  const int ops = o.kill_after_ms > 0 ? 1 << 30 : o.ops_per_process;
  for (int k = 0; k < ops; ++k) {
    try {
      if (!engine || !long_lived) engine = build();
      const int roll = static_cast<int>(rng() % 100);
      const int l = rng() % 2 ? 0 : 1 + static_cast<int>(rng() % (kLearners - 1));
      const std::string learner = learner_name(l);
      const TimePoint now = std::chrono::system_clock::now() + skew;
      if (roll < 65) {
        const int item = static_cast<int>(rng() % 6);
        const Outcome out = rng() % 3 ? Outcome::Correct : Outcome::Incorrect;
        engine->record({learner, kItems[item], out, now});
        const std::string line = std::to_string(l) + " " + kItems[item] + " " +
                                 std::to_string(static_cast<int>(out)) + "\n";
        if (::write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          _exit(4);
        }
      } else if (roll < 75) {
        engine->set_goals(learner, goal_sets[rng() % goal_sets.size()]);
      } else if (roll < 85) {
        (void)engine->recommend(learner, now);
      } else if (roll < 92) {
        LearnerProfile p = engine->profile(learner);
        if (p.learner != learner) _exit(5);
      } else if (roll < 97) {
        engine->record({kChurn, kItems[rng() % 6], Outcome::Correct, now});
      } else {
        engine->erase_learner(kChurn);
      }
    } catch (const Error& e) {
      ++errors_seen;
      const std::string line = std::string("error ") + to_string(e.code()) + " " + e.what() + "\n";
      if (::write(err_fd, line.data(), line.size()) < 0) _exit(4);
    } catch (const std::exception& e) {
      ++errors_seen;  // not a pathwise::Error: never acceptable
      const std::string line = std::string("error foreign ") + e.what() + "\n";
      if (::write(err_fd, line.data(), line.size()) < 0) _exit(4);
    } catch (...) {
      ++errors_seen;
      if (::write(err_fd, "error foreign unknown\n", 22) < 0) _exit(4);
    }
  }
  ::close(ack_fd);
  ::close(err_fd);
  _exit(errors_seen == 0 ? 0 : 1);
}

inline std::string read_all(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

/// `p` with the curriculum skills a store never wrote added at their prior, as an engine reads
/// a profile (stores write a skill row only once a response touches it).
inline pathwise::LearnerProfile complete(pathwise::LearnerProfile p) {
  const auto model = fixtures::small_model();
  const auto curriculum = fixtures::small_curriculum();
  for (const auto& sk : curriculum.skills()) {
    auto [it, inserted] = p.skills.try_emplace(sk.id);
    if (inserted) it->second.p_known = model.skill(sk.id).prior;
  }
  return p;
}

/// The profile a single engine computes from `responses`, in order, with `goals`.
inline pathwise::LearnerProfile replay(const std::string& learner,
                                       const std::vector<pathwise::ResponseRecord>& responses,
                                       const std::vector<std::string>& goals,
                                       const pathwise::BktModel& model = fixtures::small_model()) {
  using namespace pathwise;
  EngineOptions synthetic;
  synthetic.check_clock = false;
  synthetic.reorder_tolerance = std::chrono::milliseconds(0);
  Engine e(fixtures::small_curriculum(), model, PolicyConfig{}, std::make_unique<InMemoryStore>(),
           synthetic);
  for (const auto& r : responses) e.record({learner, r.item, r.outcome, r.time});
  e.set_goals(learner, goals);
  return e.profile(learner);
}

/// Runs the load and checks the store. `tmp` is a directory for the children's files.
inline void run_and_check(const StoreFactory& make_store, const LoadOptions& o,
                          const std::string& tmp) {
  using namespace pathwise;
  std::vector<pid_t> children;
  for (int c = 0; c < o.processes; ++c) {
    const std::string acks = tmp + "/acks-" + std::to_string(c);
    const std::string errs = tmp + "/errors-" + std::to_string(c);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) child(c, make_store, o, acks, errs);
    children.push_back(pid);
  }
  int killed = 0;
  if (o.meanwhile) o.meanwhile();
  if (o.kill_after_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(o.kill_after_ms));
    for (std::size_t c = 0; c < children.size(); ++c) {
      ::kill(children[c], SIGKILL);  // mid-load: some are inside a transaction
      ++killed;
      std::this_thread::sleep_for(std::chrono::milliseconds(7));
    }
  }
  int failed = 0;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (o.kill_after_ms > 0) {
      CHECK(WIFSIGNALED(status));
    } else if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      ++failed;
    }
  }
  // No caller saw an error.
  std::string errors;
  int busy = 0;
  for (int c = 0; c < o.processes; ++c) {
    std::ifstream f(tmp + "/errors-" + std::to_string(c));
    for (std::string line; std::getline(f, line);) {
      if (o.allow_busy && line.rfind("error busy ", 0) == 0) {
        ++busy;
      } else {
        errors += line + "\n";
      }
    }
  }
  INFO("errors returned to callers:\n" << errors.substr(0, 2000));
  CHECK(errors.empty());
  if (!o.allow_busy) CHECK(failed == 0);
  if (o.allow_busy) WARN("calls that returned Busy during the outage: " << busy);

  // What was acknowledged, per learner: counts of (item, outcome).
  std::map<int, std::map<std::pair<std::string, int>, int>> acked;
  std::map<int, std::size_t> acked_total;
  for (int c = 0; c < o.processes; ++c) {
    std::ifstream f(tmp + "/acks-" + std::to_string(c));
    int l = 0, out = 0;
    std::string item;
    while (f >> l >> item >> out) {
      ++acked[l][{item, out}];
      ++acked_total[l];
    }
  }
  auto store = make_store();
  std::size_t total = 0;
  for (int l = 0; l < kLearners; ++l) {
    const std::string name = learner_name(l);
    auto stored = store->load(name);
    REQUIRE(stored);
    const auto responses = store->responses(name);
    std::map<std::pair<std::string, int>, int> got;
    for (const auto& r : responses) ++got[{r.item, static_cast<int>(r.outcome)}];
    INFO("learner " << l << ": acknowledged " << acked_total[l] << ", stored " << responses.size());
    if (killed == 0) {
      CHECK(got == acked[l]);  // every acknowledged record once, nothing else
    } else {
      // A killed process may have committed its last record without acknowledging it.
      for (const auto& [key, n] : acked[l]) CHECK(got[key] >= n);
      CHECK(responses.size() <= acked_total[l] + static_cast<std::size_t>(killed));
    }
    CHECK(stored->profile.responses == responses.size());
    for (std::size_t i = 1; i < responses.size(); ++i) {
      CHECK(responses[i].time >= responses[i - 1].time);  // applied in commit order
    }
    CHECK(replay(name, responses, stored->profile.goals, model_of(o)) ==
          complete(stored->profile));
    if (o.learner_layer) {
      // The layer records each response once per skill of its item (a2 has two).
      std::uint64_t skill_records = 0;
      for (const auto& r : responses) skill_records += r.item == "a2" ? 2 : 1;
      REQUIRE(stored->profile.learner_state);
      CHECK(stored->profile.learner_state->responses == skill_records);
    } else {
      CHECK(!stored->profile.learner_state);
    }
    total += responses.size();
  }
  if (auto churn = store->load(kChurn)) {
    const auto responses = store->responses(kChurn);
    CHECK(churn->profile.responses == responses.size());
    CHECK(replay(kChurn, responses, churn->profile.goals, model_of(o)) ==
          complete(churn->profile));
  }
  CHECK(total > static_cast<std::size_t>(o.processes) * 10);
  // The store still takes writes after the load (no lock left behind by a killed process).
  Engine after(fixtures::small_curriculum(), model_of(o), PolicyConfig{}, make_store());
  const auto before = after.profile(learner_name(0)).responses;
  after.record({learner_name(0), "c1", Outcome::Correct, std::chrono::system_clock::now()});
  CHECK(after.profile(learner_name(0)).responses == before + 1);
}

}  // namespace multiprocess
