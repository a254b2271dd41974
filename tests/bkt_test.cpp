#include "pathwise/bkt.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "pathwise/json.hpp"
#include "test_util.hpp"

using namespace pathwise;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using test_util::error_from;

namespace {

// Likelihood of a sequence by summing over all 2^T hidden paths: independent of the forward
// recursion it checks.
double brute_force_likelihood(const BktParams& p, const std::vector<std::uint8_t>& o) {
  const std::size_t T = o.size();
  double total = 0.0;
  for (std::uint32_t path = 0; path < (1u << T); ++path) {
    double prob = 1.0;
    for (std::size_t t = 0; t < T; ++t) {
      bool known = (path >> t) & 1u;
      if (t == 0) {
        prob *= known ? p.prior : 1.0 - p.prior;
      } else {
        bool was = (path >> (t - 1)) & 1u;
        prob *= was ? (known ? 1.0 - p.forget : p.forget) : (known ? p.learn : 1.0 - p.learn);
      }
      double pc = known ? 1.0 - p.slip : p.guess;
      prob *= o[t] ? pc : 1.0 - pc;
    }
    total += prob;
  }
  return total;
}

const char* kModelJson = R"({
  "format": "pathwise-bkt-model", "version": "1.0",
  "skills": {"fractions": {"prior": 0.3, "learn": 0.2, "forget": 0.0, "guess": 0.25, "slip": 0.1,
                           "note": "extra fields are allowed"}}
})";

}  // namespace

TEST_CASE("bkt: predict and update match the hand-worked Corbett & Anderson numbers", "[bkt]") {
  BktParams p{0.3, 0.2, 0.0, 0.25, 0.1};
  // P(correct) = 0.3 * 0.9 + 0.7 * 0.25 = 0.445
  CHECK_THAT(predict_correct(p, 0.3), WithinAbs(0.445, 1e-12));
  SECTION("after a correct answer") {
    // posterior = 0.27 / 0.445; then + (1 - posterior) * 0.2
    CHECK_THAT(posterior(p, 0.3, Outcome::Correct), WithinAbs(0.27 / 0.445, 1e-12));
    CHECK_THAT(update(p, 0.3, Outcome::Correct), WithinAbs(0.6853932584269663, 1e-12));
  }
  SECTION("after an incorrect answer") {
    // posterior = 0.03 / 0.555 = 0.054054...
    CHECK_THAT(posterior(p, 0.3, Outcome::Incorrect), WithinAbs(0.03 / 0.555, 1e-12));
    CHECK_THAT(update(p, 0.3, Outcome::Incorrect), WithinAbs(0.24324324324324326, 1e-12));
  }
  SECTION("forgetting pulls mastery down") {
    BktParams f = p;
    f.forget = 0.1;
    double post = 0.27 / 0.445;
    CHECK_THAT(update(f, 0.3, Outcome::Correct), WithinAbs(post * 0.9 + (1 - post) * 0.2, 1e-12));
  }
}

TEST_CASE("bkt: a correct answer raises mastery when guess < 1 - slip", "[bkt]") {
  BktParams p{0.4, 0.0, 0.0, 0.3, 0.2};
  for (double k : {0.01, 0.2, 0.5, 0.9}) {
    CHECK(posterior(p, k, Outcome::Correct) > k);
    CHECK(posterior(p, k, Outcome::Incorrect) < k);
  }
}

TEST_CASE("bkt: an outcome the model calls impossible leaves the belief unchanged", "[bkt]") {
  BktParams p{0.0, 0.1, 0.0, 0.0, 0.1};  // never known at first, never guesses
  CHECK(posterior(p, 0.0, Outcome::Correct) == 0.0);
}

