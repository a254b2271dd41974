#include "pathwise/store.hpp"

#include <algorithm>
#include <cctype>

#include "detail/write_hints.hpp"

namespace pathwise {

std::vector<ResponseRecord> ProfileStore::responses(const std::string&) { return {}; }

void ProfileStore::save(const LearnerProfile& profile) {
  CachedProfile cache;
  update(profile.learner, cache, [&](std::optional<LearnerProfile>& p, bool) {
    p = profile;
    return ProfileWrite{ProfileWrite::Kind::Whole, {}, nullptr};
  });
}

std::optional<StoredProfile> InMemoryStore::load(const std::string& learner) {
  std::scoped_lock lock(mu_);
  auto it = profiles_.find(learner);
  if (it == profiles_.end()) return std::nullopt;
  return it->second.stored;
}

std::uint64_t InMemoryStore::version(const std::string& learner) {
  std::scoped_lock lock(mu_);
  auto it = profiles_.find(learner);
  return it == profiles_.end() ? 0 : it->second.stored.version;
}

namespace {

using detail::LearnerSkillNode;
using detail::SkillNode;

/// The node of skill `id` in `map`, through `index[number]` when it holds one for that id (and
/// into it when found or created): the index spares the lookup by name.
template <typename Node, typename Map>
Node& node_of(Map& map, const std::string& id, std::vector<void*>* index, std::uint32_t number) {
  if (index) {
    if (auto* n = static_cast<Node*>((*index)[number]); n && n->first == id) return *n;
  }
  auto [it, inserted] = map.try_emplace(id);
  (void)inserted;
  Node& n = *it;
  if (index) (*index)[number] = &n;
  return n;
}

}  // namespace

void InMemoryStore::copy_response(Entry& e, const LearnerProfile& p,
                                  const std::vector<std::string>& changed,
                                  const detail::WriteHints* h) {
  LearnerProfile& q = e.stored.profile;
  if (h && (e.numbering != h->numbering || e.skill_nodes.size() != h->count)) {
    e.numbering = h->numbering;
    e.skill_nodes.assign(h->count, nullptr);
    e.learner_nodes.assign(h->count, nullptr);
  }
  if (h) {
    // Every node this copy writes, fetched at once rather than one miss after another.
    for (std::size_t k = 0; k < changed.size(); ++k) {
      detail::prefetch(e.skill_nodes[h->numbers[k]]);
      detail::prefetch(e.learner_nodes[h->numbers[k]]);
    }
    detail::prefetch(q.recent_items.data());
  }
  for (std::size_t k = 0; k < changed.size(); ++k) {
    const std::string& s = changed[k];
    const SkillState* src = h ? h->states[k] : nullptr;
    if (!src) {
      auto f = p.skills.find(s);
      if (f == p.skills.end()) continue;
      src = &f->second;
    }
    node_of<SkillNode>(q.skills, s, h ? &e.skill_nodes : nullptr, h ? h->numbers[k] : 0).second =
        *src;
  }
  q.responses = p.responses;
  q.last_response = p.last_response;
  // The learner state: its counters, and the entries of the item's skills only.
  if (p.learner_state && q.learner_state) {
    LearnerState& to = *q.learner_state;
    const LearnerState& from = *p.learner_state;
    to.responses = from.responses;
    to.residual_sum = from.residual_sum;
    to.recent = from.recent;
    to.recent_slow = from.recent_slow;
    to.last = from.last;
    for (std::size_t k = 0; k < changed.size(); ++k) {
      const std::string& s = changed[k];
      const LearnerState::Skill* src = h && h->learner_skills ? h->learner_skills[k] : nullptr;
      if (!src) {
        auto f = from.skills.find(s);
        if (f == from.skills.end()) continue;
        src = &f->second;
      }
      node_of<LearnerSkillNode>(to.skills, s, h ? &e.learner_nodes : nullptr,
                                h ? h->numbers[k] : 0)
          .second = *src;
    }
  } else {
    q.learner_state = p.learner_state;
    std::fill(e.learner_nodes.begin(), e.learner_nodes.end(), nullptr);
  }
  q.learner_ability = p.learner_ability;
  // The newest item joins, the oldest may leave: no copy of the whole list.
  auto& r = q.recent_items;
  const auto& n = p.recent_items;
  if (!n.empty() && n.size() == r.size() + 1) {
    r.push_back(n.back());
  } else if (!n.empty() && n.size() == r.size()) {
    r.erase(r.begin());
    r.push_back(n.back());
  } else {
    r = n;
  }
}

void InMemoryStore::update(const std::string& learner, CachedProfile& cache, const UpdateFn& fn) {
  std::scoped_lock lock(mu_);
  auto it = profiles_.find(learner);
  const std::uint64_t stored = it == profiles_.end() ? 0 : it->second.stored.version;
  const bool reloaded =
      refresh(cache, stored, [&] { return std::optional<StoredProfile>(it->second.stored); });
  ProfileWrite w = fn(cache.profile, reloaded);
  if (w.kind == ProfileWrite::Kind::Nothing) return;
  if (!cache.profile) throw Error(ErrorCode::Internal, "a store write without a profile");
  const LearnerProfile& p = *cache.profile;
  // The copies may throw (memory): take the new version only once the entry holds the profile.
  Entry& e = it != profiles_.end() ? it->second : profiles_[learner];
  if (w.kind == ProfileWrite::Kind::Response && w.changed && stored != 0) {
    // The entry equals the cache before fn ran: copy only what a response changes.
    copy_response(e, p, *w.changed, w.hints);
  } else {
    e.stored.profile = p;
    e.skill_nodes.clear();
    e.learner_nodes.clear();
  }
  e.stored.version = next_version_++;
  if (w.kind == ProfileWrite::Kind::Response && keep_responses_) e.responses.push_back(w.response);
  cache.version = e.stored.version;
}

void InMemoryStore::import(const LearnerProfile& profile,
                           const std::vector<ResponseRecord>& responses) {
  std::scoped_lock lock(mu_);
  Entry e;
  e.stored.profile = profile;
  e.stored.version = next_version_++;
  if (keep_responses_) e.responses = responses;
  profiles_[profile.learner] = std::move(e);
}

bool InMemoryStore::erase(const std::string& learner) {
  std::scoped_lock lock(mu_);
  return profiles_.erase(learner) > 0;
}

std::size_t InMemoryStore::for_each(const std::function<void(const LearnerProfile&)>& fn) {
  std::vector<LearnerProfile> all;
  {
    std::scoped_lock lock(mu_);
    all.reserve(profiles_.size());
    for (const auto& kv : profiles_) all.push_back(kv.second.stored.profile);
  }
  for (const auto& p : all) fn(p);
  return 0;
}

std::vector<ResponseRecord> InMemoryStore::responses(const std::string& learner) {
  std::scoped_lock lock(mu_);
  auto it = profiles_.find(learner);
  return it == profiles_.end() ? std::vector<ResponseRecord>{} : it->second.responses;
}

}  // namespace pathwise

