// The EM inner loop: scaled forward–backward over one skill's sequences, eight at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise::detail {

/// Sequences processed side by side; a multiple of the widest SIMD register in doubles.
inline constexpr std::size_t kLanes = 8;

/// Step codes of the interleaved layout.
inline constexpr std::uint8_t kIncorrect = 0;
inline constexpr std::uint8_t kCorrect = 1;
inline constexpr std::uint8_t kPad = 2;

/// One skill's responses, interleaved for the kernel: sequences sorted by length (longest
/// first) and dealt into blocks of kLanes; block b holds len[b] steps of kLanes codes each,
/// shorter sequences padded with kPad at their end.
struct SkillData {
  std::vector<std::uint32_t> block_len;
  std::vector<std::uint64_t> block_offset;  // index of the block's first code
  std::vector<std::uint8_t> codes;
  /// Per-item guess/slip (KT-IDEM) only: the item slot of every code, and the log's item index
  /// of every slot. Slot 0 pools responses without an item of their own (no item, or an item
  /// shared with other skills).
  std::vector<std::uint32_t> item_slots;
  std::vector<std::uint32_t> slot_items;
  std::vector<std::uint32_t> slot_responses;  // responses per slot
  std::size_t responses = 0;
  std::size_t sequences = 0;
  std::size_t max_len = 0;
};

/// Builds the interleaved layout of the given sequences of `log`. With `own_item` (indexed by
/// the log's item index: true where the item belongs to this skill alone), also the item slots
/// for per-item guess/slip.
SkillData build_skill_data(const ResponseLog& log, const std::vector<std::uint32_t>& sequences,
                           const std::vector<char>* own_item = nullptr);

/// Expected sufficient statistics of one E-step.
struct EStats {
  double log_likelihood = 0.0;
  double sequences = 0.0;
  double init_known = 0.0;  // sum over sequences of P(K_1 | all)
  double learn_num = 0.0;   // expected unknown -> known transitions
  double learn_den = 0.0;   // expected time in unknown before a further step
  double forget_num = 0.0;  // expected known -> unknown transitions
  double forget_den = 0.0;  // expected time in known before a further step
  double guess_num = 0.0;   // expected correct answers while unknown
  double guess_den = 0.0;   // expected answers while unknown
  double slip_num = 0.0;    // expected incorrect answers while known
  double slip_den = 0.0;    // expected answers while known
  // The same four emission counts per item slot (per-item fits only).
  std::vector<double> item_guess_num, item_guess_den, item_slip_num, item_slip_den;
};

/// One E-step over a skill. `scratch` is resized as needed and reused across calls. Uses the
/// AVX2 version where the processor has it.
EStats e_step(const SkillData& data, const BktParams& params, std::vector<double>& scratch);

/// The same E-step with baseline (SSE2) vectors only; gives bit-identical results.
EStats e_step_portable(const SkillData& data, const BktParams& params,
                       std::vector<double>& scratch);

/// The E-step with guess and slip per item slot (`guess[slot]`, `slip[slot]`; params.guess and
/// params.slip are ignored). Fills the per-slot counts too.
EStats e_step_items(const SkillData& data, const BktParams& params,
                    const std::vector<double>& guess, const std::vector<double>& slip,
                    std::vector<double>& scratch);

}  // namespace pathwise::detail
