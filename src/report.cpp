// Reports: the data of the class, learner and fit reports, pseudonyms, escaping, the names map.
#include "pathwise/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "detail/io.hpp"
#include "detail/json_util.hpp"
#include "detail/report_data.hpp"
#include "detail/text.hpp"
#include "pathwise/forecast.hpp"
#include "pathwise/json.hpp"
#include "pathwise/metrics.hpp"

namespace pathwise {

namespace {

using nlohmann::json;

// ---- SHA-256 (FIPS 180-4) and HMAC (RFC 2104), for keyed pseudonyms. ----

struct Sha256 {
  std::array<std::uint32_t, 8> h{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::uint64_t length = 0;
  unsigned char block[64] = {};
  std::size_t used = 0;

  static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

  void compress() {
    static const std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = (std::uint32_t{block[4 * i]} << 24) | (std::uint32_t{block[4 * i + 1]} << 16) |
             (std::uint32_t{block[4 * i + 2]} << 8) | std::uint32_t{block[4 * i + 3]};
    }
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t t1 =
          hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }

  void add(const std::string& bytes) {
    for (unsigned char ch : bytes) {
      block[used++] = ch;
      if (used == 64) {
        compress();
        used = 0;
      }
    }
    length += bytes.size();
  }

  std::string digest() {
    const std::uint64_t bits = length * 8;
    block[used++] = 0x80;
    if (used > 56) {
      while (used < 64) block[used++] = 0;
      compress();
      used = 0;
    }
    while (used < 56) block[used++] = 0;
    for (int i = 7; i >= 0; --i) block[used++] = static_cast<unsigned char>(bits >> (8 * i));
    compress();
    std::string out(32, '\0');
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<char>(h[i] >> (24 - 8 * j));
    return out;
  }
};

std::string sha256(const std::string& bytes) {
  Sha256 s;
  s.add(bytes);
  return s.digest();
}

std::string hmac_raw(std::string key, const std::string& message) {
  if (key.size() > 64) key = sha256(key);
  key.resize(64, '\0');
  std::string ipad(64, '\0'), opad(64, '\0');
  for (int i = 0; i < 64; ++i) {
    ipad[i] = static_cast<char>(key[i] ^ 0x36);
    opad[i] = static_cast<char>(key[i] ^ 0x5c);
  }
  Sha256 inner;
  inner.add(ipad);
  inner.add(message);
  Sha256 outer;
  outer.add(opad);
  outer.add(inner.digest());
  return outer.digest();
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string random_key() {
  std::random_device rd;
  std::string key(32, '\0');
  for (auto& c : key) c = static_cast<char>(rd() & 0xff);
  return key;
}

/// The labels of one report's learners: display names where given, else keyed pseudonyms.
class Labeller {
 public:
  explicit Labeller(const Pseudonymizer& p) : names_(p.names), key_(p.key) {
    if (key_.empty()) key_ = random_key();
  }
  /// Labels of `ids`, in their order; 16 hex digits for all if 10 collide.
  std::vector<std::pair<std::string, bool>> label(const std::vector<std::string>& ids) const {
    std::vector<std::string> macs;
    macs.reserve(ids.size());
    for (const auto& id : ids) macs.push_back(hex(hmac_raw(key_, id)));
    std::size_t digits = 10;
    {
      std::unordered_set<std::string> seen;
      for (const auto& m : macs)
        if (!seen.insert(m.substr(0, 10)).second) digits = 16;
    }
    std::vector<std::pair<std::string, bool>> out;
    out.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto it = names_.find(ids[i]);
      if (it != names_.end()) {
        out.emplace_back(it->second, true);
      } else {
        out.emplace_back("L-" + macs[i].substr(0, digits), false);
      }
    }
    return out;
  }

 private:
  const std::map<std::string, std::string, std::less<>>& names_;
  std::string key_;
};

std::int64_t now_ms(const ReportOptions& o) {
  return to_millis(o.now ? *o.now : std::chrono::system_clock::now());
}

json iso_or_null(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return to_iso8601(to_millis(*t));
}

std::string day_of(std::int64_t ms) { return to_iso8601(ms).substr(0, 10); }

constexpr std::int64_t kDayMs = 86400000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// Monday of the ISO week of `ms` (UTC), as a day number since the epoch (1970-01-01 was a
/// Thursday, so day + 3 is 0 on Mondays, modulo 7).
std::int64_t week_start_day(std::int64_t ms) {
  std::int64_t day = floor_div(ms, kDayMs);
  return day - (((day + 3) % 7) + 7) % 7;
}

double round_to(double v, double scale) { return std::round(v * scale) / scale; }

void check_model_covers(const Curriculum& c, const BktModel& m) {
  for (const auto& s : c.skills()) {
    if (!m.find_skill(s.id)) {
      throw Error(ErrorCode::UnknownSkill,
                  "the model has no parameters for curriculum skill '" + s.id + "'");
    }
  }
}

json recommendation_json(const std::optional<Recommendation>& r) {
  if (!r) return nullptr;
  return json{{"item", r->item},
              {"skill", r->skill},
              {"reason", to_string(r->reason)},
              {"explanation", r->explanation}};
}

/// Goals of a profile as curriculum skill indices (all skills when it names none).
std::vector<std::uint32_t> goal_skills(const LearnerProfile& p, const Curriculum& c) {
  std::vector<std::uint32_t> out;
  for (const auto& g : p.goals)
    if (auto k = c.skill_index(g)) out.push_back(*k);
  if (out.empty())
    for (std::uint32_t k = 0; k < c.skills().size(); ++k) out.push_back(k);
  return out;
}

}  // namespace

std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
  return hex(hmac_raw(key, message));
}

