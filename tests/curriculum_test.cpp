#include "pathwise/curriculum.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_util.hpp"

using namespace pathwise;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::WithinAbs;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const std::string kSmall = std::string(PATHWISE_TEST_DATA) + "/curriculum_small.json";

using test_util::error_from;

// A document with the given skills and items arrays (JSON text).
std::string doc(const std::string& skills, const std::string& items = "[]") {
  return R"({"format": "pathwise-curriculum", "version": "1.0", "skills": )" + skills +
         R"(, "items": )" + items + "}";
}

Skill skill(std::string id, std::vector<std::string> prereqs = {}) {
  Skill s;
  s.id = std::move(id);
  s.prerequisites = std::move(prereqs);
  return s;
}

Item item(std::string id, std::vector<std::string> skills,
          std::optional<double> difficulty = std::nullopt) {
  Item i;
  i.id = std::move(id);
  i.skills = std::move(skills);
  i.difficulty = difficulty;
  return i;
}

}  // namespace

TEST_CASE("curriculum: the documented document reads skills, prerequisites and items",
          "[curriculum]") {
  const Curriculum c = Curriculum::from_json(read_text(kSmall), "curriculum_small.json");

  REQUIRE(c.skills().size() == 3);
  CHECK(c.skills()[0].id == "counting");
  CHECK(c.skills()[0].name == "Counting");
  CHECK(c.skills()[0].prerequisites.empty());
  CHECK(c.skills()[1].prerequisites == std::vector<std::string>{"counting"});
  SECTION("a skill without a name is named by its id") {
    CHECK(c.skills()[2].name == "multiplication");
  }
  SECTION("prerequisites are kept as ids and indexed") {
    CHECK(c.skills()[2].prerequisites == std::vector<std::string>{"addition", "counting"});
    CHECK(c.prerequisites(2) == std::vector<std::uint32_t>{1, 0});
    CHECK(c.prerequisites(1) == std::vector<std::uint32_t>{0});
    CHECK(c.prerequisites(0).empty());
  }
  SECTION("items have one or several skills, and an optional difficulty") {
    REQUIRE(c.items().size() == 3);
    CHECK(c.items()[0].skills == std::vector<std::string>{"counting"});
    CHECK_FALSE(c.items()[0].difficulty.has_value());
    CHECK(c.items()[0].metadata.empty());
    REQUIRE(c.items()[1].difficulty.has_value());
    CHECK_THAT(*c.items()[1].difficulty, WithinAbs(0.3, 1e-15));
    CHECK(c.items()[2].skills == std::vector<std::string>{"multiplication", "addition"});
    CHECK_THAT(*c.items()[2].difficulty, WithinAbs(0.75, 1e-15));
    CHECK(c.item_skills(2) == std::vector<std::uint32_t>{2, 1});
    CHECK(c.skill_items(1) == std::vector<std::uint32_t>{1, 2});
    CHECK(c.skill_items(0) == std::vector<std::uint32_t>{0});
  }
  SECTION("metadata is kept as JSON text") {
    nlohmann::json meta = nlohmann::json::parse(c.items()[2].metadata);
    CHECK(meta == nlohmann::json::parse(R"({"source": "book", "chapter": 3, "tags": ["x", "y"]})"));
  }
  SECTION("lookups by id") {
    CHECK(c.skill_index("addition") == std::optional<std::uint32_t>(1));
    CHECK_FALSE(c.skill_index("division").has_value());
    CHECK(c.item_index("m1") == std::optional<std::uint32_t>(2));
    CHECK_FALSE(c.item_index("zz").has_value());
    CHECK(c.skill("addition").name == "Addition");
    CHECK(c.item("a1").id == "a1");
    CHECK(error_from([&] { (void)c.skill("division"); }).code() == ErrorCode::UnknownSkill);
    CHECK(error_from([&] { (void)c.item("zz"); }).code() == ErrorCode::UnknownItem);
  }
}

TEST_CASE("curriculum: load reads a file and names it in errors", "[curriculum]") {
  CHECK(Curriculum::load(kSmall) == Curriculum::from_json(read_text(kSmall)));
  const Error e = error_from([] { (void)Curriculum::load("/nonexistent/dir/curriculum.json"); });
  CHECK(e.code() == ErrorCode::Io);
}

TEST_CASE("curriculum: items is optional and an empty curriculum has no skills", "[curriculum]") {
  const Curriculum c = Curriculum::from_json(
      R"({"format": "pathwise-curriculum", "version": "1.0", "skills": [{"id": "a"}]})");
  CHECK(c.skills().size() == 1);
  CHECK(c.items().empty());
  CHECK(c.skill_items(0).empty());
  CHECK(Curriculum().skills().empty());
  CHECK(Curriculum().topological_order().empty());
}

