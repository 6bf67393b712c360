"""The drill format: ``runbooks/drills/<id>.yaml`` as frozen pydantic models.

A drill names the runbook section it implements, the topology it needs (services, proxied links,
workload processes), a steady-state hypothesis (probes with typed tolerances), a method of timed
steps, rollbacks that always run, abort conditions and typed pass criteria. Closed sets are
discriminated unions keyed by ``type`` (probes, tolerances, criteria) or ``action`` (steps).

:func:`load_drill` reads a file and turns every validation problem into one line naming the field
path, the file line and what was wrong::

    drill = load_drill(Path("runbooks/drills/redis-outage.yaml"))
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from corp.errors import SpecError

__all__ = [
    "AlertFiredWithin",
    "Check",
    "Criterion",
    "DetectWithin",
    "Drill",
    "DrillFileError",
    "Equals",
    "Fails",
    "HttpProbe",
    "Link",
    "MaxValue",
    "MetricProbe",
    "MinValue",
    "NoLoss",
    "Ok",
    "Probe",
    "ProcessProbe",
    "PromqlProbe",
    "Range",
    "RecoverWithin",
    "RedisProbe",
    "SqlProbe",
    "StateSequence",
    "Step",
    "Tolerance",
    "load_drill",
    "parse_drill",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
ServiceName = Literal["redis", "postgres", "prometheus"]
PositiveSecs = Annotated[float, Field(gt=0, le=3600)]
NonNegativeSecs = Annotated[float, Field(ge=0, le=3600)]


# ------------------------------------------------------------------------------------- targets


class _Target(_Model):
    """Exactly one of ``link`` (through its proxy) or ``service`` (direct)."""

    link: Name | None = None
    """Name of a topology link to go through; None means ``service`` is used directly."""
    service: Literal["redis", "postgres"] | None = None
    """Service reached directly (bypassing Toxiproxy); None means ``link`` is used."""

    @model_validator(mode="after")
    def _one_target(self) -> _Target:
        if (self.link is None) == (self.service is None):
            raise ValueError(
                f"give exactly one of 'link' or 'service', got link={self.link!r} "
                f"service={self.service!r}"
            )
        return self


# -------------------------------------------------------------------------------------- probes


class HttpProbe(_Model):
    """GET (or POST) a URL; the value is the HTTP status code (a failed connect is an error)."""

    type: Literal["http"]
    url: str
    method: Literal["GET", "POST"] = "GET"
    timeout_s: PositiveSecs = 2.0


class MetricProbe(_Model):
    """Scrape a Prometheus text exposition and read one sample (value of ``name`` + ``labels``)."""

    type: Literal["metric"]
    url: str
    name: str
    labels: dict[str, str] = Field(default_factory=dict)
    timeout_s: PositiveSecs = 2.0


class PromqlProbe(_Model):
    """An instant PromQL query against the topology's Prometheus; value of the first sample."""

    type: Literal["promql"]
    query: str
    timeout_s: PositiveSecs = 2.0


class SqlProbe(_Target):
    """A scalar SQL query (first column of the first row) via psycopg 3."""

    type: Literal["sql"]
    query: str
    timeout_s: PositiveSecs = 2.0


class RedisProbe(_Target):
    """A Redis read: ``ping_ms`` (round trip), ``get``/``exists`` a key, or ``dbsize``."""

    type: Literal["redis"]
    op: Literal["ping_ms", "get", "exists", "dbsize"]
    key: str | None = None
    """Key for ``get``/``exists``; None for the other ops."""
    timeout_s: PositiveSecs = 2.0

    @model_validator(mode="after")
    def _key_matches_op(self) -> RedisProbe:
        needs_key = self.op in ("get", "exists")
        if needs_key != (self.key is not None):
            expected = "a key" if needs_key else "no key"
            raise ValueError(f"op {self.op!r} takes {expected}, got key={self.key!r}")
        return self


class ProcessProbe(_Model):
    """A workload process: ``running`` (1/0) or ``exit_code`` (None while it runs)."""

    type: Literal["process"]
    process: Name
    field: Literal["running", "exit_code"] = "running"


