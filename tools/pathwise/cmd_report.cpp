// The report command: class, learner and fit reports as self-contained HTML pages (or their
// data as JSON).
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <ostream>

#include "commands.hpp"
#include "common.hpp"
#include "pathwise/json.hpp"

namespace pathwise::cli {

namespace {

/// A SQLite store named by a path must exist: a report reads, and must not leave a new empty
/// database behind a mistyped path.
void check_store_exists(const std::string& url) {
  if (url.rfind("postgres", 0) == 0 || url.find('=') != std::string::npos ||
      url.rfind("memory:", 0) == 0)
    return;
  std::string path = url.rfind("sqlite:", 0) == 0 ? url.substr(7) : url;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error(ErrorCode::Io, "no profile store at this path", Location{path, 0, 0, "--db"});
}

ReportOptions report_options(const Args& a) {
  ReportOptions o;
  if (auto t = a.value("--time")) o.now = time_of(a);
  if (auto f = a.value("--names")) o.ids.names = Pseudonymizer::read_names(*f);
  if (auto f = a.value("--key-file")) {
    std::ifstream in(*f, std::ios::binary);
    if (!in)
      throw Error(ErrorCode::Io, "cannot open the key file", Location{*f, 0, 0, "--key-file"});
    o.ids.key.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    while (!o.ids.key.empty() && (o.ids.key.back() == '\n' || o.ids.key.back() == '\r'))
      o.ids.key.pop_back();
    if (o.ids.key.empty())
      throw Error(ErrorCode::Parse, "the key file is empty", Location{*f, 0, 0, "--key-file"});
  }
  if (auto t = a.value("--title")) o.title = *t;
  return o;
}

int run_report(const Args& a, Io& io) {
  const auto& pos = a.positional();
  if (pos.empty()) throw UsageError("missing the report kind: class, learner or fit");
  const std::string kind = pos[0];
  const std::string out = required_value(a, "--output");
  const bool json_out = a.flag("--json");
  std::string text;
  if (kind == "class" || kind == "learner") {
    if (pos.size() > 1) throw UsageError("'report " + kind + "' takes no DATA file");
    auto curriculum = a.value("--curriculum");
    if (!curriculum) throw UsageError("missing --curriculum FILE");
    const std::string url = db_url(a);
    ReportOptions o = report_options(a);
    Curriculum c = Curriculum::load(*curriculum);
    BktModel m = load_model(a);
    check_store_exists(url);
    auto store = open_store(url);
    if (kind == "class") {
      if (a.value("--learner")) throw UsageError("--learner applies to 'report learner'");
      text = json_out ? class_report_data(*store, c, m, o) : class_report_html(*store, c, m, o);
    } else {
      std::string learner = required_value(a, "--learner");
      if (learner.size() > kMaxLearnerIdBytes) throw UsageError("--learner is too long");
      text = json_out ? learner_report_data(*store, c, m, learner, o)
                      : learner_report_html(*store, c, m, learner, o);
    }
  } else if (kind == "fit") {
    if (pos.size() != 2) throw UsageError("'report fit' takes one DATA file");
    ResponseLog log = ResponseLog::read_file(pos[1], read_options(a));
    if (!a.flag("--quiet") || log.report().skipped_total() > 0) io.err << log.report().summary();
    FitReportOptions fo;
    if (auto t = a.value("--title")) fo.title = *t;
    if (a.value("--model")) {
      BktModel m = load_model(a);
      text = json_out ? fit_report_data(m, log, nullptr, fo) : fit_report_html(m, log, nullptr, fo);
    } else {
      FitOptions opts = fit_options(a);
      check_filter(opts, log);
      FitResult r = fit_with_report(log, opts);
      text = json_out ? fit_report_data(r.model, log, &r.report, fo)
                      : fit_report_html(r.model, log, &r.report, fo);
    }
  } else {
    throw UsageError("unknown report kind '" + kind + "' (class, learner or fit)");
  }
  write_report(out, text);
  io.err << kind << " report written to " << out << " (" << text.size() << " bytes)\n";
  return kOk;
}

const OptionGroup kReportOwn{
    nullptr,
    {{"--output", "FILE", "write the report to FILE (required)", "-o"},
     {"--names", "FILE",
      "display names: a CSV of id,name or a JSON object {\"id\": \"name\"}; other learners are "
      "shown by pseudonym"},
     {"--key-file", "FILE",
      "key of the pseudonyms (its bytes), to keep them stable across reports (default: a random "
      "key for each report)"},
     {"--title", "TEXT", "the report's title"},
     {"--json", nullptr, "write the report's data (JSON) instead of the page"}}};

}  // namespace

const Command kReportCommand{
    "report",
    "HTML reports: a class, a learner, a fit",
    "report class|learner|fit [options] [DATA] -o FILE",
    "Writes one self-contained HTML page (no network, readable without script, printable).\n"
    "report class --db URL --curriculum C -m M -o class.html: P(known) of every learner and "
    "skill, who needs a person now, mastery by skill, progress over time, items.\n"
    "report learner --db URL --curriculum C -m M --learner ID -o learner.html: what is "
    "mastered, what comes next and why, what is held.\n"
    "report fit [-m M] DATA -o fit.html: parameters and flags per skill, learning curves, "
    "calibration, AUC/RMSE per skill, the reader's skipped rows (without -m the log is fitted "
    "first, with the fit options).\n"
    "Learner ids never appear: learners are shown by a keyed pseudonym or by --names. Nothing "
    "but the output file is written.",
    {&kReportOwn, &kEngineGroup, &kFitGroup, &kReadGroup},
    true,
    run_report,
    1};

}  // namespace pathwise::cli