TEST_CASE("bkt: the conjunctive posterior equals enumeration of the joint knowledge states",
          "[bkt]") {
  // An item of three skills, correct only if each skill's part is (known: 1 - slip, unknown:
  // guess), skills independent a priori. Enumerate the 8 joint states, condition on the answer
  // and marginalise; posterior_conjunctive sees only its skill and the others' P(correct).
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.02, 0.98);
  for (int trial = 0; trial < 100; ++trial) {
    BktParams p[3];
    double pk[3];
    for (int k = 0; k < 3; ++k) {
      p[k] = BktParams{0.5, 0.1, 0.0, u(rng) * 0.45, u(rng) * 0.45};
      pk[k] = u(rng);
    }
    for (Outcome o : {Outcome::Correct, Outcome::Incorrect}) {
      double joint_known[3] = {0, 0, 0}, total = 0;
      for (int state = 0; state < 8; ++state) {
        double prob = 1, correct = 1;
        for (int k = 0; k < 3; ++k) {
          const bool known = (state >> k) & 1;
          prob *= known ? pk[k] : 1 - pk[k];
          correct *= known ? 1 - p[k].slip : p[k].guess;
        }
        const double w = prob * (o == Outcome::Correct ? correct : 1 - correct);
        total += w;
        for (int k = 0; k < 3; ++k)
          if ((state >> k) & 1) joint_known[k] += w;
      }
      for (int k = 0; k < 3; ++k) {
        double others = 1;
        for (int j = 0; j < 3; ++j)
          if (j != k) others *= predict_correct(p[j], pk[j]);
        CHECK_THAT(posterior_conjunctive(p[k], pk[k], others, o),
                   WithinAbs(joint_known[k] / total, 1e-12));
      }
    }
  }
  // Alone on an item (others_correct = 1) it is the one-skill posterior.
  BktParams q{0.3, 0.2, 0.0, 0.25, 0.1};
  CHECK_THAT(posterior_conjunctive(q, 0.3, 1.0, Outcome::Incorrect),
             WithinAbs(posterior(q, 0.3, Outcome::Incorrect), 1e-15));
}

TEST_CASE("bkt: forward log-likelihood equals the brute-force sum over all hidden paths", "[bkt]") {
  std::mt19937_64 rng(20261125);
  std::uniform_real_distribution<double> u(0.01, 0.99);
  for (int trial = 0; trial < 200; ++trial) {
    BktParams p{u(rng), u(rng) * 0.5, trial % 2 ? u(rng) * 0.3 : 0.0, u(rng) * 0.45, u(rng) * 0.45};
    std::size_t T = 1 + static_cast<std::size_t>(trial % 12);
    std::vector<std::uint8_t> o(T);
    for (auto& x : o) x = rng() & 1u;
    double expected = std::log(brute_force_likelihood(p, o));
    CHECK_THAT(sequence_log_likelihood(p, o), WithinAbs(expected, 1e-10));
  }
}

TEST_CASE("bkt: predict_sequence gives the prediction before each response", "[bkt]") {
  BktParams p{0.3, 0.2, 0.0, 0.25, 0.1};
  auto pr = predict_sequence(p, {1, 0});
  REQUIRE(pr.size() == 2);
  CHECK_THAT(pr[0], WithinAbs(0.445, 1e-12));
  CHECK_THAT(pr[1], WithinAbs(predict_correct(p, 0.6853932584269663), 1e-12));
}

TEST_CASE("bkt: params outside [0,1] or NaN are rejected with the parameter named", "[bkt]") {
  BktModel m;
  CHECK_THROWS_WITH(m.set_skill("a", BktParams{1.5, 0.1, 0, 0.2, 0.1}), Contains("prior"));
  CHECK_THROWS_WITH(m.set_skill("a", BktParams{0.5, std::nan(""), 0, 0.2, 0.1}),
                    Contains("learn") && Contains("NaN"));
  CHECK_THROWS_AS(m.set_skill("", BktParams{}), Error);
  try {
    m.set_skill("a", BktParams{0.5, 0.1, 0, -0.1, 0.1});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "skills.a.guess");
  }
}

TEST_CASE("bkt: the model looks up skills and per-item parameters", "[bkt]") {
  BktModel m;
  m.set_skill("a", BktParams{0.5, 0.1, 0, 0.2, 0.1});
  m.set_item("q1", ItemParams{"a", 0.35, 0.05});
  CHECK(m.skill("a").prior == 0.5);
  CHECK(m.find_skill("b") == nullptr);
  CHECK_THROWS_AS(m.skill("b"), Error);
  BktParams q = m.params_for("a", "q1");
  CHECK(q.guess == 0.35);
  CHECK(q.slip == 0.05);
  CHECK(m.params_for("a", "q2").guess == 0.2);
  try {
    m.set_item("q3", ItemParams{"zz", 0.2, 0.1});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::UnknownSkill);
  }
}

