// The learner layer: its terms by hand, online updates equal to offline predictions, the
// Newton fit at an optimum and recovering known weights, JSON round trips and errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "detail/learner_layer.hpp"
#include "pathwise/bkt.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/response_log.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace pathwise;

namespace {

double& w(LearnerLayer& L, LearnerTerm t) { return L.weights[static_cast<std::size_t>(t)]; }
double at(const LearnerFeatures& x, LearnerTerm t) { return x[static_cast<std::size_t>(t)]; }
double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

BktModel three_skills() {
  BktModel m;
  m.set_skill("a", BktParams{0.30, 0.15, 0.0, 0.20, 0.10});
  m.set_skill("b", BktParams{0.55, 0.08, 0.0, 0.25, 0.15});
  m.set_skill("c", BktParams{0.10, 0.25, 0.0, 0.15, 0.05});
  return m;
}

/// A layer with every weight set (none zero), and corrections for two skills.
LearnerLayer some_layer() {
  LearnerLayer L;
  const double v[kLearnerTerms] = {0.2, 0.9, 4.0, 1.0, -0.5, 0.3, -0.3, 0.6, -0.05, 0.1, 0.08, -0.1};
  for (std::size_t t = 0; t < kLearnerTerms; ++t) L.weights[t] = v[t];
  L.skills["a"] = LearnerSkillWeights{0.1, -0.2, 1.5};
  L.skills["c"] = LearnerSkillWeights{-0.3, 0.1, -1.0};
  return L;
}

/// Draws a log from `model` and `layer` as the generative model: each learner answers
/// `per_learner` responses on skills drawn at random; P(correct) is the layer's prediction
/// from BKT's for the skill and the learner's state. Rows are given in time order.
ResponseLog simulate_with_layer(const BktModel& model, const LearnerLayer& layer,
                                int learners, int per_learner, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const std::vector<std::string> skills = model.skill_names();
  ResponseLog::Builder b;
  std::uint32_t row = 0;
  for (int l = 0; l < learners; ++l) {
    LearnerState st;
    std::map<std::string, double> known;
    for (const auto& s : skills) known[s] = model.skill(s).prior;
    for (int t = 0; t < per_learner; ++t) {
      const std::string& s = skills[static_cast<std::size_t>(u(rng) * skills.size())];
      const BktParams& p = model.skill(s);
      const double bkt = predict_correct(p, known[s]);
      const bool ok = u(rng) < layer.predict(st, s, bkt);
      const Outcome o = ok ? Outcome::Correct : Outcome::Incorrect;
      layer.update(st, s, bkt, o);
      known[s] = update(p, known[s], o);
      ++row;
      b.add("l" + std::to_string(l), s, "", o, std::nullopt, row, row);
    }
  }
  return b.build();
}

}  // namespace

