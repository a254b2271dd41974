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

/// A cell as messages show it. A row shifted by a missing or extra delimiter puts a learner id
/// in any column, so a message never quotes more than a few characters: a cell of at most
/// three printable ASCII characters (an outcome such as '2' or 'yes') is shown in quotes, any
/// other only by its length and kind ("a cell of 7 digits (not shown)").
std::string excerpt(std::string_view cell);

}  // namespace pathwise::detail
