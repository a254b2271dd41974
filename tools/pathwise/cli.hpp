// The pathwise command-line tool, callable in-process for tests.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace pathwise::cli {

/// Exit codes of the tool.
inline constexpr int kOk = 0;
inline constexpr int kBadInput = 1;
inline constexpr int kUsage = 2;
/// The store stayed locked or its server is unreachable: nothing changed, retry.
inline constexpr int kBusy = 3;

/// Runs the tool with `args` (without the program name); writes results to `out` and messages to
/// `err`. Returns the exit code. Progress goes to `err` only if `progress` is true.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool progress);

}  // namespace pathwise::cli
