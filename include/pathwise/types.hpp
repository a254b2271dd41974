// Pathwise — basic vocabulary: outcomes, errors with a place, Result<T>.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "pathwise/export.hpp"

namespace pathwise {

/// The observed result of one response. Stored as one byte.
enum class Outcome : std::uint8_t {
  Incorrect = 0,
  Correct = 1,
};

/// Wall-clock time at the API: the host's `system_clock`.
using TimePoint = std::chrono::system_clock::time_point;

/// What kind of failure an Error reports.
enum class ErrorCode {
  InvalidArgument,  ///< a value outside its domain (probability outside [0,1], NaN, empty log)
  Parse,            ///< malformed input text (CSV row, JSON document)
  Io,               ///< a file could not be opened or read
  UnknownSkill,     ///< a skill id the model or curriculum does not know
  UnknownItem,      ///< an item id the model or curriculum does not know
  UnknownLearner,   ///< a learner the engine holds nothing on
  Version,          ///< a document written by a newer, incompatible version
  Internal,         ///< a broken invariant inside Pathwise (a bug: please report it)
  Busy,             ///< the store stayed locked past its timeout, or its server is unreachable:
                    ///< nothing was changed; retry later
  Corrupt,          ///< stored data Pathwise cannot use: a damaged value, or a file or schema
                    ///< that is not Pathwise's; nothing was changed (an operator must look)
};

/// Short lower-case name of an error code, e.g. "parse".
[[nodiscard]] PATHWISE_EXPORT const char* to_string(ErrorCode code) noexcept;

/// Where an error was found. Every field is optional: line and column are 1-based, 0 = unknown.
struct PATHWISE_EXPORT Location {
  /// File name or other source label, e.g. "ct.csv" or "<string>".
  std::string source;
  /// 1-based line number; 0 if unknown.
  std::size_t line = 0;
  /// 1-based column (byte offset within the line); 0 if unknown.
  std::size_t column = 0;
  /// Field, column or JSON key at fault, e.g. "correct" or "skills.fractions.guess".
  std::string field;

  /// Renders "source:line:column (field 'x')", leaving out what is unknown.
  [[nodiscard]] std::string to_string() const;
  bool operator==(const Location& o) const {
    return source == o.source && line == o.line && column == o.column && field == o.field;
  }
  bool operator!=(const Location& o) const { return !(*this == o); }
};

/// The exception every public Pathwise entry throws on bad input. `what()` starts with the
/// place (when known) followed by the message: "ct.csv:12:40: column 'correct' must be 0 or 1,
/// got '2'". Messages never contain learner ids.
/// Thread-compatible.
class PATHWISE_EXPORT Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message, Location location = {});

  /// The kind of failure.
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  /// Where it happened (may be empty).
  [[nodiscard]] const Location& location() const noexcept { return location_; }
  /// The message without the place prefix.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

 private:
  ErrorCode code_;
  Location location_;
  std::string message_;
};

/// Either a value or an Error, for calls where failure is routine (one CSV row, a try_load).
/// Thread-compatible.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  /// True if a value is held.
  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  /// The value. Throws the held Error if there is none.
  [[nodiscard]] T& value() & {
    if (!ok()) throw std::get<1>(state_);
    return std::get<0>(state_);
  }
  [[nodiscard]] const T& value() const& {
    if (!ok()) throw std::get<1>(state_);
    return std::get<0>(state_);
  }
  [[nodiscard]] T&& value() && {
    if (!ok()) throw std::get<1>(state_);
    return std::get<0>(std::move(state_));
  }
  /// The error. Throws Error(Internal) if a value is held.
  [[nodiscard]] const Error& error() const {
    if (ok()) throw Error(ErrorCode::Internal, "Result::error() called on a value");
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

/// Runs `f` and returns its value, or the pathwise::Error it threw (any other exception
/// propagates). The try_ entry points (Curriculum::try_load, BktModel::try_from_json, ...) are
/// built on it.
template <typename F>
auto try_result(F&& f) -> Result<decltype(f())> {
  try {
    return f();
  } catch (const Error& e) {
    return e;
  }
}

}  // namespace pathwise
