#!/usr/bin/env bash
# The browser test of the reports (ctest: report_browser): writes the fixture reports with
# FIXTURES, then opens them in headless Chromium. Skips (exit 77, with the reason) when Chromium,
# node or tests/browser/node_modules is missing, except under CI, where that is a failure.
#
#   bash tests/browser/run.sh FIXTURES OUT_DIR [SCREENSHOT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$1
out=$2
shots=${3:-$2}
skip() {
  echo "report_browser SKIPPED: $1"
  if [ "${CI:-}" = "true" ]; then
    echo "under CI the browser test must run"
    exit 1
  fi
  exit 77
}
chromium=${PATHWISE_CHROMIUM:-}
if [ -z "$chromium" ]; then
  # Debian's /usr/bin/chromium is a wrapper script; the browser itself is beside its libraries.
  for c in /usr/lib/chromium/chromium "$(command -v chromium || true)" "$(command -v chromium-browser || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then chromium=$c; break; fi
  done
fi
[ -n "$chromium" ] || skip "chromium is not installed (bash tools/install-deps.sh installs it)"
command -v node >/dev/null || skip "node is not installed"
[ -d "$here/node_modules/puppeteer-core" ] ||
  skip "tests/browser/node_modules is missing (run: npm ci --prefix tests/browser)"
mkdir -p "$out" "$shots"
"$fixtures" "$out"
node "$here/report_browser_test.mjs" --chromium "$chromium" --dir "$out" --screenshots "$shots"
