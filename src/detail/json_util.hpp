// JSON reading helpers shared by the document readers: errors name the field at fault.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pathwise::detail {

/// Deepest nesting of arrays and objects any Pathwise document may have. The JSON library's
/// writer and copies recurse once per level, so deeper input could overflow the stack.
constexpr std::size_t kMaxJsonDepth = 100;

/// Parses JSON text; a syntax error, nesting deeper than kMaxJsonDepth or a number out of a
/// double's range becomes Error (Parse) with line and column in `source`.
nlohmann::json parse_json(std::string_view text, const std::string& source);

/// Throws Error (Parse) with line and column in `source` if arrays and objects in `text` nest
/// deeper than kMaxJsonDepth. Linear, no recursion; strings are skipped.
void check_json_depth(std::string_view text, const std::string& source,
                      std::size_t max_depth = kMaxJsonDepth);

/// A bounded description of a value for an error message that never quotes text (which may be
/// a learner id): "a string of 12 bytes", "an array of 3 elements", "an object", "null",
/// "true", or a number.
std::string describe(const nlohmann::json& v);

/// A document's format or version name for a message: quoted when it is a short printable
/// ASCII string, else describe()d.
std::string quoted_name(const nlohmann::json& v);

/// dump() that cannot throw on text that is not UTF-8 (such bytes become U+FFFD).
std::string dump(const nlohmann::json& v, int indent = -1);
std::string dump(const nlohmann::ordered_json& v, int indent = -1);

/// Checks "format" == `format` and a "version" "major.minor" with major <= `supported_major`
/// and, when `supported_minor` >= 0 and the major is `supported_major`, minor <=
/// `supported_minor`. Throws Error (Parse) or Error (Version) naming the field.
void check_format(const nlohmann::json& j, const char* format, int supported_major,
                  int supported_minor = -1);

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

/// Where a byte-by-byte scan of JSON text stands with respect to string literals, for scanners
/// that look at its structure without parsing it.
struct JsonStringState {
  bool in_string = false;
  bool escaped = false;
  /// Takes the next byte: true if it is structural, that is outside any string literal and not
  /// the quote that opens one.
  bool structural(char c) noexcept {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      return false;
    }
    if (c == '"') {
      in_string = true;
      return false;
    }
    return true;
  }
};

}  // namespace pathwise::detail
