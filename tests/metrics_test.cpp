#include "pathwise/metrics.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "pathwise/simulate.hpp"

using namespace pathwise;
using Catch::Matchers::WithinAbs;

TEST_CASE("metrics: AUC on a hand-worked example with ties counts ties one half", "[metrics]") {
  // Positives 0.4, 0.8, 0.9 against negatives 0.1, 0.4, 0.8:
  // 0.4 -> 1 + 0.5 + 0 ; 0.8 -> 1 + 1 + 0.5 ; 0.9 -> 3 ; total 7 of 9 pairs.
  std::vector<double> p{0.1, 0.4, 0.4, 0.8, 0.8, 0.9};
  std::vector<std::uint8_t> y{0, 0, 1, 1, 0, 1};
  CHECK_THAT(auc(p, y), WithinAbs(7.0 / 9.0, 1e-12));
  SECTION("all predictions tied gives 0.5") {
    CHECK_THAT(auc(std::vector<double>(6, 0.3), y), WithinAbs(0.5, 1e-12));
  }
  SECTION("perfect and reversed rankings") {
    CHECK_THAT(auc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}), WithinAbs(1.0, 1e-12));
    CHECK_THAT(auc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}), WithinAbs(0.0, 1e-12));
  }
}

TEST_CASE("metrics: AUC is NaN with one class", "[metrics]") {
  CHECK(std::isnan(auc({0.2, 0.7}, {1, 1})));
}

TEST_CASE("metrics: RMSE, accuracy and log-loss match hand computation", "[metrics]") {
  std::vector<double> p{0.5, 0.8, 0.3};
  std::vector<std::uint8_t> y{1, 0, 0};
  // (0.25 + 0.64 + 0.09) / 3
  CHECK_THAT(rmse(p, y), WithinAbs(std::sqrt(0.98 / 3.0), 1e-12));
  // 0.5 counts as predicting correct: hit, miss, hit.
  CHECK_THAT(accuracy(p, y), WithinAbs(2.0 / 3.0, 1e-12));
  CHECK_THAT(log_loss(p, y),
             WithinAbs(-(std::log(0.5) + std::log(0.2) + std::log(0.7)) / 3.0, 1e-12));
  Metrics m = compute_metrics(p, y);
  CHECK(m.responses == 3);
  CHECK_THAT(m.rmse, WithinAbs(rmse(p, y), 0));
}

TEST_CASE("metrics: log-loss clips certain mistakes instead of returning infinity", "[metrics]") {
  double v = log_loss({1.0}, {0});
  CHECK(std::isfinite(v));
  CHECK_THAT(v, WithinAbs(-std::log(1.0 - (1.0 - 1e-15)), 1e-9));
}

TEST_CASE("metrics: mismatched sizes, NaN predictions and bad outcomes are errors", "[metrics]") {
  CHECK_THROWS_AS(auc({0.1, 0.2}, {1}), Error);
  CHECK_THROWS_AS(rmse({std::nan("")}, {1}), Error);
  CHECK_THROWS_AS(accuracy({0.5}, {2}), Error);
}

namespace {
BktModel small_model() {
  BktModel m;
  m.set_skill("a", BktParams{0.3, 0.2, 0.0, 0.25, 0.1});
  m.set_skill("b", BktParams{0.6, 0.1, 0.0, 0.2, 0.2});
  return m;
}
}  // namespace

TEST_CASE("metrics: predict filters each sequence one step ahead", "[metrics]") {
  ResponseLog::Builder b;
  b.add("u1", "a", "", Outcome::Correct);
  b.add("u2", "b", "", Outcome::Incorrect);
  b.add("u1", "a", "", Outcome::Incorrect);
  b.add("u1", "b", "", Outcome::Correct);
  ResponseLog log = b.build();
  BktModel m = small_model();
  std::vector<double> p = predict(m, log);
  REQUIRE(p.size() == 4);
  for (const auto& s : log.sequences()) {
    std::vector<std::uint8_t> o(log.outcomes().begin() + static_cast<long>(s.begin),
                                log.outcomes().begin() + static_cast<long>(s.end));
    auto want = predict_sequence(m.skill(log.skill_name(s.skill)), o);
    for (std::size_t t = 0; t < o.size(); ++t)
      CHECK_THAT(p[s.begin + t], WithinAbs(want[t], 1e-15));
  }
  // Sequence u1/a: the first prediction is from the prior, 0.445.
  CHECK_THAT(p[0], WithinAbs(0.445, 1e-12));
}

