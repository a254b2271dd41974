// Reading speed of the public logs, from bytes in memory and from the file.
#include <benchmark/benchmark.h>

#include <fstream>

#include "pathwise/response_log.hpp"

namespace {

void read_file(benchmark::State& state, const char* relative) {
  std::string path = std::string(PATHWISE_SHARED_DATA) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    state.SkipWithError(("data file not found: " + path).c_str());
    return;
  }
  in.seekg(0, std::ios::end);
  const auto bytes = static_cast<std::size_t>(in.tellg());
  std::size_t responses = 0;
  for (auto _ : state) {
    auto log = pathwise::ResponseLog::read_file(path);
    responses = log.size();
    benchmark::DoNotOptimize(log);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * responses));
}

void BM_ResponseLog_ReadAssist2015(benchmark::State& s) {
  read_file(s, "assist2015/assist2015_train.csv");
}
BENCHMARK(BM_ResponseLog_ReadAssist2015)->Unit(benchmark::kMillisecond);
void BM_ResponseLog_ReadCt(benchmark::State& s) { read_file(s, "ct.csv"); }
BENCHMARK(BM_ResponseLog_ReadCt)->Unit(benchmark::kMillisecond);
void BM_ResponseLog_ReadAs(benchmark::State& s) { read_file(s, "as.csv"); }
BENCHMARK(BM_ResponseLog_ReadAs)->Unit(benchmark::kMillisecond);

}  // namespace
