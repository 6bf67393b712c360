"""What only the embedded Toxiproxy has: the seed, the in-process API, the CLI, its internals."""

from __future__ import annotations

import asyncio
import itertools
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from chaos.toxiproxy import ThreadedToxiproxyServer, ToxiproxyServer
from chaos.toxiproxy.decode import merge_fields
from chaos.toxiproxy.errors import ApiError
from chaos.toxiproxy.proxy import split_host_port
from chaos.toxiproxy.toxics import slice_offsets
from tests.chaos.toxiproxy_support import (
    LoopbackServer,
    connect,
    echo,
    embedded_backend,
    loopback_server,
    round_trip_secs,
)


@pytest.fixture(scope="module")
def echo_server() -> Iterator[LoopbackServer]:
    with loopback_server(echo) as server:
        yield server


def _delay_pattern(seed: int, echo_server: LoopbackServer, connections: int = 8) -> list[bool]:
    """Which of ``connections`` sequential connections a 50%-toxicity latency toxic delayed."""
    with embedded_backend(seed=seed) as backend:
        proxy = backend.create_proxy("coin", echo_server.address)
        backend.post(
            "/proxies/coin/toxics",
            json={"type": "latency", "toxicity": 0.5, "attributes": {"latency": 300}},
        )
        pattern = []
        for _ in range(connections):
            with connect(proxy["listen"]) as sock:
                pattern.append(round_trip_secs(sock) > 0.2)  # delayed ones take >= 0.3 s
        return pattern


def test_a_seeded_server_replays_the_same_toxicity_decisions(
    echo_server: LoopbackServer,
) -> None:
    first = _delay_pattern(11, echo_server)
    second = _delay_pattern(11, echo_server)
    assert first == second
    assert any(first)
    assert not all(first)


def _jittered_round_trips(seed: int, echo_server: LoopbackServer, samples: int = 6) -> list[float]:
    with embedded_backend(seed=seed) as backend:
        proxy = backend.create_proxy("jitter", echo_server.address)
        backend.post(
            "/proxies/jitter/toxics",
            json={"type": "latency", "attributes": {"latency": 300, "jitter": 250}},
        )
        with connect(proxy["listen"]) as sock:
            return [round_trip_secs(sock) for _ in range(samples)]


def test_a_seeded_server_replays_the_same_jitter(echo_server: LoopbackServer) -> None:
    first = _jittered_round_trips(5, echo_server)
    second = _jittered_round_trips(5, echo_server)
    # Delays are drawn from [50, 550) ms: six independent pairs all within 0.1 s of each other
    # happen with probability ~0.2%, so only replayed draws pass.
    assert max(abs(a - b) for a, b in zip(first, second, strict=True)) < 0.1
    assert max(first) - min(first) > 0.05  # the jitter really varies the delay


def test_async_server_binds_an_ephemeral_port_and_stops_cleanly() -> None:
    async def scenario() -> tuple[int, int, bool]:
        server = ToxiproxyServer(port=0, seed=1)
        await server.start()
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(
            None, lambda: requests.get(server.url + "/version", timeout=5)
        )
        port = server.port
        await server.stop()
        refused = await loop.run_in_executor(None, _refuses, "127.0.0.1", port)
        return port, response.status_code, refused

    port, status, refused = asyncio.run(scenario())
    assert port != 0
    assert status == 200
    assert refused


