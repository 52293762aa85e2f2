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
# promtool checks the /metrics text in the integration tests; Debian ships it with the server.
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)

[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "installing: ${missing[*]}" >&2

# The prometheus package would start its server on install. A policy-rc.d that refuses every
# service start prevents that; one made here is removed again, one already present is kept.
policy=/usr/sbin/policy-rc.d
created_policy=""
remove_policy() {
    if [ -n "$created_policy" ]; then "${sudo[@]}" rm -f "$created_policy"; fi
}
trap remove_policy EXIT
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod +x "$policy"
    created_policy=$policy
fi

"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
