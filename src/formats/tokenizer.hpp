// Splitting the readers' text into records and fields: delimited records (RFC 4180 quoting) and
// the comma lists of the three-line format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace pathwise::detail {

/// One field of a record: its text (quotes removed, "" unescaped), and the 1-based line and byte
/// column where it starts (a quoted field may follow a line break inside an earlier field).
struct Field {
  std::string_view text;
  std::size_t column = 0;
  std::size_t line = 0;
};

/// Splits text into records of fields. Quoted fields may hold the delimiter, quotes ("") and
/// line breaks. Blank lines are not records. LF and CRLF line ends are accepted.
class DelimitedReader {
 public:
  /// `quoting` false reads '"' as an ordinary character (hmm-scalable input has no quoting).
  /// A record holds at most `max_fields` fields.
  DelimitedReader(std::string_view text, char delimiter, bool quoting = true,
                  std::size_t max_fields = SIZE_MAX)
      : text_(text), delim_(delimiter), quoting_(quoting), max_fields_(max_fields) {}
  /// Reads the next record into `fields`; false at the end of the text. Throws Error (Parse)
  /// naming the quote's line and column if a quoted field never closes (everything after it
  /// would otherwise be read as one value), or at the first field past `max_fields`.
  bool next(std::vector<Field>& fields, const std::string& source = "");
  /// 1-based line on which the last record started.
  [[nodiscard]] std::size_t line() const noexcept { return record_line_; }
  /// 1-based line after the last record.
  [[nodiscard]] std::size_t next_line() const noexcept { return line_; }

 private:
  std::string_view quoted_field(std::size_t column, std::size_t field_line,
                                const std::string& source);
  void push(std::vector<Field>& fields, Field field, const std::string& source);

  std::string_view text_;
  char delim_;
  bool quoting_;
  std::size_t max_fields_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
  std::size_t record_line_ = 0;
  std::deque<std::string> unescaped_;  // storage for quoted fields that held ""
};

/// Picks the delimiter of a header line: tab, comma or semicolon, whichever occurs most outside
/// quotes (tab wins ties); comma if none occurs.
char detect_delimiter(std::string_view header_line) noexcept;

/// The number of fields split_commas() finds in `line`. Throws Error (Parse) at `line_number`
/// and the first field past `max_fields` if there are more; allocates nothing.
std::size_t count_comma_fields(std::string_view line, std::size_t max_fields,
                               const std::string& source, std::size_t line_number);

/// Splits a comma list into trimmed fields (column = 1-based byte offset in `line`), dropping
/// one trailing empty element (a trailing comma); a blank list has no fields.
void split_commas(std::string_view line, std::vector<Field>& out);

}  // namespace pathwise::detail
