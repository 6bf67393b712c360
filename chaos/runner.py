"""Runs a drill as a fixed sequence and returns its :class:`~chaos.journal.Journal`.

    set-up → steady-state gate → method (observed probes sampled continuously, guards and the
    deadline watched) → after-check → rollbacks (in ``finally``, always) → criteria → verdict
    → tear-down (services, proxies, workloads: always)

Verdicts: ``pass`` (every criterion met), ``fail`` (a criterion, a ``wait_until`` with
``on_timeout: fail`` or the after-check did not hold), ``aborted`` (steady state not met before
injection, a guard tripped, the deadline passed), ``error`` (the harness could not act: a step or
a rollback raised), ``skipped`` (a service cannot run on this backend; the reason says which)::

    journal = run_drill(Path("runbooks/drills/redis-outage.yaml"), backend=select_backend(),
                        out_dir=Path("results/chaos"))
"""

from __future__ import annotations

import importlib.util
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from chaos.backends import Backend, ServiceKind, ServiceUnavailable
from chaos.criteria import judge
from chaos.drill import (
    AddToxic,
    Check,
    Drill,
    DrillFileError,
    HttpCall,
    LinkDown,
    LinkUp,
    ProcessFault,
    RemoveToxic,
    ResetLinks,
    StartProcess,
    Step,
    Wait,
    WaitUntil,
    load_drill,
)
from chaos.environment import Environment
from chaos.journal import (
    CriterionResult,
    EventKind,
    Journal,
    Observer,
    Recorder,
    Sample,
    Status,
)
from chaos.probes import describe, run_probe, within
from corp.errors import ChaosError

__all__ = ["DRILLS_DIR", "resolve_drill_paths", "run_drill", "run_drills"]

DRILLS_DIR = Path(__file__).resolve().parent.parent / "runbooks" / "drills"


