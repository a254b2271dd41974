// Multi-skill responses explained jointly (conjunctive knowledge tracing, Koedinger, Pavlik,
// Stamper, Nixon & Ritter 2011): a response to an item of several skills is correct only if
// each skill's part is. The offline forward filter that updates as the engine does, and the
// E-step of one skill given the other skills' P(correct) on its shared responses.
#pragma once

#include <cstdint>
#include <vector>

#include "detail/em_kernel.hpp"
#include "pathwise/bkt.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise::detail {

/// The responses that are one multi-skill row: those of one learner with the same input
/// position (ResponseLog::rows()). `next[i]` is the next member of i's row, circularly (i itself
/// for a single-skill response). `shared` counts the responses in rows of two or more.
/// `order` is learner_order(log), which found them and which the filter walks.
struct RowGroups {
  std::vector<std::uint64_t> next;
  std::vector<std::uint64_t> order;
  std::size_t shared = 0;
};
RowGroups row_groups(const ResponseLog& log);

/// The conjunctive forward filter over a whole log, in learner order across skills: for each
/// response, `part[i]` is its skill's own P(correct) (BKT's), `correct[i]` the row's P(correct)
/// (the product over the row's skills), and `before`/`after` its skill's P(known) before and
/// after. The update of each skill of a row is posterior_conjunctive() with the other skills'
/// P(correct), then the transition: the engine's update under
/// ProfileRules::conjunctive_update. Responses of skills the model lacks (`params[k]` null)
/// are NaN and are left out of their rows. `params` is indexed by the log's skill index.
void conjunctive_filter(const ResponseLog& log, const RowGroups& groups,
                        const std::vector<const BktParams*>& params, std::vector<double>& part,
                        std::vector<double>& correct, std::vector<double>* before,
                        std::vector<double>* after);

/// One E-step over the given sequences of one skill, where response i's answer is correct only
/// if the skill's part is and the other skills' parts are, which happens with the fixed
/// probability `others[i]` (1 for a single-skill response). The part's correctness is a latent
/// variable: an incorrect answer counts as an incorrect part with its posterior probability.
/// With every `others` 1 this is e_step().
EStats e_step_conjunctive(const ResponseLog& log, const std::vector<std::uint32_t>& sequences,
                          const BktParams& params, const std::vector<double>& others);

}  // namespace pathwise::detail
