"""The adaptive hedge (seed 4.1, `corp.core.hedge`) inside the njit loop, on composed packs."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from corp.backtest import reference
from corp.backtest import types as bt
from corp.backtest.engine import BacktestResult, run_backtest
from corp.backtest.offline import events_for_spec
from corp.backtest.types import AG_HEDGES
from corp.core import types as t
from corp.core.params import pack_run_spec, param_vector
from corp.market.synthetic import compose_stream
from corp.market.types import SIDE_BID
from tests.unit.backtest._streams import FEED_NS, START_NS, depth, sell_trade, stream, touch_book
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


# hedges in flight: a decision every millisecond, while a hedge takes 20 ms to reach the exchange
# and its fill 20 ms more to come back, so most decisions fall inside another hedge's round trip
IN_FLIGHT = dict(
    kind=t.KIND_INTEGRATED,
    gamma=0.1,
    sigma=0.01,
    k=200.0,
    base_size=0.1,
    lot_size=0.001,
    base_spread_frac=0.0001,
    hedge_enabled=1,
    hedge_deadband=0.05,
    max_hedge_frac=0.1,
    hedge_interval_ns=1_000_000,
    hedge_move_frac=0.0,
    entry_latency_ns=20_000_000,
    response_latency_ns=20_000_000,
)


def test_a_hedge_is_sized_on_the_inventory_net_of_the_hedges_already_in_flight() -> None:
    """Replays each hedge's decision from the fills: the inventory it saw is the position booked
    by then plus the hedges sent earlier whose fills had not come back; the hedge must have the
    opposite sign and at most that size (never overshoot past zero)."""
    params = param_vector(**IN_FLIGHT)
    result = run_backtest(compose_stream(duration_secs=60, seed=11), params)
    fills = result.fills
    entry_ns = int(IN_FLIGHT["entry_latency_ns"])
    hedges = fills[fills["maker"] == 0]
    sent_ns = hedges["exch_ts_ns"] - entry_ns  # constant latency: sent one entry latency before
    signed = fills["side"] * fills["qty"]
    overlapping = 0
    for h, sent in zip(hedges, sent_ns, strict=True):
        booked = signed[fills["local_ts_ns"] <= sent].sum()  # fills come before our update
        out = (sent_ns < sent) & (hedges["local_ts_ns"] > sent)
        in_flight = (hedges["side"][out] * hedges["qty"][out]).sum()
        overlapping += int(out.any())
        net = booked + in_flight
        assert abs(net) > IN_FLIGHT["hedge_deadband"]
        assert h["side"] == -np.sign(net)
        assert h["qty"] <= abs(net) + 1e-9
    assert hedges.size >= 5
    assert overlapping >= 3  # the case the test is about did happen
    assert result.agg[AG_HEDGES] == hedges.size  # none was refused (it would be invisible here)


MS = 1_000_000


def test_a_due_hedge_that_finds_no_free_slot_is_retried_at_the_next_update(monkeypatch) -> None:
    """Two order slots, both held by the naive quotes: the hedge due at 50 ms finds none. It must
    go out at the first update after a slot frees (70 ms), not wait for the next interval,
    by which time the quotes hold both slots again. Both loops, the same answer."""
    monkeypatch.setattr(bt, "MAX_ORDERS", 2)
    monkeypatch.setattr(reference, "MAX_ORDERS", 2)
    params = param_vector(
        kind=t.KIND_NAIVE,
        base_spread_frac=1e-6,  # join the touch on both sides
        base_size=0.5,
        lot_size=0.01,
        inventory_limit=2.0,
        concentration_limit_frac=0.0,
        hedge_enabled=1,
        hedge_deadband=0.0,
        max_hedge_frac=1.0,
        hedge_interval_ns=40 * MS,
        hedge_move_frac=0.0,
    )
    rows = [
        *touch_book(bid_qty=0.1),  # 0.1 ms: first decision (flat), bid and ask take both slots
        sell_trade(5_000, 1.0),  # our bid fills 0.5; we learn it at 6 ms, its slot frees
        depth(10_000, SIDE_BID, 99.99, 2.0),  # 10.1 ms: not due; the new bid takes the slot
        depth(50_000, SIDE_BID, 99.98, 1.0),  # 50.1 ms: due (long 0.5), no free slot
        depth(60_000, SIDE_BID, 99.97, 1.0),  # 60.1 ms: still none
        sell_trade(65_000, 1.0),  # the new bid fills 0.5: its slot frees at 66 ms
        depth(70_000, SIDE_BID, 99.96, 1.0),  # 70.1 ms: the retried hedge takes the slot
        depth(100_000, SIDE_BID, 99.95, 1.0),
        depth(140_000, SIDE_BID, 99.94, 1.0),
    ]
    ev = stream(rows)
    result = run_backtest(ev, params)
    hedges = result.fills[result.fills["maker"] == 0]
    # both bids filled: 0.5, then 0.46 (the naive size shrinks on the side adding inventory)
    bought = result.fills[result.fills["maker"] == 1]["qty"]
    assert bought == pytest.approx([0.5, 0.46])
    assert hedges.size == 1
    assert hedges["side"][0] == -1
    assert hedges["qty"][0] == pytest.approx(0.96)  # the whole long, known at 70.1 ms
    assert hedges["exch_ts_ns"][0] == START_NS + 70_000_000 + FEED_NS + 1 * MS  # sent at 70.1
    ref_fills, ref_acct = reference.run_reference(ev, params)
    assert sorted((f.exch_ts_ns, f.side, f.maker, f.qty) for f in ref_fills) == sorted(
        (int(f["exch_ts_ns"]), int(f["side"]), bool(f["maker"]), float(f["qty"]))
        for f in result.fills
    )
    assert ref_acct["hedges"] == result.agg[AG_HEDGES] == 1
