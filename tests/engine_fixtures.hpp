// Shared test fixtures for the engine and store tests.
#pragma once

#include <string>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"

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

inline std::string temp_path(const std::string& name) {
  return std::string(PATHWISE_TEST_TMP) + "/" + name;
}

}  // namespace fixtures
