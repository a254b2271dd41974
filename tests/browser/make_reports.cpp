// Writes the reports the browser test opens: a class of 43 learners on six skills (three
// hand-worked learners and 40 simulated ones), one learner's report, and a fit report of a
// simulated log (bench/report_bench writes the large class of the benchmark).
//
//   report_fixtures OUT_DIR    -> class.html learner.html fit.html expect.json
//
// Every skill has prior 0.5, learn 0.2, guess 0.2, slip 0.1, so the browser test's expected
// values are worked by hand: "Alice" answers s1's first item right once:
//   P(known | right) = 0.5 * 0.9 / (0.5 * 0.9 + 0.5 * 0.2) = 0.8182, then learning:
//   0.8182 + (1 - 0.8182) * 0.2 = 0.8545, shown as 0.85.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <pathwise/pathwise.hpp>
#include <string>

namespace {

using namespace pathwise;

constexpr std::int64_t kT0 = 1793613600000;  // Monday 2026-11-02 10:00 UTC
constexpr std::int64_t kMinute = 60000;

Curriculum course(std::size_t skills) {
  std::vector<Skill> ss;
  std::vector<Item> items;
  for (std::size_t k = 0; k < skills; ++k) {
    Skill s;
    s.id = "s" + std::to_string(k + 1);
    s.name = k < 6 ? std::vector<std::string>{"Counting",     "Adding",    "Taking away",
                                              "Times tables", "Fractions", "Décimales & <tags>"}[k]
                   : "Skill " + std::to_string(k + 1);
    if (k > 0 && k < 6) s.prerequisites = {"s" + std::to_string(k)};
    ss.push_back(s);
    for (int i = 0; i < 2; ++i) {
      Item it;
      it.id = s.id + "-" + std::to_string(i + 1);
      it.skills = {s.id};
      items.push_back(it);
    }
  }
  return Curriculum(ss, items);
}

BktModel model_for(const Curriculum& c) {
  BktModel m;
  for (const auto& s : c.skills()) m.set_skill(s.id, {0.5, 0.2, 0.0, 0.2, 0.1});
  return m;
}

int run(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: report_fixtures OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::size_t learners = 40;
  Curriculum c = course(6);
  BktModel m = model_for(c);
  EngineOptions eo;
  eo.check_clock = false;
  eo.cache_learners = 0;
  auto owned = std::make_unique<InMemoryStore>(true);
  ProfileStore* store = owned.get();  // not owned: the engine owns it
  Engine engine(c, m, PolicyConfig{}, std::move(owned), eo);
  ReportOptions ro;
  ro.ids.key = "browser test key";
  ro.now = from_millis(kT0 + 30LL * 24 * 60 * kMinute);

  // The hand-worked learners.
  engine.record({"alice@example.org", "s1-1", Outcome::Correct, from_millis(kT0)});
  for (int i = 0; i < 12; ++i)
    engine.record({"carol-7", "s1-2", Outcome::Incorrect, from_millis(kT0 + i * kMinute)});
  engine.record({"dan <script>", "s1-1", Outcome::Incorrect, from_millis(kT0 + kMinute)});
  // Simulated learners, each starting a day after the last, stopping after a varying number of
  // answers so the class is spread over the course.
  for (std::size_t l = 0; l < learners; ++l) {
    const std::string id = "sim-" + std::to_string(l);
    SimulatedLearner sim(c, m, PopulationOptions{}, l);
    TimePoint now = from_millis(kT0 + static_cast<std::int64_t>(l % 20) * 1440 * kMinute);
    const std::size_t steps = 5 + (l * 13) % 60;
    for (std::size_t s = 0; s < steps; ++s) {
      auto next = engine.recommend(id, now);
      if (!next || next->item.empty()) break;
      Outcome o = sim.answer(*c.item_index(next->item), now);
      engine.record({id, next->item, o, now});
      now += std::chrono::minutes(3);
    }
  }
  ro.ids.names = {{"alice@example.org", "Alice"}};
  ro.title = "Class 4B";
  write_report(dir + "/class.html", class_report_html(*store, c, m, ro));
  // The same class as a large one is drawn: rows with compact data, the heatmap as an image.
  ReportOptions compact = ro;
  compact.max_table_cells = 0;
  write_report(dir + "/class-compact.html", class_report_html(*store, c, m, compact));
  ro.title = "Your progress";
  write_report(dir + "/learner.html", learner_report_html(*store, c, m, "carol-7", ro));
  auto rec = engine.recommend("carol-7", *ro.now);

  SimulateLogOptions so;
  so.learners = 300;
  so.opportunities = 15;
  so.seed = 7;
  BktModel truth;
  truth.set_skill("counting", {0.4, 0.25, 0.0, 0.2, 0.1});
  truth.set_skill("fractions", {0.2, 0.1, 0.0, 0.25, 0.15});
  truth.set_skill("guessing", {0.3, 0.05, 0.0, 0.55, 0.45});
  ResponseLog log = simulate_log(truth, so);
  FitOptions fo = FitOptions::bkt();
  FitResult fr = fit_with_report(log, fo);
  FitReportOptions fro;
  fro.title = "Fit of a simulated log";
  write_report(dir + "/fit.html", fit_report_html(fr.model, log, &fr.report, fro));
  // What the browser test compares against (the explanation is the engine's own).
  const std::string expect = nlohmann::json{{"learners", learners + 3},
                                            {"explanation", rec ? rec->explanation : std::string()},
                                            {"fit_skills", 3}}
                                 .dump() +
                             "\n";
  std::FILE* f = std::fopen((dir + "/expect.json").c_str(), "w");
  if (!f) return 1;
  std::fputs(expect.c_str(), f);
  std::fclose(f);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const pathwise::Error& e) {
    std::fprintf(stderr, "report_fixtures: %s\n", e.what());
    return 1;
  }
}
