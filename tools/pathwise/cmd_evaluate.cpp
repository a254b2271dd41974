// pathwise evaluate and pathwise predict.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <ostream>

#include "commands.hpp"
#include "common.hpp"
#include "pathwise/json.hpp"

namespace pathwise::cli {

namespace {

/// What evaluate and predict start from: the model, the log and whether to skip unknown skills.
struct ModelAndLog {
  BktModel model;
  ResponseLog log;
  EvaluateOptions options;
};

ModelAndLog model_and_log(const Args& a, std::ostream& err) {
  BktModel model = load_model(a);
  ResponseLog log = load_log(a, err);
  EvaluateOptions eo;
  eo.skip_unknown_skills = a.flag("--skip-unknown-skills");
  eo.conjunctive = a.flag("--conjunctive");
  return {std::move(model), std::move(log), eo};
}

int run_evaluate(const Args& a, Io& io) {
  auto [model, log, eo] = model_and_log(a, io.err);
  Metrics m = evaluate(model, log, eo);
  if (a.flag("--json")) {
    nlohmann::json j = m;
    io.out << j.dump() << "\n";
  } else {
    print_metrics_line(io.out, m);
  }
  if (m.skipped_unknown_skill)
    io.err << m.skipped_unknown_skill << " responses of skills the model lacks were left out\n";
  return kOk;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

/// Writes one CSV line per predicted response, in input order; returns the responses left out.
std::size_t write_predictions(std::ostream& dst, const ResponseLog& log, const Predictions& pr) {
  const std::vector<double>& p = pr.correct;
  const bool layer = !pr.bkt_correct.empty();
  std::vector<std::uint32_t> skill_of(log.size());
  for (const auto& s : log.sequences())
    for (auto i = s.begin; i < s.end; ++i) skill_of[i] = s.skill;
  std::vector<std::size_t> order(log.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto& lines = log.lines();
  const auto& rows = log.rows();
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return rows[x] < rows[y]; });
  dst << "row,line,skill,item,correct,p_correct" << (layer ? ",p_correct_bkt,ability" : "")
      << "\n";
  std::size_t skipped = 0;
  char buf[32];
  for (std::size_t i : order) {
    if (std::isnan(p[i])) {
      ++skipped;
      continue;
    }
    std::snprintf(buf, sizeof buf, "%.6f", p[i]);
    std::string item = (!log.items().empty() && log.items()[i] != ResponseLog::kNoItem)
                           ? log.item_id(log.items()[i])
                           : std::string();
    dst << rows[i] << ',' << lines[i] << ',' << csv_cell(log.skill_name(skill_of[i])) << ','
        << csv_cell(item) << ',' << int(log.outcomes()[i]) << ',' << buf;
    if (layer) {
      std::snprintf(buf, sizeof buf, "%.6f", pr.bkt_correct[i]);
      dst << ',' << buf;
      std::snprintf(buf, sizeof buf, "%.6f", pr.ability[i]);
      dst << ',' << buf;
    }
    dst << '\n';
  }
  return skipped;
}

int run_predict(const Args& a, Io& io) {
  auto [model, log, eo] = model_and_log(a, io.err);
  const Predictions p = predict_states(model, log, eo);
  std::ofstream file;
  std::ostream* dst = &io.out;
  if (auto path = a.value("--output")) {
    file.open(*path);
    if (!file) throw Error(ErrorCode::Io, "cannot create file", Location{*path, 0, 0, ""});
    dst = &file;
  }
  const std::size_t skipped = write_predictions(*dst, log, p);
  dst->flush();
  if (!*dst) throw Error(ErrorCode::Io, "failed writing the predictions");
  if (skipped) io.err << skipped << " responses of skills the model lacks were left out\n";
  return kOk;
}

const Option kModel{"--model", "FILE", "the model (JSON) written by 'pathwise fit'", "-m"};
const Option kSkipUnknown{"--skip-unknown-skills", nullptr,
                          "leave out (and count) skills the model lacks"};

const Option kConjunctive{"--conjunctive", nullptr,
                          "predict multi-skill rows jointly, as the engine updates them (the "
                          "row is correct only if each skill's part is)"};

const OptionGroup kEvaluateOwn{
    nullptr, {kModel, {"--json", nullptr, "print one JSON object"}, kSkipUnknown, kConjunctive}};

const OptionGroup kPredictOwn{
    nullptr,
    {kModel,
     {"--output", "FILE", "write the CSV to FILE instead of standard output", "-o"},
     kSkipUnknown, kConjunctive}};

}  // namespace

const Command kEvaluateCommand{
    "evaluate",
    "score a model's one-step-ahead predictions on a log (AUC, RMSE, accuracy, log-loss)",
    "evaluate --model M [options] DATA",
    "Scores the model's one-step-ahead predictions of every response in DATA.",
    {&kEvaluateOwn, &kReadGroup},
    true,
    run_evaluate};

const Command kPredictCommand{
    "predict",
    "write P(correct) for every response of a log as CSV",
    "predict --model M [options] DATA [-o predictions.csv]",
    "Writes P(correct) for every response, predicted from the learner's earlier responses on "
    "the same skill, as CSV: row,line,skill,item,correct,p_correct (with a learner layer also "
    "p_correct_bkt, BKT's own, and ability), in input order ('row' is "
    "the response's position in DATA, 'line' its line; a multi-skill row gives one output line "
    "per skill).",
    {&kPredictOwn, &kReadGroup},
    true,
    run_predict};

}  // namespace pathwise::cli
