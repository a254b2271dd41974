// Pathwise — response logs: reading public logs into compact, grouped, columnar storage.
#pragma once

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pathwise/export.hpp"
#include "pathwise/types.hpp"

namespace pathwise {

/// Input layouts the readers understand.
enum class LogFormat {
  Auto,       ///< detect from the content (three-line, hmm-scalable, else delimited with header)
  Delimited,  ///< text with a header row; comma, tab or semicolon detected from the header
  Hmm,        ///< hmm-scalable: no header; outcome (1 correct, 2 incorrect), student, step, skill
  ThreeLine,  ///< knowledge-tracing benchmarks: count / skill ids / 0-1 outcomes per learner
  Xapi,       ///< xAPI statements: JSON lines (one statement a line) or one JSON array
};

/// Short name of a format: "auto", "delimited", "hmm", "three-line", "xapi".
[[nodiscard]] PATHWISE_EXPORT const char* to_string(LogFormat format) noexcept;

/// Which header column holds what, for LogFormat::Delimited. An empty name means "use the first
/// default candidate present in the header"; the candidates cover pyBKT's names, the ASSISTments
/// 2009 skill-builder export and the DataShop/KDD Cup step export. Thread-compatible.
struct PATHWISE_EXPORT ColumnMapping {
  /// Learner id. Defaults: user_id, Anon Student Id, student_id, learner_id, student.
  std::string learner;
  /// Skill name(s). Defaults: skill_name, KC(Default), skill_id, skill, kc.
  std::string skill;
  /// Outcome, 0 or 1. Defaults: correct, Correct First Attempt, outcome.
  std::string correct;
  /// Sort key within a learner (a number). Defaults: order_id, Row. "-" = none (file order).
  std::string order;
  /// Item id (optional). Defaults: template_id, problem_id, Problem Name, item_id, item.
  /// "-" = none.
  std::string item;
  /// Time of the response (optional; see ReadOptions::epoch_unit for the forms read).
  /// Defaults: Step Start Time (DataShop), timestamp, start_time, time. "-" = none.
  std::string time;
};

/// How a time cell that is a bare number (no date) is read.
enum class EpochUnit : std::uint8_t {
  Auto,          ///< |value| < 100,000,000,000 is seconds, larger is milliseconds
  Seconds,       ///< seconds since the Unix epoch (a fraction is kept to the millisecond)
  Milliseconds,  ///< milliseconds since the Unix epoch
};

/// The unit named "auto", "seconds" or "milliseconds" (the JSON, CLI and Python form), or
/// nullopt for another name.
[[nodiscard]] PATHWISE_EXPORT std::optional<EpochUnit> epoch_unit_named(
    std::string_view name) noexcept;

/// Sentinel of ResponseLog::times() for a response whose time cell was empty.
inline constexpr std::int64_t kNoTime = INT64_MIN;

/// Reads one time as the readers read a time cell: ISO 8601 (2006-10-26T09:51:58Z, with an
/// offset or none for UTC), DataShop's 2006-10-26 09:51:58.0, or a bare decimal number per
/// `unit` (see ReadOptions::epoch_unit); spaces around are allowed. Returns milliseconds since
/// the Unix epoch. Throws Error (Parse) for anything else, with the readers' message naming
/// `column` (in the Location's field too), Error (InvalidArgument) for a time beyond
/// ±kMaxMillis. For hosts and bindings that hold times as text (a data frame's column).
[[nodiscard]] PATHWISE_EXPORT std::int64_t parse_time_cell(std::string_view cell,
                                                           EpochUnit unit = EpochUnit::Auto,
                                                           const std::string& column = "time");

/// Options for reading a log. The defaults read the common public logs as they are.
/// Thread-compatible.
struct PATHWISE_EXPORT ReadOptions {
  /// Layout of the input; Auto detects it from the content. Default: Auto.
  LogFormat format = LogFormat::Auto;
  /// Field delimiter of delimited input; '\0' detects it from the header. Default: '\0'.
  char delimiter = '\0';
  /// Column mapping for delimited input. Default: the built-in candidates.
  ColumnMapping columns;
  /// Separator between the skills of a multi-skill cell; each skill named gets the response.
  /// Unset: "~~" for delimited input (DataShop), "~" for hmm-scalable input. An empty string
  /// keeps the whole cell as one skill label (what pyBKT does).
  std::optional<std::string> skill_separator;
  /// Strict: the first bad row throws Error with its file, line and column. Lenient: bad rows are
  /// skipped and counted by reason in ReadReport. Default: lenient.
  bool strict = false;
  /// If set, rows with no skill are kept under this skill label instead of being reported as
  /// bad rows (pyBKT keeps them as a skill literally named "nan"). Default: unset.
  std::optional<std::string> empty_skill_label;
  /// ASSISTments logs mark scaffolding responses with original = 0. Unless this is true they are
  /// left out, as pyBKT does, and counted in ReadReport::rows_filtered. Default: false.
  bool keep_scaffolding = false;
  /// Unit of time cells that are bare numbers. ISO 8601 cells (2006-10-26T09:51:58Z,
  /// 2006-10-26T11:51:58.250+02:00, or DataShop's 2006-10-26 09:51:58.0 with a space and no
  /// zone, read as UTC) do not depend on it. Auto decides by magnitude: below 10^11 in absolute
  /// value is seconds (up to the year 5138), else milliseconds (from 1973-03-03 on), so epoch
  /// milliseconds before March 1973 need Milliseconds. Default: Auto.
  EpochUnit epoch_unit = EpochUnit::Auto;
  /// xAPI input: a file mapping item (activity) ids to skills, CSV or JSON. CSV: a header row,
  /// then one "item,skill" row per pair (an item may have several rows, and a skill cell may
  /// name several skills split by the skill separator, "~~" by default). JSON: an object
  /// {"item id": "skill" or ["skill", ...]}. Empty: none. Default: empty.
  std::string skill_map;
  /// xAPI input: an extension IRI whose value names the skill(s), a string or an array of
  /// strings, looked up in object.definition.extensions, then context.extensions. Used for items
  /// the skill map does not name. Empty: none. Default: empty.
  std::string skill_extension;

