#include "detail/em_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pathwise::detail {

SkillData build_skill_data(const ResponseLog& log, const std::vector<std::uint32_t>& seq_ids,
                           const std::vector<char>* own_item) {
  SkillData d;
  const bool items = own_item != nullptr && !log.items().empty();
  std::vector<std::uint32_t> slot_of;  // log item index -> slot
  if (items) {
    slot_of.assign(log.item_count(), 0);
    d.slot_items.push_back(ResponseLog::kNoItem);  // slot 0: pooled
    d.slot_responses.push_back(0);
  }
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
  if (items) d.item_slots.assign(total, 0);
  const auto& out = log.outcomes();
  std::uint64_t offset = 0;
  for (std::size_t b = 0; b < order.size(); b += kLanes) {
    const std::size_t len = seqs[order[b]].size();
    d.block_len.push_back(static_cast<std::uint32_t>(len));
    d.block_offset.push_back(offset);
    d.max_len = std::max(d.max_len, len);
    for (std::size_t lane = 0; lane < kLanes && b + lane < order.size(); ++lane) {
      const auto& s = seqs[order[b + lane]];
      for (std::size_t t = 0; t < s.size(); ++t) {
        d.codes[offset + t * kLanes + lane] = out[s.begin + t] ? kCorrect : kIncorrect;
        if (!items) continue;
        std::uint32_t it = log.items()[s.begin + t];
        if (it == ResponseLog::kNoItem || !(*own_item)[it]) {
          ++d.slot_responses[0];  // pooled
          continue;
        }
        if (slot_of[it] == 0) {
          slot_of[it] = static_cast<std::uint32_t>(d.slot_items.size());
          d.slot_items.push_back(it);
          d.slot_responses.push_back(0);
        }
        d.item_slots[offset + t * kLanes + lane] = slot_of[it];
        ++d.slot_responses[slot_of[it]];
      }
      d.responses += s.size();
    }
    offset += len * kLanes;
  }
  return d;
}

