"""Where a drill's Redis, PostgreSQL, Toxiproxy and Prometheus come from.

Two backends give the same endpoints, so drills never know which one ran them:

- ``containers``: testcontainers (Redis, Postgres, the Toxiproxy image, Prometheus) on a private
  Docker network; chosen when ``docker.from_env().ping()`` answers.
- ``local``: real ``redis-server``, ``postgres`` (initdb once per process, then a copy per
  instance), ``prometheus`` and ``toxiproxy-server`` processes on free loopback ports in temp dirs;
  without a Toxiproxy binary, the harness's embedded server (``python -m chaos.toxiproxy_server``).

Choice: the ``backend`` argument, else env ``CORP_CHAOS_BACKEND`` (``auto``, ``local`` or
``containers``), else auto-detection. Every service is a context manager; leaving it (also by
an exception or a signal) stops the process and removes its directory::

    backend = select_backend()
    with backend.redis() as redis, backend.postgres() as pg:
        print(redis.endpoint.url, pg.endpoint.dsn)
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from chaos.processes import (
    ManagedProcess,
    free_port,
    install_signal_safety,
    make_temp_dir,
    remove_temp_dir,
    service_user,
    wait_until,
)
from corp.errors import ChaosError

__all__ = [
    "BACKEND_ENV",
    "Backend",
    "BackendName",
    "ContainersBackend",
    "LocalBackend",
    "PostgresEndpoint",
    "PrometheusEndpoint",
    "RedisEndpoint",
    "Service",
    "ServiceKind",
    "ServiceUnavailable",
    "ToxiproxyEndpoint",
    "docker_available",
    "resolve_backend_name",
    "select_backend",
]

BACKEND_ENV = "CORP_CHAOS_BACKEND"
READY_TIMEOUT_SECS = 30.0
DOCKER_SOCKET = "/var/run/docker.sock"
TOXIPROXY_IMAGE = "ghcr.io/shopify/toxiproxy:2.12.0"
PROMETHEUS_IMAGE = "prom/prometheus:v2.53.0"
CONTAINER_PROXY_PORTS = tuple(range(18600, 18616))


class BackendName(StrEnum):
    """The closed set of backends (``auto`` resolves to one of the other two)."""

    AUTO = "auto"
    LOCAL = "local"
    CONTAINERS = "containers"


class ServiceKind(StrEnum):
    """Services a drill's topology can ask for."""

    REDIS = "redis"
    POSTGRES = "postgres"
    TOXIPROXY = "toxiproxy"
    PROMETHEUS = "prometheus"