namespace pathwise {

std::unique_ptr<ProfileStore> open_store(const std::string& url, const StoreOptions& options) {
  auto starts = [&](const char* prefix) { return url.rfind(prefix, 0) == 0; };
  if (url.empty()) {
    throw Error(ErrorCode::InvalidArgument, "the store URL is empty", Location{"", 0, 0, "store"});
  }
  // libpq's key=value form: "host=... dbname=..." (a keyword, then '=').
  std::size_t k = 0;
  while (k < url.size() && (std::islower(static_cast<unsigned char>(url[k])) || url[k] == '_')) ++k;
  std::size_t e = k;
  while (e < url.size() && url[e] == ' ') ++e;
  const bool keywords = k > 0 && e < url.size() && url[e] == '=';
  if (starts("postgresql://") || starts("postgres://") || keywords) {
    PostgresOptions o;
    o.keep_responses = options.keep_responses;
    o.busy_timeout_ms = options.busy_timeout_ms;
    o.pool_size = options.pool_size;
    o.synchronous_commit = options.synchronous_commit;
    return PostgresStore::open(url, o);
  }
  if (url == "memory:") return std::make_unique<InMemoryStore>(options.keep_responses);
  std::string path = url;
  if (starts("sqlite://")) {
    path = url.substr(9);
  } else if (starts("sqlite:")) {
    path = url.substr(7);
  } else if (url.find("://") != std::string::npos) {
    throw Error(ErrorCode::InvalidArgument,
                "unknown store URL scheme (use sqlite:PATH, postgresql://... or memory:)",
                Location{"", 0, 0, "store"});
  }
  if (path.empty()) {
    throw Error(ErrorCode::InvalidArgument, "the SQLite store URL has no path",
                Location{"", 0, 0, "store"});
  }
  SqliteOptions o;
  o.keep_responses = options.keep_responses;
  o.busy_timeout_ms = options.busy_timeout_ms;
  o.sync_to_disk = options.sync_to_disk;
  return SqliteStore::open(path, o);
}

}  // namespace pathwise
