"""The njit loop on hand-built streams: queue position, latency, fees, breaker."""

from __future__ import annotations

import numpy as np
import pytest

from corp.backtest import types as bt
from corp.backtest.engine import run_backtest
from corp.backtest.loop import event_ticks_nb, latency_ns_nb
from corp.core import types as t
from corp.core.params import param_vector
from corp.market.types import EV_DEPTH, EV_DEPTH_CLEAR, SIDE_ASK, SIDE_BID

from ._streams import START_NS, depth, sell_trade, stream, touch_book

MS = 1_000_000


def join_touch(**overrides: float) -> np.ndarray:
    """Naive quotes that join the touch on both sides (half spread far below one tick)."""
    values = dict(
        kind=t.KIND_NAIVE,
        base_spread_frac=1e-6,
        base_size=0.5,
        lot_size=0.01,
        entry_latency_ns=1 * MS,
        response_latency_ns=1 * MS,
        maker_fee_frac=-0.0001,
        concentration_limit_frac=0.0,
    )
    values.update(overrides)
    return param_vector(**values)


def bid_fills(result) -> np.ndarray:
    return result.fills[result.fills["side"] == 1]


def test_no_fill_until_the_queue_ahead_is_consumed() -> None:
    ev = stream([*touch_book(bid_qty=1.0), sell_trade(5_000, 0.6), sell_trade(6_000, 0.5)])
    fills = bid_fills(run_backtest(ev, join_touch()))
    assert fills.size == 1
    assert fills["exch_ts_ns"][0] == START_NS + 6_000_000  # the second trade, not the first
    assert fills["qty"][0] == pytest.approx(0.1)  # 0.6 + 0.5 traded, 1.0 was ahead of us
    assert fills["price"][0] == pytest.approx(100.00)


def test_an_order_still_travelling_is_not_filled() -> None:
    ev = stream([*touch_book(bid_qty=0.1), sell_trade(2_000, 1.0), sell_trade(20_000, 1.0)])
    slow = bid_fills(run_backtest(ev, join_touch(entry_latency_ns=10 * MS)))
    fast = bid_fills(run_backtest(ev, join_touch(entry_latency_ns=1 * MS)))
    assert fast["exch_ts_ns"][0] == START_NS + 2_000_000
    assert slow["exch_ts_ns"][0] == START_NS + 20_000_000  # the first trade came before arrival


def test_fill_reaches_us_after_the_response_latency() -> None:
    ev = stream([*touch_book(bid_qty=0.1), sell_trade(5_000, 1.0)])
    fills = bid_fills(run_backtest(ev, join_touch(response_latency_ns=3 * MS)))
    assert fills["local_ts_ns"][0] - fills["exch_ts_ns"][0] == 3 * MS


def test_a_late_cancel_does_not_save_the_order_from_a_fill() -> None:
    # at 5 ms the bid level grows deeper and the best ask moves up: our quote moves, so we cancel
    # the 100.00 bid; a sell trade at 100.00 lands 2 ms later, before a slow cancel arrives.
    rows = [
        *touch_book(bid_qty=0.1),
        depth(5_000, SIDE_ASK, 100.01, 0.0),
        depth(5_000, SIDE_BID, 100.01, 1.0),
        sell_trade(7_000, 1.0),
    ]
    ev = stream(rows)
    slow = bid_fills(run_backtest(ev, join_touch(entry_latency_ns=5 * MS)))
    fast = bid_fills(run_backtest(ev, join_touch(entry_latency_ns=1 * MS)))
    assert 100.00 in slow["price"]
    assert 100.00 not in fast["price"]


def test_fees_and_rebates_add_up_to_the_cash_change() -> None:
    ev = stream(
        [*touch_book(bid_qty=0.1, ask_qty=0.1), sell_trade(5_000, 1.0), (6_000, 2, 1, 100.01, 1.0)]
    )
    result = run_backtest(ev, join_touch(maker_fee_frac=-0.0002))
    fills = result.fills
    assert fills.size == 2
    expected_fees = (fills["price"] * fills["qty"] * -0.0002).sum()
    assert fills["fee_quote"].sum() == pytest.approx(expected_fees)
    assert result.acct[t.A_FEES] == pytest.approx(expected_fees)
    cash_change = -(fills["side"] * fills["price"] * fills["qty"]).sum() - expected_fees
    assert result.acct[t.A_CASH] - 10_000.0 == pytest.approx(cash_change)
    assert result.acct[t.A_CASH] - 10_000.0 == pytest.approx(0.5 * 0.01 + 0.0002 * 100.005)


def test_power_probability_queue_advances_on_cancels_ahead_where_risk_averse_does_not() -> None:
    rows = [
        *touch_book(bid_qty=1.0),
        depth(5_000, SIDE_BID, 100.00, 2.0),  # 1.0 joins behind us
        depth(6_000, SIDE_BID, 100.00, 1.5),  # 0.5 cancels: half of it from ahead at n = 2
        sell_trade(7_000, 0.8),
    ]
    ev = stream(rows)
    averse = bid_fills(run_backtest(ev, join_touch(queue_model=t.QUEUE_RISK_AVERSE)))
    power = bid_fills(run_backtest(ev, join_touch(queue_model=t.QUEUE_POWER_PROB, queue_power_n=2)))
    assert averse.size == 0
    assert power["qty"].sum() == pytest.approx(0.05)  # front 0.75 after the cancel, 0.8 traded


