#include "pathwise/policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>

namespace pathwise {

const char* to_string(Reason r) noexcept {
  switch (r) {
    case Reason::Remediate:
      return "remediate";
    case Reason::Practice:
      return "practice";
    case Reason::Challenge:
      return "challenge";
    case Reason::Review:
      return "review";
    case Reason::Prerequisite:
      return "prerequisite";
    case Reason::Done:
      return "done";
    case Reason::Help:
      return "help";
    case Reason::Placement:
      return "placement";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, Reason r) { return out << to_string(r); }

ProfileRules PolicyConfig::profile_rules() const {
  ProfileRules r = rules;
  r.recent_items = std::max(rules.recent_items, no_repeat_window);
  return r;
}

void PolicyConfig::validate() const {
  auto in01 = [](double v, const char* name, bool open_low) {
    if (!(v <= 1.0 && (open_low ? v > 0.0 : v >= 0.0))) {
      throw Error(ErrorCode::InvalidArgument,
                  std::string(name) + " must be in " + (open_low ? "(0, 1]" : "[0, 1]") + ", got " +
                      (std::isnan(v) ? std::string("NaN") : std::to_string(v)),
                  Location{"", 0, 0, name});
    }
  };
  const double mastery_threshold = rules.mastery_threshold;
  const double review_threshold = rules.review_threshold;
  in01(mastery_threshold, "mastery_threshold", true);
  in01(target_success, "target_success", true);
  in01(remediate_below, "remediate_below", false);
  in01(challenge_above, "challenge_above", false);
  in01(review_threshold, "review_threshold", true);
  if (!(remediate_below <= challenge_above && challenge_above <= mastery_threshold)) {
    throw Error(ErrorCode::InvalidArgument,
                "need remediate_below <= challenge_above <= mastery_threshold",
                Location{"", 0, 0, "challenge_above"});
  }
  if (!(review_threshold < mastery_threshold)) {
    throw Error(ErrorCode::InvalidArgument,
                "review_threshold must be below mastery_threshold, or a skill is due the moment it "
                "is mastered",
                Location{"", 0, 0, "review_threshold"});
  }
  if (!(rules.initial_half_life_days > 0.0 && rules.initial_half_life_days <= kMaxHalfLifeDays)) {
    throw Error(ErrorCode::InvalidArgument,
                "initial_half_life_days must be > 0 and at most " +
                    std::to_string(static_cast<int>(kMaxHalfLifeDays)) + " (100 years)",
                Location{"", 0, 0, "initial_half_life_days"});
  }
  if (!(rules.half_life_growth >= 1.0 && rules.half_life_growth <= kMaxHalfLifeGrowth)) {
    throw Error(ErrorCode::InvalidArgument, "half_life_growth must be from 1 to 100",
                Location{"", 0, 0, "half_life_growth"});
  }
  if (rules.wheel_spin_attempts == 0) {
    throw Error(ErrorCode::InvalidArgument, "wheel_spin_attempts must be >= 1",
                Location{"", 0, 0, "wheel_spin_attempts"});
  }
  if (rules.placement_items > 64) {
    throw Error(ErrorCode::InvalidArgument, "placement_items must be at most 64",
                Location{"", 0, 0, "placement_items"});
  }
  if (!(rules.placement_confidence > 0.5 && rules.placement_confidence <= 1.0)) {
    throw Error(ErrorCode::InvalidArgument, "placement_confidence must be in (0.5, 1]",
                Location{"", 0, 0, "placement_confidence"});
  }
  if (rules.placement_exact_states < 1 || rules.placement_exact_states > 1000000) {
    throw Error(ErrorCode::InvalidArgument, "placement_exact_states must be from 1 to 1000000",
                Location{"", 0, 0, "placement_exact_states"});
  }
  if (rules.placement_samples < 1 || rules.placement_samples > 100000) {
    throw Error(ErrorCode::InvalidArgument, "placement_samples must be from 1 to 100000",
                Location{"", 0, 0, "placement_samples"});
  }
  if (!(stop_epsilon >= 0.0 && stop_epsilon < 1.0)) {
    throw Error(ErrorCode::InvalidArgument, "stop_epsilon must be in [0, 1)",
                Location{"", 0, 0, "stop_epsilon"});
  }
  // Every profile carries this many item ids: bounded, so one setting cannot grow each stored
  // profile without limit.
  constexpr std::size_t kMaxRecent = 1000000;
  if (no_repeat_window > kMaxRecent) {
    throw Error(ErrorCode::InvalidArgument, "no_repeat_window must be at most 1000000",
                Location{"", 0, 0, "no_repeat_window"});
  }
  if (rules.recent_items > kMaxRecent) {
    throw Error(ErrorCode::InvalidArgument, "recent_items must be at most 1000000",
                Location{"", 0, 0, "recent_items"});
  }
}

double item_p_correct(const PolicyContext& ctx, std::uint32_t item, std::uint32_t skill,
                      double p_known) {
  const Item& it = ctx.curriculum.items()[item];
  const std::string& sid = ctx.curriculum.skills()[skill].id;
  BktParams p = ctx.model.skill(sid);
  double pc;
  if (const ItemParams* ip = ctx.model.find_item(it.id); ip && ip->skill == sid) {
    p.guess = ip->guess;
    p.slip = ip->slip;
    pc = predict_correct(p, p_known);
  } else {
    pc = predict_correct(p, p_known);
    if (it.difficulty && *it.difficulty != 0.5) {
      // Difficulty moves P(correct) on the logit scale: 0 is easier, 1 harder, 0.5 neutral.
      double q = std::min(std::max(pc, 1e-9), 1.0 - 1e-9);
      double logit = std::log(q / (1.0 - q)) + 2.0 * (0.5 - *it.difficulty);
      pc = 1.0 / (1.0 + std::exp(-logit));
    }
  }
  if (const LearnerLayer* layer = ctx.model.learner()) {
    static const LearnerState kNoResponses;
    pc = layer->predict(ctx.learner_state ? *ctx.learner_state : kNoResponses, sid, pc);
  }
  return pc;
}

double item_information(const PolicyContext& ctx, std::uint32_t item, std::uint32_t skill,
                        double p_known) {
  const std::string& sid = ctx.curriculum.skills()[skill].id;
  return answer_information(ctx.model.params_for(sid, ctx.curriculum.items()[item].id), p_known);
}

}  // namespace pathwise