TEST_CASE("metrics: predict_states gives P(known) before and after each response", "[metrics]") {
  ResponseLog::Builder b;
  b.add("u1", "a", "", Outcome::Correct);
  b.add("u1", "a", "", Outcome::Incorrect);
  b.add("u2", "zz", "", Outcome::Correct);  // a skill the model lacks
  ResponseLog log = b.build();
  CHECK_THROWS_AS(predict_states(small_model(), log), Error);
  EvaluateOptions skip;
  skip.skip_unknown_skills = true;
  const Predictions p = predict_states(small_model(), log, skip);
  REQUIRE(p.correct.size() == 3);
  REQUIRE(p.known_before.size() == 3);
  REQUIRE(p.known_after.size() == 3);
  const auto plain = predict(small_model(), log, skip);
  for (std::size_t i = 0; i < 3; ++i)
    CHECK((p.correct[i] == plain[i] || (std::isnan(p.correct[i]) && std::isnan(plain[i]))));
  const auto a = *log.find_skill("a");
  const auto& s = log.sequences()[log.skill_sequences(a)[0]];
  // Worked by hand: prior 0.3, learn 0.2, guess 0.25, slip 0.1; correct then incorrect.
  // After the correct answer: 0.27 / 0.445 = 0.60674, then learning: 0.68539.
  CHECK_THAT(p.known_before[s.begin], WithinAbs(0.3, 1e-15));
  CHECK_THAT(p.known_after[s.begin], WithinAbs(0.6853932584269663, 1e-12));
  CHECK_THAT(p.known_before[s.begin + 1], WithinAbs(0.6853932584269663, 1e-12));
  CHECK_THAT(p.known_after[s.begin + 1], WithinAbs(0.3800738007380074, 1e-12));
  const auto& z = log.sequences()[log.skill_sequences(*log.find_skill("zz"))[0]];
  CHECK(std::isnan(p.known_before[z.begin]));
  CHECK(std::isnan(p.known_after[z.begin]));
}

TEST_CASE("metrics: per-item guess and slip are used in prediction", "[metrics]") {
  ResponseLog::Builder b;
  b.add("u1", "a", "q1", Outcome::Correct);
  ResponseLog log = b.build();
  BktModel m = small_model();
  m.set_item("q1", ItemParams{"a", 0.5, 0.0});
  CHECK_THAT(predict(m, log)[0], WithinAbs(0.3 * 1.0 + 0.7 * 0.5, 1e-12));
}

TEST_CASE("metrics: evaluating a skill the model lacks is an error unless skipped", "[metrics]") {
  ResponseLog::Builder b;
  b.add("u1", "a", "", Outcome::Correct);
  b.add("u1", "zz", "", Outcome::Correct);
  b.add("u2", "a", "", Outcome::Incorrect);
  ResponseLog log = b.build();
  BktModel m = small_model();
  try {
    (void)evaluate(m, log);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::UnknownSkill);
    CHECK(std::string(e.what()).find("zz") != std::string::npos);
  }
  EvaluateOptions o;
  o.skip_unknown_skills = true;
  Metrics r = evaluate(m, log, o);
  CHECK(r.responses == 2);
  CHECK(r.skipped_unknown_skill == 1);
}

TEST_CASE("metrics: cross-validation folds by learner and covers every response once",
          "[metrics]") {
  SimulateLogOptions so;
  so.learners = 100;
  so.opportunities = 8;
  ResponseLog log = simulate_log(small_model(), so);
  FitOptions fo;
  fo.restarts = 2;
  CrossValidation cv = cross_validate(log, fo, 4, 9);
  REQUIRE(cv.folds.size() == 4);
  std::size_t total = 0;
  for (const auto& f : cv.folds) {
    total += f.responses;
    // 100 learners dealt into 4 folds: 25 learners x 2 skills x 8 responses.
    CHECK(f.responses == 400);
  }
  CHECK(total == log.size());
  CHECK(cv.mean.responses == log.size());
  CHECK(cv.mean.auc > 0.5);
  CHECK(cv.sd.auc >= 0.0);
  CrossValidation again = cross_validate(log, fo, 4, 9);
  CHECK(again.mean.auc == cv.mean.auc);
}

TEST_CASE("metrics: cross-validation rejects too few folds or learners", "[metrics]") {
  SimulateLogOptions so;
  so.learners = 3;
  ResponseLog log = simulate_log(small_model(), so);
  CHECK_THROWS_AS(cross_validate(log, {}, 1, 1), Error);
  CHECK_THROWS_AS(cross_validate(log, {}, 4, 1), Error);
}

