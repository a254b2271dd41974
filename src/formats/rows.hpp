// Cells to values, and the one place where a reader's parsed row becomes responses.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/text.hpp"
#include "formats/report.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise::detail {

/// "0"/"0.0" or "1"/"1.0", spaces around allowed.
bool parse_outcome01(std::string_view cell, Outcome& out);
/// An order key: integers exactly (to 2^63), else a finite decimal number.
bool parse_order(std::string_view cell, long double& out);
/// Splits a skill cell on `sep` (an empty `sep` keeps the cell whole); trims and drops empty and
/// repeated parts.
void split_skills(std::string_view cell, const std::string& sep,
                  std::vector<std::string_view>& out);

/// One row as a reader parsed it, before its skill cell is split.
struct Row {
  std::string_view learner;
  std::string_view skills;  ///< the skill cell
  std::string_view item;    ///< empty if none
  Outcome outcome = Outcome::Incorrect;
  std::optional<long double> order;
  std::optional<std::int64_t> time;  ///< ms since the epoch; none if the cell was empty
  std::size_t line = 0;              ///< source line the response points back to
  std::size_t row = 0;               ///< input position (ResponseLog::rows())
};

/// Where readers put rows. In a file that is not all UTF-8, each field is decided on its own:
/// valid UTF-8 is kept, anything else is read as Latin-1 and converted, so one stray byte does
/// not re-decode every other field.
class RowSink {
 public:
  /// `separator` splits skill cells; empty keeps each cell as one label.
  RowSink(ResponseLog::Builder& builder, bool mixed, ReadReport& report, const ReadOptions& options,
          std::string separator)
      : builder_(builder),
        mixed_(mixed),
        report_(report),
        label_(options.empty_skill_label),
        separator_(std::move(separator)),
        problems_(report, options.strict) {}

  /// Tells that the input has a time column: rows without a time are then counted.
  void set_timed() noexcept { timed_ = true; }
  /// The problems of this read (strict mode throws from add()).
  Problems& problems() noexcept { return problems_; }
  /// `v` as UTF-8: itself, or converted from Latin-1 into `buf`.
  std::string_view utf8(std::string_view v, std::string& buf);

  /// Adds `row` once per skill its cell names; a row naming none is kept under the empty-skill
  /// label or reported as EmptySkill at `skill_place()` with `no_skill` as the message.
  template <class Place>
  void emit(const Row& row, Place&& skill_place, const std::string& no_skill) {
    split_skills(row.skills, separator_, skills_);
    emit_split(row, skill_place, no_skill);
  }

  /// emit() for a reader that names the skills itself (row.skills is not read): each of
  /// `skills`, trimmed, empty and repeated ones dropped.
  template <class Place>
  void emit_skills(const Row& row, const std::vector<std::string_view>& skills, Place&& skill_place,
                   const std::string& no_skill) {
    skills_.clear();
    for (std::string_view s : skills) {
      s = trim(s);
      if (!s.empty() && std::find(skills_.begin(), skills_.end(), s) == skills_.end())
        skills_.push_back(s);
    }
    emit_split(row, skill_place, no_skill);
  }

 private:
  template <class Place>
  void emit_split(const Row& row, Place&& skill_place, const std::string& no_skill) {
    if (skills_.empty()) {
      if (!label_) {
        problems_.add(RowProblem::EmptySkill, skill_place(), no_skill);
        return;
      }
      skills_.push_back(*label_);
      ++report_.rows_relabelled;
    }
    if (skills_.size() > 1) ++report_.multi_skill_rows;
    for (std::string_view s : skills_) add(row, s);
    ++report_.rows_kept;
    if (row.time) {
      if (report_.first_time == kNoTime || *row.time < report_.first_time)
        report_.first_time = *row.time;
      if (report_.last_time == kNoTime || *row.time > report_.last_time)
        report_.last_time = *row.time;
    } else if (timed_) {
      ++report_.rows_without_time;
    }
  }

  void add(const Row& row, std::string_view skill);

  ResponseLog::Builder& builder_;
  bool mixed_;  // the file is not valid UTF-8 as a whole
  bool timed_ = false;
  ReadReport& report_;
  const std::optional<std::string>& label_;
  std::string separator_;
  Problems problems_;
  std::vector<std::string_view> skills_;
  std::string learner_buf_, skill_buf_, item_buf_;
};

}  // namespace pathwise::detail
