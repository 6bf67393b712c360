"""A synthetic market: a mid walk, an L2 book on a level grid, market orders that sweep it.

The trade arrival times are an input (arrays of seconds for buy and sell aggressors), so any
arrival source plugs in: `poisson_arrivals` here for tests, the Hawkes simulator of `corp.quant` in
runs (`compose_stream` takes either). Everything else is drawn from one seeded
``numpy.random.Generator``, so a seed and the arrival arrays fix the stream bit for bit. Fully
vectorised: ~1M events in a fraction of a second.

The book: levels ``level_gap_ticks`` apart (the touch spread is one gap), ``n_levels`` a side,
sized by `corp.market.sweep.depth_profile` so that an aggressor of Pareto size reaches distance
delta from the touch with probability exp(-delta / trade_reach_quote): the fill intensity
A exp(-k delta) of quant.md, k = 1 / trade_reach_quote, A = the side's arrival rate x
exp(k gap / 2) measured from the mid. An aggressor prints one trade per level it reaches, from
the touch outward (as an exchange prints a sweep), so maker quotes deep in the book do fill.

Per event time the stream emits, all with the same timestamps: the level changes a best-price move
implies (deletions first, so the book never crosses), then the main rows (the sweep's prints, or a
depth refresh of a random level), then the refreshes (the swept levels back to their profile size,
or one random level of the other side).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from corp.market.sweep import DepthProfile, depth_profile, pareto_sizes_base, sweep
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
    n_levels: int = 20
    level_gap_ticks: int = 1
    trade_reach_quote: float = 0.03
    trade_size_min_base: float = 0.2
    trade_size_tail_alpha: float = 1.5
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


def profile_of(m: SyntheticMarket) -> DepthProfile:
    """The market's resting size per level (index 0 = the touch)."""
    if m.level_gap_ticks < 1:
        raise ValueError(f"level_gap_ticks must be >= 1, was {m.level_gap_ticks!r}")
    return depth_profile(
        n_levels=m.n_levels,
        gap_quote=m.level_gap_ticks * m.tick_size,
        k_per_quote=1.0 / m.trade_reach_quote,
        size_min_base=m.trade_size_min_base,
        tail_alpha=m.trade_size_tail_alpha,
        lot_base=m.lot_size,
    )


