"""Fault injection for drills: network toxics through Toxiproxy, and process faults.

The one place CORP talks to Toxiproxy (real or embedded). It drives the unchanged toxiproxy-python
0.1.1 client and adds what that client lacks:

* HTTP timeouts (the client has none, so a wedged server would hang a drill);
* clear :class:`~corp.errors.ChaosError` messages naming the operation, the proxy or toxic, the
  HTTP status and the server's own error text (the client turns 500s into ``KeyError: 'name'``
  and other statuses into nothing at all);
* toxic updates (PATCH, which the client has no call for);
* context managers that always remove what they add (``with proxy.toxic(...)``, ``proxy.down()``).

The client keeps the server address in class attributes of ``toxiproxy.api.APIConsumer`` (one
server per process). We handle that deliberately: every client call runs under one process-wide
lock that points ``APIConsumer`` (and the client module's ``requests``, to add timeouts) at this
wrapper's server for the duration of the call and restores the previous values afterwards. Two
:class:`ToxiproxyClient` objects for two servers therefore work side by side, from any thread.

Process faults: :func:`kill_process` (SIGKILL), :func:`pause_process`/:func:`resume_process`
(SIGSTOP/SIGCONT), :func:`stop_postgres_immediate`/:func:`start_postgres` (``pg_ctl``),
:func:`shutdown_redis_nosave` and :func:`restart_process` (the caller's own command line)::

    tp = ToxiproxyClient("127.0.0.1", 8474)
    redis_link = tp.create_proxy("redis", upstream="127.0.0.1:6379")
    with redis_link.toxic("latency", attributes={"latency": 500}):
        ...  # every byte from Redis is 500 ms late; the toxic is gone after the block
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import redis
import requests
import toxiproxy
import toxiproxy.api as _client_api
from redis.backoff import NoBackoff
from redis.retry import Retry
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

from corp.errors import ChaosError

__all__ = [
    "DEFAULT_HTTP_TIMEOUT_SECS",
    "ProxyControl",
    "ProxyHandle",
    "Stream",
    "ToxicInfo",
    "ToxicType",
    "ToxiproxyClient",
    "add_toxic",
    "create_proxy",
    "kill_process",
    "pause_process",
    "paused",
    "process_state",
    "remove_toxic",
    "reset",
    "restart_process",
    "resume_process",
    "set_enabled",
    "shutdown_redis_nosave",
    "start_postgres",
    "stop_postgres_immediate",
    "update_toxic",
    "wait_for_port",
    "wait_port_closed",
]

DEFAULT_HTTP_TIMEOUT_SECS = 5.0
"""Per-request timeout for the Toxiproxy API (the server itself answers in milliseconds)."""

Stream = Literal["upstream", "downstream"]
ToxicType = Literal[
    "latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data", "noop"
]

_BINDING_LOCK = threading.RLock()


@dataclass(frozen=True)
class ToxicInfo:
    """A toxic as the server reports it."""

    name: str
    type: str
    stream: str
    toxicity: float
    attributes: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ToxicInfo:
        return cls(
            name=str(data["name"]),
            type=str(data["type"]),
            stream=str(data.get("stream", "downstream")),
            toxicity=float(data.get("toxicity", 1.0)),
            attributes=dict(data.get("attributes") or {}),
        )


def _server_message(content: object) -> str:
    """The ``error`` text of a Toxiproxy error body, else the body itself (shortened)."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    text = str(content).strip()
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        parsed = json.loads(text)
        if isinstance(parsed, dict) and "error" in parsed:
            return str(parsed["error"])
    return text[:300] or "<empty body>"