TEST_CASE("curriculum: metadata is written back by to_json", "[curriculum]") {
  const Curriculum c = Curriculum::load(kSmall);
  const nlohmann::json out = nlohmann::json::parse(c.to_json());
  CHECK(out.at("format") == "pathwise-curriculum");
  CHECK(out.at("version") == "1.0");
  const auto& items = out.at("items");
  REQUIRE(items.size() == 3);
  CHECK_FALSE(items[0].contains("metadata"));
  CHECK_FALSE(items[0].contains("difficulty"));
  CHECK(items[2].at("metadata") ==
        nlohmann::json::parse(R"({"source": "book", "chapter": 3, "tags": ["x", "y"]})"));
  CHECK(items[2].at("skills") == nlohmann::json::parse(R"(["multiplication", "addition"])"));
}

TEST_CASE("curriculum: to_json then from_json gives an equal curriculum", "[curriculum]") {
  SECTION("the documented document") {
    const Curriculum c = Curriculum::load(kSmall);
    CHECK(Curriculum::from_json(c.to_json()) == c);
    CHECK(Curriculum::from_json(c.to_json(-1)) == c);
  }
  SECTION("a curriculum built in code, with awkward doubles and metadata kinds") {
    std::vector<Item> items{item("i1", {"b", "a"}, 0.1 + 0.2), item("i2", {"a"}, 0.0),
                            item("i3", {"b"}, 1.0), item("i4", {"a"})};
    items[0].metadata = R"({"k":[1,2,{"z":null}]})";
    items[1].metadata = R"("a string")";
    items[2].metadata = "42";
    Skill a = skill("a");
    a.name = "Skill A, with \"quotes\" and ünïcödé";
    const Curriculum c({a, skill("b", {"a"})}, items);
    const Curriculum back = Curriculum::from_json(c.to_json());
    CHECK(back == c);
    // Exactly the same double, not merely a close one.
    CHECK(*back.items()[0].difficulty == 0.1 + 0.2);
    CHECK(back.topological_order() == c.topological_order());
  }
  SECTION("an empty curriculum") {
    CHECK(Curriculum::from_json(Curriculum().to_json()) == Curriculum());
  }
}

TEST_CASE("curriculum: topological_order puts every prerequisite first", "[curriculum]") {
  // Listed with dependants before their prerequisites on purpose.
  const Curriculum c(
      {skill("multiplication", {"addition"}), skill("geometry"), skill("addition", {"counting"}),
       skill("fractions", {"multiplication", "counting"}), skill("counting")},
      {});
  const auto& order = c.topological_order();
  REQUIRE(order.size() == 5);
  std::vector<std::uint32_t> sorted(order);
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<std::uint32_t>{0, 1, 2, 3, 4});
  auto position = [&](std::uint32_t s) {
    return std::find(order.begin(), order.end(), s) - order.begin();
  };
  for (std::uint32_t s = 0; s < 5; ++s) {
    for (std::uint32_t p : c.prerequisites(s)) {
      INFO(c.skills()[p].id << " must come before " << c.skills()[s].id);
      CHECK(position(p) < position(s));
    }
  }
  SECTION("skills with no prerequisites keep document order") {
    const Curriculum flat({skill("p"), skill("q"), skill("r")}, {});
    CHECK(flat.topological_order() == std::vector<std::uint32_t>{0, 1, 2});
  }
}

TEST_CASE("curriculum: duplicate and empty ids are InvalidArgument naming the field",
          "[curriculum]") {
  SECTION("duplicate skill id") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(doc(R"([{"id": "a"}, {"id": "b"}, {"id": "a"}])"), "c.json");
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "skills[2].id");
    CHECK(e.location().source == "c.json");
    CHECK_THAT(e.message(), Contains("duplicate skill id 'a'"));
  }
  SECTION("duplicate item id") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(doc(
          R"([{"id": "a"}])", R"([{"id": "x", "skills": ["a"]}, {"id": "x", "skills": ["a"]}])"));
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "items[1].id");
    CHECK_THAT(e.message(), Contains("'x'"));
  }
  SECTION("empty skill id") {
    const Error e =
        error_from([] { (void)Curriculum::from_json(doc(R"([{"id": "a"}, {"id": ""}])")); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "skills[1].id");
  }
  SECTION("empty item id") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(doc(R"([{"id": "a"}])", R"([{"id": "", "skills": ["a"]}])"));
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "items[0].id");
  }
  SECTION("the constructor raises the same errors") {
    CHECK(error_from([] {
            Curriculum({skill("a"), skill("a")}, {});
          })
              .location()
              .field == "skills[1].id");
    CHECK(error_from([] {
            Curriculum({skill("a")}, {item("i", {"a"}), item("i", {"a"})});
          })
              .location()
              .field == "items[1].id");
  }
}

