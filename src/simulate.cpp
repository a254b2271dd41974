#include "pathwise/simulate.hpp"

#include "detail/random.hpp"

namespace pathwise {

ResponseLog simulate_log(const BktModel& model, const SimulateLogOptions& options) {
  if (model.skill_count() == 0) {
    throw Error(ErrorCode::InvalidArgument, "cannot simulate from a model with no skills");
  }
  ResponseLog::Builder builder;
  std::vector<std::uint8_t> outcomes(options.opportunities);
  std::vector<std::string> items;
  for (const auto& [skill, p] : model.skills()) {
    // The skill's own items, if the model has per-item parameters for it.
    std::vector<std::pair<const std::string*, const ItemParams*>> pool;
    for (const auto& [id, ip] : model.items())
      if (ip.skill == skill) pool.emplace_back(&id, &ip);
    items.assign(pool.empty() ? 0 : options.opportunities, std::string());
    for (std::size_t l = 0; l < options.learners; ++l) {
      // One generator per (skill, learner): a learner's responses do not depend on how many
      // other learners or skills are simulated.
      detail::SplitMix64 rng(detail::mix_seed(options.seed, skill, l));
      bool known = rng.uniform() < p.prior;
      for (std::size_t t = 0; t < options.opportunities; ++t) {
        double guess = p.guess, slip = p.slip;
        if (!pool.empty()) {
          const auto& [id, ip] = pool[static_cast<std::size_t>(rng.next() % pool.size())];
          items[t] = *id;
          guess = ip->guess;
          slip = ip->slip;
        }
        bool correct = known ? rng.uniform() >= slip : rng.uniform() < guess;
        outcomes[t] = correct ? 1 : 0;
        known = known ? rng.uniform() >= p.forget : rng.uniform() < p.learn;
      }
      builder.add_sequence("learner-" + std::to_string(l + 1), skill, outcomes, items);
    }
  }
  return builder.build();
}

}  // namespace pathwise