Probe = Annotated[
    HttpProbe | MetricProbe | PromqlProbe | SqlProbe | RedisProbe | ProcessProbe,
    Field(discriminator="type"),
]


# ---------------------------------------------------------------------------------- tolerances


class Equals(_Model):
    """The value equals ``value`` (numbers compared with ``abs_tol``)."""

    type: Literal["equals"]
    value: float | str | bool
    abs_tol: Annotated[float, Field(ge=0)] = 1e-9


class Range(_Model):
    """``min <= value <= max``; a missing bound is open (at least one is required)."""

    type: Literal["range"]
    min: float | None = None
    """Lower bound (inclusive); None = unbounded below."""
    max: float | None = None
    """Upper bound (inclusive); None = unbounded above."""

    @model_validator(mode="after")
    def _bounds(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("a range needs 'min', 'max' or both, got neither")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min must be <= max, got min={self.min} max={self.max}")
        return self


class Ok(_Model):
    """The probe answered (no error), whatever the value."""

    type: Literal["ok"]


class Fails(_Model):
    """The probe errored (refused, timed out, reset): the fault is visible."""

    type: Literal["fails"]


Tolerance = Annotated[Equals | Range | Ok | Fails, Field(discriminator="type")]


class Check(_Model):
    """A named probe with the tolerance it must meet."""

    name: Name
    probe: Probe
    tolerance: Tolerance


class Observed(_Model):
    """A probe sampled continuously from the steady-state gate until the after-check."""

    name: Name
    probe: Probe


class Observe(_Model):
    """Continuous observation: which probes, how often."""

    interval_s: Annotated[float, Field(ge=0.05, le=60)] = 0.25
    probes: list[Observed] = Field(default_factory=list)


# -------------------------------------------------------------------------------------- method

ToxicType = Literal[
    "latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data"
]
TOXIC_ATTRIBUTES: dict[str, frozenset[str]] = {
    "latency": frozenset({"latency", "jitter"}),
    "bandwidth": frozenset({"rate"}),
    "slow_close": frozenset({"delay"}),
    "timeout": frozenset({"timeout"}),
    "reset_peer": frozenset({"timeout"}),
    "slicer": frozenset({"average_size", "size_variation", "delay"}),
    "limit_data": frozenset({"bytes"}),
}


class _Step(_Model):
    label: Name | None = None
    """Name other parts refer to (criteria ``after``); None = ``<action>-<index>``."""


class AddToxic(_Step):
    """Add a Toxiproxy toxic to a link (attributes in Toxiproxy's units: ms, KB/s, bytes)."""

    action: Literal["toxic"]
    link: Name
    toxic: ToxicType
    name: Name | None = None
    """Toxic name; None = Toxiproxy's default ``<type>_<stream>``."""
    stream: Literal["upstream", "downstream"] = "downstream"
    toxicity: Annotated[float, Field(ge=0, le=1)] = 1.0
    attributes: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)

    @field_validator("attributes")
    @classmethod
    def _known_attributes(cls, value: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        toxic = info.data.get("toxic")
        if toxic is None:
            return value  # the toxic type itself is invalid; that error is reported
        unknown = sorted(set(value) - TOXIC_ATTRIBUTES[toxic])
        if unknown:
            allowed = ", ".join(sorted(TOXIC_ATTRIBUTES[toxic]))
            raise ValueError(
                f"toxic {toxic!r} takes attributes {allowed}; got unknown {', '.join(unknown)}"
            )
        return value


class RemoveToxic(_Step):
    """Remove a toxic by name from a link."""

    action: Literal["remove_toxic"]
    link: Name
    name: Name


class LinkDown(_Step):
    """Disable a link's proxy: new connects refused, live connections closed."""

    action: Literal["link_down"]
    link: Name


class LinkUp(_Step):
    """Enable a link's proxy again (toxics kept)."""

    action: Literal["link_up"]
    link: Name


class ResetLinks(_Step):
    """Toxiproxy /reset: every proxy enabled, every toxic removed."""

    action: Literal["reset_links"]


class ProcessFault(_Step):
    """A process-level fault on a service or a workload process.

    ``kill`` = SIGKILL, ``pause``/``resume`` = SIGSTOP/SIGCONT, ``stop`` = the service's abrupt
    stop (Postgres immediate, Redis SHUTDOWN NOSAVE), ``start`` = start it again on its port.
    """

    action: Literal["process_fault"]
    target: Name
    fault: Literal["kill", "pause", "resume", "stop", "start"]


class StartProcess(_Step):
    """Start a workload process declared with ``autostart: false``."""

    action: Literal["start_process"]
    process: Name


class Wait(_Step):
    """Sleep (probes keep sampling)."""

    action: Literal["wait"]
    duration_s: NonNegativeSecs


class WaitUntil(_Step):
    """Poll a probe until its tolerance holds; on timeout fail, abort or continue."""

    action: Literal["wait_until"]
    probe: Probe
    tolerance: Tolerance
    timeout_s: PositiveSecs
    interval_s: Annotated[float, Field(ge=0.01, le=60)] = 0.1
    on_timeout: Literal["fail", "abort", "continue"] = "fail"


class HttpCall(_Step):
    """An HTTP request (e.g. a simulator admin command); a non-2xx answer is an error."""

    action: Literal["http"]
    url: str
    method: Literal["GET", "POST", "PUT", "DELETE"] = "POST"
    json_body: dict[str, object] | None = None
    """JSON body; None = no body."""


Step = Annotated[
    AddToxic
    | RemoveToxic
    | LinkDown
    | LinkUp
    | ResetLinks
    | ProcessFault
    | StartProcess
    | Wait
    | WaitUntil
    | HttpCall,
    Field(discriminator="action"),
]


# ------------------------------------------------------------------------------------ criteria


class _AfterStep(_Model):
    after: Name
    """Label of the step whose end starts the clock."""
    within_s: PositiveSecs


class DetectWithin(_AfterStep):
    """An observed probe meets ``tolerance`` (the fault shows) within ``within_s`` of ``after``."""

    type: Literal["detect_within_s"]
    probe: Name
    tolerance: Tolerance


class RecoverWithin(_AfterStep):
    """An observed probe is back in ``tolerance`` within ``within_s`` of ``after`` and stays."""

    type: Literal["recover_within_s"]
    probe: Name
    tolerance: Tolerance


class MaxValue(_Model):
    """Every numeric sample of an observed probe is at most ``max``."""

    type: Literal["max"]
    probe: Name
    max: float


class MinValue(_Model):
    """At least one numeric sample of an observed probe is at least ``min`` (the effect showed)."""

    type: Literal["min"]
    probe: Name
    min: float


class NoLoss(_Target):
    """Every sequence number 1..expected_count is in ``table.column`` exactly once."""

    type: Literal["no_loss"]
    table: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]
    column: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")] = "seq"
    expected_count: Annotated[int, Field(gt=0)]