TEST_CASE("learner: the terms of a response, by hand", "[learner]") {
  LearnerLayer L;  // pseudo_count 20, decays 0.9 and 0.97
  LearnerState s;
  L.update(s, "a", 0.6, Outcome::Correct);    // d = +0.4
  L.update(s, "b", 0.5, Outcome::Incorrect);  // d = -0.5
  CHECK(s.responses == 2);
  CHECK_THAT(s.residual_sum, WithinAbs(-0.1, 1e-15));
  CHECK_THAT(s.recent, WithinAbs(0.9 * 0.04 - 0.05, 1e-15));
  CHECK_THAT(s.recent_slow, WithinAbs(0.97 * 0.012 - 0.015, 1e-15));
  CHECK(s.last == -1);
  CHECK_THAT(L.ability(s), WithinAbs(-0.1 / 22.0, 1e-15));

  const LearnerFeatures x = L.features(s, "a", 0.7);
  CHECK(at(x, LearnerTerm::Bias) == 1.0);
  CHECK_THAT(at(x, LearnerTerm::Bkt), WithinAbs(std::log(0.7 / 0.3), 1e-12));
  CHECK_THAT(at(x, LearnerTerm::Ability), WithinAbs(-0.1 / 22.0, 1e-15));
  CHECK_THAT(at(x, LearnerTerm::Recent), WithinAbs(-0.014, 1e-15));
  CHECK_THAT(at(x, LearnerTerm::RecentSlow), WithinAbs(-0.00336, 1e-15));
  CHECK(at(x, LearnerTerm::Last) == -1.0);
  CHECK(at(x, LearnerTerm::First) == 0.0);
  CHECK(at(x, LearnerTerm::AbilityFirst) == 0.0);
  CHECK_THAT(at(x, LearnerTerm::Opportunities), WithinAbs(std::log(2.0), 1e-15));
  CHECK_THAT(at(x, LearnerTerm::AbilityOpportunities),
             WithinAbs(-0.1 / 22.0 * std::log(2.0), 1e-15));
  CHECK_THAT(at(x, LearnerTerm::BktOpportunities),
             WithinAbs(std::log(0.7 / 0.3) * std::log(2.0), 1e-12));
  CHECK_THAT(at(x, LearnerTerm::Gap), WithinAbs(std::log(2.0), 1e-15));  // one response since

  // A skill never practised: its first opportunity, gap -1.
  const LearnerFeatures y = L.features(s, "c", 0.5);
  CHECK(at(y, LearnerTerm::First) == 1.0);
  CHECK_THAT(at(y, LearnerTerm::AbilityFirst), WithinAbs(-0.1 / 22.0, 1e-15));
  CHECK(at(y, LearnerTerm::Opportunities) == 0.0);
  CHECK(at(y, LearnerTerm::Gap) == -1.0);
  CHECK(at(y, LearnerTerm::Bkt) == 0.0);

  // The prediction: the sigmoid of the weighted terms plus the skill's corrections.
  LearnerLayer W = some_layer();
  double z = 0.0;
  for (std::size_t t = 0; t < kLearnerTerms; ++t) z += W.weights[t] * x[t];
  z += 0.1 - 0.2 * at(x, LearnerTerm::Bkt) + 1.5 * at(x, LearnerTerm::Ability);
  CHECK_THAT(W.predict(s, "a", 0.7), WithinAbs(sigmoid(z), 1e-15));
  // A fresh learner with all-zero weights but Bkt = 1 predicts BKT itself.
  LearnerLayer identity;
  w(identity, LearnerTerm::Bkt) = 1.0;
  CHECK_THAT(identity.predict(LearnerState{}, "a", 0.37), WithinAbs(0.37, 1e-12));
}

TEST_CASE("learner: online updates equal offline predict, response by response", "[learner]") {
  BktModel m = three_skills();
  const LearnerLayer L = some_layer();
  ResponseLog log = simulate_with_layer(m, L, 40, 30, 7);
  m.set_learner(L);
  const Predictions off = predict_states(m, log);
  REQUIRE(off.bkt_correct.size() == log.size());
  // Online: the responses in input order (rows), each learner's state and P(known) per skill
  // kept as the engine keeps them.
  std::vector<std::uint64_t> by_row(log.size());
  std::vector<std::uint32_t> skill_of(log.size()), learner_of(log.size());
  for (const auto& sq : log.sequences())
    for (auto i = sq.begin; i < sq.end; ++i) {
      by_row[log.rows()[i] - 1] = i;
      skill_of[i] = sq.skill;
      learner_of[i] = sq.learner;
    }
  std::map<std::uint32_t, LearnerState> state;
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> known;
  std::size_t checked = 0;
  for (std::uint64_t i : by_row) {
    const std::string& s = log.skill_name(skill_of[i]);
    const BktParams& p = m.skill(s);
    auto key = std::make_pair(learner_of[i], skill_of[i]);
    if (!known.count(key)) known[key] = p.prior;
    const double bkt = predict_correct(p, known[key]);
    LearnerState& st = state[learner_of[i]];
    CHECK(off.bkt_correct[i] == bkt);
    CHECK(off.correct[i] == m.learner()->predict(st, s, bkt));
    CHECK(off.ability[i] == m.learner()->ability(st));
    const Outcome o = log.outcomes()[i] ? Outcome::Correct : Outcome::Incorrect;
    m.learner()->update(st, s, bkt, o);
    known[key] = update(p, known[key], o);
    ++checked;
  }
  CHECK(checked == 1200);
  // predict() gives the same values; P(known) stays BKT's.
  CHECK(predict(m, log) == off.correct);
  BktModel plain = three_skills();
  const Predictions bkt_only = predict_states(plain, log);
  CHECK(bkt_only.known_before == off.known_before);
  CHECK(bkt_only.correct == off.bkt_correct);
  CHECK(bkt_only.bkt_correct.empty());
}

