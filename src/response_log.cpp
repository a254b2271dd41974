#include "pathwise/response_log.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "detail/csv.hpp"
#include "detail/io.hpp"

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
  }
  return "unknown";
}

const char* to_string(RowProblem p) noexcept {
  switch (p) {
    case RowProblem::MissingField:
      return "missing_field";
    case RowProblem::ExtraField:
      return "extra_field";
    case RowProblem::BadCorrect:
      return "bad_correct";
    case RowProblem::BadOrder:
      return "bad_order";
    case RowProblem::EmptySkill:
      return "empty_skill";
    case RowProblem::EmptyLearner:
      return "empty_learner";
    case RowProblem::BadRecord:
      return "bad_record";
  }
  return "unknown";
}

std::size_t ReadReport::skipped_total() const noexcept {
  return std::accumulate(skipped.begin(), skipped.end(), std::size_t{0});
}

std::string ReadReport::summary() const {
  std::string out = "read " + (source.empty() ? std::string("<log>") : source) + " (" +
                    pathwise::to_string(format);
  if (format == LogFormat::Delimited) {
    if (delimiter == '\t') {
      out += ", tab-separated";
    } else if (delimiter == ',') {
      out += ", comma-separated";
    } else {
      out += std::string(", '") + delimiter + "'-separated";
    }
  }
  out += ", " + encoding +
         (latin1_fields > 0 ? " in " + std::to_string(latin1_fields) + " fields" : "") +
         "): " + std::to_string(rows) + " rows, " + std::to_string(rows_kept) + " kept, " +
         std::to_string(skipped_total()) + " skipped";
  if (multi_skill_rows > 0) out += ", " + std::to_string(multi_skill_rows) + " multi-skill";
  if (rows_filtered > 0) {
    out += ", " + std::to_string(rows_filtered) + " scaffolding rows (original = 0) left out";
  }
  if (rows_relabelled > 0) {
    out += ", " + std::to_string(rows_relabelled) + " without a skill kept under a label";
  }
  out += "\n";
  for (std::size_t i = 0; i < kRowProblemCount; ++i) {
    if (skipped[i] == 0) continue;
    out += "  skipped " + std::to_string(skipped[i]) +
           " rows: " + pathwise::to_string(static_cast<RowProblem>(i)) + " (first at " +
           first_place[i].to_string() + ": " + first_message[i] + ")\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Builder

namespace {

/// Interns strings: stable storage (deque) so the views used as keys stay valid.
class Interner {
 public:
  std::uint32_t intern(std::string_view s) {
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    names_.emplace_back(s);
    auto id = static_cast<std::uint32_t>(names_.size() - 1);
    index_.emplace(names_.back(), id);
    return id;
  }
  std::optional<std::uint32_t> find(std::string_view s) const {
    auto it = index_.find(s);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> take() {
    std::vector<std::string> out(std::make_move_iterator(names_.begin()),
                                 std::make_move_iterator(names_.end()));
    names_.clear();
    index_.clear();
    return out;
  }
  std::size_t size() const { return names_.size(); }

 private:
  std::deque<std::string> names_;
  std::unordered_map<std::string_view, std::uint32_t> index_;
};

std::uint64_t pair_key(std::uint32_t skill, std::uint32_t learner) {
  return (static_cast<std::uint64_t>(skill) << 32) | learner;
}

}  // namespace

struct ResponseLog::Builder::Impl {
  Interner skills, learners, items;
  // Responses from add(), grouped at build().
  std::vector<std::uint32_t> r_skill, r_learner, r_item, r_line, r_row;
  std::vector<std::uint8_t> r_outcome;
  // long double holds every 64-bit integer exactly (nanosecond timestamps, large ids).
  std::vector<long double> r_order;
  bool any_order = false, any_missing_order = false, any_item = false, any_line = false;
  // Whole sequences from add_sequence(), already in final layout.
  ResponseLog direct;
  std::unordered_set<std::uint64_t> direct_pairs;
};

ResponseLog::Builder::Builder() : impl_(std::make_unique<Impl>()) {}
ResponseLog::Builder::~Builder() = default;
ResponseLog::Builder::Builder(Builder&&) noexcept = default;
ResponseLog::Builder& ResponseLog::Builder::operator=(Builder&&) noexcept = default;

std::size_t ResponseLog::Builder::size() const noexcept {
  return impl_->r_outcome.size() + impl_->direct.outcomes_.size();
}

void ResponseLog::Builder::add(std::string_view learner, std::string_view skill,
                               std::string_view item, Outcome outcome,
                               std::optional<long double> order, std::uint32_t line,
                               std::uint32_t row) {
  Impl& m = *impl_;
  const Location where{"", line, 0, ""};
  if (learner.empty())
    throw Error(ErrorCode::InvalidArgument, "learner id must not be empty", where);
  if (skill.empty()) throw Error(ErrorCode::InvalidArgument, "skill must not be empty", where);
  if (order && std::isnan(*order))
    throw Error(ErrorCode::InvalidArgument, "order must not be NaN", where);
  // Ids end up in JSON documents, which must be UTF-8.
  if (!detail::is_valid_utf8(learner) || !detail::is_valid_utf8(skill) ||
      !detail::is_valid_utf8(item)) {
    throw Error(ErrorCode::InvalidArgument, "ids must be valid UTF-8", where);
  }
  if (m.r_outcome.size() >= 0xfffffffeu) {
    throw Error(ErrorCode::InvalidArgument,
                "a log holds at most 4,294,967,294 responses; split it by skill or learner", where);
  }
  m.r_skill.push_back(m.skills.intern(skill));
  m.r_learner.push_back(m.learners.intern(learner));
  if (!item.empty()) {
    m.r_item.push_back(m.items.intern(item));
    m.any_item = true;
  } else {
    m.r_item.push_back(kNoItem);
  }
  m.r_outcome.push_back(static_cast<std::uint8_t>(outcome));
  m.r_line.push_back(line);
  m.r_row.push_back(row);
  m.any_line = m.any_line || line != 0 || row != 0;
  if (order) {
    m.any_order = true;
    m.r_order.resize(m.r_outcome.size() - 1, 0.0);
    m.r_order.push_back(*order);
  } else {
    m.any_missing_order = true;
  }
}

void ResponseLog::Builder::add_sequence(std::string_view learner, std::string_view skill,
                                        const std::vector<std::uint8_t>& outcomes,
                                        const std::vector<std::string>& items) {
  Impl& m = *impl_;
  if (learner.empty()) throw Error(ErrorCode::InvalidArgument, "learner id must not be empty");
  if (skill.empty()) throw Error(ErrorCode::InvalidArgument, "skill must not be empty");
  if (!items.empty() && items.size() != outcomes.size()) {
    throw Error(ErrorCode::InvalidArgument, "add_sequence: " + std::to_string(items.size()) +
                                                " items for " + std::to_string(outcomes.size()) +
                                                " outcomes");
  }
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i] > 1) {
      throw Error(ErrorCode::InvalidArgument, "add_sequence: outcome " + std::to_string(i) +
                                                  " is " + std::to_string(outcomes[i]) +
                                                  ", expected 0 or 1");
    }
  }
  if (outcomes.empty()) return;
  std::uint32_t s = m.skills.intern(skill);
  std::uint32_t l = m.learners.intern(learner);
  if (!m.direct_pairs.insert(pair_key(s, l)).second) {
    throw Error(
        ErrorCode::InvalidArgument,
        "add_sequence: this learner already has a sequence for skill '" + std::string(skill) + "'");
  }
  ResponseLog& d = m.direct;
  auto begin = static_cast<std::uint64_t>(d.outcomes_.size());
  d.outcomes_.insert(d.outcomes_.end(), outcomes.begin(), outcomes.end());
  if (!items.empty() || !d.items_.empty()) {
    d.items_.resize(begin, kNoItem);
    if (items.empty()) {
      d.items_.resize(d.outcomes_.size(), kNoItem);
    } else {
      for (const auto& it : items) d.items_.push_back(it.empty() ? kNoItem : m.items.intern(it));
    }
  }
  d.sequences_.push_back({s, l, begin, static_cast<std::uint64_t>(d.outcomes_.size())});
}

