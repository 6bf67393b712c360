"""The adaptive hedge decision (seed 4.1): hand-computed cases and njit/reference agreement."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corp.core import reference as ref
from corp.core.hedge import hedge_decision_nb
from corp.core.params import param_vector

MIN_NS = 60_000_000_000
NEVER = -(2**62)


def _params(**extra: float) -> np.ndarray:
    values = dict(
        hedge_enabled=1,
        inventory_limit=1.0,
        lot_size=0.01,
        hedge_deadband=0.5,
        max_hedge_frac=0.3,
        hedge_interval_ns=30 * MIN_NS,
        hedge_move_frac=0.02,
        hedge_freq_mult=2.0,
        hedge_gamma_threshold=0.01,
    )
    values.update(extra)
    return param_vector(**values)


P = _params()


def _decide(params, t_ns, q, mid, last_ns, ref_mid, fast_until, gamma=0.0):
    return hedge_decision_nb(params, t_ns, q, mid, gamma, last_ns, ref_mid, fast_until)


def test_the_first_decision_is_due_and_a_flat_book_sends_nothing() -> None:
    qty, last, ref_mid, fast = _decide(P, 1_000, 0.0, 100.0, NEVER, math.nan, NEVER)
    assert (qty, last, ref_mid, fast) == (0.0, 1_000, 100.0, NEVER)


def test_nothing_is_due_before_the_interval_and_nothing_changes() -> None:
    t = 30 * MIN_NS - 1
    assert _decide(P, t, 0.9, 100.0, 0, 100.0, NEVER) == (0.0, 0, 100.0, NEVER)


def test_scheduled_hedge_sends_the_inventory_back_capped_at_max_hedge_size() -> None:
    # |q| 0.9 > deadband 0.5: min(0.9, 0.3 x 1.0) = 0.3 sold; the schedule restarts at t, mid 101
    qty, last, ref_mid, fast = _decide(P, 30 * MIN_NS, 0.9, 101.0, 0, 100.0, NEVER)
    assert qty == pytest.approx(-0.3)
    assert (last, ref_mid, fast) == (30 * MIN_NS, 101.0, NEVER)
    # short book below the cap: buys all of it, rounded down to lots (0.557 -> 0.55 at cap 0.6)
    qty, *_ = _decide(_params(max_hedge_frac=0.6), 30 * MIN_NS, -0.557, 100.0, 0, 100.0, NEVER)
    assert qty == pytest.approx(0.55)


def test_inside_the_deadband_a_due_decision_sends_nothing_but_restarts_the_schedule() -> None:
    qty, last, ref_mid, _ = _decide(P, 31 * MIN_NS, 0.5, 99.0, 0, 100.0, NEVER)
    assert (qty, last, ref_mid) == (0.0, 31 * MIN_NS, 99.0)  # |q| = deadband: inside
    # zero deadband: any inventory is hedged at the scheduled time
    qty, *_ = _decide(_params(hedge_deadband=0.0), 31 * MIN_NS, 0.02, 99.0, 0, 100.0, NEVER)
    assert qty == pytest.approx(-0.02)


def test_a_drop_against_a_long_book_hedges_at_once_and_accelerates_for_one_interval() -> None:
    t = 5 * MIN_NS  # long before the schedule is due
    # (100 - 98) / 100 = 0.02 >= 0.02: hedge now; accelerated until t + 30 min
    qty, last, ref_mid, fast = _decide(P, t, 0.8, 98.0, 0, 100.0, NEVER)
    assert qty == pytest.approx(-0.3)
    assert (last, ref_mid, fast) == (t, 98.0, t + 30 * MIN_NS)
    # accelerated: due 15 min after the trigger, not 30
    assert _decide(P, t + 15 * MIN_NS - 1, 0.8, 98.0, last, ref_mid, fast)[0] == 0.0
    qty2, last2, _, fast2 = _decide(P, t + 15 * MIN_NS, 0.8, 98.0, last, ref_mid, fast)
    assert qty2 == pytest.approx(-0.3)
    assert (last2, fast2) == (t + 15 * MIN_NS, fast)  # a scheduled decision does not extend it
    # the acceleration expired at t + 30 min: the next decision is 30 min after the last one
    t3 = t + 30 * MIN_NS  # 15 min after the last decision, no longer accelerated
    assert _decide(P, t3, 0.8, 98.0, last2, 98.0, fast2)[0] == 0.0
    assert _decide(P, last2 + 30 * MIN_NS, 0.8, 98.0, last2, 98.0, fast2)[0] == pytest.approx(-0.3)


def test_a_move_counts_only_against_the_inventory() -> None:
    t = 5 * MIN_NS
    # a drop does not trigger a short book (it gains), a rise triggers it
    assert _decide(P, t, -0.8, 97.0, 0, 100.0, NEVER) == (0.0, 0, 100.0, NEVER)
    qty, _, _, fast = _decide(P, t, -0.8, 102.0, 0, 100.0, NEVER)
    assert qty == pytest.approx(0.3)
    assert fast == t + 30 * MIN_NS
    # a rise does not trigger a long book; a flat book is never triggered
    assert _decide(P, t, 0.8, 103.0, 0, 100.0, NEVER)[0] == 0.0
    assert _decide(P, t, 0.0, 90.0, 0, 100.0, NEVER) == (0.0, 0, 100.0, NEVER)
    # just short of the threshold: nothing
    assert _decide(P, t, 0.8, 98.01, 0, 100.0, NEVER)[1] == 0


def test_a_move_inside_the_deadband_sends_nothing_but_still_accelerates() -> None:
    t = 5 * MIN_NS
    assert _decide(P, t, 0.2, 97.0, 0, 100.0, NEVER) == (0.0, t, 97.0, t + 30 * MIN_NS)


def test_move_trigger_off_when_the_threshold_is_zero() -> None:
    params = _params(hedge_move_frac=0.0)
    assert _decide(params, 5 * MIN_NS, 0.8, 50.0, 0, 100.0, NEVER)[1] == 0


def test_option_gamma_above_the_threshold_forces_a_decision() -> None:
    t = 5 * MIN_NS
    qty, last, _, fast = _decide(P, t, 0.8, 100.0, 0, 100.0, NEVER, gamma=-0.02)
    assert qty == pytest.approx(-0.3)
    assert (last, fast) == (t, NEVER)  # not a move: no speed-up
    assert _decide(P, t, 0.8, 100.0, 0, 100.0, NEVER, gamma=0.01)[1] == 0  # at it: no


@given(
    values=st.fixed_dictionaries(
        {
            "hedge_deadband": st.floats(0.0, 1.0),
            "max_hedge_frac": st.floats(0.01, 1.0),
            "hedge_interval_ns": st.integers(1, 10_000),
            "hedge_move_frac": st.sampled_from([0.0, 0.001, 0.01, 0.05]),
            "hedge_freq_mult": st.floats(0.5, 8.0),
            "hedge_gamma_threshold": st.sampled_from([0.0, 0.01]),
            "lot_size": st.sampled_from([0.001, 0.01, 0.1]),
            "inventory_limit": st.floats(0.1, 3.0),
        }
    ),
    steps=st.lists(
        st.tuples(
            st.integers(0, 4_000),  # ns since the previous step
            st.floats(-3.0, 3.0),  # inventory
            st.floats(-0.06, 0.06),  # relative mid change since the previous step
            st.sampled_from([0.0, 0.005, -0.03]),  # option gamma
        ),
        min_size=1,
        max_size=40,
    ),
)
@settings(max_examples=200, deadline=None)
def test_hedge_kernel_agrees_with_reference(values, steps) -> None:
    params = param_vector(hedge_enabled=1, **values)
    p = [float(x) for x in params]
    last, ref_mid, fast = NEVER, math.nan, NEVER
    schedule = {"last_ns": NEVER, "ref_mid": math.nan, "fast_until_ns": NEVER}
    now, mid = 1_700_000_000_000_000_000, 100.0
    for dt, q, change, gamma in steps:
        now += dt
        mid *= 1.0 + change
        qty, last, ref_mid, fast = hedge_decision_nb(
            params, now, q, mid, gamma, last, ref_mid, fast
        )
        expected = ref.hedge_decision(p, now, q, mid, gamma, schedule)
        assert qty == expected
        assert (last, fast) == (schedule["last_ns"], schedule["fast_until_ns"])
        expected_ref = schedule["ref_mid"]
        assert ref_mid == expected_ref or (math.isnan(ref_mid) and math.isnan(expected_ref))