TEST_CASE("learner: across skills, responses are taken in input order", "[learner]") {
  // One learner, rows 1..4 on skills a, b, a, b; the builder groups them into two sequences.
  ResponseLog::Builder b;
  b.add("u", "a", "", Outcome::Correct, std::nullopt, 1, 1);
  b.add("u", "b", "", Outcome::Incorrect, std::nullopt, 2, 2);
  b.add("u", "a", "", Outcome::Correct, std::nullopt, 3, 3);
  b.add("u", "b", "", Outcome::Correct, std::nullopt, 4, 4);
  b.add("v", "a", "", Outcome::Incorrect, std::nullopt, 5, 5);
  ResponseLog log = b.build();
  std::vector<std::uint32_t> rows;
  for (std::uint64_t i : detail::learner_order(log)) rows.push_back(log.rows()[i]);
  CHECK(rows == std::vector<std::uint32_t>{1, 2, 3, 4, 5});
  // Without positions, a learner's sequences follow one another.
  ResponseLog::Builder c;
  c.add_sequence("u", "a", {1, 1});
  c.add_sequence("u", "b", {0});
  ResponseLog plain = c.build();
  CHECK(detail::learner_order(plain) == std::vector<std::uint64_t>{0, 1, 2});
}

TEST_CASE("learner: the Newton fit recovers the weights that generated the log",
          "[learner][fit]") {
  const BktModel m = three_skills();
  LearnerLayer truth;
  w(truth, LearnerTerm::Bias) = 0.2;
  w(truth, LearnerTerm::Bkt) = 0.9;
  w(truth, LearnerTerm::Ability) = 4.0;
  w(truth, LearnerTerm::Recent) = 1.5;
  w(truth, LearnerTerm::Last) = 0.3;
  w(truth, LearnerTerm::First) = -0.4;
  truth.skills["a"] = LearnerSkillWeights{0.5, 0.0, 0.0};
  ResponseLog log = simulate_with_layer(m, truth, 4000, 40, 11);
  REQUIRE(log.size() == 160000);
  const std::vector<double> bkt = predict(m, log);
  LearnerFitOptions o;
  o.l2 = 0.0;
  o.l2_skill = 1e-6;
  LearnerFitReport rep;
  const LearnerLayer got = detail::fit_learner_layer(log, bkt, o, rep);
  CHECK(rep.fitted);
  CHECK(rep.converged);
  CHECK(rep.responses == 160000);
  CHECK(rep.log_loss < rep.log_loss_bkt);
  INFO("bias " << got.weights[0] << " bkt " << got.weights[1] << " ability " << got.weights[2]
               << " recent " << got.weights[3] << " last " << got.weights[5] << " first "
               << got.weights[6]);
  // Bias and the skill corrections are confounded (one intercept per skill); their sums are
  // identified.
  auto intercept = [&](const LearnerLayer& L, const char* s) {
    auto it = L.skills.find(s);
    return L.weights[0] + (it == L.skills.end() ? 0.0 : it->second.bias);
  };
  for (const char* s : {"a", "b", "c"}) {
    INFO("skill " << s);
    CHECK_THAT(intercept(got, s), WithinAbs(intercept(truth, s), 0.12));
  }
  CHECK_THAT(got.weights[1] + got.skills.at("b").bkt, WithinAbs(0.9, 0.1));
  CHECK_THAT(got.weights[3], WithinAbs(1.5, 0.5));
  CHECK_THAT(got.weights[5], WithinAbs(0.3, 0.1));
  CHECK_THAT(got.weights[6], WithinAbs(-0.4, 0.15));
  CHECK(got.weights[2] + got.skills.at("b").ability > 1.0);  // ability: clearly positive
}

