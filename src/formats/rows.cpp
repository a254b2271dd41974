#include "formats/rows.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "detail/text.hpp"

namespace pathwise::detail {

namespace {

bool parse_number(std::string_view v, double& out) {
  v = trim(v);
  if (v.empty()) return false;
  if (v.front() == '+') v.remove_prefix(1);
  auto res = std::from_chars(v.data(), v.data() + v.size(), out);
  return res.ec == std::errc() && res.ptr == v.data() + v.size() && std::isfinite(out);
}

}  // namespace

bool parse_outcome01(std::string_view v, Outcome& out) {
  v = trim(v);
  if (v == "1" || v == "1.0") {
    out = Outcome::Correct;
    return true;
  }
  if (v == "0" || v == "0.0") {
    out = Outcome::Incorrect;
    return true;
  }
  return false;
}

bool parse_order(std::string_view v, long double& out) {
  v = trim(v);
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  std::int64_t i;
  auto r = std::from_chars(v.data(), v.data() + v.size(), i);
  if (r.ec == std::errc() && r.ptr == v.data() + v.size() && !v.empty()) {
    out = static_cast<long double>(i);
    return true;
  }
  double d;
  if (!parse_number(v, d)) return false;
  out = d;
  return true;
}

void split_skills(std::string_view cell, const std::string& sep,
                  std::vector<std::string_view>& out) {
  out.clear();
  cell = trim(cell);
  if (cell.empty()) return;
  if (sep.empty()) {
    out.push_back(cell);
    return;
  }
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = cell.find(sep, start);
    std::string_view part =
        trim(cell.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (!part.empty() && std::find(out.begin(), out.end(), part) == out.end()) out.push_back(part);
    if (pos == std::string_view::npos) break;
    start = pos + sep.size();
  }
}

std::string_view RowSink::utf8(std::string_view v, std::string& buf) {
  if (!mixed_ || is_valid_utf8(v)) return v;
  ++report_.latin1_fields;
  buf = latin1_to_utf8(v);
  return buf;
}

void RowSink::add(const Row& row, std::string_view skill) {
  builder_.add(utf8(row.learner, learner_buf_), utf8(skill, skill_buf_), utf8(row.item, item_buf_),
               row.outcome, row.order, static_cast<std::uint32_t>(row.line),
               static_cast<std::uint32_t>(row.row), row.time);
}

}  // namespace pathwise::detail
