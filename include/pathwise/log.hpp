// Pathwise — where the library's log messages go.
#pragma once

#include <memory>

#include "pathwise/export.hpp"

namespace spdlog {
class logger;
}

namespace pathwise {

/// Replaces the logger Pathwise writes to (by default a stderr logger named "pathwise" at level
/// warn, kept out of spdlog's global registry). nullptr restores the default. Pathwise never
/// logs learner ids. Thread-safe.
PATHWISE_EXPORT void set_logger(std::shared_ptr<spdlog::logger> logger);

/// The logger Pathwise writes to. Thread-safe.
[[nodiscard]] PATHWISE_EXPORT std::shared_ptr<spdlog::logger> logger();

}  // namespace pathwise
