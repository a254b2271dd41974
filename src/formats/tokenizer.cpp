#include "formats/tokenizer.hpp"

#include <algorithm>
#include <cstdint>

#include "detail/text.hpp"
#include "formats/limits.hpp"
#include "pathwise/types.hpp"

namespace pathwise::detail {

std::string_view DelimitedReader::quoted_field(std::size_t column, std::size_t field_line,
                                               const std::string& source) {
  // Runs to the next lone quote; "" is a literal quote.
  const std::size_t n = text_.size();
  std::size_t start = ++pos_;
  bool escaped = false;
  while (pos_ < n) {
    char c = text_[pos_];
    if (c == '"') {
      if (pos_ + 1 < n && text_[pos_ + 1] == '"') {
        escaped = true;
        pos_ += 2;
        continue;
      }
      break;
    }
    if (c == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  if (pos_ >= n) {
    throw Error(ErrorCode::Parse,
                "a quoted field opened here never closes (" +
                    std::to_string(line_ - field_line + 1) +
                    " lines to the end of the text would be one value)",
                Location{source, field_line, column, ""});
  }
  std::string_view raw = text_.substr(start, pos_ - start);
  ++pos_;  // closing quote
  // Text between the closing quote and the delimiter is kept, as spreadsheets do.
  std::size_t tail = pos_;
  while (pos_ < n && text_[pos_] != delim_ && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
  if (!escaped && pos_ == tail) return raw;
  std::string s;
  s.reserve(raw.size() + (pos_ - tail));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    s.push_back(raw[i]);
    if (raw[i] == '"' && i + 1 < raw.size() && raw[i + 1] == '"') ++i;
  }
  s.append(text_.substr(tail, pos_ - tail));
  unescaped_.push_back(std::move(s));
  return unescaped_.back();
}

void DelimitedReader::push(std::vector<Field>& fields, Field field, const std::string& source) {
  // Checked before the field is stored: a line of delimiters would otherwise cost tens of
  // bytes per byte of input.
  if (fields.size() >= max_fields_) {
    throw_too_many_fields(max_fields_, Location{source, field.line, field.column, ""});
  }
  fields.push_back(field);
}

bool DelimitedReader::next(std::vector<Field>& fields, const std::string& source) {
  fields.clear();
  unescaped_.clear();
  const std::size_t n = text_.size();
  // Skip blank lines (and a lone CR) between records.
  while (pos_ < n && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  if (pos_ >= n) return false;
  record_line_ = line_;
  for (;;) {
    const std::size_t column = pos_ - line_start_ + 1;
    const std::size_t field_line = line_;
    if (quoting_ && pos_ < n && text_[pos_] == '"') {
      std::string_view text = quoted_field(column, field_line, source);
      push(fields, {text, column, field_line}, source);
    } else {
      std::size_t start = pos_;
      while (pos_ < n) {
        char c = text_[pos_];
        if (c == delim_ || c == '\n' || c == '\r') break;
        ++pos_;
      }
      push(fields, {text_.substr(start, pos_ - start), column, field_line}, source);
    }
    if (pos_ >= n) break;
    char c = text_[pos_];
    if (c == delim_) {
      ++pos_;
      if (pos_ >= n) {  // a trailing delimiter ends with an empty field
        push(fields, {std::string_view(), pos_ - line_start_ + 1, line_}, source);
        break;
      }
      continue;
    }
    if (c == '\r') {
      ++pos_;
      if (pos_ < n && text_[pos_] == '\n') ++pos_;
    } else {
      ++pos_;
    }
    ++line_;
    line_start_ = pos_;
    break;
  }
  return true;
}

char detect_delimiter(std::string_view line) noexcept {
  std::size_t tabs = 0, commas = 0, semis = 0;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\t') ++tabs;
    if (c == ',') ++commas;
    if (c == ';') ++semis;
  }
  if (tabs > 0 && tabs >= commas && tabs >= semis) return '\t';
  if (semis > commas) return ';';
  return ',';
}

std::size_t count_comma_fields(std::string_view line, std::size_t max_fields,
                               const std::string& source, std::size_t line_number) {
  std::size_t n = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
  // As split_commas(): a trailing empty element is dropped, and a blank list has no fields.
  if (n > 1 && trim(line.substr(line.rfind(',') + 1)).empty()) --n;
  if (n == 1 && trim(line.substr(0, line.find(','))).empty()) n = 0;
  if (n > max_fields) {
    std::size_t start = 0;
    for (std::size_t k = 0; k < max_fields; ++k) start = line.find(',', start) + 1;
    throw_too_many_fields(max_fields, Location{source, line_number, start + 1, ""});
  }
  return n;
}

void split_commas(std::string_view line, std::vector<Field>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = line.find(',', start);
    std::string_view v = line.substr(start, pos == std::string_view::npos ? pos : pos - start);
    out.push_back({trim(v), start + 1});
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  if (out.size() > 1 && out.back().text.empty()) out.pop_back();
  if (out.size() == 1 && out.back().text.empty()) out.clear();
}

}  // namespace pathwise::detail
