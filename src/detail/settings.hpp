// Reading an object of settings from JSON: every key must be one the reader asked for, and an
// error names the key (as "outer.inner" in nested objects). Shared by the options readers of
// src/json.cpp and the C API's engine settings.
#pragma once

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detail/json_util.hpp"
#include "pathwise/types.hpp"

namespace pathwise::detail {

/// Reads an object of settings: call the typed readers for each key, then finish(), which
/// throws for a key nobody read (a typo would otherwise be ignored).
class Settings {
 public:
  /// `j` must be an object; `what` names it in the error ("options"), `prefix` is the path of
  /// its keys ("" at the top, "read" for the object under "read").
  Settings(const nlohmann::json& j, const char* what, std::string prefix)
      : j_(j), prefix_(std::move(prefix)) {
    if (!j_.is_object()) {
      throw Error(ErrorCode::Parse,
                  std::string("the ") + what + " must be a JSON object, got " + describe(j_),
                  Location{"", 0, 0, prefix_});
    }
  }
  /// The value under `key`, or nullptr; marks the key as read.
  const nlohmann::json* find(const char* key) {
    seen_.emplace_back(key);
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  /// The nested object under `key` (an empty one when absent).
  Settings object(const char* key) {
    const nlohmann::json* v = find(key);
    return v ? Settings(*v, key, name(key)) : Settings(empty_, key, name(key));
  }
  std::string string(const char* key, const std::string& fallback) {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_string()) fail(key, "expected a string, got " + describe(*v));
    return v->get<std::string>();
  }
  /// A string, or null for "unset".
  std::optional<std::string> optional_string(const char* key,
                                             const std::optional<std::string>& fallback) {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (v->is_null()) return std::nullopt;
    if (!v->is_string()) fail(key, "expected a string or null, got " + describe(*v));
    return v->get<std::string>();
  }
  double number(const char* key, double fallback) {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number()) fail(key, "expected a number, got " + describe(*v));
    return v->get<double>();
  }
  /// An integer in [lo, hi]; a fraction or a value out of range is an error naming the key.
  std::int64_t integer(const char* key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    return integer_value(*v, name(key), lo, hi);
  }
  std::uint64_t unsigned_integer(const char* key, std::uint64_t fallback, std::uint64_t lo,
                                 std::uint64_t hi) {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    const bool ok =
        v->is_number_integer() &&
        (v->is_number_unsigned() ? v->get<std::uint64_t>() >= lo && v->get<std::uint64_t>() <= hi
                                 : v->get<std::int64_t>() >= 0 &&
                                       static_cast<std::uint64_t>(v->get<std::int64_t>()) >= lo &&
                                       static_cast<std::uint64_t>(v->get<std::int64_t>()) <= hi);
    if (!ok) {
      throw Error(ErrorCode::InvalidArgument,
                  "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                      ", got " + describe(*v),
                  Location{"", 0, 0, name(key)});
    }
    return v->is_number_unsigned() ? v->get<std::uint64_t>()
                                   : static_cast<std::uint64_t>(v->get<std::int64_t>());
  }
  bool boolean(const char* key, bool fallback) {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(key, "expected true or false, got " + describe(*v));
    return v->get<bool>();
  }
  /// Throws Error (InvalidArgument) naming the first key no reader asked for.
  void finish() const {
    for (const auto& item : j_.items()) {
      if (std::find(seen_.begin(), seen_.end(), item.key()) == seen_.end()) {
        // The key is the host's text: named when short and printable, else described.
        const std::string& key = item.key();
        const bool plain = key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
                             return c >= 0x20 && c < 0x7f && c != '\'' && c != '\\';
                           });
        const std::string full = plain ? name(key.c_str()) : name("") + describe(item.key());
        throw Error(ErrorCode::InvalidArgument, "unknown setting '" + full + "'",
                    Location{"", 0, 0, full});
      }
    }
  }
  /// "prefix.key", or "key" at the top.
  [[nodiscard]] std::string name(const char* key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }
  [[noreturn]] void fail(const char* key, const std::string& message) const {
    throw Error(ErrorCode::Parse, message, Location{"", 0, 0, name(key)});
  }

  /// An integer in [lo, hi] from a value; errors name `field`.
  static std::int64_t integer_value(const nlohmann::json& v, const std::string& field,
                                    std::int64_t lo, std::int64_t hi) {
    const bool ok = v.is_number_integer() &&
                    (v.is_number_unsigned()
                         ? hi >= 0 && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi) &&
                               (lo <= 0 || v.get<std::uint64_t>() >= static_cast<std::uint64_t>(lo))
                         : (v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi));
    if (!ok) {
      throw Error(ErrorCode::InvalidArgument,
                  "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                      ", got " + describe(v),
                  Location{"", 0, 0, field});
    }
    return v.is_number_unsigned() ? static_cast<std::int64_t>(v.get<std::uint64_t>())
                                  : v.get<std::int64_t>();
  }

 private:
  inline static const nlohmann::json empty_ = nlohmann::json::object();
  const nlohmann::json& j_;
  std::string prefix_;
  std::vector<std::string> seen_;
};

}  // namespace pathwise::detail