TEST_CASE("learner: the fitted weights are a stationary point of the penalised likelihood",
          "[learner][fit]") {
  BktModel m = three_skills();
  ResponseLog log = simulate_with_layer(m, some_layer(), 300, 30, 5);
  FitOptions fo;
  fo.learner.enabled = true;
  FitResult r = fit_with_report(log, fo);
  REQUIRE(r.model.learner());
  CHECK(r.report.learner.fitted);
  CHECK(r.report.learner.converged);
  CHECK(r.report.learner.skills == 3);
  CHECK(r.report.learner.log_loss < r.report.learner.log_loss_bkt);
  // The penalised objective through the public predict(), by central differences.
  auto objective = [&](const LearnerLayer& L) {
    BktModel mm = r.model;
    mm.set_learner(L);
    const std::vector<double> p = predict(mm, log);
    double f = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i)
      f -= log.outcomes()[i] ? std::log(p[i]) : std::log1p(-p[i]);
    for (double v : L.weights) f += 0.5 * fo.learner.l2 * v * v;
    for (const auto& [name, sw] : L.skills)
      f += 0.5 * fo.learner.l2_skill * (sw.bias * sw.bias + sw.bkt * sw.bkt + sw.ability * sw.ability);
    return f;
  };
  const LearnerLayer best = *r.model.learner();
  const double h = 1e-5;
  for (std::size_t t = 0; t < kLearnerTerms; ++t) {
    LearnerLayer up = best, down = best;
    up.weights[t] += h;
    down.weights[t] -= h;
    INFO("term " << to_string(static_cast<LearnerTerm>(t)));
    CHECK(std::fabs(objective(up) - objective(down)) / (2 * h) < 1e-3);
  }
  for (double LearnerSkillWeights::*f :
       {&LearnerSkillWeights::bias, &LearnerSkillWeights::bkt, &LearnerSkillWeights::ability}) {
    LearnerLayer up = best, down = best;
    up.skills["b"].*f += h;
    down.skills["b"].*f -= h;
    CHECK(std::fabs(objective(up) - objective(down)) / (2 * h) < 1e-3);
  }
}

TEST_CASE("learner: a model with the layer round-trips as model JSON 1.1", "[learner]") {
  BktModel m = three_skills();
  m.set_learner(some_layer());
  const std::string text = m.to_json();
  CHECK_THAT(text, Contains("\"version\": \"1.1\""));
  CHECK_THAT(text, Contains("\"ability_opportunities\""));
  const BktModel back = BktModel::from_json(text);
  CHECK(back == m);
  CHECK(*back.learner() == some_layer());
  // Without the layer, the document stays 1.0 (readable by 1.0 readers).
  BktModel plain = three_skills();
  CHECK_THAT(plain.to_json(), Contains("\"version\": \"1.0\""));
  CHECK(plain != m);
  m.clear_learner();
  CHECK(m == plain);
}

