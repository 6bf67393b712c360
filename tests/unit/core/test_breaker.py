"""Circuit breaker: every transition, cooldown, stepwise recovery, kill switch and STOP."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corp.core import types as t
from corp.core.breaker import (
    breaker_step_nb,
    confirm_resume_nb,
    new_breaker_state,
    normal_holds_nb,
    request_stop_nb,
    severity_nb,
    severity_values_nb,
    trip_kill_nb,
)
from corp.core.params import param_vector

SEC = 1_000_000_000
# capital 10_000, daily loss limit 2% = 200: warning >= 120, reducing >= 170, halted >= 200
PARAMS = param_vector(
    initial_capital=10_000.0,
    daily_loss_limit_frac=0.02,
    max_drawdown_frac=0.05,
    warning_ratio=0.6,
    reducing_ratio=0.85,
    concentration_limit_frac=0.9,
    inventory_limit=1.0,
    cooldown_ns=60 * SEC,
    recovery_quiet_ns=30 * SEC,
)


def _step(state: np.ndarray, t_secs: float, loss: float = 0.0, inv: float = 0.0) -> int:
    return breaker_step_nb(PARAMS, state, int(t_secs * SEC), loss, 0.0, inv)


def test_breaker_starts_normal_and_stays_normal_without_violations() -> None:
    state = new_breaker_state()
    assert _step(state, 1, loss=100.0) == t.CB_NORMAL


def test_breaker_walks_up_normal_warning_reducing_halted() -> None:
    state = new_breaker_state()
    assert _step(state, 1, loss=130.0) == t.CB_WARNING
    assert _step(state, 2, loss=180.0) == t.CB_REDUCING
    assert _step(state, 3, loss=200.0) == t.CB_HALTED
    assert state[t.B_TRANSITIONS] == 3


def test_breaker_escalates_at_once_to_the_violation_severity() -> None:
    state = new_breaker_state()
    assert _step(state, 1, loss=250.0) == t.CB_HALTED


def test_drawdown_and_concentration_also_trip_the_breaker() -> None:
    state = new_breaker_state()
    assert breaker_step_nb(PARAMS, state, SEC, 0.0, 500.0, 0.0) == t.CB_HALTED
    state = new_breaker_state()
    assert _step(state, 1, inv=0.95) == t.CB_REDUCING


def test_breaker_holds_its_state_until_the_cooldown_elapses() -> None:
    state = new_breaker_state()
    _step(state, 0, loss=250.0)
    assert _step(state, 59, loss=0.0) == t.CB_HALTED  # quiet 59 s >= 30 but cooldown 60 not over


def test_breaker_holds_its_state_while_the_last_violation_is_recent() -> None:
    state = new_breaker_state()
    _step(state, 0, loss=250.0)
    _step(state, 50, loss=250.0)  # still violating at 50 s
    assert _step(state, 61, loss=0.0) == t.CB_HALTED  # cooldown over, but violation 11 s old


def test_breaker_never_jumps_from_halted_to_normal() -> None:
    state = new_breaker_state()
    _step(state, 0, loss=250.0)
    assert _step(state, 1000, loss=0.0) == t.CB_REDUCING
    assert _step(state, 2000, loss=0.0) == t.CB_WARNING
    assert _step(state, 3000, loss=0.0) == t.CB_NORMAL


def test_with_the_manual_gate_halted_waits_for_a_person_then_recovers_stepwise() -> None:
    gated = PARAMS.copy()
    gated[t.P_MANUAL_RESUME] = 1.0
    state = new_breaker_state()
    breaker_step_nb(gated, state, 0, 250.0, 0.0, 0.0)
    for t_secs in (100, 1_000, 86_400):  # cooled and quiet, but nobody confirmed
        assert breaker_step_nb(gated, state, t_secs * SEC, 0.0, 0.0, 0.0) == t.CB_HALTED
    confirm_resume_nb(state)
    assert breaker_step_nb(gated, state, 86_401 * SEC, 0.0, 0.0, 0.0) == t.CB_REDUCING
    assert state[t.B_CONFIRMED] == 0  # the confirmation was used by that one step
    assert breaker_step_nb(gated, state, 86_500 * SEC, 0.0, 0.0, 0.0) == t.CB_WARNING


def test_a_confirmation_does_not_skip_the_cooldown_or_survive_a_new_halt() -> None:
    gated = PARAMS.copy()
    gated[t.P_MANUAL_RESUME] = 1.0
    state = new_breaker_state()
    breaker_step_nb(gated, state, 0, 250.0, 0.0, 0.0)
    confirm_resume_nb(state)
    assert breaker_step_nb(gated, state, 10 * SEC, 0.0, 0.0, 0.0) == t.CB_HALTED  # cooling
    assert breaker_step_nb(gated, state, 100 * SEC, 0.0, 0.0, 0.0) == t.CB_REDUCING
    breaker_step_nb(gated, state, 101 * SEC, 250.0, 0.0, 0.0)  # halted again
    assert breaker_step_nb(gated, state, 1_000 * SEC, 0.0, 0.0, 0.0) == t.CB_HALTED
    state = new_breaker_state()
    breaker_step_nb(gated, state, 0, 250.0, 0.0, 0.0)
    confirm_resume_nb(state)
    breaker_step_nb(gated, state, 50 * SEC, 400.0, 0.0, 0.0)  # a worse loss, still HALTED
    assert breaker_step_nb(gated, state, 10_000 * SEC, 0.0, 0.0, 0.0) == t.CB_HALTED
    state = new_breaker_state()
    confirm_resume_nb(state)  # given while NORMAL: it must not pre-approve a later halt's exit
    breaker_step_nb(gated, state, 0, 250.0, 0.0, 0.0)
    assert breaker_step_nb(gated, state, 1_000 * SEC, 0.0, 0.0, 0.0) == t.CB_HALTED


def test_each_recovery_step_restarts_the_cooldown() -> None:
    state = new_breaker_state()
    _step(state, 0, loss=250.0)
    assert _step(state, 100, loss=0.0) == t.CB_REDUCING
    assert _step(state, 130, loss=0.0) == t.CB_REDUCING  # 30 s in REDUCING < 60 s cooldown
    assert _step(state, 160, loss=0.0) == t.CB_WARNING


def test_recovery_stops_at_the_level_still_violated() -> None:
    state = new_breaker_state()
    _step(state, 0, loss=250.0)
    assert _step(state, 100, loss=130.0) == t.CB_REDUCING
    assert _step(state, 200, loss=130.0) == t.CB_WARNING
    assert _step(state, 300, loss=130.0) == t.CB_WARNING  # the warning violation persists


def test_kill_switch_pins_the_breaker_in_halted() -> None:
    state = new_breaker_state()
    trip_kill_nb(state, SEC)
    assert _step(state, 10_000, loss=0.0) == t.CB_HALTED
    assert state[t.B_KILL] == 1


def test_kill_loss_threshold_trips_the_kill_switch() -> None:
    params = PARAMS.copy()
    params[t.P_KILL_LOSS_FRAC] = 0.03
    state = new_breaker_state()
    breaker_step_nb(params, state, SEC, 300.0, 0.0, 0.0)
    assert state[t.B_KILL] == 1


def test_stop_sets_its_flag_without_changing_the_state() -> None:
    state = new_breaker_state()
    request_stop_nb(state)
    assert state[t.B_STOP] == 1
    assert state[t.B_STATE] == t.CB_NORMAL


@given(
    loss=st.floats(-500.0, 500.0),
    drawdown=st.floats(0.0, 800.0),
    inv=st.floats(0.0, 1.5),
    kill_frac=st.sampled_from([0.0, 0.01, 0.03]),
    limits_on=st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_normal_holds_exactly_when_the_step_would_change_nothing(
    loss: float, drawdown: float, inv: float, kill_frac: float, limits_on: bool
) -> None:
    # the loop skips breaker_step_nb when normal_holds_nb says so: that must never skip a change
    params = PARAMS.copy()
    params[t.P_KILL_LOSS_FRAC] = kill_frac
    if not limits_on:
        for p in (t.P_DAILY_LOSS_LIMIT_FRAC, t.P_MAX_DRAWDOWN_FRAC, t.P_CONCENTRATION_LIMIT_FRAC):
            params[p] = 0.0
    state = new_breaker_state()
    before = state.copy()
    severity = severity_values_nb(
        loss,
        drawdown,
        inv,
        params[t.P_INITIAL_CAPITAL],
        params[t.P_WARNING_RATIO],
        params[t.P_REDUCING_RATIO],
        params[t.P_DAILY_LOSS_LIMIT_FRAC],
        params[t.P_MAX_DRAWDOWN_FRAC],
        params[t.P_CONCENTRATION_LIMIT_FRAC],
        params[t.P_INVENTORY_LIMIT],
    )
    assert severity == severity_nb(params, loss, drawdown, inv)
    holds = normal_holds_nb(
        False, t.CB_NORMAL, loss, params[t.P_INITIAL_CAPITAL], kill_frac, severity
    )
    got = breaker_step_nb(params, state, 5 * SEC, loss, drawdown, inv)
    unchanged = np.array_equal(state, before) and got == t.CB_NORMAL
    assert holds == unchanged


def test_normal_holds_is_false_outside_normal_or_under_the_kill_switch() -> None:
    capital = PARAMS[t.P_INITIAL_CAPITAL]
    assert not normal_holds_nb(False, t.CB_WARNING, 0.0, capital, 0.0, t.CB_NORMAL)
    assert not normal_holds_nb(True, t.CB_NORMAL, 0.0, capital, 0.0, t.CB_NORMAL)
    assert normal_holds_nb(False, t.CB_NORMAL, 0.0, capital, 0.0, t.CB_NORMAL)