class _Stop(Exception):
    """Ends the method early with a verdict (abort or fail) and a reason."""

    def __init__(self, status: Status, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _Watch:
    """Background sampling of observed probes, guard checks and the deadline."""

    def __init__(self, drill: Drill, env: Environment, rec: Recorder) -> None:
        self.drill = drill
        self.env = env
        self.rec = rec
        self.abort = threading.Event()
        self.abort_reason = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="chaos-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling, then take one last reading so the timeline ends at the present."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
            self._sample()

    def _sample(self) -> None:
        for obs in self.drill.observe.probes:
            result = run_probe(obs.probe, self.env)
            t_s = self.rec.now_s()  # stamped when the reading is known (what "detect" measures)
            self.rec.dispatch(
                Sample(probe=obs.name, t_s=t_s, value=result.value, error=result.error)
            )

    def trip(self, reason: str) -> None:
        if not self.abort.is_set():
            self.abort_reason = reason
            self.abort.set()
            self.rec.event(EventKind.ABORT, "abort", ok=False, detail=reason)

    def sleep(self, secs: float) -> None:
        """Sleep, but wake (and stop the method) at once on an abort."""
        if self.abort.wait(max(0.0, secs)):
            raise _Stop(Status.ABORTED, self.abort_reason)

    def _loop(self) -> None:
        interval = self.drill.observe.interval_s
        deadline = self.drill.abort.deadline_s
        while not self._stop.is_set():
            tick = time.monotonic()
            self._sample()
            for guard in self.drill.abort.guards:
                result = run_probe(guard.probe, self.env)
                if not within(guard.tolerance, result):
                    shown = result.error or result.value
                    self.trip(
                        f"guard {guard.name!r} broke: expected {describe(guard.tolerance)}, "
                        f"got {shown!r}"
                    )
            if self.rec.now_s() > deadline:
                self.trip(f"deadline of {deadline:g} s passed")
            self._stop.wait(max(0.0, interval - (time.monotonic() - tick)))


def _checks(
    checks: Sequence[Check], env: Environment, rec: Recorder, phase: str, within_s: float = 0.0
) -> list[str]:
    """Run checks until all hold or ``within_s`` passed; record the last round; return failures."""
    start = time.monotonic()
    while True:
        rounds = []
        for check in checks:
            result = run_probe(check.probe, env)
            shown = result.error if result.error else repr(result.value)
            detail = f"expected {describe(check.tolerance)}, got {shown}"
            rounds.append((check.name, within(check.tolerance, result), detail))
        if all(ok for _, ok, _ in rounds) or time.monotonic() - start >= within_s:
            break
        time.sleep(0.1)
    for name, ok, detail in rounds:
        rec.event(EventKind.CHECK, f"{phase}:{name}", ok=ok, detail=detail)
    return [f"{name}: {detail}" for name, ok, detail in rounds if not ok]


def _http_call(step: HttpCall, env: Environment) -> None:
    import json

    data = None if step.json_body is None else json.dumps(step.json_body).encode()
    request = urllib.request.Request(
        env.render(step.url),
        data=data,
        method=step.method,
        headers={"Content-Type": "application/json", "User-Agent": "corp-chaos"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        exc.close()  # the error is the open response: close its socket before it is collected
        status = exc.code
    if not 200 <= status < 300:
        raise ChaosError(f"{step.method} {step.url} answered HTTP {status}")


def _execute(step: Step, env: Environment, watch: _Watch) -> str:
    """Carry out one step; return a short description of what was done."""
    match step:
        case AddToxic():
            env.add_toxic(step)
            return f"{step.toxic} on {step.link} ({step.stream}) {dict(step.attributes)}"
        case RemoveToxic():
            env.remove_toxic(step.link, step.name)
            return f"removed {step.name} from {step.link}"
        case LinkDown():
            env.link_down(step.link)
            return f"{step.link} down"
        case LinkUp():
            env.link_up(step.link)
            return f"{step.link} up"
        case ResetLinks():
            env.reset_links()
            return "all links reset"
        case ProcessFault():
            env.process_fault(step.target, step.fault)
            return f"{step.fault} {step.target}"
        case StartProcess():
            env.start_process(step.process)
            return f"started {step.process}"
        case Wait():
            watch.sleep(step.duration_s)
            return f"waited {step.duration_s:g} s"
        case WaitUntil():
            start = time.monotonic()
            while True:
                result = run_probe(step.probe, env)
                if within(step.tolerance, result):
                    return f"held after {time.monotonic() - start:.2f} s"
                if time.monotonic() - start > step.timeout_s:
                    shown = result.error or repr(result.value)
                    reason = (
                        f"wait_until {step.label or step.probe.type}: expected "
                        f"{describe(step.tolerance)} within {step.timeout_s:g} s, last {shown}"
                    )
                    if step.on_timeout == "continue":
                        return reason
                    status = Status.FAILED if step.on_timeout == "fail" else Status.ABORTED
                    raise _Stop(status, reason)
                watch.sleep(step.interval_s)
        case HttpCall():
            _http_call(step, env)
            return f"{step.method} {step.url}"
    raise TypeError(f"unknown step type {type(step).__name__}")


def _rollback(drill: Drill, env: Environment, rec: Recorder) -> list[str]:
    """Run every rollback, whatever happens; return failures."""
    failures = []
    idle = _Watch(drill, env, rec)  # never started: rollback waits cannot be aborted
    for i, step in enumerate(drill.rollbacks):
        name = step.label or f"{step.action}-{i}"
        try:
            detail = _execute(step, env, idle)
            rec.event(EventKind.ROLLBACK, name, ok=True, detail=detail)
        except Exception as exc:  # one failed rollback must not skip the others
            text = f"{type(exc).__name__}: {exc}"
            rec.event(EventKind.ROLLBACK, name, ok=False, detail=text)
            failures.append(f"{name}: {text}")
    return failures


def _journal(
    drill: Drill, path: Path, backend: Backend, rec: Recorder, status: Status, reason: str,
    env: Environment | None = None, criteria: list[CriterionResult] | None = None,
) -> Journal:  # fmt: skip
    starts = {} if env is None else {str(k): s.started_in_secs for k, s in env.services.items()}
    if env is not None and env.toxiproxy is not None:
        starts["toxiproxy"] = env.toxiproxy.started_in_secs
    return Journal(
        drill_id=drill.id,
        title=drill.title,
        implements=drill.implements,
        drill_file=str(path),
        backend=str(backend.name),
        status=status,
        reason=reason,
        started_at_ns=rec.started_at_ns,
        duration_s=rec.now_s(),
        step_end_s=dict(rec.step_end_s),
        service_start_s=starts,
        events=list(rec.events),
        samples=list(rec.samples),
        criteria=criteria or [],
    )


def run_drill(
    path: Path,
    *,
    backend: Backend,
    out_dir: Path,
    observers: Sequence[Observer] = (),
    drill: Drill | None = None,
) -> Journal:
    """Run one drill file (already validated ``drill`` may be passed) and return its journal."""
    drill = drill if drill is not None else load_drill(path)
    rec = Recorder(observers)
    kinds = [ServiceKind(s) for s in drill.topology.services]
    if drill.topology.links:
        kinds.append(ServiceKind.TOXIPROXY)
    reason = backend.unavailable(kinds)
    needs_faults = bool(drill.topology.links) or any(
        isinstance(step, ProcessFault) for step in (*drill.method, *drill.rollbacks)
    )
    if reason is None and needs_faults and importlib.util.find_spec("chaos.faults") is None:
        reason = "chaos.faults (the Toxiproxy and process-fault wrapper) is not installed"
    if reason is not None:
        rec.event(EventKind.NOTE, "skipped", detail=reason)
        return _journal(drill, path, backend, rec, Status.SKIPPED, reason)

    run_dir = out_dir / drill.id
    status: Status | None = None
    reason = ""
    rec.event(EventKind.PHASE, "setup", detail=f"backend {backend.name}")
    env = Environment(drill, backend, run_dir=run_dir, drill_dir=path.parent)
    try:
        with env:
            watch = _Watch(drill, env, rec)
            try:
                rec.event(EventKind.PHASE, "steady_state")
                failures = _checks(
                    drill.steady_state, env, rec, "before", drill.steady_state_within_s
                )
                if failures:
                    raise _Stop(Status.ABORTED, "steady state did not hold before injection: "
                                + "; ".join(failures))  # fmt: skip
                rec.event(EventKind.PHASE, "method")
                watch.start()
                for name, step in zip(drill.step_labels(), drill.method, strict=True):
                    if watch.abort.is_set():
                        raise _Stop(Status.ABORTED, watch.abort_reason)
                    try:
                        detail = _execute(step, env, watch)
                    except _Stop:
                        rec.event(EventKind.STEP, name, ok=False)
                        raise
                    rec.event(EventKind.STEP, name, ok=True, detail=detail)
                rec.event(EventKind.PHASE, "after_check")
                failures = _checks(drill.steady_state, env, rec, "after")
                if failures:
                    raise _Stop(Status.FAILED, "steady state not restored after the method: "
                                + "; ".join(failures))  # fmt: skip
            except _Stop as stop:
                status, reason = stop.status, stop.reason
            except Exception as exc:  # the harness could not act: an error, not a fail
                status, reason = Status.ERROR, f"{type(exc).__name__}: {exc}"
                rec.event(EventKind.ERROR, "method", ok=False, detail=reason)
            finally:
                watch.stop()
                rec.event(EventKind.PHASE, "rollback")
                rollback_failures = _rollback(drill, env, rec)
            if rollback_failures and status in (None, Status.PASSED, Status.FAILED):
                status = Status.ERROR
                reason = "rollback failed: " + "; ".join(rollback_failures)
            rec.event(EventKind.PHASE, "verdict")
            results = [judge(c, i, rec, env) for i, c in enumerate(drill.criteria)]
            for res in results:
                rec.event(EventKind.CRITERION, f"{res.index}:{res.type}", ok=res.passed,
                          detail=res.reason)  # fmt: skip
            if status is None:
                failed = [r for r in results if not r.passed]
                status = Status.FAILED if failed else Status.PASSED
                reason = (
                    "; ".join(f"criterion {r.index} ({r.type}): {r.reason}" for r in failed)
                    if failed
                    else f"all {len(results)} criteria met"
                )
            rec.event(EventKind.PHASE, "teardown")
    except ServiceUnavailable as exc:
        return _journal(drill, path, backend, rec, Status.SKIPPED, exc.reason, env)
    except Exception as exc:  # set-up or tear-down failed
        reason = f"{type(exc).__name__}: {exc}"
        rec.event(EventKind.ERROR, "setup", ok=False, detail=reason)
        return _journal(drill, path, backend, rec, Status.ERROR, reason, env)
    assert status is not None
    return _journal(drill, path, backend, rec, status, reason, env, results)


def resolve_drill_paths(items: Sequence[str], drills_dir: Path = DRILLS_DIR) -> list[Path]:
    """Drill ids (``runbooks/drills/<id>.yaml``) or file paths; an unknown one is a ChaosError."""
    paths = []
    for item in items:
        candidate = Path(item)
        if candidate.suffix in (".yaml", ".yml") or candidate.exists():
            if not candidate.is_file():
                raise ChaosError(f"drill file {candidate} does not exist <drill={item}>")
            paths.append(candidate)
            continue
        by_id = drills_dir / f"{item}.yaml"
        if not by_id.is_file():
            known = sorted(p.stem for p in drills_dir.glob("*.yaml")) if drills_dir.is_dir() else []
            raise ChaosError(f"no drill {item!r} in {drills_dir}; known: {known} <drill={item}>")
        paths.append(by_id)
    return paths


def run_drills(
    paths: Sequence[Path],
    *,
    backend: Backend,
    out_dir: Path,
    observers: Sequence[Observer] = (),
) -> list[Journal]:
    """Validate every file first (all problems at once), then run them one after another."""
    drills, errors = [], []
    for path in paths:
        try:
            drills.append(load_drill(path))
        except DrillFileError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DrillFileError(
            Path(", ".join(str(e.path) for e in errors)),
            [f"{e.path}: {problem}" for e in errors for problem in e.problems],
        )
    return [
        run_drill(p, backend=backend, out_dir=out_dir, observers=observers, drill=d)
        for p, d in zip(paths, drills, strict=True)
    ]
