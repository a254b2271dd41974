// A tutoring session as a host runs it: ask the engine what to do next, show the item and why,
// let the learner answer, record the answer, repeat until the engine says "done".
// The learners are simulated: each has a hidden known/unknown state per skill that follows the
// same BKT parameters the engine uses, so the session shows the policy at work.
//
//   build/examples/tutoring [learners, default 200] [profiles.db]
#include <cstdio>
#include <cstdlib>
#include <map>
#include <pathwise/pathwise.hpp>
#include <random>
#include <string>

namespace {

const char* kCurriculum = R"({
  "format": "pathwise-curriculum", "version": "1.0",
  "skills": [
    {"id": "counting", "name": "Counting"},
    {"id": "addition", "name": "Addition", "prerequisites": ["counting"]},
    {"id": "subtraction", "name": "Subtraction", "prerequisites": ["addition"]},
    {"id": "multiplication", "name": "Multiplication", "prerequisites": ["addition"]},
    {"id": "fractions", "name": "Fractions", "prerequisites": ["multiplication", "subtraction"]}
  ],
  "items": [
    {"id": "count-1", "skills": ["counting"], "difficulty": 0.2},
    {"id": "count-2", "skills": ["counting"], "difficulty": 0.5},
    {"id": "count-3", "skills": ["counting"], "difficulty": 0.8},
    {"id": "add-1", "skills": ["addition"], "difficulty": 0.2},
    {"id": "add-2", "skills": ["addition"], "difficulty": 0.5},
    {"id": "add-3", "skills": ["addition"], "difficulty": 0.8},
    {"id": "sub-1", "skills": ["subtraction"], "difficulty": 0.3},
    {"id": "sub-2", "skills": ["subtraction"], "difficulty": 0.6},
    {"id": "sub-3", "skills": ["subtraction"], "difficulty": 0.9},
    {"id": "mul-1", "skills": ["multiplication"], "difficulty": 0.3},
    {"id": "mul-2", "skills": ["multiplication"], "difficulty": 0.6},
    {"id": "mul-3", "skills": ["multiplication", "addition"], "difficulty": 0.7},
    {"id": "frac-1", "skills": ["fractions"], "difficulty": 0.3},
    {"id": "frac-2", "skills": ["fractions"], "difficulty": 0.5},
    {"id": "frac-3", "skills": ["fractions", "multiplication"], "difficulty": 0.8}
  ]})";

pathwise::BktModel make_model() {
  pathwise::BktModel m;
  m.set_skill("counting", {0.60, 0.30, 0.0, 0.20, 0.08});
  m.set_skill("addition", {0.30, 0.25, 0.0, 0.20, 0.10});
  m.set_skill("subtraction", {0.20, 0.20, 0.0, 0.15, 0.10});
  m.set_skill("multiplication", {0.15, 0.20, 0.0, 0.15, 0.10});
  m.set_skill("fractions", {0.05, 0.15, 0.0, 0.10, 0.12});
  return m;
}

/// A simulated learner: hidden known/unknown per skill, answering by the same BKT parameters.
struct SimulatedLearner {
  std::map<std::string, bool> known;
  std::mt19937_64 rng;
  SimulatedLearner(const pathwise::BktModel& m, std::uint64_t seed) : rng(seed) {
    for (const auto& [skill, p] : m.skills()) known[skill] = uniform() < p.prior;
  }
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }
  // Correct if every skill of the item is answered right (known: 1 - slip, else guess).
  bool answer(const pathwise::Curriculum& c, const pathwise::BktModel& m, const std::string& item) {
    bool ok = true;
    for (const auto& s : c.item(item).skills) {
      const auto& p = m.skill(s);
      ok = ok && (known[s] ? uniform() >= p.slip : uniform() < p.guess);
    }
    for (const auto& s : c.item(item).skills)
      if (!known[s] && uniform() < m.skill(s).learn) known[s] = true;
    return ok;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int learners = argc > 1 ? std::atoi(argv[1]) : 200;
  try {
    pathwise::Curriculum curriculum = pathwise::Curriculum::from_json(kCurriculum);
    pathwise::BktModel model = make_model();
    std::unique_ptr<pathwise::ProfileStore> store;
    if (argc > 2) {
      store = pathwise::SqliteStore::open(argv[2]);
    } else {
      store = std::make_unique<pathwise::InMemoryStore>();
    }
    pathwise::Engine engine(curriculum, model, pathwise::PolicyConfig{}, std::move(store));

    auto now = std::chrono::system_clock::now();
    std::map<pathwise::Reason, int> reasons;
    long total_attempts = 0;
    int finished = 0;
    for (int l = 0; l < learners; ++l) {
      const std::string id = "learner-" + std::to_string(l + 1);
      SimulatedLearner learner(model, 1000 + static_cast<std::uint64_t>(l));
      const bool show = l == 0;
      if (show) std::printf("Session of %s:\n", id.c_str());
      for (int step = 0; step < 200; ++step) {
        auto next = engine.recommend(id, now);
        if (!next) break;
        ++reasons[next->reason];
        if (next->reason == pathwise::Reason::Done) {
          if (show) std::printf("  %s\n", next->explanation.c_str());
          ++finished;
          break;
        }
        bool correct = learner.answer(curriculum, model, next->item);
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
    return 0;
  } catch (const pathwise::Error& e) {
    std::fprintf(stderr, "tutoring: %s\n", e.what());
    return 1;
  }
}
