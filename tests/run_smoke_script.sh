#!/usr/bin/env bash
# Runs scripts/run-proxy-test against the bundled fake Ollama: the smoke test must pass against a
# working remote and fail (non-zero) against a remote that is down.
# Usage: run_smoke_script.sh PROXY_BIN FAKE_BIN
set -euo pipefail
proxy_bin=$1 fake_bin=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
"$fake_bin" --port 0 --port-file "$work/port" >/dev/null 2>&1 &
fake=$!
trap 'kill "$fake" 2>/dev/null; wait "$fake" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.05; done
port=$(<"$work/port")
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

"$repo/scripts/run-proxy-test" --proxy-bin "$proxy_bin" --remote-host "http://127.0.0.1:$port" \
    --local-port "$(free_port)" --timeout 60 --system-prompt "Be brief."

if "$repo/scripts/run-proxy-test" --proxy-bin "$proxy_bin" --remote-host "127.0.0.1:$(free_port)" \
    --local-port "$(free_port)" --timeout 20 >"$work/down.txt" 2>&1; then
    echo "the smoke test passed against a remote that is down:" >&2
    cat "$work/down.txt" >&2
    exit 1
fi
grep -q 'result: FAILED' "$work/down.txt"
echo "remote down: the smoke test failed as it must"

# A remote that answers nothing for 30 s: --timeout 3 must end the test in time, failed.
curl -sS -X POST "http://127.0.0.1:$port/_fake/fault" -d '{"fault":"slow-head=30000","count":10}' >/dev/null
started=$SECONDS
if "$repo/scripts/run-proxy-test" --proxy-bin "$proxy_bin" --remote-host "127.0.0.1:$port" \
    --local-port "$(free_port)" --timeout 3 >"$work/slow.txt" 2>&1; then
    echo "the smoke test passed against a remote that never answers" >&2
    exit 1
fi
elapsed=$((SECONDS - started))
grep -q 'timeout of 3 s reached' "$work/slow.txt" || { cat "$work/slow.txt" >&2; exit 1; }
[[ $elapsed -le 12 ]] || { echo "--timeout 3 took ${elapsed} s" >&2; exit 1; }
echo "silent remote: --timeout 3 ended the test after ${elapsed} s"