class ServiceUnavailable(ChaosError):
    """A service cannot run here (missing binary, no Docker); ``reason`` says which and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RedisEndpoint:
    """Where Redis answers (from the harness's point of view)."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """``redis://host:port/0``."""
        return f"redis://{self.host}:{self.port}/0"


@dataclass(frozen=True)
class PostgresEndpoint:
    """Where PostgreSQL answers; ``dsn`` is a libpq keyword string usable by psycopg 3."""

    host: str
    port: int
    user: str = "postgres"
    dbname: str = "postgres"
    password: str | None = None

    @property
    def dsn(self) -> str:
        """``host=.. port=.. user=.. dbname=..`` (+ password when set)."""
        parts = f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"
        return parts if self.password is None else f"{parts} password={self.password}"


@dataclass(frozen=True)
class ToxiproxyEndpoint:
    """Toxiproxy's HTTP API; ``listen_host`` is where proxies listen for the harness's clients."""

    host: str
    port: int
    listen_host: str = "127.0.0.1"

    @property
    def api_url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class PrometheusEndpoint:
    """Prometheus's HTTP API."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"


Endpoint = RedisEndpoint | PostgresEndpoint | ToxiproxyEndpoint | PrometheusEndpoint


class Service:
    """A running service: its endpoint, the address a proxy dials, and process-level control.

    ``upstream`` is the ``host:port`` Toxiproxy must dial to reach the service (the same as the
    endpoint locally, a network alias with containers). ``pid`` is None where no local process
    exists. ``stop``/``start`` end and restart the service on the same port (state on disk kept).
    """

    def __init__(self, kind: ServiceKind, endpoint: Endpoint, upstream: str) -> None:
        self.kind = kind
        self.endpoint = endpoint
        self.upstream = upstream
        self.started_in_secs = 0.0
        self.data_dir: Path | None = None
        """PostgreSQL's data directory, where the backend has one on the harness's disk."""
        self.embedded = False
        """True for the harness's own Toxiproxy-compatible server."""
        self.port_map: dict[int, int] = {}
        """Container proxy port -> host port (containers backend only)."""

    @property
    def pid(self) -> int | None:
        """The main process id, when it runs as a local process."""
        return None

    def stop(self) -> None:
        """Stop the service, keeping its data."""
        raise ChaosError(f"{self.kind} on this backend cannot be stopped <kind={self.kind}>")

    def start(self) -> None:
        """Start it again on the same port and wait until it answers (no-op when running)."""
        raise ChaosError(f"{self.kind} on this backend cannot be restarted <kind={self.kind}>")

    def running(self) -> bool:
        """True while the service's process runs."""
        return True

    def signal_fault(self, fault: str) -> None:
        """kill / pause / resume where the backend has no local pid (containers)."""
        raise ChaosError(f"{fault} is not supported for {self.kind} here <fault={fault}>")


class Backend(ABC):
    """Provides services; each method is a context manager that tears its service down on exit."""

    name: BackendName

    @abstractmethod
    def redis(self) -> contextlib.AbstractContextManager[Service]:
        """A fresh, empty Redis."""

    @abstractmethod
    def postgres(self) -> contextlib.AbstractContextManager[Service]:
        """A fresh PostgreSQL with trust auth (user and db ``postgres``)."""

    @abstractmethod
    def toxiproxy(self, *, seed: int = 0) -> contextlib.AbstractContextManager[Service]:
        """A Toxiproxy API with no proxies."""

    @abstractmethod
    def prometheus(
        self, *, scrape_targets: Sequence[str] = (), rule_files: Sequence[Path] = ()
    ) -> contextlib.AbstractContextManager[Service]:
        """Prometheus scraping ``scrape_targets`` (``host:port``) every second, evaluating rules."""

    @abstractmethod
    def unavailable(self, kinds: Sequence[ServiceKind]) -> str | None:
        """Why some of ``kinds`` cannot run on this backend (None when all can)."""

    def proxy_listen_address(self, index: int) -> str:
        """The ``listen`` address for the ``index``-th proxy of a drill (0 = any free port)."""
        del index
        return "127.0.0.1:0"


def prometheus_config(
    *, scrape_targets: Sequence[str], rule_files: Sequence[str], interval_secs: float = 1.0
) -> str:
    """A minimal prometheus.yml: one job scraping every target, fast evaluation for drills."""
    lines = [
        "global:",
        f"  scrape_interval: {interval_secs:g}s",
        f"  evaluation_interval: {interval_secs:g}s",
        f"  scrape_timeout: {interval_secs:g}s",
    ]
    if rule_files:
        lines.append("rule_files:")
        lines.extend(f"  - {path}" for path in rule_files)
    lines.append("scrape_configs:")
    lines.append("  - job_name: corp")
    lines.append("    static_configs:")
    targets = ", ".join(f'"{t}"' for t in scrape_targets)
    lines.append(f"      - targets: [{targets}]")
    return "\n".join(lines) + "\n"


def _http_ok(url: str) -> bool:
    """True when ``url`` answers 2xx; a 4xx/5xx (Prometheus' 503 while it starts) is "not yet".

    urlopen raises HTTPError for those, and the error *is* the open response: it must be closed
    here, or its socket is garbage-collected unclosed (a ResourceWarning under ``-W error``).
    """
    try:
        with urllib.request.urlopen(url, timeout=1.0) as resp:
            return 200 <= resp.status < 300
    except urllib.error.HTTPError as exc:
        exc.close()
        return False


# --------------------------------------------------------------------------------------- local


class _LocalService(Service):
    def __init__(
        self,
        kind: ServiceKind,
        endpoint: Endpoint,
        proc: ManagedProcess,
        ready: Callable[[], bool],
        stop_sig: int = signal.SIGTERM,
    ) -> None:
        host, port = endpoint.host, endpoint.port
        super().__init__(kind, endpoint, f"{host}:{port}")
        self.proc = proc
        self._ready = ready
        self._stop_sig = stop_sig

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.running()

    def start(self) -> None:
        if self.proc.running():
            return  # idempotent, so a rollback "start" is safe after a method that restarted it
        self.proc.start()
        self.wait_ready()

    def wait_ready(self) -> None:
        def check() -> bool:
            if not self.proc.running():
                raise ChaosError(
                    f"{self.kind} exited with code {self.proc.exit_code()} while starting; "
                    f"log tail:\n{self.proc.log_tail()}"
                )
            return self._ready()

        try:
            self.started_in_secs = wait_until(
                check, timeout_secs=READY_TIMEOUT_SECS, what=f"{self.kind} on {self.upstream}"
            )
        except ChaosError:
            self.proc.stop(grace_secs=1.0)
            raise

    def stop(self) -> None:
        self.proc.stop(sig=self._stop_sig)


class _PostgresTemplate:
    """initdb once per process; every instance starts from a copy of this data dir."""

    _lock = threading.Lock()
    _path: Path | None = None

    @classmethod
    def get(cls) -> Path:
        with cls._lock:
            if cls._path is None or not cls._path.exists():
                root = make_temp_dir("pgtemplate")
                data = root / "data"
                argv = [
                    shutil.which("initdb") or "initdb",
                    "-D", str(data), "-A", "trust", "-U", "postgres",
                    "-E", "UTF8", "--no-locale", "-N",
                ]  # fmt: skip
                result = subprocess.run(
                    argv, capture_output=True, text=True, user=service_user(), check=False
                )
                if result.returncode != 0:
                    remove_temp_dir(root)
                    raise ChaosError(
                        f"initdb failed with code {result.returncode}: {result.stderr.strip()}"
                    )
                cls._path = data
            return cls._path


def _redis_ping(port: int) -> bool:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1.0)
    try:
        return bool(client.ping())
    finally:
        client.close()


