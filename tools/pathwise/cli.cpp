#include "cli.hpp"

#include <ostream>

#include "commands.hpp"
#include "pathwise/pathwise.hpp"

namespace pathwise::cli {

namespace {

/// Every command, in the order of 'pathwise --help'.
const std::vector<const Command*>& commands() {
  static const std::vector<const Command*> all = {
      &kInspectCommand,       &kFitCommand,          &kEvaluateCommand,  &kPredictCommand,
      &kCrossvalidateCommand, &kRecordCommand,       &kRecommendCommand, &kProfileCommand,
      &kExportCommand,        &kEraseCommand,        &kGoalsCommand,     &kClassSummaryCommand,
      &kForecastCommand,      &kMigrateStoreCommand, &kSimulateCommand, &kReportCommand};
  return all;
}

const Command* find_command(const std::string& name) {
  for (const Command* c : commands())
    if (name == c->name) return c;
  return nullptr;
}

void print_main_help(std::ostream& out) {
  std::string text =
      "pathwise — Bayesian Knowledge Tracing from response logs, and the engine\n\n"
      "usage: pathwise <command> [options] ...\n\ncommands:\n";
  for (const Command* c : commands()) {
    std::string name = c->name;
    text +=
        "  " + name + std::string(name.size() < 15 ? 15 - name.size() : 1, ' ') + c->summary + "\n";
  }
  text +=
      "\nStores are named by URL: sqlite:PATH (or a plain file path), postgresql://user@host/db "
      "(or\n\"host=... dbname=...\"). Run 'pathwise <command> --help' for the options of a "
      "command.\nExit codes: 0 ok, 1 bad input, 2 usage error, 3 store busy or unreachable "
      "(retry).\n";
  out << text;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool progress) {
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      print_main_help(args.empty() ? err : out);
      return args.empty() ? kUsage : kOk;
    }
    if (args[0] == "--version") {
      out << "pathwise " << kVersionString << "\n";
      return kOk;
    }
    const Command* command = find_command(args[0]);
    Args a(args, command, commands());
    if (!command) throw UsageError("unknown command '" + args[0] + "'");
    if (a.help()) {
      print_help(out, *command);
      return kOk;
    }
    Io io{out, err, progress};
    return command->run(a, io);
  } catch (const UsageError& e) {
    err << "pathwise: " << e.what() << "\n(run 'pathwise --help' for usage)\n";
    return kUsage;
  } catch (const Error& e) {
    err << "pathwise: error: " << e.what() << "\n";
    return e.code() == ErrorCode::Busy ? kBusy : kBadInput;
  } catch (const std::exception& e) {
    err << "pathwise: error: " << e.what() << "\n";
    return kBadInput;
  }
}

}  // namespace pathwise::cli
