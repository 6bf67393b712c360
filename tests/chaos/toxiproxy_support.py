"""Real loopback TCP servers and Toxiproxy servers (embedded or the real binary) for chaos tests."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import requests

from chaos.toxiproxy import ThreadedToxiproxyServer

HTTP_TIMEOUT_SECS = 5.0


def free_port() -> int:
    """A loopback TCP port that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


Handler = Callable[[socket.socket], None]


def echo(conn: socket.socket) -> None:
    """Send back everything received until the peer closes."""
    while True:
        try:
            data = conn.recv(65536)
        except OSError:
            return
        if not data:
            return
        try:
            conn.sendall(data)
        except OSError:
            return


def greet_then_echo(conn: socket.socket) -> None:
    """Send ``hello`` on connect, then echo."""
    try:
        conn.sendall(b"hello")
    except OSError:
        return
    echo(conn)


def send_then_close(payload: bytes) -> Handler:
    """On connect: send ``payload`` and close."""

    def handler(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.sendall(payload)

    return handler


@dataclass
class Recorder:
    """Records the size of every recv() a server makes (to see how data was sliced)."""

    sizes: list[int] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def __call__(self, conn: socket.socket) -> None:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                break
            if not data:
                break
            self.sizes.append(len(data))
        self.done.set()


class LoopbackServer:
    """A threaded TCP server on 127.0.0.1 running ``handler`` per connection."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.address = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
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
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(2)


@contextlib.contextmanager
def loopback_server(handler: Handler) -> Iterator[LoopbackServer]:
    server = LoopbackServer(handler)
    try:
        yield server
    finally:
        server.close()


@dataclass
class Backend:
    """A running Toxiproxy API: ``kind`` is ``embedded`` or ``binary``."""

    kind: str
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(self.url + path, timeout=HTTP_TIMEOUT_SECS, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> requests.Response:
        return requests.post(self.url + path, timeout=HTTP_TIMEOUT_SECS, **kwargs)  # type: ignore[arg-type]

    def patch(self, path: str, **kwargs: object) -> requests.Response:
        return requests.patch(self.url + path, timeout=HTTP_TIMEOUT_SECS, **kwargs)  # type: ignore[arg-type]

    def delete(self, path: str, **kwargs: object) -> requests.Response:
        return requests.delete(self.url + path, timeout=HTTP_TIMEOUT_SECS, **kwargs)  # type: ignore[arg-type]

    def create_proxy(self, name: str, upstream: str, listen: str = "127.0.0.1:0") -> dict:
        response = self.post(
            "/proxies", json={"name": name, "upstream": upstream, "listen": listen}
        )
        response.raise_for_status()
        return response.json()

    def remove_all(self) -> None:
        for name in self.get("/proxies").json():
            self.delete(f"/proxies/{name}")


@contextlib.contextmanager
def embedded_backend(seed: int | None = 7) -> Iterator[Backend]:
    with ThreadedToxiproxyServer(port=0, seed=seed) as server:
        yield Backend("embedded", server.host, server.port)


@contextlib.contextmanager
def binary_backend() -> Iterator[Backend]:
    """The real ``toxiproxy-server`` (with proxy metrics on); the caller skips when it is absent."""
    binary = shutil.which("toxiproxy-server")
    if binary is None:
        raise FileNotFoundError("toxiproxy-server")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "-host", "127.0.0.1", "-port", str(port), "-proxy-metrics"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        backend = Backend("binary", "127.0.0.1", port)
        deadline = time.monotonic() + 10
        while True:
            try:
                backend.get("/version")
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield backend
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def connect(listen: str, timeout_secs: float = 5.0) -> socket.socket:
    host, port = listen.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=timeout_secs)
    return sock


def recv_exactly(sock: socket.socket, nbytes: int) -> bytes:
    chunks = []
    got = 0
    while got < nbytes:
        data = sock.recv(min(65536, nbytes - got))
        if not data:
            break
        chunks.append(data)
        got += len(data)
    return b"".join(chunks)


def recv_until_eof(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def round_trip_secs(sock: socket.socket, payload: bytes = b"ping") -> float:
    """Seconds for ``payload`` to go through an echo server and back in full."""
    started = time.monotonic()
    sock.sendall(payload)
    echoed = recv_exactly(sock, len(payload))
    elapsed = time.monotonic() - started
    if echoed != payload:
        raise AssertionError(f"echo returned {echoed!r}, expected {payload!r}")
    return elapsed