def _postgres_ping(endpoint: PostgresEndpoint) -> bool:
    import psycopg

    with psycopg.connect(endpoint.dsn, connect_timeout=2) as conn:
        return conn.execute("select 1").fetchone() == (1,)


class LocalBackend(Backend):
    """Real processes on loopback, in registered temp dirs, stopped on exit."""

    name = BackendName.LOCAL

    def __init__(self) -> None:
        install_signal_safety()

    def unavailable(self, kinds: Sequence[ServiceKind]) -> str | None:
        binaries = {
            ServiceKind.REDIS: ["redis-server"],
            ServiceKind.POSTGRES: ["initdb", "postgres"],
            ServiceKind.PROMETHEUS: ["prometheus"],
        }
        missing = [b for k in kinds for b in binaries.get(k, []) if shutil.which(b) is None]
        if ServiceKind.TOXIPROXY in kinds and not self.toxiproxy_available():
            missing.append("toxiproxy-server (and the embedded chaos.toxiproxy_server)")
        if missing:
            return f"local backend: binaries not found on PATH: {', '.join(missing)}"
        return None

    @staticmethod
    def toxiproxy_available() -> bool:
        """A binary on PATH or the embedded server is importable."""
        return (
            shutil.which("toxiproxy-server") is not None
            or importlib.util.find_spec("chaos.toxiproxy_server") is not None
        )

    def _require(self, kind: ServiceKind) -> None:
        reason = self.unavailable([kind])
        if reason is not None:
            raise ServiceUnavailable(reason)

    @contextlib.contextmanager
    def _serve(self, service: _LocalService, root: Path) -> Iterator[Service]:
        try:
            service.start()
            yield service
        finally:
            service.proc.stop(grace_secs=5.0)
            remove_temp_dir(root)

    def redis(self) -> contextlib.AbstractContextManager[Service]:
        self._require(ServiceKind.REDIS)
        root = make_temp_dir("redis")
        port = free_port()
        argv = [
            shutil.which("redis-server") or "redis-server",
            "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root),
            "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no",
        ]  # fmt: skip
        proc = ManagedProcess("redis", argv, log_path=root / "redis.log", cwd=root)
        endpoint = RedisEndpoint("127.0.0.1", port)
        service = _LocalService(ServiceKind.REDIS, endpoint, proc, lambda: _redis_ping(port))
        return self._serve(service, root)

    def postgres(self) -> contextlib.AbstractContextManager[Service]:
        self._require(ServiceKind.POSTGRES)
        template = _PostgresTemplate.get()
        root = make_temp_dir("postgres")
        data = root / "data"
        user = service_user()
        subprocess.run(["cp", "-a", str(template), str(data)], check=True)
        port = free_port()
        argv = [
            shutil.which("postgres") or "postgres",
            "-D", str(data), "-p", str(port), "-k", str(root),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
            "-c", "max_connections=50", "-c", "shared_buffers=16MB",
        ]  # fmt: skip
        # fsync=off is safe for drills: they crash processes, never the OS. synchronous_commit stays
        # on: with it off an immediate stop loses acknowledged commits (a drill caught exactly that)
        proc = ManagedProcess("postgres", argv, log_path=root / "postgres.log", run_as=user)
        endpoint = PostgresEndpoint("127.0.0.1", port)
        # SIGINT = postgres "fast" shutdown: clean, quick, data kept for a restart
        service = _LocalService(
            ServiceKind.POSTGRES,
            endpoint,
            proc,
            lambda: _postgres_ping(endpoint),
            stop_sig=signal.SIGINT,
        )
        service.data_dir = data
        return self._serve(service, root)

    def toxiproxy(self, *, seed: int = 0) -> contextlib.AbstractContextManager[Service]:
        self._require(ServiceKind.TOXIPROXY)
        root = make_temp_dir("toxiproxy")
        port = free_port()
        binary = shutil.which("toxiproxy-server")
        if binary is not None:
            argv = [binary, "-host", "127.0.0.1", "-port", str(port)]
        else:
            argv = [
                sys.executable, "-m", "chaos.toxiproxy_server",
                "--host", "127.0.0.1", "--port", str(port), "--seed", str(seed),
            ]  # fmt: skip
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")) if p
        )
        proc = ManagedProcess("toxiproxy", argv, log_path=root / "toxiproxy.log", env=env)
        endpoint = ToxiproxyEndpoint("127.0.0.1", port)
        ready = lambda: _http_ok(f"{endpoint.api_url}/version")  # noqa: E731
        service = _LocalService(ServiceKind.TOXIPROXY, endpoint, proc, ready)
        service.embedded = binary is None
        return self._serve(service, root)

    def prometheus(
        self, *, scrape_targets: Sequence[str] = (), rule_files: Sequence[Path] = ()
    ) -> contextlib.AbstractContextManager[Service]:
        self._require(ServiceKind.PROMETHEUS)
        root = make_temp_dir("prometheus")
        copied: list[str] = []
        for i, rule_file in enumerate(rule_files):
            target = root / f"rules_{i}_{Path(rule_file).name}"
            shutil.copyfile(rule_file, target)
            copied.append(str(target))
        config = root / "prometheus.yml"
        config.write_text(prometheus_config(scrape_targets=scrape_targets, rule_files=copied))
        port = free_port()
        argv = [
            shutil.which("prometheus") or "prometheus",
            f"--config.file={config}", f"--storage.tsdb.path={root / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        ]  # fmt: skip
        proc = ManagedProcess("prometheus", argv, log_path=root / "prometheus.log", cwd=root)
        endpoint = PrometheusEndpoint("127.0.0.1", port)
        ready = lambda: _http_ok(f"{endpoint.url}/-/ready")  # noqa: E731
        service = _LocalService(ServiceKind.PROMETHEUS, endpoint, proc, ready)
        return self._serve(service, root)


# ---------------------------------------------------------------------------------- containers


class _ContainerService(Service):
    def __init__(self, kind: ServiceKind, endpoint: Endpoint, upstream: str, container: Any):
        super().__init__(kind, endpoint, upstream)
        self.container = container

    def stop(self) -> None:
        self.container.get_wrapped_container().stop(timeout=5)

    def start(self) -> None:
        if not self.running():  # host ports are bound explicitly, so the endpoint stays valid
            self.container.get_wrapped_container().start()

    def running(self) -> bool:
        wrapped = self.container.get_wrapped_container()
        wrapped.reload()
        return wrapped.status == "running"

    def signal_fault(self, fault: str) -> None:
        """kill / pause / resume the container (the engine's equivalent of the signals)."""
        wrapped = self.container.get_wrapped_container()
        actions = {"kill": wrapped.kill, "pause": wrapped.pause, "resume": wrapped.unpause}
        actions[fault]()


class ContainersBackend(Backend):
    """testcontainers on a private network; Toxiproxy dials services by their network alias."""

    name = BackendName.CONTAINERS

    def __init__(self) -> None:
        os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
        self._network: Any = None  # created with the first container (needs the engine)

    def _ensure_network(self) -> Any:
        if self._network is None:
            from testcontainers.core.network import Network

            self._network = Network()
            self._network.create()
            atexit.register(self._remove_network)
        return self._network

    def _remove_network(self) -> None:
        with contextlib.suppress(Exception):  # the engine may be gone at exit
            self._network.remove()

    def unavailable(self, kinds: Sequence[ServiceKind]) -> str | None:
        return None if docker_available() else "containers backend: no Docker engine answers"

    def proxy_listen_address(self, index: int) -> str:
        if index >= len(CONTAINER_PROXY_PORTS):
            raise ChaosError(
                f"containers backend exposes {len(CONTAINER_PROXY_PORTS)} proxy ports, "
                f"a drill asked for proxy #{index + 1} <max_links={len(CONTAINER_PROXY_PORTS)}>"
            )
        return f"0.0.0.0:{CONTAINER_PROXY_PORTS[index]}"

    @contextlib.contextmanager
    def _run(
        self, container: Any, alias: str, build: Callable[[Any], Service]
    ) -> Iterator[Service]:
        container.with_network(self._ensure_network()).with_network_aliases(alias)
        started = time.monotonic()
        container.start()
        try:
            service = build(container)
            service.started_in_secs = time.monotonic() - started
            yield service
        finally:
            container.stop()

    def redis(self) -> contextlib.AbstractContextManager[Service]:
        from testcontainers.community.redis import RedisContainer

        def build(c: Any) -> Service:
            endpoint = RedisEndpoint(c.get_container_host_ip(), int(c.get_exposed_port(6379)))
            return _ContainerService(ServiceKind.REDIS, endpoint, "redis:6379", c)

        container = RedisContainer("redis:7").with_bind_ports(6379, free_port())
        return self._run(container, "redis", build)

    def postgres(self) -> contextlib.AbstractContextManager[Service]:
        from testcontainers.community.postgres import PostgresContainer

        def build(c: Any) -> Service:
            endpoint = PostgresEndpoint(
                c.get_container_host_ip(),
                int(c.get_exposed_port(5432)),
                user=c.username,
                dbname=c.dbname,
                password=c.password,
            )
            return _ContainerService(ServiceKind.POSTGRES, endpoint, "postgres:5432", c)

        container = PostgresContainer("postgres:15", driver=None).with_bind_ports(5432, free_port())
        return self._run(container, "postgres", build)

    def toxiproxy(self, *, seed: int = 0) -> contextlib.AbstractContextManager[Service]:
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.waiting_utils import wait_for_logs

        del seed  # the real server cannot be seeded (see the toxiproxy reference)
        container = DockerContainer(TOXIPROXY_IMAGE).with_exposed_ports(
            8474, *CONTAINER_PROXY_PORTS
        )

        def build(c: Any) -> Service:
            wait_for_logs(c, "API HTTP server starting", timeout=READY_TIMEOUT_SECS)
            host = c.get_container_host_ip()
            endpoint = ToxiproxyEndpoint(host, int(c.get_exposed_port(8474)), listen_host=host)
            service = _ContainerService(ServiceKind.TOXIPROXY, endpoint, "toxiproxy:8474", c)
            service.port_map = {p: int(c.get_exposed_port(p)) for p in CONTAINER_PROXY_PORTS}
            return service

        return self._run(container, "toxiproxy", build)

    def prometheus(
        self, *, scrape_targets: Sequence[str] = (), rule_files: Sequence[Path] = ()
    ) -> contextlib.AbstractContextManager[Service]:
        from testcontainers.core.container import DockerContainer

        root = make_temp_dir("prometheus-ct")
        names = []
        for i, rule_file in enumerate(rule_files):
            name = f"rules_{i}_{Path(rule_file).name}"
            shutil.copyfile(rule_file, root / name)
            names.append(f"/etc/prometheus/drill/{name}")
        (root / "prometheus.yml").write_text(
            prometheus_config(scrape_targets=scrape_targets, rule_files=names)
        )
        container = (
            DockerContainer(PROMETHEUS_IMAGE)
            .with_exposed_ports(9090)
            .with_volume_mapping(str(root), "/etc/prometheus/drill", "ro")
            .with_command("--config.file=/etc/prometheus/drill/prometheus.yml")
        )

        def build(c: Any) -> Service:
            endpoint = PrometheusEndpoint(c.get_container_host_ip(), int(c.get_exposed_port(9090)))
            wait_until(
                lambda: _http_ok(f"{endpoint.url}/-/ready"),
                timeout_secs=READY_TIMEOUT_SECS,
                what="prometheus container",
            )
            return _ContainerService(ServiceKind.PROMETHEUS, endpoint, "prometheus:9090", c)

        @contextlib.contextmanager
        def run() -> Iterator[Service]:
            try:
                with self._run(container, "prometheus", build) as service:
                    yield service
            finally:
                remove_temp_dir(root)

        return run()


# ----------------------------------------------------------------------------------- selection


def docker_available(ping: Callable[[], object] | None = None) -> bool:
    """True when a Docker engine answers ``ping`` (a ``docker`` CLI on PATH proves nothing)."""
    if ping is not None:
        try:
            return bool(ping())
        except Exception:  # any failure to answer means no engine
            return False
    if not os.environ.get("DOCKER_HOST") and not Path(DOCKER_SOCKET).exists():
        return False  # nothing to ask; docker.from_env() would only leak a failed socket
    with warnings.catch_warnings():
        # a failed connect inside docker/urllib3 leaves a socket for the GC: collect it here
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            import docker

            client = docker.from_env(timeout=3)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except Exception:  # DockerException, requests errors, FileNotFoundError...
            return False
        finally:
            gc.collect()


def resolve_backend_name(
    requested: str | None = None,
    *,
    environ: dict[str, str] | None = None,
    docker_ping: Callable[[], object] | None = None,
) -> BackendName:
    """The backend to use: ``requested``, else ``$CORP_CHAOS_BACKEND``, else auto-detection."""
    env = os.environ if environ is None else environ
    raw = requested if requested is not None else env.get(BACKEND_ENV, BackendName.AUTO.value)
    try:
        name = BackendName(raw.strip().lower())
    except ValueError as exc:
        allowed = ", ".join(b.value for b in BackendName)
        source = "--backend" if requested is not None else BACKEND_ENV
        raise ChaosError(
            f"{source}: expected one of {allowed}, got {raw!r} <backend={raw}>"
        ) from exc
    if name is BackendName.AUTO:
        return BackendName.CONTAINERS if docker_available(docker_ping) else BackendName.LOCAL
    if name is BackendName.CONTAINERS and not docker_available(docker_ping):
        raise ServiceUnavailable(
            "containers backend requested but no Docker engine answers docker.from_env().ping() "
            "<backend=containers>"
        )
    return name


def select_backend(
    requested: str | None = None, *, docker_ping: Callable[[], object] | None = None
) -> Backend:
    """Build the backend :func:`resolve_backend_name` picks."""
    name = resolve_backend_name(requested, docker_ping=docker_ping)
    return ContainersBackend() if name is BackendName.CONTAINERS else LocalBackend()