TEST_CASE("metrics: cross-validation options default to 5 folds dealt with seed 42", "[metrics]") {
  CrossValidateOptions o;
  CHECK(o.folds == 5);
  CHECK(o.seed == 42);
  CHECK(o.fit.restarts == FitOptions{}.restarts);
  CHECK_NOTHROW(o.validate());
  SimulateLogOptions so;
  so.learners = 40;
  so.opportunities = 6;
  ResponseLog log = simulate_log(small_model(), so);
  o.fit.restarts = 1;
  CrossValidation a = cross_validate(log, o);
  CrossValidation b = cross_validate(log, o.fit, 5, 42);
  REQUIRE(a.folds.size() == 5);
  REQUIRE(b.folds.size() == 5);
  for (std::size_t f = 0; f < 5; ++f) {
    CHECK(a.folds[f].responses == b.folds[f].responses);
    CHECK(a.folds[f].log_loss == b.folds[f].log_loss);
  }
  CHECK(a.mean.responses == log.size());
  o.seed = 43;  // another deal of the learners
  CrossValidation c = cross_validate(log, o);
  bool same = true;
  for (std::size_t f = 0; f < 5; ++f) same = same && c.folds[f].log_loss == a.folds[f].log_loss;
  CHECK_FALSE(same);
}

TEST_CASE("metrics: cross-validation's mean and sd are the folds' mean and sample sd",
          "[metrics]") {
  SimulateLogOptions so;
  so.learners = 30;
  so.opportunities = 5;
  ResponseLog log = simulate_log(small_model(), so);
  CrossValidateOptions o;
  o.folds = 3;
  o.fit.restarts = 1;
  CrossValidation cv = cross_validate(log, o);
  REQUIRE(cv.folds.size() == 3);
  const double x0 = cv.folds[0].rmse, x1 = cv.folds[1].rmse, x2 = cv.folds[2].rmse;
  const double mu = (x0 + x1 + x2) / 3;
  const double sd =
      std::sqrt(((x0 - mu) * (x0 - mu) + (x1 - mu) * (x1 - mu) + (x2 - mu) * (x2 - mu)) / 2);
  CHECK_THAT(cv.mean.rmse, WithinAbs(mu, 1e-15));
  CHECK_THAT(cv.sd.rmse, WithinAbs(sd, 1e-15));
  CHECK(cv.mean.responses == cv.folds[0].responses + cv.folds[1].responses + cv.folds[2].responses);
}

TEST_CASE("metrics: cross-validation options are validated, naming the field", "[metrics]") {
  auto refused_field = [](const CrossValidateOptions& o) -> std::string {
    try {
      o.validate();
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidArgument);
      return e.location().field;
    }
    return "";
  };
  CrossValidateOptions o;
  o.folds = 1;
  CHECK(refused_field(o) == "folds");
  o.folds = -3;
  CHECK(refused_field(o) == "folds");
  o = {};
  o.fit.restarts = 0;
  CHECK(refused_field(o) == "restarts");
  o = {};
  o.fit.bounds.slip = {0.4, 0.3};
  CHECK(refused_field(o) == "bounds.slip");
  o = {};
  o.fit.fixed.forget = 1.01;
  CHECK(refused_field(o) == "fixed.forget");
  SimulateLogOptions so;
  so.learners = 10;
  ResponseLog log = simulate_log(small_model(), so);
  o = {};
  o.fit.tolerance = -1;  // refused before any fold is fitted
  CHECK_THROWS_AS(cross_validate(log, o), Error);
  o = {};
  o.folds = 11;  // more folds than learners
  CHECK_THROWS_WITH(cross_validate(log, o), Catch::Matchers::Contains("11 folds from 10 learners"));
}

TEST_CASE("metrics: an exception from the fit's progress callback ends cross-validation",
          "[metrics]") {
  SimulateLogOptions so;
  so.learners = 20;
  ResponseLog log = simulate_log(small_model(), so);
  CrossValidateOptions o;
  o.folds = 2;
  o.fit.restarts = 1;
  o.fit.threads = 1;  // one worker: no other skill can finish after the callback throws
  int calls = 0;
  o.fit.progress = [&](std::size_t, std::size_t) {
    ++calls;
    throw std::runtime_error("stop");
  };
  CHECK_THROWS_WITH(cross_validate(log, o), "stop");
  CHECK(calls == 1);
}
