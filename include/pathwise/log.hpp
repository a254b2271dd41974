// Pathwise — where the library's log messages go.
#pragma once

#include <memory>

namespace spdlog {
class logger;
}

namespace pathwise {

/// Replaces the logger Pathwise writes to (by default a stderr logger named "pathwise" at level
/// warn, kept out of spdlog's global registry). nullptr restores the default. Pathwise never
/// logs learner ids. Thread-safe.
void set_logger(std::shared_ptr<spdlog::logger> logger);

/// The logger Pathwise writes to. Thread-safe.
[[nodiscard]] std::shared_ptr<spdlog::logger> logger();

}  // namespace pathwise
