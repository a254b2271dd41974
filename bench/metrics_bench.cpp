// Prediction and scoring speed.
#include <benchmark/benchmark.h>

#include "pathwise/metrics.hpp"
#include "pathwise/simulate.hpp"

namespace {

void BM_Metrics_PredictAndScore(benchmark::State& state) {
  pathwise::BktModel m;
  m.set_skill("s", {0.3, 0.15, 0.0, 0.2, 0.1});
  pathwise::SimulateLogOptions o;
  o.learners = static_cast<std::size_t>(state.range(0));
  o.opportunities = 20;
  auto log = pathwise::simulate_log(m, o);
  for (auto _ : state) benchmark::DoNotOptimize(pathwise::evaluate(m, log));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * log.size()));
}
BENCHMARK(BM_Metrics_PredictAndScore)->Arg(5000)->Arg(50000)->Unit(benchmark::kMillisecond);

}  // namespace
