// Fitting speed: the EM kernel on simulated skills, and whole fits of the public logs.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "detail/em_kernel.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/log.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/simulate.hpp"

namespace {

pathwise::ResponseLog simulated(std::size_t learners, std::size_t opportunities) {
  pathwise::BktModel m;
  m.set_skill("s", {0.3, 0.15, 0.0, 0.2, 0.1});
  pathwise::SimulateLogOptions o;
  o.learners = learners;
  o.opportunities = opportunities;
  return pathwise::simulate_log(m, o);
}

// One E-step (forward-backward and expected counts) over one skill; items = responses.
void BM_Fit_EStep(benchmark::State& state) {
  auto log = simulated(static_cast<std::size_t>(state.range(0)), 20);
  auto data = pathwise::detail::build_skill_data(log, log.skill_sequences(0));
  pathwise::BktParams p{0.3, 0.15, 0.0, 0.2, 0.1};
  std::vector<double> scratch;
  for (auto _ : state) benchmark::DoNotOptimize(pathwise::detail::e_step(data, p, scratch));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * log.size()));
}
BENCHMARK(BM_Fit_EStep)->Arg(500)->Arg(5000)->Arg(50000);

// The same with the baseline (SSE2) vectors, for machines without AVX2.
void BM_Fit_EStepPortable(benchmark::State& state) {
  auto log = simulated(static_cast<std::size_t>(state.range(0)), 20);
  auto data = pathwise::detail::build_skill_data(log, log.skill_sequences(0));
  pathwise::BktParams p{0.3, 0.15, 0.0, 0.2, 0.1};
  std::vector<double> scratch;
  for (auto _ : state)
    benchmark::DoNotOptimize(pathwise::detail::e_step_portable(data, p, scratch));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * log.size()));
}
BENCHMARK(BM_Fit_EStepPortable)->Arg(5000);

// A whole fit of one skill, 5 restarts to convergence, one thread.
void BM_Fit_EmOneSkill(benchmark::State& state) {
  auto log = simulated(static_cast<std::size_t>(state.range(0)), 20);
  pathwise::FitOptions o;
  o.threads = 1;
  std::uint64_t steps = 0;
  for (auto _ : state) {
    auto r = pathwise::fit_with_report(log, o);
    steps += r.report.response_steps;
    benchmark::DoNotOptimize(r);
  }
  state.counters["response_steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Fit_EmOneSkill)->Arg(5000)->Unit(benchmark::kMillisecond);

// `pathwise fit` of a public log, as a user runs it: 5 restarts to convergence, all threads.
void fit_file(benchmark::State& state, const char* relative,
              const pathwise::FitOptions& options = {}) {
  pathwise::logger()->set_level(spdlog::level::off);  // degenerate-fit notes are not news here
  std::string path = std::string(PATHWISE_SHARED_DATA) + "/" + relative;
  if (!std::ifstream(path).good()) {
    state.SkipWithError(("data file not found: " + path).c_str());
    return;
  }
  auto log = pathwise::ResponseLog::read_file(path);
  std::uint64_t steps = 0, iterations = 0;
  for (auto _ : state) {
    auto r = pathwise::fit_with_report(log, options);
    steps += r.report.response_steps;
    iterations += r.report.e_steps;
    benchmark::DoNotOptimize(r);
  }
  state.counters["responses"] = static_cast<double>(log.size());
  state.counters["EM_iterations"] =
      static_cast<double>(iterations) / static_cast<double>(state.iterations());
  state.counters["response_steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
void BM_Fit_Assist2015(benchmark::State& state) {
  fit_file(state, "assist2015/assist2015_train.csv");
}
BENCHMARK(BM_Fit_Assist2015)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_Fit_Assist2009(benchmark::State& state) {
  fit_file(state, "assist2009/assist2009_updated_train.csv");
}
BENCHMARK(BM_Fit_Assist2009)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_Fit_Ct(benchmark::State& state) { fit_file(state, "ct.csv"); }
BENCHMARK(BM_Fit_Ct)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same fits with pyBKT's maximum likelihood (--preset pybkt), and with the learner layer
// (--learner-layer: BKT, then the layer's Newton fit).
void BM_Fit_Assist2015_Pybkt(benchmark::State& state) {
  fit_file(state, "assist2015/assist2015_train.csv", pathwise::FitOptions::pybkt());
}
BENCHMARK(BM_Fit_Assist2015_Pybkt)->Unit(benchmark::kMillisecond)->UseRealTime();
pathwise::FitOptions with_layer() {
  pathwise::FitOptions o;
  o.learner.enabled = true;
  return o;
}
void BM_Fit_Assist2015_Learner(benchmark::State& state) {
  fit_file(state, "assist2015/assist2015_train.csv", with_layer());
}
BENCHMARK(BM_Fit_Assist2015_Learner)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_Fit_Assist2009_Learner(benchmark::State& state) {
  fit_file(state, "assist2009/assist2009_updated_train.csv", with_layer());
}
BENCHMARK(BM_Fit_Assist2009_Learner)->Unit(benchmark::kMillisecond)->UseRealTime();

// Offline prediction of the ASSIST2015 test split (200k responses) with and without the layer.
void predict_file(benchmark::State& state, bool layer) {
  const std::string dir = std::string(PATHWISE_SHARED_DATA) + "/assist2015/";
  if (!std::ifstream(dir + "assist2015_train.csv").good()) {
    state.SkipWithError("data file not found: assist2015_train.csv");
    return;
  }
  auto model = pathwise::fit(pathwise::ResponseLog::read_file(dir + "assist2015_train.csv"),
                             layer ? with_layer() : pathwise::FitOptions{});
  auto test = pathwise::ResponseLog::read_file(dir + "assist2015_test.csv");
  for (auto _ : state) benchmark::DoNotOptimize(pathwise::predict(model, test));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * test.size()));
}
void BM_Predict_Assist2015(benchmark::State& state) { predict_file(state, false); }
BENCHMARK(BM_Predict_Assist2015)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_Predict_Assist2015_Learner(benchmark::State& state) { predict_file(state, true); }
BENCHMARK(BM_Predict_Assist2015_Learner)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
