#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Pathwise builds with, if any is missing. Safe to re-run.
set -euo pipefail
# clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes): the fuzz and
# ThreadSanitizer builds of .ci/run. pybind11-dev, python3-dev, numpy, pandas, pytest,
# setuptools and wheel: the Python package (python/) and its tests. php8.2-cli (FFI is built in
# on Debian): examples/php, run by ctest. chromium and nodejs (with npm, unless a nodejs that
# bundles npm is there): the browser test of the reports (tests/browser; .ci/run runs npm ci).
packages=(cmake make g++ libeigen3-dev nlohmann-json3-dev libspdlog-dev catch2 libbenchmark-dev libsqlite3-dev
  libpq-dev postgresql clang libclang-rt-14-dev
  python3-dev pybind11-dev python3-numpy python3-pandas python3-pytest python3-setuptools python3-wheel
  php8.2-cli chromium nodejs)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The browser test's driver, pinned by tests/browser/package-lock.json (from the npm registry).
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$here/tests/browser/node_modules/puppeteer-core" ]; then
  echo "installing: puppeteer-core (npm ci --prefix tests/browser)" >&2
  npm ci --prefix "$here/tests/browser" --no-audit --no-fund --ignore-scripts >/dev/null
fi
