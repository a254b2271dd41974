// Pathwise — reports: what teachers, learners and researchers look at (class, learner, fit), as
// JSON data for hosts that draw their own views and as self-contained HTML files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/export.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/policy.hpp"
#include "pathwise/response_log.hpp"
#include "pathwise/store.hpp"
#include "pathwise/time.hpp"

namespace pathwise {

/// How learner ids appear in a report. Learner ids never appear in clear: each learner is shown
/// by a display name from `names` or else by a pseudonym, "L-" and 10 hex digits of
/// HMAC-SHA-256(key, id) (16 digits for every learner if 10 collide within the report).
/// Value type; thread-compatible.
struct PATHWISE_EXPORT Pseudonymizer {
  /// The key (any bytes). Empty: a random key of 32 bytes is drawn for each report, so its
  /// pseudonyms cannot be linked to another report's. Give a key to keep them stable across
  /// reports. Default: empty.
  std::string key;
  /// Learner id → display name (e.g. from the LMS); the learners it names are shown by it.
  std::map<std::string, std::string, std::less<>> names;
  /// Reads a map of ids to display names: a CSV file with two columns, `id,name` (a first line
  /// `id,name` or `learner,name` is a header; fields may be quoted with "..."), or a JSON object
  /// {"id": "name"}. Throws Error (Io) if it cannot be read, Error (Parse) with the file, line
  /// and column for a malformed line, a duplicate id or an empty one (the id is never quoted).
  [[nodiscard]] static std::map<std::string, std::string, std::less<>> read_names(
      const std::string& path);
};

/// HMAC-SHA-256 of `message` under `key`, as 64 lower-case hex digits (RFC 2104). Reentrant.
[[nodiscard]] PATHWISE_EXPORT std::string hmac_sha256_hex(const std::string& key,
                                                          const std::string& message);

/// `text` escaped for HTML text and attribute values: & < > " ' become entities, bytes that are
/// not valid UTF-8 become U+FFFD, and control characters other than tab and newline are
/// dropped. Reentrant.
[[nodiscard]] PATHWISE_EXPORT std::string html_escape(const std::string& text);

/// Options of the class and learner reports. Value type; thread-compatible.
struct PATHWISE_EXPORT ReportOptions {
  /// The policy settings the engine runs with (mastery threshold, wheel-spinning, the
  /// sequencer's settings): the recommendations shown are the built-in Sequencer's under them,
  /// exactly what Engine::recommend returns for that engine. Default: the defaults.
  PolicyConfig policy;
  /// "Now" for recommendations and recall. Default: the system clock.
  std::optional<TimePoint> now;
  /// How learners are named.
  Pseudonymizer ids;
  /// A learner with at least this many responses since they last mastered a skill (or ever,
  /// if none), with a goal still open, is listed as stalled. Default: 15.
  std::uint32_t stalled_after = 15;
  /// Items with fewer attempts are never flagged as unlike their skill. Default: 20.
  std::uint32_t item_min_attempts = 20;
  /// An item is flagged when its success rate differs from the rest of its skill's by more
  /// than this and by more than 3 standard errors. Default: 0.2.
  double item_flag_difference = 0.2;
  /// Read every learner's stored responses for the activity and item sections (one store
  /// read per learner). false leaves those sections empty. Default: true.
  bool read_responses = true;
  /// Above this many learner × skill cells the class heatmap is drawn by the page's script
  /// from compact data, not as a table cell per value (a table of a million cells is too large
  /// for a browser); the per-learner summary table stays. Default: 200,000.
  std::size_t max_table_cells = 200000;
  /// Report title. Default: empty (a title is made up from the report kind).
  std::string title;
};

/// The data of a class report, as a JSON document {"format": "pathwise-class-report",
/// "version": "1.0", ...} (docs/reports.md lists every field): skills with their mastery
/// distribution, learners (pseudonymised) with P(known) per skill and distance from their
/// goals, the learners who need a person now with the engine's explanation, mastery per day and
/// active learners per week, the item table, and an empty "forecasts" slot. Reads every
/// profile of `store` (and their responses if options.read_responses). Throws Error (Io /
/// Busy / Corrupt) as the store does, Error (UnknownSkill) if the model lacks a curriculum
/// skill, Error (InvalidArgument) for invalid options. Thread-safe as the store is.
[[nodiscard]] PATHWISE_EXPORT std::string class_report_data(ProfileStore& store,
                                                            const Curriculum& curriculum,
                                                            const BktModel& model,
                                                            const ReportOptions& options = {});

/// The data of one learner's report, {"format": "pathwise-learner-report", "version": "1.0",
/// ...}: skills with P(known) and mastery, the next step and why, the data held (counts, time
/// range, goals, in plain words) and an empty "forecasts" slot. Throws Error (UnknownLearner)
/// if nothing is stored on `learner` (the id is not in the message), otherwise as
/// class_report_data().
[[nodiscard]] PATHWISE_EXPORT std::string learner_report_data(ProfileStore& store,
                                                              const Curriculum& curriculum,
                                                              const BktModel& model,
                                                              const std::string& learner,
                                                              const ReportOptions& options = {});

/// Options of the fit report. Value type; thread-compatible.
struct PATHWISE_EXPORT FitReportOptions {
  /// Learning curves are drawn up to this opportunity. Default: 20.
  std::size_t max_opportunity = 20;
  /// Bins of the calibration diagram over [0, 1]. Default: 10.
  std::size_t calibration_bins = 10;
  /// Report title. Default: empty.
  std::string title;
};

/// The data of a fit report, {"format": "pathwise-fit-report", "version": "1.0", ...}: per
/// skill the parameters, flags (degenerate, unconverged when `fit` is given), AUC and RMSE; the
/// whole log's metrics; observed and predicted P(correct) by opportunity; a calibration
/// diagram; and the reader's report of `log`. `fit`: the fit's report, if the model was just
/// fitted (else convergence is unknown and shown as such). Skills of the log the model lacks
/// are left out and counted. Throws Error (InvalidArgument) if no response of the log has a
/// skill of the model. Reentrant.
[[nodiscard]] PATHWISE_EXPORT std::string fit_report_data(const BktModel& model,
                                                          const ResponseLog& log,
                                                          const FitReport* fit = nullptr,
                                                          const FitReportOptions& options = {});

/// The HTML page of a report's data (any of the three documents above, told apart by their
/// "format"): one self-contained file, inline CSS, SVG and a little script (sorting), no
/// network access, readable without script and in print. Throws Error (Parse) if `data_json`
/// is not such a document. Reentrant.
[[nodiscard]] PATHWISE_EXPORT std::string report_html(const std::string& data_json);

/// The pages of the three reports, drawn from their data without printing it as JSON first:
/// the same as report_html(class_report_data(...)) and so on. Throw as the data functions do.
[[nodiscard]] PATHWISE_EXPORT std::string class_report_html(ProfileStore& store,
                                                            const Curriculum& curriculum,
                                                            const BktModel& model,
                                                            const ReportOptions& options = {});
[[nodiscard]] PATHWISE_EXPORT std::string learner_report_html(ProfileStore& store,
                                                              const Curriculum& curriculum,
                                                              const BktModel& model,
                                                              const std::string& learner,
                                                              const ReportOptions& options = {});
[[nodiscard]] PATHWISE_EXPORT std::string fit_report_html(const BktModel& model,
                                                          const ResponseLog& log,
                                                          const FitReport* fit = nullptr,
                                                          const FitReportOptions& options = {});

/// Writes `html` to `path` (nothing else is written). Throws Error (Io) naming the path if it
/// cannot be written.
PATHWISE_EXPORT void write_report(const std::string& path, const std::string& html);

}  // namespace pathwise