class _TimedRequests:
    """Stands in for the ``requests`` module inside the client: adds a timeout, keeps the reply."""

    def __init__(self, timeout_secs: float) -> None:
        self.timeout_secs = timeout_secs
        self.last: requests.Response | None = None

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_secs)
        response = requests.request(method, url, **kwargs)
        self.last = response
        return response

    def get(self, url: str, params: Any = None, **kwargs: Any) -> requests.Response:
        return self._send("GET", url, params=params, **kwargs)

    def post(
        self, url: str, data: Any = None, json: Any = None, **kwargs: Any
    ) -> requests.Response:
        return self._send("POST", url, data=data, json=json, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("DELETE", url, **kwargs)


class ToxiproxyClient:
    """One Toxiproxy server (real or embedded), driven through the unchanged client.

    ``timeout_secs`` bounds every HTTP request; a slower or absent server raises ChaosError.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8474,
        *,
        timeout_secs: float = DEFAULT_HTTP_TIMEOUT_SECS,
    ) -> None:
        if timeout_secs <= 0:
            raise ChaosError(f"timeout_secs must be > 0, got {timeout_secs} <timeout_secs>")
        self.host = host
        self.port = int(port)
        self.timeout_secs = timeout_secs
        self._api = toxiproxy.Toxiproxy()

    @classmethod
    def from_url(
        cls, url: str, *, timeout_secs: float = DEFAULT_HTTP_TIMEOUT_SECS
    ) -> ToxiproxyClient:
        """From ``http://host:port``."""
        address = url.split("://", 1)[-1].rstrip("/")
        host, sep, port = address.rpartition(":")
        if not sep or not port.isdigit():
            raise ChaosError(f"Toxiproxy URL must be http://host:port, got {url!r} <url={url}>")
        return cls(host, int(port), timeout_secs=timeout_secs)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- the binding to the client's class-level globals --------------------------------------
    @contextlib.contextmanager
    def _bound(self, operation: str) -> Iterator[_TimedRequests]:
        """Point the client at this server for one operation; map every failure to ChaosError."""
        shim = _TimedRequests(self.timeout_secs)
        consumer = _client_api.APIConsumer
        with _BINDING_LOCK:
            saved = (consumer.host, consumer.port, _client_api.requests)
            consumer.host, consumer.port = self.host, self.port
            _client_api.requests = shim  # type: ignore[assignment]
            try:
                yield shim
            except (ProxyExists, NotFound, InvalidToxic) as exc:
                body = exc.args[0] if exc.args else b""
                # The client raises ProxyExists itself (before any POST) when a name is taken.
                last = shim.last  # (a Response is falsy when its status is >= 400)
                status = f"HTTP {last.status_code}: " if last is not None and not last.ok else ""
                raise ChaosError(
                    f"toxiproxy {operation} failed: {status}{_server_message(body)} "
                    f"<server={self.url}>"
                ) from exc
            except requests.Timeout as exc:
                raise ChaosError(
                    f"toxiproxy {operation} failed: no answer within {self.timeout_secs}s "
                    f"<server={self.url}>"
                ) from exc
            except requests.RequestException as exc:
                raise ChaosError(
                    f"toxiproxy {operation} failed: cannot reach the server "
                    f"({exc.__class__.__name__}) <server={self.url}>"
                ) from exc
            except (KeyError, ValueError) as exc:
                # The client parses error bodies as success bodies (``KeyError: 'name'``).
                raise self._http_error(operation, shim) from exc
            finally:
                consumer.host, consumer.port, _client_api.requests = saved
            if shim.last is not None and shim.last.status_code >= 400:
                raise self._http_error(operation, shim)

    def _http_error(self, operation: str, shim: _TimedRequests) -> ChaosError:
        if shim.last is None:
            return ChaosError(f"toxiproxy {operation} failed with no response <server={self.url}>")
        return ChaosError(
            f"toxiproxy {operation} failed: HTTP {shim.last.status_code}: "
            f"{_server_message(shim.last.content)} <server={self.url}>"
        )

    def _raw(
        self, method: str, path: str, operation: str, body: object = None
    ) -> requests.Response:
        """A request the client has no call for (toxic update, /populate, /metrics)."""
        try:
            response = requests.request(
                method, self.url + path, json=body, timeout=self.timeout_secs
            )
        except requests.Timeout as exc:
            raise ChaosError(
                f"toxiproxy {operation} failed: no answer within {self.timeout_secs}s "
                f"<server={self.url}>"
            ) from exc
        except requests.RequestException as exc:
            raise ChaosError(
                f"toxiproxy {operation} failed: cannot reach the server ({exc.__class__.__name__}) "
                f"<server={self.url}>"
            ) from exc
        if response.status_code >= 400:
            raise ChaosError(
                f"toxiproxy {operation} failed: HTTP {response.status_code}: "
                f"{_server_message(response.content)} <server={self.url}>"
            )
        return response

    # --- server -------------------------------------------------------------------------------
    def running(self) -> bool:
        """Whether the API port accepts connections (no exception either way)."""
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout_secs):
                return True
        except OSError:
            return False

    def wait_ready(self, timeout_secs: float = 10.0) -> None:
        """Wait until the API answers /version, or raise ChaosError."""
        deadline = time.monotonic() + timeout_secs
        while True:
            try:
                self.version()
                return
            except ChaosError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def version(self) -> str:
        with self._bound("version"):
            content = self._api.version()
        if content is None:
            raise ChaosError(f"toxiproxy version failed: server not running <server={self.url}>")
        return str(json.loads(content)["version"])

    def reset(self) -> None:
        """POST /reset: every proxy enabled again, every toxic removed."""
        with self._bound("reset"):
            self._api.reset()

    def metrics_text(self) -> str:
        """The server's Prometheus text (real Toxiproxy serves it only with ``-proxy-metrics``)."""
        return self._raw("GET", "/metrics", "metrics").text

    # --- proxies ------------------------------------------------------------------------------
    def proxies(self) -> dict[str, ProxyHandle]:
        with self._bound("list proxies"):
            found = self._api.proxies()
        return {name: ProxyHandle(self, p) for name, p in found.items()}

    def proxy(self, name: str) -> ProxyHandle:
        """The proxy called ``name``; ChaosError when there is none."""
        with self._bound(f"get proxy {name!r}"):
            found = self._api.get_proxy(name)
        if found is None:
            raise ChaosError(f"toxiproxy has no proxy {name!r} <proxy={name}> <server={self.url}>")
        return ProxyHandle(self, found)

    def create_proxy(
        self, name: str, upstream: str, listen: str = "127.0.0.1:0", *, enabled: bool = True
    ) -> ProxyHandle:
        """Create a proxy; ``listen`` port 0 binds an ephemeral port (see ``handle.listen``)."""
        with self._bound(f"create proxy {name!r}"):
            created = self._api.create(upstream=upstream, name=name, listen=listen, enabled=enabled)
        return ProxyHandle(self, created)

    def populate(self, proxies: Sequence[Mapping[str, Any]]) -> list[ProxyHandle]:
        """POST /populate (idempotent: a proxy with the same listen and upstream is kept)."""
        body = [dict(p) for p in proxies]
        response = self._raw("POST", "/populate", "populate", body)
        handles = []
        for data in response.json().get("proxies") or []:
            handles.append(ProxyHandle(self, toxiproxy.Proxy(**_proxy_fields(data))))
        return handles

    def destroy_proxy(self, name: str) -> None:
        self.proxy(name).destroy()

    def destroy_all(self) -> None:
        with self._bound("destroy all proxies"):
            self._api.destroy_all()