ResponseLog ResponseLog::Builder::build(ReadReport report) {
  Impl& m = *impl_;
  if (m.any_order && m.any_missing_order) {
    throw Error(ErrorCode::InvalidArgument,
                "give an order for every response or for none (some responses have one)");
  }
  ResponseLog log = std::move(m.direct);
  const std::size_t n = m.r_outcome.size();
  if (n > 0) {
    // Group by (skill, learner) in first-seen order with a stable counting sort.
    std::unordered_map<std::uint64_t, std::uint32_t> pair_index;
    pair_index.reserve(n / 4 + 16);
    std::vector<std::uint32_t> pair_of(n);
    std::vector<std::uint32_t> pair_skill, pair_learner;
    for (std::size_t i = 0; i < n; ++i) {
      auto key = pair_key(m.r_skill[i], m.r_learner[i]);
      auto [it, inserted] =
          pair_index.try_emplace(key, static_cast<std::uint32_t>(pair_skill.size()));
      if (inserted) {
        if (m.direct_pairs.count(key)) {
          throw Error(ErrorCode::InvalidArgument,
                      "a learner has responses from both add() and add_sequence() for one skill");
        }
        pair_skill.push_back(m.r_skill[i]);
        pair_learner.push_back(m.r_learner[i]);
      }
      pair_of[i] = it->second;
    }
    const std::size_t pairs = pair_skill.size();
    std::vector<std::uint64_t> start(pairs + 1, 0);
    for (std::size_t i = 0; i < n; ++i) ++start[pair_of[i] + 1];
    for (std::size_t p = 0; p < pairs; ++p) start[p + 1] += start[p];
    std::vector<std::uint32_t> perm(n);
    {
      std::vector<std::uint64_t> fill(start.begin(), start.end() - 1);
      for (std::size_t i = 0; i < n; ++i) perm[fill[pair_of[i]]++] = static_cast<std::uint32_t>(i);
    }
    if (m.any_order) {
      // Within each sequence, a stable sort by the order key; ties keep the input order.
      for (std::size_t p = 0; p < pairs; ++p) {
        auto b = perm.begin() + static_cast<std::ptrdiff_t>(start[p]);
        auto e = perm.begin() + static_cast<std::ptrdiff_t>(start[p + 1]);
        auto less = [&](std::uint32_t a, std::uint32_t c) { return m.r_order[a] < m.r_order[c]; };
        if (!std::is_sorted(b, e, less)) std::stable_sort(b, e, less);
      }
    }
    const std::uint64_t base = log.outcomes_.size();
    const bool items = m.any_item || !log.items_.empty();
    const bool lines = m.any_line;
    log.outcomes_.reserve(base + n);
    if (items) {
      log.items_.resize(base, kNoItem);
      log.items_.reserve(base + n);
    }
    if (lines) {
      log.lines_.assign(base, 0);
      log.lines_.reserve(base + n);
      log.rows_.assign(base, 0);
      log.rows_.reserve(base + n);
    }
    for (std::size_t k = 0; k < n; ++k) {
      std::uint32_t i = perm[k];
      log.outcomes_.push_back(m.r_outcome[i]);
      if (items) log.items_.push_back(m.r_item[i]);
      if (lines) {
        log.lines_.push_back(m.r_line[i]);
        log.rows_.push_back(m.r_row[i]);
      }
    }
    for (std::size_t p = 0; p < pairs; ++p) {
      log.sequences_.push_back(
          {pair_skill[p], pair_learner[p], base + start[p], base + start[p + 1]});
    }
  } else if (!log.items_.empty() && log.items_.size() < log.outcomes_.size()) {
    log.items_.resize(log.outcomes_.size(), kNoItem);
  }
  if (!log.items_.empty()) log.items_.resize(log.outcomes_.size(), kNoItem);
  if (!log.lines_.empty()) {
    log.lines_.resize(log.outcomes_.size(), 0);
    log.rows_.resize(log.outcomes_.size(), 0);
  }
  log.skill_names_ = m.skills.take();
  log.learner_ids_ = m.learners.take();
  log.item_ids_ = m.items.take();
  log.report_ = std::move(report);
  log.index_skills();
  *impl_ = Impl();
  return log;
}

