// Built by .ci/run against the installed package with find_package(pathwise): the host code of
// the design brief, unchanged, then a fit through the installed library.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pathwise/json.hpp>
#include <pathwise/pathwise.hpp>
#include <sstream>

namespace {

std::string read(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void show(const std::string& item, pathwise::Reason reason, const std::string& explanation) {
  std::cout << "next: " << item << " (" << reason << ") " << explanation << "\n";
}

void write_inputs() {
  std::ofstream("curriculum.json") << R"({"format": "pathwise-curriculum", "version": "1.0",
    "skills": [{"id": "whole-numbers"}, {"id": "fractions", "prerequisites": ["whole-numbers"]}],
    "items": [{"id": "wn-01", "skills": ["whole-numbers"]},
              {"id": "frac-add-07", "skills": ["fractions"]},
              {"id": "frac-add-08", "skills": ["fractions"], "difficulty": 0.7}]})";
  std::ofstream("model.json") << R"({"format": "pathwise-bkt-model", "version": "1.0", "skills": {
    "whole-numbers": {"prior": 0.6, "learn": 0.2, "guess": 0.2, "slip": 0.1},
    "fractions": {"prior": 0.3, "learn": 0.15, "guess": 0.25, "slip": 0.1}}})";
  std::remove("profiles.db");
}

}  // namespace

int main() {
  write_inputs();
  const auto now = std::chrono::system_clock::now();
  // --- the host code of the design brief, as written there ---
  auto curriculum = pathwise::Curriculum::from_json(read("curriculum.json"));
  auto model = pathwise::BktModel::from_json(read("model.json"));  // or pathwise::fit(log, opts)
  pathwise::Engine engine(curriculum, model, pathwise::PolicyConfig{},
                          pathwise::SqliteStore::open("profiles.db"));

  engine.record({"learner-42", "frac-add-07", pathwise::Outcome::Correct, now});
  if (auto next = engine.recommend("learner-42", now))
    show(next->item, next->reason, next->explanation);  // e.g. "review: fractions due (p=0.71)"
  double p = engine.profile("learner-42").mastery("fractions");
  // ---
  std::printf("P(known fractions) = %.3f\n", p);

  pathwise::BktModel truth;
  truth.set_skill("addition", {0.3, 0.2, 0.0, 0.2, 0.1});
  pathwise::SimulateLogOptions sim;
  sim.learners = 500;
  pathwise::BktModel fitted = pathwise::fit(pathwise::simulate_log(truth, sim));
  nlohmann::json j = fitted;  // the JSON conversions are part of the installed API
  std::printf("pathwise %s: fitted %zu skill(s), prior %.3f (format %s)\n",
              pathwise::kVersionString, fitted.skill_count(), fitted.skill("addition").prior,
              j.at("format").get<std::string>().c_str());
  // 0.3 prior, correct answer: 0.27 / 0.445 = 0.6067, then + 0.3933 * 0.15 = 0.6657.
  return (fitted.skill_count() == 1 && p > 0.66 && p < 0.67) ? 0 : 1;
}