class ProxyControl(ToxiproxyClient):
    """A :class:`ToxiproxyClient` built from the API URL (``http://host:port``).

    The drill environment holds one and calls the functions below with it.
    """

    def __init__(self, api_url: str, *, timeout_secs: float = DEFAULT_HTTP_TIMEOUT_SECS) -> None:
        parsed = ToxiproxyClient.from_url(api_url, timeout_secs=timeout_secs)
        super().__init__(parsed.host, parsed.port, timeout_secs=timeout_secs)


def create_proxy(control: ToxiproxyClient, name: str, listen: str, upstream: str) -> str:
    """Create proxy ``name`` and return the address it is bound to (``host:port``)."""
    return control.create_proxy(name, upstream, listen).listen


def set_enabled(control: ToxiproxyClient, name: str, *, enabled: bool) -> None:
    """Enable (listen again) or disable (refuse new connects, close live ones) a proxy."""
    proxy = control.proxy(name)
    if enabled:
        proxy.enable()
    else:
        proxy.disable()


def add_toxic(
    control: ToxiproxyClient,
    proxy: str,
    type: ToxicType,
    *,
    name: str | None = None,
    stream: Stream = "downstream",
    toxicity: float = 1.0,
    attributes: Mapping[str, int] | None = None,
) -> ToxicInfo:
    """Add a toxic to proxy ``proxy``; returns it as the server stored it."""
    return control.proxy(proxy).add_toxic(
        type, stream=stream, name=name, toxicity=toxicity, attributes=attributes
    )


