// The pathwise tool: the regular expressions of --skills, matched in linear time.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace pathwise::cli {

/// A regular expression matched against a whole string (a skill name read from a log), in time
/// proportional to the string's length times the pattern's compiled size, without recursion and
/// without backtracking (a Thompson NFA run over every state at once). Skill names come from the
/// input, so no name can make a match crash, hang or allocate more than the pattern's size.
///
/// The syntax is the ECMAScript subset that needs no backtracking, over bytes (a UTF-8 letter
/// outside ASCII is several bytes, as with std::regex):
///   literals; `.` (any byte but \n and \r); `^` and `$` (start and end of the name);
///   escapes: \d \D \w \W \s \S, \t \n \r \f \v \0, \xHH, and \ before any character that is
///   not a letter or a digit (that character itself);
///   classes `[abc]`, `[^abc]`, `[a-z]`, with the escapes above inside;
///   `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` with counts up to kMaxRepeat (a `?` after one, lazy
///   in ECMAScript, changes nothing for a whole-string match and is accepted);
///   `|`, groups `(...)` and `(?:...)`.
/// Back-references (\1, \k<name>), look-ahead and look-behind, named groups, word boundaries
/// (\b, \B), \u, \c, \p and POSIX classes ([:alpha:]) are refused with an Error naming the
/// position in the pattern. Immutable (safe to share).
class SkillPattern {
 public:
  /// Longest pattern accepted, in bytes.
  static constexpr std::size_t kMaxPatternBytes = 1000;
  /// Largest count of {m,n}.
  static constexpr int kMaxRepeat = 1000;
  /// Deepest nesting of groups.
  static constexpr int kMaxNesting = 100;
  /// Most NFA states once repetitions are expanded: bounds the memory and the time per byte.
  static constexpr std::size_t kMaxStates = 10000;

  /// Compiles `pattern`. Throws Error (InvalidArgument, field "pattern") whose message names
  /// the 1-based byte position in the pattern and what is wrong there, for a syntax error, an
  /// unsupported construct, or a pattern over the limits above.
  explicit SkillPattern(std::string_view pattern);

  /// Whether the whole of `text` matches.
  [[nodiscard]] bool matches(std::string_view text) const;

 private:
  enum class Op : std::uint8_t { Byte, Set, Split, Jump, Begin, End, Match };
  struct State {
    Op op;
    std::uint8_t byte;  // Byte
    std::uint32_t x;    // Set: index into sets_; Split, Jump: target
    std::uint32_t y;    // Split: second target
  };
  friend class PatternCompiler;

  std::vector<State> states_;
  std::vector<std::bitset<256>> sets_;
};

}  // namespace pathwise::cli
