#!/usr/bin/env bash
# Regenerates the README's screenshots of the reports, docs/img/report-{class,learner,fit}.png,
# from the browser test's fixture reports (tests/browser/make_reports.cpp), in headless Chromium.
# Needs a build (report_fixtures), Debian's chromium and `npm ci --prefix tests/browser`.
#
#   bash tools/report_screenshots.sh [BUILD_DIR, default build]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
chromium=/usr/lib/chromium/chromium
[ -x "$chromium" ] || chromium=$(command -v chromium)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/tests/report_fixtures" "$tmp"
node "$root/tests/browser/report_browser_test.mjs" --chromium "$chromium" --dir "$tmp" \
  --screenshots "$root/docs/img" --width 1000 --height 640 >/dev/null
ls -l "$root"/docs/img/report-*.png