// The kernel runs the kLanes sequences of a block side by side as N native vectors of VL
// doubles each (GCC/Clang vector extensions): VL = 4 in the AVX2 version, 2 in the SSE2 one,
// picked at run time. Several independent vectors in flight hide the latency of the division
// in each step's recursion. Lanes never mix, and without FMA contraction (ISO C++ mode) every
// lane computes bit-identical numbers in either version.
namespace {

template <std::size_t VL>
struct Vec;
template <>
struct Vec<2> {
  using type = double __attribute__((vector_size(16)));
  using bytes = std::uint8_t __attribute__((vector_size(2)));
};
template <>
struct Vec<4> {
  using type = double __attribute__((vector_size(32)));
  using bytes = std::uint8_t __attribute__((vector_size(4)));
};

// With Items, guess and slip come per lane from the item slot of each code (KT-IDEM), and the
// emission counts are also added up per slot.
template <std::size_t VL, bool Items = false>
__attribute__((always_inline)) inline EStats e_step_impl(const SkillData& data, const BktParams& p,
                                                         std::vector<double>& scratch,
                                                         const double* slot_guess = nullptr,
                                                         const double* slot_slip = nullptr) {
  using V = typename Vec<VL>::type;
  using B = typename Vec<VL>::bytes;
  constexpr std::size_t W = kLanes;
  constexpr std::size_t N = W / VL;
  static_assert(N * VL == W, "lanes must fill whole vectors");
  const double L = p.learn, F = p.forget, G = p.guess, S = p.slip;

  // P(K_t | o_1..t) and 1 / P(o_t | o_<t) for every step and lane, in `scratch` aligned up to
  // a vector boundary (W doubles of slack cover the shift).
  if (scratch.size() < data.max_len * W * 2 + W) scratch.resize(data.max_len * W * 2 + W);
  const auto base = reinterpret_cast<std::uintptr_t>(scratch.data());
  V* fwd = reinterpret_cast<V*>((base + sizeof(V) - 1) & ~std::uintptr_t{sizeof(V) - 1});
  V* inv_c = fwd + data.max_len * N;

  const V zero = V{}, one = zero + 1.0, two = zero + 2.0, half = zero + 0.5, tiny = zero + 1e-300;
  // Per-slot emission counts (Items only).
  const std::size_t nslots = Items ? data.slot_items.size() : 0;
  std::vector<double> ign(nslots, 0.0), igd(nslots, 0.0), isn(nslots, 0.0), isd(nslots, 0.0);
  auto scatter = [&](const std::uint32_t* sl, const V& g0, const V& g1, const V& real,
                     const V& is_c, const V& is_i) {
    for (std::size_t l = 0; l < VL; ++l) {
      igd[sl[l]] += g0[l] * real[l];
      ign[sl[l]] += g0[l] * is_c[l];
      isd[sl[l]] += g1[l] * real[l];
      isn[sl[l]] += g1[l] * is_i[l];
    }
  };
  (void)scatter;
  V ll[N], init[N], nseq[N], ln[N], ld[N], fn[N], fd[N], gn[N], gd[N], sn[N], sd[N];
  for (std::size_t j = 0; j < N; ++j) {
    ll[j] = init[j] = nseq[j] = ln[j] = ld[j] = fn[j] = fd[j] = zero;
    gn[j] = gd[j] = sn[j] = sd[j] = zero;
  }

  // Codes 0 (incorrect), 1 (correct), 2 (padding) become 0/1 weights by arithmetic, no
  // branches: correct = c (2 - c), incorrect = (1 - c)(2 - c) / 2, real = 1 - c (c - 1) / 2.
#define PATHWISE_LOAD_CODES(ptr)                  \
  B raw;                                          \
  __builtin_memcpy(&raw, (ptr), sizeof raw);      \
  const V c = __builtin_convertvector(raw, V);    \
  const V is_c = c * (two - c);                   \
  const V is_i = (one - c) * (two - c) * half;    \
  const V real = one - c * (c - one) * half;      \
  const V pad = one - real;                       \
  V Gv = zero + G, Sv = zero + S;                 \
  const std::uint32_t* sl = nullptr;              \
  if constexpr (Items) {                          \
    sl = slots + ((ptr) - codes);                 \
    for (std::size_t l = 0; l < VL; ++l) {        \
      Gv[l] = slot_guess[sl[l]];                  \
      Sv[l] = slot_slip[sl[l]];                   \
    }                                             \
  }                                               \
  (void)sl;                                       \
  const V e1 = is_c * (1.0 - Sv) + is_i * Sv + pad; \
  const V e0 = is_c * Gv + is_i * (1.0 - Gv) + pad

  for (std::size_t blk = 0; blk < data.block_len.size(); ++blk) {
    const std::size_t len = data.block_len[blk];
    const std::uint8_t* codes = data.codes.data() + data.block_offset[blk];
    const std::uint32_t* slots =
        Items ? data.item_slots.data() + data.block_offset[blk] : nullptr;
    (void)slots;
    // Forward pass. Likelihood terms are multiplied up and logged every 8 steps: a log per step
    // would cost more than the rest of the pass.
    V a[N], prod[N];
    for (std::size_t j = 0; j < N; ++j) {
      a[j] = zero + p.prior;
      prod[j] = one;
    }
    for (std::size_t t = 0; t < len; ++t) {
      for (std::size_t j = 0; j < N; ++j) {
        PATHWISE_LOAD_CODES(codes + t * W + j * VL);
        const V k = a[j] * e1;
        V cc = k + (one - a[j]) * e0;
        // The floor keeps an outcome the parameters call impossible (guess = 0, say) finite.
        cc = cc > tiny ? cc : tiny;
        const V inv = one / cc;
        const V ft = k * inv;
        fwd[t * N + j] = ft;
        inv_c[t * N + j] = inv;
        prod[j] *= cc;
        a[j] = ft * (1.0 - F) + (one - ft) * L;
      }
      if ((t & 7) == 7) {
        for (std::size_t j = 0; j < N; ++j) {
          for (std::size_t l = 0; l < VL; ++l) ll[j][l] += std::log(prod[j][l]);
          prod[j] = one;
        }
      }
    }
    for (std::size_t j = 0; j < N; ++j)
      for (std::size_t l = 0; l < VL; ++l) ll[j][l] += std::log(prod[j][l]);

    // Backward pass, same scaling: b_t(k) = P(o_t+1..T | K_t = k) / P(o_t+1..T | o_1..t).
    V b1[N], b0[N];
    for (std::size_t j = 0; j < N; ++j) b1[j] = b0[j] = one;
    for (std::size_t t = len - 1; t > 0; --t) {
      for (std::size_t j = 0; j < N; ++j) {
        PATHWISE_LOAD_CODES(codes + t * W + j * VL);
        const V f = fwd[t * N + j];
        const V g1 = f * b1[j];          // P(K_t = known | all)
        const V g0 = (one - f) * b0[j];  // P(K_t = unknown | all)
        gd[j] += g0 * real;
        gn[j] += g0 * is_c;
        sd[j] += g1 * real;
        sn[j] += g1 * is_i;
        if constexpr (Items) scatter(sl, g0, g1, real, is_c, is_i);
        // Messages into step t from step t-1, and the expected transitions between them.
        const V w1 = e1 * b1[j] * inv_c[t * N + j];
        const V w0 = e0 * b0[j] * inv_c[t * N + j];
        const V fp = fwd[(t - 1) * N + j];  // P(K_t-1 | o_1..t-1)
        const V nb1 = (1.0 - F) * w1 + F * w0;
        const V nb0 = L * w1 + (1.0 - L) * w0;
        ln[j] += (one - fp) * L * w1 * real;
        ld[j] += (one - fp) * nb0 * real;
        fn[j] += fp * F * w0 * real;
        fd[j] += fp * nb1 * real;
        // Padding steps pass the end-of-sequence message (1, 1) through unchanged.
        b1[j] = real * nb1 + pad;
        b0[j] = real * nb0 + pad;
      }
    }
    for (std::size_t j = 0; j < N; ++j) {
      PATHWISE_LOAD_CODES(codes + j * VL);
      (void)e1;
      (void)e0;
      const V f = fwd[j];
      const V g1 = f * b1[j], g0 = (one - f) * b0[j];
      gd[j] += g0 * real;
      gn[j] += g0 * is_c;
      sd[j] += g1 * real;
      sn[j] += g1 * is_i;
      if constexpr (Items) scatter(sl, g0, g1, real, is_c, is_i);
      init[j] += g1 * real;
      nseq[j] += real;
    }
  }
#undef PATHWISE_LOAD_CODES
  EStats s;
  // Lanes are summed in lane order, so the result does not depend on the vector width.
  for (std::size_t j = 0; j < N; ++j) {
    for (std::size_t l = 0; l < VL; ++l) {
      s.log_likelihood += ll[j][l];
      s.init_known += init[j][l];
      s.sequences += nseq[j][l];
      s.learn_num += ln[j][l];
      s.learn_den += ld[j][l];
      s.forget_num += fn[j][l];
      s.forget_den += fd[j][l];
      s.guess_num += gn[j][l];
      s.guess_den += gd[j][l];
      s.slip_num += sn[j][l];
      s.slip_den += sd[j][l];
    }
  }
  if constexpr (Items) {
    s.item_guess_num = std::move(ign);
    s.item_guess_den = std::move(igd);
    s.item_slip_num = std::move(isn);
    s.item_slip_den = std::move(isd);
  }
  return s;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target("avx2"))) EStats e_step_avx2(const SkillData& d, const BktParams& p,
                                                   std::vector<double>& scratch) {
  return e_step_impl<4>(d, p, scratch);
}
bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

}  // namespace

EStats e_step(const SkillData& data, const BktParams& params, std::vector<double>& scratch) {
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  if (have_avx2()) return e_step_avx2(data, params, scratch);
#endif
  return e_step_impl<2>(data, params, scratch);
}

EStats e_step_portable(const SkillData& data, const BktParams& params,
                       std::vector<double>& scratch) {
  return e_step_impl<2>(data, params, scratch);
}

EStats e_step_items(const SkillData& data, const BktParams& params,
                    const std::vector<double>& guess, const std::vector<double>& slip,
                    std::vector<double>& scratch) {
  if (guess.size() < data.slot_items.size() || slip.size() < data.slot_items.size() ||
      data.item_slots.size() != data.codes.size()) {
    throw Error(ErrorCode::Internal, "e_step_items: item slots and parameters do not match");
  }
  return e_step_impl<2, true>(data, params, scratch, guess.data(), slip.data());
}

}  // namespace pathwise::detail
