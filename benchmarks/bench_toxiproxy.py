"""Throughput and added latency of the embedded Toxiproxy (no toxic) against direct loopback.

All runs use the same real TCP servers on 127.0.0.1 from this process: the baseline connects
directly; the proxied runs go through a proxy of the embedded server, first on its own event-loop
thread in this process (``ThreadedToxiproxyServer``), then as the CLI in a subprocess (how the
harness runs it, with no GIL shared with the clients).

    .venv/bin/python benchmarks/bench_toxiproxy.py [--megabytes 64] [--round-trips 2000]

Prints MB/s and round-trip times (median, p99) for each, and the ratios to direct.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


def _create_proxies(api_url: str, upstreams: dict[str, str]) -> dict[str, str]:
    listens = {}
    for name, upstream in upstreams.items():
        response = requests.post(
            api_url + "/proxies", json={"name": name, "upstream": upstream}, timeout=5
        )
        response.raise_for_status()
        listens[name] = response.json()["listen"]
    return listens


@contextlib.contextmanager
def _in_thread() -> Iterator[str]:
    with ThreadedToxiproxyServer(port=0) as server:
        yield server.url


@contextlib.contextmanager
def _in_subprocess() -> Iterator[str]:
    """The CLI as the harness runs it: its own process, so no GIL shared with the clients."""
    with subprocess.Popen(
        [sys.executable, "-m", "chaos.toxiproxy_server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            if not line.startswith("listening on "):
                raise RuntimeError(f"server did not start: {line!r}")
            yield "http://" + line.removeprefix("listening on ")
        finally:
            proc.terminate()
            proc.wait(10)


@dataclass
class _Row:
    label: str
    mb_per_sec: float
    rtt_us: list[float]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=64, help="data per throughput run")
    parser.add_argument("--round-trips", type=int, default=2000, help="echo round trips")
    parser.add_argument("--repeats", type=int, default=3, help="throughput runs (best is kept)")
    args = parser.parse_args(argv)

    sink, echo = _Server(_sink), _Server(_echo)
    upstreams = {"sink": sink.address, "echo": echo.address}

    def measure(label: str, addresses: dict[str, str]) -> _Row:
        mbs = max(
            throughput_mb_per_sec(addresses["sink"], args.megabytes) for _ in range(args.repeats)
        )
        return _Row(label, mbs, round_trip_us(addresses["echo"], args.round_trips))

    rows = [measure("direct loopback", upstreams)]
    with _in_thread() as url:
        rows.append(measure("proxy, in-process", _create_proxies(url, upstreams)))
    with _in_subprocess() as url:
        rows.append(measure("proxy, subprocess", _create_proxies(url, upstreams)))
    sink.close()
    echo.close()

    base = rows[0]
    base_med = statistics.median(base.rtt_us)
    print(f"throughput ({args.megabytes} MB, best of {args.repeats})")
    for row in rows:
        ratio = row.mb_per_sec / base.mb_per_sec
        print(f"  {row.label:<18} {row.mb_per_sec:9.1f} MB/s   ratio to direct {ratio:.3f}")
    print(f"round trip, 1 byte ({args.round_trips} samples)")
    for row in rows:
        med = statistics.median(row.rtt_us)
        print(
            f"  {row.label:<18} median {med:8.1f} us   p99 {_p99(row.rtt_us):8.1f} us   "
            f"ratio {med / base_med:5.2f}x   added {med - base_med:7.1f} us (median)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
