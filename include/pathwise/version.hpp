// Pathwise — library version.
#pragma once

#define PATHWISE_VERSION_MAJOR 1
#define PATHWISE_VERSION_MINOR 0
#define PATHWISE_VERSION_PATCH 0

namespace pathwise {
/// The library version, "major.minor.patch".
inline constexpr const char* kVersionString = "1.0.0";
}  // namespace pathwise
