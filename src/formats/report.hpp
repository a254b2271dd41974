// What a reader tells about the rows it could not use, and how cells appear in its messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "pathwise/response_log.hpp"

namespace pathwise::detail {

/// Collects the problems of one read: strict mode throws on the first, lenient mode counts them
/// in the report with the place and message of the first of each kind.
class Problems {
 public:
  Problems(ReadReport& report, bool strict) : report_(report), strict_(strict) {}
  /// Records `rows` rows skipped for `problem` at `where`. Throws Error (Parse) in strict mode.
  void add(RowProblem problem, Location where, const std::string& message, std::size_t rows = 1);

 private:
  ReadReport& report_;
  bool strict_;
};

/// A cell as messages show it: quoted and cut short, since a broken file can put a whole
/// paragraph in one field.
std::string shown(std::string_view cell);

}  // namespace pathwise::detail