def update_toxic(
    control: ToxiproxyClient,
    proxy: str,
    name: str,
    *,
    attributes: Mapping[str, int] | None = None,
    toxicity: float | None = None,
) -> ToxicInfo:
    """Merge new attributes (and/or toxicity) into a toxic; live connections follow at once."""
    return control.proxy(proxy).update_toxic(name, attributes=attributes, toxicity=toxicity)


def remove_toxic(
    control: ToxiproxyClient, proxy: str, name: str, *, missing_ok: bool = False
) -> None:
    """Remove toxic ``name`` from proxy ``proxy``.

    ChaosError when either is missing, unless ``missing_ok`` (a rollback after a /reset).
    """
    control.proxy(proxy).remove_toxic(name, missing_ok=missing_ok)


def reset(control: ToxiproxyClient) -> None:
    """Every proxy enabled, every toxic removed (proxies stay)."""
    control.reset()


def _proxy_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("name", "upstream", "enabled", "listen")}


class ProxyHandle:
    """One proxy on one server; every call goes through its :class:`ToxiproxyClient`."""

    def __init__(self, client: ToxiproxyClient, proxy: toxiproxy.Proxy) -> None:
        self.client = client
        self._proxy = proxy

    @property
    def name(self) -> str:
        return str(self._proxy.name)

    @property
    def listen(self) -> str:
        """The bound ``host:port`` clients connect to."""
        return str(self._proxy.listen)

    @property
    def listen_host(self) -> str:
        return self.listen.rsplit(":", 1)[0].strip("[]")

    @property
    def listen_port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    @property
    def upstream(self) -> str:
        return str(self._proxy.upstream)

    @property
    def enabled(self) -> bool:
        return bool(self._proxy.enabled)

    def __repr__(self) -> str:
        return f"ProxyHandle({self.name!r}, listen={self.listen!r}, upstream={self.upstream!r})"

    # --- toxics -------------------------------------------------------------------------------
    def toxics(self) -> dict[str, ToxicInfo]:
        with self.client._bound(f"list toxics of {self.name!r}"):
            found = self._proxy.toxics()
        return {
            name: ToxicInfo(t.name, t.type, t.stream, float(t.toxicity), dict(t.attributes))
            for name, t in found.items()
        }

    def add_toxic(
        self,
        type: ToxicType,
        *,
        stream: Stream = "downstream",
        name: str | None = None,
        toxicity: float = 1.0,
        attributes: Mapping[str, int] | None = None,
    ) -> ToxicInfo:
        """Add a toxic (default name ``<type>_<stream>``); returns it as the server stored it."""
        if not 0.0 <= toxicity <= 1.0:
            raise ChaosError(f"toxicity must be in [0, 1], got {toxicity} <toxic={name or type}>")
        toxic_name = name or f"{type}_{stream}"
        with self.client._bound(f"add toxic {toxic_name!r} to {self.name!r}") as shim:
            self._proxy.add_toxic(
                type=type,
                stream=stream,
                name=toxic_name,
                toxicity=toxicity,
                attributes=dict(attributes or {}),
            )
        if shim.last is None:
            raise ChaosError(f"toxiproxy add toxic {toxic_name!r} sent no request")
        return ToxicInfo.from_json(shim.last.json())

    def update_toxic(
        self,
        name: str,
        *,
        attributes: Mapping[str, int] | None = None,
        toxicity: float | None = None,
    ) -> ToxicInfo:
        """PATCH a toxic: the given attributes are merged, toxicity changes only when given."""
        body: dict[str, Any] = {}
        if attributes is not None:
            body["attributes"] = dict(attributes)
        if toxicity is not None:
            if not 0.0 <= toxicity <= 1.0:
                raise ChaosError(f"toxicity must be in [0, 1], got {toxicity} <toxic={name}>")
            body["toxicity"] = toxicity
        response = self.client._raw(
            "PATCH",
            f"/proxies/{self.name}/toxics/{name}",
            f"update toxic {name!r} of {self.name!r}",
            body,
        )
        return ToxicInfo.from_json(response.json())

    def remove_toxic(self, name: str, *, missing_ok: bool = False) -> None:
        """Remove a toxic; with ``missing_ok`` a toxic already gone (e.g. after /reset) is fine."""
        if missing_ok and name not in self.toxics():
            return
        with self.client._bound(f"remove toxic {name!r} from {self.name!r}"):
            self._proxy.destroy_toxic(name)

    @contextlib.contextmanager
    def toxic(
        self,
        type: ToxicType,
        *,
        stream: Stream = "downstream",
        name: str | None = None,
        toxicity: float = 1.0,
        attributes: Mapping[str, int] | None = None,
    ) -> Iterator[ToxicInfo]:
        """A toxic for the duration of the block; it is removed however the block ends."""
        added = self.add_toxic(
            type, stream=stream, name=name, toxicity=toxicity, attributes=attributes
        )
        try:
            yield added
        finally:
            self.remove_toxic(added.name, missing_ok=True)

    # --- the proxy itself ---------------------------------------------------------------------
    def disable(self) -> None:
        """Close the listener and every live connection (toxics are kept)."""
        with self.client._bound(f"disable proxy {self.name!r}"):
            self._proxy.disable()

    def enable(self) -> None:
        with self.client._bound(f"enable proxy {self.name!r}"):
            self._proxy.enable()

    @contextlib.contextmanager
    def down(self) -> Iterator[ProxyHandle]:
        """The link is down for the duration of the block and up again afterwards."""
        self.disable()
        try:
            yield self
        finally:
            self.enable()

    def destroy(self) -> None:
        with self.client._bound(f"destroy proxy {self.name!r}"):
            self._proxy.destroy()

    def refresh(self) -> ProxyHandle:
        """This proxy as the server shows it now."""
        return self.client.proxy(self.name)


