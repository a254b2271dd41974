#include "pattern.hpp"

#include <string>
#include <utility>

#include "pathwise/types.hpp"

namespace pathwise::cli {

namespace {

/// The parsed pattern, before it becomes NFA states.
struct Node {
  enum class Kind { Empty, Set, Concat, Alt, Repeat, Begin, End };
  Kind kind = Kind::Empty;
  std::size_t pos = 0;  // 1-based byte position in the pattern
  std::bitset<256> set;
  std::vector<Node> kids;
  int min = 0, max = -1;  // Repeat; max -1 = unbounded
};

[[noreturn]] void fail(std::size_t pos, const std::string& what) {
  throw Error(ErrorCode::InvalidArgument, "at position " + std::to_string(pos) + ": " + what,
              Location{"", 0, 0, "pattern"});
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_quantifier(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

std::bitset<256> range(int lo, int hi) {
  std::bitset<256> s;
  for (int b = lo; b <= hi; ++b) s.set(static_cast<std::size_t>(b));
  return s;
}

std::bitset<256> byte_set(unsigned char c) {
  std::bitset<256> s;
  s.set(c);
  return s;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// What an escape stands for: one byte (`byte` >= 0) or a class.
struct Escape {
  std::bitset<256> set;
  int byte = -1;
};

/// Recursive descent over the pattern; the depth is bounded by kMaxNesting.
class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p) {}

  Node parse() {
    Node n = alternation(0);
    if (i_ < p_.size()) fail(i_ + 1, "')' without a group to close");
    return n;
  }

 private:
  std::string_view p_;
  std::size_t i_ = 0;

  bool at_end() const { return i_ >= p_.size(); }
  char peek() const { return p_[i_]; }

  Node alternation(int depth) {
    Node alt{Node::Kind::Alt, i_ + 1, {}, {}, 0, -1};
    alt.kids.push_back(sequence(depth));
    while (!at_end() && peek() == '|') {
      ++i_;
      alt.kids.push_back(sequence(depth));
    }
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  Node sequence(int depth) {
    Node seq{Node::Kind::Concat, i_ + 1, {}, {}, 0, -1};
    while (!at_end() && peek() != '|' && peek() != ')') seq.kids.push_back(quantified(depth));
    if (seq.kids.empty()) return Node{Node::Kind::Empty, seq.pos, {}, {}, 0, -1};
    if (seq.kids.size() == 1) return std::move(seq.kids[0]);
    return seq;
  }

  Node quantified(int depth) {
    if (is_quantifier(peek()))
      fail(i_ + 1, std::string("nothing to repeat before '") + peek() + "'");
    Node a = atom(depth);
    if (at_end() || !is_quantifier(peek())) return a;
    const std::size_t qpos = i_ + 1;
    if (a.kind == Node::Kind::Begin || a.kind == Node::Kind::End)
      fail(qpos, "'^' and '$' cannot be repeated");
    Node r{Node::Kind::Repeat, qpos, {}, {}, 0, -1};
    quantifier(r.min, r.max);
    if (!at_end() && peek() == '?') ++i_;  // lazy: the same answer for a whole-string match
    if (!at_end() && is_quantifier(peek())) fail(i_ + 1, "nothing to repeat (two quantifiers)");
    r.kids.push_back(std::move(a));
    return r;
  }

  void quantifier(int& min, int& max) {
    const std::size_t qpos = i_ + 1;
    const char c = p_[i_++];
    if (c == '*') {
      min = 0, max = -1;
    } else if (c == '+') {
      min = 1, max = -1;
    } else if (c == '?') {
      min = 0, max = 1;
    } else {
      min = count(qpos);
      max = min;
      if (!at_end() && peek() == ',') {
        ++i_;
        max = (!at_end() && is_digit(peek())) ? count(qpos) : -1;
      }
      if (at_end() || peek() != '}') fail(qpos, "a count is written {m}, {m,} or {m,n}");
      ++i_;
      if (max >= 0 && max < min) fail(qpos, "{m,n} needs m <= n");
    }
  }

  int count(std::size_t qpos) {
    if (at_end() || !is_digit(peek())) fail(qpos, "a count is written {m}, {m,} or {m,n}");
    int v = 0;
    while (!at_end() && is_digit(peek())) {
      v = v * 10 + (peek() - '0');
      if (v > SkillPattern::kMaxRepeat)
        fail(qpos, "a count above " + std::to_string(SkillPattern::kMaxRepeat));
      ++i_;
    }
    return v;
  }

  Node atom(int depth) {
    const std::size_t pos = i_ + 1;
    const char c = p_[i_++];
    Node n{Node::Kind::Set, pos, {}, {}, 0, -1};
    switch (c) {
      case '(':
        return group(pos, depth);
      case '[':
        n.set = char_class(pos);
        return n;
      case '.':
        n.set = byte_set('\n') | byte_set('\r');
        n.set.flip();
        return n;
      case '^':
        n.kind = Node::Kind::Begin;
        return n;
      case '$':
        n.kind = Node::Kind::End;
        return n;
      case '\\': {
        Escape e = escape(pos);
        n.set = e.byte >= 0 ? byte_set(static_cast<unsigned char>(e.byte)) : e.set;
        return n;
      }
      default:
        n.set = byte_set(static_cast<unsigned char>(c));
        return n;
    }
  }

  Node group(std::size_t pos, int depth) {
    if (depth + 1 > SkillPattern::kMaxNesting)
      fail(pos, "groups nested deeper than " + std::to_string(SkillPattern::kMaxNesting));
    if (!at_end() && peek() == '?') {
      ++i_;
      const char k = at_end() ? '\0' : peek();
      const char k2 = i_ + 1 < p_.size() ? p_[i_ + 1] : '\0';
      if (k == ':') {
        ++i_;
      } else if (k == '=' || k == '!') {
        fail(pos, "look-ahead ((?= and (?!) is not supported");
      } else if (k == '<' && (k2 == '=' || k2 == '!')) {
        fail(pos, "look-behind ((?<= and (?<!) is not supported");
      } else if (k == '<') {
        fail(pos, "named groups ((?<name>) are not supported");
      } else {
        fail(pos, "unknown group: '(?' must be followed by ':'");
      }
    }
    Node inner = alternation(depth + 1);
    if (at_end()) fail(pos, "missing ')' for the group opened here");
    ++i_;
    return inner;
  }

  Escape escape(std::size_t pos) {
    if (at_end()) fail(pos, "'\\' at the end of the pattern");
    const char c = p_[i_++];
    Escape e;
    const std::bitset<256> digits = range('0', '9');
    const std::bitset<256> word = range('a', 'z') | range('A', 'Z') | digits | byte_set('_');
    const std::bitset<256> space = range('\t', '\r') | byte_set(' ');
    switch (c) {
      // clang-format off
      case 'd': e.set = digits; break;
      case 'D': e.set = ~digits; break;
      case 'w': e.set = word; break;
      case 'W': e.set = ~word; break;
      case 's': e.set = space; break;
      case 'S': e.set = ~space; break;
      case 't': e.byte = '\t'; break;
      case 'n': e.byte = '\n'; break;
      case 'r': e.byte = '\r'; break;
      case 'f': e.byte = '\f'; break;
      case 'v': e.byte = '\v'; break;
      // clang-format on
      case '0':
        if (!at_end() && is_digit(peek())) fail(pos, "octal escapes are not supported");
        e.byte = 0;
        break;
      case 'x': {
        const int hi = at_end() ? -1 : hex_value(peek());
        const int lo = i_ + 1 < p_.size() ? hex_value(p_[i_ + 1]) : -1;
        if (hi < 0 || lo < 0) fail(pos, "\\x needs two hexadecimal digits");
        i_ += 2;
        e.byte = hi * 16 + lo;
        break;
      }
      case 'k':
        fail(pos, "back-references (\\k<name>) are not supported");
      case 'b':
      case 'B':
        fail(pos, "word boundaries (\\b, \\B) are not supported");
      case 'u':
      case 'c':
      case 'p':
      case 'P':
        fail(pos, std::string("the escape '\\") + c + "' is not supported");
      default:
        if (is_digit(c)) fail(pos, "back-references (\\1 ... \\9) are not supported");
        if (is_alnum(c)) fail(pos, std::string("unknown escape '\\") + c + "'");
        e.byte = static_cast<unsigned char>(c);
    }
    return e;
  }

  /// One byte of a class, or a class escape (byte < 0).
  Escape class_member() {
    const std::size_t pos = i_ + 1;
    const char c = p_[i_++];
    if (c == '[' && !at_end() && (peek() == ':' || peek() == '=' || peek() == '.'))
      fail(pos, "POSIX classes ([:alpha:], [=a=], [.a.]) are not supported");
    if (c == '\\') return escape(pos);
    Escape e;
    e.byte = static_cast<unsigned char>(c);
    return e;
  }

  std::bitset<256> char_class(std::size_t pos) {
    bool negate = false;
    if (!at_end() && peek() == '^') {
      negate = true;
      ++i_;
    }
    std::bitset<256> set;
    for (bool first = true;; first = false) {
      if (at_end()) fail(pos, "missing ']' for the class opened here");
      if (peek() == ']') {
        if (first) fail(pos, "an empty class '[]' matches nothing");
        ++i_;
        break;
      }
      const std::size_t mpos = i_ + 1;
      Escape lo = class_member();
      const bool is_range = !at_end() && peek() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']';
      if (!is_range) {
        set |= lo.byte >= 0 ? byte_set(static_cast<unsigned char>(lo.byte)) : lo.set;
        continue;
      }
      ++i_;  // '-'
      Escape hi = class_member();
      if (lo.byte < 0 || hi.byte < 0) fail(mpos, "a class escape cannot be the end of a range");
      if (hi.byte < lo.byte) fail(mpos, "a range's end comes before its start");
      set |= range(lo.byte, hi.byte);
    }
    if (negate) set.flip();
    return set;
  }
};

}  // namespace

/// Turns the parsed pattern into NFA states, bounded by kMaxStates.
class PatternCompiler {
 public:
  explicit PatternCompiler(SkillPattern& out) : out_(out) {}

  void compile(const Node& root) {
    node(root);
    emit({SkillPattern::Op::Match, 0, 0, 0});
  }

 private:
  using Op = SkillPattern::Op;
  SkillPattern& out_;
  // The outermost repetition being expanded, named by the error (0 = none).
  std::size_t pos_ = 0;

  std::uint32_t emit(SkillPattern::State s) {
    if (out_.states_.size() >= SkillPattern::kMaxStates) {
      fail(pos_ ? pos_ : 1, "the pattern is too large once its repetitions are expanded (over " +
                                std::to_string(SkillPattern::kMaxStates) + " states)");
    }
    out_.states_.push_back(s);
    return static_cast<std::uint32_t>(out_.states_.size() - 1);
  }
  std::uint32_t here() const { return static_cast<std::uint32_t>(out_.states_.size()); }

  void node(const Node& n) {
    switch (n.kind) {
      case Node::Kind::Empty:
        return;
      case Node::Kind::Begin:
        emit({Op::Begin, 0, 0, 0});
        return;
      case Node::Kind::End:
        emit({Op::End, 0, 0, 0});
        return;
      case Node::Kind::Set:
        set(n.set);
        return;
      case Node::Kind::Concat:
        for (const Node& k : n.kids) node(k);
        return;
      case Node::Kind::Alt:
        alternation(n);
        return;
      case Node::Kind::Repeat:
        repeat(n);
        return;
    }
  }

  void set(const std::bitset<256>& s) {
    if (s.count() == 1) {
      std::size_t b = 0;
      while (!s.test(b)) ++b;
      emit({Op::Byte, static_cast<std::uint8_t>(b), 0, 0});
      return;
    }
    // Repetitions of one class (".{100}") share it.
    if (out_.sets_.empty() || out_.sets_.back() != s) out_.sets_.push_back(s);
    emit({Op::Set, 0, static_cast<std::uint32_t>(out_.sets_.size() - 1), 0});
  }

  void alternation(const Node& n) {
    std::vector<std::uint32_t> jumps;
    for (std::size_t k = 0; k + 1 < n.kids.size(); ++k) {
      const std::uint32_t split = emit({Op::Split, 0, here() + 1, 0});
      node(n.kids[k]);
      jumps.push_back(emit({Op::Jump, 0, 0, 0}));
      out_.states_[split].y = here();
    }
    node(n.kids.back());
    for (std::uint32_t j : jumps) out_.states_[j].x = here();
  }

  void repeat(const Node& n) {
    const std::size_t outer = pos_;
    if (pos_ == 0) pos_ = n.pos;
    for (int k = 0; k < n.min; ++k) node(n.kids[0]);
    if (n.max < 0) {
      const std::uint32_t split = emit({Op::Split, 0, here() + 1, 0});
      node(n.kids[0]);
      emit({Op::Jump, 0, split, 0});
      out_.states_[split].y = here();
    } else {
      std::vector<std::uint32_t> splits;
      for (int k = n.min; k < n.max; ++k) {
        splits.push_back(emit({Op::Split, 0, here() + 1, 0}));
        node(n.kids[0]);
      }
      for (std::uint32_t s : splits) out_.states_[s].y = here();
    }
    pos_ = outer;
  }
};

SkillPattern::SkillPattern(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    fail(kMaxPatternBytes + 1, "the pattern is longer than " + std::to_string(kMaxPatternBytes) +
                                   " bytes (" + std::to_string(pattern.size()) + ")");
  }
  Node root = Parser(pattern).parse();
  PatternCompiler(*this).compile(root);
}

bool SkillPattern::matches(std::string_view text) const {
  // Every state reachable after each byte at once, each at most once per byte: the time is
  // linear in the text and nothing recurses.
  const std::size_t m = states_.size();
  std::vector<std::uint32_t> current, next, stack;
  current.reserve(m);
  next.reserve(m);
  std::vector<std::size_t> seen(m, SIZE_MAX);  // the step at which a state was last added
  std::size_t step = 0;
  auto add = [&](std::vector<std::uint32_t>& list, std::uint32_t first, std::size_t pos) {
    stack.push_back(first);
    while (!stack.empty()) {
      const std::uint32_t s = stack.back();
      stack.pop_back();
      if (seen[s] == step) continue;
      seen[s] = step;
      const State& st = states_[s];
      switch (st.op) {
        case Op::Jump:
          stack.push_back(st.x);
          break;
        case Op::Split:
          stack.push_back(st.y);
          stack.push_back(st.x);
          break;
        case Op::Begin:
          if (pos == 0) stack.push_back(s + 1);
          break;
        case Op::End:
          if (pos == text.size()) stack.push_back(s + 1);
          break;
        default:
          list.push_back(s);
      }
    }
  };
  add(current, 0, 0);
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if (current.empty()) return false;
    ++step;
    next.clear();
    const auto c = static_cast<unsigned char>(text[pos]);
    for (std::uint32_t s : current) {
      const State& st = states_[s];
      if ((st.op == Op::Byte && st.byte == c) || (st.op == Op::Set && sets_[st.x].test(c)))
        add(next, s + 1, pos + 1);
    }
    std::swap(current, next);
  }
  for (std::uint32_t s : current)
    if (states_[s].op == Op::Match) return true;
  return false;
}

}  // namespace pathwise::cli
