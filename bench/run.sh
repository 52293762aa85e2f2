#!/usr/bin/env bash
# Benchmark of ollama-proxy against the fake Ollama reached directly and through nginx.
#
# One run measures, for each target (fake direct, ollama-proxy, nginx):
#   1. requests/s of GET /api/tags and non-streaming POST /api/chat (wrk), and the relay's
#      CPU time per request (utime+stime from /proc/PID/stat over the run / requests done);
#   2. time to the first NDJSON line of a streaming POST /api/chat (bench/ttfb.py);
#   3. throughput of a large upload to /api/blobs/sha256:<digest> (curl -T), with the
#      relay's resident memory before and at its peak during the upload;
#   4. the cost of OpenAI translation: /v1/chat/completions (non-stream and stream) against
#      passthrough of the same /api/chat, on the proxy alone (CPU per request and per chunk).
# The figures go to stdout as one markdown report (tables and ratios) and to
# bench/results/latest.md.
#
# Everything runs on 127.0.0.1. Every process started here is stopped on exit.
# Knobs (environment): see bench/README.md or the "Settings" block below.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")

# ---- settings -----------------------------------------------------------------------------
DURATION=${BENCH_DURATION:-10}               # seconds per wrk run
CONNECTIONS=${BENCH_CONNECTIONS:-64}         # wrk -c
WRK_THREADS=${BENCH_WRK_THREADS:-2}          # wrk -t
WARMUP=${BENCH_WARMUP:-1}                    # seconds of unmeasured wrk before each run
UPLOAD_MB=${BENCH_UPLOAD_MB:-2048}           # upload size in MiB
PROXY_THREADS=${BENCH_PROXY_THREADS:-1}      # ollama-proxy --threads (nginx: 1 worker)
# One fake thread: on a two-core box wrk takes one core and the relay under test the other;
# more fake threads would only time-slice the same two cores (and inflate the direct baseline
# with parallelism the single-threaded relays do not have).
FAKE_THREADS=${BENCH_FAKE_THREADS:-1}
TTFB_REQUESTS=${BENCH_TTFB_REQUESTS:-200}    # streaming requests per target
STREAM_INTERVAL_MS=${BENCH_STREAM_INTERVAL_MS:-2}  # fake's pause between NDJSON lines
SKIP_BUILD=${BENCH_SKIP_BUILD:-0}            # 1: use the binaries already built
BUILD_JOBS=${BENCH_BUILD_JOBS:-2}            # parallel compile jobs
PERF=${BENCH_PERF:-0}                        # 1: extra wrk run with perf attached to the proxy

BUILD_DIR=$REPO_DIR/build/release
FAKE_BIN=$BUILD_DIR/tests/fake_ollama/fake_ollama
PROXY_BIN=$BUILD_DIR/src/ollama-proxy
RESULTS_DIR=$BENCH_DIR/results
TARGETS=(direct proxy nginx)

WORK_DIR=""          # scratch directory: logs, nginx prefix, upload files
RESULTS_FILE=""      # key=value lines, rendered by report.py
STARTED_PIDS=()      # every background process we started, in start order
CREATED_POLICY=""    # a policy-rc.d this script created, to remove again
declare -A PORT=()   # target -> port
declare -A PIDS=()   # target -> server PIDs whose CPU time is counted (space separated)

# ---- small utilities ----------------------------------------------------------------------
log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# record KEY VALUE: one figure for the report.
record() { printf '%s=%s\n' "$1" "$2" >>"$RESULTS_FILE"; }

# Floating-point arithmetic: calc 'EXPR' (awk syntax), printed with 3 decimals.
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }

# The 1-minute load average: other work on the machine skews every figure.
load_average() { cut -d' ' -f1 /proc/loadavg; }

