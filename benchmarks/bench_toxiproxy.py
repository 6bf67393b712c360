"""Throughput and added latency of the embedded Toxiproxy (no toxic) against direct loopback.

Both runs happen in this process against the same real TCP servers on 127.0.0.1: the baseline
connects to the server directly, the proxied run goes through a proxy of the embedded server
(which runs on its own event loop thread, as the harness's in-process server does).

    .venv/bin/python benchmarks/bench_toxiproxy.py [--megabytes 64] [--round-trips 2000]

Prints MB/s and round-trip times (median, p99) for each, and the ratios proxied/direct.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chaos.toxiproxy import ThreadedToxiproxyServer

BLOCK_BYTES = 64 * 1024


class _Server:
    """A threaded loopback TCP server running ``handler`` on each connection."""

    def __init__(self, handler: Callable[[socket.socket], None]) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.handler = handler
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            self.handler(conn)

    def close(self) -> None:
        self.sock.close()


def _sink(conn: socket.socket) -> None:
    """Read an 8-byte length, then that many bytes, then report the count.

    (No half-close: Toxiproxy closes both sides when one side sends EOF.)
    """
    header = b""
    while len(header) < 8:
        data = conn.recv(8 - len(header))
        if not data:
            return
        header += data
    expected = int.from_bytes(header, "big")
    total = 0
    while total < expected:
        data = conn.recv(1 << 20)
        if not data:
            break
        total += len(data)
    conn.sendall(str(total).encode())


def _echo(conn: socket.socket) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


def _connect(address: str) -> socket.socket:
    host, port = address.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def throughput_mb_per_sec(address: str, megabytes: int) -> float:
    """Send ``megabytes`` MB to the sink through ``address``; MB/s until the sink has all of it."""
    block = b"\x5a" * BLOCK_BYTES
    blocks = megabytes * 1024 * 1024 // BLOCK_BYTES
    sock = _connect(address)
    with sock:
        started = time.perf_counter()
        sock.sendall((blocks * BLOCK_BYTES).to_bytes(8, "big"))
        for _ in range(blocks):
            sock.sendall(block)
        reply = b""
        while True:
            data = sock.recv(64)
            if not data:
                break
            reply += data
        elapsed = time.perf_counter() - started
    if int(reply or b"0") != blocks * BLOCK_BYTES:
        raise RuntimeError(f"sink got {reply!r} bytes, sent {blocks * BLOCK_BYTES}")
    return blocks * BLOCK_BYTES / (1024 * 1024) / elapsed


def round_trip_us(address: str, round_trips: int) -> list[float]:
    """Microseconds per 1-byte echo round trip."""
    samples = []
    with _connect(address) as sock:
        for _ in range(50):  # warm-up
            sock.sendall(b"x")
            sock.recv(1)
        for _ in range(round_trips):
            started = time.perf_counter()
            sock.sendall(b"x")
            if sock.recv(1) != b"x":
                raise RuntimeError("echo lost a byte")
            samples.append((time.perf_counter() - started) * 1e6)
    return samples


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=64, help="data per throughput run")
    parser.add_argument("--round-trips", type=int, default=2000, help="echo round trips")
    parser.add_argument("--repeats", type=int, default=3, help="throughput runs (best is kept)")
    args = parser.parse_args(argv)

    sink, echo = _Server(_sink), _Server(_echo)
    with ThreadedToxiproxyServer(port=0) as server:
        proxies = {}
        for name, upstream in (("sink", sink.address), ("echo", echo.address)):
            response = requests.post(
                server.url + "/proxies", json={"name": name, "upstream": upstream}, timeout=5
            )
            response.raise_for_status()
            proxies[name] = response.json()["listen"]

        direct_mbs = max(
            throughput_mb_per_sec(sink.address, args.megabytes) for _ in range(args.repeats)
        )
        proxied_mbs = max(
            throughput_mb_per_sec(proxies["sink"], args.megabytes) for _ in range(args.repeats)
        )
        direct_rtt = round_trip_us(echo.address, args.round_trips)
        proxied_rtt = round_trip_us(proxies["echo"], args.round_trips)
    sink.close()
    echo.close()

    d_med, p_med = statistics.median(direct_rtt), statistics.median(proxied_rtt)
    d_p99, p_p99 = _p99(direct_rtt), _p99(proxied_rtt)
    print(f"throughput ({args.megabytes} MB, best of {args.repeats})")
    print(f"  direct loopback   {direct_mbs:9.1f} MB/s")
    ratio = proxied_mbs / direct_mbs
    print(f"  embedded proxy    {proxied_mbs:9.1f} MB/s   ratio proxy/direct {ratio:.3f}")
    print(f"round trip, 1 byte ({args.round_trips} samples)")
    print(f"  direct loopback   median {d_med:8.1f} us   p99 {d_p99:8.1f} us")
    print(
        f"  embedded proxy    median {p_med:8.1f} us   p99 {p_p99:8.1f} us   "
        f"ratio {p_med / d_med:.2f}x, added {p_med - d_med:.1f} us (median)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
