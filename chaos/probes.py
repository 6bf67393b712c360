"""Probes read the system as an operator would (HTTP, metrics, PromQL, SQL, Redis, processes).

A probe never raises: it returns a :class:`ProbeResult` with a value or an error text, so a fault
that makes a dependency unreachable is an observation, not a crash. Tolerances are checked by type
(:func:`within`)::

    result = run_probe(SqlProbe(type="sql", link="pg", query="select 1"), env)
    within(Equals(type="equals", value=1), result)  # True when Postgres answered 1
"""

from __future__ import annotations

import json
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from chaos.drill import (
    Equals,
    Fails,
    HttpProbe,
    MetricProbe,
    Ok,
    Probe,
    ProcessProbe,
    PromqlProbe,
    Range,
    RedisProbe,
    SqlProbe,
    Tolerance,
)

__all__ = [
    "ProbeContext",
    "ProbeResult",
    "Value",
    "describe",
    "parse_metric",
    "promql_query",
    "run_probe",
    "within",
]

Value = float | str | None


class ProbeContext(Protocol):
    """What probes need from the running environment (implemented by the runner's Environment)."""

    def render(self, template: str) -> str:
        """Fill ``{placeholders}`` (addresses of services, links, the run dir)."""
        ...

    def redis_address(self, *, link: str | None, service: str | None) -> tuple[str, int]:
        """Host and port of Redis, through ``link`` or direct."""
        ...

    def postgres_dsn(self, *, link: str | None, service: str | None) -> str:
        """libpq DSN of Postgres, through ``link`` or direct."""
        ...

    def prometheus_url(self) -> str:
        """Base URL of the drill's Prometheus."""
        ...

    def process_state(self, name: str) -> tuple[bool, int | None]:
        """(running, exit code) of a workload process."""
        ...


class ProbeResult(BaseModel):
    """One probe reading: a value, or an error text; never both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: Value = None
    error: str | None = None
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the probe answered."""
        return self.error is None


