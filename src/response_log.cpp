#include "pathwise/response_log.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "detail/io.hpp"
#include "detail/text.hpp"
#include "formats/formats.hpp"
#include "formats/limits.hpp"
#include "pathwise/time.hpp"

namespace pathwise {

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
  // Times in ms; kept only once some response has one (8 bytes a response), kNoTime elsewhere.
  std::vector<std::int64_t> r_time;
  bool any_order = false, any_missing_order = false, any_item = false, any_line = false;
  bool any_time = false, any_missing_time = false;
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
                               std::uint32_t row, std::optional<std::int64_t> time) {
  Impl& m = *impl_;
  const Location where{"", line, 0, ""};
  if (learner.empty())
    throw Error(ErrorCode::InvalidArgument, "learner id must not be empty", where);
  if (skill.empty()) throw Error(ErrorCode::InvalidArgument, "skill must not be empty", where);
  if (order && std::isnan(*order))
    throw Error(ErrorCode::InvalidArgument, "order must not be NaN", where);
  if (time && (*time > kMaxMillis || *time < -kMaxMillis)) {
    throw Error(
        ErrorCode::InvalidArgument,
        "time " + std::to_string(*time) +
            " ms is outside the representable range (|ms| <= " + std::to_string(kMaxMillis) + ")",
        Location{"", line, 0, "time"});
  }
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
  if (time) {
    if (!m.any_time) m.r_time.assign(m.r_outcome.size() - 1, kNoTime);
    m.any_time = true;
    m.r_time.push_back(*time);
  } else {
    m.any_missing_time = true;
    if (m.any_time) m.r_time.push_back(kNoTime);
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
  if (m.any_time && !m.direct.outcomes_.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                "add_sequence() responses have no time; do not mix it with add() given times");
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
    } else if (m.any_time && !m.any_missing_time) {
      // No order key: a stable sort by time, so equal times keep the input order.
      for (std::size_t p = 0; p < pairs; ++p) {
        auto b = perm.begin() + static_cast<std::ptrdiff_t>(start[p]);
        auto e = perm.begin() + static_cast<std::ptrdiff_t>(start[p + 1]);
        auto less = [&](std::uint32_t a, std::uint32_t c) { return m.r_time[a] < m.r_time[c]; };
        if (!std::is_sorted(b, e, less)) std::stable_sort(b, e, less);
      }
    }
    const std::uint64_t base = log.outcomes_.size();
    const bool items = m.any_item || !log.items_.empty();
    const bool lines = m.any_line;
    const bool times = m.any_time;
    if (times) log.times_.reserve(n);
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
      if (times) log.times_.push_back(m.r_time[i]);
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
    if (!times_.empty())
      out.times_.insert(out.times_.end(), times_.begin() + b, times_.begin() + e);
    out.sequences_.push_back(
        {s.skill, s.learner, nb, static_cast<std::uint64_t>(out.outcomes_.size())});
  }
  out.index_skills();
  return out;
}

ResponseLog ResponseLog::parse(std::string_view text, const ReadOptions& options,
                               const std::string& source) {
  options.validate();
  ReadReport report;
  report.source = source;
  // A UTF-8 byte-order mark is not part of the first column's name.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  LogFormat format =
      options.format == LogFormat::Auto ? detail::detect_format(text) : options.format;
  // An LRS exports a JSON array on one line as often as not: for xAPI input the line limit
  // applies to each statement instead (read_xapi).
  if (format != LogFormat::Xapi) detail::check_line_lengths(text, options.max_line_bytes, source);
  // Latin-1 input is parsed as bytes (its delimiters, quotes and line ends are ASCII), so error
  // columns count the file's bytes; ids are converted to UTF-8 one by one as they are stored.
  const bool mixed = format != LogFormat::Xapi && !detail::is_valid_utf8(text);
  report.format = format;
  ResponseLog::Builder builder;
  const detail::ReadInput input{text, options, source, mixed, report, builder};
  switch (format) {
    case LogFormat::Hmm:
      detail::read_hmm(input);
      break;
    case LogFormat::ThreeLine:
      detail::read_three_line(input);
      break;
    case LogFormat::Xapi:
      detail::read_xapi(input);
      break;
    default:
      detail::read_delimited(input);
      break;
  }
  if (report.latin1_fields > 0) report.encoding = "latin-1";
  return builder.build(std::move(report));
}

ResponseLog ResponseLog::read_file(const std::string& path, const ReadOptions& options) {
  options.validate();
  std::string text = detail::read_input(path, options);
  return parse(text, options, path);
}

}  // namespace pathwise
