"""Pass criteria, judged from the recorded timeline (and, for some, one final query).

Each criterion type has one judge; :func:`judge` dispatches on the type and returns a
:class:`~chaos.journal.CriterionResult` whose ``reason`` a person can act on.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from chaos.drill import (
    AlertFiredWithin,
    Criterion,
    DetectWithin,
    MaxValue,
    MinValue,
    NoLoss,
    RecoverWithin,
    StateSequence,
    Tolerance,
)
from chaos.journal import CriterionResult, Recorder, Sample
from chaos.probes import ProbeResult, describe, within

__all__ = ["CriteriaContext", "judge", "state_text"]


class CriteriaContext(Protocol):
    """What criteria need beyond the timeline."""

    def postgres_dsn(self, *, link: str | None, service: str | None) -> str:
        """libpq DSN, through ``link`` or direct."""
        ...

    def prometheus_url(self) -> str:
        """Base URL of the drill's Prometheus."""
        ...


def _as_result(sample: Sample) -> ProbeResult:
    return ProbeResult(value=sample.value, error=sample.error)


def state_text(sample: Sample) -> str:
    """A sample as a state name: ``error`` when it failed, numbers without a trailing ``.0``."""
    if sample.error is not None:
        return "error"
    if isinstance(sample.value, float):
        return f"{sample.value:g}"
    return str(sample.value)


def _numbers(samples: list[Sample]) -> list[tuple[float, float]]:
    return [(s.t_s, s.value) for s in samples if s.error is None and isinstance(s.value, float)]


def _first_within(
    samples: list[Sample], tolerance: Tolerance, start_s: float, end_s: float
) -> Sample | None:
    for sample in samples:
        if start_s <= sample.t_s <= end_s and within(tolerance, _as_result(sample)):
            return sample
    return None


def _judge_after(crit: DetectWithin | RecoverWithin, rec: Recorder, index: int) -> CriterionResult:
    start = rec.step_end_s.get(crit.after)
    if start is None:
        return CriterionResult(
            index=index, type=crit.type, passed=False,
            reason=f"step {crit.after!r} never completed, so nothing was measured after it",
        )  # fmt: skip
    samples = rec.samples_of(crit.probe)
    hit = _first_within(samples, crit.tolerance, start, start + crit.within_s)
    verb = "detected" if isinstance(crit, DetectWithin) else "recovered"
    want = f"{crit.probe} {describe(crit.tolerance)}"
    if hit is None:
        later = _first_within(samples, crit.tolerance, start, float("inf"))
        late = f"; it held only {later.t_s - start:.2f} s after" if later else "; it never held"
        observed_until = samples[-1].t_s - start if samples else 0.0
        if later is None and observed_until < crit.within_s:
            late += (
                f", but observation ended {observed_until:.2f} s after {crit.after!r}, before "
                f"the {crit.within_s:g} s window closed (add a wait or wait_until to the method)"
            )
        last = f" (last: {state_text(samples[-1])})" if samples else " (no samples)"
        return CriterionResult(
            index=index, type=crit.type, passed=False,
            reason=f"not {verb} within {crit.within_s:g} s of {crit.after!r}: "
            f"expected {want}{late}{last}",
        )  # fmt: skip
    took = hit.t_s - start
    if isinstance(crit, RecoverWithin) and not within(crit.tolerance, _as_result(samples[-1])):
        return CriterionResult(
            index=index, type=crit.type, passed=False, measured=took,
            reason=f"recovered {took:.2f} s after {crit.after!r} but did not stay: last "
            f"sample {state_text(samples[-1])} is outside {describe(crit.tolerance)}",
        )  # fmt: skip
    return CriterionResult(
        index=index, type=crit.type, passed=True, measured=took,
        reason=f"{verb} {took:.2f} s after {crit.after!r} (limit {crit.within_s:g} s): {want}",
    )  # fmt: skip


def _judge_extreme(crit: MaxValue | MinValue, rec: Recorder, index: int) -> CriterionResult:
    values = _numbers(rec.samples_of(crit.probe))
    if not values:
        return CriterionResult(
            index=index, type=crit.type, passed=False,
            reason=f"probe {crit.probe!r} gave no numeric sample",
        )  # fmt: skip
    if isinstance(crit, MaxValue):
        t_s, worst = max(values, key=lambda tv: tv[1])
        passed = worst <= crit.max
        rel = "<=" if passed else ">"
        reason = f"max of {crit.probe} = {worst:g} at t={t_s:.2f} s {rel} limit {crit.max:g}"
    else:
        t_s, worst = max(values, key=lambda tv: tv[1])
        passed = worst >= crit.min
        rel = ">=" if passed else "<"
        reason = f"max of {crit.probe} = {worst:g} at t={t_s:.2f} s {rel} required min {crit.min:g}"
    return CriterionResult(
        index=index, type=crit.type, passed=passed, measured=worst, reason=reason
    )