# --- process faults --------------------------------------------------------------------------


def process_state(pid: int) -> str | None:
    """The one-letter state from ``/proc/<pid>/stat`` (R, S, T, Z, ...); None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _signal(pid: int, signum: signal.Signals, what: str) -> None:
    if pid <= 1:
        raise ChaosError(f"refusing to {what} pid {pid} <pid={pid}>")
    try:
        os.kill(pid, signum)
    except ProcessLookupError as exc:
        raise ChaosError(f"cannot {what} pid {pid}: no such process <pid={pid}>") from exc
    except PermissionError as exc:
        raise ChaosError(f"cannot {what} pid {pid}: permission denied <pid={pid}>") from exc


def _wait_state(pid: int, done: set[str | None], what: str, timeout_secs: float) -> None:
    deadline = time.monotonic() + timeout_secs
    while process_state(pid) not in done:
        if time.monotonic() >= deadline:
            raise ChaosError(
                f"pid {pid} did not {what} within {timeout_secs}s "
                f"(state {process_state(pid)!r}) <pid={pid}>"
            )
        time.sleep(0.01)


def kill_process(pid: int, *, timeout_secs: float = 5.0) -> None:
    """``kill -9``; returns once the process is dead (gone or a zombie awaiting its parent)."""
    _signal(pid, signal.SIGKILL, "kill -9")
    _wait_state(pid, {None, "Z", "X"}, "die after SIGKILL", timeout_secs)


def pause_process(pid: int, *, timeout_secs: float = 5.0) -> None:
    """SIGSTOP: the process stays alive but runs nothing (its sockets stop answering)."""
    _signal(pid, signal.SIGSTOP, "SIGSTOP")
    _wait_state(pid, {"T", "t", None, "Z"}, "stop after SIGSTOP", timeout_secs)


def resume_process(pid: int) -> None:
    """SIGCONT: a paused process runs again."""
    _signal(pid, signal.SIGCONT, "SIGCONT")


@contextlib.contextmanager
def paused(pid: int) -> Iterator[None]:
    """The process is stopped for the duration of the block and always resumed afterwards."""
    pause_process(pid)
    try:
        yield
    finally:
        with contextlib.suppress(ChaosError):
            resume_process(pid)


def wait_for_port(host: str, port: int, *, timeout_secs: float = 30.0) -> None:
    """Wait until ``host:port`` accepts TCP connections."""
    deadline = time.monotonic() + timeout_secs
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise ChaosError(
                    f"{host}:{port} did not accept connections within {timeout_secs}s "
                    f"<address={host}:{port}>"
                ) from exc
            time.sleep(0.05)


def wait_port_closed(host: str, port: int, *, timeout_secs: float = 30.0) -> None:
    """Wait until ``host:port`` refuses TCP connections."""
    deadline = time.monotonic() + timeout_secs
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                pass
        except OSError:
            return
        if time.monotonic() >= deadline:
            raise ChaosError(
                f"{host}:{port} still accepts connections after {timeout_secs}s "
                f"<address={host}:{port}>"
            )
        time.sleep(0.05)


def restart_process(
    argv: Sequence[str],
    *,
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
    ready_address: tuple[str, int] | None = None,
    timeout_secs: float = 30.0,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` (the caller's own command line) in a new session; wait for ``ready_address``.

    The caller owns the returned process (stop it, wait for it). A process that exits before it
    is ready raises ChaosError with its exit code and the log path.
    """
    if not argv:
        raise ChaosError("restart needs a command line, got an empty argv <argv=[]>")
    log = open(log_path, "ab") if log_path is not None else subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            user=user,
            start_new_session=True,
        )
    except OSError as exc:
        raise ChaosError(f"cannot start {argv[0]!r}: {exc} <argv0={argv[0]}>") from exc
    finally:
        if log_path is not None:
            log.close()  # type: ignore[union-attr]
    if ready_address is not None:
        deadline = time.monotonic() + timeout_secs
        while True:
            if proc.poll() is not None:
                raise ChaosError(
                    f"{argv[0]!r} exited with code {proc.returncode} before listening on "
                    f"{ready_address[0]}:{ready_address[1]} (log: {log_path}) <argv0={argv[0]}>"
                )
            try:
                wait_for_port(*ready_address, timeout_secs=0.2)
                break
            except ChaosError:
                if time.monotonic() >= deadline:
                    proc.kill()
                    proc.wait(5)
                    raise
    return proc


