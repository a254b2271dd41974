// The inspect command: what a reader made of a log, without fitting anything.
#include <ostream>

#include "commands.hpp"
#include "common.hpp"
#include "pathwise/json.hpp"
#include "pathwise/response_log.hpp"
#include "pathwise/time.hpp"

namespace pathwise::cli {

namespace {

int run_inspect(const Args& a, Io& io) {
  const ResponseLog log = load_log(a, io.err);
  const ReadReport& r = log.report();
  // Counts and ranges only: never a learner id.
  if (a.flag("--json")) {
    nlohmann::json j = r;
    j["responses"] = log.size();
    j["skills"] = log.skill_count();
    j["learners"] = log.learner_count();
    j["items"] = log.item_count();
    j["sequences"] = log.sequence_count();
    j["times"] = !log.times().empty();
    io.out << j.dump() << "\n";
    return kOk;
  }
  io.out << "format " << to_string(r.format) << "\n"
         << "responses " << log.size() << "  skills " << log.skill_count() << "  learners "
         << log.learner_count() << "  items " << log.item_count() << "  sequences "
         << log.sequence_count() << "\n";
  if (log.times().empty()) {
    io.out << "times none\n";
  } else {
    io.out << "times " << to_iso8601(r.first_time) << " to " << to_iso8601(r.last_time);
    if (r.rows_without_time > 0) io.out << " (" << r.rows_without_time << " rows without)";
    io.out << "\n";
  }
  return kOk;
}

const OptionGroup kInspectOwn{nullptr, {{"--json", nullptr, "print one JSON object"}}};

}  // namespace

const Command kInspectCommand{
    "inspect",
    "read a log and print what was read: format, counts, time range (no learner ids)",
    "inspect [options] DATA [--json]",
    "Reads DATA as every other command does and prints the format, the number of responses, "
    "skills, learners, items and sequences, and whether times were read with their range (UTC). "
    "The read summary goes to standard error.",
    {&kInspectOwn, &kReadGroup},
    true,
    run_inspect};

}  // namespace pathwise::cli
