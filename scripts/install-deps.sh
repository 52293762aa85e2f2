#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build and test ollama-proxy, skipping what is present.
set -euo pipefail

packages=(
    g++ cmake ninja-build ccache pkg-config
    libboost1.81-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libssl-dev
    libgtest-dev openssl ca-certificates curl clang-format python3
    # The .deb: CPack computes its Depends with dpkg-shlibdeps (dpkg-dev) after `file` finds the
    # ELF files.
    dpkg-dev file
    # Headless browser for the status page's e2e test (tests/e2e/status_page.test.mjs).
    chromium
)

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
# Node.js and npm run the e2e tests. Only what is missing is installed, so an existing (possibly
# newer) Node or npm is left as it is.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "installing: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