def shutdown_redis_nosave(
    host: str, port: int, *, password: str | None = None, timeout_secs: float = 10.0
) -> None:
    """``SHUTDOWN NOSAVE``: Redis exits at once without persisting; returns when its port closes."""
    client = redis.Redis(
        host=host, port=port, password=password, socket_timeout=timeout_secs,
        socket_connect_timeout=timeout_secs, retry=Retry(NoBackoff(), 0),
    )  # fmt: skip
    try:
        client.ping()  # redis-py treats a refused SHUTDOWN connection as success; check first
        client.shutdown(nosave=True)
    except redis.RedisError as exc:
        raise ChaosError(
            f"Redis SHUTDOWN NOSAVE failed at {host}:{port}: {exc} <address={host}:{port}>"
        ) from exc
    finally:
        client.close()
    wait_port_closed(host, port, timeout_secs=timeout_secs)


def _pg_ctl(args: Sequence[str], *, user: str | None, timeout_secs: float, what: str) -> None:
    argv = ["pg_ctl", *args]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout_secs, user=user, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ChaosError(f"{what} did not finish within {timeout_secs}s: {' '.join(argv)}") from exc
    except OSError as exc:
        raise ChaosError(f"{what} could not run pg_ctl: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-500:]
        raise ChaosError(f"{what} failed (pg_ctl exit {done.returncode}): {detail}")


def stop_postgres_immediate(
    data_dir: Path, *, user: str | None = None, timeout_secs: float = 30.0
) -> None:
    """``pg_ctl stop -m immediate``: the crash-like stop (no checkpoint; recovery on restart).

    ``user`` runs pg_ctl as that account (PostgreSQL refuses root).
    """
    _pg_ctl(
        ["stop", "-D", str(data_dir), "-m", "immediate", "-w", "-t", str(int(timeout_secs))],
        user=user,
        timeout_secs=timeout_secs + 5,
        what=f"stopping PostgreSQL in {data_dir}",
    )


def start_postgres(
    data_dir: Path,
    *,
    port: int,
    log_path: Path,
    user: str | None = None,
    host: str = "127.0.0.1",
    extra_options: Sequence[str] = (),
    timeout_secs: float = 60.0,
) -> None:
    """``pg_ctl start -w`` on a data directory (after a stop; crash recovery runs if needed)."""
    options = " ".join(["-p", str(port), "-c", f"listen_addresses={host}", *extra_options])
    _pg_ctl(
        ["start", "-D", str(data_dir), "-l", str(log_path), "-o", options, "-w",
         "-t", str(int(timeout_secs))],
        user=user,
        timeout_secs=timeout_secs + 5,
        what=f"starting PostgreSQL in {data_dir} on port {port}",
    )  # fmt: skip
