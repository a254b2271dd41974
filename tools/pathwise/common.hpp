// The pathwise tool: what several commands share (option groups, reading a log, fit options,
// opening an engine, number formatting).
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>

#include "options.hpp"
#include "pathwise/pathwise.hpp"

namespace pathwise::cli {

/// The options of every command that reads a response log.
extern const OptionGroup kReadGroup;
/// The fitting options of fit and crossvalidate.
extern const OptionGroup kFitGroup;
/// The options of the commands that open an engine on a store.
extern const OptionGroup kEngineGroup;

/// ReadOptions from kReadGroup's options.
ReadOptions read_options(const Args& a);
/// FitOptions from kFitGroup's options, validated (a bad value is a UsageError).
FitOptions fit_options(const Args& a);
/// Reads the DATA argument with read_options(); prints the read summary to `err` unless
/// --quiet and nothing was skipped. Throws Error if no usable response is left.
ResponseLog load_log(const Args& a, std::ostream& err);
/// --skill / --skills that select none of the log's skills are a usage mistake, not bad data.
void check_filter(const FitOptions& o, const ResponseLog& log);
/// Fit progress on `err` ("fitting 3/10 skills"), or nothing if `on` is false.
std::function<void(std::size_t, std::size_t)> progress_printer(std::ostream& err, bool on,
                                                               const char* what);

/// The model of --model FILE (UsageError if missing).
BktModel load_model(const Args& a);
/// The store URL of --db (UsageError if missing or empty).
std::string db_url(const Args& a);
/// The engine of --curriculum, --model and --db.
Engine open_engine(const Args& a);
/// The value of option `name`, which must be given and not empty.
std::string required_value(const Args& a, const char* name);
/// --time in milliseconds since the epoch, or now.
TimePoint time_of(const Args& a);

/// `v` with `digits` decimals, "nan" if it is not finite.
std::string fixed(double v, int digits);
/// `s` cut to `width` bytes, ending in "..." if cut.
std::string clip(const std::string& s, std::size_t width);
/// One line of metrics: responses, auc, rmse, accuracy, log_loss.
void print_metrics_line(std::ostream& out, const Metrics& m);

}  // namespace pathwise::cli