  // Limits. Each is checked before the memory it guards is spent, in strict and lenient mode
  // alike: input past a limit throws Error (Parse) with its place and the limit's name, since
  // it is a broken or foreign file rather than a bad row. The defaults pass every public log in
  // the project's data folder with two or more orders of magnitude to spare.

  /// Longest line in bytes, line end not counted (a line ends at LF, CRLF or a lone CR). The
  /// longest line of the public logs is 3,556 bytes. Default: 16 MiB.
  std::size_t max_line_bytes = std::size_t{16} << 20;
  /// Most fields on one line: the cells of a delimited header or row (a quoted field may carry
  /// a row over several lines), or the entries of a three-line list. Each field costs tens of
  /// bytes before it can be checked. The widest line of the public logs has 1,261. Default:
  /// 1,000,000.
  std::size_t max_fields_per_line = 1000000;
  /// Most bytes read from an input whose size is not known before reading: a pipe, a terminal,
  /// a device such as /dev/zero. Regular files and parse()'s text are read whole, as their size
  /// is known. Default: 1 GiB.
  std::uint64_t max_input_bytes = std::uint64_t{1} << 30;

  /// Throws Error (InvalidArgument) naming the field if a limit is 0.
  void validate() const;
};

/// Why a row was not used. Every skipped row is counted under exactly one reason.
enum class RowProblem : std::uint8_t {
  MissingField,  ///< fewer fields than the header (or a truncated three-line record)
  ExtraField,    ///< more fields than the header
  BadCorrect,    ///< the outcome is not 0/1 (1/2 for hmm-scalable)
  BadOrder,      ///< the order column is not a number
  EmptySkill,    ///< no skill named (empty cell, or "." in hmm-scalable)
  EmptyLearner,  ///< no learner id
  BadRecord,     ///< three-line record whose count or lists do not agree
  BadTime,       ///< the time is not ISO 8601 or an epoch number, or is outside ±kMaxMillis
  BadStatement,  ///< xAPI statement that is not JSON, too deep, not UTF-8, or lacks its object
};
inline constexpr std::size_t kRowProblemCount = 9;

/// Short name of a row problem, e.g. "bad_correct".
[[nodiscard]] PATHWISE_EXPORT const char* to_string(RowProblem problem) noexcept;

/// What a reader saw: rows read, kept and skipped by reason, with the first place of each.
/// Value type; thread-compatible.
struct PATHWISE_EXPORT ReadReport {
  /// Source label (file path or "<string>").
  std::string source;
  /// Format actually read (never Auto).
  LogFormat format = LogFormat::Auto;
  /// Field delimiter of delimited input ('\0' otherwise).
  char delimiter = '\0';
  /// "utf-8", or "latin-1" when some fields were not valid UTF-8 and were read as Latin-1 (each
  /// field is decided on its own and converted to UTF-8).
  std::string encoding = "utf-8";
  /// Fields read as Latin-1.
  std::size_t latin1_fields = 0;
  /// Header columns used for learner, skill, correct, order, item, time ("" where none).
  ColumnMapping columns_used;
  /// Data rows (or three-line responses) seen.
  std::size_t rows = 0;
  /// Rows kept.
  std::size_t rows_kept = 0;
  /// Rows kept under `empty_skill_label`.
  std::size_t rows_relabelled = 0;
  /// Scaffolding rows (original = 0) left out; counted in rows_kept's complement but not as bad.
  std::size_t rows_filtered = 0;
  /// Rows naming several skills (each becomes one response per skill).
  std::size_t multi_skill_rows = 0;
  /// Rows kept whose time cell was empty (their times() entry is kNoTime), when the log has a
  /// time column.
  std::size_t rows_without_time = 0;
  /// Earliest and latest time kept, in ms since the epoch (kNoTime if no time was read).
  std::int64_t first_time = kNoTime;
  std::int64_t last_time = kNoTime;
  /// Skipped rows per RowProblem.
  std::array<std::size_t, kRowProblemCount> skipped{};
  /// First place of each problem (line 0 if none).
  std::array<Location, kRowProblemCount> first_place{};
  /// First message of each problem.
  std::array<std::string, kRowProblemCount> first_message{};

