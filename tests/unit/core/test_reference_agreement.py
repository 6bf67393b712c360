"""The njit kernels and their plain-Python references agree on random inputs."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corp.core import reference as ref
from corp.core import types as t
from corp.core.breaker import breaker_step_nb, confirm_resume_nb, new_breaker_state
from corp.core.glft import glft_exact_table
from corp.core.params import param_vector
from corp.core.quote import quote_nb

TABLE = glft_exact_table(gamma=0.1, sigma=0.2, k=20.0, A=5.0, q_max_lots=20)

params_st = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(range(t.N_KINDS)),
        "gamma": st.floats(0.001, 5.0),
        "sigma": st.floats(0.001, 0.5),
        "k": st.floats(1.0, 200.0),
        "a": st.floats(0.1, 50.0),
        "glft_mode": st.sampled_from([t.GLFT_APPROX, t.GLFT_EXACT]),
        "glft_xi": st.floats(0.001, 5.0),
        "base_spread_frac": st.floats(0.0001, 0.01),
        "inventory_skew_factor": st.floats(0.0, 1.0),
        "base_size": st.floats(0.01, 1.0),
        "size_shape": st.floats(0.5, 4.0),
        "cross_policy": st.sampled_from([t.CROSS_CLAMP, t.CROSS_DROP]),
        "greeks_ttl_ns": st.floats(0.0, 1e9),
        "inventory_unit": st.sampled_from([1.0, 0.01, 0.1]),
    }
)


def _feat(mid: float, spread_ticks: int, buy: float, sell: float, adverse: bool, regime: int):
    feat = np.zeros(t.N_FEATURES)
    feat[t.F_MID] = mid
    feat[t.F_BEST_BID] = mid - 0.005 * spread_ticks
    feat[t.F_BEST_ASK] = mid + 0.005 * spread_ticks
    feat[t.F_BUY_INTENSITY] = buy
    feat[t.F_SELL_INTENSITY] = sell
    feat[t.F_ADVERSE] = float(adverse)
    feat[t.F_REGIME] = regime
    feat[t.F_TAU_SECS] = 1.0
    return feat


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@given(
    values=params_st,
    q=st.floats(-1.5, 1.5),
    mid=st.floats(50.0, 150.0),
    spread_ticks=st.integers(1, 40),
    buy=st.floats(0.0, 5.0),
    sell=st.floats(0.0, 5.0),
    adverse=st.booleans(),
    regime=st.sampled_from([t.REGIME_LOW_VOL, t.REGIME_NORMAL, t.REGIME_HIGH_VOL]),
    state=st.sampled_from(range(t.N_CB_STATES)),
    t_rel=st.sampled_from([0.0, 5e7, 2e9]),
)
@settings(max_examples=200, deadline=None)
def test_quote_kernel_agrees_with_reference(
    values, q, mid, spread_ticks, buy, sell, adverse, regime, state, t_rel
) -> None:
    params = param_vector(**values)
    feat = _feat(mid, spread_ticks, buy, sell, adverse, regime)
    cache_nb = np.zeros(t.N_CACHE)
    cache_nb[t.C_VALID], cache_nb[t.C_RES_SLOPE], cache_nb[t.C_HALF_SPREAD] = 1.0, 0.01, 0.05
    cache_ref = list(cache_nb)
    out = np.zeros(t.N_QUOTE_OUT)
    quote_nb(params, TABLE, cache_nb, feat, q, t_rel, state, False, out)
    expected = ref.quote(
        list(params), TABLE.tolist(), cache_ref, list(feat), q, t_rel, state, False
    )
    assert _same(out[t.Q_BID_PX], expected["bid_px"])
    assert _same(out[t.Q_ASK_PX], expected["ask_px"])
    assert _same(out[t.Q_BID_QTY], expected["bid_qty"])
    assert _same(out[t.Q_ASK_QTY], expected["ask_qty"])
    assert _same(out[t.Q_RESERVATION_PX], expected["reservation"])
    assert np.allclose(cache_nb, cache_ref)


@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 200),  # seconds since the previous step
            st.floats(-50.0, 300.0),  # daily loss
            st.floats(0.0, 600.0),  # drawdown
            st.floats(0.0, 1.2),  # |inventory|
            st.booleans(),  # a person confirms the step out of HALTED before this step
        ),
        min_size=1,
        max_size=30,
    ),
    kill_frac=st.sampled_from([0.0, 0.025]),
    manual=st.sampled_from([0, 1]),
)
@settings(max_examples=100, deadline=None)
def test_breaker_kernel_agrees_with_reference(steps, kill_frac, manual) -> None:
    params = param_vector(
        kill_loss_frac=kill_frac, cooldown_ns=60e9, recovery_quiet_ns=30e9, manual_resume=manual
    )
    state_nb = new_breaker_state()
    state_ref = {
        "state": t.CB_NORMAL,
        "entered_ns": t.NEVER_NS,
        "last_violation_ns": [t.NEVER_NS] * 3,
        "kill": 0,
        "transitions": 0,
    }
    now = 0
    for gap, loss, drawdown, inv, confirm in steps:
        now += gap * 1_000_000_000
        if confirm:
            confirm_resume_nb(state_nb)
            state_ref["confirmed"] = 1
        got = breaker_step_nb(params, state_nb, now, loss, drawdown, inv)
        assert got == ref.breaker_step(list(params), state_ref, now, loss, drawdown, inv)
    assert state_nb[t.B_TRANSITIONS] == state_ref["transitions"]
    assert state_nb[t.B_CONFIRMED] == state_ref.get("confirmed", 0)
