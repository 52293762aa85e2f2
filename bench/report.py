#!/usr/bin/env python3
"""Renders the key=value figures written by bench/run.sh as one markdown report.

Usage: report.py RESULTS_FILE
"""

import sys

TARGETS = ("direct", "proxy", "nginx")
LABEL = {"direct": "fake direct", "proxy": "ollama-proxy", "nginx": "nginx"}
ROUTES = (("tags", "GET /api/tags"), ("chat", "POST /api/chat (stream false)"))


def load(path: str) -> dict:
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                values[key] = value
    return values


class Figures:
    def __init__(self, values: dict):
        self.values = values

    def text(self, key: str, default: str = "n/a") -> str:
        return self.values.get(key, default)

    def num(self, key: str):
        try:
            return float(self.values[key])
        except (KeyError, ValueError):
            return None

    def fmt(self, key: str, digits: int = 1) -> str:
        value = self.num(key)
        return "n/a" if value is None else f"{value:,.{digits}f}"

    def ratio(self, top: str, bottom: str) -> str:
        a, b = self.num(top), self.num(bottom)
        return "n/a" if a is None or not b else f"{a / b:.2f}"

    def diff(self, a: str, b: str) -> str:
        x, y = self.num(a), self.num(b)
        return "n/a" if x is None or y is None else f"{x - y:+.3f}"


def table(header: list, rows: list) -> list:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def settings(f: Figures) -> list:
    return [
        "# ollama-proxy benchmark",
        "",
        f"{f.text('meta.date')} · commit {f.text('meta.commit')} · {f.text('meta.cpu')} · "
        f"Linux {f.text('meta.kernel')} · nginx {f.text('meta.nginx')} · wrk {f.text('meta.wrk')}",
        "",
        f"wrk -t{f.text('meta.wrk_threads')} -c{f.text('meta.connections')} "
        f"-d{f.text('meta.duration')}s per row; ollama-proxy --threads "
        f"{f.text('meta.proxy_threads')} --log-level warn; nginx 1 worker, access_log off; "
        f"fake_ollama --threads {f.text('meta.fake_threads')}. All on 127.0.0.1.",
        "",
        f"Load average (1 min) before the measurements {f.text('meta.load_start')}, after "
        f"{f.text('meta.load_end')} (the benchmark itself adds about 2; more means other work "
        f"shared the machine and skewed the figures).",
        "",
    ]


def throughput(f: Figures) -> list:
    rows = []
    for route, label in ROUTES:
        for target in TARGETS:
            key = f"wrk.{target}.{route}"
            relay_cpu = "—" if target == "direct" else f.fmt(f"{key}.cpu_us")
            rows.append([label, LABEL[target], f.fmt(f"{key}.rps", 0), f.fmt(f"{key}.p50_ms", 2),
                         f.fmt(f"{key}.p99_ms", 2), f.text(f"{key}.errors"), relay_cpu,
                         f.fmt(f"{key}.fake_cpu_us"), f.text(f"{key}.fake_conns")])
    header = ["route", "target", "req/s", "p50 ms", "p99 ms", "errors",
              "relay CPU-µs/req", "fake CPU-µs/req", "fake conns opened"]
    return ["## Requests per second and CPU per request", ""] + table(header, rows)


def ratios(f: Figures) -> list:
    rows = []
    for route, label in ROUTES:
        key = f"wrk.{{}}.{route}"
        rows.append([f"req/s {label}", f.ratio(key.format("proxy") + ".rps", key.format("direct") + ".rps"),
                     f.ratio(key.format("nginx") + ".rps", key.format("direct") + ".rps"),
                     f.ratio(key.format("proxy") + ".rps", key.format("nginx") + ".rps")])
    for route, label in ROUTES:
        key = f"wrk.{{}}.{route}.cpu_us"
        rows.append([f"CPU-µs/req {label}", "—", "—",
                     f.ratio(key.format("proxy"), key.format("nginx"))])
    rows.append(["upload MB/s", f.ratio("upload.proxy.mb_s", "upload.direct.mb_s"),
                 f.ratio("upload.nginx.mb_s", "upload.direct.mb_s"),
                 f.ratio("upload.proxy.mb_s", "upload.nginx.mb_s")])
    return ["## Ratios", ""] + table(["figure", "proxy/direct", "nginx/direct", "proxy/nginx"], rows)


TRANSLATION = (
    ("chat", "chat_v1", "non-stream"),
    ("stream_api", "stream_v1", "stream"),
)