  /// Total rows skipped as bad (rows == rows_kept + rows_filtered + skipped_total()).
  [[nodiscard]] std::size_t skipped_total() const noexcept;
  /// A human-readable summary, one line per skipped reason. No learner ids.
  [[nodiscard]] std::string summary() const;
};

/// Response logs in compact columnar storage: interned ids, one outcome byte per response, and
/// responses grouped into sequences, one per (skill, learner), each in time order.
/// Build one with read_file(), parse() or ResponseLog::Builder.
/// Immutable after construction (safe to share).
class PATHWISE_EXPORT ResponseLog {
 public:
  /// Sentinel for "no item".
  static constexpr std::uint32_t kNoItem = 0xffffffffu;
  /// Sentinel for "no time" in times().
  static constexpr std::int64_t kNoTime = pathwise::kNoTime;

  /// Reads a log from a file; the format is detected unless `options.format` says otherwise.
  /// Throws Error (Io) if the file cannot be read, Error (Parse) for a bad header, a missing
  /// column, input past one of the options' limits, or — in strict mode — the first bad row;
  /// Error (InvalidArgument) if the options are not valid (ReadOptions::validate()).
  [[nodiscard]] static ResponseLog read_file(const std::string& path,
                                             const ReadOptions& options = {});
  /// Reads a log from text in memory; `source` names it in errors. Throws like read_file().
  [[nodiscard]] static ResponseLog parse(std::string_view text, const ReadOptions& options = {},
                                         const std::string& source = "<string>");

  /// One sequence: the responses of one learner on one skill, in time order.
  struct Sequence {
    std::uint32_t skill;    ///< skill index
    std::uint32_t learner;  ///< learner index
    std::uint64_t begin;    ///< first response index
    std::uint64_t end;      ///< one past the last response index
    [[nodiscard]] std::size_t size() const noexcept {
      return static_cast<std::size_t>(end - begin);
    }
  };

  /// Number of responses (a multi-skill row counts once per skill).
  [[nodiscard]] std::size_t size() const noexcept { return outcomes_.size(); }
  /// True if the log holds no response.
  [[nodiscard]] bool empty() const noexcept { return outcomes_.empty(); }
  /// Distinct skills, learners and items named by the log (a skill may have no sequence left
  /// after select_learners()).
  [[nodiscard]] std::size_t skill_count() const noexcept { return skill_names_.size(); }
  [[nodiscard]] std::size_t learner_count() const noexcept { return learner_ids_.size(); }
  [[nodiscard]] std::size_t item_count() const noexcept { return item_ids_.size(); }
  /// Number of (skill, learner) sequences.
  [[nodiscard]] std::size_t sequence_count() const noexcept { return sequences_.size(); }

  /// Name of skill `index` (0 <= index < skill_count()).
  [[nodiscard]] const std::string& skill_name(std::uint32_t index) const;
  /// Id of item `index`.
  [[nodiscard]] const std::string& item_id(std::uint32_t index) const;
  /// Id of learner `index`. Learner ids are personal data: never log them.
  [[nodiscard]] const std::string& learner_id(std::uint32_t index) const;
  /// Index of a skill by name, if present.
  [[nodiscard]] std::optional<std::uint32_t> find_skill(std::string_view name) const;