def generate_stream(
    buy_secs: np.ndarray,
    sell_secs: np.ndarray,
    *,
    duration_secs: float,
    rng: np.random.Generator,
    market: SyntheticMarket | None = None,
) -> np.ndarray:
    """Event array (EVENT_DTYPE) with sweeps at ``buy_secs``/``sell_secs`` (seconds from start)."""
    m = market or SyntheticMarket()
    buy_secs = np.asarray(buy_secs, dtype=np.float64)
    sell_secs = np.asarray(sell_secs, dtype=np.float64)
    for name, arr in (("buy_secs", buy_secs), ("sell_secs", sell_secs)):
        if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0.0):
            raise ValueError(f"{name} must be a 1-D array of finite non-negative seconds")
    profile = profile_of(m)
    gap = m.level_gap_ticks
    n_lv = m.n_levels
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
    is_trade = kinds > 0
    trade_k = np.flatnonzero(is_trade)

    # best bid (in level-grid units) follows the scaled Brownian mid; the ask is one level above
    dt = np.diff(times, prepend=0.0)
    walk = np.cumsum(rng.standard_normal(n_k) * np.sqrt(dt)) * (
        m.sigma_quote_per_sqrt_sec / (m.tick_size * gap)
    )
    tick0 = int(np.floor(m.mid0_quote / m.tick_size + 0.5))
    grid0 = tick0 // gap
    best_bid = grid0 + np.floor(walk).astype(np.int64)
    prev_bid = np.concatenate([[grid0], best_bid[:-1]])
    moves = np.abs(best_bid - prev_bid)
    lo = np.minimum(best_bid, prev_bid)
    up = best_bid > prev_bid

    sizes = pareto_sizes_base(
        rng, trade_k.size, size_min_base=m.trade_size_min_base, tail_alpha=m.trade_size_tail_alpha
    )
    n_reached, print_level, print_qty = sweep(sizes, profile, m.lot_size)
    rows_main = np.ones(n_k, dtype=np.int64)
    rows_main[trade_k] = n_reached

    per_k = 2 * moves + 2 * rows_main
    starts = np.concatenate([[0], np.cumsum(per_k)[:-1]]) + 2 * n_lv  # after the snapshot
    n_rows = 2 * n_lv + int(per_k.sum())
    out = np.zeros(n_rows, dtype=EVENT_DTYPE)
    ts = np.empty(n_rows, dtype=np.int64)
    kind = np.full(n_rows, EV_DEPTH, dtype=np.int32)
    side = np.empty(n_rows, dtype=np.int32)
    grid = np.empty(n_rows, dtype=np.int64)
    qty = np.empty(n_rows, dtype=np.float64)

    def noisy_level_qty(level: np.ndarray) -> np.ndarray:
        raw = profile.level_qty_base[level] * rng.uniform(0.5, 1.5, size=level.size)
        return np.maximum(np.round(raw / m.lot_size), 1.0) * m.lot_size

    # initial snapshot at start
    levels = np.arange(n_lv)
    ts[: 2 * n_lv] = m.start_ns
    side[:n_lv] = SIDE_BID
    grid[:n_lv] = grid0 - levels
    side[n_lv : 2 * n_lv] = SIDE_ASK
    grid[n_lv : 2 * n_lv] = grid0 + 1 + levels
    qty[: 2 * n_lv] = np.tile(profile.level_qty_base, 2)

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
        grid[del_rows] = level
        grid[add_rows] = level
        qty[del_rows] = 0.0
        # an added level sits (distance from the new touch) levels deep
        depth_in = np.where(up[k_of], moves[k_of] - 1 - j, j)
        qty[add_rows] = profile.level_qty_base[np.minimum(depth_in, n_lv - 1)]

    main = starts + 2 * moves
    ts[main] = event_ns
    ts[main + rows_main] = event_ns

    # depth events: a random level of a random side, then one of the other side
    dk = np.flatnonzero(~is_trade)
    offsets = rng.integers(0, n_lv, size=(2, dk.size))
    rand_side = np.where(rng.random(dk.size) < 0.5, SIDE_BID, SIDE_ASK)
    bb = best_bid[dk]
    side[main[dk]] = rand_side
    grid[main[dk]] = np.where(rand_side == SIDE_BID, bb - offsets[0], bb + 1 + offsets[0])
    qty[main[dk]] = noisy_level_qty(offsets[0])
    other = -rand_side
    side[main[dk] + 1] = other
    grid[main[dk] + 1] = np.where(other == SIDE_BID, bb - offsets[1], bb + 1 + offsets[1])
    qty[main[dk] + 1] = noisy_level_qty(offsets[1])

    # sweeps: one print per level reached, outward from the touch, then the levels refill
    k_of_print = np.repeat(trade_k, n_reached)
    buy = kinds[k_of_print] == 1  # a buy lifts the asks
    bb = best_bid[k_of_print]
    print_rows = main[k_of_print] + print_level
    refill_rows = print_rows + rows_main[k_of_print]
    print_grid = np.where(buy, bb + 1 + print_level, bb - print_level)
    ts[refill_rows] = event_ns[k_of_print]
    kind[print_rows] = EV_TRADE
    side[print_rows] = np.where(buy, SIDE_BUY, SIDE_SELL)
    grid[print_rows] = print_grid
    qty[print_rows] = print_qty
    side[refill_rows] = np.where(buy, SIDE_ASK, SIDE_BID)
    grid[refill_rows] = print_grid
    qty[refill_rows] = profile.level_qty_base[print_level]
    ts[print_rows] = event_ns[k_of_print]

    out["exch_ts_ns"] = ts
    jitter = rng.exponential(max(m.feed_jitter_mean_ns, 1), size=n_rows).astype(np.int64)
    out["local_ts_ns"] = np.maximum.accumulate(ts + m.feed_latency_ns + jitter)
    out["kind"] = kind
    out["side"] = side
    out["price"] = (grid * gap) * m.tick_size
    out["qty"] = qty
    return out
