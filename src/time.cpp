#include "pathwise/time.hpp"

#include <chrono>
#include <cmath>
#include <string>

namespace pathwise {

namespace {
constexpr double kMillisPerDay = 86400000.0;
}  // namespace

std::int64_t to_millis(TimePoint t) noexcept {
  // floor, not duration_cast: times before 1970 must round down too.
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_millis(std::int64_t ms) noexcept {
  if (ms > kMaxMillis) ms = kMaxMillis;
  if (ms < -kMaxMillis) ms = -kMaxMillis;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

TimePoint checked_from_millis(std::int64_t ms, const char* field) {
  if (ms > kMaxMillis || ms < -kMaxMillis) {
    throw Error(ErrorCode::InvalidArgument,
                "time " + std::to_string(ms) + " ms is outside the representable range (|ms| <= " +
                    std::to_string(kMaxMillis) + ")",
                Location{"", 0, 0, field});
  }
  return from_millis(ms);
}

TimePoint checked_time(TimePoint t, const char* field) {
  return checked_from_millis(to_millis(t), field);
}

TimePoint plus_days(TimePoint t, double days) noexcept {
  if (std::isnan(days)) return t;
  const double ms = static_cast<double>(to_millis(t)) + std::round(days * kMillisPerDay);
  const double max = static_cast<double>(kMaxMillis);
  if (ms >= max) return from_millis(kMaxMillis);
  if (ms <= -max) return from_millis(-kMaxMillis);
  return from_millis(static_cast<std::int64_t>(ms));
}

double days_between(TimePoint from, TimePoint to) noexcept {
  // Each side is within ±2^63 ns / 1e6, so the difference cannot overflow.
  return static_cast<double>(to_millis(to) - to_millis(from)) / kMillisPerDay;
}

}  // namespace pathwise
