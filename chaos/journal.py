"""What a drill run leaves behind: a frozen :class:`Journal` with a :class:`Status` verdict.

While a drill runs, a :class:`Recorder` collects :class:`Event` and :class:`Sample` records through
one function, :meth:`Recorder.dispatch`, which also feeds every observer (the console, tests)::

    rec = Recorder(observers=[print])
    rec.dispatch(Event(t_s=0.0, kind=EventKind.PHASE, name="steady_state"))
    journal = rec.finish(status=Status.PASSED, reason="all criteria met", ...)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CriterionResult",
    "Event",
    "EventKind",
    "Journal",
    "Observer",
    "Recorder",
    "Sample",
    "Status",
]


class Status(StrEnum):
    """A drill's verdict."""

    PASSED = "pass"
    FAILED = "fail"
    ABORTED = "aborted"
    ERROR = "error"
    SKIPPED = "skipped"


class EventKind(StrEnum):
    """Kinds of timeline events."""

    PHASE = "phase"
    STEP = "step"
    CHECK = "check"
    ROLLBACK = "rollback"
    ABORT = "abort"
    ERROR = "error"
    CRITERION = "criterion"
    NOTE = "note"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(_Frozen):
    """Something that happened, ``t_s`` seconds after the drill started."""

    t_s: float
    kind: EventKind
    name: str
    ok: bool | None = None
    """Outcome where there is one (a check held, a step succeeded); None = not applicable."""
    detail: str = ""


class Sample(_Frozen):
    """One reading of an observed probe, stamped when the probe returned."""

    probe: str
    t_s: float
    value: float | str | None = None
    error: str | None = None
    """Error text when the probe did not answer; None = it answered ``value``."""


class CriterionResult(_Frozen):
    """One pass criterion's outcome and the figure it measured."""

    index: int
    type: str
    passed: bool
    reason: str
    measured: float | None = None
    """The measured figure (seconds to detect, worst value, rows missing...); None = none."""


class Journal(_Frozen):
    """Everything one drill run produced."""

    drill_id: str
    title: str
    implements: str
    drill_file: str
    backend: str
    status: Status
    reason: str
    started_at_ns: int
    duration_s: float
    step_end_s: dict[str, float] = Field(default_factory=dict)
    service_start_s: dict[str, float] = Field(default_factory=dict)
    """Seconds each service took to become ready."""
    events: list[Event] = Field(default_factory=list)
    samples: list[Sample] = Field(default_factory=list)
    criteria: list[CriterionResult] = Field(default_factory=list)


Observer = Callable[[Event | Sample], None]


class Recorder:
    """Collects the timeline of one run; thread-safe (the sampler thread dispatches too)."""

    def __init__(self, observers: Sequence[Observer] = ()) -> None:
        self.started_at_ns = time.time_ns()
        self._t0 = time.monotonic()
        self._lock = threading.Lock()
        self._observers = list(observers)
        self.events: list[Event] = []
        self.samples: list[Sample] = []
        self.step_end_s: dict[str, float] = {}

    def now_s(self) -> float:
        """Seconds since the run started (monotonic)."""
        return time.monotonic() - self._t0

    def wall_ns(self, t_s: float) -> int:
        """Wall-clock ns UTC of a run-relative time."""
        return self.started_at_ns + int(t_s * 1e9)

    def dispatch(self, record: Event | Sample) -> None:
        """The one entry point for timeline records: store, then notify every observer."""
        with self._lock:
            if isinstance(record, Sample):
                self.samples.append(record)
            else:
                self.events.append(record)
                if record.kind is EventKind.STEP and record.ok:
                    self.step_end_s[record.name] = record.t_s
        for observer in self._observers:
            observer(record)

    def event(
        self, kind: EventKind, name: str, *, ok: bool | None = None, detail: str = ""
    ) -> None:
        """Dispatch an event stamped now."""
        self.dispatch(Event(t_s=self.now_s(), kind=kind, name=name, ok=ok, detail=detail))

    def samples_of(self, probe: str) -> list[Sample]:
        """The samples of one observed probe, in time order."""
        with self._lock:
            return [s for s in self.samples if s.probe == probe]