class StateSequence(_Model):
    """The observed values of a probe (consecutive repeats merged) contain ``states`` in order."""

    type: Literal["state_sequence"]
    probe: Name
    states: Annotated[list[str], Field(min_length=2)]


class AlertFiredWithin(_AfterStep):
    """Prometheus reports alert ``alert`` firing within ``within_s`` of ``after``."""

    type: Literal["alert_fired_within_s"]
    alert: str


Criterion = Annotated[
    DetectWithin | RecoverWithin | MaxValue | MinValue | NoLoss | StateSequence | AlertFiredWithin,
    Field(discriminator="type"),
]


# ------------------------------------------------------------------------------------ topology


class Link(_Model):
    """A Toxiproxy proxy between the harness (and workloads) and a service."""

    name: Name
    service: Literal["redis", "postgres"]


class Process(_Model):
    """A workload process; ``argv`` items may use ``{placeholders}`` (see the runner)."""

    name: Name
    argv: Annotated[list[str], Field(min_length=1)]
    env: dict[str, str] = Field(default_factory=dict)
    autostart: bool = True
    """Start it after the services and links are up; False = a ``start_process`` step does."""


class PrometheusSetup(_Model):
    """A Prometheus scraping ``scrape`` URLs' host:port and evaluating ``rule_files``."""

    scrape: list[str] = Field(default_factory=list)
    """``host:port`` targets (placeholders allowed)."""
    rule_files: list[str] = Field(default_factory=list)
    """Paths relative to the drill file."""