std::string html_escape(const std::string& text) {
  std::string in = detail::is_valid_utf8(text) ? text : std::string();
  if (in.empty() && !text.empty()) {
    // Replace each byte that does not start a valid sequence by U+FFFD, keeping the rest.
    std::size_t i = 0;
    while (i < text.size()) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      std::size_t len = c < 0x80         ? 1
                        : (c >> 5) == 6  ? 2
                        : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4
                                         : 0;
      if (len && i + len <= text.size() &&
          detail::is_valid_utf8(std::string_view(text).substr(i, len))) {
        in.append(text, i, len);
        i += len;
      } else {
        in += "\xEF\xBF\xBD";
        ++i;
      }
    }
  }
  std::string out;
  out.reserve(in.size() + in.size() / 8);
  for (char ch : in) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if ((static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f)
          break;
        out += ch;
    }
  }
  return out;
}

std::map<std::string, std::string, std::less<>> Pseudonymizer::read_names(const std::string& path) {
  const std::string text = detail::read_file(path);
  std::map<std::string, std::string, std::less<>> out;
  auto add = [&](std::string id, std::string name, std::size_t line, std::size_t column) {
    if (id.empty())
      throw Error(ErrorCode::Parse, "empty learner id", Location{path, line, column, "id"});
    if (!detail::is_valid_utf8(id) || !detail::is_valid_utf8(name))
      throw Error(ErrorCode::Parse, "not UTF-8", Location{path, line, column, ""});
    if (!out.emplace(std::move(id), std::move(name)).second)
      throw Error(ErrorCode::Parse, "a learner id is listed twice (not shown)",
                  Location{path, line, column, "id"});
  };
  std::size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first != std::string::npos && text[first] == '{') {
    json j = detail::parse_json(text, path);
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it.value().is_string())
        throw Error(ErrorCode::Parse,
                    "a display name must be a string, got " + detail::describe(it.value()),
                    Location{path, 0, 0, "name"});
      add(it.key(), it.value().get<std::string>(), 0, 0);
    }
    return out;
  }
  // CSV: two fields a line, each plain or quoted ("" inside quotes is one quote).
  std::size_t pos = 0, line = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
  while (pos < text.size()) {
    ++line;
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view l(text.data() + pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    const std::size_t line_start = pos;
    pos = end + 1;
    if (detail::trim(l).empty()) continue;
    std::vector<std::string> fields(1);
    bool quoted = false, was_quoted = false;
    for (std::size_t i = 0; i < l.size(); ++i) {
      char c = l[i];
      if (quoted) {
        if (c == '"' && i + 1 < l.size() && l[i + 1] == '"') {
          fields.back() += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          fields.back() += c;
        }
      } else if (c == '"' && fields.back().empty() && !was_quoted) {
        quoted = was_quoted = true;
      } else if (c == ',') {
        fields.emplace_back();
        was_quoted = false;
      } else if (was_quoted) {
        throw Error(ErrorCode::Parse, "text after a closing quote",
                    Location{path, line, i + 1, ""});
      } else {
        fields.back() += c;
      }
    }
    if (quoted)
      throw Error(ErrorCode::Parse, "unterminated quote", Location{path, line, l.size(), ""});
    (void)line_start;
    if (fields.size() != 2) {
      throw Error(ErrorCode::Parse,
                  "expected 2 fields (id,name), got " + std::to_string(fields.size()),
                  Location{path, line, 1, ""});
    }
    if (line == 1 && (fields[0] == "id" || fields[0] == "learner") && fields[1] == "name") continue;
    add(std::string(detail::trim(fields[0])), std::string(detail::trim(fields[1])), line, 1);
  }
  return out;
}

