#!/usr/bin/env bash
# The cost of API keys and quotas on passthrough: the same non-streaming POST /api/chat through
# ollama-proxy without auth, and with auth on and a key that has all three limits set (high
# enough never to refuse, so every request is admitted, counted, and its tokens scanned).
# Reports requests/s and the proxy's CPU time per request for each, measured in one run.
#
# Uses the binaries of build/release (cmake --preset release && cmake --build --preset release).
# Knobs: BENCH_DURATION (seconds per wrk run, default 10), BENCH_CONNECTIONS (default 64),
# BENCH_BUILD_DIR (another release build directory), BENCH_BASELINE (the ollama-proxy binary of
# an older version: each case is then also measured with it, alternately, for a before/after).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=${BENCH_BUILD_DIR:-$(dirname "$BENCH_DIR")/build/release}
BASELINE=${BENCH_BASELINE:-}
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/health" && return; sleep 0.1; done; exit 1; }

fake_port=$(free_port)
"$BUILD_DIR/tests/fake_ollama/fake_ollama" --port "$fake_port" --interval-ms 0 >/dev/null 2>&1 &
PIDS+=($!)

cat >"$WORK/auth.json" <<JSON
{"auth": {"enabled": true, "tokens": [{"key": "sk-bench", "limitPerMinute": 100000000,
  "limitTokensPerMinute": 100000000000, "maxConcurrent": 100000}]}}
JSON

# measure NAME BINARY [proxy flags...]: one proxy, one wrk run, one report line.
measure() {
    local name=$1 binary=$2
    shift 2
    local port file="$WORK/${name//[^a-z]/_}"
    port=$(free_port)
    "$binary" --remote-host "127.0.0.1:$fake_port" --port "$port" \
        --log-level warn "$@" 2>"$file.log" &
    local pid=$!
    PIDS+=("$pid")
    sleep 0.3
    local header=()
    [[ $name == auth* ]] && header=(-H "x-api-key: sk-bench")
    wrk -t2 -c"$CONNECTIONS" -d1s "${header[@]}" -s "$BENCH_DIR/post_chat.lua" \
        "http://127.0.0.1:$port/api/chat" >/dev/null
    local before after
    before=$(cpu_ticks "$pid")
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "${header[@]}" -s "$BENCH_DIR/post_chat.lua" \
        "http://127.0.0.1:$port/api/chat" >"$file.wrk"
    after=$(cpu_ticks "$pid")
    # report.lua's summary line: requests, duration and non-2xx answers (a refusal would be one).
    local summary
    summary=$(grep '^BENCH ' "$file.wrk")
    [[ $summary == *" errors_status=0 "* ]] || { echo "$name: refused requests: $summary" >&2; exit 1; }
    awk -v name="$name" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
        /^BENCH / {
            for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
            printf "| %s | %.0f | %.1f |\n", name, f["requests"] / (f["duration_us"] / 1e6),
                   ticks / hz * 1e6 / f["requests"]
        }' "$file.wrk"
    kill "$pid"
}

echo "| proxy | requests/s | CPU-µs per request |"
echo "|---|---|---|"
proxy="$BUILD_DIR/src/ollama-proxy"
[[ -n $BASELINE ]] && measure "plain (baseline)" "$BASELINE"
measure plain "$proxy"
[[ -n $BASELINE ]] && measure "auth (baseline)" "$BASELINE" --config "$WORK/auth.json"
measure auth "$proxy" --config "$WORK/auth.json"