// ---------------------------------------------------------------------------------------------
// ResponseLog accessors

void ResponseLog::index_skills() {
  skill_seq_offsets_.assign(skill_names_.size() + 1, 0);
  for (const auto& s : sequences_) ++skill_seq_offsets_[s.skill + 1];
  for (std::size_t k = 0; k < skill_names_.size(); ++k)
    skill_seq_offsets_[k + 1] += skill_seq_offsets_[k];
  skill_seq_ids_.assign(sequences_.size(), 0);
  std::vector<std::uint32_t> fill(skill_seq_offsets_.begin(), skill_seq_offsets_.end() - 1);
  for (std::size_t i = 0; i < sequences_.size(); ++i)
    skill_seq_ids_[fill[sequences_[i].skill]++] = static_cast<std::uint32_t>(i);
}

const std::string& ResponseLog::skill_name(std::uint32_t index) const {
  if (index >= skill_names_.size())
    throw Error(ErrorCode::InvalidArgument, "skill index out of range");
  return skill_names_[index];
}
const std::string& ResponseLog::item_id(std::uint32_t index) const {
  if (index >= item_ids_.size()) throw Error(ErrorCode::InvalidArgument, "item index out of range");
  return item_ids_[index];
}
const std::string& ResponseLog::learner_id(std::uint32_t index) const {
  if (index >= learner_ids_.size()) {
    throw Error(ErrorCode::InvalidArgument, "learner index out of range");
  }
  return learner_ids_[index];
}

