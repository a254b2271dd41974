// Walking the prerequisite graph, shared by the sequencer and the policy simulator.
#pragma once

#include <cstdint>
#include <vector>

#include "pathwise/curriculum.hpp"

namespace pathwise::detail {

/// The skills marked in `skills` (indexed by curriculum skill index) and every skill they rest
/// on, directly or through other prerequisites.
inline std::vector<char> with_prerequisites(const Curriculum& c, const std::vector<char>& skills) {
  std::vector<char> out(skills.size(), 0);
  std::vector<std::uint32_t> todo;
  for (std::uint32_t s = 0; s < skills.size(); ++s)
    if (skills[s]) todo.push_back(s);
  while (!todo.empty()) {
    std::uint32_t s = todo.back();
    todo.pop_back();
    if (out[s]) continue;
    out[s] = 1;
    for (std::uint32_t p : c.prerequisites(s)) todo.push_back(p);
  }
  return out;
}

}  // namespace pathwise::detail
