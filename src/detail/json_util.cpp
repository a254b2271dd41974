#include "detail/json_util.hpp"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "pathwise/types.hpp"

namespace pathwise::detail {

std::string field_path(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

namespace {

/// 1-based line and column of byte `offset` in `text`.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

/// Calls `f(offset, ch)` for every byte of `text` outside string literals.
template <typename F>
void for_each_structural(std::string_view text, F&& f) {
  JsonStringState state;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (state.structural(c) && !f(i, c)) return;
  }
}

/// Whether a literal from_chars finds out of range is too small (read as 0, no error) rather
/// than too large: a negative exponent, or no exponent and no nonzero digit before the point.
bool underflows(std::string_view literal) {
  const std::size_t e = literal.find_first_of("eE");
  if (e != std::string_view::npos) return e + 1 < literal.size() && literal[e + 1] == '-';
  const std::string_view whole = literal.substr(0, literal.find('.'));
  return whole.find_first_of("123456789") == std::string_view::npos;
}

/// The offset of the first number literal in `text` whose value is beyond a double's range,
/// or npos.
std::size_t overflowing_number(std::string_view text) {
  std::size_t found = std::string_view::npos;
  std::size_t start = std::string_view::npos;
  auto number_char = [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  };
  for_each_structural(text, [&](std::size_t i, char c) {
    const bool in_number = number_char(c);
    if (in_number && start == std::string_view::npos) start = i;
    const bool last = i + 1 == text.size() || !number_char(text[i + 1]);
    if (start != std::string_view::npos && (!in_number || last)) {
      const std::size_t end = in_number ? i + 1 : i;
      // from_chars: independent of the locale's decimal separator.
      double v = 0.0;
      const char* first = text.data() + start;
      const auto r = std::from_chars(first, text.data() + end, v);
      if (r.ec == std::errc::result_out_of_range && !underflows(text.substr(start, end - start))) {
        found = start;
        return false;
      }
      if (r.ec == std::errc() && std::isinf(v)) {
        found = start;
        return false;
      }
      start = std::string_view::npos;
    }
    return true;
  });
  return found;
}

}  // namespace

void check_json_depth(std::string_view text, const std::string& source, std::size_t max_depth) {
  std::size_t depth = 0;
  std::size_t deep_at = std::string_view::npos;
  for_each_structural(text, [&](std::size_t i, char c) {
    if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        deep_at = i;
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    return true;
  });
  if (deep_at != std::string_view::npos) {
    const auto [line, col] = line_column(text, deep_at);
    throw Error(ErrorCode::Parse,
                "JSON nested deeper than " + std::to_string(max_depth) +
                    " arrays and objects",
                Location{source, line, col, ""});
  }
}

nlohmann::json parse_json(std::string_view text, const std::string& source) {
  check_json_depth(text, source);
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports the 1-based offset of the byte it stopped at.
    const auto [line, col] = line_column(text, e.byte > 0 ? e.byte - 1 : 0);
    // nlohmann's message quotes the text it last read, which may be a learner id: keep only
    // what went wrong and what was expected.
    std::string what = e.what();
    auto pos = what.find("parse error");
    what = pos == std::string::npos ? what : what.substr(pos);
    auto quote = what.find("; last read: '");
    if (quote != std::string::npos) {
      auto end = what.find("'; ", quote + 14);
      what = what.substr(0, quote) + (end == std::string::npos ? "" : what.substr(end + 1));
    }
    throw Error(ErrorCode::Parse, "malformed JSON: " + what, Location{source, line, col, ""});
  } catch (const nlohmann::json::exception&) {
    // The one other failure of parse(): a number literal beyond a double's range (1e999).
    const std::size_t at = overflowing_number(text);
    const auto [line, col] =
        at == std::string_view::npos ? std::pair<std::size_t, std::size_t>{0, 0}
                                     : line_column(text, at);
    throw Error(ErrorCode::Parse, "malformed JSON: a number is too large for a double",
                Location{source, line, col, ""});
  }
}

std::string describe(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      return "a string of " + std::to_string(v.get_ref<const std::string&>().size()) + " bytes";
    case nlohmann::json::value_t::array:
      return "an array of " + std::to_string(v.size()) + " elements";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::binary:
      return "binary data";
    default:
      return v.dump();  // a number: bounded, and never an id
  }
}

