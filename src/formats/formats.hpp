// The readers of each input layout, and format detection. ResponseLog::parse() picks one.
#pragma once

#include <string>
#include <string_view>

#include "formats/rows.hpp"
#include "pathwise/response_log.hpp"

namespace pathwise::detail {

/// What every reader is given: the text (without a byte-order mark), the options, the source
/// label for messages, whether the text is mixed UTF-8/Latin-1, and where the rows go.
struct ReadInput {
  std::string_view text;
  const ReadOptions& options;
  const std::string& source;
  bool mixed;
  ReadReport& report;
  ResponseLog::Builder& builder;
};

/// xAPI if the first byte that is not white space is '{' or '[', three-line if the first line
/// is a lone count followed by a comma list of integers, hmm-scalable if it has at least four
/// tab-separated fields and starts with a number or '.', else delimited with a header.
LogFormat detect_format(std::string_view text);

/// Delimited text with a header row.
void read_delimited(const ReadInput& in);
/// hmm-scalable's 4-column TSV.
void read_hmm(const ReadInput& in);
/// The three-line format of the knowledge-tracing benchmarks.
void read_three_line(const ReadInput& in);
/// xAPI statements: JSON lines or one JSON array (xapi.cpp).
void read_xapi(const ReadInput& in);

/// The first line of `text` from `from`, without its line end.
std::string_view first_line(std::string_view text, std::size_t from = 0);
/// True if `s` is non-empty and all ASCII digits.
bool all_digits(std::string_view s);

}  // namespace pathwise::detail
