// Shared test fixtures for the engine and store tests.
#pragma once

#include <string>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/profile.hpp"

namespace fixtures {

inline pathwise::Curriculum small_curriculum() {
  return pathwise::Curriculum::from_json(R"({
    "format": "pathwise-curriculum", "version": "1.0",
    "skills": [
      {"id": "counting", "name": "Counting"},
      {"id": "addition", "name": "Addition", "prerequisites": ["counting"]},
      {"id": "fractions", "name": "Fractions", "prerequisites": ["addition"]}
    ],
    "items": [
      {"id": "c1", "skills": ["counting"], "difficulty": 0.3},
      {"id": "c2", "skills": ["counting"], "difficulty": 0.7},
      {"id": "a1", "skills": ["addition"]},
      {"id": "a2", "skills": ["addition", "counting"]},
      {"id": "f1", "skills": ["fractions"]},
      {"id": "f2", "skills": ["fractions"], "difficulty": 0.9}
    ]})");
}

inline pathwise::BktModel small_model() {
  pathwise::BktModel m;
  m.set_skill("counting", {0.5, 0.2, 0.0, 0.2, 0.1});
  m.set_skill("addition", {0.3, 0.2, 0.0, 0.25, 0.1});
  m.set_skill("fractions", {0.2, 0.15, 0.0, 0.2, 0.1});
  return m;
}

/// small_model() with a learner layer: every weight set (none 0), corrections for one skill.
inline pathwise::BktModel layered_model() {
  pathwise::BktModel m = small_model();
  pathwise::LearnerLayer L;
  const double w[pathwise::kLearnerTerms] = {0.1,  0.95, 3.0, 0.8,  -0.4, 0.2,
                                             -0.2, 0.5,  -0.04, 0.1, 0.05, -0.08};
  for (std::size_t t = 0; t < pathwise::kLearnerTerms; ++t) L.weights[t] = w[t];
  L.skills["addition"] = pathwise::LearnerSkillWeights{0.15, -0.1, 1.2};
  m.set_learner(L);
  return m;
}

/// A stored-looking profile with every field of one skill set, for store round trips.
inline pathwise::LearnerProfile sample_profile(const std::string& learner) {
  using pathwise::from_millis;
  pathwise::LearnerProfile p = pathwise::new_profile(learner, small_curriculum(), small_model());
  p.goals = {"fractions"};
  p.recent_items = {"c1", "a1"};
  p.responses = 2;
  p.last_response = from_millis(1700000000000);
  pathwise::SkillState& c = p.skills["counting"];
  c.p_known = 0.97;
  c.attempts = 2;
  c.correct = 2;
  c.streak = 2;
  c.last_practice = from_millis(1700000000000);
  c.mastered_at = from_millis(1699999000000);
  c.half_life_days = 4.0;
  c.reviews = 1;
  c.next_review = from_millis(1700100000000);
  return p;
}

/// sample_profile() with a learner-layer state on two skills (values not exact in binary, so a
/// store must keep them bit for bit).
inline pathwise::LearnerProfile layered_profile(const std::string& learner) {
  pathwise::LearnerProfile p = sample_profile(learner);
  pathwise::LearnerState s;
  s.responses = 3;
  s.residual_sum = 0.1 + 0.2 - 0.7;
  s.recent = -0.1 / 3.0;
  s.recent_slow = 0.01 / 7.0;
  s.last = -1;
  s.skills["counting"] = {2, 3};
  s.skills["addition"] = {1, 1};
  p.learner_state = s;
  p.learner_ability = s.residual_sum / 23.0;
  return p;
}

inline std::string temp_path(const std::string& name) {
  return std::string(PATHWISE_TEST_TMP) + "/" + name;
}

}  // namespace fixtures
