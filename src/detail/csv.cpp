#include "detail/csv.hpp"

#include <cstdint>

#include "pathwise/types.hpp"

namespace pathwise::detail {

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
      // Quoted field: runs to the next lone quote; "" is a literal quote.
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
      while (pos_ < n && text_[pos_] != delim_ && text_[pos_] != '\n' && text_[pos_] != '\r')
        ++pos_;
      if (escaped || pos_ > tail) {
        std::string s;
        s.reserve(raw.size() + (pos_ - tail));
        for (std::size_t i = 0; i < raw.size(); ++i) {
          s.push_back(raw[i]);
          if (raw[i] == '"' && i + 1 < raw.size() && raw[i + 1] == '"') ++i;
        }
        s.append(text_.substr(tail, pos_ - tail));
        unescaped_.push_back(std::move(s));
        fields.push_back({unescaped_.back(), column, field_line});
      } else {
        fields.push_back({raw, column, field_line});
      }
    } else {
      std::size_t start = pos_;
      while (pos_ < n) {
        char c = text_[pos_];
        if (c == delim_ || c == '\n' || c == '\r') break;
        ++pos_;
      }
      fields.push_back({text_.substr(start, pos_ - start), column, field_line});
    }
    if (pos_ >= n) break;
    char c = text_[pos_];
    if (c == delim_) {
      ++pos_;
      if (pos_ >= n) {  // a trailing delimiter ends with an empty field
        fields.push_back({std::string_view(), pos_ - line_start_ + 1, line_});
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

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path over ASCII, 8 bytes at a time.
    while (i + 8 <= n) {
      std::uint64_t w;
      __builtin_memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
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

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace pathwise::detail
