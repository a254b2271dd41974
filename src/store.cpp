#include "pathwise/store.hpp"

namespace pathwise {

void ProfileStore::record(const LearnerProfile& after, const ResponseRecord&,
                          const std::vector<std::string>&) {
  save(after);
}

std::vector<ResponseRecord> ProfileStore::responses(const std::string&) { return {}; }

std::optional<LearnerProfile> InMemoryStore::load(const std::string& learner) {
  std::scoped_lock lock(mu_);
  auto it = profiles_.find(learner);
  if (it == profiles_.end()) return std::nullopt;
  LearnerProfile p = it->second.profile;
  p.recent_items.assign(it->second.recent.begin(), it->second.recent.end());
  return p;
}

void InMemoryStore::save(const LearnerProfile& profile) {
  std::scoped_lock lock(mu_);
  Entry& e = profiles_[profile.learner];
  e.profile = profile;
  e.profile.recent_items.clear();
  e.recent.assign(profile.recent_items.begin(), profile.recent_items.end());
}

void InMemoryStore::record(const LearnerProfile& after, const ResponseRecord&,
                           const std::vector<std::string>& changed) {
  std::scoped_lock lock(mu_);
  auto it = profiles_.find(after.learner);
  if (it == profiles_.end() || it->second.profile.responses + 1 != after.responses) {
    // New, or out of step with this response: store it whole.
    Entry& e = profiles_[after.learner];
    e.profile = after;
    e.profile.recent_items.clear();
    e.recent.assign(after.recent_items.begin(), after.recent_items.end());
    return;
  }
  // Copy only what a response changes: the skills of the item, the counters, the newest item.
  Entry& e = it->second;
  LearnerProfile& p = e.profile;
  for (const auto& s : changed) {
    auto src = after.skills.find(s);
    if (src != after.skills.end()) p.skills[s] = src->second;
  }
  p.responses = after.responses;
  p.last_response = after.last_response;
  if (!after.recent_items.empty()) {
    e.recent.push_back(after.recent_items.back());
    while (e.recent.size() > after.recent_items.size()) e.recent.pop_front();
  }
}

bool InMemoryStore::erase(const std::string& learner) {
  std::scoped_lock lock(mu_);
  return profiles_.erase(learner) > 0;
}

void InMemoryStore::for_each(const std::function<void(const LearnerProfile&)>& fn) {
  std::scoped_lock lock(mu_);
  for (const auto& kv : profiles_) {
    LearnerProfile p = kv.second.profile;
    p.recent_items.assign(kv.second.recent.begin(), kv.second.recent.end());
    fn(p);
  }
}

}  // namespace pathwise