std::string quoted_name(const nlohmann::json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    const bool plain = s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
                         return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
                       });
    if (plain) return "\"" + s + "\"";
  }
  return "(" + describe(v) + ")";
}

std::string dump(const nlohmann::json& v, int indent) {
  return v.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump(const nlohmann::ordered_json& v, int indent) {
  return v.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void check_format(const nlohmann::json& j, const char* format, int supported_major,
                  int supported_minor) {
  auto fit = j.find("format");
  if (fit == j.end() || !fit->is_string()) {
    throw Error(ErrorCode::Parse, std::string("missing \"format\": expected \"") + format + "\"",
                Location{"", 0, 0, "format"});
  }
  if (fit->get<std::string>() != format) {
    throw Error(ErrorCode::Parse,
                "wrong document format " + quoted_name(*fit) + ", expected \"" + format + "\"",
                Location{"", 0, 0, "format"});
  }
  auto vit = j.find("version");
  if (vit == j.end() || !vit->is_string()) {
    throw Error(ErrorCode::Parse, "missing \"version\" (a string such as \"1.0\")",
                Location{"", 0, 0, "version"});
  }
  std::string v = vit->get<std::string>();
  int major = 0;
  std::size_t i = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9' && i < 6) major = major * 10 + (v[i++] - '0');
  if (i == 0 || (i < v.size() && v[i] != '.')) {
    throw Error(ErrorCode::Parse, "malformed version " + quoted_name(*vit) + ", expected \"major.minor\"",
                Location{"", 0, 0, "version"});
  }
  if (major > supported_major) {
    throw Error(ErrorCode::Version,
                "document version " + v + " is newer than this Pathwise reads (" +
                    std::to_string(supported_major) + ".x); upgrade Pathwise",
                Location{"", 0, 0, "version"});
  }
  if (supported_minor >= 0 && major == supported_major && i < v.size()) {
    // The minor version: digits after the dot (a long run is newer than any supported one).
    std::size_t k = i + 1, digits = 0;
    long minor = 0;
    while (k < v.size() && v[k] >= '0' && v[k] <= '9') {
      if (digits++ < 6) minor = minor * 10 + (v[k] - '0');
      ++k;
    }
    if (digits == 0) {
      throw Error(ErrorCode::Parse,
                  "malformed version " + quoted_name(*vit) + ", expected \"major.minor\"",
                  Location{"", 0, 0, "version"});
    }
    if (digits > 6 || minor > supported_minor) {
      throw Error(ErrorCode::Version,
                  "document version " + quoted_name(*vit) + " is newer than this Pathwise reads (" +
                      std::to_string(supported_major) + "." + std::to_string(supported_minor) +
                      "); upgrade Pathwise",
                  Location{"", 0, 0, "version"});
    }
  }
}

const nlohmann::json& required(const nlohmann::json& j, const char* key, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end()) {
    throw Error(ErrorCode::Parse, std::string("missing required field '") + key + "'",
                Location{"", 0, 0, field_path(path, key)});
  }
  return *it;
}

std::string get_string(const nlohmann::json& j, const char* key, const std::string& path) {
  const auto& v = required(j, key, path);
  if (!v.is_string()) {
    throw Error(ErrorCode::Parse, "expected a string, got " + describe(v),
                Location{"", 0, 0, field_path(path, key)});
  }
  return v.get<std::string>();
}

std::vector<std::string> get_strings(const nlohmann::json& j, const char* key,
                                     const std::string& path) {
  const auto& v = required(j, key, path);
  std::string field = field_path(path, key);
  if (!v.is_array())
    throw Error(ErrorCode::Parse, "expected an array of strings", Location{"", 0, 0, field});
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      throw Error(ErrorCode::Parse, "expected a string, got " + describe(v[i]),
                  Location{"", 0, 0, field + "[" + std::to_string(i) + "]"});
    }
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

double get_number(const nlohmann::json& j, const char* key, const std::string& path) {
  const auto& v = required(j, key, path);
  if (!v.is_number()) {
    throw Error(ErrorCode::Parse, "expected a number, got " + describe(v),
                Location{"", 0, 0, field_path(path, key)});
  }
  return v.get<double>();
}

}  // namespace pathwise::detail
