#!/usr/bin/env bash
# Installs what is missing, builds ollama-proxy (release) and runs it in the foreground.
# Arguments go to the proxy. Without --remote-host (and without OLLAMA_PROXY_REMOTE_HOST or a
# --config file) the bundled fake Ollama is started as the remote, so the proxy answers at once.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release -DOLLAMA_PROXY_TESTS=ON >/dev/null
cmake --build --preset release --target ollama-proxy fake_ollama

proxy=build/release/src/ollama-proxy
fake=build/release/tests/fake_ollama/fake_ollama

has_remote=false
for arg in "$@"; do
    case "$arg" in --remote-host|--remote-host=*|--config|--config=*|--help|--version) has_remote=true ;; esac
done
[ -n "${OLLAMA_PROXY_REMOTE_HOST:-}${OLLAMA_PROXY_CONFIG:-}" ] && has_remote=true

if ! $has_remote; then
    port_file=$(mktemp)
    "$fake" --host 127.0.0.1 --port 0 --port-file "$port_file" >/dev/null &
    fake_pid=$!
    trap 'kill $fake_pid 2>/dev/null; rm -f "$port_file"' EXIT
    for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
    echo "no --remote-host given: using the bundled fake Ollama on 127.0.0.1:$(cat "$port_file")" >&2
    echo "try: curl http://127.0.0.1:11434/api/tags" >&2
    set -- --remote-host "127.0.0.1:$(cat "$port_file")" "$@"
    "$proxy" "$@"
    exit $?
fi
exec "$proxy" "$@"
