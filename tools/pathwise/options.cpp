#include "options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ostream>

namespace pathwise::cli {

namespace {

constexpr std::size_t kHelpWidth = 100;
constexpr std::size_t kOptionColumn = 27;  // where an option's meaning starts

/// The option called `name` (long name or alias) in `command`'s table, or null.
const Option* find_option(const Command& command, const std::string& name) {
  for (const OptionGroup* g : command.groups)
    for (const Option& o : g->options)
      if (name == o.name || (o.alias && name == o.alias)) return &o;
  return nullptr;
}

const Option* find_option(const std::vector<const Command*>& all, const std::string& name) {
  for (const Command* c : all)
    if (const Option* o = find_option(*c, name)) return o;
  return nullptr;
}

/// Appends `text` to `out` wrapped to kHelpWidth: the first line continues at column `at`,
/// the others start at column `indent`.
void wrap(std::string& out, const std::string& text, std::size_t at, std::size_t indent) {
  std::size_t column = at;
  bool line_start = true;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\n') {  // a forced break
      out += "\n" + std::string(indent, ' ');
      column = indent;
      line_start = true;
      ++i;
      continue;
    }
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t end = text.find_first_of(" \n", i);
    if (end == std::string::npos) end = text.size();
    const std::size_t len = end - i;
    if (!line_start && column + 1 + len > kHelpWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
      line_start = true;
    }
    if (!line_start) {
      out += ' ';
      ++column;
    }
    out.append(text, i, len);
    column += len;
    line_start = false;
    i = end;
  }
}

std::string option_lines(const Option& o) {
  std::string head = "  ";
  if (o.alias) head += std::string(o.alias) + ", ";
  head += o.name;
  if (o.value) head += std::string(" ") + o.value;
  head += head.size() + 2 <= kOptionColumn ? std::string(kOptionColumn - head.size(), ' ') : "  ";
  std::string line = head;
  wrap(line, o.help, head.size(), kOptionColumn);
  return line + "\n";
}

}  // namespace

Args::Args(const std::vector<std::string>& argv, const Command* command,
           const std::vector<const Command*>& all)
    : command_(command) {
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (s == "--help" || s == "-h") {
      help_ = true;
      continue;
    }
    std::string name = s, val;
    bool has_eq = false;
    if (s.rfind("--", 0) == 0) {
      auto eq = s.find('=');
      if (eq != std::string::npos) {
        name = s.substr(0, eq);
        val = s.substr(eq + 1);
        has_eq = true;
      }
    }
    const Option* o = find_option(all, name);
    if (o && o->value) {
      if (!has_eq) {
        if (i + 1 >= argv.size()) throw UsageError("option " + name + " needs a value");
        val = argv[++i];
      }
      values_[o->name].push_back(val);
    } else if (o) {
      if (has_eq) throw UsageError("option " + name + " takes no value");
      flags_[o->name] = true;
    } else if (s.size() > 1 && s[0] == '-') {
      throw UsageError("unknown option " + s);
    } else {
      positional_.push_back(s);
    }
  }
  if (command_) check_allowed();
}

void Args::check_allowed() const {
  auto check = [&](const std::string& name) {
    if (!find_option(*command_, name)) {
      throw UsageError("option " + name + " does not apply to '" + command_->name + "'");
    }
  };
  for (const auto& kv : values_) check(kv.first);
  for (const auto& kv : flags_) check(kv.first);
  const std::size_t allowed = (command_->takes_data ? 1 : 0) + command_->extra_positional;
  if (positional_.size() > allowed) {
    throw UsageError("'" + std::string(command_->name) + "' takes " +
                     (command_->extra_positional
                          ? "at most " + std::to_string(allowed) + " arguments"
                      : allowed ? std::string("one DATA file")
                                : std::string("no file argument")) +
                     ", got '" + positional_.back() + "'");
  }
}

void Args::check_declared(const std::string& name, bool is_flag) const {
  // A command reading an option its table lacks is a bug in the tool, found by any test of it.
  const Option* o = command_ ? find_option(*command_, name) : nullptr;
  if (!o || (o->value == nullptr) != is_flag || name != o->name) {
    throw std::logic_error("option " + name + " is not in the table of '" +
                           (command_ ? command_->name : "") + "'");
  }
}

bool Args::flag(const std::string& name) const {
  check_declared(name, true);
  return flags_.count(name) > 0;
}

std::optional<std::string> Args::value(const std::string& name) const {
  check_declared(name, false);
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
  check_declared(name, false);
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

void print_help(std::ostream& out, const Command& command) {
  std::string text = "usage: pathwise ";
  wrap(text, command.usage, text.size(), text.size());
  text += "\n\n";
  wrap(text, command.description, 0, 0);
  text += "\n";
  for (const OptionGroup* g : command.groups) {
    if (g->title) text += std::string("\n") + g->title + ":\n";
    for (const Option& o : g->options) text += option_lines(o);
  }
  out << text;
}

long parse_int(const std::string& option, const std::string& v, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || x < lo || x > hi) {
    throw UsageError(option + " must be an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], got '" + v + "'");
  }
  return x;
}

double parse_double(const std::string& option, const std::string& v) {
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(x)) {
    throw UsageError(option + " must be a number, got '" + v + "'");
  }
  return x;
}

double parse_unit(const std::string& option, const std::string& v) {
  double x = parse_double(option, v);
  if (x < 0 || x > 1) throw UsageError(option + " must be in [0, 1], got '" + v + "'");
  return x;
}

}  // namespace pathwise::cli
