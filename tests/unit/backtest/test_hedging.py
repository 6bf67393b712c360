"""The adaptive hedge (seed 4.1, `corp.core.hedge`) inside the njit loop, on composed packs."""

from __future__ import annotations

from functools import cache

import numpy as np

from corp.backtest.engine import BacktestResult, run_backtest
from corp.backtest.offline import events_for_spec
from corp.backtest.types import AG_HEDGES
from corp.core.params import pack_run_spec, param_vector
from tests.unit.spec.conftest import spec_of

# the integrated pack with its default hedge layer (30 min, 2 % drop, x2), quoting tighter and
# larger so the inventory reaches the deadband (half the limit) within the one-hour scenario
BUSY = ("strategy=integrated", "strategy.base_spread_bps=2", "strategy.order_size_lots=3")


@cache
def _run(*overrides: str) -> tuple[BacktestResult, int]:
    spec = spec_of(list(overrides))
    events = events_for_spec(spec)
    return run_backtest(events, param_vector(**pack_run_spec(spec))), int(events["local_ts_ns"][0])


def _hedges_between(overrides: tuple[str, ...], start_secs: float, end_secs: float) -> np.ndarray:
    """Hedge (taker) fills received in [start, end) seconds after the first event."""
    result, t0 = _run(*overrides)
    fills = result.fills[result.fills["maker"] == 0]
    secs = (fills["local_ts_ns"] - t0) / 1e9
    return fills[(secs >= start_secs) & (secs < end_secs)]


def test_a_flash_crash_makes_the_integrated_strategy_hedge_more_often_than_a_calm_market() -> None:
    crash = spec_of([*BUSY, "market=flash_crash"]).market
    start = crash.event_start_secs
    end = start + crash.event_duration_secs + crash.recovery_secs
    in_crash = _hedges_between((*BUSY, "market=flash_crash"), start, end)
    calm = _hedges_between((*BUSY, "market=hawkes_medium"), start, end)
    # the market maker buys into the crash; each 2 % drop against that long book sells at once
    assert in_crash.size >= 2
    assert in_crash.size > calm.size
    assert (in_crash["side"] == -1).all()
    whole_crash, _ = _run(*BUSY, "market=flash_crash")
    assert whole_crash.agg[AG_HEDGES] == (whole_crash.fills["maker"] == 0).sum()


def test_without_the_hedge_layer_the_same_crash_sends_no_hedge() -> None:
    for off in ("hedge.enabled=false", "strategy.use_hedge_signal=false"):
        result, _ = _run(*BUSY, "market=flash_crash", off)
        assert result.agg[AG_HEDGES] == 0
        assert (result.fills["maker"] == 1).all()


def test_gamma_threshold_cannot_fire_on_the_linear_book() -> None:
    """The loop's book has option gamma 0: any threshold leaves the run unchanged."""
    base, _ = _run(*BUSY, "market=flash_crash")
    tiny, _ = _run(*BUSY, "market=flash_crash", "hedge.gamma_threshold=1e-12")
    assert base.agg[AG_HEDGES] > 0
    assert np.array_equal(base.fills, tiny.fills)


def test_a_shorter_schedule_hedges_more_in_a_calm_market() -> None:
    slow, _ = _run(*BUSY, "market=hawkes_medium")
    fast, _ = _run(*BUSY, "market=hawkes_medium", "hedge.base_hedge_interval_minutes=5")
    assert fast.agg[AG_HEDGES] > slow.agg[AG_HEDGES]
