#!/usr/bin/env python3
"""Time to the first NDJSON line of a streaming POST /api/chat.

Usage: ttfb.py [--requests N] [--warmup N] [--interval-ms MS] NAME=PORT [NAME=PORT ...]

Each target gets one keep-alive connection on 127.0.0.1. The targets take turns request by
request, so a slow drift of the machine affects all of them alike. For every request the clock
runs from just before the request is sent to the moment the first complete NDJSON line of the
body has been received; the rest of the response is then read to the end so the connection
can carry the next request.

Prints key=value lines for bench/run.sh:
    ttfb.NAME.median_ms, ttfb.NAME.p99_ms, ttfb.NAME.requests, ttfb.NAME.reconnects
"""

import argparse
import json
import math
import pathlib
import socket
import statistics
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def streaming_body() -> bytes:
    """The benchmark's chat request (chat_request.json) with "stream": true."""
    request = json.loads((HERE / "chat_request.json").read_text())
    request["stream"] = True
    return json.dumps(request, separators=(",", ":")).encode()


def build_request(port: int, body: bytes, interval_ms: int) -> bytes:
    head = (
        "POST /api/chat HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"x-fake-interval-ms: {interval_ms}\r\n"
        "\r\n"
    )
    return head.encode() + body


class Connection:
    """A keep-alive HTTP/1.1 client connection with just enough parsing for this test."""

    def __init__(self, port: int):
        self.port = port
        self.sock = None
        self.buf = bytearray()
        self.reconnects = -1  # the first connect is not a reconnect

    def ensure_open(self) -> None:
        if self.sock is not None:
            return
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf.clear()
        self.reconnects += 1

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by the server")
        self.buf += data

    def read_until(self, marker: bytes) -> bytes:
        while (end := self.buf.find(marker)) < 0:
            self._fill()
        end += len(marker)
        out = bytes(self.buf[:end])
        del self.buf[:end]
        return out

    def read_exact(self, size: int) -> bytes:
        while len(self.buf) < size:
            self._fill()
        out = bytes(self.buf[:size])
        del self.buf[:size]
        return out

    def body_chunks(self, headers: dict):
        """Yields the body in pieces as they arrive (chunked or Content-Length framing)."""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size = int(self.read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    while self.read_until(b"\r\n") != b"\r\n":  # trailers
                        pass
                    return
                yield self.read_exact(size)
                self.read_exact(2)
        else:
            remaining = int(headers.get("content-length", "0"))
            while remaining > 0:
                if not self.buf:
                    self._fill()
                piece = bytes(self.buf[:remaining])
                del self.buf[: len(piece)]
                remaining -= len(piece)
                yield piece

    def timed_request(self, request: bytes) -> float:
        """Sends `request`; returns seconds until the first NDJSON line is complete."""
        self.ensure_open()
        start = time.perf_counter()
        self.sock.sendall(request)
        status_line, *header_lines = self.read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        if status_line.split(" ")[1] != "200":
            raise RuntimeError(f"port {self.port}: {status_line}")
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        first_line = None
        for piece in self.body_chunks(headers):
            if first_line is None and b"\n" in piece:
                first_line = time.perf_counter() - start
        if first_line is None:
            raise RuntimeError(f"port {self.port}: stream without a complete NDJSON line")
        if headers.get("connection", "").lower() == "close":
            self.close()
        return first_line


def percentile(sorted_values: list, fraction: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--interval-ms", type=int, default=2)
    parser.add_argument("targets", nargs="+", metavar="NAME=PORT")
    args = parser.parse_args()

    body = streaming_body()
    targets = {}
    for spec in args.targets:
        name, port = spec.split("=", 1)
        targets[name] = (Connection(int(port)), build_request(int(port), body, args.interval_ms))
    samples = {name: [] for name in targets}

    for i in range(args.warmup + args.requests):
        for name, (conn, request) in targets.items():
            try:
                elapsed = conn.timed_request(request)
            except ConnectionError:
                conn.close()  # a keep-alive connection closed by the server: retry once
                elapsed = conn.timed_request(request)
            if i >= args.warmup:
                samples[name].append(elapsed)

    for name, (conn, _) in targets.items():
        conn.close()
        values = sorted(samples[name])
        print(f"ttfb.{name}.median_ms={statistics.median(values) * 1000:.3f}")
        print(f"ttfb.{name}.p99_ms={percentile(values, 0.99) * 1000:.3f}")
        print(f"ttfb.{name}.requests={len(values)}")
        print(f"ttfb.{name}.reconnects={conn.reconnects}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
