// Smallest useful host program: read a response log, fit BKT, save the model, report the fit.
//
//   build/examples/fit_log path/to/log.csv model.json
#include <cstdio>
#include <pathwise/pathwise.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fit_log LOG MODEL_OUT\n");
    return 2;
  }
  try {
    pathwise::ResponseLog log = pathwise::ResponseLog::read_file(argv[1]);  // format detected
    std::fputs(log.report().summary().c_str(), stderr);  // skipped rows, by reason

    pathwise::FitOptions options;      // calibrated BKT with the learner layer (docs/bkt.md)
    options.bounds.slip = {0.0, 0.3};  // hmm-scalable-style bounds keep fits interpretable
    options.bounds.guess = {0.0, 0.3};
    pathwise::BktModel model = pathwise::fit(log, options);
    model.save(argv[2]);

    pathwise::Metrics m = pathwise::evaluate(model, log);
    std::printf("%zu skills, training AUC %.4f, RMSE %.4f\n", model.skill_count(), m.auc, m.rmse);
    return 0;
  } catch (const pathwise::Error& e) {  // bad input: the message names file, line and column
    std::fprintf(stderr, "fit_log: %s\n", e.what());
    return 1;
  }
}