class Topology(_Model):
    """What the drill needs running."""

    services: Annotated[list[ServiceName], Field(min_length=1)]
    links: list[Link] = Field(default_factory=list)
    processes: list[Process] = Field(default_factory=list)
    prometheus: PrometheusSetup | None = None
    """Prometheus set-up; None = no Prometheus (or one with no targets if listed in services)."""


class Abort(_Model):
    """When to give up: a deadline for the whole drill and guard checks during the method."""

    deadline_s: PositiveSecs = 120.0
    guards: list[Check] = Field(default_factory=list)


class Drill(_Model):
    """One drill file."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
    title: Annotated[str, Field(min_length=1)]
    implements: Annotated[str, Field(min_length=1)]
    """The seed / runbook section this drill turns into a check (e.g. ``seed-004 §11.4``)."""
    seed: int = 0
    """Seed for the Toxiproxy server's randomness (toxicity, jitter)."""
    topology: Topology
    steady_state: list[Check] = Field(default_factory=list)
    steady_state_within_s: NonNegativeSecs = 10.0
    """How long the gate waits for the system (e.g. a starting workload) to reach steady state."""
    observe: Observe = Field(default_factory=Observe)
    method: Annotated[list[Step], Field(min_length=1)]
    rollbacks: list[Step] = Field(default_factory=list)
    abort: Abort = Field(default_factory=Abort)
    criteria: Annotated[list[Criterion], Field(min_length=1)]

    def step_labels(self) -> list[str]:
        """Every method step's label (explicit or ``<action>-<index>``)."""
        return [s.label or f"{s.action}-{i}" for i, s in enumerate(self.method)]


# ------------------------------------------------------------------------------------- loading


