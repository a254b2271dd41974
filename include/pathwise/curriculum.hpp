// Pathwise — the curriculum: skills, items, and the prerequisite graph.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pathwise/export.hpp"
#include "pathwise/types.hpp"

namespace pathwise {

/// A skill (knowledge component). Value type.
struct PATHWISE_EXPORT Skill {
  /// Unique id, e.g. "fractions". Used as the skill name in BKT models.
  std::string id;
  /// Display name; defaults to the id.
  std::string name;
  /// Ids of skills to master before this one is offered.
  std::vector<std::string> prerequisites;
  bool operator==(const Skill& o) const {
    return id == o.id && name == o.name && prerequisites == o.prerequisites;
  }
};

/// Something a learner answers: a question, a step, an exercise. Value type.
struct PATHWISE_EXPORT Item {
  /// Unique id, e.g. "frac-add-07".
  std::string id;
  /// The skills it exercises (at least one).
  std::vector<std::string> skills;
  /// Optional difficulty in [0, 1]; 0.5 is neutral. Used when the model has no per-item
  /// guess/slip: the predicted P(correct) is shifted on the logit scale by 2 (0.5 - difficulty).
  std::optional<double> difficulty;
  /// Optional host data, kept as a JSON text and written back unchanged ("" if none).
  std::string metadata;
  bool operator==(const Item& o) const {
    return id == o.id && skills == o.skills && difficulty == o.difficulty && metadata == o.metadata;
  }
};

/// Skills, items and prerequisites, validated: ids unique, every reference known, every item
/// with a skill, difficulty in [0, 1], no prerequisite cycle. JSON: {"format":
/// "pathwise-curriculum", "version": "1.0", "skills": [...], "items": [...]}.
/// Immutable after construction (safe to share).
class PATHWISE_EXPORT Curriculum {
 public:
  static constexpr const char* kFormat = "pathwise-curriculum";
  static constexpr const char* kVersion = "1.0";

  /// An empty curriculum.
  Curriculum() = default;
  /// Validates and indexes. Throws Error (InvalidArgument) for a duplicate or empty id, an item
  /// with no skill, a difficulty outside [0, 1]; Error (UnknownSkill) for a reference to a skill
  /// that is not defined; Error (InvalidArgument) for a prerequisite cycle, naming it
  /// ("prerequisite cycle: a -> b -> c -> a").
  Curriculum(std::vector<Skill> skills, std::vector<Item> items);

  /// Reads a curriculum document. Throws Error (Parse) for malformed JSON or a wrong format,
  /// Error (Version) for a newer major version, and the constructor's errors, each naming the
  /// field ("skills[2].prerequisites[0]").
  [[nodiscard]] static Curriculum from_json(std::string_view text,
                                            const std::string& source = "<string>");
  /// Reads a curriculum file. Throws Error (Io) if unreadable, else as from_json().
  [[nodiscard]] static Curriculum load(const std::string& path);
  /// from_json() and load() returning the Error instead of throwing it, for hosts where a bad
  /// document is routine (an upload, a teacher's edit).
  [[nodiscard]] static Result<Curriculum> try_from_json(std::string_view text,
                                                        const std::string& source = "<string>") {
    return try_result([&] { return from_json(text, source); });
  }
  [[nodiscard]] static Result<Curriculum> try_load(const std::string& path) {
    return try_result([&] { return load(path); });
  }
  /// Writes the curriculum document.
  [[nodiscard]] std::string to_json(int indent = 2) const;

  [[nodiscard]] const std::vector<Skill>& skills() const noexcept { return skills_; }
  [[nodiscard]] const std::vector<Item>& items() const noexcept { return items_; }
  /// Index of a skill or item by id, if present.
  [[nodiscard]] std::optional<std::uint32_t> skill_index(std::string_view id) const;
  [[nodiscard]] std::optional<std::uint32_t> item_index(std::string_view id) const;
  /// The skill or item with this id. Throws Error (UnknownSkill / UnknownItem) naming it.
  [[nodiscard]] const Skill& skill(std::string_view id) const;
  [[nodiscard]] const Item& item(std::string_view id) const;
  /// Skill indices of item `item` (by index).
  [[nodiscard]] const std::vector<std::uint32_t>& item_skills(std::uint32_t item) const {
    return item_skills_.at(item);
  }
  /// Item indices that exercise skill `skill` (by index).
  [[nodiscard]] const std::vector<std::uint32_t>& skill_items(std::uint32_t skill) const {
    return skill_items_.at(skill);
  }
  /// Prerequisite skill indices of skill `skill`.
  [[nodiscard]] const std::vector<std::uint32_t>& prerequisites(std::uint32_t skill) const {
    return prereqs_.at(skill);
  }
  /// Skill indices in an order where every prerequisite comes before the skills needing it
  /// (ties in document order).
  [[nodiscard]] const std::vector<std::uint32_t>& topological_order() const noexcept {
    return topo_;
  }
  /// The skills marked in `skills` (by skill index; a shorter vector marks none past its end)
  /// and every skill they rest on, directly or through other prerequisites, marked in a vector
  /// of skills().size(). Iterative: a prerequisite chain may be as long as the curriculum.
  [[nodiscard]] std::vector<char> with_prerequisites(const std::vector<char>& skills) const;
  /// Whether skill `skill` rests on skill `prerequisite`, directly or through other
  /// prerequisites (a skill does not rest on itself). Iterative, as with_prerequisites().
  [[nodiscard]] bool rests_on(std::uint32_t skill, std::uint32_t prerequisite) const;

  bool operator==(const Curriculum& o) const { return skills_ == o.skills_ && items_ == o.items_; }

 private:
  std::vector<Skill> skills_;
  std::vector<Item> items_;
  std::unordered_map<std::string, std::uint32_t> skill_index_, item_index_;
  std::vector<std::vector<std::uint32_t>> item_skills_, skill_items_, prereqs_;
  std::vector<std::uint32_t> topo_;
};

}  // namespace pathwise
