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
  return it->second;
}

void InMemoryStore::save(const LearnerProfile& profile) {
  std::scoped_lock lock(mu_);
  profiles_[profile.learner] = profile;
}

void InMemoryStore::record(const LearnerProfile& after, const ResponseRecord&,
                           const std::vector<std::string>& changed) {
  std::scoped_lock lock(mu_);
  auto it = profiles_.find(after.learner);
  if (it == profiles_.end()) {
    profiles_.emplace(after.learner, after);
    return;
  }
  // Copy only what a response changes: the skills of the item and the counters.
  LearnerProfile& p = it->second;
  for (const auto& s : changed) {
    auto src = after.skills.find(s);
    if (src != after.skills.end()) p.skills[s] = src->second;
  }
  p.responses = after.responses;
  p.last_response = after.last_response;
  p.recent_items = after.recent_items;
}

bool InMemoryStore::erase(const std::string& learner) {
  std::scoped_lock lock(mu_);
  return profiles_.erase(learner) > 0;
}

void InMemoryStore::for_each(const std::function<void(const LearnerProfile&)>& fn) {
  std::scoped_lock lock(mu_);
  for (const auto& kv : profiles_) fn(kv.second);
}

}  // namespace pathwise
