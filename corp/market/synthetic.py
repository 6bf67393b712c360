"""A first synthetic market: a tick-level mid walk, an L2 book around it, trades at given times.

The trade arrival times are an input (arrays of seconds for buy and sell aggressors), so any
arrival source plugs in: `poisson_arrivals` here for tests, the Hawkes simulator of `corp.quant` in
runs (`compose_stream` takes either). Everything else is drawn from one seeded
``numpy.random.Generator``, so a seed and the arrival arrays fix the stream bit for bit. Fully
vectorised: ~1M events in a fraction of a second.

Per event time the stream emits, all with the same timestamps: the level changes a best-price move
implies (deletions first, so the book never crosses), then the main row (a trade, or a depth
refresh of a random level), then a refresh of one level (the traded level after a trade).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from corp.market.types import (
    EV_DEPTH,
    EV_TRADE,
    EVENT_DTYPE,
    SIDE_ASK,
    SIDE_BID,
    SIDE_BUY,
    SIDE_SELL,
)

__all__ = ["SyntheticMarket", "compose_stream", "generate_stream", "poisson_arrivals"]

ArrivalSource = Callable[[np.random.Generator, float], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True, kw_only=True)
class SyntheticMarket:
    """Shape of the synthetic market (units in the names)."""

    start_ns: int = 1_700_000_000_000_000_000
    mid0_quote: float = 100.0
    tick_size: float = 0.01
    lot_size: float = 0.001
    sigma_quote_per_sqrt_sec: float = 0.01
    depth_rate_per_sec: float = 20.0
    n_levels: int = 10
    level_qty_base: float = 1.0
    trade_qty_mean_base: float = 0.3
    feed_latency_ns: int = 500_000
    feed_jitter_mean_ns: int = 200_000


def poisson_arrivals(
    rate_per_sec: float, duration_secs: float, rng: np.random.Generator
) -> np.ndarray:
    """Homogeneous Poisson arrival times in [0, duration_secs) (a stand-in for Hawkes arrivals)."""
    if rate_per_sec <= 0.0 or duration_secs <= 0.0:
        return np.empty(0, dtype=np.float64)
    n = rng.poisson(rate_per_sec * duration_secs)
    return np.sort(rng.uniform(0.0, duration_secs, size=n))


def _poisson_source(rate_per_sec: float) -> ArrivalSource:
    def source(rng: np.random.Generator, duration_secs: float) -> tuple[np.ndarray, np.ndarray]:
        return (
            poisson_arrivals(rate_per_sec, duration_secs, rng),
            poisson_arrivals(rate_per_sec, duration_secs, rng),
        )

    return source


def compose_stream(
    *,
    duration_secs: float,
    seed: int,
    market: SyntheticMarket | None = None,
    arrivals: ArrivalSource | None = None,
    trade_rate_per_sec: float = 2.0,
) -> np.ndarray:
    """Draw (buy, sell) trade times from ``arrivals`` (default Poisson per side); build a stream."""
    rng = np.random.default_rng(seed)
    source = arrivals if arrivals is not None else _poisson_source(trade_rate_per_sec)
    buy_secs, sell_secs = source(rng, duration_secs)
    return generate_stream(buy_secs, sell_secs, duration_secs=duration_secs, rng=rng, market=market)


def generate_stream(
    buy_secs: np.ndarray,
    sell_secs: np.ndarray,
    *,
    duration_secs: float,
    rng: np.random.Generator,
    market: SyntheticMarket | None = None,
) -> np.ndarray:
    """Event array (EVENT_DTYPE) with trades at ``buy_secs``/``sell_secs`` (seconds from start)."""
    m = market or SyntheticMarket()
    buy_secs = np.asarray(buy_secs, dtype=np.float64)
    sell_secs = np.asarray(sell_secs, dtype=np.float64)
    for name, arr in (("buy_secs", buy_secs), ("sell_secs", sell_secs)):
        if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0.0):
            raise ValueError(f"{name} must be a 1-D array of finite non-negative seconds")
    depth_secs = poisson_arrivals(m.depth_rate_per_sec, duration_secs, rng)
    times = np.concatenate([depth_secs, buy_secs, sell_secs])
    kinds = np.concatenate(
        [
            np.zeros(depth_secs.size, np.int8),
            np.ones(buy_secs.size, np.int8),
            np.full(sell_secs.size, 2, np.int8),
        ]
    )
    order = np.argsort(times, kind="stable")
    times = times[order]
    kinds = kinds[order]
    n_k = times.size

    # best bid in ticks follows the scaled Brownian mid; the ask is one tick above
    dt = np.diff(times, prepend=0.0)
    walk = np.cumsum(rng.standard_normal(n_k) * np.sqrt(dt)) * (
        m.sigma_quote_per_sqrt_sec / m.tick_size
    )
    tick0 = int(np.floor(m.mid0_quote / m.tick_size + 0.5))
    best_bid = tick0 + np.floor(walk).astype(np.int64)
    prev_bid = np.concatenate([[tick0], best_bid[:-1]])
    moves = np.abs(best_bid - prev_bid)
    lo = np.minimum(best_bid, prev_bid)
    up = best_bid > prev_bid

    per_k = 2 * moves + 2
    starts = np.concatenate([[0], np.cumsum(per_k)[:-1]]) + 2 * m.n_levels  # after the snapshot
    n_rows = 2 * m.n_levels + int(per_k.sum())
    out = np.zeros(n_rows, dtype=EVENT_DTYPE)
    ts = np.empty(n_rows, dtype=np.int64)
    kind = np.full(n_rows, EV_DEPTH, dtype=np.int32)
    side = np.empty(n_rows, dtype=np.int32)
    tick = np.empty(n_rows, dtype=np.int64)
    qty = np.empty(n_rows, dtype=np.float64)

    def level_qty(size: int) -> np.ndarray:
        raw = m.level_qty_base * rng.uniform(0.5, 1.5, size=size)
        return np.maximum(np.round(raw / m.lot_size), 1.0) * m.lot_size

    # initial snapshot at start
    levels = np.arange(m.n_levels)
    snap = slice(0, 2 * m.n_levels)
    ts[snap] = m.start_ns
    side[: m.n_levels] = SIDE_BID
    tick[: m.n_levels] = tick0 - levels
    side[m.n_levels : 2 * m.n_levels] = SIDE_ASK
    tick[m.n_levels : 2 * m.n_levels] = tick0 + 1 + levels
    qty[snap] = level_qty(2 * m.n_levels)

    event_ns = m.start_ns + np.round(times * 1e9).astype(np.int64)
    # move rows: deletions of the side being crossed, then additions on the other side
    total_moves = int(moves.sum())
    if total_moves:
        k_of = np.repeat(np.arange(n_k), moves)
        j = np.arange(total_moves) - np.repeat(np.cumsum(moves) - moves, moves)
        level = lo[k_of] + 1 + j
        del_rows = starts[k_of] + j
        add_rows = starts[k_of] + moves[k_of] + j
        ts[del_rows] = event_ns[k_of]
        ts[add_rows] = event_ns[k_of]
        side[del_rows] = np.where(up[k_of], SIDE_ASK, SIDE_BID)
        side[add_rows] = np.where(up[k_of], SIDE_BID, SIDE_ASK)
        tick[del_rows] = level
        tick[add_rows] = level
        qty[del_rows] = 0.0
        qty[add_rows] = level_qty(total_moves)

    main = starts + 2 * moves
    refresh = main + 1
    ts[main] = event_ns
    ts[refresh] = event_ns
    is_trade = kinds > 0
    trade_side = np.where(kinds == 1, SIDE_BUY, SIDE_SELL)
    touched = np.where(kinds == 1, best_bid + 1, best_bid)  # a buy lifts the ask
    offsets = rng.integers(0, m.n_levels, size=(2, n_k))
    rand_side = np.where(rng.random(n_k) < 0.5, SIDE_BID, SIDE_ASK)
    rand_tick = np.where(rand_side == SIDE_BID, best_bid - offsets[0], best_bid + 1 + offsets[0])
    trade_qty = (
        np.maximum(np.round(rng.exponential(m.trade_qty_mean_base, size=n_k) / m.lot_size), 1.0)
        * m.lot_size
    )
    kind[main] = np.where(is_trade, EV_TRADE, EV_DEPTH)
    side[main] = np.where(is_trade, trade_side, rand_side)
    tick[main] = np.where(is_trade, touched, rand_tick)
    qty[main] = np.where(is_trade, trade_qty, level_qty(n_k))
    other_side = -rand_side
    other_tick = np.where(other_side == SIDE_BID, best_bid - offsets[1], best_bid + 1 + offsets[1])
    side[refresh] = np.where(is_trade, np.where(kinds == 1, SIDE_ASK, SIDE_BID), other_side)
    tick[refresh] = np.where(is_trade, touched, other_tick)
    qty[refresh] = level_qty(n_k)

    out["exch_ts_ns"] = ts
    jitter = rng.exponential(max(m.feed_jitter_mean_ns, 1), size=n_rows).astype(np.int64)
    out["local_ts_ns"] = np.maximum.accumulate(ts + m.feed_latency_ns + jitter)
    out["kind"] = kind
    out["side"] = side
    out["price"] = tick * m.tick_size
    out["qty"] = qty
    return out