void write_report(const std::string& path, const std::string& html) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw Error(ErrorCode::Io, std::string("cannot create the report: ") + std::strerror(errno),
                Location{path, 0, 0, ""});
  out.write(html.data(), static_cast<std::streamsize>(html.size()));
  out.flush();
  if (!out) throw Error(ErrorCode::Io, "cannot write the report", Location{path, 0, 0, ""});
}

namespace detail {

json class_report_json(ProfileStore& store, const Curriculum& curriculum, const BktModel& model,
                       const ReportOptions& options) {
  options.policy.validate();
  check_model_covers(curriculum, model);
  const auto& skills = curriculum.skills();
  const std::size_t ns = skills.size();
  const double threshold = options.policy.rules.mastery_threshold;
  const std::int64_t now = now_ms(options);
  const TimePoint now_t = from_millis(now);
  Sequencer sequencer;
  const PolicyContext context{curriculum, model, options.policy};

  struct Row {
    std::string id;
    std::vector<double> p;
    std::size_t mastered = 0;
    std::size_t goals_open = 0;
    double distance = 0.0;
    std::uint64_t responses = 0;
    std::optional<TimePoint> last;
    std::vector<std::string> wheel;
    std::optional<std::size_t> since_mastery;
    std::optional<Recommendation> rec;
  };
  std::vector<Row> rows;
  std::vector<std::array<std::size_t, 5>> hist(ns, std::array<std::size_t, 5>{});
  std::vector<std::size_t> mastered_count(ns, 0), wheel_count(ns, 0);
  std::vector<double> mean(ns, 0.0);
  std::map<std::int64_t, std::size_t> mastered_per_day;
  std::map<std::int64_t, std::size_t> active_per_week;
  std::vector<std::size_t> item_attempts(curriculum.items().size(), 0),
      item_correct(curriculum.items().size(), 0);
  std::size_t unknown_items = 0;

  const std::size_t damaged = store.for_each([&](const LearnerProfile& p) {
    Row r;
    r.id = p.learner;
    r.p.resize(ns);
    r.responses = p.responses;
    r.last = p.last_response;
    std::int64_t last_mastery = std::numeric_limits<std::int64_t>::min();
    for (std::size_t k = 0; k < ns; ++k) {
      const SkillState* st = p.find(skills[k].id);
      double pk = st ? st->p_known : model.skill(skills[k].id).prior;
      r.p[k] = pk;
      mean[k] += pk;
      hist[k][std::min<std::size_t>(4, static_cast<std::size_t>(pk * 5.0))]++;
      if (pk >= threshold) {
        ++mastered_count[k];
        ++r.mastered;
      }
      if (st && st->wheel_spinning && pk < threshold) {
        r.wheel.push_back(skills[k].id);
        ++wheel_count[k];
      }
      if (st && st->mastered_at) {
        std::int64_t ms = to_millis(*st->mastered_at);
        mastered_per_day[floor_div(ms, kDayMs)]++;
        last_mastery = std::max(last_mastery, ms);
      }
    }
    for (std::uint32_t g : goal_skills(p, curriculum)) {
      if (r.p[g] < threshold) {
        ++r.goals_open;
        r.distance += threshold - r.p[g];
      }
    }
    if (options.read_responses) {
      std::set<std::int64_t> weeks;
      std::size_t since = 0;
      for (const ResponseRecord& rr : store.responses(p.learner)) {
        std::int64_t ms = to_millis(rr.time);
        weeks.insert(week_start_day(ms));
        if (ms > last_mastery) ++since;
        if (auto i = curriculum.item_index(rr.item)) {
          ++item_attempts[*i];
          if (rr.outcome == Outcome::Correct) ++item_correct[*i];
        } else {
          ++unknown_items;
        }
      }
      for (std::int64_t w : weeks) active_per_week[w]++;
      r.since_mastery = since;
    }
    const bool stalled =
        r.goals_open > 0 && r.since_mastery && *r.since_mastery >= options.stalled_after;
    if (!r.wheel.empty() || stalled) r.rec = sequencer.recommend(context, p, now_t);
    rows.push_back(std::move(r));
  });

  // A stable order: by label, so that a report does not reveal the store's order.
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const auto& r : rows) ids.push_back(r.id);
  Labeller labeller(options.ids);
  auto labels = labeller.label(ids);
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return labels[a].first < labels[b].first; });

  json doc;
  doc["format"] = "pathwise-class-report";
  doc["version"] = "1.0";
  doc["title"] = options.title.empty() ? "Class report" : options.title;
  doc["generated_at"] = to_iso8601(now);
  doc["mastery_threshold"] = threshold;
  doc["learner_count"] = rows.size();
  doc["damaged"] = damaged;
  doc["pseudonyms"] = options.ids.key.empty() ? "random key, new for this report"
                                              : "keyed (stable across reports with this key)";
  doc["max_table_cells"] = options.max_table_cells;
  json js = json::array();
  for (std::size_t k = 0; k < ns; ++k) {
    js.push_back({{"id", skills[k].id},
                  {"name", skills[k].name.empty() ? skills[k].id : skills[k].name},
                  {"learners", rows.size()},
                  {"mastered", mastered_count[k]},
                  {"wheel_spinning", wheel_count[k]},
                  {"mean", rows.empty() ? 0.0 : mean[k] / static_cast<double>(rows.size())},
                  {"histogram", hist[k]}});
  }
  doc["skills"] = std::move(js);
  json jl = json::array();
  json attention = json::array();
  for (std::size_t i : order) {
    const Row& r = rows[i];
    json p = json::array();
    auto& pa = p.get_ref<json::array_t&>();
    pa.reserve(r.p.size());
    for (double v : r.p) pa.emplace_back(v);
    jl.push_back({{"label", labels[i].first},
                  {"named", labels[i].second},
                  {"p_known", std::move(p)},
                  {"mastered", r.mastered},
                  {"goals_open", r.goals_open},
                  {"distance", r.distance},
                  {"responses", r.responses},
                  {"last_response", iso_or_null(r.last)}});
    const bool stalled =
        r.goals_open > 0 && r.since_mastery && *r.since_mastery >= options.stalled_after;
    if (!r.wheel.empty() || stalled) {
      json why = json::array();
      if (!r.wheel.empty()) why.push_back("wheel-spinning");
      if (stalled) why.push_back("stalled");
      attention.push_back(
          {{"label", labels[i].first},
           {"why", std::move(why)},
           {"wheel_spinning", r.wheel},
           {"responses_since_mastery", r.since_mastery ? json(*r.since_mastery) : json(nullptr)},
           {"recommendation", recommendation_json(r.rec)}});
    }
  }
  // Most urgent first: more wheel-spinning skills, then longer without progress.
  std::stable_sort(attention.begin(), attention.end(), [](const json& a, const json& b) {
    auto wa = a["wheel_spinning"].size(), wb = b["wheel_spinning"].size();
    if (wa != wb) return wa > wb;
    auto sa = a["responses_since_mastery"].is_null()
                  ? 0
                  : a["responses_since_mastery"].get<std::size_t>();
    auto sb = b["responses_since_mastery"].is_null()
                  ? 0
                  : b["responses_since_mastery"].get<std::size_t>();
    return sa > sb;
  });
  doc["learners"] = std::move(jl);
  doc["attention"] = std::move(attention);
  doc["stalled_after"] = options.stalled_after;

  json per_day = json::array();
  for (const auto& [day, n] : mastered_per_day)
    per_day.push_back({{"day", day_of(day * kDayMs)}, {"skills", n}});
  json per_week = json::array();
  for (const auto& [day, n] : active_per_week)
    per_week.push_back({{"week_start", day_of(day * kDayMs)}, {"learners", n}});
  doc["progress"] = {{"mastered_per_day", std::move(per_day)},
                     {"active_per_week", std::move(per_week)},
                     {"from_responses", options.read_responses}};

  // Items: attempts and success against the rest of their (first) skill's items.
  json items = json::array();
  std::vector<std::size_t> skill_attempts(ns, 0), skill_correct(ns, 0);
  for (std::uint32_t i = 0; i < curriculum.items().size(); ++i) {
    const auto& ks = curriculum.item_skills(i);
    if (ks.empty()) continue;
    skill_attempts[ks[0]] += item_attempts[i];
    skill_correct[ks[0]] += item_correct[i];
  }
  for (std::uint32_t i = 0; i < curriculum.items().size(); ++i) {
    const Item& it = curriculum.items()[i];
    const auto& ks = curriculum.item_skills(i);
    json j = {{"item", it.id},
              {"skills", it.skills},
              {"attempts", item_attempts[i]},
              {"correct", item_correct[i]}};
    j["success_rate"] =
        item_attempts[i]
            ? json(static_cast<double>(item_correct[i]) / static_cast<double>(item_attempts[i]))
            : json(nullptr);
    json flag = nullptr;
    if (!ks.empty()) {
      const std::string& skill = skills[ks[0]].id;
      BktParams bp = model.params_for(skill, it.id);
      j["guess"] = bp.guess;
      j["slip"] = bp.slip;
      j["own_params"] = model.find_item(it.id) != nullptr;
      const double n1 = static_cast<double>(item_attempts[i]);
      const double n2 = static_cast<double>(skill_attempts[ks[0]] - item_attempts[i]);
      if (n1 >= options.item_min_attempts && n2 >= options.item_min_attempts) {
        const double p1 = static_cast<double>(item_correct[i]) / n1;
        const double p2 = static_cast<double>(skill_correct[ks[0]] - item_correct[i]) / n2;
        const double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
        const double se = std::sqrt(std::max(1e-12, pooled * (1 - pooled) * (1 / n1 + 1 / n2)));
        const double d = p1 - p2;
        if (std::fabs(d) > options.item_flag_difference && std::fabs(d) > 3 * se) {
          char buf[160];
          std::snprintf(buf, sizeof buf, "%s than the rest of its skill: %.2f correct against %.2f",
                        d > 0 ? "easier" : "harder", p1, p2);
          flag = buf;
        }
      }
      if (flag.is_null() && j["own_params"].get<bool>() && bp.guess + bp.slip >= 1.0)
        flag = "its fitted guess + slip >= 1: a correct answer is no evidence of knowing";
    }
    j["flag"] = std::move(flag);
    items.push_back(std::move(j));
  }
  doc["items"] = std::move(items);
  doc["responses_of_unknown_items"] = unknown_items;
  doc["forecasts"] = nullptr;
  doc["forecasts_note"] =
      "Each learner's forecasts to their goals are in their learner report (and `pathwise "
      "forecast`); the class report does not compute them for every learner.";
  return doc;
}

