#include "detail/json_util.hpp"

#include <cmath>

#include "pathwise/types.hpp"

namespace pathwise::detail {

std::string field_path(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

nlohmann::json parse_json(std::string_view text, const std::string& source) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into line and column.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
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
  }
}

void check_format(const nlohmann::json& j, const char* format, int supported_major) {
  auto fit = j.find("format");
  if (fit == j.end() || !fit->is_string()) {
    throw Error(ErrorCode::Parse, std::string("missing \"format\": expected \"") + format + "\"",
                Location{"", 0, 0, "format"});
  }
  if (fit->get<std::string>() != format) {
    throw Error(ErrorCode::Parse,
                "wrong document format " + fit->dump() + ", expected \"" + format + "\"",
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
    throw Error(ErrorCode::Parse, "malformed version \"" + v + "\", expected \"major.minor\"",
                Location{"", 0, 0, "version"});
  }
  if (major > supported_major) {
    throw Error(ErrorCode::Version,
                "document version " + v + " is newer than this Pathwise reads (" +
                    std::to_string(supported_major) + ".x); upgrade Pathwise",
                Location{"", 0, 0, "version"});
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
    throw Error(ErrorCode::Parse, "expected a string, got " + v.dump(),
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
      throw Error(ErrorCode::Parse, "expected a string, got " + v[i].dump(),
                  Location{"", 0, 0, field + "[" + std::to_string(i) + "]"});
    }
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

double get_number(const nlohmann::json& j, const char* key, const std::string& path) {
  const auto& v = required(j, key, path);
  if (!v.is_number()) {
    throw Error(ErrorCode::Parse, "expected a number, got " + v.dump(),
                Location{"", 0, 0, field_path(path, key)});
  }
  return v.get<double>();
}

}  // namespace pathwise::detail
