// Online speed: Engine::record and Engine::recommend with 100 skills and 2,000 items, in memory
// and on SQLite.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "pathwise/engine.hpp"

namespace {

using namespace pathwise;

// 100 skills in 10 chains of 10 (each skill needs the one before it), 20 items per skill.
Curriculum big_curriculum() {
  std::vector<Skill> skills;
  std::vector<Item> items;
  for (int k = 0; k < 100; ++k) {
    Skill s{"skill-" + std::to_string(k), "", {}};
    if (k % 10 != 0) s.prerequisites.push_back("skill-" + std::to_string(k - 1));
    skills.push_back(s);
    for (int i = 0; i < 20; ++i) {
      Item it{"item-" + std::to_string(k) + "-" + std::to_string(i), {s.id}, i / 19.0, ""};
      items.push_back(it);
    }
  }
  return Curriculum(skills, items);
}

BktModel big_model() {
  BktModel m;
  for (int k = 0; k < 100; ++k)
    m.set_skill("skill-" + std::to_string(k), {0.2 + 0.005 * k, 0.15, 0.0, 0.2, 0.1});
  return m;
}

// big_model() with a learner layer: every weight set, and corrections for every skill (as a
// fit gives them), so predictions look up both the skill's weights and its state.
BktModel layer_model() {
  BktModel m = big_model();
  LearnerLayer L;
  const double w[kLearnerTerms] = {0.1, 0.95, 3.0, 0.8, -0.4, 0.2, -0.2, 0.5, -0.04, 0.1, 0.05, -0.08};
  for (std::size_t t = 0; t < kLearnerTerms; ++t) L.weights[t] = w[t];
  for (int k = 0; k < 100; ++k)
    L.skills["skill-" + std::to_string(k)] = LearnerSkillWeights{0.01 * (k % 7), -0.02, 0.3};
  m.set_learner(L);
  return m;
}

// Arg 0: the plain model; 1: with the learner layer.
BktModel model_for(const benchmark::State& state) {
  return state.range(0) ? layer_model() : big_model();
}

std::vector<std::string> item_ids(const Curriculum& c) {
  std::vector<std::string> out;
  for (const auto& it : c.items()) out.push_back(it.id);
  return out;
}

void BM_Engine_Record(benchmark::State& state) {
  Engine engine(big_curriculum(), model_for(state));
  auto items = item_ids(engine.curriculum());
  std::vector<std::string> learners;
  for (int l = 0; l < 1000; ++l) learners.push_back("learner-" + std::to_string(l));
  TimePoint t = from_millis(1700000000000);
  std::size_t i = 0;
  for (auto _ : state) {
    engine.record({learners[i % learners.size()], items[(i * 7) % items.size()],
                   i % 3 ? Outcome::Correct : Outcome::Incorrect, t});
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Engine_Record)->Arg(0)->Arg(1)->Repetitions(5)->ReportAggregatesOnly(true);

// Brings "learner" part-way through the course, one response a minute: the first skills of each
// chain mastered. Returns the time of the last response.
TimePoint part_way(Engine& engine) {
  TimePoint t = from_millis(1700000000000);
  for (int k = 0; k < 100; ++k) {
    if (k % 10 > 3) continue;
    for (int r = 0; r < 12; ++r) {
      t += std::chrono::minutes(1);
      engine.record({"learner", "item-" + std::to_string(k) + "-" + std::to_string(r % 20),
                     Outcome::Correct, t});
    }
  }
  return t;
}

void BM_Engine_Recommend(benchmark::State& state) {
  Engine engine(big_curriculum(), model_for(state));
  const TimePoint t = part_way(engine);
  for (auto _ : state) benchmark::DoNotOptimize(engine.recommend("learner", t));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Engine_Recommend)->Arg(0)->Arg(1)->Repetitions(5)->ReportAggregatesOnly(true);

// Placement (8 items at most) for a new learner on the same course: each recommend replays the
// diagnostic answers so far. Arg: 0 exact (each chain of 10 enumerated alone: 11 states), 1
// sampled (importance sampling, 2,000 draws, forced by placement_exact_states = 1). The learner has answered
// the first three diagnostic items.
void BM_Placement_Recommend(benchmark::State& state) {
  PolicyConfig config;
  config.rules.placement_items = 8;
  if (state.range(0)) config.rules.placement_exact_states = 1;
  Engine engine(big_curriculum(), big_model(), config);
  TimePoint t = from_millis(1700000000000);
  for (int k = 0; k < 3; ++k) {
    auto r = engine.recommend("learner", t);
    if (!r || r->reason != Reason::Placement) {
      state.SkipWithError("placement is not active");
      return;
    }
    t += std::chrono::minutes(1);
    engine.record({"learner", r->item, k % 2 ? Outcome::Incorrect : Outcome::Correct, t});
  }
  for (auto _ : state) benchmark::DoNotOptimize(engine.recommend("learner", t));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Placement_Recommend)->Arg(0)->Arg(1)->Repetitions(5)->ReportAggregatesOnly(true);

// BM_Engine_Recommend's learner (past placement) with placement on: the cost of checking it.
void BM_Placement_Recommend_After(benchmark::State& state) {
  PolicyConfig config;
  config.rules.placement_items = 8;
  Engine engine(big_curriculum(), big_model(), config);
  const TimePoint t = part_way(engine);
  for (auto _ : state) benchmark::DoNotOptimize(engine.recommend("learner", t));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Placement_Recommend_After)->Repetitions(5)->ReportAggregatesOnly(true);

// Durable records on SQLite: each record is one committed transaction (WAL,
// synchronous=NORMAL: survives a crash of the process).
void BM_Engine_RecordSqlite(benchmark::State& state) {
  std::string path = "/tmp/pathwise-bench-" + std::to_string(::getpid()) + ".db";
  for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
  {
    SqliteOptions o;
    o.sync_to_disk = state.range(0) != 0;
    Engine engine(big_curriculum(), state.range(1) ? layer_model() : big_model(), PolicyConfig{},
                  SqliteStore::open(path, o));
    auto items = item_ids(engine.curriculum());
    TimePoint t = from_millis(1700000000000);
    std::size_t i = 0;
    for (auto _ : state) {
      engine.record({"learner-" + std::to_string(i % 1000), items[(i * 7) % items.size()],
                     i % 3 ? Outcome::Correct : Outcome::Incorrect, t});
      ++i;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  }
  for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
}
// Args: sync_to_disk, learner layer.
BENCHMARK(BM_Engine_RecordSqlite)
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
