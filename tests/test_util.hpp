// Helpers shared by the test programs.
#pragma once

#include <catch2/catch.hpp>

#include "pathwise/types.hpp"

namespace test_util {

// Runs `f`, which must throw pathwise::Error, and returns the error. Any other exception
// propagates and fails the test; no exception fails it and returns an Internal placeholder.
template <typename F>
pathwise::Error error_from(F&& f) {
  try {
    f();
  } catch (const pathwise::Error& e) {
    return e;
  }
  FAIL_CHECK("expected pathwise::Error, nothing was thrown");
  return pathwise::Error(pathwise::ErrorCode::Internal, "<nothing was thrown>",
                         pathwise::Location{"", 0, 0, "<none>"});
}

}  // namespace test_util
