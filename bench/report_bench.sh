#!/usr/bin/env bash
# The class report at scale (docs/performance.md): write time and size (bench/report_bench),
# then the render time in headless Chromium (tests/browser/report_browser_test.mjs --render),
# three runs each.
#
#   bash bench/report_bench.sh [BUILD_DIR, default build] [learners 10000] [skills 100]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
learners=${2:-10000}
skills=${3:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chromium=/usr/lib/chromium/chromium
[ -x "$chromium" ] || chromium=$(command -v chromium)
for run in 1 2 3; do
  "$build/bench/report_bench" "$learners" "$skills" "$tmp/large-class.html"
  node "$root/tests/browser/report_browser_test.mjs" --chromium "$chromium" \
    --render "$tmp/large-class.html"
done
