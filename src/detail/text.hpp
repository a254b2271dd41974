// Text helpers shared by the readers and the models: UTF-8 checks, Latin-1 conversion, trimming.
#pragma once

#include <string>
#include <string_view>

namespace pathwise::detail {

/// True if `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text) noexcept;
/// True if `id` can be stored and written into documents unchanged: UTF-8 without NUL bytes (a
/// C string, libpq's text parameters, would end at a NUL).
inline bool is_storable_text(std::string_view id) noexcept {
  return is_valid_utf8(id) && id.find('\0') == std::string_view::npos;
}
/// Converts Latin-1 bytes to UTF-8.
std::string latin1_to_utf8(std::string_view text);
/// Trims ASCII spaces and tabs at both ends.
std::string_view trim(std::string_view s) noexcept;

}  // namespace pathwise::detail