std::optional<std::uint32_t> ResponseLog::find_skill(std::string_view name) const {
  for (std::size_t i = 0; i < skill_names_.size(); ++i)
    if (skill_names_[i] == name) return static_cast<std::uint32_t>(i);
  return std::nullopt;
}

std::vector<std::uint32_t> ResponseLog::skill_sequences(std::uint32_t skill) const {
  if (skill >= skill_names_.size())
    throw Error(ErrorCode::InvalidArgument, "skill index out of range");
  return std::vector<std::uint32_t>(skill_seq_ids_.begin() + skill_seq_offsets_[skill],
                                    skill_seq_ids_.begin() + skill_seq_offsets_[skill + 1]);
}

std::size_t ResponseLog::skill_size(std::uint32_t skill) const {
  if (skill >= skill_names_.size())
    throw Error(ErrorCode::InvalidArgument, "skill index out of range");
  std::size_t total = 0;
  for (std::uint32_t k = skill_seq_offsets_[skill]; k < skill_seq_offsets_[skill + 1]; ++k)
    total += sequences_[skill_seq_ids_[k]].size();
  return total;
}

ResponseLog ResponseLog::select_learners(const std::vector<bool>& keep) const {
  if (keep.size() != learner_ids_.size()) {
    throw Error(ErrorCode::InvalidArgument, "select_learners: " + std::to_string(keep.size()) +
                                                " flags for " +
                                                std::to_string(learner_ids_.size()) + " learners");
  }
  ResponseLog out;
  out.skill_names_ = skill_names_;
  out.learner_ids_ = learner_ids_;
  out.item_ids_ = item_ids_;
  out.report_ = report_;
  for (const Sequence& s : sequences_) {
    if (!keep[s.learner]) continue;
    auto b = static_cast<std::ptrdiff_t>(s.begin), e = static_cast<std::ptrdiff_t>(s.end);
    auto nb = static_cast<std::uint64_t>(out.outcomes_.size());
    out.outcomes_.insert(out.outcomes_.end(), outcomes_.begin() + b, outcomes_.begin() + e);
    if (!items_.empty())
      out.items_.insert(out.items_.end(), items_.begin() + b, items_.begin() + e);
    if (!lines_.empty()) {
      out.lines_.insert(out.lines_.end(), lines_.begin() + b, lines_.begin() + e);
      out.rows_.insert(out.rows_.end(), rows_.begin() + b, rows_.begin() + e);
    }
    out.sequences_.push_back(
        {s.skill, s.learner, nb, static_cast<std::uint64_t>(out.outcomes_.size())});
  }
  out.index_skills();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Readers

namespace {

using detail::Field;
using detail::trim;

/// Collects problems: strict mode throws on the first, lenient mode counts them.
class Problems {
 public:
  Problems(ReadReport& report, bool strict) : report_(report), strict_(strict) {}
  void add(RowProblem p, Location where, const std::string& message, std::size_t rows = 1) {
    if (strict_) throw Error(ErrorCode::Parse, message, std::move(where));
    auto i = static_cast<std::size_t>(p);
    if (report_.skipped[i] == 0) {
      report_.first_place[i] = std::move(where);
      report_.first_message[i] = message;
    }
    report_.skipped[i] += rows;
  }

 private:
  ReadReport& report_;
  bool strict_;
};

/// Where readers put responses. In a file that is not all UTF-8, each field is decided on its
/// own: valid UTF-8 is kept, anything else is read as Latin-1 and converted, so one stray byte
/// does not re-decode every other field.
struct Sink {
  ResponseLog::Builder& builder;
  bool mixed;  // the file is not valid UTF-8 as a whole
  ReadReport& report;
  std::string learner_buf, skill_buf, item_buf;

  std::string_view utf8(std::string_view v, std::string& buf) {
    if (!mixed || detail::is_valid_utf8(v)) return v;
    ++report.latin1_fields;
    buf = detail::latin1_to_utf8(v);
    return buf;
  }
  void add(std::string_view learner, std::string_view skill, std::string_view item, Outcome o,
           std::optional<long double> order, std::size_t line, std::size_t row) {
    builder.add(utf8(learner, learner_buf), utf8(skill, skill_buf), utf8(item, item_buf), o, order,
                static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(row));
  }
};

// Values in messages are cut short: a broken file can put a whole paragraph in one field.
std::string shown(std::string_view v) {
  constexpr std::size_t kMax = 40;
  if (v.size() <= kMax) return "'" + std::string(v) + "'";
  return "'" + std::string(v.substr(0, kMax)) + "...'";
}

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

bool parse_number(std::string_view v, double& out) {
  v = trim(v);
  if (v.empty()) return false;
  if (v.front() == '+') v.remove_prefix(1);
  auto res = std::from_chars(v.data(), v.data() + v.size(), out);
  return res.ec == std::errc() && res.ptr == v.data() + v.size() && std::isfinite(out);
}

/// Splits a skill cell on the separator; trims and drops empty parts.
/// An order key: integers exactly (to 2^63), else a finite decimal number.
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

std::string_view first_line(std::string_view text, std::size_t from = 0) {
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

// Default header names for each role, in order of preference.
const std::vector<std::string>& candidates(int role) {
  static const std::vector<std::string> kLearner{"user_id", "Anon Student Id", "student_id",
                                                 "learner_id", "student"};
  static const std::vector<std::string> kSkill{"skill_name", "KC(Default)", "skill_id", "skill",
                                               "kc"};
  static const std::vector<std::string> kCorrect{"correct", "Correct First Attempt", "outcome"};
  static const std::vector<std::string> kOrder{"order_id", "Row"};
  static const std::vector<std::string> kItem{"template_id", "problem_id", "Problem Name",
                                              "item_id", "item"};
  switch (role) {
    case 0:
      return kLearner;
    case 1:
      return kSkill;
    case 2:
      return kCorrect;
    case 3:
      return kOrder;
    default:
      return kItem;
  }
}

int find_column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string ln = lower(name);
  for (std::size_t i = 0; i < header.size(); ++i)
    if (lower(header[i]) == ln) return static_cast<int>(i);
  return -1;
}

void read_delimited(std::string_view text, const ReadOptions& opt, const std::string& source,
                    ReadReport& report, Sink& sink) {
  std::size_t pos = 0;
  while (pos < text.size() && (text[pos] == '\n' || text[pos] == '\r')) ++pos;
  char delim =
      opt.delimiter != '\0' ? opt.delimiter : detail::detect_delimiter(first_line(text, pos));
  report.delimiter = delim;
  detail::DelimitedReader reader(text, delim);
  std::vector<Field> fields;
  if (!reader.next(fields, source)) {
    throw Error(ErrorCode::Parse, "the log is empty: no header row", Location{source, 1, 1, ""});
  }
  const std::size_t header_line = reader.line();
  std::vector<std::string> header;
  for (const Field& f : fields) {
    std::string buf;
    header.emplace_back(sink.utf8(trim(f.text), buf));
  }

  const char* role_names[] = {"learner", "skill", "correct", "order", "item"};
  const std::string* explicit_names[] = {&opt.columns.learner, &opt.columns.skill,
                                         &opt.columns.correct, &opt.columns.order,
                                         &opt.columns.item};
  std::string* used[] = {&report.columns_used.learner, &report.columns_used.skill,
                         &report.columns_used.correct, &report.columns_used.order,
                         &report.columns_used.item};
  int col[5];
  for (int r = 0; r < 5; ++r) {
    const std::string& want = *explicit_names[r];
    col[r] = -1;
    if (want == "-") {
      if (r < 3) {
        throw Error(ErrorCode::InvalidArgument,
                    std::string("the ") + role_names[r] + " column cannot be turned off");
      }
      continue;
    }
    if (!want.empty()) {
      col[r] = find_column(header, want);
      if (col[r] < 0) {
        throw Error(ErrorCode::Parse,
                    std::string("the ") + role_names[r] + " column '" + want +
                        "' is not among the " + std::to_string(header.size()) + " header fields",
                    Location{source, header_line, 1, want});
      }
    } else {
      for (const std::string& c : candidates(r)) {
        col[r] = find_column(header, c);
        if (col[r] >= 0) break;
      }
      if (col[r] < 0 && r < 3) {
        std::string names;
        for (const std::string& c : candidates(r)) names += (names.empty() ? "'" : ", '") + c + "'";
        // The header's own cells are not echoed: in a file without a header they are the
        // first row's values, learner id included.
        throw Error(
            ErrorCode::Parse,
            std::string("no ") + role_names[r] + " column found among the " +
                std::to_string(header.size()) + " header fields (looked for " + names +
                "); the first line must be a header, or name the column (ColumnMapping; CLI: "
                "--learner-col, --skill-col, --correct-col)",
            Location{source, header_line, 1, ""});
      }
    }
    if (col[r] >= 0) *used[r] = header[static_cast<std::size_t>(col[r])];
  }
  for (int r = 0; r < 5; ++r) {
    if (col[r] < 0) continue;
    for (int q = 0; q < r; ++q) {
      if (col[q] == col[r]) {
        throw Error(ErrorCode::InvalidArgument,
                    std::string("column '") + header[static_cast<std::size_t>(col[r])] +
                        "' is mapped to both " + role_names[q] + " and " + role_names[r],
                    Location{source, header_line, 1, header[static_cast<std::size_t>(col[r])]});
      }
    }
    const std::string& name = header[static_cast<std::size_t>(col[r])];
    if (std::count(header.begin(), header.end(), name) > 1) {
      throw Error(ErrorCode::Parse,
                  "column name '" + name + "' appears more than once in the header; rename one",
                  Location{source, header_line, 1, name});
    }
  }
  const int original_col = opt.keep_scaffolding ? -1 : find_column(header, "original");
  const std::string sep = opt.skill_separator.value_or("~~");
  Problems problems(report, opt.strict);
  std::vector<std::string_view> skills;
  const std::size_t width = header.size();
  while (reader.next(fields, source)) {
    const std::size_t line = reader.line();
    ++report.rows;
    auto where = [&](int role) {
      std::size_t c = static_cast<std::size_t>(col[role]);
      return c < fields.size() ? Location{source, fields[c].line, fields[c].column, header[c]}
                               : Location{source, line, 0, header[c]};
    };
    if (fields.size() < width) {
      std::size_t last = fields.empty() ? 1 : fields.back().column;
      problems.add(RowProblem::MissingField, Location{source, line, last, ""},
                   "row has " + std::to_string(fields.size()) + " fields, the header has " +
                       std::to_string(width));
      continue;
    }
    if (fields.size() > width) {
      problems.add(RowProblem::ExtraField, Location{source, line, fields[width].column, ""},
                   "row has " + std::to_string(fields.size()) + " fields, the header has " +
                       std::to_string(width) + " (an unquoted delimiter inside a value?)");
      continue;
    }
    if (original_col >= 0 && trim(fields[static_cast<std::size_t>(original_col)].text) == "0") {
      ++report.rows_filtered;
      continue;
    }
    std::string_view learner = trim(fields[static_cast<std::size_t>(col[0])].text);
    if (learner.empty()) {
      problems.add(RowProblem::EmptyLearner, where(0), "empty learner id");
      continue;
    }
    Outcome outcome;
    std::string_view cv = fields[static_cast<std::size_t>(col[2])].text;
    if (!parse_outcome01(cv, outcome)) {
      problems.add(RowProblem::BadCorrect, where(2),
                   "column '" + header[static_cast<std::size_t>(col[2])] +
                       "' must be 0 or 1, got " + shown(cv));
      continue;
    }
    std::optional<long double> order;
    if (col[3] >= 0) {
      long double v;
      std::string_view ov = fields[static_cast<std::size_t>(col[3])].text;
      if (!parse_order(ov, v)) {
        problems.add(RowProblem::BadOrder, where(3),
                     "column '" + header[static_cast<std::size_t>(col[3])] +
                         "' must be a number, got " + shown(ov));
        continue;
      }
      order = v;
    }
    split_skills(fields[static_cast<std::size_t>(col[1])].text, sep, skills);
    if (skills.empty()) {
      if (!opt.empty_skill_label) {
        problems.add(RowProblem::EmptySkill, where(1),
                     "column '" + header[static_cast<std::size_t>(col[1])] + "' names no skill");
        continue;
      }
      skills.push_back(*opt.empty_skill_label);
      ++report.rows_relabelled;
    }
    if (skills.size() > 1) ++report.multi_skill_rows;
    std::string_view item =
        col[4] >= 0 ? trim(fields[static_cast<std::size_t>(col[4])].text) : std::string_view();
    for (std::string_view s : skills) sink.add(learner, s, item, outcome, order, line, report.rows);
    ++report.rows_kept;
  }
}

void read_hmm(std::string_view text, const ReadOptions& opt, const std::string& source,
              ReadReport& report, Sink& sink) {
  report.delimiter = '\t';
  report.columns_used = ColumnMapping{"student", "skill", "observation", "", "step"};
  detail::DelimitedReader reader(text, '\t', /*quoting=*/false);
  std::vector<Field> fields;
  const std::string sep = opt.skill_separator.value_or("~");
  Problems problems(report, opt.strict);
  std::vector<std::string_view> skills;
  static const char* kNames[] = {"observation", "student", "step", "skill"};
  while (reader.next(fields, source)) {
    const std::size_t line = reader.line();
    ++report.rows;
    if (fields.size() < 4) {
      problems.add(RowProblem::MissingField,
                   Location{source, line, fields.empty() ? 1 : fields.back().column, ""},
                   "row has " + std::to_string(fields.size()) +
                       " fields, hmm-scalable input has 4 (observation, student, step, skill)");
      continue;
    }
    if (fields.size() > 4) {
      problems.add(
          RowProblem::ExtraField, Location{source, line, fields[4].column, ""},
          "row has " + std::to_string(fields.size()) + " fields, hmm-scalable input has 4");
      continue;
    }
    auto where = [&](std::size_t i) { return Location{source, line, fields[i].column, kNames[i]}; };
    std::string_view obs = trim(fields[0].text);
    Outcome outcome;
    if (obs == "1") {
      outcome = Outcome::Correct;
    } else if (obs == "2") {
      outcome = Outcome::Incorrect;
    } else {
      problems.add(RowProblem::BadCorrect, where(0),
                   "observation must be 1 (correct) or 2 (incorrect), got " + shown(obs));
      continue;
    }
    std::string_view learner = trim(fields[1].text);
    if (learner.empty()) {
      problems.add(RowProblem::EmptyLearner, where(1), "empty student id");
      continue;
    }
    std::string_view cell = trim(fields[3].text);
    if (cell == ".") cell = std::string_view();
    split_skills(cell, sep, skills);
    if (skills.empty()) {
      if (!opt.empty_skill_label) {
        problems.add(RowProblem::EmptySkill, where(3), "row names no skill ('.' or empty)");
        continue;
      }
      skills.push_back(*opt.empty_skill_label);
      ++report.rows_relabelled;
    }
    if (skills.size() > 1) ++report.multi_skill_rows;
    std::string_view item = trim(fields[2].text);
    for (std::string_view s : skills)
      sink.add(learner, s, item, outcome, std::nullopt, line, report.rows);
    ++report.rows_kept;
  }
}

/// Splits a comma list, dropping one trailing empty element (a trailing comma).
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

void read_three_line(std::string_view text, const ReadOptions& opt, const std::string& source,
                     ReadReport& report, Sink& sink) {
  report.columns_used = ColumnMapping{"(record number)", "(line 2)", "(line 3)", "", ""};
  Problems problems(report, opt.strict);
  // Split into lines, remembering their numbers; blank lines separate nothing and are skipped.
  std::vector<std::pair<std::size_t, std::string_view>> lines;
  std::size_t pos = 0, lineno = 1;
  while (pos <= text.size()) {
    std::size_t e = text.find('\n', pos);
    std::string_view l =
        text.substr(pos, e == std::string_view::npos ? std::string_view::npos : e - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!trim(l).empty()) lines.emplace_back(lineno, l);
    if (e == std::string_view::npos) break;
    pos = e + 1;
    ++lineno;
  }
  std::vector<Field> skills, outcomes;
  std::vector<std::uint8_t> seq_outcomes;
  std::size_t record = 0;
  for (std::size_t i = 0; i < lines.size(); i += 3) {
    ++record;
    const auto [count_line, count_text] = lines[i];
    std::string learner = std::to_string(record);
    if (i + 2 >= lines.size()) {
      std::size_t rows = 0;
      if (i + 1 < lines.size()) {
        split_commas(lines[i + 1].second, skills);
        rows = skills.size();
      }
      rows = std::max<std::size_t>(rows, 1);  // a lone count line is still one bad record
      report.rows += rows;
      problems.add(RowProblem::MissingField, Location{source, count_line, 1, ""},
                   "record " + std::to_string(record) +
                       " is cut short: expected three lines (count, skills, outcomes)",
                   rows);
      break;
    }
    split_commas(lines[i + 1].second, skills);
    split_commas(lines[i + 2].second, outcomes);
    std::size_t rows = std::max(skills.size(), outcomes.size());
    report.rows += rows;
    std::string_view ct = trim(count_text);
    std::uint64_t count = 0;
    auto parsed = std::from_chars(ct.data(), ct.data() + ct.size(), count);
    // A count beyond any real learner's history is a corrupt line, not a reason to allocate.
    constexpr std::uint64_t kMaxCount = 1000000000;
    if (!all_digits(ct) || parsed.ec != std::errc() || parsed.ptr != ct.data() + ct.size() ||
        count > kMaxCount) {
      problems.add(RowProblem::BadRecord, Location{source, count_line, 1, "count"},
                   "record " + std::to_string(record) +
                       ": the first line must be a count of responses (at most 10^9), got " +
                       shown(ct),
                   rows);
      continue;
    }
    if (skills.size() != count || outcomes.size() != count) {
      problems.add(RowProblem::BadRecord, Location{source, count_line, 1, "count"},
                   "record " + std::to_string(record) + " announces " + std::to_string(count) +
                       " responses but lists " + std::to_string(skills.size()) + " skills and " +
                       std::to_string(outcomes.size()) + " outcomes",
                   rows);
      continue;
    }
    for (std::size_t k = 0; k < count; ++k) {
      Outcome o;
      if (!parse_outcome01(outcomes[k].text, o)) {
        problems.add(RowProblem::BadCorrect,
                     Location{source, lines[i + 2].first, outcomes[k].column, "correct"},
                     "outcome must be 0 or 1, got " + shown(outcomes[k].text));
        continue;
      }
      std::string_view s = skills[k].text;
      if (s.empty()) {
        if (!opt.empty_skill_label) {
          problems.add(RowProblem::EmptySkill,
                       Location{source, lines[i + 1].first, skills[k].column, "skill"},
                       "empty skill id");
          continue;
        }
        s = *opt.empty_skill_label;
        ++report.rows_relabelled;
      }
      sink.add(learner, s, std::string_view(), o, std::nullopt, lines[i + 2].first,
               report.rows - rows + k + 1);
      ++report.rows_kept;
    }
  }
}

}  // namespace

ResponseLog ResponseLog::parse(std::string_view text, const ReadOptions& options,
                               const std::string& source) {
  ReadReport report;
  report.source = source;
  // A UTF-8 byte-order mark is not part of the first column's name.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  // Latin-1 input is parsed as bytes (its delimiters, quotes and line ends are ASCII), so error
  // columns count the file's bytes; ids are converted to UTF-8 one by one as they are stored.
  const bool mixed = !detail::is_valid_utf8(text);
  LogFormat format = options.format == LogFormat::Auto ? detect_format(text) : options.format;
  report.format = format;
  ResponseLog::Builder builder;
  Sink sink{builder, mixed, report, {}, {}, {}};
  switch (format) {
    case LogFormat::Hmm:
      read_hmm(text, options, source, report, sink);
      break;
    case LogFormat::ThreeLine:
      read_three_line(text, options, source, report, sink);
      break;
    default:
      read_delimited(text, options, source, report, sink);
      break;
  }
  if (report.latin1_fields > 0) report.encoding = "latin-1";
  return builder.build(std::move(report));
}

ResponseLog ResponseLog::read_file(const std::string& path, const ReadOptions& options) {
  std::string text = detail::read_file(path);
  return parse(text, options, path);
}

}  // namespace pathwise
