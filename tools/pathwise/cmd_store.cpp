// The commands that work on a store alone: erase and migrate-store.
#include <ostream>

#include "commands.hpp"
#include "common.hpp"
#include "pathwise/json.hpp"

namespace pathwise::cli {

namespace {

int run_erase(const Args& a, Io& io) {
  std::string learner = required_value(a, "--learner");
  if (learner.size() > kMaxLearnerIdBytes) throw UsageError("--learner is too long");
  bool existed = open_store(db_url(a))->erase(learner);
  if (a.flag("--json")) {
    io.out << nlohmann::json{{"erased", existed}}.dump() << "\n";
  } else {
    io.out << (existed ? "erased\n" : "nothing was held on this learner\n");
  }
  return kOk;
}

int run_migrate_store(const Args& a, Io& io) {
  std::string from = required_value(a, "--from"), to = required_value(a, "--to");
  if (from == to) throw UsageError("--from and --to name the same store");
  auto source = open_store(from);
  auto target = open_store(to);
  std::vector<std::string> learners;
  source->for_each([&](const LearnerProfile& p) { learners.push_back(p.learner); });
  std::size_t copied = 0, responses = 0;
  for (const auto& l : learners) {
    auto p = source->load(l);
    if (!p) continue;  // erased meanwhile
    auto rs = source->responses(l);
    target->import(p->profile, rs);
    auto back = target->load(l);
    if (!back || back->profile != p->profile || target->responses(l) != rs) {
      throw Error(ErrorCode::Io,
                  "a learner read back from the target differs from the source "
                  "(learner " +
                      std::to_string(copied + 1) + " of " + std::to_string(learners.size()) + ")");
    }
    ++copied;
    responses += rs.size();
  }
  if (a.flag("--json")) {
    io.out << nlohmann::json{{"learners", copied}, {"responses", responses}}.dump() << "\n";
  } else {
    io.out << "copied " << copied << " learners and " << responses << " responses; verified\n";
  }
  return kOk;
}

const OptionGroup kEraseOwn{nullptr,
                            {{"--db", "URL", "the profile store"},
                             {"--learner", "ID", "the learner"},
                             {"--json", nullptr, "print {\"erased\": true|false}"}}};

const OptionGroup kMigrateOwn{nullptr,
                              {{"--from", "URL", "the source store"},
                               {"--to", "URL", "the target store"},
                               {"--json", nullptr, "print {\"learners\": N, \"responses\": M}"}}};

}  // namespace

const Command kEraseCommand{
    "erase",
    "remove everything held on a learner (an erasure request)",
    "erase --db URL --learner ID [--json]",
    "Removes everything held on the learner from the store (an erasure request). Every engine "
    "on the store sees the learner as new from then on.",
    {&kEraseOwn},
    false,
    run_erase};

const Command kMigrateStoreCommand{
    "migrate-store",
    "copy every learner, with their responses, from one store to another",
    "migrate-store --from URL --to URL [--json]",
    "Copies every learner, with every stored response, from one store to another (e.g. "
    "sqlite:profiles.db to postgresql://...). A learner already in the target is replaced. Stop "
    "the writers first: responses recorded in the source meanwhile are not copied. Each learner "
    "is read back from the target and compared.",
    {&kMigrateOwn},
    false,
    run_migrate_store};

}  // namespace pathwise::cli