json learner_report_json(ProfileStore& store, const Curriculum& curriculum, const BktModel& model,
                         const std::string& learner, const ReportOptions& options) {
  options.policy.validate();
  check_model_covers(curriculum, model);
  std::optional<StoredProfile> sp = store.load(learner);
  if (!sp) throw Error(ErrorCode::UnknownLearner, "no profile is held for this learner");
  const LearnerProfile& p = sp->profile;
  const double threshold = options.policy.rules.mastery_threshold;
  const std::int64_t now = now_ms(options);
  Labeller labeller(options.ids);
  auto label = labeller.label({learner})[0];

  json doc;
  doc["format"] = "pathwise-learner-report";
  doc["version"] = "1.0";
  doc["title"] = options.title.empty() ? "Learner report" : options.title;
  doc["generated_at"] = to_iso8601(now);
  doc["label"] = label.first;
  doc["named"] = label.second;
  doc["mastery_threshold"] = threshold;
  std::set<std::string> goals(p.goals.begin(), p.goals.end());
  json js = json::array();
  std::size_t mastered = 0;
  for (const auto& s : curriculum.skills()) {
    const SkillState* st = p.find(s.id);
    double pk = st ? st->p_known : model.skill(s.id).prior;
    bool m = pk >= threshold;
    mastered += m ? 1 : 0;
    js.push_back({{"id", s.id},
                  {"name", s.name.empty() ? s.id : s.name},
                  {"p_known", pk},
                  {"mastered", m},
                  {"goal", goals.empty() || goals.count(s.id) > 0},
                  {"attempts", st ? st->attempts : 0},
                  {"correct", st ? st->correct : 0},
                  {"mastered_at", st ? iso_or_null(st->mastered_at) : json(nullptr)},
                  {"last_practice", st ? iso_or_null(st->last_practice) : json(nullptr)},
                  {"next_review", st ? iso_or_null(st->next_review) : json(nullptr)},
                  {"wheel_spinning", st && st->wheel_spinning}});
  }
  doc["skills"] = std::move(js);
  doc["mastered"] = mastered;
  Sequencer sequencer;
  doc["next"] = recommendation_json(
      sequencer.recommend(PolicyContext{curriculum, model, options.policy}, p, from_millis(now)));

  std::vector<ResponseRecord> rs = store.responses(learner);
  json held;
  held["responses_counted"] = p.responses;
  held["responses_stored"] = rs.size();
  held["first_response"] =
      rs.empty() ? json(nullptr) : json(to_iso8601(to_millis(rs.front().time)));
  held["last_response"] = iso_or_null(p.last_response);
  held["skills_tracked"] = p.skills.size();
  held["goals"] = p.goals;
  held["recent_items"] = p.recent_items.size();
  held["learner_state"] = p.learner_state.has_value();
  std::vector<std::string> words;
  words.push_back("Your learner id, as the learning platform gave it (not shown in this report).");
  words.push_back("For each of " + std::to_string(p.skills.size()) +
                  " skills: how likely you are to know it, how many answers you gave and how many "
                  "were right, your current run of right answers, when you last practised it, "
                  "and when it was mastered and is due for review.");
  if (rs.empty()) {
    words.push_back("No individual answers are stored (" + std::to_string(p.responses) +
                    " answers were counted).");
  } else {
    words.push_back("Each of your " + std::to_string(rs.size()) +
                    " answers: which item, whether it was right, and when (from " +
                    day_of(to_millis(rs.front().time)) + " to " +
                    day_of(to_millis(rs.back().time)) + ").");
  }
  words.push_back("The last " + std::to_string(p.recent_items.size()) +
                  " items you did, so that they are not repeated at once.");
  words.push_back(p.goals.empty() ? "Your goals: the whole course."
                                  : "Your goals: " + std::to_string(p.goals.size()) + " skills.");
  if (p.learner_state)
    words.push_back(
        "A few running numbers about your answers across skills (accuracy and how "
        "recent), used to adjust predictions.");
  words.push_back("You may ask for all of it (an export) or for it to be erased.");
  held["in_plain_words"] = words;
  doc["held"] = std::move(held);
  // Forecasts: each goal skill not mastered yet, from its P(known) (forecast_mastery()).
  json fc = json::array();
  for (const SkillForecast& g : forecast_goals(curriculum, model, options.policy.rules, p)) {
    if (g.p_known >= threshold) continue;
    const Skill& s = curriculum.skills()[*curriculum.skill_index(g.skill)];
    const Forecast& f = g.forecast;
    fc.push_back({{"id", s.id},
                  {"name", s.name.empty() ? s.id : s.name},
                  {"p_known", g.p_known},
                  {"expected", f.expected},
                  {"low", f.low ? json(*f.low) : json(nullptr)},
                  {"high", f.high ? json(*f.high) : json(nullptr)},
                  {"p_within_cap", f.p_within_cap},
                  {"cap", f.cap}});
  }
  doc["forecasts"] = std::move(fc);
  doc["forecasts_note"] =
      "Attempts until mastery of each goal skill not yet mastered, if it were practised on its "
      "own, one attempt after another, under its BKT parameters: the expected number and the "
      "range of the middle 80 % of learners like this one (10th to 90th percentile).";
  return doc;
}

