// Not a Google Benchmark: the error of placement's sampled posterior (importance sampling) against the exact
// one (enumeration) on random prerequisite graphs small enough to enumerate, and how long each
// takes. Prints one line per setting; deterministic.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "pathwise/placement.hpp"

using namespace pathwise;

namespace {

std::uint64_t next(std::uint64_t& s) {
  s += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
double uniform(std::uint64_t& s) { return static_cast<double>(next(s) >> 11) * 0x1.0p-53; }

}  // namespace

int main() {
  const std::size_t n = 16, graphs = 20;
  for (std::size_t sweeps : {500u, 2000u, 10000u}) {
    double max_err = 0.0, sum_err = 0.0, exact_us = 0.0, gibbs_us = 0.0, states = 0.0;
    std::size_t count = 0;
    std::uint64_t rng = 42;
    for (std::size_t g = 0; g < graphs; ++g) {
      // Skill k rests on one or two earlier skills (skill 0 and a few others are roots).
      std::vector<Skill> skills;
      std::vector<Item> items;
      for (std::size_t k = 0; k < n; ++k) {
        Skill s{"s" + std::to_string(k), "", {}};
        if (k > 0 && uniform(rng) < 0.85) {
          s.prerequisites.push_back("s" + std::to_string(next(rng) % k));
          if (k > 1 && uniform(rng) < 0.4) {
            std::string b = "s" + std::to_string(next(rng) % k);
            if (b != s.prerequisites[0]) s.prerequisites.push_back(b);
          }
        }
        skills.push_back(s);
        items.push_back(Item{s.id + "-1", {s.id}, std::nullopt, ""});
      }
      Curriculum c(skills, items);
      BktModel m;
      std::vector<double> prior(n);
      for (std::size_t k = 0; k < n; ++k) {
        prior[k] = 0.3 + 0.6 * uniform(rng);
        m.set_skill(skills[k].id, BktParams{prior[k], 0.1, 0.0, 0.2, 0.1});
      }
      std::vector<PlacementAnswer> answers;
      for (int a = 0; a < 5; ++a)
        answers.push_back({static_cast<std::uint32_t>(next(rng) % n), uniform(rng) < 0.6,
                           std::nullopt});
      const std::vector<char> all(n, 1);
      auto t0 = std::chrono::steady_clock::now();
      PlacementPosterior exact = placement_posterior(c, m, all, prior, answers, 1000000, 1);
      auto t1 = std::chrono::steady_clock::now();
      PlacementPosterior approx = placement_posterior(c, m, all, prior, answers, 1, sweeps, g);
      auto t2 = std::chrono::steady_clock::now();
      exact_us += std::chrono::duration<double, std::micro>(t1 - t0).count();
      gibbs_us += std::chrono::duration<double, std::micro>(t2 - t1).count();
      states += static_cast<double>(exact.states);
      for (std::size_t k = 0; k < n; ++k) {
        const double e = std::fabs(exact.p_known[k] - approx.p_known[k]);
        max_err = std::max(max_err, e);
        sum_err += e;
        ++count;
      }
    }
    std::printf("%zu skills, %zu graphs, 5 answers each: exact %.0f states on average, %.0f us; "
                "sampled, %zu draws %.0f us: mean |error| %.4f, max %.4f\n",
                n, graphs, states / graphs, exact_us / graphs, sweeps, gibbs_us / graphs,
                sum_err / static_cast<double>(count), max_err);
  }
}