def test_whole_order_fills_when_partial_fills_are_off() -> None:
    ev = stream([*touch_book(bid_qty=1.0), sell_trade(5_000, 1.1)])
    fills = bid_fills(run_backtest(ev, join_touch(partial_fills=0)))
    assert fills["qty"].sum() == pytest.approx(0.5)


def test_a_post_only_order_that_would_cross_on_arrival_is_rejected() -> None:
    # we see the book late (feed latency) while the exchange's ask already dropped onto our bid
    rows = [*touch_book(bid_qty=1.0), depth(500, SIDE_ASK, 100.00, 1.0)]
    ev = stream(rows)
    result = run_backtest(ev, join_touch(entry_latency_ns=1 * MS))
    assert result.agg[bt.AG_REJECTS] >= 1


def test_breaker_halts_quoting_inside_the_loop_after_a_loss() -> None:
    # we buy 0.5 at 100.00, then the whole book drops by one quote currency unit
    rows = [*touch_book(bid_qty=0.1), sell_trade(5_000, 1.0)]
    rows += [depth(10_000, side, px, 0.0) for side, px in touch_levels()]
    rows += [depth(10_000, SIDE_BID, 99.00, 1.0), depth(10_000, SIDE_ASK, 99.01, 1.0)]
    rows += [depth(20_000 + i * 1_000, SIDE_BID, 99.00, 1.0 + i) for i in range(5)]
    params = join_touch(initial_capital=10.0, daily_loss_limit_frac=0.01, max_drawdown_frac=0.0)
    result = run_backtest(stream(rows), params)
    assert result.breaker[t.B_STATE] == t.CB_HALTED
    assert result.agg[bt.AG_TIME_IN_STATE_NS + t.CB_HALTED] > 0
    assert not (result.fills["exch_ts_ns"] > START_NS + 10_000_000).any()


def touch_levels() -> list[tuple[int, float]]:
    return [(SIDE_BID, 100.00), (SIDE_BID, 99.99), (SIDE_ASK, 100.01), (SIDE_ASK, 100.02)]


def test_requoting_every_100ms_sends_fewer_orders_than_on_every_event() -> None:
    rows = [*touch_book()]
    for i in range(1, 200):
        rows.append(depth(i * 1_000, SIDE_BID, 100.00 - 0.01 * (i % 2), 1.0 + 0.1 * (i % 3)))
        rows.append(depth(i * 1_000, SIDE_BID, 99.99 + 0.01 * (i % 2), 0.0))
    ev = stream(rows)
    every = run_backtest(ev, join_touch())
    grid = run_backtest(ev, join_touch(requote_interval_ns=100 * MS))
    assert grid.agg[bt.AG_ORDERS_SENT] < every.agg[bt.AG_ORDERS_SENT]


def test_latency_table_is_interpolated_between_rows() -> None:
    table = np.array([[0.0, 1e6, 2e6], [10.0, 3e6, 4e6]])
    assert latency_ns_nb(table, 5, 1, 0.0) == 2_000_000
    assert latency_ns_nb(table, 5, 2, 0.0) == 3_000_000
    assert latency_ns_nb(table, 100, 1, 0.0) == 3_000_000
    assert latency_ns_nb(np.zeros((0, 3)), 5, 1, 7.0) == 7


def test_event_ticks_match_rounding_each_price_and_skip_book_clears() -> None:
    rng = np.random.default_rng(5)
    ev = stream([depth(i, 1 if i % 2 else -1, 100.0 + rng.integers(-300, 300) * 0.01, 1.0)
                 for i in range(400)])  # fmt: skip
    ev["kind"][[7, 100, 399]] = EV_DEPTH_CLEAR
    ev["price"][[7, 100, 399]] = [np.nan, 1e9, -3.0]  # a clear's price means nothing
    out = np.zeros(ev.size, dtype=np.int64)
    lo, hi = event_ticks_nb(ev, 0.01, 50, out)
    priced = ev["kind"] != EV_DEPTH_CLEAR
    want = np.where(priced, np.floor(np.where(priced, ev["price"], 0.0) / 0.01 + 0.5), 0)
    assert np.array_equal(out, want.astype(np.int64))
    assert (lo, hi) == (out[50:][priced[50:]].min(), out[50:][priced[50:]].max())
    ev["kind"][:] = EV_DEPTH  # no clear: the other branch
    lo2, hi2 = event_ticks_nb(ev, 0.01, 50, out)
    assert (lo2, hi2) == (out[50:].min(), out[50:].max())
    assert event_ticks_nb(ev, 0.01, ev.size, out) == (0, 0)  # no new row: no range
