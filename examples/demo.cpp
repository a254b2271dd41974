// The Pathwise demo: simulate learners from known BKT parameters, fit the log, and compare the
// recovered parameters with the truth; then, if the public Cognitive Tutor log is beside the
// project (../shared/data/ct.csv), fit it and print a per-skill table.
//
//   build/examples/demo [path/to/ct.csv]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <pathwise/pathwise.hpp>
#include <string>

namespace {

void print_recovery() {
  pathwise::BktModel truth;
  truth.set_skill("fractions", {0.25, 0.15, 0.0, 0.20, 0.10});
  truth.set_skill("decimals", {0.40, 0.08, 0.0, 0.25, 0.08});
  truth.set_skill("percentages", {0.10, 0.25, 0.0, 0.15, 0.12});

  pathwise::SimulateLogOptions sim;
  sim.learners = 4000;
  sim.opportunities = 20;
  sim.seed = 2026;
  pathwise::ResponseLog log = pathwise::simulate_log(truth, sim);
  pathwise::FitResult fitted = pathwise::fit_with_report(log, {});

  std::printf("1. Simulated log: %zu learners x %zu skills x %zu opportunities = %zu responses\n",
              sim.learners, truth.skill_count(), sim.opportunities, log.size());
  std::printf("   fitted in %.3f s; true value -> recovered value\n\n", fitted.report.seconds);
  std::printf("   %-12s %15s %15s %15s %15s\n", "skill", "prior", "learn", "guess", "slip");
  for (const auto& name : truth.skill_names()) {
    const auto& t = truth.skill(name);
    const auto& f = fitted.model.skill(name);
    std::printf("   %-12s   %.3f -> %.3f   %.3f -> %.3f   %.3f -> %.3f   %.3f -> %.3f\n",
                name.c_str(), t.prior, f.prior, t.learn, f.learn, t.guess, f.guess, t.slip, f.slip);
  }
  pathwise::Metrics m = pathwise::evaluate(fitted.model, log);
  std::printf("\n   training AUC %.4f, RMSE %.4f over %zu responses\n\n", m.auc, m.rmse,
              m.responses);
}

void print_real_log(const std::string& path) {
  std::printf("2. Real log: %s (Cognitive Tutor, Algebra I)\n", path.c_str());
  pathwise::ResponseLog log = pathwise::ResponseLog::read_file(path);
  std::printf("   %s", log.report().summary().c_str());
  pathwise::FitResult fitted = pathwise::fit_with_report(log, {});
  pathwise::Metrics m = pathwise::evaluate(fitted.model, log);
  std::printf("   %zu skills fitted in %.3f s; training AUC %.4f, RMSE %.4f\n\n",
              fitted.report.skills.size(), fitted.report.seconds, m.auc, m.rmse);

  auto skills = fitted.report.skills;
  std::sort(skills.begin(), skills.end(),
            [](const auto& a, const auto& b) { return a.responses > b.responses; });
  std::printf("   the 15 skills with the most responses:\n");
  std::printf("   %-44s %5s %4s %6s %6s %6s %6s  %s\n", "skill", "resp", "seqs", "prior", "learn",
              "guess", "slip", "notes");
  for (std::size_t i = 0; i < skills.size() && i < 15; ++i) {
    const auto& s = skills[i];
    const auto& p = fitted.model.skill(s.skill);
    std::string name = s.skill.size() > 44 ? s.skill.substr(0, 41) + "..." : s.skill;
    std::string notes = s.warnings.empty() ? "" : s.warnings.front();
    std::printf("   %-44s %5zu %4zu %6.3f %6.3f %6.3f %6.3f  %s\n", name.c_str(), s.responses,
                s.sequences, p.prior, p.learn, p.guess, p.slip, notes.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    print_recovery();
    std::string ct = argc > 1 ? argv[1] : std::string(PATHWISE_SHARED_DATA) + "/ct.csv";
    if (std::ifstream(ct).good()) {
      print_real_log(ct);
    } else {
      std::printf("2. Real log: %s not found; pass the path of ct.csv to fit it too.\n",
                  ct.c_str());
    }
    return 0;
  } catch (const pathwise::Error& e) {
    std::fprintf(stderr, "demo: %s\n", e.what());
    return 1;
  }
}
