// The pathwise tool: commands described by one option table each, from which the parsing, the
// check of which options apply and the --help text all come.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pathwise::cli {

/// A mistake in the command line (exit code kUsage), as opposed to bad input data.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One option of a command.
struct Option {
  /// The long name, e.g. "--output".
  const char* name;
  /// What the option takes, shown in --help ("FILE", "N"); nullptr for a flag.
  const char* value;
  /// What it does, for --help (wrapped to the width of the terminal text).
  const char* help;
  /// A short alias ("-o"), or nullptr.
  const char* alias = nullptr;
};

/// Options shared by several commands, listed under their own title in --help.
struct OptionGroup {
  /// "input options", or nullptr for a command's own options (listed first, untitled).
  const char* title;
  std::vector<Option> options;
};

class Args;
struct Io;

/// A command: its name, --help text and options, and what runs it.
struct Command {
  const char* name;
  /// One line for the command list of 'pathwise --help'.
  const char* summary;
  /// The usage line after "usage: pathwise ", e.g. "fit [options] DATA [-o model.json]".
  const char* usage;
  /// What the command does, for its --help (paragraphs separated by "\n").
  const char* description;
  /// Its options; every option it reads is here, and nothing else is accepted.
  std::vector<const OptionGroup*> groups;
  /// Whether it takes one DATA file argument (else none).
  bool takes_data;
  int (*run)(const Args& args, Io& io);
  /// File arguments taken before DATA (a subcommand name such as "class"). Default: 0.
  std::size_t extra_positional = 0;
};

/// Where a command writes, and whether it may print progress.
struct Io {
  std::ostream& out;
  std::ostream& err;
  bool progress;
};

/// The parsed command line of one command.
class Args {
 public:
  /// Parses `argv` (the command name first) for `command`; `all` is every command's table,
  /// which decides whether an option takes a value (an option of another command is then
  /// reported as not applying to this one, rather than as unknown). `command` may be null
  /// (an unknown command: only the options are parsed). Throws UsageError.
  Args(const std::vector<std::string>& argv, const Command* command,
       const std::vector<const Command*>& all);

  /// Whether --help or -h was given.
  bool help() const { return help_; }
  /// Whether flag `name` was given.
  bool flag(const std::string& name) const;
  /// The last value of option `name`, if given.
  std::optional<std::string> value(const std::string& name) const;
  /// Every value of option `name`, in order.
  std::vector<std::string> all(const std::string& name) const;
  /// The file arguments.
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const Command* command_;
  std::vector<std::string> positional_;
  std::map<std::string, std::vector<std::string>> values_;
  std::map<std::string, bool> flags_;
  bool help_ = false;

  void check_declared(const std::string& name, bool is_flag) const;
  void check_allowed() const;
};

/// Writes `command`'s --help text: usage, description, and every option with its meaning.
void print_help(std::ostream& out, const Command& command);

/// An integer option's value in [lo, hi], or UsageError naming the option.
long parse_int(const std::string& option, const std::string& v, long lo, long hi);
/// A finite number, or UsageError naming the option.
double parse_double(const std::string& option, const std::string& v);
/// A number in [0, 1], or UsageError naming the option.
double parse_unit(const std::string& option, const std::string& v);

}  // namespace pathwise::cli
