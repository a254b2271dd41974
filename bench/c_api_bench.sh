#!/usr/bin/env bash
# Per-call cost of record/recommend: the C++ Engine (reference), the C API from compiled code,
# and PHP through FFI, in one run on one machine. Not part of any pass/fail test.
#
#   bash bench/c_api_bench.sh [build-dir] [calls]
# The build needs -DPATHWISE_BUILD_BENCHMARKS=ON (target c_api_bench) and the shared library.
set -euo pipefail
build=${1:-build}
calls=${2:-200000}
cd "$(dirname "$0")/.."
[ -x "$build/bench/c_api_bench" ] || { echo "build $build/bench/c_api_bench first" >&2; exit 2; }
echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%F), $(php -r 'echo PHP_VERSION;') (opcache.enable_cli=0)"
"$build/bench/c_api_bench" "$calls"
php -d ffi.enable=1 bench/c_api_bench.php "$build/libpathwise.so" include/pathwise_ffi.h "$calls"
