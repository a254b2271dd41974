// Per-call cost of record and recommend through the C API, beside the same calls on the C++
// Engine in the same run (the reference): what the C boundary (JSON out, status, copies) adds.
// Not a Google Benchmark: one plain loop per variant, so that the PHP script
// (bench/c_api_bench.php) runs exactly the same loop. Memory store, so that no disk is timed.
// Each learner first answers one item (untimed); recommend is timed in that state (a practice
// step with alternatives), then record.
//
//   build/bench/c_api_bench [calls]          (bench/c_api_bench.sh runs it beside PHP)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pathwise.h"
#include "pathwise/pathwise.hpp"

namespace {

const char* kCurriculum = R"({"format":"pathwise-curriculum","version":"1.0",
  "skills":[{"id":"counting"},{"id":"addition","prerequisites":["counting"]}],
  "items":[{"id":"c1","skills":["counting"]},{"id":"c2","skills":["counting"]},
           {"id":"a1","skills":["addition"]},{"id":"a2","skills":["addition"]}]})";
const char* kModel = R"({"format":"pathwise-bkt-model","version":"1.0","skills":{
  "counting":{"prior":0.5,"learn":0.2,"guess":0.2,"slip":0.1},
  "addition":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1}}})";
constexpr int kLearners = 1000;
constexpr std::int64_t kStart = 1700000000000;
const char* kItems[] = {"c1", "c2", "a1", "a2"};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void report(const char* what, int calls, double seconds) {
  std::printf("%-34s %9d calls %9.0f ns/call %10.0f calls/s\n", what, calls,
              seconds / calls * 1e9, calls / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = argc > 1 ? std::atoi(argv[1]) : 200000;
  std::vector<std::string> learners;
  for (int l = 0; l < kLearners; ++l) learners.push_back("learner-" + std::to_string(l));

  {  // The reference: the C++ Engine, same documents, same store, same loop.
    pathwise::Engine engine(pathwise::Curriculum::from_json(kCurriculum),
                            pathwise::BktModel::from_json(kModel), pathwise::PolicyConfig{},
                            pathwise::open_store("memory:"));
    for (int l = 0; l < kLearners; ++l)  // warm-up: every learner exists before timing
      engine.record({learners[l], "c1", pathwise::Outcome::Correct, pathwise::from_millis(0)});
    double t0 = now_s();
    std::size_t bytes = 0;
    const char* reason = "null";
    for (int k = 0; k < calls; ++k) {
      auto r = engine.recommend(learners[k % kLearners], pathwise::from_millis(kStart));
      bytes += r ? r->item.size() : 0;
      if (k == 0 && r) reason = pathwise::to_string(r->reason);
    }
    report((std::string("C++ Engine::recommend (") + reason + ")").c_str(), calls, now_s() - t0);
    if (bytes == 0) std::printf("(no item recommended)\n");
    t0 = now_s();
    for (int k = 0; k < calls; ++k) {
      engine.record({learners[k % kLearners], kItems[(k / kLearners) % 4],
                     k % 3 ? pathwise::Outcome::Correct : pathwise::Outcome::Incorrect,
                     pathwise::from_millis(kStart + k)});
    }
    report("C++ Engine::record", calls, now_s() - t0);
  }
  {  // The C API, as a C host (or PHP's FFI) calls it.
    pathwise_engine_t* e = nullptr;
    char* err = nullptr;
    if (pathwise_engine_create(kCurriculum, kModel, nullptr, "memory:", &e, &err) != PATHWISE_OK) {
      std::fprintf(stderr, "%s\n", err);
      return 1;
    }
    for (int l = 0; l < kLearners; ++l)  // warm-up, as above
      pathwise_record_n(e, learners[l].data(), learners[l].size(), "c1", 2, 1, 0, nullptr);
    double t0 = now_s();
    for (int k = 0; k < calls; ++k) {
      const std::string& who = learners[k % kLearners];
      char* json = nullptr;
      if (pathwise_recommend_n(e, who.data(), who.size(), kStart, &json, nullptr) !=
          PATHWISE_OK)
        return 1;
      pathwise_free(json);
    }
    report("C pathwise_recommend_n (JSON out)", calls, now_s() - t0);
    t0 = now_s();
    for (int k = 0; k < calls; ++k) {
      const std::string& who = learners[k % kLearners];
      const char* item = kItems[(k / kLearners) % 4];
      if (pathwise_record_n(e, who.data(), who.size(), item, std::strlen(item), k % 3 ? 1 : 0,
                            kStart + k, nullptr) != PATHWISE_OK)
        return 1;
    }
    report("C pathwise_record_n", calls, now_s() - t0);
    pathwise_engine_destroy(e);
  }
  return 0;
}