# ---- cleanup ------------------------------------------------------------------------------
# Stops what we started, newest first: SIGTERM, up to 5 s grace, then SIGKILL.
stop_started() {
    local i pid tries
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${STARTED_PIDS[i]}
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null || true
        for ((tries = 0; tries < 50; tries++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
        wait "$pid" 2>/dev/null || true
    done
    STARTED_PIDS=()
}

# Warns if a port we used still accepts connections after the stop.
check_ports_closed() {
    local target
    for target in "${!PORT[@]}"; do
        if port_open "${PORT[$target]}"; then
            log "warning: port ${PORT[$target]} ($target) still accepts connections"
        fi
    done
}

on_exit() {
    local status=$?
    trap - EXIT
    remove_policy
    stop_started
    check_ports_closed
    if [[ $status -ne 0 && -n $WORK_DIR ]]; then
        local f
        for f in "$WORK_DIR"/*.log; do
            [[ -s $f ]] || continue
            log "last lines of $(basename "$f"):"
            tail -n 20 "$f" >&2
        done
    fi
    [[ -n $WORK_DIR ]] && rm -rf "$WORK_DIR"
    exit "$status"
}

# ---- setup: tools and build ---------------------------------------------------------------
# Installs missing tools with apt when root. A temporary policy-rc.d (only if none exists)
# keeps the package's own nginx service from being started by the install.
install_tools() {
    local -A pkg_for=([nginx]=nginx-light [wrk]=wrk [python3]=python3 [curl]=curl)
    local missing=() tool
    for tool in "${!pkg_for[@]}"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("${pkg_for[$tool]}")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    [[ $(id -u) -eq 0 ]] || die "missing: ${missing[*]} (run as root, or apt-get install them)"
    log "installing ${missing[*]}"
    local policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && CREATED_POLICY=$policy
    fi
    local ok=1
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || ok=0
    if [[ $ok -eq 1 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null || ok=0
    fi
    remove_policy
    [[ $ok -eq 1 ]] || die "apt-get failed to install ${missing[*]}"
}

# Removes the policy-rc.d install_tools created, if any (also on exit after an interruption).
remove_policy() {
    if [[ -n $CREATED_POLICY ]]; then rm -f "$CREATED_POLICY"; fi
    CREATED_POLICY=""
}

# Builds only the two binaries the benchmark runs (release preset; ccache when installed).
build_binaries() {
    if [[ $SKIP_BUILD == 1 ]]; then
        log "BENCH_SKIP_BUILD=1: using the existing binaries"
    else
        log "building ollama-proxy and fake_ollama (release preset)"
        (cd "$REPO_DIR" && cmake --preset release >/dev/null &&
            cmake --build build/release --parallel "$BUILD_JOBS" --target ollama-proxy fake_ollama) >&2
    fi
    [[ -x $PROXY_BIN ]] || die "not built: $PROXY_BIN"
    [[ -x $FAKE_BIN ]] || die "not built: $FAKE_BIN"
}

# ---- processes ----------------------------------------------------------------------------
# A port that is free right now on 127.0.0.1 (bind to 0, read it, close).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PORT PID NAME: until PORT accepts, failing early if PID dies; 10 s at most.
wait_port() {
    local port=$1 pid=$2 name=$3 tries
    for ((tries = 0; tries < 200; tries++)); do
        port_open "$port" && return 0
        kill -0 "$pid" 2>/dev/null || die "$name exited during start-up"
        sleep 0.05
    done
    die "$name does not accept connections on port $port"
}

# The fake Ollama, on a port it picks and writes to a file.
start_fake() {
    local port_file=$WORK_DIR/fake.port tries
    "$FAKE_BIN" --host 127.0.0.1 --port 0 --port-file "$port_file" \
        --interval-ms "$STREAM_INTERVAL_MS" --threads "$FAKE_THREADS" >"$WORK_DIR/fake.log" 2>&1 &
    local pid=$!
    STARTED_PIDS+=("$pid")
    for ((tries = 0; tries < 200; tries++)); do
        [[ $(cat "$port_file" 2>/dev/null) =~ ^[0-9]+$ ]] && break
        kill -0 "$pid" 2>/dev/null || die "fake_ollama exited during start-up"
        sleep 0.05
    done
    PORT[direct]=$(<"$port_file")
    PIDS[direct]=$pid
    wait_port "${PORT[direct]}" "$pid" fake_ollama
    log "fake_ollama pid $pid on port ${PORT[direct]} ($FAKE_THREADS thread(s))"
}

# ollama-proxy at --log-level warn: no access-log line per request (nginx runs access_log off).
start_proxy() {
    PORT[proxy]=$(free_port)
    "$PROXY_BIN" --host 127.0.0.1 --port "${PORT[proxy]}" --remote-host "127.0.0.1:${PORT[direct]}" \
        --threads "$PROXY_THREADS" --log-level warn --drain-timeout 2 >"$WORK_DIR/proxy.log" 2>&1 &
    local pid=$!
    STARTED_PIDS+=("$pid")
    PIDS[proxy]=$pid
    wait_port "${PORT[proxy]}" "$pid" ollama-proxy
    log "ollama-proxy pid $pid on port ${PORT[proxy]} ($PROXY_THREADS thread(s))"
}

# nginx as its own process (never the system service): private prefix, generated config,
# one worker, in the foreground. Its CPU time counts the master and the workers.
start_nginx() {
    PORT[nginx]=$(free_port)
    local prefix=$WORK_DIR/nginx conf=$WORK_DIR/nginx/nginx.conf
    mkdir -p "$prefix"
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|${PORT[nginx]}|g" \
        -e "s|@FAKE_PORT@|${PORT[direct]}|g" "$BENCH_DIR/nginx.conf.template" >"$conf"
    nginx -p "$prefix" -c "$conf" -e "$prefix/error.log" -t -q 2>"$WORK_DIR/nginx.log" ||
        die "nginx rejects the generated configuration"
    nginx -p "$prefix" -c "$conf" -e "$prefix/error.log" -g 'daemon off;' >>"$WORK_DIR/nginx.log" 2>&1 &
    local pid=$!
    STARTED_PIDS+=("$pid")
    wait_port "${PORT[nginx]}" "$pid" nginx
    local workers
    workers=$(pgrep -P "$pid" | tr '\n' ' ')
    [[ -n $workers ]] || die "nginx started no worker"
    PIDS[nginx]="$pid $workers"
    log "nginx master $pid, worker(s) $workers on port ${PORT[nginx]}"
}

# Fails unless every target answers both benchmarked routes with 200.
smoke_test() {
    local target code
    for target in "${TARGETS[@]}"; do
        code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[$target]}/api/tags") ||
            die "$target: GET /api/tags failed"
        [[ $code == 200 ]] || die "$target: GET /api/tags answered $code"
        code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
            --data-binary @"$BENCH_DIR/chat_request.json" "http://127.0.0.1:${PORT[$target]}/api/chat") ||
            die "$target: POST /api/chat failed"
        [[ $code == 200 ]] || die "$target: POST /api/chat answered $code"
    done
}

# ---- measurements -------------------------------------------------------------------------
# cpu_ticks PID...: utime+stime (fields 14 and 15 of /proc/PID/stat, all threads) summed.
cpu_ticks() {
    local total=0 pid stat fields
    for pid in "$@"; do
        stat=$(<"/proc/$pid/stat") || die "process $pid is gone"
        # Skip "pid (comm) " first: comm may contain spaces. fields[0] is field 3.
        read -r -a fields <<<"${stat##*) }"
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}

# memory_kib PID FIELD: VmRSS or VmHWM of PID, in KiB.
memory_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# Resets VmHWM to the current RSS (Linux: write 5 to clear_refs); 0 if not allowed.
reset_peak_rss() { { echo 5 >"/proc/$1/clear_refs"; } 2>/dev/null; }

# Connections the fake has accepted so far (its control endpoint; the query itself is one).
fake_connections() {
    curl -sS "http://127.0.0.1:${PORT[direct]}/_fake/stats" |
        sed -n 's/.*"connections_accepted":\([0-9]*\).*/\1/p'
}

# run_wrk TARGET ROUTE SCRIPT SECONDS: prints wrk's "BENCH ..." summary line (report.lua).
# A SCRIPT of the form post_body.lua:FILE posts FILE (see post_body.lua).
run_wrk() {
    local target=$1 route=$2 script=${3%%:*} seconds=$4
    local body=""
    [[ $3 == *:* ]] && body=${3#*:}
    BENCH_BODY=$body wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 10s -s "$BENCH_DIR/$script" \
        "http://127.0.0.1:${PORT[$target]}$route" | awk '/^BENCH /'
}

# field NAME LINE: the value of NAME=... in a "BENCH a=1 b=2" line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# measure_rate TARGET NAME ROUTE SCRIPT: one warm-up and one measured wrk run, with the CPU
# time of the target's server processes and of the fake over the measured run.
measure_rate() {
    local target=$1 name=$2 route=$3 script=$4
    local tick_us=$((1000000 / $(getconf CLK_TCK)))
    [[ $WARMUP -gt 0 ]] && run_wrk "$target" "$route" "$script" "$WARMUP" >/dev/null
    local server_pids server0 fake0 conns0 line server1 fake1 conns1
    read -r -a server_pids <<<"${PIDS[$target]}"
    conns0=$(fake_connections)
    server0=$(cpu_ticks "${server_pids[@]}")
    fake0=$(cpu_ticks "${PIDS[direct]}")
    line=$(run_wrk "$target" "$route" "$script" "$DURATION")
    server1=$(cpu_ticks "${server_pids[@]}")
    fake1=$(cpu_ticks "${PIDS[direct]}")
    conns1=$(fake_connections)
    [[ -n $line ]] || die "wrk printed no summary for $target $route"

    local requests duration_us errors key=wrk.$target.$name
    requests=$(field requests "$line")
    duration_us=$(field duration_us "$line")
    errors=$(($(field errors_connect "$line") + $(field errors_read "$line") +
        $(field errors_write "$line") + $(field errors_status "$line") + $(field errors_timeout "$line")))
    [[ $requests -gt 0 ]] || die "wrk completed no request for $target $route"
    record "$key.requests" "$requests"
    record "$key.errors" "$errors"
    record "$key.rps" "$(calc "$requests * 1000000 / $duration_us")"
    record "$key.p50_ms" "$(calc "$(field p50_us "$line") / 1000")"
    record "$key.p99_ms" "$(calc "$(field p99_us "$line") / 1000")"
    # Connections the fake accepted during the run, less the stats query itself: wrk's own
    # for direct, the relay's upstream connections otherwise (few when they are pooled).
    record "$key.fake_conns" "$((conns1 - conns0 - 1))"
    record "$key.fake_cpu_us" "$(calc "($fake1 - $fake0) * $tick_us / $requests")"
    if [[ $target != direct ]]; then
        record "$key.cpu_us" "$(calc "($server1 - $server0) * $tick_us / $requests")"
    fi
    log "$target $name: $requests requests, $errors errors"
}

measure_rates() {
    local target
    for target in "${TARGETS[@]}"; do
        measure_rate "$target" tags /api/tags report.lua
        measure_rate "$target" chat /api/chat post_chat.lua
    done
}

# Translation cost on the proxy alone: each /v1 route beside the /api/chat passthrough of the
# same conversation, so the difference is what translating costs. Streams are paced by the
# fake, so their req/s says little; their CPU per request, divided by the native lines of one
# stream, gives the CPU per streamed chunk.
measure_translation() {
    measure_rate proxy chat_v1 /v1/chat/completions post_body.lua:openai_chat_request.json
    measure_rate proxy stream_api /api/chat post_body.lua:chat_stream_request.json
    measure_rate proxy stream_v1 /v1/chat/completions post_body.lua:openai_chat_stream_request.json
    local lines events
    lines=$(curl -sS -H 'Content-Type: application/json' --data-binary @"$BENCH_DIR/chat_stream_request.json" \
        "http://127.0.0.1:${PORT[proxy]}/api/chat" | grep -c '^{') || die "streaming /api/chat failed"
    events=$(curl -sS -H 'Content-Type: application/json' \
        --data-binary @"$BENCH_DIR/openai_chat_stream_request.json" \
        "http://127.0.0.1:${PORT[proxy]}/v1/chat/completions" | grep -c '^data: ') ||
        die "streaming /v1/chat/completions failed"
    record meta.stream_lines "$lines"
    record meta.stream_events "$events"
    log "one stream: $lines native lines, $events SSE events"
}

# Streaming TTFB: ttfb.py alternates the targets request by request, so slow drifts of the
# machine (other load, frequency) hit all three alike.
measure_ttfb() {
    log "streaming TTFB: $TTFB_REQUESTS requests per target"
    local args=() target
    for target in "${TARGETS[@]}"; do args+=("$target=${PORT[$target]}"); done
    python3 "$BENCH_DIR/ttfb.py" --requests "$TTFB_REQUESTS" --interval-ms "$STREAM_INTERVAL_MS" \
        "${args[@]}" >>"$RESULTS_FILE"
}

# One sparse upload file per target, differing only in the last byte: the fake answers 200
# without reading the body for a digest it already holds, so each upload needs its own.
make_upload_files() {
    log "preparing ${UPLOAD_MB} MiB upload files"
    python3 "$BENCH_DIR/blobs.py" --dir "$WORK_DIR" --size-mb "$UPLOAD_MB" "${TARGETS[@]}" \
        >"$WORK_DIR/digests"
}

# measure_upload TARGET: curl -T streams the file with Content-Length (no Expect: 100-continue,
# so no client-side wait skews the rate); memory and CPU of the target's processes around it.
measure_upload() {
    local target=$1 digest file key=upload.$1
    digest=$(awk -v t="$target" '$1 == t { print $2 }' "$WORK_DIR/digests")
    file=$WORK_DIR/blob-$target.bin
    # The relay's memory: its one process, or nginx's worker (the last PID in the list).
    local pids mem_pid peak_scope=upload
    read -r -a pids <<<"${PIDS[$target]}"
    mem_pid=${pids[-1]}
    record "$key.rss_before_kib" "$(memory_kib "$mem_pid" VmRSS)"
    reset_peak_rss "$mem_pid" || peak_scope=lifetime
    local ticks0 ticks1 out
    ticks0=$(cpu_ticks "${pids[@]}")
    out=$(curl -sS -o /dev/null -w '%{http_code} %{speed_upload} %{time_total}' \
        -T "$file" -X POST -H 'Expect:' -H 'Content-Type: application/octet-stream' \
        "http://127.0.0.1:${PORT[$target]}/api/blobs/sha256:$digest")
    ticks1=$(cpu_ticks "${pids[@]}")
    local status speed seconds
    read -r status speed seconds <<<"$out"
    record "$key.status" "$status"
    record "$key.mb_s" "$(calc "$speed / 1000000")"
    record "$key.seconds" "$seconds"
    record "$key.cpu_s" "$(calc "($ticks1 - $ticks0) / $(getconf CLK_TCK)")"
    record "$key.peak_kib" "$(memory_kib "$mem_pid" VmHWM)"
    record "$key.peak_scope" "$peak_scope"
    log "$target upload: HTTP $status, $(calc "$speed / 1000000") MB/s"
    [[ $status == 201 ]] || log "warning: $target upload answered $status, expected 201"
}

measure_uploads() {
    make_upload_files
    record meta.upload_mib "$UPLOAD_MB"
    local target
    for target in "${TARGETS[@]}"; do measure_upload "$target"; done
}

# Optional (BENCH_PERF=1): a separate chat run with perf sampling the proxy, after the
# measured runs so that the sampling cost does not touch them.
profile_proxy() {
    [[ $PERF == 1 ]] || return 0
    command -v perf >/dev/null 2>&1 || { log "perf not installed: no profile"; return 0; }
    log "profiling the proxy under POST /api/chat for ${DURATION}s"
    local data=$WORK_DIR/perf.data
    perf record -q -F 499 -g -p "${PIDS[proxy]}" -o "$data" -- sleep "$DURATION" 2>"$WORK_DIR/perf.log" &
    local perf_pid=$!
    STARTED_PIDS+=("$perf_pid")
    run_wrk proxy /api/chat post_chat.lua "$DURATION" >/dev/null
    wait "$perf_pid" || { log "perf record failed (see perf.log)"; return 0; }
    mkdir -p "$RESULTS_DIR"
    # Flat profiles: by object (kernel, proxy, libc ...), then symbols above 1 %; long C++
    # names cut to keep the file readable.
    local sort
    for sort in dso dso,symbol; do
        echo "== samples by $sort"
        perf report -i "$data" --no-children --percent-limit 1 --stdio -g none --sort "$sort" \
            2>/dev/null | grep -v -e '^#' -e '^$' | sed -E 's/[[:space:]-]+$//' | cut -c1-200
    done >"$RESULTS_DIR/perf-proxy.txt" || true
    log "profile written to bench/results/perf-proxy.txt"
}

# ---- report -------------------------------------------------------------------------------
record_meta() {
    record meta.date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    record meta.load_start "$(load_average)"
    record meta.commit "$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo none)"
    record meta.cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) x $(nproc)"
    record meta.kernel "$(uname -r)"
    record meta.nginx "$(nginx -v 2>&1 | sed 's|.*nginx/||')"
    record meta.wrk "$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
    record meta.duration "$DURATION"
    record meta.connections "$CONNECTIONS"
    record meta.wrk_threads "$WRK_THREADS"
    record meta.proxy_threads "$PROXY_THREADS"
    record meta.fake_threads "$FAKE_THREADS"
    record meta.ttfb_requests "$TTFB_REQUESTS"
    record meta.stream_interval_ms "$STREAM_INTERVAL_MS"
}

render_report() {
    record meta.load_end "$(load_average)"
    mkdir -p "$RESULTS_DIR"
    python3 "$BENCH_DIR/report.py" "$RESULTS_FILE" >"$RESULTS_DIR/latest.md"
    cat "$RESULTS_DIR/latest.md"
}

main() {
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    install_tools
    build_binaries
    WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ollama-proxy-bench.XXXXXX")
    RESULTS_FILE=$WORK_DIR/results.txt
    : >"$RESULTS_FILE"
    record_meta

    start_fake
    start_proxy
    start_nginx
    smoke_test

    measure_rates
    measure_translation
    measure_ttfb
    measure_uploads
    profile_proxy
    render_report
}

main "$@"
