#include "formats/time_cell.hpp"

#include <cstdio>

#include "detail/text.hpp"
#include "formats/report.hpp"
#include "pathwise/time.hpp"

namespace pathwise::detail {

namespace {

constexpr std::int64_t kMillisPerDay = 86400000;

/// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12, d 1..31): the count of
/// whole 400-year eras from 0000-03-01, then the day within the era, with March as month 0 so
/// that the leap day falls at the end of a year.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// The inverse of days_from_civil().
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

bool leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Reads exactly `n` digits at `p`; false if there are fewer.
bool fixed_digits(std::string_view s, std::size_t& p, std::size_t n, unsigned& out) noexcept {
  if (p + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!digit(s[p + i])) return false;
    out = out * 10 + static_cast<unsigned>(s[p + i] - '0');
  }
  p += n;
  return true;
}

TimeError parse_iso(std::string_view s, std::int64_t& ms) noexcept {
  std::size_t p = 0;
  unsigned year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
  if (!fixed_digits(s, p, 4, year) || p >= s.size() || s[p++] != '-' ||
      !fixed_digits(s, p, 2, month) || p >= s.size() || s[p++] != '-' ||
      !fixed_digits(s, p, 2, day)) {
    return TimeError::Form;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
    return TimeError::Form;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    ++p;
    if (!fixed_digits(s, p, 2, hour) || p >= s.size() || s[p++] != ':' ||
        !fixed_digits(s, p, 2, minute)) {
      return TimeError::Form;
    }
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!fixed_digits(s, p, 2, second)) return TimeError::Form;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        std::size_t n = 0;
        for (; p < s.size() && digit(s[p]); ++p, ++n)
          if (n < 3) millis = millis * 10 + static_cast<unsigned>(s[p] - '0');
        if (n == 0) return TimeError::Form;
        for (; n < 3; ++n) millis *= 10;
      }
    }
    // Leap seconds (:60) and 24:00 are not read: neither has one agreed millisecond count.
    if (hour > 23 || minute > 59 || second > 59) return TimeError::Form;
  }
  std::int64_t offset_minutes = 0;
  if (p < s.size()) {
    if (s[p] == 'Z' || s[p] == 'z') {
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      const bool minus = s[p++] == '-';
      unsigned oh, om = 0;
      if (!fixed_digits(s, p, 2, oh)) return TimeError::Form;
      const bool colon = p < s.size() && s[p] == ':';
      if (colon) ++p;
      if ((colon || p < s.size()) && !fixed_digits(s, p, 2, om)) return TimeError::Form;
      if (oh > 23 || om > 59) return TimeError::Form;
      offset_minutes = (minus ? -1 : 1) * static_cast<std::int64_t>(oh * 60 + om);
    } else {
      return TimeError::Form;
    }
  }
  if (p != s.size()) return TimeError::Form;
  // Every term is bounded (years 0000..9999), so the sum cannot overflow.
  const std::int64_t t = days_from_civil(year, month, day) * kMillisPerDay +
                         ((static_cast<std::int64_t>(hour) * 60 + minute) * 60 + second) * 1000 +
                         millis - offset_minutes * 60000;
  if (t > kMaxMillis || t < -kMaxMillis) return TimeError::Range;
  ms = t;
  return TimeError::None;
}

TimeError parse_epoch(std::string_view s, EpochUnit unit, std::int64_t& ms) noexcept {
  std::size_t p = 0;
  bool minus = false;
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) minus = s[p++] == '-';
  std::int64_t whole = 0;
  std::size_t digits = 0;
  bool huge = false;
  for (; p < s.size() && digit(s[p]); ++p, ++digits) {
    // Past 10^17 the value is out of range in either unit; keep reading the digits.
    if (whole < 100000000000000000LL) {
      whole = whole * 10 + (s[p] - '0');
    } else {
      huge = true;
    }
  }
  std::int64_t frac = 0;  // the first three fraction digits, as thousandths
  bool rest = false;      // a nonzero digit past the third
  std::size_t frac_digits = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    for (; p < s.size() && digit(s[p]); ++p, ++frac_digits) {
      if (frac_digits < 3) {
        frac = frac * 10 + (s[p] - '0');
      } else if (s[p] != '0') {
        rest = true;
      }
    }
    if (frac_digits == 0 && digits == 0) return TimeError::Form;
    for (std::size_t k = frac_digits; k < 3; ++k) frac *= 10;
  }
  if (digits == 0 && frac_digits == 0) return TimeError::Form;
  if (p != s.size()) return TimeError::Form;
  if (huge) return TimeError::Range;
  const bool seconds =
      unit == EpochUnit::Seconds || (unit == EpochUnit::Auto && whole < 100000000000LL);
  std::int64_t t;
  bool below = false;  // a part below the millisecond was dropped
  if (seconds) {
    if (whole > kMaxMillis / 1000 + 1) return TimeError::Range;
    t = whole * 1000 + frac;
    below = rest;
  } else {
    t = whole;
    below = frac != 0 || rest;
  }
  // Round down, also before 1970: -1.5 ms is -2 ms.
  if (minus) t = -t - (below ? 1 : 0);
  if (t > kMaxMillis || t < -kMaxMillis) return TimeError::Range;
  ms = t;
  return TimeError::None;
}

}  // namespace

TimeError parse_time(std::string_view cell, EpochUnit unit, std::int64_t& ms) noexcept {
  cell = trim(cell);
  if (cell.empty()) return TimeError::Form;
  // A date has its '-' at byte 4; a number never does (a sign comes first).
  if (cell.size() >= 5 && cell[4] == '-' && digit(cell[0])) return parse_iso(cell, ms);
  return parse_epoch(cell, unit, ms);
}

std::string time_error_message(TimeError error, const std::string& column, std::string_view cell) {
  if (error == TimeError::Range) {
    return column + " is outside the range of times (about the years 1677 to 2262), got " +
           excerpt(trim(cell));
  }
  return column +
         " must be an ISO 8601 time (2006-10-26T09:51:58Z, 2006-10-26 09:51:58.0) or epoch "
         "seconds or milliseconds, got " +
         excerpt(trim(cell));
}

std::string format_time(std::int64_t ms);

}  // namespace pathwise::detail

namespace pathwise {

std::int64_t parse_time_cell(std::string_view cell, EpochUnit unit, const std::string& column) {
  std::int64_t ms = 0;
  const detail::TimeError e = detail::parse_time(cell, unit, ms);
  if (e == detail::TimeError::None) return ms;
  throw Error(e == detail::TimeError::Range ? ErrorCode::InvalidArgument : ErrorCode::Parse,
              detail::time_error_message(e, "column '" + column + "'", cell),
              Location{"", 0, 0, column});
}

}  // namespace pathwise

namespace pathwise::detail {

std::string format_time(std::int64_t ms) {
  std::int64_t days = ms / kMillisPerDay, rem = ms % kMillisPerDay;
  if (rem < 0) {
    rem += kMillisPerDay;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600000),
                static_cast<long long>(rem / 60000 % 60), static_cast<long long>(rem / 1000 % 60),
                static_cast<long long>(rem % 1000));
  return buf;
}

}  // namespace pathwise::detail

namespace pathwise {

std::string to_iso8601(std::int64_t ms) {
  if (ms > kMaxMillis) ms = kMaxMillis;
  if (ms < -kMaxMillis) ms = -kMaxMillis;
  return detail::format_time(ms);
}

}  // namespace pathwise