TEST_CASE("bkt: a model survives a JSON round trip", "[bkt]") {
  BktModel m;
  m.set_skill("Box and Whisker", BktParams{0.744764158708784, 0.1275, 0.0, 0.3586, 0.1598});
  m.set_skill("fractions ~ \"quoted\"", BktParams{0.1, 0.2, 0.05, 0.3, 0.4});
  m.set_item("item-1", ItemParams{"Box and Whisker", 0.25, 0.125});
  BktModel back = BktModel::from_json(m.to_json());
  CHECK(back == m);
  BktModel one_line = BktModel::from_json(m.to_json(-1));
  CHECK(one_line == m);
  nlohmann::json j = m;
  CHECK(j.at("format") == "pathwise-bkt-model");
  CHECK(j.at("version") == "1.0");
  CHECK(j.get<BktModel>() == m);
}

TEST_CASE("bkt: model JSON reads the documented format, extra fields allowed", "[bkt]") {
  BktModel m = BktModel::from_json(kModelJson);
  CHECK(m.skill("fractions") == BktParams{0.3, 0.2, 0.0, 0.25, 0.1});
  // forget may be left out (standard BKT).
  BktModel m2 = BktModel::from_json(
      R"({"format":"pathwise-bkt-model","version":"1.1","skills":{"a":{"prior":0.1,"learn":0.1,"guess":0.1,"slip":0.1}}})");
  CHECK(m2.skill("a").forget == 0.0);
  // A newer minor version may mean something this reader would silently get wrong (1.1 added
  // the learner layer): refused with a Version error, as a newer major is.
  for (const char* v : {"1.2", "1.10", "1.99999999", "2.0"}) {
    INFO("version " << v);
    try {
      (void)BktModel::from_json(std::string(R"({"format":"pathwise-bkt-model","version":")") + v +
                                R"(","skills":{"a":{"prior":0.1,"learn":0.1,"guess":0.1,"slip":0.1}}})");
      FAIL("accepted a newer version");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::Version);
      CHECK(e.location().field == "version");
      CHECK_THAT(e.message(), Catch::Matchers::Contains("upgrade Pathwise"));
    }
  }
  CHECK_THROWS_AS(BktModel::from_json(
                      R"({"format":"pathwise-bkt-model","version":"1.","skills":{}})"),
                  Error);
}

TEST_CASE("bkt: bad model documents give errors naming the field", "[bkt]") {
  auto error_of = [](const std::string& text) -> Error {
    try {
      (void)BktModel::from_json(text, "model.json");
    } catch (const Error& e) {
      return e;
    }
    FAIL("no error for " << text);
    return Error(ErrorCode::Internal, "unreachable");
  };
  const std::string head = R"({"format":"pathwise-bkt-model","version":"1.0","skills":)";
  SECTION("malformed JSON reports line and column") {
    Error e = error_of("{\n  \"format\": \"pathwise-bkt-model\",\n  \"skills\": {,}\n}");
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().source == "model.json");
    CHECK(e.location().line == 3);
  }
  SECTION("a value outside [0, 1]") {
    Error e = error_of(head + R"({"a":{"prior":1.2,"learn":0.1,"guess":0.1,"slip":0.1}}})");
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "skills.a.prior");
    CHECK_THAT(std::string(e.what()), Contains("model.json") && Contains("1.2"));
  }
  SECTION("NaN written as null or a string") {
    CHECK(error_of(head + R"({"a":{"prior":null,"learn":0.1,"guess":0.1,"slip":0.1}}})")
              .location()
              .field == "skills.a.prior");
    CHECK(error_of(head + R"({"a":{"prior":0.1,"learn":"NaN","guess":0.1,"slip":0.1}}})")
              .location()
              .field == "skills.a.learn");
  }
  SECTION("a missing parameter") {
    Error e = error_of(head + R"({"a":{"prior":0.1,"learn":0.1,"guess":0.1}}})");
    CHECK(e.location().field == "skills.a.slip");
  }
  SECTION("a newer major version") {
    Error e = error_of(R"({"format":"pathwise-bkt-model","version":"2.0","skills":{}})");
    CHECK(e.code() == ErrorCode::Version);
    CHECK(e.location().field == "version");
  }
  SECTION("a wrong format name") {
    Error e = error_of(R"({"format":"pathwise-curriculum","version":"1.0","skills":{}})");
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "format");
  }
  SECTION("an item that names an unknown skill") {
    Error e = error_of(head + R"({"a":{"prior":0.1,"learn":0.1,"guess":0.1,"slip":0.1}},
                               "items":{"q1":{"skill":"b","guess":0.2,"slip":0.1}}})");
    CHECK(e.code() == ErrorCode::UnknownSkill);
    CHECK(e.location().field == "items.q1.skill");
  }
  SECTION("no skills object") {
    CHECK(error_of(R"({"format":"pathwise-bkt-model","version":"1.0"})").location().field ==
          "skills");
  }
}

