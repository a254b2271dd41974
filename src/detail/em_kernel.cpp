#include "detail/em_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pathwise::detail {

SkillData build_skill_data(const ResponseLog& log, const std::vector<std::uint32_t>& seq_ids) {
  SkillData d;
  const auto& seqs = log.sequences();
  std::vector<std::uint32_t> order(seq_ids.begin(), seq_ids.end());
  order.erase(std::remove_if(order.begin(), order.end(),
                             [&](std::uint32_t s) { return seqs[s].size() == 0; }),
              order.end());
  // Longest first, so each block's lanes have similar lengths and padding stays small.
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return seqs[a].size() > seqs[b].size();
  });
  d.sequences = order.size();
  std::size_t total = 0;
  for (std::size_t b = 0; b < order.size(); b += kLanes) total += seqs[order[b]].size() * kLanes;
  d.codes.assign(total, kPad);
  const auto& out = log.outcomes();
  std::uint64_t offset = 0;
  for (std::size_t b = 0; b < order.size(); b += kLanes) {
    const std::size_t len = seqs[order[b]].size();
    d.block_len.push_back(static_cast<std::uint32_t>(len));
    d.block_offset.push_back(offset);
    d.max_len = std::max(d.max_len, len);
    for (std::size_t lane = 0; lane < kLanes && b + lane < order.size(); ++lane) {
      const auto& s = seqs[order[b + lane]];
      for (std::size_t t = 0; t < s.size(); ++t)
        d.codes[offset + t * kLanes + lane] = out[s.begin + t] ? kCorrect : kIncorrect;
      d.responses += s.size();
    }
    offset += len * kLanes;
  }
  return d;
}

// The kernel is written lane-wise over fixed-size arrays so that the compiler vectorises across
// sequences; target_clones adds an AVX2 version picked at load time. Without FMA contraction
// (ISO C++ mode) both versions compute bit-identical results.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && defined(__linux__)
#define PATHWISE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PATHWISE_CLONES
#endif

PATHWISE_CLONES
EStats e_step(const SkillData& data, const BktParams& p, std::vector<double>& scratch) {
  constexpr std::size_t W = kLanes;
  const double L = p.learn, F = p.forget, G = p.guess, S = p.slip;
  const double stay_known = 1.0 - F, stay_unknown = 1.0 - L;
  if (scratch.size() < data.max_len * W * 2) scratch.resize(data.max_len * W * 2);
  double* fwd = scratch.data();                   // P(K_t | o_1..t) per step and lane
  double* inv_c = scratch.data() + data.max_len * W;  // 1 / P(o_t | o_<t)

  double ll[W] = {}, init[W] = {}, nseq[W] = {};
  double ln[W] = {}, ld[W] = {}, fn[W] = {}, fd[W] = {};
  double gn[W] = {}, gd[W] = {}, sn[W] = {}, sd[W] = {};

  for (std::size_t b = 0; b < data.block_len.size(); ++b) {
    const std::size_t len = data.block_len[b];
    const std::uint8_t* codes = data.codes.data() + data.block_offset[b];
    // Forward pass. Log-likelihood terms are multiplied up and logged every 8 steps: a log per
    // step would cost more than the rest of the pass.
    double a[W], prod[W];
    for (std::size_t l = 0; l < W; ++l) {
      a[l] = p.prior;
      prod[l] = 1.0;
    }
    for (std::size_t t = 0; t < len; ++t) {
      const std::uint8_t* c = codes + t * W;
      double* f = fwd + t * W;
      double* ic = inv_c + t * W;
      for (std::size_t l = 0; l < W; ++l) {
        const double is_c = c[l] == kCorrect ? 1.0 : 0.0;
        const double is_i = c[l] == kIncorrect ? 1.0 : 0.0;
        const double is_p = 1.0 - is_c - is_i;
        const double e1 = is_c * (1.0 - S) + is_i * S + is_p;
        const double e0 = is_c * G + is_i * (1.0 - G) + is_p;
        const double k = a[l] * e1;
        // The floor keeps an outcome the parameters call impossible (guess = 0, say) finite.
        const double cc = std::max(k + (1.0 - a[l]) * e0, 1e-300);
        const double inv = 1.0 / cc;
        const double ft = k * inv;
        f[l] = ft;
        ic[l] = inv;
        prod[l] *= cc;
        a[l] = ft * stay_known + (1.0 - ft) * L;
      }
      if ((t & 7) == 7) {
        for (std::size_t l = 0; l < W; ++l) {
          ll[l] += std::log(prod[l]);
          prod[l] = 1.0;
        }
      }
    }
    for (std::size_t l = 0; l < W; ++l) ll[l] += std::log(prod[l]);

    // Backward pass with the same scaling: b_t(k) = P(o_t+1..T | K_t = k) / P(o_t+1..T | o_1..t).
    double b1[W], b0[W];
    for (std::size_t l = 0; l < W; ++l) b1[l] = b0[l] = 1.0;
    for (std::size_t t = len; t-- > 0;) {
      const std::uint8_t* c = codes + t * W;
      const double* f = fwd + t * W;
      const double* ic = inv_c + t * W;
      for (std::size_t l = 0; l < W; ++l) {
        const double real = c[l] != kPad ? 1.0 : 0.0;
        const double is_c = c[l] == kCorrect ? 1.0 : 0.0;
        const double is_i = real - is_c;
        const double g1 = f[l] * b1[l];          // P(K_t = known | all)
        const double g0 = (1.0 - f[l]) * b0[l];  // P(K_t = unknown | all)
        gd[l] += g0 * real;
        gn[l] += g0 * is_c;
        sd[l] += g1 * real;
        sn[l] += g1 * is_i;
        if (t == 0) {
          init[l] += g1 * real;
          nseq[l] += real;
        } else {
          // Messages into step t from step t-1, and the expected transitions between them.
          const double e1 = is_c * (1.0 - S) + is_i * S + (1.0 - real);
          const double e0 = is_c * G + is_i * (1.0 - G) + (1.0 - real);
          const double w1 = e1 * b1[l] * ic[l];
          const double w0 = e0 * b0[l] * ic[l];
          const double fp = fwd[(t - 1) * W + l];  // P(K_t-1 | o_1..t-1)
          const double nb1 = stay_known * w1 + F * w0;
          const double nb0 = L * w1 + stay_unknown * w0;
          ln[l] += (1.0 - fp) * L * w1 * real;
          ld[l] += (1.0 - fp) * nb0 * real;
          fn[l] += fp * F * w0 * real;
          fd[l] += fp * nb1 * real;
          // Padding steps pass the end-of-sequence message (1, 1) through unchanged.
          b1[l] = real * nb1 + (1.0 - real);
          b0[l] = real * nb0 + (1.0 - real);
        }
      }
    }
  }
  EStats s;
  // Lanes are summed in a fixed order, so results do not depend on the instruction set.
  for (std::size_t l = 0; l < W; ++l) {
    s.log_likelihood += ll[l];
    s.init_known += init[l];
    s.sequences += nseq[l];
    s.learn_num += ln[l];
    s.learn_den += ld[l];
    s.forget_num += fn[l];
    s.forget_den += fd[l];
    s.guess_num += gn[l];
    s.guess_den += gd[l];
    s.slip_num += sn[l];
    s.slip_den += sd[l];
  }
  return s;
}

}  // namespace pathwise::detail