def _judge_no_loss(crit: NoLoss, ctx: CriteriaContext, index: int) -> CriterionResult:
    import psycopg

    dsn = ctx.postgres_dsn(link=crit.link, service=crit.service)
    query = f"select {crit.column}, count(*) from {crit.table} group by {crit.column}"
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            counts = {int(seq): int(n) for seq, n in conn.execute(query).fetchall()}
    except Exception as exc:  # the verdict must say why it could not look
        return CriterionResult(
            index=index, type=crit.type, passed=False,
            reason=f"could not count rows of {crit.table}: {type(exc).__name__}: {exc}",
        )  # fmt: skip
    expected = set(range(1, crit.expected_count + 1))
    missing = sorted(expected - counts.keys())
    duplicated = sorted(seq for seq, n in counts.items() if n > 1)
    unexpected = sorted(counts.keys() - expected)
    problems = []
    groups = (("missing", missing), ("duplicated", duplicated), ("unexpected", unexpected))
    for label, items in groups:
        if items:
            shown = ", ".join(map(str, items[:10])) + (" ..." if len(items) > 10 else "")
            problems.append(f"{len(items)} {label} ({shown})")
    lost = float(len(missing))
    if problems:
        return CriterionResult(
            index=index, type=crit.type, passed=False, measured=lost,
            reason=f"{crit.table}.{crit.column} vs 1..{crit.expected_count}: "
            + "; ".join(problems),
        )  # fmt: skip
    return CriterionResult(
        index=index, type=crit.type, passed=True, measured=0.0,
        reason=f"all {crit.expected_count} sequence numbers present exactly once in {crit.table}",
    )  # fmt: skip


def _judge_sequence(crit: StateSequence, rec: Recorder, index: int) -> CriterionResult:
    seen: list[str] = []
    for sample in rec.samples_of(crit.probe):
        state = state_text(sample)
        if not seen or seen[-1] != state:
            seen.append(state)
    pos = 0
    for state in seen:
        if pos < len(crit.states) and state == crit.states[pos]:
            pos += 1
    passed = pos == len(crit.states)
    shown = " -> ".join(seen) if seen else "(no samples)"
    want = " -> ".join(crit.states)
    reason = (
        f"observed {shown} contains {want}"
        if passed
        else f"observed {shown}; missing {crit.states[pos]!r} of required {want}"
    )
    return CriterionResult(index=index, type=crit.type, passed=passed, reason=reason)


def _judge_alert(
    crit: AlertFiredWithin, rec: Recorder, ctx: CriteriaContext, index: int
) -> CriterionResult:
    start = rec.step_end_s.get(crit.after)
    if start is None:
        return CriterionResult(
            index=index, type=crit.type, passed=False,
            reason=f"step {crit.after!r} never completed, so no alert window exists",
        )  # fmt: skip
    start_wall = rec.wall_ns(start) / 1e9
    end_wall = min(rec.wall_ns(rec.now_s()) / 1e9, start_wall + crit.within_s + 5.0)
    window_s = max(1, math.ceil(end_wall - start_wall) + 1)
    # a range selector returns the raw samples with their own timestamps (no step rounding)
    query = f'ALERTS{{alertname="{crit.alert}",alertstate="firing"}}[{window_s}s]'
    params = urllib.parse.urlencode({"query": query, "time": f"{end_wall:.3f}"})
    try:
        url = f"{ctx.prometheus_url()}/api/v1/query?{params}"
        with urllib.request.urlopen(url, timeout=5) as resp:
            payload = json.load(resp)
    except Exception as exc:  # the verdict must say why it could not look
        if isinstance(exc, urllib.error.HTTPError):
            exc.close()  # the error is the open response: close its socket
        return CriterionResult(
            index=index, type=crit.type, passed=False,
            reason=f"could not query Prometheus for {crit.alert}: {type(exc).__name__}: {exc}",
        )  # fmt: skip
    stamps = [
        float(t)
        for series in payload["data"]["result"]
        for t, _ in series["values"]
        if float(t) >= start_wall
    ]
    if not stamps:
        return CriterionResult(
            index=index, type=crit.type, passed=False,
            reason=f"alert {crit.alert!r} never fired within {crit.within_s:g} s of {crit.after!r}",
        )  # fmt: skip
    took = min(stamps) - start_wall
    passed = took <= crit.within_s
    rel = "<=" if passed else ">"
    return CriterionResult(
        index=index, type=crit.type, passed=passed, measured=took,
        reason=f"alert {crit.alert!r} firing {took:.2f} s after {crit.after!r} "
        f"({rel} {crit.within_s:g} s)",
    )  # fmt: skip


def judge(crit: Criterion, index: int, rec: Recorder, ctx: CriteriaContext) -> CriterionResult:
    """Judge one criterion (dispatch on its type)."""
    match crit:
        case DetectWithin() | RecoverWithin():
            return _judge_after(crit, rec, index)
        case MaxValue() | MinValue():
            return _judge_extreme(crit, rec, index)
        case NoLoss():
            return _judge_no_loss(crit, ctx, index)
        case StateSequence():
            return _judge_sequence(crit, rec, index)
        case AlertFiredWithin():
            return _judge_alert(crit, rec, ctx, index)
    raise TypeError(f"unknown criterion type {type(crit).__name__}")
