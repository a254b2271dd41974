// Reading speed of the public logs, from bytes in memory and from the file.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>

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

// ct.csv without its time column: the cost of reading Step Start Time is the difference.
void BM_ResponseLog_ReadCtNoTime(benchmark::State& state) {
  pathwise::ReadOptions options;
  options.columns.time = "-";
  const std::string path = std::string(PATHWISE_SHARED_DATA) + "/ct.csv";
  if (!std::ifstream(path)) {
    state.SkipWithError(("data file not found: " + path).c_str());
    return;
  }
  for (auto _ : state) {
    auto log = pathwise::ResponseLog::read_file(path, options);
    benchmark::DoNotOptimize(log);
  }
}
BENCHMARK(BM_ResponseLog_ReadCtNoTime)->Unit(benchmark::kMillisecond);

/// `n` xAPI statements as JSON lines, shaped as an LRS exports them (about 430 bytes each): 1,000
/// learners, 200 activities with their skill in an extension, timestamps a minute apart.
std::string xapi_lines(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t learner = (i * 7919) % 1000, item = (i * 31) % 200;
    const std::int64_t ms = 1764547200000 + static_cast<std::int64_t>(i) * 60000;
    const std::int64_t sec = ms / 1000;
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "2025-12-01T%02d:%02d:%02dZ",
                  static_cast<int>(sec / 3600 % 24), static_cast<int>(sec / 60 % 60),
                  static_cast<int>(sec % 60));
    out += "{\"id\":\"00000000-0000-4000-8000-" + std::to_string(100000000000 + i) +
           "\",\"actor\":{\"objectType\":\"Agent\",\"account\":{\"homePage\":"
           "\"https://lms.example.org\",\"name\":\"learner-" +
           std::to_string(learner) +
           "\"}},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/answered\"},"
           "\"object\":{\"objectType\":\"Activity\",\"id\":\"https://lms.example.org/items/" +
           std::to_string(item) +
           "\",\"definition\":{\"extensions\":{\"http://example.org/xapi/skill\":\"skill-" +
           std::to_string(item % 20) +
           "\"}}},\"result\":{\"success\":" + ((i * 2654435761u) % 10 < 7 ? "true" : "false") +
           "},\"timestamp\":\"" + stamp + "\"}\n";
  }
  return out;
}

void BM_ResponseLog_ReadXapi(benchmark::State& state) {
  const std::string text = xapi_lines(static_cast<std::size_t>(state.range(0)));
  pathwise::ReadOptions options;
  options.skill_extension = "http://example.org/xapi/skill";
  std::size_t responses = 0;
  for (auto _ : state) {
    auto log = pathwise::ResponseLog::parse(text, options);
    responses = log.size();
    benchmark::DoNotOptimize(log);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * responses));
}
BENCHMARK(BM_ResponseLog_ReadXapi)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
