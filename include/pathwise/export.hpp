// Pathwise — PATHWISE_EXPORT: marks what the shared library exports.
//
// The library is compiled with -fvisibility=hidden and -fvisibility-inlines-hidden, so only
// the declarations marked here are visible outside libpathwise.so: the public classes and free
// functions of include/pathwise/ and the C API of pathwise.h. The JSON and logging libraries'
// code and the internals (pathwise::detail) stay inside. In the static library the mark changes
// nothing.
#pragma once

#if defined(_WIN32) || defined(__CYGWIN__)
#define PATHWISE_EXPORT
#elif defined(__GNUC__) || defined(__clang__)
#define PATHWISE_EXPORT __attribute__((visibility("default")))
#else
#define PATHWISE_EXPORT
#endif
