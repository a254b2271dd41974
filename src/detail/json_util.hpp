// JSON reading helpers shared by the document readers: errors name the field at fault.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pathwise::detail {

/// Parses JSON text; a syntax error becomes Error (Parse) with line and column in `source`.
nlohmann::json parse_json(std::string_view text, const std::string& source);

/// Checks "format" == `format` and a "version" "major.minor" with major <= `supported_major`.
/// Throws Error (Parse) or Error (Version) naming the field.
void check_format(const nlohmann::json& j, const char* format, int supported_major);

/// The member `key` of object `j`; Error (Parse) naming `path.key` if absent.
const nlohmann::json& required(const nlohmann::json& j, const char* key, const std::string& path);

/// A string member; Error (Parse) naming the field if absent or not a string.
std::string get_string(const nlohmann::json& j, const char* key, const std::string& path);

/// An array-of-strings member; Error (Parse) naming the field or element at fault.
std::vector<std::string> get_strings(const nlohmann::json& j, const char* key,
                                     const std::string& path);

/// A finite number member; Error (Parse) if absent or not a number.
double get_number(const nlohmann::json& j, const char* key, const std::string& path);

/// "path.key", or "key" when path is empty.
std::string field_path(const std::string& path, const char* key);

}  // namespace pathwise::detail
