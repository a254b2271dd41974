#include "pathwise/types.hpp"

namespace pathwise {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "invalid argument";
    case ErrorCode::Parse:
      return "parse";
    case ErrorCode::Io:
      return "io";
    case ErrorCode::UnknownSkill:
      return "unknown skill";
    case ErrorCode::UnknownItem:
      return "unknown item";
    case ErrorCode::UnknownLearner:
      return "unknown learner";
    case ErrorCode::Version:
      return "version";
    case ErrorCode::Internal:
      return "internal";
    case ErrorCode::Busy:
      return "busy";
    case ErrorCode::Corrupt:
      return "corrupt";
  }
  return "unknown";
}

std::string Location::to_string() const {
  std::string out = source;
  if (line > 0) {
    out += (out.empty() ? "line " : ":") + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  if (!field.empty()) {
    out += out.empty() ? "field '" + field + "'" : " (field '" + field + "')";
  }
  return out;
}

namespace {
std::string compose(const std::string& message, const Location& location) {
  std::string where = location.to_string();
  return where.empty() ? message : where + ": " + message;
}
}  // namespace

Error::Error(ErrorCode code, const std::string& message, Location location)
    : std::runtime_error(compose(message, location)),
      code_(code),
      location_(std::move(location)),
      message_(message) {}

}  // namespace pathwise