class DrillFileError(SpecError):
    """A drill file is invalid; ``problems`` holds one ``path (line N): message`` per error."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in drill file\n{listing}")


def _locate(node: yaml.Node, loc: Iterable[int | str], *, missing: bool = False) -> tuple[str, int]:
    """The dotted path as written in the file and the 1-based line of the deepest node reached.

    Parts of a pydantic ``loc`` that are not in the file (discriminated-union tags such as
    ``wait`` in ``method.0.wait.duration_s``) are skipped; a missing field points at its parent.
    """
    line = node.start_mark.line + 1
    path: list[int | str] = []
    parts = list(loc)
    for i, part in enumerate(parts):
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            keys = {getattr(k, "value", None) for k, _ in node.value}
            is_tag = i + 1 < len(parts) and parts[i + 1] in keys  # ``toxic`` in toxic.attributes
            if match is None or is_tag:
                if match is None and missing and i == len(parts) - 1:
                    path.append(part)  # the missing field itself
                continue
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                path.append(part)
                break
            node = node.value[part]
        else:
            continue
        path.append(part)
        line = node.start_mark.line + 1
    return _dotted(path), line


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dotted(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def _references(drill: Drill) -> list[tuple[tuple[int | str, ...], str]]:
    """Cross-references that pydantic cannot see: links, processes, labels, observed probes."""
    problems: list[tuple[tuple[int | str, ...], str]] = []
    links = {link.name for link in drill.topology.links}
    processes = {p.name for p in drill.topology.processes}
    observed = {o.name for o in drill.observe.probes}
    labels = drill.step_labels()
    services = set(drill.topology.services)

    for i, link in enumerate(drill.topology.links):
        if link.service not in services:
            problems.append(
                (("topology", "links", i, "service"),
                 f"link {link.name!r} needs service {link.service!r}, which is not in "
                 f"topology.services {sorted(services)}")
            )  # fmt: skip

    def check_probe(loc: tuple[int | str, ...], probe: object) -> None:
        link = getattr(probe, "link", None)
        if link is not None and link not in links:
            problems.append(((*loc, "link"), f"unknown link {link!r}; known: {sorted(links)}"))
        service = getattr(probe, "service", None)
        if service is not None and service not in services:
            problems.append(((*loc, "service"), f"service {service!r} is not in topology.services"))
        if isinstance(probe, ProcessProbe) and probe.process not in processes:
            problems.append(
                ((*loc, "process"),
                 f"unknown process {probe.process!r}; known: {sorted(processes)}")
            )  # fmt: skip
        if isinstance(probe, PromqlProbe) and "prometheus" not in services:
            problems.append(((*loc, "type"), "a promql probe needs 'prometheus' in services"))

    for i, check in enumerate(drill.steady_state):
        check_probe(("steady_state", i, "probe"), check.probe)
    for i, check in enumerate(drill.abort.guards):
        check_probe(("abort", "guards", i, "probe"), check.probe)
    for i, obs in enumerate(drill.observe.probes):
        check_probe(("observe", "probes", i, "probe"), obs.probe)
    if len(observed) != len(drill.observe.probes):
        problems.append((("observe", "probes"), "observed probe names must be unique"))
    if len(set(labels)) != len(labels):
        problems.append((("method",), f"step labels must be unique, got {labels}"))
    for section, steps in (("method", drill.method), ("rollbacks", drill.rollbacks)):
        for i, step in enumerate(steps):
            loc: tuple[int | str, ...] = (section, i)
            link = getattr(step, "link", None)
            if link is not None and link not in links:
                problems.append(((*loc, "link"), f"unknown link {link!r}; known: {sorted(links)}"))
            if isinstance(step, WaitUntil):
                check_probe((*loc, "probe"), step.probe)
            if isinstance(step, StartProcess) and step.process not in processes:
                problems.append(((*loc, "process"), f"unknown process {step.process!r}"))
            if isinstance(step, ProcessFault) and step.target not in processes | services:
                problems.append(
                    ((*loc, "target"),
                     f"unknown target {step.target!r}; known: {sorted(processes | services)}")
                )  # fmt: skip
    for i, crit in enumerate(drill.criteria):
        loc = ("criteria", i)
        probe_name = getattr(crit, "probe", None)
        if probe_name is not None and probe_name not in observed:
            problems.append(
                ((*loc, "probe"),
                 f"unknown observed probe {probe_name!r}; known: {sorted(observed)}")
            )  # fmt: skip
        after = getattr(crit, "after", None)
        if after is not None and after not in labels:
            problems.append(((*loc, "after"), f"unknown step label {after!r}; known: {labels}"))
        if isinstance(crit, NoLoss):
            check_probe(loc, crit)
        if isinstance(crit, AlertFiredWithin) and "prometheus" not in services:
            problems.append(((*loc, "type"), "alert_fired_within_s needs 'prometheus' in services"))
    return problems


def parse_drill(text: str, *, path: Path = Path("<drill>")) -> Drill:
    """Validate drill YAML text; raise :class:`DrillFileError` listing field, line and problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "unknown line"
        raise DrillFileError(path, [f"<yaml> ({where}): {exc}"]) from exc
    if node is None or not isinstance(data, dict):
        raise DrillFileError(path, ["<root> (line 1): expected a mapping of drill fields"])
    try:
        drill = Drill.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
                loc = (*loc, str(err.get("ctx", {}).get("discriminator", "")).strip("'"))
            missing = err["type"] in ("missing", "union_tag_not_found")
            where, line = _locate(node, loc, missing=missing)
            message = err["msg"].removeprefix("Value error, ")
            shown = err["type"] not in ("missing", "value_error", "union_tag_invalid")
            got = f" (got {_short(err.get('input'))})" if shown else ""
            problems.append(f"{where} (line {line}): {message}{got}")
        raise DrillFileError(path, problems) from exc
    refs = _references(drill)
    if refs:
        raise DrillFileError(
            path, ["{} (line {}): {}".format(*_locate(node, loc), msg) for loc, msg in refs]
        )
    if path.suffix in (".yaml", ".yml") and path.stem != drill.id:
        raise DrillFileError(
            path,
            [f"id (line {_locate(node, ('id',))[1]}): must equal the file name "
             f"{path.stem!r}, got {drill.id!r}"],
        )  # fmt: skip
    return drill


def load_drill(path: Path) -> Drill:
    """Read and validate one drill file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DrillFileError(path, [f"<file>: cannot read: {exc}"]) from exc
    return parse_drill(text, path=path)
