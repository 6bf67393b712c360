"""The njit loop and the plain-Python reference loop produce identical fills and PnL."""

from __future__ import annotations

import numpy as np
import pytest

from corp.backtest.engine import iter_chunks, run_backtest
from corp.backtest.reference import run_reference
from corp.backtest.types import AG_HEDGES
from corp.core import types as t
from corp.core.glft import glft_exact_table
from corp.core.params import param_vector
from corp.market.synthetic import compose_stream

EVENTS = compose_stream(duration_secs=60, seed=11)


def _params(kind: int, **extra: float) -> np.ndarray:
    values = dict(
        kind=kind,
        gamma=0.1,
        sigma=0.01,
        k=200.0,
        base_size=0.1,
        lot_size=0.001,
        base_spread_frac=0.0001,
        glft_delta=0.1,
    )
    values.update(extra)
    return param_vector(**values)


def _fill_rows(fills) -> list[tuple]:
    return sorted(
        (
            int(f["exch_ts_ns"]),
            int(f["local_ts_ns"]),
            int(f["side"]),
            float(f["price"]),
            float(f["qty"]),
        )
        for f in fills
    )


CASES = {
    "naive_every_event": _params(t.KIND_NAIVE),
    "as_every_100ms": _params(t.KIND_AS, requote_interval_ns=100_000_000),
    "glft_exact": _params(t.KIND_GLFT, glft_mode=t.GLFT_EXACT),
    "hawkes_power_queue": _params(t.KIND_HAWKES, queue_model=t.QUEUE_POWER_PROB),
    # hedging on: a short schedule, a deadband below the inventories the run reaches and a small
    # move threshold, so scheduled, move-triggered and accelerated hedges all happen in 60 s
    "integrated_hedging": _params(
        t.KIND_INTEGRATED,
        hedge_enabled=1,
        hedge_deadband=0.05,
        max_hedge_frac=0.1,
        hedge_interval_ns=4e9,
        hedge_move_frac=0.0002,
        hedge_freq_mult=4.0,
    ),
    # hedges in flight: a decision due every millisecond inside a 40 ms round trip, so most are
    # sized net of hedges sent and not yet filled, and the deadband stops the rest
    "integrated_hedges_in_flight": _params(
        t.KIND_INTEGRATED,
        hedge_enabled=1,
        hedge_deadband=0.05,
        max_hedge_frac=0.1,
        hedge_interval_ns=1e6,
        hedge_move_frac=0.0,
        entry_latency_ns=2e7,
        response_latency_ns=2e7,
    ),
    "fast_integrated_no_partials": _params(t.KIND_FAST_INTEGRATED, partial_fills=0),
}
TABLE = glft_exact_table(gamma=0.1, sigma=0.01, k=200.0, A=1.0, q_max_lots=10)
LATENCY = np.array([[EVENTS["local_ts_ns"][0], 5e5, 8e5], [EVENTS["local_ts_ns"][-1], 3e6, 1e6]])


@pytest.mark.parametrize("case", sorted(CASES))
def test_njit_and_reference_loops_agree_on_fills_and_pnl(case: str) -> None:
    params = CASES[case]
    latency = LATENCY if case == "as_every_100ms" else None
    fast = run_backtest(EVENTS, params, glft_table=TABLE, latency_table=latency)
    ref_fills, ref_acct = run_reference(EVENTS, params, glft_table=TABLE, latency_table=latency)
    assert fast.fills.size > 0
    assert _fill_rows(fast.fills) == sorted(
        (f.exch_ts_ns, f.local_ts_ns, f.side, f.price, f.qty) for f in ref_fills
    )
    assert fast.acct[t.A_CASH] == pytest.approx(ref_acct["cash"], rel=1e-12)
    assert fast.acct[t.A_POSITION] == pytest.approx(ref_acct["position"], abs=1e-12)
    assert fast.acct[t.A_FEES] == pytest.approx(ref_acct["fees"], rel=1e-12)
    assert fast.agg[AG_HEDGES] == ref_acct["hedges"]
    if case.startswith("integrated_hedg"):
        assert ref_acct["hedges"] >= 3


def test_chunked_run_matches_a_single_pass() -> None:
    params = _params(t.KIND_HAWKES)
    whole = run_backtest(EVENTS, params)
    chunked = run_backtest(iter_chunks(EVENTS, 997), params, fill_buffer=3, record_buffer=5)
    assert _fill_rows(chunked.fills) == _fill_rows(whole.fills)
    assert np.array_equal(chunked.acct, whole.acct)
    assert whole.fills.size > 10
    for name in whole.records.dtype.names:
        np.testing.assert_array_equal(chunked.records[name], whole.records[name])
    assert chunked.n_events == whole.n_events


def test_chunks_of_one_array_match_a_single_pass_and_an_iterable() -> None:
    # one array is fed as views (the rows carried over are the rows before the chunk); an
    # iterable is fed by copying the carried rows in front of each chunk: the same run
    params = _params(t.KIND_AS, requote_interval_ns=100_000_000)
    whole = run_backtest(EVENTS, params)
    views = run_backtest(EVENTS, params, chunk_rows=1013)
    copies = run_backtest(iter_chunks(EVENTS, 1013), params)
    assert whole.fills.size > 10
    for other in (views, copies):
        assert np.array_equal(other.fills, whole.fills)
        for name in whole.records.dtype.names:  # quote prices are NaN where a side is off
            np.testing.assert_array_equal(other.records[name], whole.records[name])
        assert np.array_equal(other.acct, whole.acct)
        assert np.array_equal(other.agg, whole.agg)