TEST_CASE("learner: bad learner blocks are refused with the field named", "[learner]") {
  const std::string good = three_skills().to_json(-1);
  BktModel with = three_skills();
  with.set_learner(some_layer());
  nlohmann::json base = nlohmann::json::parse(with.to_json());
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    ErrorCode code;
    const char* field;
  };
  const std::vector<Case> cases = {
      {[](nlohmann::json& j) { j["learner"]["weights"].erase("gap"); }, ErrorCode::Parse,
       "learner.weights.gap"},
      {[](nlohmann::json& j) { j["learner"]["weights"]["bkt"] = "1"; }, ErrorCode::Parse,
       "learner.weights.bkt"},
      {[](nlohmann::json& j) { j["learner"]["weights"]["bkt"] = 1e300; },
       ErrorCode::InvalidArgument, "learner.weights.bkt"},
      {[](nlohmann::json& j) { j["learner"]["weights"]["bkt"] = nullptr; }, ErrorCode::Parse,
       "learner.weights.bkt"},
      {[](nlohmann::json& j) { j["learner"]["weights"]["bkt2"] = 1; },
       ErrorCode::InvalidArgument, "learner.weights.bkt2"},
      {[](nlohmann::json& j) { j["learner"]["pseudo_count"] = 0; }, ErrorCode::InvalidArgument,
       "learner.pseudo_count"},
      {[](nlohmann::json& j) { j["learner"]["decay_recent"] = 1.0; },
       ErrorCode::InvalidArgument, "learner.decay_recent"},
      {[](nlohmann::json& j) { j["learner"]["skills"]["zz"] = {{"bias", 0}, {"bkt", 0}, {"ability", 0}}; },
       ErrorCode::UnknownSkill, "learner.skills.zz"},
      {[](nlohmann::json& j) { j["learner"]["skills"]["a"].erase("bkt"); }, ErrorCode::Parse,
       "learner.skills.a.bkt"},
      {[](nlohmann::json& j) { j["learner"] = 3; }, ErrorCode::Parse, "learner"},
  };
  for (std::size_t c = 0; c < cases.size(); ++c) {
    nlohmann::json j = base;
    cases[c].edit(j);
    INFO("case " << c << ": " << j["learner"].dump().substr(0, 200));
    try {
      (void)BktModel::from_json(j.dump());
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == cases[c].code);
      CHECK(e.location().field == cases[c].field);
    }
  }
  CHECK_NOTHROW(BktModel::from_json(good));
}

TEST_CASE("learner: fit options of the layer are validated by name", "[learner]") {
  auto field_of = [](const FitOptions& o) {
    try {
      o.validate();
    } catch (const Error& e) {
      return e.location().field;
    }
    return std::string("(accepted)");
  };
  FitOptions o;
  o.learner.l2 = -1;
  CHECK(field_of(o) == "learner.l2");
  o = FitOptions{};
  o.learner.l2_skill = std::nan("");
  CHECK(field_of(o) == "learner.l2_skill");
  o = FitOptions{};
  o.learner.pseudo_count = 0;
  CHECK(field_of(o) == "learner.pseudo_count");
  o = FitOptions{};
  o.learner.decay_recent_slow = 1.5;
  CHECK(field_of(o) == "learner.decay_recent_slow");
  o = FitOptions{};
  o.learner.max_iterations = 0;
  CHECK(field_of(o) == "learner.max_iterations");
  // Groups of terms by name: exactly those named; an unknown name changes nothing.
  LearnerFitOptions l;
  l.set_terms({"recency"});
  CHECK((!l.ability && l.recency && !l.practice));
  try {
    l.set_terms({"ability", "recent"});
    FAIL("accepted an unknown group");
  } catch (const Error& e) {
    CHECK(e.location().field == "learner.terms");
    CHECK_THAT(e.message(), Contains("'recent'"));
  }
  CHECK((!l.ability && l.recency && !l.practice));
}

TEST_CASE("learner: responses of skills the model lacks leave the learner's state alone",
          "[learner]") {
  BktModel m = three_skills();
  LearnerLayer L = some_layer();
  m.set_learner(L);
  ResponseLog::Builder b;
  b.add("u", "a", "", Outcome::Correct, std::nullopt, 1, 1);
  b.add("u", "zz", "", Outcome::Incorrect, std::nullopt, 2, 2);
  b.add("u", "a", "", Outcome::Incorrect, std::nullopt, 3, 3);
  ResponseLog log = b.build();
  EvaluateOptions eo;
  eo.skip_unknown_skills = true;
  const std::vector<double> p = predict(m, log, eo);
  // As if the zz response were not there.
  LearnerState st;
  const BktParams& a = m.skill("a");
  const double first = L.predict(st, "a", predict_correct(a, a.prior));
  L.update(st, "a", predict_correct(a, a.prior), Outcome::Correct);
  const double k1 = update(a, a.prior, Outcome::Correct);
  const double second = L.predict(st, "a", predict_correct(a, k1));
  std::vector<double> by_row(3);
  for (const auto& sq : log.sequences())
    for (auto i = sq.begin; i < sq.end; ++i) by_row[log.rows()[i] - 1] = p[i];
  CHECK(by_row[0] == first);
  CHECK(std::isnan(by_row[1]));
  CHECK(by_row[2] == second);
}
