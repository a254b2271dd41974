// pathwise fit and pathwise crossvalidate.
#include <iomanip>
#include <ostream>

#include "commands.hpp"
#include "common.hpp"
#include "pathwise/json.hpp"

namespace pathwise::cli {

namespace {

/// The library's fit report (pathwise/json.hpp) keyed by skill, each with its parameters.
void print_fit_json(std::ostream& out, const FitResult& r, const ResponseLog& log) {
  nlohmann::json j = r.report;
  j.erase("e_steps");
  j.erase("response_steps");
  j["responses"] = log.size();
  nlohmann::json skills = nlohmann::json::object();
  for (const nlohmann::json& report : j.at("skills")) {
    const std::string& name = report.at("skill").get_ref<const std::string&>();
    nlohmann::json sj = r.model.skill(name);
    for (const char* key :
         {"responses", "sequences", "log_likelihood", "iterations", "converged", "warnings"})
      sj[key] = report.at(key);
    skills[name] = std::move(sj);
  }
  j["skills"] = std::move(skills);
  out << j.dump(2) << "\n";
}

void print_fit_table(std::ostream& out, const FitResult& r) {
  out << std::left << std::setw(40) << "skill" << std::right << std::setw(10) << "responses"
      << std::setw(7) << "seqs" << std::setw(8) << "prior" << std::setw(8) << "learn"
      << std::setw(8) << "guess" << std::setw(8) << "slip" << std::setw(8) << "forget"
      << std::setw(13) << "loglik" << std::setw(6) << "iter"
      << "  notes\n";
  for (const auto& s : r.report.skills) {
    const BktParams& p = r.model.skill(s.skill);
    std::string notes = s.converged ? "" : "not converged";
    for (const auto& w : s.warnings) notes += (notes.empty() ? "" : "; ") + w;
    out << std::left << std::setw(40) << clip(s.skill, 39) << std::right << std::setw(10)
        << s.responses << std::setw(7) << s.sequences << std::setw(8) << fixed(p.prior, 4)
        << std::setw(8) << fixed(p.learn, 4) << std::setw(8) << fixed(p.guess, 4) << std::setw(8)
        << fixed(p.slip, 4) << std::setw(8) << fixed(p.forget, 4) << std::setw(13)
        << fixed(s.log_likelihood, 2) << std::setw(6) << s.iterations << "  " << notes << "\n";
  }
}

void print_fit_summary(std::ostream& err, const FitResult& r) {
  std::size_t warned = 0, unconverged = 0, fitted_responses = 0;
  for (const auto& s : r.report.skills) {
    warned += !s.warnings.empty();
    unconverged += !s.converged;
    fitted_responses += s.responses;
  }
  double rate =
      r.report.seconds > 0 ? static_cast<double>(r.report.response_steps) / r.report.seconds : 0;
  err << "fitted " << r.report.skills.size() << " skills on " << fitted_responses
      << " responses in " << fixed(r.report.seconds, 3) << " s (" << r.report.threads
      << " threads, " << r.report.e_steps << " EM iterations, " << fixed(rate / 1e6, 1)
      << " M responses/s per iteration)\n";
  if (unconverged) err << unconverged << " skills did not converge within the iteration limit\n";
  if (warned) err << warned << " skills have degenerate fits (see notes)\n";
  if (r.report.learner.fitted) {
    const LearnerFitReport& L = r.report.learner;
    err << "learner layer fitted on " << L.responses << " responses in " << fixed(L.seconds, 3)
        << " s (" << L.iterations << " Newton iterations" << (L.converged ? "" : ", not converged")
        << "): in-sample log-loss " << fixed(L.log_loss_bkt, 4) << " (BKT) -> "
        << fixed(L.log_loss, 4) << "\n";
  }
}

int run_fit(const Args& a, Io& io) {
  FitOptions opt = fit_options(a);
  ResponseLog log = load_log(a, io.err);
  check_filter(opt, log);
  opt.progress = progress_printer(io.err, io.progress && !a.flag("--quiet"), "fitting");
  FitResult r = fit_with_report(log, opt);
  if (auto path = a.value("--output")) r.model.save(*path);
  if (a.flag("--json"))
    print_fit_json(io.out, r, log);
  else
    print_fit_table(io.out, r);
  print_fit_summary(io.err, r);
  if (auto path = a.value("--output")) io.err << "model written to " << *path << "\n";
  return kOk;
}

void print_cross_validation(std::ostream& out, const CrossValidation& cv, bool json) {
  if (json) {
    // The library's form (pathwise/json.hpp) with the mean's figures at the top.
    const nlohmann::json lib = cv;
    nlohmann::json j = lib.at("mean");
    j["folds"] = lib.at("folds");
    nlohmann::json sd = lib.at("sd");
    sd.erase("responses");
    j["sd"] = std::move(sd);
    out << j.dump() << "\n";
    return;
  }
  for (std::size_t f = 0; f < cv.folds.size(); ++f) {
    out << "fold " << f + 1 << ": ";
    print_metrics_line(out, cv.folds[f]);
  }
  out << "mean +- sd: auc " << fixed(cv.mean.auc, 4) << " +- " << fixed(cv.sd.auc, 4) << "  rmse "
      << fixed(cv.mean.rmse, 4) << " +- " << fixed(cv.sd.rmse, 4) << "  accuracy "
      << fixed(cv.mean.accuracy, 4) << " +- " << fixed(cv.sd.accuracy, 4) << "  log_loss "
      << fixed(cv.mean.log_loss, 4) << " +- " << fixed(cv.sd.log_loss, 4) << "\n";
}

int run_crossvalidate(const Args& a, Io& io) {
  CrossValidateOptions opt;
  if (auto v = a.value("--folds")) opt.folds = static_cast<int>(parse_int("--folds", *v, 2, 1000));
  opt.fit = fit_options(a);
  opt.seed = opt.fit.seed;
  ResponseLog log = load_log(a, io.err);
  check_filter(opt.fit, log);
  opt.fit.progress = progress_printer(io.err, io.progress && !a.flag("--quiet"), "fold fitting");
  CrossValidation cv = cross_validate(log, opt);
  print_cross_validation(io.out, cv, a.flag("--json"));
  if (cv.mean.skipped_unknown_skill) {
    io.err << cv.mean.skipped_unknown_skill
           << " held-out responses were left out: their skill was not fitted (absent from the "
              "training folds, or not selected by --skill/--skills)\n";
  }
  return kOk;
}

const OptionGroup kFitOwn{
    nullptr,
    {{"--output", "FILE", "write the model (JSON) to FILE", "-o"},
     {"--json", nullptr, "print the fit report as JSON instead of the table"}}};

const OptionGroup kCrossvalidateOwn{nullptr,
                                    {{"--folds", "K", "number of folds (default 5)"},
                                     {"--json", nullptr, "print one JSON object"}}};

}  // namespace

const Command kFitCommand{
    "fit",
    "fit BKT parameters per skill and write a model (JSON)",
    "fit [options] DATA [-o model.json]",
    "Fits BKT per skill by EM and prints a per-skill table; writes the model with -o.",
    {&kFitOwn, &kFitGroup, &kReadGroup},
    true,
    run_fit};

const Command kCrossvalidateCommand{
    "crossvalidate",
    "k-fold cross-validation with folds by learner",
    "crossvalidate [--folds K] [options] DATA",
    "K-fold cross-validation with folds by learner: each fold is predicted by a model fitted on "
    "the other folds. Prints per-fold figures and mean +- sd.",
    {&kCrossvalidateOwn, &kFitGroup, &kReadGroup},
    true,
    run_crossvalidate};

}  // namespace pathwise::cli
