"""chaos.faults against real processes: the embedded Toxiproxy, redis-server, PostgreSQL, sleep."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from toxiproxy.api import APIConsumer

from chaos import faults
from chaos.faults import (
    ToxiproxyClient,
    kill_process,
    pause_process,
    paused,
    process_state,
    restart_process,
    resume_process,
    shutdown_redis_nosave,
    start_postgres,
    stop_postgres_immediate,
    wait_for_port,
)
from corp.errors import ChaosError
from tests.chaos.toxiproxy_support import (
    Backend,
    LoopbackServer,
    connect,
    echo,
    embedded_backend,
    free_port,
    loopback_server,
    round_trip_secs,
)
from tests.conftest import require_binary


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    with embedded_backend(seed=3) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_proxies(backend: Backend) -> Iterator[None]:
    yield
    backend.remove_all()


@pytest.fixture
def tp(backend: Backend) -> ToxiproxyClient:
    return ToxiproxyClient(backend.host, backend.port, timeout_secs=3)


@pytest.fixture(scope="module")
def echo_server() -> Iterator[LoopbackServer]:
    with loopback_server(echo) as server:
        yield server


# --- Toxiproxy wrapper -----------------------------------------------------------------------


def test_create_proxy_returns_a_handle_with_the_bound_listen_address(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)
    assert proxy.listen_port > 0
    with connect(proxy.listen) as sock:
        assert round_trip_secs(sock) < 5


def test_toxic_context_removes_the_toxic_even_when_the_block_raises(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)

    def failing_step() -> None:
        with proxy.toxic("latency", attributes={"latency": 50}) as added:
            assert proxy.toxics()[added.name].attributes["latency"] == 50
            raise RuntimeError("drill step failed")

    with pytest.raises(RuntimeError, match="drill step failed"):
        failing_step()
    assert proxy.toxics() == {}


def test_toxic_context_tolerates_a_reset_inside_the_block(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)
    with proxy.toxic("noop", name="gone"):
        tp.reset()
    assert proxy.toxics() == {}


def test_update_toxic_merges_attributes_on_the_live_connection(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)
    proxy.add_toxic("latency", name="lat", attributes={"latency": 0, "jitter": 0})
    with connect(proxy.listen) as sock:
        before = round_trip_secs(sock)
        updated = proxy.update_toxic("lat", attributes={"latency": 400})
        after = round_trip_secs(sock)
    assert updated.attributes == {"latency": 400, "jitter": 0}
    assert before < 0.3
    assert after >= 0.39


def test_update_toxic_of_a_missing_toxic_names_it_in_a_chaos_error(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)
    with pytest.raises(ChaosError, match=r"update toxic 'ghost'.*HTTP 404: toxic not found"):
        proxy.update_toxic("ghost", toxicity=0.5)


def test_missing_proxy_is_a_chaos_error_naming_it(tp: ToxiproxyClient) -> None:
    with pytest.raises(ChaosError, match=r"no proxy 'ghost'"):
        tp.proxy("ghost")


def test_bind_failure_is_a_chaos_error_not_a_key_error(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        with pytest.raises(ChaosError, match=r"HTTP 500: .*address already in use"):
            tp.create_proxy("clash", echo_server.address, listen=listen)


def test_enable_on_a_taken_port_is_a_chaos_error(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)
    proxy.disable()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", proxy.listen_port))
        squatter.listen(1)
        with pytest.raises(ChaosError, match=r"enable proxy 'echo'.*HTTP 500"):
            proxy.enable()


def test_duplicate_proxy_is_a_chaos_error(tp: ToxiproxyClient, echo_server: LoopbackServer) -> None:
    tp.create_proxy("dup", echo_server.address)
    with pytest.raises(ChaosError, match=r"create proxy 'dup' failed: This proxy already exists"):
        tp.create_proxy("dup", echo_server.address)


def test_invalid_toxic_is_a_chaos_error_with_the_server_message(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)
    with pytest.raises(ChaosError, match=r"HTTP 400: stream was invalid"):
        proxy.add_toxic("latency", stream="sideways")  # type: ignore[arg-type]


def test_a_wedged_server_times_out_with_a_chaos_error() -> None:
    with socket.socket() as silent:  # accepts (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        client = ToxiproxyClient("127.0.0.1", silent.getsockname()[1], timeout_secs=0.5)
        started = time.monotonic()
        with pytest.raises(ChaosError, match=r"no answer within 0.5s"):
            client.proxies()
        assert time.monotonic() - started < 5


def test_an_absent_server_is_a_chaos_error() -> None:
    client = ToxiproxyClient("127.0.0.1", free_port(), timeout_secs=1)
    with pytest.raises(ChaosError, match=r"cannot reach the server"):
        client.reset()


def test_two_clients_talk_to_their_own_servers_and_leave_the_globals_alone(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    saved = (APIConsumer.host, APIConsumer.port)
    with embedded_backend(seed=None) as other_backend:
        other = ToxiproxyClient(other_backend.host, other_backend.port)
        tp.create_proxy("mine", echo_server.address)
        other.create_proxy("theirs", echo_server.address)
        assert sorted(tp.proxies()) == ["mine"]
        assert sorted(other.proxies()) == ["theirs"]
    assert (APIConsumer.host, APIConsumer.port) == saved


def test_concurrent_calls_from_threads_reach_the_right_servers(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    with embedded_backend(seed=None) as other_backend:
        other = ToxiproxyClient(other_backend.host, other_backend.port)
        errors: list[BaseException] = []

        def create_many(client: ToxiproxyClient, prefix: str) -> None:
            try:
                for i in range(10):
                    client.create_proxy(f"{prefix}{i}", echo_server.address)
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=create_many, args=(tp, "a")),
            threading.Thread(target=create_many, args=(other, "b")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        assert all(name.startswith("a") for name in tp.proxies())
        assert all(name.startswith("b") for name in other.proxies())


def test_down_refuses_connections_inside_the_block_and_restores_after(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)
    with proxy.down(), pytest.raises(ConnectionRefusedError):
        connect(proxy.listen, timeout_secs=2)
    assert proxy.refresh().enabled is True


def test_populate_creates_proxies_and_is_idempotent(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    spec = [{"name": "pop", "listen": f"127.0.0.1:{free_port()}", "upstream": echo_server.address}]
    first = tp.populate(spec)
    second = tp.populate(spec)
    assert [p.listen for p in first] == [p.listen for p in second] == [spec[0]["listen"]]


def test_metrics_text_reports_byte_counters(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)
    with connect(proxy.listen) as sock:
        round_trip_secs(sock, b"x" * 10)
    assert "toxiproxy_proxy_sent_bytes_total" in tp.metrics_text()


def test_from_url_rejects_a_url_without_port() -> None:
    with pytest.raises(ChaosError, match=r"http://host:port"):
        ToxiproxyClient.from_url("http://localhost")


def test_add_toxic_rejects_toxicity_outside_zero_one(
    tp: ToxiproxyClient, echo_server: LoopbackServer
) -> None:
    proxy = tp.create_proxy("echo", echo_server.address)
    with pytest.raises(ChaosError, match=r"toxicity must be in \[0, 1\], got 1.5"):
        proxy.add_toxic("noop", toxicity=1.5)


def test_function_api_drives_a_link_through_its_whole_life(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    control = faults.ProxyControl(backend.url)
    listen = faults.create_proxy(control, "link", "127.0.0.1:0", echo_server.address)
    faults.add_toxic(control, "link", "latency", name="slow", attributes={"latency": 300})
    with connect(listen) as sock:
        slow = round_trip_secs(sock)
        faults.update_toxic(control, "link", "slow", attributes={"latency": 0})
        fast = round_trip_secs(sock)
    assert slow >= 0.29
    assert fast < 0.2
    faults.remove_toxic(control, "link", "slow")
    faults.set_enabled(control, "link", enabled=False)
    with pytest.raises(ConnectionRefusedError):
        connect(listen, timeout_secs=2)
    faults.reset(control)
    with connect(listen) as sock:
        assert round_trip_secs(sock) < 5
    assert control.proxy("link").toxics() == {}


def test_function_api_removes_a_toxic_already_gone_only_when_told_so(
    backend: Backend, echo_server: LoopbackServer
) -> None:
    control = faults.ProxyControl(backend.url)
    faults.create_proxy(control, "link", "127.0.0.1:0", echo_server.address)
    faults.remove_toxic(control, "link", "never_added", missing_ok=True)
    with pytest.raises(ChaosError, match=r"remove toxic 'never_added'.*toxic not found"):
        faults.remove_toxic(control, "link", "never_added")


def test_function_api_names_a_missing_link(backend: Backend) -> None:
    control = faults.ProxyControl(backend.url)
    with pytest.raises(ChaosError, match=r"no proxy 'ghost'"):
        faults.set_enabled(control, "ghost", enabled=True)


# --- process faults --------------------------------------------------------------------------


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(5)


def test_kill_process_ends_it_with_sigkill(sleeper: subprocess.Popen[bytes]) -> None:
    kill_process(sleeper.pid)
    assert sleeper.wait(5) == -9


def test_pause_then_resume_stops_and_restarts_the_process(
    sleeper: subprocess.Popen[bytes],
) -> None:
    pause_process(sleeper.pid)
    assert process_state(sleeper.pid) in ("T", "t")
    resume_process(sleeper.pid)
    deadline = time.monotonic() + 5
    while process_state(sleeper.pid) in ("T", "t") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process_state(sleeper.pid) not in ("T", "t")


def test_signalling_a_missing_pid_is_a_chaos_error(sleeper: subprocess.Popen[bytes]) -> None:
    sleeper.kill()
    sleeper.wait(5)
    with pytest.raises(ChaosError, match=r"no such process"):
        pause_process(sleeper.pid)


def test_restart_process_reports_an_early_exit(tmp_path: Path) -> None:
    log = tmp_path / "fail.log"
    with pytest.raises(ChaosError, match=r"exited with code 3"):
        restart_process(
            [sys.executable, "-c", "import sys; sys.exit(3)"],
            log_path=log,
            ready_address=("127.0.0.1", free_port()),
            timeout_secs=5,
        )


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[tuple[list[str], int, subprocess.Popen[bytes]]]:
    binary = require_binary("redis-server")
    port = free_port()
    argv = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(tmp_path), "--daemonize", "no",
    ]  # fmt: skip
    procs = [restart_process(argv, ready_address=("127.0.0.1", port), timeout_secs=20)]
    yield argv, port, procs[0]
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)


@pytest.mark.services
def test_redis_shutdown_nosave_stops_it_and_restart_comes_back_empty(
    redis_server: tuple[list[str], int, subprocess.Popen[bytes]],
) -> None:
    argv, port, proc = redis_server
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
    client.set("quote", "1")
    shutdown_redis_nosave("127.0.0.1", port)
    assert proc.wait(10) == 0
    restarted = restart_process(argv, ready_address=("127.0.0.1", port), timeout_secs=20)
    try:
        assert client.ping() is True
        assert client.get("quote") is None
    finally:
        client.close()
        restarted.terminate()
        restarted.wait(10)


@pytest.mark.services
def test_paused_redis_stops_answering_and_answers_again_after(
    redis_server: tuple[list[str], int, subprocess.Popen[bytes]],
) -> None:
    _argv, port, proc = redis_server
    client = redis.Redis(
        host="127.0.0.1", port=port, socket_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    try:
        with paused(proc.pid), pytest.raises(redis.TimeoutError):
            client.ping()
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
        assert client.ping() is True
    finally:
        client.close()


def test_shutdown_of_an_absent_redis_is_a_chaos_error() -> None:
    with pytest.raises(ChaosError, match=r"SHUTDOWN NOSAVE failed"):
        shutdown_redis_nosave("127.0.0.1", free_port(), timeout_secs=1)


@pytest.fixture
def pg_root() -> Iterator[tuple[Path, str | None]]:
    """A temp dir PostgreSQL's own user can reach (pytest's tmp_path is root-only, 0700)."""
    user = _service_user()
    root = Path(tempfile.mkdtemp(prefix="corp-faults-pg-"))
    if user is not None:
        shutil.chown(root, user=user)
    yield root, user
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.services
def test_postgres_immediate_stop_and_restart_of_a_data_directory(
    pg_root: tuple[Path, str | None],
) -> None:
    require_binary("initdb")
    require_binary("pg_ctl")
    root, user = pg_root
    data = root / "data"
    subprocess.run(
        ["initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
        check=True,
        capture_output=True,
        user=user,
        timeout=120,
    )
    port = free_port()
    log = root / "pg.log"
    start_postgres(data, port=port, log_path=log, user=user, extra_options=["-c", "fsync=off"])
    dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE fills (id int)")
            conn.execute("INSERT INTO fills VALUES (1)")
        stop_postgres_immediate(data, user=user)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(dsn, connect_timeout=2)
        start_postgres(data, port=port, log_path=log, user=user, extra_options=["-c", "fsync=off"])
        wait_for_port("127.0.0.1", port)
        with psycopg.connect(dsn, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM fills").fetchone() == (1,)
    finally:
        subprocess.run(
            ["pg_ctl", "stop", "-D", str(data), "-m", "immediate"],
            capture_output=True,
            user=user,
            check=False,
            timeout=30,
        )


@pytest.mark.services
def test_pg_ctl_failure_is_a_chaos_error_with_its_output(
    pg_root: tuple[Path, str | None],
) -> None:
    require_binary("pg_ctl")
    root, user = pg_root
    with pytest.raises(ChaosError, match=r"stopping PostgreSQL in .*pg_ctl exit"):
        stop_postgres_immediate(root / "no-such-data-dir", user=user)


def _service_user() -> str | None:
    """PostgreSQL refuses to run as root: use its own account (or nobody) when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.skip("running as root without a 'postgres' or 'nobody' account for PostgreSQL")
