#include "detail/conjunctive.hpp"

#include <cmath>
#include <limits>

#include "detail/learner_layer.hpp"
#include "detail/scalar_hmm.hpp"

namespace pathwise::detail {

RowGroups row_groups(const ResponseLog& log) {
  RowGroups g;
  g.next.resize(log.size());
  for (std::uint64_t i = 0; i < log.size(); ++i) g.next[i] = i;
  // learner_order() merges a learner's sequences by input position, so the members of a row
  // come out next to one another.
  g.order = learner_order(log);
  const auto& rows = log.rows();
  if (rows.empty()) return g;
  std::vector<std::uint32_t> learner_of(log.size());
  for (const auto& s : log.sequences())
    for (auto i = s.begin; i < s.end; ++i) learner_of[i] = s.learner;
  const std::vector<std::uint64_t>& order = g.order;
  std::size_t k = 0;
  while (k < order.size()) {
    std::size_t e = k + 1;
    while (e < order.size() && learner_of[order[e]] == learner_of[order[k]] &&
           rows[order[e]] == rows[order[k]])
      ++e;
    if (e - k > 1) {
      for (std::size_t m = k; m < e; ++m) g.next[order[m]] = order[m + 1 < e ? m + 1 : k];
      g.shared += e - k;
    }
    k = e;
  }
  return g;
}

void conjunctive_filter(const ResponseLog& log, const RowGroups& groups,
                        const std::vector<const BktParams*>& params, std::vector<double>& part,
                        std::vector<double>& correct, std::vector<double>* before,
                        std::vector<double>* after) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  part.assign(log.size(), nan);
  correct.assign(log.size(), nan);
  if (before) before->assign(log.size(), nan);
  if (after) after->assign(log.size(), nan);
  const auto& seqs = log.sequences();
  std::vector<std::uint32_t> seq_of(log.size());
  for (std::uint32_t q = 0; q < seqs.size(); ++q)
    for (auto i = seqs[q].begin; i < seqs[q].end; ++i) seq_of[i] = q;
  std::vector<double> known(seqs.size(), nan);
  for (std::uint32_t q = 0; q < seqs.size(); ++q)
    if (params[seqs[q].skill]) known[q] = params[seqs[q].skill]->prior;
  const auto& outcomes = log.outcomes();
  std::vector<std::uint64_t> members;
  std::vector<char> done(log.size(), 0);
  for (std::uint64_t first : groups.order) {
    if (done[first]) continue;
    members.clear();
    std::uint64_t i = first;
    do {
      done[i] = 1;
      if (params[seqs[seq_of[i]].skill]) members.push_back(i);
      i = groups.next[i];
    } while (i != first);
    // Every skill's part from the beliefs before this answer, then the row's product.
    double row = 1.0;
    for (std::uint64_t m : members) {
      part[m] = predict_correct(*params[seqs[seq_of[m]].skill], known[seq_of[m]]);
      row *= part[m];
    }
    for (std::uint64_t m : members) {
      const BktParams& p = *params[seqs[seq_of[m]].skill];
      double& k = known[seq_of[m]];
      correct[m] = row;
      if (before) (*before)[m] = k;
      const Outcome o = outcomes[m] ? Outcome::Correct : Outcome::Incorrect;
      double post;
      if (members.size() == 1 || outcomes[m]) {
        post = posterior(p, k, o);
      } else {
        double others = 1.0;
        for (std::uint64_t j : members)
          if (j != m) others *= part[j];
        post = posterior_conjunctive(p, k, others, o);
      }
      k = transition(p, post);
      if (after) (*after)[m] = k;
    }
  }
}

EStats e_step_conjunctive(const ResponseLog& log, const std::vector<std::uint32_t>& sequences,
                          const BktParams& p, const std::vector<double>& others) {
  EStats st;
  const auto& seqs = log.sequences();
  const auto& outcomes = log.outcomes();
  std::vector<double> e0, e1;
  ScalarHmmScratch w;
  for (std::uint32_t q : sequences) {
    const auto& s = seqs[q];
    const std::size_t n = s.size();
    if (n == 0) continue;
    e0.resize(n);
    e1.resize(n);
    for (std::size_t t = 0; t < n; ++t) {
      const double O = others[s.begin + t];
      const bool y = outcomes[s.begin + t] != 0;
      e0[t] = y ? p.guess * O : 1.0 - p.guess * O;
      e1[t] = y ? (1.0 - p.slip) * O : 1.0 - (1.0 - p.slip) * O;
    }
    st.sequences += 1.0;
    st.log_likelihood += scalar_forward_backward(
        n, p.prior, e0, e1,
        [&](std::size_t, int from) { return from == 0 ? p.learn : 1.0 - p.forget; },
        [&](std::size_t t, double g0, double g1) {
          const double O = others[s.begin + t];
          const bool y = outcomes[s.begin + t] != 0;
          // The skill's part was correct on a correct answer; on an incorrect one with
          // probability P(part correct, others wrong) / P(answer wrong).
          const double ok_u = y ? 1.0 : (e0[t] > 0.0 ? p.guess * (1.0 - O) / e0[t] : 0.0);
          const double ok_k =
              y ? 1.0 : (e1[t] > 0.0 ? (1.0 - p.slip) * (1.0 - O) / e1[t] : 0.0);
          st.guess_num += g0 * ok_u;
          st.guess_den += g0;
          st.slip_num += g1 * (1.0 - ok_k);
          st.slip_den += g1;
          if (t == 0) st.init_known += g1;
        },
        [&](std::size_t, double x00, double x01, double x10, double x11) {
          st.learn_num += x01;
          st.learn_den += x00 + x01;
          st.forget_num += x10;
          st.forget_den += x10 + x11;
        },
        w);
  }
  return st;
}

}  // namespace pathwise::detail
