// Time cells of the readers: ISO 8601 dates and times, and epoch seconds or milliseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pathwise/response_log.hpp"

namespace pathwise::detail {

/// Why a time cell was not read.
enum class TimeError { None, Form, Range };

/// Reads a time cell (spaces around allowed) into milliseconds since the Unix epoch, UTC.
/// Accepted: ISO 8601 extended format YYYY-MM-DD, optionally followed by 'T' (or 't', or a
/// space, as DataShop writes it) and hh:mm, hh:mm:ss or hh:mm:ss.fraction ('.' or ','; digits
/// past the millisecond are dropped, i.e. rounded down), then optionally Z or an offset +hh:mm,
/// +hhmm or +hh; no zone is UTC. Or a bare decimal number (no exponent) read per `unit`.
/// Returns Form for anything else (including an impossible date such as 02-30 or 24:00), Range
/// for a time beyond ±kMaxMillis. No allocation.
TimeError parse_time(std::string_view cell, EpochUnit unit, std::int64_t& ms) noexcept;

/// The message of a bad time cell; never quotes more than excerpt() shows.
std::string time_error_message(TimeError error, const std::string& column, std::string_view cell);

/// `ms` as ISO 8601 UTC with milliseconds, e.g. 2006-10-26T09:51:58.000Z.
std::string format_time(std::int64_t ms);

}  // namespace pathwise::detail
