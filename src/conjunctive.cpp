#include "detail/conjunctive.hpp"

#include <cmath>
#include <limits>

#include "detail/learner_layer.hpp"

namespace pathwise::detail {

RowGroups row_groups(const ResponseLog& log) {
  RowGroups g;
  g.next.resize(log.size());
  for (std::uint64_t i = 0; i < log.size(); ++i) g.next[i] = i;
  const auto& rows = log.rows();
  if (rows.empty()) return g;
  std::vector<std::uint32_t> learner_of(log.size());
  for (const auto& s : log.sequences())
    for (auto i = s.begin; i < s.end; ++i) learner_of[i] = s.learner;
  // learner_order() merges a learner's sequences by input position, so the members of a row
  // come out next to one another.
  const std::vector<std::uint64_t> order = learner_order(log);
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
  for (std::uint64_t first : learner_order(log)) {
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
  // Hidden states: 0 unknown, 1 known. T[a][b] = P(b next | a now).
  const double T[2][2] = {{1.0 - p.learn, p.learn}, {p.forget, 1.0 - p.forget}};
  std::vector<double> a0, a1, c, e0, e1;  // scaled forward, scales, emissions
  for (std::uint32_t q : sequences) {
    const auto& s = seqs[q];
    const std::size_t n = s.size();
    if (n == 0) continue;
    a0.resize(n);
    a1.resize(n);
    c.resize(n);
    e0.resize(n);
    e1.resize(n);
    for (std::size_t t = 0; t < n; ++t) {
      const double O = others[s.begin + t];
      const bool y = outcomes[s.begin + t] != 0;
      e0[t] = y ? p.guess * O : 1.0 - p.guess * O;
      e1[t] = y ? (1.0 - p.slip) * O : 1.0 - (1.0 - p.slip) * O;
    }
    double u = (1.0 - p.prior) * e0[0], k = p.prior * e1[0];
    for (std::size_t t = 0;; ++t) {
      c[t] = u + k;
      a0[t] = u / c[t];
      a1[t] = k / c[t];
      st.log_likelihood += std::log(c[t]);
      if (t + 1 == n) break;
      u = (a0[t] * T[0][0] + a1[t] * T[1][0]) * e0[t + 1];
      k = (a0[t] * T[0][1] + a1[t] * T[1][1]) * e1[t + 1];
    }
    // Backward, scaled by the same c; gamma and xi as they are formed.
    double b0 = 1.0, b1 = 1.0;
    st.sequences += 1.0;
    for (std::size_t t = n; t-- > 0;) {
      const double g0 = a0[t] * b0, g1 = a1[t] * b1;
      const double O = others[s.begin + t];
      const bool y = outcomes[s.begin + t] != 0;
      // Emission counts: the skill's part was correct on a correct answer; on an incorrect one
      // with probability P(part correct, others wrong) / P(answer wrong).
      const double part_ok_u = y ? 1.0 : (e0[t] > 0.0 ? p.guess * (1.0 - O) / e0[t] : 0.0);
      const double part_ok_k = y ? 1.0 : (e1[t] > 0.0 ? (1.0 - p.slip) * (1.0 - O) / e1[t] : 0.0);
      st.guess_num += g0 * part_ok_u;
      st.guess_den += g0;
      st.slip_num += g1 * (1.0 - part_ok_k);
      st.slip_den += g1;
      if (t == 0) {
        st.init_known += g1;
        break;
      }
      // xi between t-1 and t, with the backward values at t.
      const double w0 = e0[t] * b0 / c[t], w1 = e1[t] * b1 / c[t];
      st.learn_num += a0[t - 1] * T[0][1] * w1;
      st.learn_den += a0[t - 1] * (T[0][0] * w0 + T[0][1] * w1);
      st.forget_num += a1[t - 1] * T[1][0] * w0;
      st.forget_den += a1[t - 1] * (T[1][0] * w0 + T[1][1] * w1);
      const double nb0 = T[0][0] * w0 + T[0][1] * w1;
      const double nb1 = T[1][0] * w0 + T[1][1] * w1;
      b0 = nb0;
      b1 = nb1;
    }
  }
  return st;
}

}  // namespace pathwise::detail
