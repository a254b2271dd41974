// Built against the installed package by .ci/run: proves find_package(pathwise) works.
#include <pathwise/json.hpp>
#include <pathwise/pathwise.hpp>

#include <cstdio>

int main() {
  pathwise::BktModel truth;
  truth.set_skill("addition", {0.3, 0.2, 0.0, 0.2, 0.1});
  pathwise::SimulateLogOptions sim;
  sim.learners = 500;
  pathwise::BktModel model = pathwise::fit(pathwise::simulate_log(truth, sim));
  nlohmann::json j = model;  // the JSON conversions are part of the installed API
  std::printf("pathwise %s: fitted %zu skill(s), prior %.3f (format %s)\n", pathwise::kVersionString,
              model.skill_count(), model.skill("addition").prior,
              j.at("format").get<std::string>().c_str());
  return model.skill_count() == 1 ? 0 : 1;
}
