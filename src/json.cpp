// The JSON form of the engine's results, shared by the C API and the CLI.
#include "pathwise/json.hpp"

#include <cmath>

#include "pathwise/engine.hpp"
#include "pathwise/policy.hpp"

namespace pathwise {

namespace {
nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}
}  // namespace

void to_json(nlohmann::json& j, const Recommendation& r) {
  nlohmann::json alternatives = nlohmann::json::array();
  for (const auto& a : r.alternatives) {
    alternatives.push_back(
        {{"item", a.item}, {"skill", a.skill}, {"p_correct", finite_or_null(a.p_correct)}});
  }
  j = {{"item", r.item},
       {"skill", r.skill},
       {"reason", to_string(r.reason)},
       {"explanation", r.explanation},
       {"p_correct", finite_or_null(r.p_correct)},
       {"alternatives", std::move(alternatives)}};
}

void to_json(nlohmann::json& j, const ClassSummary& summary) {
  nlohmann::json skills = nlohmann::json::array();
  for (const auto& s : summary.skills) {
    skills.push_back({{"skill", s.skill},
                      {"learners", s.learners},
                      {"mastered", s.mastered},
                      {"mean", s.mean},
                      {"histogram", s.histogram}});
  }
  j = {{"learners", summary.learners}, {"damaged", summary.damaged}, {"skills", std::move(skills)}};
}

}  // namespace pathwise