def translation(f: Figures) -> list:
    lines = f.num("meta.stream_lines")
    rows = []
    for native, translated, label in TRANSLATION:
        for route, path in ((native, "POST /api/chat (passthrough)"),
                            (translated, "POST /v1/chat/completions")):
            key = f"wrk.proxy.{route}"
            per_chunk = "—"
            cpu = f.num(f"{key}.cpu_us")
            if label == "stream" and cpu is not None and lines:
                per_chunk = f"{cpu / lines:.2f}"
            overhead = "—"
            if route == translated:
                a, b = cpu, f.num(f"wrk.proxy.{native}.cpu_us")
                overhead = "n/a" if a is None or not b else f"{(a / b - 1) * 100:+.0f} %"
            rows.append([label, path, f.fmt(f"{key}.rps", 0), f.fmt(f"{key}.p50_ms", 2),
                         f.text(f"{key}.errors"), f.fmt(f"{key}.cpu_us"), per_chunk, overhead])
    header = ["mode", "route", "req/s", "p50 ms", "errors", "proxy CPU-µs/req",
              "CPU-µs/chunk", "CPU vs passthrough"]
    intro = (f"ollama-proxy alone, same conversation both ways. A stream is "
             f"{f.text('meta.stream_lines')} native NDJSON lines, relayed as is or translated into "
             f"{f.text('meta.stream_events')} SSE events; streams are paced by the fake "
             f"({f.text('meta.stream_interval_ms')} ms per line), so their req/s is bounded by "
             f"the pacing, not by the proxy.")
    return ["## OpenAI translation", "", intro, ""] + table(header, rows)


def ttfb(f: Figures) -> list:
    rows = []
    for target in TARGETS:
        key = f"ttfb.{target}"
        added_median = "—" if target == "direct" else f.diff(f"{key}.median_ms", "ttfb.direct.median_ms")
        added_p99 = "—" if target == "direct" else f.diff(f"{key}.p99_ms", "ttfb.direct.p99_ms")
        rows.append([LABEL[target], f.fmt(f"{key}.median_ms", 3), f.fmt(f"{key}.p99_ms", 3),
                     added_median, added_p99, f.text(f"{key}.requests"), f.text(f"{key}.reconnects")])
    header = ["target", "median ms", "p99 ms", "added median ms", "added p99 ms", "requests",
              "reconnects"]
    intro = (f"Streaming POST /api/chat, sequential on one keep-alive connection per target "
             f"(targets alternate request by request), fake pacing "
             f"{f.text('meta.stream_interval_ms')} ms between lines; time from sending the "
             f"request to the first complete NDJSON line.")
    return ["## Time to first NDJSON line", "", intro, ""] + table(header, rows)


def upload(f: Figures) -> list:
    rows = []
    for target in TARGETS:
        key = f"upload.{target}"
        ratio = "1.00" if target == "direct" else f.ratio(f"{key}.mb_s", "upload.direct.mb_s")
        peak = f.fmt(f"{key}.peak_kib", 0)
        if f.text(f"{key}.peak_scope") == "lifetime":
            peak += " (since start)"
        rows.append([LABEL[target], f.text(f"{key}.status"), f.fmt(f"{key}.mb_s", 0), ratio,
                     f.fmt(f"{key}.seconds", 2), f.fmt(f"{key}.cpu_s", 2),
                     f.fmt(f"{key}.rss_before_kib", 0), peak])
    header = ["target", "HTTP", "MB/s", "vs direct", "seconds", "server CPU s", "RSS before KiB",
              "peak RSS KiB"]
    intro = (f"POST /api/blobs/sha256:… of {f.text('meta.upload_mib')} MiB with `curl -T` "
             f"(Content-Length, no Expect). MB = 10^6 bytes. Memory is the relay process "
             f"(nginx: its worker; direct: the fake); the peak is VmHWM reset just before the upload.")
    return ["## Upload", "", intro, ""] + table(header, rows)


def checks(f: Figures) -> list:
    def verdict(ok):
        return "n/a" if ok is None else ("yes" if ok else "NO")

    def le(a, b):
        x, y = f.num(a), f.num(b)
        return None if x is None or y is None else x <= y

    def within(a, b):
        x, y = f.num(a), f.num(b)
        return None if x is None or not y else x <= 1.3 * y

    added = [f.num("ttfb.proxy.median_ms"), f.num("ttfb.direct.median_ms")]
    added_ok = None if None in added else (added[0] - added[1]) < 1.0
    up = [f.num("upload.proxy.mb_s"), f.num("upload.direct.mb_s")]
    up_ok = None if None in up or not up[1] else up[0] / up[1] >= 0.9
    rows = [
        ["proxy CPU-µs/req ≤ nginx, GET /api/tags", verdict(le("wrk.proxy.tags.cpu_us", "wrk.nginx.tags.cpu_us"))],
        ["proxy CPU-µs/req ≤ nginx, POST /api/chat", verdict(le("wrk.proxy.chat.cpu_us", "wrk.nginx.chat.cpu_us"))],
        ["proxy added median TTFB < 1 ms", verdict(added_ok)],
        ["proxy upload ≥ 90 % of direct", verdict(up_ok)],
        ["translation adds ≤ 30 % CPU, non-stream", verdict(within("wrk.proxy.chat_v1.cpu_us", "wrk.proxy.chat.cpu_us"))],
        ["translation adds ≤ 30 % CPU, stream", verdict(within("wrk.proxy.stream_v1.cpu_us", "wrk.proxy.stream_api.cpu_us"))],
        ["no wrk errors", verdict(all(f.text(f"wrk.{t}.{r}.errors", "1") == "0"
                                      for t in TARGETS for r, _ in ROUTES))],
    ]
    return ["## Checks", ""] + table(["check", "result"], rows)


def main() -> int:
    f = Figures(load(sys.argv[1]))
    out = (settings(f) + throughput(f) + ratios(f) + translation(f) + ttfb(f) + upload(f) +
           checks(f))
    print("\n".join(out).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
