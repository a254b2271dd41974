// Pathwise — time at the API and in documents: milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <string>

#include "pathwise/export.hpp"
#include "pathwise/types.hpp"

namespace pathwise {

/// Largest |milliseconds| a TimePoint can hold (system_clock counts nanoseconds: about the year
/// 2262). Times in documents, stores and calls must lie within ±kMaxMillis.
inline constexpr std::int64_t kMaxMillis = 9223372036854LL;

/// Milliseconds since the Unix epoch, rounded down (also before 1970).
[[nodiscard]] PATHWISE_EXPORT std::int64_t to_millis(TimePoint t) noexcept;

/// The TimePoint `ms` milliseconds after the epoch; `ms` beyond ±kMaxMillis is clamped to it
/// (never an overflow). Use checked_from_millis() for input from outside.
[[nodiscard]] PATHWISE_EXPORT TimePoint from_millis(std::int64_t ms) noexcept;

/// from_millis() for input from outside: throws Error (InvalidArgument) naming `field` if |ms|
/// exceeds kMaxMillis.
[[nodiscard]] PATHWISE_EXPORT TimePoint checked_from_millis(std::int64_t ms,
                                                            const char* field = "time");

/// Throws Error (InvalidArgument) naming `field` if `t` is outside ±kMaxMillis (TimePoint::min()
/// is; TimePoint::max() rounds down to exactly kMaxMillis and is accepted). Returns `t` rounded
/// down to a whole millisecond, as documents store it.
[[nodiscard]] PATHWISE_EXPORT TimePoint checked_time(TimePoint t, const char* field = "time");

/// `t` plus `days` (fractional, may be negative), rounded to the millisecond and clamped to
/// ±kMaxMillis; a NaN `days` gives `t`.
[[nodiscard]] PATHWISE_EXPORT TimePoint plus_days(TimePoint t, double days) noexcept;

/// `ms` milliseconds after the epoch as ISO 8601 UTC, e.g. "2006-10-26T09:51:58.000Z".
/// `ms` beyond ±kMaxMillis is clamped to it. Thread-safe.
[[nodiscard]] PATHWISE_EXPORT std::string to_iso8601(std::int64_t ms);

/// Days from `from` to `to` (negative if `to` is earlier).
[[nodiscard]] PATHWISE_EXPORT double days_between(TimePoint from, TimePoint to) noexcept;

}  // namespace pathwise