TEST_CASE("curriculum: a reference to an undefined skill is UnknownSkill naming the field",
          "[curriculum]") {
  SECTION("unknown prerequisite") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(
          doc(R"([{"id": "a"}, {"id": "b", "prerequisites": ["a", "zz"]}])"), "c.json");
    });
    CHECK(e.code() == ErrorCode::UnknownSkill);
    CHECK(e.location().field == "skills[1].prerequisites[1]");
    CHECK(e.location().source == "c.json");
    CHECK_THAT(e.message(), Contains("'zz'"));
  }
  SECTION("item naming an unknown skill") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(doc(R"([{"id": "a"}])", R"([{"id": "i1", "skills": ["a"]},
                                                              {"id": "i2", "skills": ["a", "nope"]}])"));
    });
    CHECK(e.code() == ErrorCode::UnknownSkill);
    CHECK(e.location().field == "items[1].skills[1]");
    CHECK_THAT(e.message(), Contains("'nope'"));
    CHECK_THAT(e.message(), Contains("'i2'"));
  }
}

TEST_CASE("curriculum: an item with no skill is InvalidArgument", "[curriculum]") {
  const Error e = error_from([] {
    (void)Curriculum::from_json(doc(R"([{"id": "a"}])", R"([{"id": "i1", "skills": []}])"));
  });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK(e.location().field == "items[0].skills");
  CHECK_THAT(e.message(), Contains("'i1'"));
}

TEST_CASE("curriculum: a difficulty outside [0, 1] or NaN is InvalidArgument", "[curriculum]") {
  SECTION("bounds are inclusive") {
    CHECK_NOTHROW(Curriculum({skill("a")}, {item("lo", {"a"}, 0.0), item("hi", {"a"}, 1.0)}));
  }
  SECTION("below 0, in a document") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(doc(R"([{"id": "a"}])", R"([{"id": "ok", "skills": ["a"]},
                                                              {"id": "i", "skills": ["a"], "difficulty": -0.1}])"));
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "items[1].difficulty");
  }
  SECTION("above 1") {
    const Error e = error_from([] { Curriculum({skill("a")}, {item("i", {"a"}, 1.5)}); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "items[0].difficulty");
    CHECK_THAT(e.message(), Contains("1.5"));
  }
  SECTION("NaN") {
    const Error e = error_from([] {
      Curriculum({skill("a")}, {item("i", {"a"}, std::numeric_limits<double>::quiet_NaN())});
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(e.location().field == "items[0].difficulty");
    CHECK_THAT(e.message(), Contains("NaN"));
  }
  SECTION("not a number in a document") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(
          doc(R"([{"id": "a"}])", R"([{"id": "i", "skills": ["a"], "difficulty": "hard"}])"));
    });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "items[0].difficulty");
  }
}

TEST_CASE("curriculum: an item whose metadata is not JSON text gives pathwise::Error",
          "[curriculum]") {
  // Item::metadata is documented as JSON text written back unchanged. Text that is not JSON
  // must be reported as a pathwise::Error (by the constructor or by to_json), never as a
  // nlohmann exception escaping the library.
  Item i = item("i", {"a"});
  i.metadata = "chapter 3";
  CHECK_THROWS_AS(
      [&] {
        const Curriculum c({skill("a")}, {i});
        (void)c.to_json();
      }(),
      Error);
}

