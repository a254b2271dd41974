// A tutoring session as a host runs it: ask the engine what to do next, show the item and why,
// let the learner answer, record the answer, repeat until the engine says "done".
// The learners are simulated (pathwise::SimulatedLearner): each has a hidden known/unknown state
// per skill drawn around the same BKT parameters the engine uses, learns more slowly before its
// prerequisites are known, and answers items by their guess and slip.
//
// At the end it writes the class report and the first learner's report (self-contained HTML
// pages, docs/reports.md) beside the program and prints their paths.
//
//   build/examples/tutoring [learners, default 200] [profiles.db]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <pathwise/pathwise.hpp>
#include <random>
#include <string>

namespace {}  // namespace

int main(int argc, char** argv) {
  const int learners = argc > 1 ? std::atoi(argv[1]) : 200;
  try {
    // The built-in course: five arithmetic skills with prerequisites (see synthetic_course()).
    auto [curriculum, model] = pathwise::synthetic_course();
    std::unique_ptr<pathwise::ProfileStore> store;
    // A store URL (sqlite:profiles.db, postgresql://...) as the second argument, or memory.
    store = pathwise::open_store(argc > 2 ? argv[2] : "memory:");
    // Not owned: the engine owns the store; the reports at the end read it through this.
    pathwise::ProfileStore* profiles = store.get();
    // The sessions run in simulated time, 30 s per answer from now on: tell the engine not to
    // judge these times against the machine's clock.
    pathwise::EngineOptions simulated_time;
    simulated_time.check_clock = false;
    pathwise::Engine engine(curriculum, model, pathwise::PolicyConfig{}, std::move(store),
                            simulated_time);

    // Learners start two hours apart over the past weeks, so the report has days to show.
    const auto start = std::chrono::system_clock::now() - std::chrono::hours(2 * learners);
    auto now = start;
    std::map<pathwise::Reason, int> reasons;
    long total_attempts = 0;
    int finished = 0;
    for (int l = 0; l < learners; ++l) {
      const std::string id = "learner-" + std::to_string(l + 1);
      pathwise::SimulatedLearner learner(curriculum, model, pathwise::PopulationOptions{},
                                         static_cast<std::uint64_t>(l));
      const bool show = l == 0;
      now = std::max(now, start + std::chrono::hours(2 * l));
      if (show) std::printf("Session of %s:\n", id.c_str());
      // The last quarter of the class is still in the middle of the course.
      const int steps = 4 * l >= 3 * learners ? 5 + (l * 7) % 40 : 200;
      for (int step = 0; step < steps; ++step) {
        auto next = engine.recommend(id, now);
        if (!next) break;
        ++reasons[next->reason];
        if (next->reason == pathwise::Reason::Done) {
          if (show) std::printf("  %s\n", next->explanation.c_str());
          ++finished;
          break;
        }
        bool correct =
            learner.answer(*curriculum.item_index(next->item), now) == pathwise::Outcome::Correct;
        if (show) {
          std::printf("  %2d. %-7s %-12s %s  [%s]\n", step + 1, next->item.c_str(),
                      pathwise::to_string(next->reason), correct ? "correct  " : "incorrect",
                      next->explanation.c_str());
        }
        engine.record({id, next->item,
                       correct ? pathwise::Outcome::Correct : pathwise::Outcome::Incorrect, now});
        now += std::chrono::seconds(30);
        ++total_attempts;
      }
    }
    std::printf("\n%d simulated learners: %d reached 'done', %.1f attempts each on average.\n",
                learners, finished, static_cast<double>(total_attempts) / learners);
    std::printf("Recommendations by reason:");
    for (const auto& [r, n] : reasons) std::printf(" %s %d", pathwise::to_string(r), n);
    std::printf("\n\nClass summary (mean P(known), share mastered):\n");
    for (const auto& s : engine.class_summary().skills) {
      std::printf("  %-15s %.2f  %3.0f%%\n", s.skill.c_str(), s.mean,
                  100.0 * static_cast<double>(s.mastered) / static_cast<double>(s.learners));
    }

    // The teacher's and the first learner's reports. Learners appear by pseudonym; the first
    // has a display name, as a host would pass from its own user table.
    pathwise::ReportOptions report;
    report.now = now;
    report.ids.names = {{"learner-1", "Ada (learner 1)"}};
    report.title = "Simulated class";
    const std::filesystem::path dir = std::filesystem::absolute(argv[0]).parent_path();
    const std::string class_path = (dir / "class-report.html").string();
    const std::string learner_path = (dir / "learner-report.html").string();
    pathwise::write_report(class_path,
                           pathwise::class_report_html(*profiles, curriculum, model, report));
    report.title = "Your progress";
    pathwise::write_report(learner_path, pathwise::learner_report_html(*profiles, curriculum, model,
                                                                       "learner-1", report));
    std::printf("\nClass report:   %s\nLearner report: %s\n", class_path.c_str(),
                learner_path.c_str());
    return 0;
  } catch (const pathwise::Error& e) {
    std::fprintf(stderr, "tutoring: %s\n", e.what());
    return 1;
  }
}
