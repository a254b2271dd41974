#include "pathwise/types.hpp"

#include <catch2/catch.hpp>

using pathwise::Error;
using pathwise::ErrorCode;
using pathwise::Location;
using pathwise::Result;

TEST_CASE("types: an error's message starts with its place", "[types]") {
  Error e(ErrorCode::Parse, "column 'correct' must be 0 or 1, got '2'",
          Location{"ct.csv", 12, 40, "correct"});
  CHECK(std::string(e.what()) ==
        "ct.csv:12:40 (field 'correct'): column 'correct' must be 0 or 1, got '2'");
  CHECK(e.code() == ErrorCode::Parse);
  CHECK(e.location().line == 12);
  CHECK(e.message() == "column 'correct' must be 0 or 1, got '2'");
}

TEST_CASE("types: a location leaves out what is unknown", "[types]") {
  CHECK(Location{}.to_string().empty());
  CHECK(Location{"f.json", 0, 0, "skills.a.guess"}.to_string() ==
        "f.json (field 'skills.a.guess')");
  CHECK(Location{"", 3, 0, ""}.to_string() == "line 3");
  CHECK(Location{"", 0, 0, "item"}.to_string() == "field 'item'");
  CHECK(std::string(Error(ErrorCode::Io, "boom").what()) == "boom");
}

TEST_CASE("types: Result holds a value or an error", "[types]") {
  Result<int> ok = 7;
  REQUIRE(ok.ok());
  CHECK(ok.value() == 7);
  CHECK_THROWS_AS(ok.error(), Error);

  Result<int> bad = Error(ErrorCode::InvalidArgument, "nope");
  CHECK_FALSE(bad.ok());
  CHECK_FALSE(static_cast<bool>(bad));
  CHECK(bad.error().code() == ErrorCode::InvalidArgument);
  CHECK_THROWS_AS(bad.value(), Error);
}

TEST_CASE("types: every error code has a name", "[types]") {
  for (auto c : {ErrorCode::InvalidArgument, ErrorCode::Parse, ErrorCode::Io,
                 ErrorCode::UnknownSkill, ErrorCode::UnknownItem, ErrorCode::UnknownLearner,
                 ErrorCode::Version, ErrorCode::Internal}) {
    CHECK(std::string(pathwise::to_string(c)) != "unknown");
  }
}
