// Fit of a large simulated log: time and peak memory (bytes per response).
//
//   build/bench/fit_scale [responses, default 10000000] [skills, default 20]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "pathwise/fit.hpp"
#include "pathwise/simulate.hpp"

namespace {
double peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0;  // Linux reports KiB
}
}  // namespace

int main(int argc, char** argv) {
  const std::size_t responses = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
  const std::size_t skills = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20;
  const std::size_t opportunities = 20;
  pathwise::BktModel truth;
  for (std::size_t k = 0; k < skills; ++k) {
    double x = static_cast<double>(k) / static_cast<double>(skills);
    truth.set_skill("skill-" + std::to_string(k),
                    {0.2 + 0.4 * x, 0.05 + 0.2 * x, 0.0, 0.15 + 0.1 * x, 0.05 + 0.1 * x});
  }
  pathwise::SimulateLogOptions sim;
  sim.opportunities = opportunities;
  sim.learners = responses / (skills * opportunities);
  const double base = peak_rss_bytes();
  auto t0 = std::chrono::steady_clock::now();
  pathwise::ResponseLog log = pathwise::simulate_log(truth, sim);
  auto t1 = std::chrono::steady_clock::now();
  const double after_log = peak_rss_bytes();
  pathwise::FitResult r = pathwise::fit_with_report(log, {});
  auto t2 = std::chrono::steady_clock::now();
  const double peak = peak_rss_bytes();
  const double n = static_cast<double>(log.size());
  double worst = 0.0;
  for (const auto& name : truth.skill_names()) {
    const auto& a = truth.skill(name);
    const auto& b = r.model.skill(name);
    for (double d : {a.prior - b.prior, a.learn - b.learn, a.guess - b.guess, a.slip - b.slip})
      worst = std::max(worst, std::abs(d));
  }
  std::printf("responses            %zu (%zu skills x %zu learners x %zu)\n", log.size(), skills,
              sim.learners, opportunities);
  std::printf("simulate             %.2f s\n", std::chrono::duration<double>(t1 - t0).count());
  std::printf("fit                  %.2f s wall, %u threads, %llu EM iterations\n",
              std::chrono::duration<double>(t2 - t1).count(), r.report.threads,
              static_cast<unsigned long long>(r.report.e_steps));
  std::printf("EM throughput        %.1f M responses/s per iteration\n",
              static_cast<double>(r.report.response_steps) /
                  std::chrono::duration<double>(t2 - t1).count() / 1e6);
  std::printf("peak memory          %.1f MiB (process), %.1f MiB before the log\n",
              peak / 1048576.0, base / 1048576.0);
  std::printf("log                  %.2f bytes/response\n", (after_log - base) / n);
  std::printf("log + fit (peak)     %.2f bytes/response\n", (peak - base) / n);
  std::printf("largest param error  %.4f\n", worst);
  return 0;
}