def _refuses(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return False
    except OSError:
        return True


def test_threaded_server_reports_the_address_it_bound() -> None:
    with ThreadedToxiproxyServer(port=0) as server:
        host, port = server.address.rsplit(":", 1)
        assert (host, int(port)) == ("127.0.0.1", server.port)
        assert server.port != 0
        assert not _refuses(host, server.port)


def test_metrics_can_be_turned_off_and_then_are_404() -> None:
    with ThreadedToxiproxyServer(port=0, metrics_enabled=False) as server:
        response = requests.get(server.url + "/metrics", timeout=5)
    assert response.status_code == 404
    assert response.text == "404 page not found\n"


def test_threaded_server_on_a_taken_port_raises_os_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        server = ThreadedToxiproxyServer(port=taken.getsockname()[1])
        with pytest.raises(OSError, match="address already in use"):
            server.start()


def test_stopping_the_server_closes_its_proxies_and_their_connections(
    echo_server: LoopbackServer,
) -> None:
    server = ThreadedToxiproxyServer(port=0).start()
    try:
        response = requests.post(
            server.url + "/proxies",
            json={"name": "p", "upstream": echo_server.address},
            timeout=5,
        )
        listen = response.json()["listen"]
        sock = connect(listen)
        round_trip_secs(sock)
    finally:
        server.stop()
    with sock:
        sock.settimeout(5)
        assert sock.recv(10) == b""
    host, port = listen.rsplit(":", 1)
    assert _refuses(host, int(port))


def test_metrics_count_bytes_while_the_connection_is_still_open(
    echo_server: LoopbackServer,
) -> None:
    with embedded_backend() as backend:
        proxy = backend.create_proxy("live", echo_server.address)
        with connect(proxy["listen"]) as sock:
            round_trip_secs(sock, b"y" * 321)
            text = backend.get("/metrics").text
    sent = [
        line
        for line in text.splitlines()
        if line.startswith("toxiproxy_proxy_sent_bytes_total{") and 'direction="downstream"' in line
    ]
    assert [float(line.rsplit(" ", 1)[1]) for line in sent] == [321]


def test_disable_closes_a_connection_stalled_by_bandwidth_zero(
    echo_server: LoopbackServer,
) -> None:
    with embedded_backend() as backend:
        proxy = backend.create_proxy("stall", echo_server.address)
        backend.post("/proxies/stall/toxics", json={"type": "bandwidth", "attributes": {"rate": 0}})
        with connect(proxy["listen"]) as sock:
            sock.sendall(b"stuck")
            time.sleep(0.2)
            backend.post("/proxies/stall", json={"enabled": False})
            sock.settimeout(5)
            assert sock.recv(10) == b""


def test_bandwidth_zero_releases_held_data_when_the_toxic_is_removed(
    echo_server: LoopbackServer,
) -> None:
    with embedded_backend() as backend:
        proxy = backend.create_proxy("stall", echo_server.address)
        backend.post("/proxies/stall/toxics", json={"type": "bandwidth", "attributes": {"rate": 0}})
        with connect(proxy["listen"]) as sock:
            sock.sendall(b"held")
            sock.settimeout(0.3)
            with pytest.raises(TimeoutError):
                sock.recv(10)
            backend.delete("/proxies/stall/toxics/bandwidth_downstream")
            sock.settimeout(5)
            assert sock.recv(10) == b"held"


def test_cli_serves_the_api_on_an_ephemeral_port_and_exits_on_sigterm() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "chaos.toxiproxy_server", "--port", "0", "--seed", "7"],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line.startswith("listening on 127.0.0.1:")
            port = int(line.rsplit(":", 1)[1])
            assert requests.get(f"http://127.0.0.1:{port}/version", timeout=5).status_code == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)


@settings(deadline=None, max_examples=60)  # no per-example deadline on a loaded machine
@given(
    average=st.integers(1, 500),
    variation=st.integers(0, 600),
    length=st.integers(0, 20_000),
    seed=st.integers(0, 2**32),
)
def test_slices_cover_the_chunk_exactly_with_pieces_no_larger_than_average_plus_variation(
    average: int, variation: int, length: int, seed: int
) -> None:
    pieces = slice_offsets(average, variation, 0, length, random.Random(seed))
    assert pieces[0][0] == 0
    assert pieces[-1][1] == length
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    assert all(end - start <= average + variation for start, end in pieces)
    assert all(end > start for start, end in pieces) or length == 0


def test_slices_replay_for_the_same_seed() -> None:
    first = slice_offsets(100, 30, 0, 10_000, random.Random("seed/jitter"))
    second = slice_offsets(100, 30, 0, 10_000, random.Random("seed/jitter"))
    assert first == second


@pytest.mark.parametrize(
    ("address", "expected"),
    [("127.0.0.1:80", ("127.0.0.1", 80)), ("[::1]:8474", ("::1", 8474)), (":9", ("", 9))],
)
def test_split_host_port_reads_go_style_addresses(address: str, expected: tuple[str, int]) -> None:
    assert split_host_port(address) == expected


@pytest.mark.parametrize("address", ["127.0.0.1", "host:http", "::1:80", "h:70000"])
def test_split_host_port_rejects_malformed_addresses(address: str) -> None:
    with pytest.raises(ValueError, match="address"):
        split_host_port(address)


def test_decoding_lets_a_later_key_win_whatever_its_case_and_null_keep_the_value() -> None:
    merged = merge_fields(
        {"Name": "first", "name": "second", "upstream": None},
        {"name": "string", "upstream": "string"},
        {"name": "", "upstream": "kept"},
        "Proxy",
    )
    assert merged == {"name": "second", "upstream": "kept"}


def test_decoding_refuses_a_fraction_for_an_integer_attribute() -> None:
    with pytest.raises(ApiError, match=r"cannot unmarshal number 1.5 into field .*latency"):
        merge_fields({"latency": 1.5}, {"latency": "int"}, {"latency": 0}, "Toxic.attributes")