json fit_report_json(const BktModel& model, const ResponseLog& log, const FitReport* fit,
                     const FitReportOptions& options) {
  if (options.calibration_bins == 0 || options.calibration_bins > 1000)
    throw Error(ErrorCode::InvalidArgument, "calibration_bins must be in 1..1000",
                Location{"", 0, 0, "calibration_bins"});
  if (options.max_opportunity == 0 || options.max_opportunity > 10000)
    throw Error(ErrorCode::InvalidArgument, "max_opportunity must be in 1..10000",
                Location{"", 0, 0, "max_opportunity"});
  EvaluateOptions eo;
  eo.skip_unknown_skills = true;
  Predictions pr = predict_states(model, log, eo);
  const auto& outcomes = log.outcomes();
  const std::size_t nk = log.skill_count();
  std::vector<std::vector<double>> sp(nk);
  std::vector<std::vector<std::uint8_t>> so(nk);
  std::vector<std::size_t> sequences(nk, 0);
  const std::size_t mo = options.max_opportunity;
  struct Curve {
    std::vector<double> obs, pred;
    std::vector<std::size_t> n;
  };
  std::vector<Curve> curves(nk);
  Curve all{std::vector<double>(mo, 0.0), std::vector<double>(mo, 0.0),
            std::vector<std::size_t>(mo, 0)};
  std::vector<double> all_p;
  std::vector<std::uint8_t> all_o;
  std::size_t skipped = 0;
  for (const auto& s : log.sequences()) {
    Curve& c = curves[s.skill];
    if (c.n.empty())
      c = Curve{std::vector<double>(mo, 0.0), std::vector<double>(mo, 0.0),
                std::vector<std::size_t>(mo, 0)};
    ++sequences[s.skill];
    for (std::uint64_t i = s.begin; i < s.end; ++i) {
      double p = pr.correct[i];
      if (std::isnan(p)) {
        ++skipped;
        continue;
      }
      sp[s.skill].push_back(p);
      so[s.skill].push_back(outcomes[i]);
      all_p.push_back(p);
      all_o.push_back(outcomes[i]);
      std::size_t op = static_cast<std::size_t>(i - s.begin);
      if (op < mo) {
        c.obs[op] += outcomes[i];
        c.pred[op] += p;
        ++c.n[op];
        all.obs[op] += outcomes[i];
        all.pred[op] += p;
        ++all.n[op];
      }
    }
  }
  if (all_p.empty())
    throw Error(ErrorCode::InvalidArgument, "no response of the log has a skill of the model");
  auto curve_json = [&](const Curve& c) {
    json a = json::array();
    for (std::size_t op = 0; op < c.n.size(); ++op) {
      if (!c.n[op]) continue;
      double n = static_cast<double>(c.n[op]);
      a.push_back({{"opportunity", op + 1},
                   {"count", c.n[op]},
                   {"observed", c.obs[op] / n},
                   {"predicted", c.pred[op] / n}});
    }
    return a;
  };
  std::map<std::string, const SkillFitReport*> fits;
  if (fit)
    for (const auto& r : fit->skills) fits[r.skill] = &r;

  json skills = json::array();
  json skill_curves = json::array();
  for (std::uint32_t k = 0; k < nk; ++k) {
    const std::string& name = log.skill_name(k);
    const BktParams* bp = model.find_skill(name);
    if (!bp || sp[k].empty()) continue;
    Metrics m = compute_metrics(sp[k], so[k]);
    json flags = json::array();
    if (bp->guess + bp->slip > 1.0 + 1e-9) {
      flags.push_back("degenerate: guess + slip > 1 (a correct answer lowers mastery)");
    } else if (bp->guess + bp->slip >= 1.0 - 1e-9) {
      flags.push_back("degenerate: guess + slip = 1 (answers carry no evidence)");
    }
    if (bp->guess < 1e-6) flags.push_back("guess driven to 0");
    if (bp->slip < 1e-6) flags.push_back("slip driven to 0");
    json converged = nullptr, iterations = nullptr;
    auto f = fits.find(name);
    if (f != fits.end()) {
      converged = f->second->converged;
      iterations = f->second->iterations;
      if (!f->second->converged) flags.push_back("unconverged: EM stopped at its iteration limit");
      for (const auto& w : f->second->warnings)
        if (w.rfind("guess + slip", 0) != 0 && w.find("driven to 0") == std::string::npos)
          flags.push_back(w);
    }
    skills.push_back({{"skill", name},
                      {"prior", bp->prior},
                      {"learn", bp->learn},
                      {"forget", bp->forget},
                      {"guess", bp->guess},
                      {"slip", bp->slip},
                      {"responses", sp[k].size()},
                      {"sequences", sequences[k]},
                      {"auc", m.auc},
                      {"rmse", m.rmse},
                      {"converged", converged},
                      {"iterations", iterations},
                      {"flags", std::move(flags)}});
    skill_curves.push_back({{"skill", name}, {"points", curve_json(curves[k])}});
  }
  json cal = json::array();
  {
    const std::size_t nb = options.calibration_bins;
    std::vector<double> sum_p(nb, 0.0), sum_o(nb, 0.0);
    std::vector<std::size_t> n(nb, 0);
    for (std::size_t i = 0; i < all_p.size(); ++i) {
      std::size_t b =
          std::min(nb - 1, static_cast<std::size_t>(all_p[i] * static_cast<double>(nb)));
      sum_p[b] += all_p[i];
      sum_o[b] += all_o[i];
      ++n[b];
    }
    for (std::size_t b = 0; b < nb; ++b) {
      json j = {{"lo", static_cast<double>(b) / static_cast<double>(nb)},
                {"hi", static_cast<double>(b + 1) / static_cast<double>(nb)},
                {"count", n[b]}};
      j["mean_predicted"] = n[b] ? json(sum_p[b] / static_cast<double>(n[b])) : json(nullptr);
      j["observed"] = n[b] ? json(sum_o[b] / static_cast<double>(n[b])) : json(nullptr);
      cal.push_back(std::move(j));
    }
  }
  json doc;
  doc["format"] = "pathwise-fit-report";
  doc["version"] = "1.0";
  doc["title"] = options.title.empty() ? "Fit report" : options.title;
  doc["fitted_here"] = fit != nullptr;
  doc["skills"] = std::move(skills);
  doc["overall"] = compute_metrics(all_p, all_o);
  doc["responses_of_unknown_skills"] = skipped;
  doc["learners"] = log.learner_count();
  doc["curve"] = curve_json(all);
  doc["skill_curves"] = std::move(skill_curves);
  doc["calibration"] = std::move(cal);
  doc["read"] = log.report();
  return doc;
}

}  // namespace detail

