// Format detection from the first lines of the text.
#include <algorithm>

#include "detail/text.hpp"
#include "formats/formats.hpp"

namespace pathwise {

const char* to_string(LogFormat f) noexcept {
  switch (f) {
    case LogFormat::Auto:
      return "auto";
    case LogFormat::Delimited:
      return "delimited";
    case LogFormat::Hmm:
      return "hmm";
    case LogFormat::ThreeLine:
      return "three-line";
    case LogFormat::Xapi:
      return "xapi";
  }
  return "unknown";
}

std::optional<EpochUnit> epoch_unit_named(std::string_view name) noexcept {
  if (name == "auto") return EpochUnit::Auto;
  if (name == "seconds") return EpochUnit::Seconds;
  if (name == "milliseconds") return EpochUnit::Milliseconds;
  return std::nullopt;
}

namespace detail {

std::string_view first_line(std::string_view text, std::size_t from) {
  std::size_t e = text.find('\n', from);
  std::string_view l = text.substr(from, e == std::string_view::npos ? e : e - from);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return l;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

LogFormat detect_format(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size() && (text[pos] == '\n' || text[pos] == '\r')) ++pos;
  {
    // No header of a delimited log starts with a brace or bracket.
    std::size_t j = pos;
    while (j < text.size() &&
           (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r'))
      ++j;
    if (j < text.size() && (text[j] == '{' || text[j] == '[')) return LogFormat::Xapi;
  }
  std::string_view l1 = trim(first_line(text, pos));
  // Three-line: a lone count, then comma-separated integers.
  if (all_digits(l1)) {
    std::size_t p2 = text.find('\n', pos);
    if (p2 != std::string_view::npos) {
      std::string_view l2 = trim(first_line(text, p2 + 1));
      bool ok = !l2.empty();
      for (char c : l2)
        if (!((c >= '0' && c <= '9') || c == ',' || c == ' ' || c == '-')) ok = false;
      if (ok) return LogFormat::ThreeLine;
    }
  }
  // hmm-scalable: no header, tab-separated, first field an observation number or '.'.
  std::size_t tabs = static_cast<std::size_t>(std::count(l1.begin(), l1.end(), '\t'));
  if (tabs >= 3) {
    std::string_view f = l1.substr(0, l1.find('\t'));
    if (all_digits(f) || f == ".") return LogFormat::Hmm;
  }
  return LogFormat::Delimited;
}

}  // namespace detail
}  // namespace pathwise
