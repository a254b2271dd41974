// The readers' limits (ReadOptions::max_*): checks that run before the memory they guard is
// spent, and reading an input of unknown size without running past them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "pathwise/response_log.hpp"

namespace pathwise::detail {

/// Throws Error (Parse) at the first line of `text` longer than `max_bytes` (line ends LF, CRLF
/// or a lone CR; the column is the first byte past the limit). No allocation.
void check_line_lengths(std::string_view text, std::size_t max_bytes, const std::string& source);

/// Throws Error (Parse) for a line with more than `max_fields` fields, at the first field past
/// the limit.
[[noreturn]] void throw_too_many_fields(std::size_t max_fields, Location where);

/// The bytes of the log at `path`. A regular file is read whole (its size is known); any other
/// input is read up to `options.max_input_bytes`, stopping as soon as a line runs past
/// `options.max_line_bytes`. Throws Error (Io) if it cannot be read, Error (Parse) at a limit.
std::string read_input(const std::string& path, const ReadOptions& options);

}  // namespace pathwise::detail