std::string class_report_data(ProfileStore& store, const Curriculum& curriculum,
                              const BktModel& model, const ReportOptions& options) {
  json doc = detail::class_report_json(store, curriculum, model, options);
  // Four decimals are plenty for a view and keep a large class's document small; the page is
  // drawn from the unrounded values (so a shown 0.69 is 0.6854 rounded once, not twice).
  for (auto& l : doc.at("learners")) {
    for (auto& v : l.at("p_known")) v = round_to(v.get<double>(), 10000.0);
    l.at("distance") = round_to(l.at("distance").get<double>(), 10000.0);
  }
  return detail::dump(doc);
}

std::string learner_report_data(ProfileStore& store, const Curriculum& curriculum,
                                const BktModel& model, const std::string& learner,
                                const ReportOptions& options) {
  return detail::dump(detail::learner_report_json(store, curriculum, model, learner, options));
}

std::string fit_report_data(const BktModel& model, const ResponseLog& log, const FitReport* fit,
                            const FitReportOptions& options) {
  return detail::dump(detail::fit_report_json(model, log, fit, options));
}

std::string class_report_html(ProfileStore& store, const Curriculum& curriculum,
                              const BktModel& model, const ReportOptions& options) {
  return detail::render_report(detail::class_report_json(store, curriculum, model, options));
}

std::string learner_report_html(ProfileStore& store, const Curriculum& curriculum,
                                const BktModel& model, const std::string& learner,
                                const ReportOptions& options) {
  return detail::render_report(
      detail::learner_report_json(store, curriculum, model, learner, options));
}

std::string fit_report_html(const BktModel& model, const ResponseLog& log, const FitReport* fit,
                            const FitReportOptions& options) {
  return detail::render_report(detail::fit_report_json(model, log, fit, options));
}

std::string report_html(const std::string& data_json) {
  return detail::render_report(detail::parse_json(data_json, "<report data>"));
}

}  // namespace pathwise
