#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: formatting check, a release
# build with unit, integration and e2e tests, then the same suite under AddressSanitizer and UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

# Compiler cache keyed on paths relative to the checkout, so a fresh clone reuses earlier builds.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

echo "== formatting"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

echo "== e2e test packages (tests/e2e/node_modules)"
npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error >/dev/null

echo "== release build and tests"
cmake --preset release -DOLLAMA_PROXY_WERROR=ON >/dev/null
cmake --build --preset release
ctest --preset release --parallel 2

echo "== sanitizer build and tests"
cmake --preset asan -DOLLAMA_PROXY_WERROR=ON >/dev/null
cmake --build --preset asan
ctest --preset asan --parallel 2
