#include "pathwise/curriculum.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "detail/text.hpp"
#include "detail/io.hpp"
#include "detail/json_util.hpp"

namespace pathwise {

namespace {

/// Item metadata must be JSON no deeper than any document Pathwise reads (it is written out
/// again by to_json()).
/// Ids are stored and written into documents: UTF-8 without NUL, so every store and reader gives
/// them back unchanged.
void check_id(const std::string& id, const std::string& field) {
  if (!detail::is_storable_text(id)) {
    throw Error(ErrorCode::InvalidArgument, "ids must be UTF-8 text without NUL bytes",
                Location{"", 0, 0, field});
  }
}

void check_metadata(const Item& item, const std::string& field) {
  if (!nlohmann::json::accept(item.metadata)) {
    throw Error(ErrorCode::InvalidArgument, "item '" + item.id + "' metadata is not valid JSON",
                Location{"", 0, 0, field});
  }
  try {
    // to_json() writes it three levels down (document, items, item).
    detail::check_json_depth(item.metadata, "", detail::kMaxJsonDepth - 3);
  } catch (const Error& e) {
    throw Error(ErrorCode::InvalidArgument, "item '" + item.id + "' metadata: " + e.message(),
                Location{"", 0, 0, field});
  }
}

}  // namespace

Curriculum::Curriculum(std::vector<Skill> skills, std::vector<Item> items)
    : skills_(std::move(skills)), items_(std::move(items)) {
  auto at = [](const char* list, std::size_t i) {
    return std::string(list) + "[" + std::to_string(i) + "]";
  };
  for (std::size_t i = 0; i < skills_.size(); ++i) {
    Skill& s = skills_[i];
    if (s.id.empty()) {
      throw Error(ErrorCode::InvalidArgument, "skill id must not be empty",
                  Location{"", 0, 0, at("skills", i) + ".id"});
    }
    check_id(s.id, at("skills", i) + ".id");
    if (s.name.empty()) s.name = s.id;
    if (!skill_index_.emplace(s.id, static_cast<std::uint32_t>(i)).second) {
      throw Error(ErrorCode::InvalidArgument, "duplicate skill id '" + s.id + "'",
                  Location{"", 0, 0, at("skills", i) + ".id"});
    }
  }
  prereqs_.resize(skills_.size());
  for (std::size_t i = 0; i < skills_.size(); ++i) {
    for (std::size_t k = 0; k < skills_[i].prerequisites.size(); ++k) {
      const std::string& p = skills_[i].prerequisites[k];
      auto it = skill_index_.find(p);
      if (it == skill_index_.end()) {
        throw Error(
            ErrorCode::UnknownSkill,
            "skill '" + skills_[i].id + "' has unknown prerequisite '" + p + "'",
            Location{"", 0, 0, at("skills", i) + ".prerequisites[" + std::to_string(k) + "]"});
      }
      if (std::find(prereqs_[i].begin(), prereqs_[i].end(), it->second) == prereqs_[i].end())
        prereqs_[i].push_back(it->second);
    }
  }
  skill_items_.resize(skills_.size());
  item_skills_.resize(items_.size());
  for (std::size_t i = 0; i < items_.size(); ++i) {
    const Item& item = items_[i];
    if (item.id.empty()) {
      throw Error(ErrorCode::InvalidArgument, "item id must not be empty",
                  Location{"", 0, 0, at("items", i) + ".id"});
    }
    check_id(item.id, at("items", i) + ".id");
    if (!item_index_.emplace(item.id, static_cast<std::uint32_t>(i)).second) {
      throw Error(ErrorCode::InvalidArgument, "duplicate item id '" + item.id + "'",
                  Location{"", 0, 0, at("items", i) + ".id"});
    }
    if (item.skills.empty()) {
      throw Error(ErrorCode::InvalidArgument, "item '" + item.id + "' names no skill",
                  Location{"", 0, 0, at("items", i) + ".skills"});
    }
    for (std::size_t k = 0; k < item.skills.size(); ++k) {
      auto it = skill_index_.find(item.skills[k]);
      if (it == skill_index_.end()) {
        throw Error(ErrorCode::UnknownSkill,
                    "item '" + item.id + "' names unknown skill '" + item.skills[k] + "'",
                    Location{"", 0, 0, at("items", i) + ".skills[" + std::to_string(k) + "]"});
      }
      auto& mine = item_skills_[i];
      if (std::find(mine.begin(), mine.end(), it->second) == mine.end()) {
        mine.push_back(it->second);
        skill_items_[it->second].push_back(static_cast<std::uint32_t>(i));
      }
    }
    if (!item.metadata.empty()) check_metadata(item, at("items", i) + ".metadata");
    if (item.difficulty && !(*item.difficulty >= 0.0 && *item.difficulty <= 1.0)) {
      throw Error(ErrorCode::InvalidArgument,
                  "item '" + item.id + "' difficulty must be in [0, 1], got " +
                      (std::isnan(*item.difficulty) ? std::string("NaN")
                                                    : std::to_string(*item.difficulty)),
                  Location{"", 0, 0, at("items", i) + ".difficulty"});
    }
  }
  // Depth-first search for cycles; the finishing order gives a topological order. Iterative:
  // a prerequisite chain may be as long as the curriculum.
  enum : std::uint8_t { kNew, kOnPath, kDone };
  std::vector<std::uint8_t> state(skills_.size(), kNew);
  std::vector<std::pair<std::uint32_t, std::size_t>> path;  // skill, next prerequisite to try
  for (std::uint32_t root = 0; root < skills_.size(); ++root) {
    if (state[root] != kNew) continue;
    state[root] = kOnPath;
    path.emplace_back(root, 0);
    while (!path.empty()) {
      auto& [s, next] = path.back();
      if (next == prereqs_[s].size()) {
        state[s] = kDone;
        topo_.push_back(s);
        path.pop_back();
        continue;
      }
      const std::uint32_t p = prereqs_[s][next++];
      if (state[p] == kOnPath) {
        // The cycle is the part of the path from p; written in prerequisite order.
        auto from = std::find_if(path.begin(), path.end(),
                                 [p](const auto& entry) { return entry.first == p; });
        std::string cycle;
        for (auto it = from; it != path.end(); ++it) cycle += skills_[it->first].id + " -> ";
        cycle += skills_[p].id;
        throw Error(ErrorCode::InvalidArgument, "prerequisite cycle: " + cycle,
                    Location{"", 0, 0, "skills[" + std::to_string(p) + "].prerequisites"});
      }
      if (state[p] == kNew) {
        state[p] = kOnPath;
        path.emplace_back(p, 0);
      }
    }
  }
}

std::vector<char> Curriculum::with_prerequisites(const std::vector<char>& skills) const {
  std::vector<char> out(skills_.size(), 0);
  std::vector<std::uint32_t> todo;
  const std::size_t marked = std::min(skills.size(), skills_.size());
  for (std::uint32_t s = 0; s < marked; ++s)
    if (skills[s]) todo.push_back(s);
  while (!todo.empty()) {
    const std::uint32_t s = todo.back();
    todo.pop_back();
    if (out[s]) continue;
    out[s] = 1;
    for (std::uint32_t p : prereqs_[s]) todo.push_back(p);
  }
  return out;
}

bool Curriculum::rests_on(std::uint32_t skill, std::uint32_t prerequisite) const {
  if (skill >= skills_.size() || prerequisite >= skills_.size()) {
    throw Error(ErrorCode::InvalidArgument, "skill index out of range");
  }
  std::vector<char> seen(skills_.size(), 0);
  std::vector<std::uint32_t> todo(prereqs_.at(skill).begin(), prereqs_.at(skill).end());
  while (!todo.empty()) {
    const std::uint32_t s = todo.back();
    todo.pop_back();
    if (s == prerequisite) return true;
    if (seen[s]) continue;
    seen[s] = 1;
    for (std::uint32_t p : prereqs_[s]) todo.push_back(p);
  }
  return false;
}

std::optional<std::uint32_t> Curriculum::skill_index(std::string_view id) const {
  auto it = skill_index_.find(std::string(id));
  if (it == skill_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint32_t> Curriculum::item_index(std::string_view id) const {
  auto it = item_index_.find(std::string(id));
  if (it == item_index_.end()) return std::nullopt;
  return it->second;
}

const Skill& Curriculum::skill(std::string_view id) const {
  if (auto i = skill_index(id)) return skills_[*i];
  throw Error(ErrorCode::UnknownSkill, "unknown skill '" + std::string(id) + "'");
}

const Item& Curriculum::item(std::string_view id) const {
  if (auto i = item_index(id)) return items_[*i];
  throw Error(ErrorCode::UnknownItem, "unknown item '" + std::string(id) + "'");
}

Curriculum Curriculum::from_json(std::string_view text, const std::string& source) {
  nlohmann::json j = detail::parse_json(text, source);
  try {
    if (!j.is_object())
      throw Error(ErrorCode::Parse, "a curriculum document must be a JSON object");
    detail::check_format(j, kFormat, 1);
    std::vector<Skill> skills;
    std::vector<Item> items;
    const auto& js = detail::required(j, "skills", "");
    if (!js.is_array())
      throw Error(ErrorCode::Parse, "\"skills\" must be an array", Location{"", 0, 0, "skills"});
    for (std::size_t i = 0; i < js.size(); ++i) {
      std::string path = "skills[" + std::to_string(i) + "]";
      const auto& o = js[i];
      if (!o.is_object())
        throw Error(ErrorCode::Parse, "expected an object", Location{"", 0, 0, path});
      Skill s;
      s.id = detail::get_string(o, "id", path);
      if (o.contains("name")) s.name = detail::get_string(o, "name", path);
      if (o.contains("prerequisites"))
        s.prerequisites = detail::get_strings(o, "prerequisites", path);
      skills.push_back(std::move(s));
    }
    if (j.contains("items")) {
      const auto& ji = j.at("items");
      if (!ji.is_array())
        throw Error(ErrorCode::Parse, "\"items\" must be an array", Location{"", 0, 0, "items"});
      for (std::size_t i = 0; i < ji.size(); ++i) {
        std::string path = "items[" + std::to_string(i) + "]";
        const auto& o = ji[i];
        if (!o.is_object())
          throw Error(ErrorCode::Parse, "expected an object", Location{"", 0, 0, path});
        Item it;
        it.id = detail::get_string(o, "id", path);
        it.skills = detail::get_strings(o, "skills", path);
        if (o.contains("difficulty") && !o.at("difficulty").is_null()) {
          if (!o.at("difficulty").is_number()) {
            throw Error(ErrorCode::Parse, "expected a number",
                        Location{"", 0, 0, path + ".difficulty"});
          }
          it.difficulty = o.at("difficulty").get<double>();
        }
        if (o.contains("metadata")) it.metadata = detail::dump(o.at("metadata"));
        items.push_back(std::move(it));
      }
    }
    return Curriculum(std::move(skills), std::move(items));
  } catch (const Error& e) {
    Location loc = e.location();
    loc.source = source;
    throw Error(e.code(), e.message(), loc);
  }
}

Curriculum Curriculum::load(const std::string& path) {
  return from_json(detail::read_file(path), path);
}

std::string Curriculum::to_json(int indent) const {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["skills"] = nlohmann::ordered_json::array();
  for (const Skill& s : skills_) {
    nlohmann::ordered_json o{{"id", s.id}, {"name", s.name}, {"prerequisites", s.prerequisites}};
    j["skills"].push_back(std::move(o));
  }
  j["items"] = nlohmann::ordered_json::array();
  for (const Item& it : items_) {
    nlohmann::ordered_json o{{"id", it.id}, {"skills", it.skills}};
    if (it.difficulty) o["difficulty"] = *it.difficulty;
    if (!it.metadata.empty()) o["metadata"] = nlohmann::ordered_json::parse(it.metadata);
    j["items"].push_back(std::move(o));
  }
  return detail::dump(j, indent) + "\n";
}

}  // namespace pathwise
