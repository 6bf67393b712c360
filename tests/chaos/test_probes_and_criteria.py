"""Tolerances by type, probes that observe failures instead of raising, criteria verdicts."""

from __future__ import annotations

import pytest

from chaos.criteria import judge
from chaos.drill import (
    DetectWithin,
    Equals,
    Fails,
    MaxValue,
    MinValue,
    Ok,
    Range,
    RecoverWithin,
    SqlProbe,
    StateSequence,
)
from chaos.journal import Event, EventKind, Recorder, Sample
from chaos.probes import ProbeResult, parse_metric, run_probe, within


class _ClosedPortEnv:
    """A probe context whose Postgres address has nothing listening."""

    def render(self, template: str) -> str:
        return template

    def postgres_dsn(self, *, link: str | None, service: str | None) -> str:
        return "host=127.0.0.1 port=1 user=postgres dbname=postgres"

    def redis_address(self, *, link: str | None, service: str | None) -> tuple[str, int]:
        return "127.0.0.1", 1

    def prometheus_url(self) -> str:
        return "http://127.0.0.1:1"

    def process_state(self, name: str) -> tuple[bool, int | None]:
        return False, None


def _recorder(values: list[tuple[float, float | None]], steps: dict[str, float]) -> Recorder:
    """A recorder holding samples of probe ``p`` (None = an error sample) and step end times."""
    rec = Recorder()
    for t_s, value in values:
        error = "ConnectionRefusedError" if value is None else None
        rec.dispatch(Sample(probe="p", t_s=t_s, value=value, error=error))
    for name, t_s in steps.items():
        rec.dispatch(Event(t_s=t_s, kind=EventKind.STEP, name=name, ok=True))
    return rec


def test_range_tolerance_holds_inside_and_not_outside_its_bounds() -> None:
    band = Range(type="range", min=1.0, max=2.0)
    assert within(band, ProbeResult(value=1.5))
    assert not within(band, ProbeResult(value=2.5))


def test_an_errored_probe_meets_fails_and_never_a_value_tolerance() -> None:
    failed = ProbeResult(error="refused")
    assert within(Fails(type="fails"), failed)
    assert not within(Ok(type="ok"), failed)
    assert not within(Range(type="range", min=0), failed)


def test_equals_compares_numbers_with_a_tolerance_and_text_exactly() -> None:
    assert within(Equals(type="equals", value=1), ProbeResult(value=1.0 + 1e-12))
    assert within(Equals(type="equals", value="NORMAL"), ProbeResult(value="NORMAL"))
    assert not within(Equals(type="equals", value="NORMAL"), ProbeResult(value="HALTED"))


def test_parse_metric_picks_the_sample_with_matching_labels() -> None:
    text = (
        "# HELP x demo\n# TYPE x gauge\n"
        'x{proxy="a",direction="up"} 3\nx{proxy="b",direction="up"} 5\n'
    )
    assert parse_metric(text, "x", {"proxy": "b"}) == 5.0
    assert parse_metric(text, "x", {"proxy": "c"}) is None


def test_a_sql_probe_against_a_dead_port_returns_an_error_instead_of_raising() -> None:
    probe = SqlProbe(type="sql", service="postgres", query="select 1", timeout_s=1)
    result = run_probe(probe, _ClosedPortEnv())
    assert not result.ok
    assert "OperationalError" in (result.error or "")


def test_detection_inside_the_window_passes_with_the_measured_delay() -> None:
    rec = _recorder([(0.5, 1.0), (1.2, None), (1.4, None)], {"inject": 1.0})
    crit = DetectWithin(
        type="detect_within_s", probe="p", tolerance=Fails(type="fails"), after="inject",
        within_s=0.5,
    )  # fmt: skip
    result = judge(crit, 0, rec, _ClosedPortEnv())
    assert result.passed
    assert result.measured == pytest.approx(0.2)


def test_detection_too_late_fails_saying_when_it_held() -> None:
    rec = _recorder([(0.5, 1.0), (1.2, 1.0), (2.5, None)], {"inject": 1.0})
    crit = DetectWithin(
        type="detect_within_s", probe="p", tolerance=Fails(type="fails"), after="inject",
        within_s=0.5,
    )  # fmt: skip
    result = judge(crit, 0, rec, _ClosedPortEnv())
    assert not result.passed
    assert "it held only 1.50 s after" in result.reason


def test_recovery_that_does_not_last_fails() -> None:
    rec = _recorder([(1.1, 1.0), (1.3, None)], {"restore": 1.0})
    crit = RecoverWithin(
        type="recover_within_s", probe="p", tolerance=Equals(type="equals", value=1),
        after="restore", within_s=1,
    )  # fmt: skip
    result = judge(crit, 0, rec, _ClosedPortEnv())
    assert not result.passed
    assert "did not stay" in result.reason


def test_a_criterion_after_a_step_that_never_ran_fails_with_that_reason() -> None:
    rec = _recorder([(0.1, 1.0)], {})
    crit = DetectWithin(
        type="detect_within_s", probe="p", tolerance=Fails(type="fails"), after="inject",
        within_s=1,
    )  # fmt: skip
    result = judge(crit, 0, rec, _ClosedPortEnv())
    assert not result.passed
    assert "never completed" in result.reason


def test_max_criterion_reports_the_worst_value_and_when() -> None:
    rec = _recorder([(0.1, 3.0), (0.2, 9.0), (0.3, 4.0)], {})
    result = judge(MaxValue(type="max", probe="p", max=5.0), 0, rec, _ClosedPortEnv())
    assert not result.passed
    assert result.reason == "max of p = 9 at t=0.20 s > limit 5"


def test_min_criterion_passes_when_the_effect_showed_once() -> None:
    rec = _recorder([(0.1, 3.0), (0.2, 120.0)], {})
    assert judge(MinValue(type="min", probe="p", min=100.0), 0, rec, _ClosedPortEnv()).passed


def test_state_sequence_merges_repeats_and_needs_every_state_in_order() -> None:
    rec = _recorder([(0.1, 1.0), (0.2, 1.0), (0.3, None), (0.4, 1.0)], {})
    ok = StateSequence(type="state_sequence", probe="p", states=["1", "error", "1"])
    wrong = StateSequence(type="state_sequence", probe="p", states=["error", "1", "error"])
    assert judge(ok, 0, rec, _ClosedPortEnv()).passed
    failed = judge(wrong, 1, rec, _ClosedPortEnv())
    assert not failed.passed
    assert failed.reason == (
        "observed 1 -> error -> 1; missing 'error' of required error -> 1 -> error"
    )