  /// All sequences; those of one skill are listed by skill_sequences().
  [[nodiscard]] const std::vector<Sequence>& sequences() const noexcept { return sequences_; }
  /// Indices into sequences() of the sequences of skill `skill`, in first-seen order.
  [[nodiscard]] std::vector<std::uint32_t> skill_sequences(std::uint32_t skill) const;
  /// Number of responses of skill `skill`.
  [[nodiscard]] std::size_t skill_size(std::uint32_t skill) const;

  /// Outcome of every response (0 incorrect, 1 correct), grouped by sequence.
  [[nodiscard]] const std::vector<std::uint8_t>& outcomes() const noexcept { return outcomes_; }
  /// Item of every response (kNoItem where unknown); empty if the log has no item column.
  [[nodiscard]] const std::vector<std::uint32_t>& items() const noexcept { return items_; }
  /// Time of every response in milliseconds since the Unix epoch (UTC), kNoTime where its cell
  /// was empty; empty if the log has no time column (8 bytes a response only when it has).
  [[nodiscard]] const std::vector<std::int64_t>& times() const noexcept { return times_; }
  /// Source line of every response (0 where not read from text); empty for built logs.
  [[nodiscard]] const std::vector<std::uint32_t>& lines() const noexcept { return lines_; }
  /// Position of every response in its input, 1-based: the data row of delimited and hmm input,
  /// the response's rank in the file for three-line input (several share a line there). Sorting
  /// by it restores the input order. Empty for built logs.
  [[nodiscard]] const std::vector<std::uint32_t>& rows() const noexcept { return rows_; }

  /// What the reader saw (empty for logs made with Builder).
  [[nodiscard]] const ReadReport& report() const noexcept { return report_; }

  /// A new log with the sequences of the learners for which keep[learner] is true.
  /// Throws Error (InvalidArgument) if keep.size() != learner_count().
  [[nodiscard]] ResponseLog select_learners(const std::vector<bool>& keep) const;

  /// Builds a log from code: responses of a (skill, learner) pair are kept in the order given,
  /// sorted by `order` when every response has one, else by `time` when every response has
  /// one (stable: ties keep the order of calls). Thread-compatible (one thread at a time).
  class Builder {
   public:
    /// An empty builder; movable, not copyable.
    Builder();
    ~Builder();
    Builder(Builder&&) noexcept;
    Builder& operator=(Builder&&) noexcept;

    /// Adds one response. `item` may be empty. `order` sorts responses within a learner (ties
    /// keep the order of calls; integers up to 2^63 compare exactly); give it for all responses
    /// or none. `line` and `row` are the source line and input position (0 = none). `time` is
    /// milliseconds since the epoch (nullopt = none; the log has a times() column if any
    /// response has a time).
    /// Throws Error (InvalidArgument) for an empty learner or skill, ids that are not UTF-8, a
    /// time beyond ±kMaxMillis, or more than 4,294,967,294 responses.
    void add(std::string_view learner, std::string_view skill, std::string_view item,
             Outcome outcome, std::optional<long double> order = std::nullopt,
             std::uint32_t line = 0, std::uint32_t row = 0,
             std::optional<std::int64_t> time = std::nullopt);
    /// Adds a whole sequence of one learner on one skill (fast path for simulated data).
    /// `outcomes` holds 0/1 bytes; `items` is empty or has one id per outcome.
    /// Throws Error (InvalidArgument) for values other than 0/1 or mismatched sizes.
    void add_sequence(std::string_view learner, std::string_view skill,
                      const std::vector<std::uint8_t>& outcomes,
                      const std::vector<std::string>& items = {});
    /// Number of responses added so far.
    [[nodiscard]] std::size_t size() const noexcept;
    /// Finishes the log; the builder is left empty. Throws Error (InvalidArgument) if some
    /// responses have an order and others not, or if add() gave times and add_sequence() was
    /// used too (its responses have no time).
    [[nodiscard]] ResponseLog build(ReadReport report = {});

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };

 private:
  friend class Builder;
  std::vector<std::string> skill_names_;
  std::vector<std::string> learner_ids_;
  std::vector<std::string> item_ids_;
  std::vector<Sequence> sequences_;
  std::vector<std::uint8_t> outcomes_;
  std::vector<std::uint32_t> items_;
  std::vector<std::uint32_t> lines_;
  std::vector<std::uint32_t> rows_;
  std::vector<std::int64_t> times_;
  // CSR index of sequences by skill.
  std::vector<std::uint32_t> skill_seq_offsets_;
  std::vector<std::uint32_t> skill_seq_ids_;
  ReadReport report_;

  void index_skills();
};

}  // namespace pathwise
