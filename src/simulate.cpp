#include "pathwise/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "detail/random.hpp"
#include "pathwise/time.hpp"

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

namespace pathwise {

namespace {

// Standard normal by Box–Muller from two uniforms (the generator is portable, so are these).
double normal(detail::SplitMix64& rng) {
  double u1 = rng.uniform(), u2 = rng.uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 by the boost u^(1/shape).
double gamma(detail::SplitMix64& rng, double shape) {
  if (shape < 1.0) {
    double u = rng.uniform();
    return gamma(rng, shape + 1.0) * std::pow(u < 1e-300 ? 1e-300 : u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = normal(rng), v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    double u = rng.uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u < 1e-300 ? 1e-300 : u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

// A value with mean `mean` and Beta concentration `k`; the mean itself when k is 0 or the mean is
// 0 or 1 (a Beta cannot have those means).
double beta_around(detail::SplitMix64& rng, double mean, double k) {
  if (k <= 0.0 || mean <= 0.0 || mean >= 1.0) return mean;
  double a = gamma(rng, mean * k), b = gamma(rng, (1.0 - mean) * k);
  return a + b > 0.0 ? a / (a + b) : mean;
}

}  // namespace

SyntheticCourse synthetic_course() {
  static const char* kCurriculum = R"({
  "format": "pathwise-curriculum", "version": "1.0",
  "skills": [
    {"id": "counting", "name": "Counting"},
    {"id": "addition", "name": "Addition", "prerequisites": ["counting"]},
    {"id": "subtraction", "name": "Subtraction", "prerequisites": ["addition"]},
    {"id": "multiplication", "name": "Multiplication", "prerequisites": ["addition"]},
    {"id": "fractions", "name": "Fractions", "prerequisites": ["multiplication", "subtraction"]}
  ],
  "items": [
    {"id": "count-1", "skills": ["counting"], "difficulty": 0.2},
    {"id": "count-2", "skills": ["counting"], "difficulty": 0.5},
    {"id": "count-3", "skills": ["counting"], "difficulty": 0.8},
    {"id": "add-1", "skills": ["addition"], "difficulty": 0.2},
    {"id": "add-2", "skills": ["addition"], "difficulty": 0.5},
    {"id": "add-3", "skills": ["addition"], "difficulty": 0.8},
    {"id": "sub-1", "skills": ["subtraction"], "difficulty": 0.3},
    {"id": "sub-2", "skills": ["subtraction"], "difficulty": 0.6},
    {"id": "sub-3", "skills": ["subtraction"], "difficulty": 0.9},
    {"id": "mul-1", "skills": ["multiplication"], "difficulty": 0.3},
    {"id": "mul-2", "skills": ["multiplication"], "difficulty": 0.6},
    {"id": "mul-3", "skills": ["multiplication", "addition"], "difficulty": 0.7},
    {"id": "frac-1", "skills": ["fractions"], "difficulty": 0.3},
    {"id": "frac-2", "skills": ["fractions"], "difficulty": 0.5},
    {"id": "frac-3", "skills": ["fractions", "multiplication"], "difficulty": 0.8}
  ]})";
  SyntheticCourse c{Curriculum::from_json(kCurriculum, "synthetic course"), BktModel()};
  c.model.set_skill("counting", {0.60, 0.30, 0.0, 0.20, 0.08});
  c.model.set_skill("addition", {0.30, 0.25, 0.0, 0.20, 0.10});
  c.model.set_skill("subtraction", {0.20, 0.20, 0.0, 0.15, 0.10});
  c.model.set_skill("multiplication", {0.15, 0.20, 0.0, 0.15, 0.10});
  c.model.set_skill("fractions", {0.05, 0.15, 0.0, 0.10, 0.12});
  return c;
}

Curriculum course_from_model(const BktModel& model, std::size_t items_per_skill) {
  if (model.skill_count() == 0) {
    throw Error(ErrorCode::InvalidArgument, "cannot make a course from a model with no skills");
  }
  if (items_per_skill == 0) {
    throw Error(ErrorCode::InvalidArgument, "items_per_skill must be >= 1",
                Location{"", 0, 0, "items_per_skill"});
  }
  std::vector<Skill> skills;
  std::vector<Item> items;
  std::map<std::string, std::size_t> own;  // skill -> items with their own parameters
  for (const auto& [id, ip] : model.items()) {
    if (!model.find_skill(ip.skill)) continue;  // an item of a skill the model lacks
    items.push_back(Item{id, {ip.skill}, std::nullopt, ""});
    ++own[ip.skill];
  }
  for (const auto& [name, p] : model.skills()) {
    (void)p;
    skills.push_back(Skill{name, name, {}});
    if (own.count(name)) continue;
    for (std::size_t k = 1; k <= items_per_skill; ++k)
      items.push_back(Item{name + " #" + std::to_string(k), {name}, std::nullopt, ""});
  }
  return Curriculum(std::move(skills), std::move(items));
}

void PopulationOptions::validate() const {
  if (!(concentration >= 0.0) || !std::isfinite(concentration)) {
    throw Error(ErrorCode::InvalidArgument, "concentration must be a finite number >= 0",
                Location{"", 0, 0, "concentration"});
  }
  if (!(prerequisite_factor >= 0.0 && prerequisite_factor <= 1.0)) {
    throw Error(ErrorCode::InvalidArgument, "prerequisite_factor must be in [0, 1]",
                Location{"", 0, 0, "prerequisite_factor"});
  }
  if (!(forget_per_day >= 0.0 && forget_per_day <= 1.0)) {
    throw Error(ErrorCode::InvalidArgument, "forget_per_day must be in [0, 1]",
                Location{"", 0, 0, "forget_per_day"});
  }
  // Written so that NaN fails too.
  auto in = [](double v, double lo, double hi, const char* field, const char* range) {
    if (!(v >= lo && v <= hi)) {
      throw Error(ErrorCode::InvalidArgument, std::string(field) + " must be in " + range,
                  Location{"", 0, 0, field});
    }
  };
  if (!(prior_correlation >= 0.0 && prior_correlation < 1.0)) {
    throw Error(ErrorCode::InvalidArgument, "prior_correlation must be in [0, 1)",
                Location{"", 0, 0, "prior_correlation"});
  }
  in(learn_sd, 0.0, 10.0, "learn_sd", "[0, 10]");
  in(guess_slip_sd, 0.0, 10.0, "guess_slip_sd", "[0, 10]");
  in(ability_level_correlation, -1.0, 1.0, "ability_level_correlation", "[-1, 1]");
  in(quit_base, 0.0, 1.0, "quit_base", "[0, 1]");
  in(quit_per_failure, 0.0, 1.0, "quit_per_failure", "[0, 1]");
  in(quit_per_easy, 0.0, 1.0, "quit_per_easy", "[0, 1]");
  if (easy_run > 1000000) {
    throw Error(ErrorCode::InvalidArgument, "easy_run must be at most 1000000",
                Location{"", 0, 0, "easy_run"});
  }
}

namespace {

double logistic_shift(double p, double shift) {
  if (shift == 0.0 || !(p > 0.0 && p < 1.0)) return p;
  const double z = std::log(p / (1.0 - p)) + shift;
  return 1.0 / (1.0 + std::exp(-z));
}

// Standard normal CDF.
double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

}  // namespace

SimulatedLearner::SimulatedLearner(const Curriculum& curriculum, const BktModel& model,
                                   const PopulationOptions& options, std::uint64_t index)
    : curriculum_(&curriculum), model_(&model), options_(options) {
  options.validate();
  detail::SplitMix64 seeder(detail::mix_seed(options.seed, "learner", index));
  rng_state_ = seeder.next();
  const std::size_t n = curriculum.skills().size();
  known_.assign(n, 0);
  prior_.resize(n);
  learn_.resize(n);
  last_seen_ms_.assign(n, INT64_MIN);
  detail::SplitMix64 draw(seeder.next());
  for (std::size_t s = 0; s < n; ++s) {
    const BktParams* p = model.find_skill(curriculum.skills()[s].id);
    if (!p) {
      throw Error(ErrorCode::UnknownSkill,
                  "the model has no parameters for skill '" + curriculum.skills()[s].id + "'");
    }
    prior_[s] = beta_around(draw, p->prior, options.concentration);
    learn_[s] = beta_around(draw, p->learn, options.concentration);
  }
  // The level and ability come from a stream of their own, so a population without correlation
  // or spread draws exactly what it drew before they existed.
  detail::SplitMix64 latent(detail::mix_seed(options.seed, "learner-latent", index));
  level_ = normal(latent);
  const double c = options.ability_level_correlation;
  ability_ = c * level_ + std::sqrt(std::max(0.0, 1.0 - c * c)) * normal(latent);
  if (options.learn_sd > 0.0) {
    const double factor = std::exp(options.learn_sd * ability_);
    for (double& l : learn_) l = std::min(1.0, l * factor);
  }
  quit_state_ = detail::mix_seed(options.seed, "learner-dropout", index);
  // Initial knowledge in prerequisite order, so that a skill is not known without its
  // prerequisites more often than the prerequisite effect allows.
  const double r = options.prior_correlation;
  for (std::uint32_t s : curriculum.topological_order()) {
    bool ready = true;
    for (std::uint32_t p : curriculum.prerequisites(s)) ready = ready && known_[p];
    double chance = prior_[s] * (ready ? 1.0 : options.prerequisite_factor);
    if (r > 0.0) {
      // Phi of the liability is uniform on (0, 1) for every skill, so the chance given the
      // prerequisites is as without correlation; the shared level correlates the skills.
      const double liability = std::sqrt(r) * level_ + std::sqrt(1.0 - r) * normal(latent);
      known_[s] = phi(liability) < chance ? 1 : 0;
    } else {
      known_[s] = draw.uniform() < chance ? 1 : 0;
    }
  }
}

double SimulatedLearner::quit_chance() const noexcept {
  const PopulationOptions& o = options_;
  const double easy = easy_ > o.easy_run
                          ? static_cast<double>(easy_ - static_cast<std::uint32_t>(o.easy_run))
                          : 0.0;
  return std::min(1.0, o.quit_base + o.quit_per_failure * static_cast<double>(failures_) +
                           o.quit_per_easy * easy);
}

bool SimulatedLearner::quits() {
  const double chance = quit_chance();
  if (chance <= 0.0) return false;
  detail::SplitMix64 g(quit_state_);
  quit_state_ = g.next();
  return static_cast<double>(quit_state_ >> 11) * 0x1.0p-53 < chance;
}

double SimulatedLearner::uniform() {
  detail::SplitMix64 g(rng_state_);
  rng_state_ = g.next();
  return static_cast<double>(rng_state_ >> 11) * 0x1.0p-53;
}

void SimulatedLearner::forget(std::uint32_t s, std::int64_t now_ms) {
  if (last_seen_ms_[s] != INT64_MIN && known_[s] && options_.forget_per_day > 0.0 &&
      now_ms > last_seen_ms_[s]) {
    double days = static_cast<double>(now_ms - last_seen_ms_[s]) / 86400000.0;
    if (uniform() >= std::pow(1.0 - options_.forget_per_day, days)) known_[s] = 0;
  }
  last_seen_ms_[s] = now_ms;
}

void SimulatedLearner::wait_until(TimePoint now) {
  const std::int64_t ms = to_millis(now);
  if (now_ms_ != INT64_MIN && ms < now_ms_) {
    throw Error(ErrorCode::InvalidArgument, "simulated time goes backwards",
                Location{"", 0, 0, "time"});
  }
  for (std::uint32_t s = 0; s < known_.size(); ++s) forget(s, ms);
  now_ms_ = ms;
}

double SimulatedLearner::expected_correct(std::uint32_t item) const {
  if (item >= curriculum_->items().size()) {
    throw Error(ErrorCode::UnknownItem, "item index " + std::to_string(item) + " is out of range");
  }
  const Item& it = curriculum_->items()[item];
  double p = 1.0;
  const double shift = options_.guess_slip_sd * ability_;
  for (std::uint32_t s : curriculum_->item_skills(item)) {
    BktParams q = model_->params_for(curriculum_->skills()[s].id, it.id);
    p *= known_[s] ? 1.0 - logistic_shift(q.slip, -shift) : logistic_shift(q.guess, shift);
  }
  return p;
}

Outcome SimulatedLearner::answer(std::uint32_t item, TimePoint now) {
  if (item >= curriculum_->items().size()) {
    throw Error(ErrorCode::UnknownItem, "item index " + std::to_string(item) + " is out of range");
  }
  wait_until(now);
  const bool correct = uniform() < expected_correct(item);
  bool easy = true;
  for (std::uint32_t s : curriculum_->item_skills(item)) easy = easy && known_[s];
  easy_ = easy ? easy_ + 1 : 0;
  failures_ = correct ? 0 : failures_ + 1;
  for (std::uint32_t s : curriculum_->item_skills(item)) {
    if (known_[s]) continue;
    bool ready = true;
    for (std::uint32_t p : curriculum_->prerequisites(s)) ready = ready && known_[p];
    if (uniform() < learn_[s] * (ready ? 1.0 : options_.prerequisite_factor)) known_[s] = 1;
  }
  return correct ? Outcome::Correct : Outcome::Incorrect;
}

}  // namespace pathwise
