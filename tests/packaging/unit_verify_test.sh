#!/usr/bin/env bash
# `systemd-analyze verify` on config/ollama-proxy.service. verify requires ExecStart's program to
# exist, so a copy pointing at the built binary is checked. verify exits 0 on unknown keys and bad
# values (it only prints them), so any output fails the test too.
# Usage: unit_verify_test.sh UNIT_FILE PROXY_BIN   (exits 77, "skipped", without systemd-analyze)
set -euo pipefail
unit=$1 proxy_bin=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

grep -qx 'ExecStart=/usr/bin/ollama-proxy .*' "$unit" || { echo "FAIL: no ExecStart line" >&2; exit 1; }
sed "s#^ExecStart=/usr/bin/ollama-proxy #ExecStart=$proxy_bin #" "$unit" >"$work/ollama-proxy.service"
if ! systemd-analyze verify "$work/ollama-proxy.service" >"$work/out" 2>&1 || [[ -s $work/out ]]; then
    echo "FAIL: systemd-analyze verify:" >&2
    cat "$work/out" >&2
    exit 1
fi
echo "systemd-analyze verify: clean"