def _http_get(url: str, timeout_s: float, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method, headers={"User-Agent": "corp-chaos"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        with exc:  # the error is the open response: close its socket
            return int(exc.code), exc.read()


_SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)"
)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metric(text: str, name: str, labels: dict[str, str]) -> float | None:
    """Value of the first sample ``name`` whose labels include ``labels`` (text exposition)."""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if match is None or match["name"] != name:
            continue
        found = dict(_LABEL.findall(match["labels"] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match["value"])
    return None


def _probe_http(probe: HttpProbe, ctx: ProbeContext) -> Value:
    status, _ = _http_get(ctx.render(probe.url), probe.timeout_s, probe.method)
    return float(status)


def _probe_metric(probe: MetricProbe, ctx: ProbeContext) -> Value:
    status, body = _http_get(ctx.render(probe.url), probe.timeout_s)
    if status != 200:
        raise RuntimeError(f"metrics endpoint answered HTTP {status}")
    value = parse_metric(body.decode("utf-8", "replace"), probe.name, probe.labels)
    if value is None:
        raise LookupError(f"no sample {probe.name}{probe.labels or ''} in the exposition")
    return value


def promql_query(base_url: str, query: str, timeout_s: float) -> list[dict[str, object]]:
    """Run an instant query; return the result list (raise on an API error)."""
    url = f"{base_url}/api/v1/query?{urllib.parse.urlencode({'query': query})}"
    status, body = _http_get(url, timeout_s)
    payload = json.loads(body)
    if status != 200 or payload.get("status") != "success":
        raise RuntimeError(f"PromQL {query!r} failed: HTTP {status} {payload.get('error')}")
    data = payload["data"]
    if data["resultType"] in ("scalar", "string"):
        return [{"metric": {}, "value": data["result"]}]
    return list(data["result"])


def _probe_promql(probe: PromqlProbe, ctx: ProbeContext) -> Value:
    result = promql_query(ctx.prometheus_url(), ctx.render(probe.query), probe.timeout_s)
    if not result:
        return None
    value = result[0]["value"]
    assert isinstance(value, list)
    return float(value[1])


def _probe_sql(probe: SqlProbe, ctx: ProbeContext) -> Value:
    import psycopg

    dsn = ctx.postgres_dsn(link=probe.link, service=probe.service)
    timeout_ms = int(probe.timeout_s * 1000)
    with psycopg.connect(
        dsn,
        connect_timeout=max(1, math.ceil(probe.timeout_s)),
        options=f"-c statement_timeout={timeout_ms}",
        autocommit=True,
    ) as conn:
        row = conn.execute(ctx.render(probe.query)).fetchone()
    if row is None:
        return None
    value = row[0]
    if isinstance(value, bool | int | float) or hasattr(value, "__float__"):
        return float(value)
    return None if value is None else str(value)


def _no_setinfo_kwargs() -> dict[str, None]:
    """Connection kwargs that skip CLIENT SETINFO on connect (spelled per redis-py version)."""
    import importlib.util

    if importlib.util.find_spec("redis.driver_info") is not None:  # lib_name/version deprecated
        return {"driver_info": None}
    return {"lib_name": None, "lib_version": None}


def _redis_ping_ms(host: str, port: int, timeout_s: float) -> float:
    """One PING round trip on a fresh connection, not counting the connect itself."""
    import redis

    conn = redis.Connection(
        host=host,
        port=port,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        **_no_setinfo_kwargs(),
    )
    try:
        conn.connect()
        start = time.perf_counter()
        conn.send_command("PING")
        reply = conn.read_response()
        elapsed_ms = (time.perf_counter() - start) * 1000.0
    finally:
        conn.disconnect()
    if reply not in (b"PONG", "PONG", True):
        raise RuntimeError(f"PING answered {reply!r}")
    return elapsed_ms


def _probe_redis(probe: RedisProbe, ctx: ProbeContext) -> Value:
    import redis

    host, port = ctx.redis_address(link=probe.link, service=probe.service)
    if probe.op == "ping_ms":
        return _redis_ping_ms(host, port, probe.timeout_s)
    client = redis.Redis(
        host=host, port=port, socket_timeout=probe.timeout_s,
        socket_connect_timeout=probe.timeout_s,
    )  # fmt: skip
    try:
        if probe.op == "dbsize":
            return float(client.dbsize())
        assert probe.key is not None
        if probe.op == "exists":
            return float(client.exists(probe.key))
        raw = client.get(probe.key)
        return None if raw is None else raw.decode("utf-8", "replace")
    finally:
        client.close()


def _probe_process(probe: ProcessProbe, ctx: ProbeContext) -> Value:
    running, code = ctx.process_state(probe.process)
    if probe.field == "running":
        return 1.0 if running else 0.0
    return None if code is None else float(code)


def run_probe(probe: Probe, ctx: ProbeContext) -> ProbeResult:
    """Read one probe; any exception becomes the result's ``error`` text."""
    start = time.perf_counter()
    try:
        match probe:
            case HttpProbe():
                value = _probe_http(probe, ctx)
            case MetricProbe():
                value = _probe_metric(probe, ctx)
            case PromqlProbe():
                value = _probe_promql(probe, ctx)
            case SqlProbe():
                value = _probe_sql(probe, ctx)
            case RedisProbe():
                value = _probe_redis(probe, ctx)
            case ProcessProbe():
                value = _probe_process(probe, ctx)
    except Exception as exc:  # a probe observes failures; it must not raise them
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        text = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300]
        return ProbeResult(error=text, elapsed_ms=elapsed_ms)
    return ProbeResult(value=value, elapsed_ms=(time.perf_counter() - start) * 1000.0)


def _as_float(value: Value) -> float | None:
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def within(tolerance: Tolerance, result: ProbeResult) -> bool:
    """Whether ``result`` meets ``tolerance`` (checked by the tolerance's type)."""
    match tolerance:
        case Ok():
            return result.ok
        case Fails():
            return not result.ok
        case Equals(value=bool() as expected):
            number = _as_float(result.value)
            return result.ok and number is not None and (number != 0.0) == expected
        case Equals(value=float() | int() as expected):
            number = _as_float(result.value)
            return (
                result.ok
                and number is not None
                and math.isclose(number, float(expected), rel_tol=0.0, abs_tol=tolerance.abs_tol)
            )
        case Equals(value=expected):
            return result.ok and result.value is not None and str(result.value) == str(expected)
        case Range():
            number = _as_float(result.value)
            if not result.ok or number is None:
                return False
            low_ok = tolerance.min is None or number >= tolerance.min
            high_ok = tolerance.max is None or number <= tolerance.max
            return low_ok and high_ok
    raise TypeError(f"unknown tolerance type {type(tolerance).__name__}")


def describe(tolerance: Tolerance) -> str:
    """Short human text of a tolerance, for reasons and reports."""
    match tolerance:
        case Ok():
            return "answers"
        case Fails():
            return "fails"
        case Equals():
            return f"== {tolerance.value!r}"
        case Range():
            low = "-inf" if tolerance.min is None else f"{tolerance.min:g}"
            high = "+inf" if tolerance.max is None else f"{tolerance.max:g}"
            return f"in [{low}, {high}]"
    raise TypeError(f"unknown tolerance type {type(tolerance).__name__}")