TEST_CASE("curriculum: a prerequisite cycle is InvalidArgument naming the cycle exactly",
          "[curriculum]") {
  // "x -> y" in the message means y is a prerequisite of x: the cycle is written in the
  // order the depth-first search follows prerequisites, starting from the first skill of the
  // cycle it entered (document order).
  SECTION("a needs b, b needs c, c needs a") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(doc(R"([{"id": "a", "prerequisites": ["b"]},
                                          {"id": "b", "prerequisites": ["c"]},
                                          {"id": "c", "prerequisites": ["a"]}])"));
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.message(), Equals("prerequisite cycle: a -> b -> c -> a"));
    // The field names the prerequisites of a skill on the cycle.
    CHECK_THAT(e.location().field,
               Catch::Matchers::Matches(R"(skills\[[012]\]\.prerequisites(\[0\])?)"));
  }
  SECTION("the same three skills with every edge reversed") {
    const Error e = error_from([] {
      Curriculum({skill("a", {"c"}), skill("b", {"a"}), skill("c", {"b"})}, {});
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.message(), Equals("prerequisite cycle: a -> c -> b -> a"));
  }
  SECTION("skills leading into the cycle are not part of it") {
    // d needs a; the cycle is a -> b -> c -> a; e is unrelated.
    const Error e = error_from([] {
      Curriculum(
          {skill("e"), skill("d", {"a"}), skill("a", {"b"}), skill("b", {"c"}), skill("c", {"a"})},
          {});
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.message(), Equals("prerequisite cycle: a -> b -> c -> a"));
    CHECK_THAT(e.location().field,
               Catch::Matchers::Matches(R"(skills\[[234]\]\.prerequisites(\[0\])?)"));
  }
  SECTION("a self-loop") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(doc(R"([{"id": "a"}, {"id": "b", "prerequisites": ["a", "b"]}])"),
                                  "loop.json");
    });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e.message(), Equals("prerequisite cycle: b -> b"));
    CHECK_THAT(e.location().field, Catch::Matchers::StartsWith("skills[1].prerequisites"));
    CHECK(e.location().source == "loop.json");
  }
  SECTION("a diamond is not a cycle") {
    CHECK_NOTHROW(Curriculum(
        {skill("top", {"l", "r"}), skill("l", {"base"}), skill("r", {"base"}), skill("base")}, {}));
  }
}

TEST_CASE("curriculum: malformed JSON is Parse with line and column", "[curriculum]") {
  // Line 3 is `  "version": "1.0",,`: two spaces, "version" in columns 3-11, the colon 12, a
  // space 13, "1.0" 14-18, the first comma 19, so the stray second comma is column 20.
  const std::string text =
      "{\n"
      "  \"format\": \"pathwise-curriculum\",\n"
      "  \"version\": \"1.0\",,\n"
      "  \"skills\": []\n"
      "}\n";
  const Error e = error_from([&] { (void)Curriculum::from_json(text, "bad.json"); });
  CHECK(e.code() == ErrorCode::Parse);
  CHECK(e.location().source == "bad.json");
  CHECK(e.location().line == 3);
  CHECK(e.location().column == 20);
  CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith("bad.json:3:20"));

  SECTION("truncated text") {
    const Error t = error_from([] { (void)Curriculum::from_json(R"({"format": "pathwise-curr)"); });
    CHECK(t.code() == ErrorCode::Parse);
    CHECK(t.location().line == 1);
  }
  SECTION("not an object") {
    CHECK(error_from([] { (void)Curriculum::from_json("[1, 2]"); }).code() == ErrorCode::Parse);
  }
}

TEST_CASE("curriculum: a wrong format, newer major version or missing skills is rejected",
          "[curriculum]") {
  SECTION("wrong format") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(
          R"({"format": "pathwise-bkt-model", "version": "1.0", "skills": []})");
    });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "format");
  }
  SECTION("missing format") {
    const Error e =
        error_from([] { (void)Curriculum::from_json(R"({"version": "1.0", "skills": []})"); });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "format");
  }
  SECTION("newer major version") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(
          R"({"format": "pathwise-curriculum", "version": "2.0", "skills": []})", "v2.json");
    });
    CHECK(e.code() == ErrorCode::Version);
    CHECK(e.location().field == "version");
    CHECK(e.location().source == "v2.json");
    CHECK_THAT(e.message(), Contains("2.0"));
  }
  SECTION("a newer minor version is read") {
    CHECK(Curriculum::from_json(
              R"({"format": "pathwise-curriculum", "version": "1.7", "skills": [{"id": "a"}]})")
              .skills()
              .size() == 1);
  }
  SECTION("missing skills") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(
          R"({"format": "pathwise-curriculum", "version": "1.0", "items": []})");
    });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "skills");
  }
  SECTION("skills that is not an array") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(
          R"({"format": "pathwise-curriculum", "version": "1.0", "skills": {}})");
    });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "skills");
  }
  SECTION("a skill without an id") {
    const Error e =
        error_from([] { (void)Curriculum::from_json(doc(R"([{"id": "a"}, {"name": "B"}])")); });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "skills[1].id");
  }
  SECTION("a prerequisite that is not a string") {
    const Error e = error_from([] {
      (void)Curriculum::from_json(doc(R"([{"id": "a"}, {"id": "b", "prerequisites": ["a", 3]}])"));
    });
    CHECK(e.code() == ErrorCode::Parse);
    CHECK(e.location().field == "skills[1].prerequisites[1]");
  }
}