TEST_CASE("bkt: forget_per_day is kept per skill, round-trips and is checked", "[bkt]") {
  BktModel m;
  m.set_skill("a", BktParams{0.3, 0.2, 0.0, 0.2, 0.1});
  m.set_skill("b", BktParams{0.3, 0.2, 0.0, 0.2, 0.1});
  CHECK_FALSE(m.forget_per_day("a").has_value());
  m.set_forget_per_day("a", 0.02);
  CHECK(m.forget_per_day("a") == 0.02);
  CHECK_FALSE(m.forget_per_day("b").has_value());
  CHECK_FALSE(m.forget_per_day("nope").has_value());
  const BktModel back = BktModel::from_json(m.to_json());
  CHECK(back == m);
  CHECK(back.forget_per_day("a") == 0.02);
  CHECK_FALSE(back.forget_per_day("b").has_value());
  BktModel other = m;
  other.set_forget_per_day("b", 0.0);
  CHECK(other != m);  // set to 0 is not the same as unset

  CHECK(error_from([&] { m.set_forget_per_day("nope", 0.1); }).code() == ErrorCode::UnknownSkill);
  for (double bad : {1.0, -0.1, std::nan("")}) {
    Error e = error_from([&] { m.set_forget_per_day("a", bad); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "skills.a.forget_per_day");
  }
  for (const char* value : {"1", "1.5", "-0.1", "\"x\"", "null"}) {
    INFO(value);
    const std::string doc = std::string(R"({"format":"pathwise-bkt-model","version":"1.0",
      "skills":{"a":{"prior":0.3,"learn":0.2,"guess":0.2,"slip":0.1,"forget_per_day":)") +
                            value + "}}}";
    Error e = error_from([&] { (void)BktModel::from_json(doc, "m.json"); });
    CHECK(e.location().source == "m.json");
    CHECK(e.location().field == "skills.a.forget_per_day");
  }
}

TEST_CASE("bkt: loading a missing model file is an Io error", "[bkt]") {
  try {
    (void)BktModel::load("/nonexistent/model.json");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Io);
  }
}

TEST_CASE("answer_information: the mutual information of an answer and the hidden state",
          "[bkt]") {
  // guess = slip = 0: the answer reveals the state, so it carries H(P(known)) bits.
  CHECK_THAT(answer_information({0.5, 0.1, 0.0, 0.0, 0.0}, 0.5), WithinAbs(1.0, 1e-15));
  CHECK(answer_information({0.5, 0.1, 0.0, 0.0, 0.0}, 1.0) == 0.0);
  // guess 0.2, slip 0.1, P(known) 0.5: H(0.55) - 0.5 H(0.1) - 0.5 H(0.2), worked out by hand:
  // 0.992774 - 0.5 * 0.468996 - 0.5 * 0.721928 = 0.397312.
  CHECK_THAT(answer_information({0.5, 0.1, 0.0, 0.2, 0.1}, 0.5),
             WithinAbs(0.397312, 1e-6));
  // Out of [0, 1] is clamped; guess + slip = 1 carries nothing.
  CHECK(answer_information({0.5, 0.1, 0.0, 0.2, 0.1}, 1.5) ==
        answer_information({0.5, 0.1, 0.0, 0.2, 0.1}, 1.0));
  CHECK_THAT(answer_information({0.5, 0.1, 0.0, 0.4, 0.6}, 0.3), WithinAbs(0.0, 1e-12));
}
