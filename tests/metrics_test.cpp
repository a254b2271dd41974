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
