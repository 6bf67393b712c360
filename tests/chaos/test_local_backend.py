"""The local backend starts real services and leaves no process or directory behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
import redis

from chaos.backends import LocalBackend, PostgresEndpoint, RedisEndpoint, ServiceKind
from chaos.drill import parse_drill
from chaos.environment import Environment
from chaos.journal import Status
from chaos.processes import live_pids
from chaos.runner import run_drill
from tests.conftest import require_binary

REPO = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it is gone for our purposes once reaped or defunct
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _service_dir(service) -> Path:
    return Path(service.proc.log_path).parent


def test_local_redis_answers_and_leaves_no_process_or_directory() -> None:
    require_binary("redis-server")
    with LocalBackend().redis() as service:
        pid, root = service.pid, _service_dir(service)
        assert isinstance(service.endpoint, RedisEndpoint)
        client = redis.Redis(host=service.endpoint.host, port=service.endpoint.port)
        client.set("k", "v")
        assert client.get("k") == b"v"
        client.close()
    assert pid is not None
    assert not _alive(pid)
    assert not root.exists()


def test_local_postgres_keeps_its_data_across_a_stop_and_start() -> None:
    require_binary("initdb")
    require_binary("postgres")
    with LocalBackend().postgres() as service:
        assert isinstance(service.endpoint, PostgresEndpoint)
        dsn = service.endpoint.dsn
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("create table t (x int)")
            conn.execute("insert into t values (42)")
        service.stop()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(dsn, connect_timeout=1)
        service.start()
        with psycopg.connect(dsn) as conn:
            assert conn.execute("select x from t").fetchone() == (42,)


def test_local_postgres_leaves_no_process_or_directory() -> None:
    require_binary("initdb")
    require_binary("postgres")
    with LocalBackend().postgres() as service:
        pid, root = service.pid, _service_dir(service)
        with psycopg.connect(service.endpoint.dsn) as conn:  # type: ignore[union-attr]
            conn.execute("select 1")  # a backend child process exists now
    assert pid is not None
    assert not _alive(pid)
    assert not root.exists()


def test_local_prometheus_scrapes_a_target_and_leaves_nothing_behind(tmp_path: Path) -> None:
    require_binary("prometheus")
    from prometheus_client import CollectorRegistry, Gauge, start_http_server

    from chaos.processes import free_port

    registry = CollectorRegistry()
    Gauge("corp_selftest_value", "a value to scrape", registry=registry).set(7)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        with LocalBackend().prometheus(scrape_targets=[f"127.0.0.1:{port}"]) as service:
            pid, root = service.pid, _service_dir(service)
            base = service.endpoint.url  # type: ignore[union-attr]
            url = f"{base}/api/v1/query?query=corp_selftest_value"
            deadline = time.monotonic() + 20
            value = None
            while time.monotonic() < deadline and value is None:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    result = json.load(resp)["data"]["result"]
                value = float(result[0]["value"][1]) if result else None
                time.sleep(0.2)
            assert value == 7.0
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert pid is not None
    assert not _alive(pid)
    assert not root.exists()


_TWO_SERVICES = """
id: raises
title: a drill whose caller raises inside the environment
implements: harness self-test
topology:
  services: [redis, postgres]
observe:
  probes:
    - {name: size, probe: {type: redis, service: redis, op: dbsize}}
method:
  - {action: wait, duration_s: 0}
criteria:
  - {type: max, probe: size, max: 0}
"""


def test_services_are_torn_down_when_code_inside_the_environment_raises(tmp_path: Path) -> None:
    require_binary("redis-server")
    require_binary("postgres")
    drill = parse_drill(_TWO_SERVICES)
    pids: list[int | None] = []
    dirs: list[Path] = []

    def use_then_raise() -> None:
        backend = LocalBackend()
        with Environment(drill, backend, run_dir=tmp_path / "run", drill_dir=tmp_path) as env:
            for service in env.services.values():
                pids.append(service.pid)
                dirs.append(_service_dir(service))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        use_then_raise()
    assert len(pids) == 2
    assert not any(p is None or _alive(p) for p in pids)
    assert not any(d.exists() for d in dirs)
    assert live_pids() == []


def test_a_drill_whose_step_errors_still_tears_everything_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_binary("redis-server")
    services_tmp = tmp_path / "tmp"
    services_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(services_tmp))
    text = """
id: step-errors
title: an http step against a closed port errors
implements: harness self-test
topology:
  services: [redis]
observe:
  probes:
    - {name: size, probe: {type: redis, service: redis, op: dbsize}}
method:
  - {action: http, url: "http://127.0.0.1:1/nothing"}
criteria:
  - {type: max, probe: size, max: 0}
"""
    journal = run_drill(
        tmp_path / "step-errors.yaml",
        backend=LocalBackend(),
        out_dir=tmp_path / "out",
        drill=parse_drill(text),
    )
    assert journal.status is Status.ERROR
    assert "URLError" in journal.reason
    assert live_pids() == []
    assert list(services_tmp.iterdir()) == []


def test_a_terminated_drill_run_leaves_no_process_or_directory(tmp_path: Path) -> None:
    require_binary("redis-server")
    drill = tmp_path / "long-wait.yaml"
    drill.write_text(
        "id: long-wait\ntitle: waits long enough to be interrupted\nimplements: self-test\n"
        "topology: {services: [redis]}\n"
        "method:\n  - {action: wait, duration_s: 60, label: waiting}\n"
        "criteria:\n  - {type: max, probe: size, max: 0}\n"
        "observe:\n  probes:\n"
        "    - {name: size, probe: {type: redis, service: redis, op: dbsize}}\n"
    )
    services_tmp = tmp_path / "tmp"
    services_tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(services_tmp), PYTHONPATH=str(REPO))
    child = subprocess.Popen(
        [sys.executable, "-m", "chaos", "run", str(drill), "--backend", "local",
         "--out", str(tmp_path / "out")],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        for line in child.stdout:  # wait until the method is running
            if "phase     method" in line:
                break
        assert len(list(services_tmp.glob("corp-chaos-redis-*"))) == 1
        child.send_signal(signal.SIGTERM)
        child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=10)
    assert list(services_tmp.iterdir()) == []
    leftovers = subprocess.run(
        ["pgrep", "-f", str(services_tmp)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert leftovers == []


def test_missing_binary_makes_the_local_backend_name_it(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.setenv("PATH", str(tmp_path))
    reason = LocalBackend().unavailable([ServiceKind.REDIS, ServiceKind.PROMETHEUS])
    assert reason is not None
    assert "redis-server" in reason
    assert "prometheus" in reason


def test_a_drill_needing_a_missing_binary_is_skipped_with_that_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = (REPO / "tests/chaos/drills/selftest-alert.yaml").read_text()
    drill = parse_drill(text)
    monkeypatch.setenv("PATH", str(tmp_path))
    journal = run_drill(tmp_path / "x.yaml", backend=LocalBackend(), out_dir=tmp_path, drill=drill)
    assert journal.status is Status.SKIPPED
    assert "prometheus" in journal.reason
