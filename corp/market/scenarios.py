"""Scenario generator: Hawkes order flow at the seed's cluster levels, and stress scenarios.

Each scenario is a pure function of :class:`ScenarioParams` (seeded, deterministic) that returns an
engine event array (``corp.market.types.EVENT_DTYPE``) plus the ground truth a test or a
calibration report needs (mid path, trade times and sides, the Hawkes segments, the stress window).

The market:
- trades: bivariate buy/sell Hawkes flow (``corp.quant.hawkes``), mark 0 = buy aggressor, 1 = sell;
  the baseline mu per side is set so that the calm flow has ``trade_rate_per_sec`` trades/s in
  total: mu_side = rate / 2 * (1 - rho), rho the spectral radius of G = alpha / beta;
- mid: S0 + sigma W_t (arithmetic, sigma_quote/sqrt(s) = S0 * volatility_daily_pct / sqrt(86400))
  + the permanent impact of trades (``impact_bps`` per trade of mean size, signed by the
  aggressor) + the scenario's price overlay (flash crash);
- book: after every trade and every ``book_interval_secs`` a snapshot of ``book_levels`` levels a
  side (EV_DEPTH_CLEAR then EV_DEPTH rows, one tick apart) around the mid at
  ``book_half_spread_bps``;
- trade prices: the touch plus an exponential "reach" with mean ``trade_reach_bps`` (rounded out
  to ticks), so the arrivals that reach a distance delta from the mid decay like A e^{-k delta}:
  the fill-intensity calibration has something real to find.

Stress families (seed 11.5 / 11.7 and the brief), all acting inside the window
[event_start_secs, event_start_secs + event_duration_secs):
- ``none``: the plain Hawkes cluster level (low 0.125, medium 0.5, high 0.875, critical 0.95);
- ``volume_spike``: baseline flow x ``intensity_multiplier``;
- ``liquidity_drought``: flow x ``intensity_multiplier`` (< 1), half-spread x
  ``spread_multiplier``, depth x ``depth_multiplier``;
- ``inventory_stress``: one-sided flow, a ``sell_share`` of the baseline is sells (impact drags the
  mid down: a market maker accumulates a long inventory);
- ``flash_crash``: the mid falls ``crash_depth_pct`` linearly over the window, then recovers
  ``recovery_pct`` of the fall over ``recovery_secs``; flow x ``intensity_multiplier`` with a
  ``sell_share`` of sells, spread and depth multiplied as in a drought;
- ``hawkes_drift``: at event_start_secs the kernel switches to (``drift_alpha_per_sec``,
  ``drift_beta_per_sec``) and mu x ``drift_mu_multiplier`` until the end (drill F: mu x 1.5,
  alpha 0.95, beta 1.0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal, get_args

import numpy as np

from corp.errors import SpecError
from corp.market.types import (
    EV_DEPTH,
    EV_DEPTH_CLEAR,
    EV_TRADE,
    EVENT_DTYPE,
    SIDE_ASK,
    SIDE_BID,
    SIDE_BUY,
    SIDE_SELL,
)
from corp.quant.hawkes import simulate_piecewise, spectral_radius
from corp.spec.derived import sigma_quote_per_sqrt_sec

__all__ = [
    "CLUSTER_LEVELS",
    "STRESS_KINDS",
    "Scenario",
    "ScenarioParams",
    "Stress",
    "events_from_spec",
    "generate",
    "params_from_spec",
]

Stress = Literal[
    "none",
    "volume_spike",
    "liquidity_drought",
    "inventory_stress",
    "flash_crash",
    "hawkes_drift",
]
STRESS_KINDS: tuple[str, ...] = get_args(Stress)

CLUSTER_LEVELS: dict[str, tuple[float, float]] = {
    "low": (0.1, 0.8),
    "medium": (0.4, 0.8),
    "high": (0.7, 0.8),
    "critical": (0.95, 1.0),
}
"""Seed 2.6.1 cluster levels (alpha, beta) per second: branching 0.125, 0.5, 0.875; critical is
drill F's 0.95/1.0 (branching 0.95, the alarm threshold)."""

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class ScenarioParams:
    """Every knob of a scenario; the field names match ``market.*`` of the scenario market kind."""

    stress: Stress = "none"
    base_price_quote: float = 50_000.0
    volatility_daily_pct: float = 0.02
    tick_size_quote: float = 0.1
    lot_size_base: float = 0.01
    seed: int = 42
    duration_secs: float = 3_600.0
    start_ns: int = 1_767_225_600 * _NS  # 2026-01-01T00:00:00Z
    trade_rate_per_sec: float = 1.0
    hawkes_alpha_per_sec: float = 0.4
    hawkes_beta_per_sec: float = 0.8
    cross_alpha_per_sec: float = 0.0
    book_half_spread_bps: float = 1.0
    book_depth_base: float = 1.0
    book_levels: int = 5
    book_interval_secs: float = 1.0
    trade_size_base: float = 0.05
    trade_reach_bps: float = 2.0
    impact_bps: float = 0.05
    feed_latency_ms: float = 5.0
    event_start_secs: float = 1_800.0
    event_duration_secs: float = 300.0
    intensity_multiplier: float = 1.0
    spread_multiplier: float = 1.0
    depth_multiplier: float = 1.0
    sell_share: float = 0.5
    crash_depth_pct: float = 0.10
    recovery_pct: float = 0.5
    recovery_secs: float = 600.0
    drift_alpha_per_sec: float = 0.95
    drift_beta_per_sec: float = 1.0
    drift_mu_multiplier: float = 1.5

    @property
    def sigma_quote_per_sqrt_sec(self) -> float:
        """The same conversion the policy's gamma bound uses (``corp.spec.derived``)."""
        return sigma_quote_per_sqrt_sec(self)

    @property
    def event_end_secs(self) -> float:
        return self.event_start_secs + self.event_duration_secs


@dataclass(frozen=True, slots=True)
class HawkesSegment:
    """Parameters in force on [start_secs, end_secs): mu (2,), alpha (2, 2), beta (2, 2)."""

    start_secs: float
    end_secs: float
    mu: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray

    @property
    def branching_ratio(self) -> float:
        return spectral_radius(self.alpha, self.beta)


@dataclass(frozen=True, slots=True)
class Scenario:
    """An event array for the engine plus the ground truth behind it."""

    params: ScenarioParams
    events: np.ndarray
    mid_times_secs: np.ndarray
    mid_quote: np.ndarray
    trade_times_secs: np.ndarray
    trade_marks: np.ndarray
    segments: tuple[HawkesSegment, ...]

    @property
    def n_trades(self) -> int:
        return int(self.trade_times_secs.size)


def params_from_spec(market: object) -> ScenarioParams:
    """Build params from a market spec model (or any object) with matching attribute names."""
    values = {
        f.name: getattr(market, f.name) for f in fields(ScenarioParams) if hasattr(market, f.name)
    }
    return ScenarioParams(**values)


def _validate(p: ScenarioParams) -> None:
    if p.stress not in STRESS_KINDS:
        raise SpecError(f"market.stress must be one of {list(STRESS_KINDS)}, was {p.stress!r}")
    positive = (
        "base_price_quote",
        "volatility_daily_pct",
        "tick_size_quote",
        "lot_size_base",
        "duration_secs",
        "trade_rate_per_sec",
        "hawkes_beta_per_sec",
        "book_half_spread_bps",
        "book_depth_base",
        "book_interval_secs",
        "trade_size_base",
        "trade_reach_bps",
        "intensity_multiplier",
        "spread_multiplier",
        "depth_multiplier",
        "drift_beta_per_sec",
        "drift_mu_multiplier",
        "recovery_secs",
    )
    for name in positive:
        v = getattr(p, name)
        if not (math.isfinite(v) and v > 0):
            raise SpecError(f"market.{name} must be a finite positive number, was {v!r}")
    for name in (
        "hawkes_alpha_per_sec",
        "cross_alpha_per_sec",
        "drift_alpha_per_sec",
        "impact_bps",
        "feed_latency_ms",
        "event_start_secs",
    ):
        v = getattr(p, name)
        if not (math.isfinite(v) and v >= 0):
            raise SpecError(f"market.{name} must be a finite non-negative number, was {v!r}")
    for name in ("sell_share", "recovery_pct"):
        v = getattr(p, name)
        if not 0.0 <= v <= 1.0:
            raise SpecError(f"market.{name} must lie in [0, 1], was {v!r}")
    if not 0.0 < p.crash_depth_pct < 1.0:
        raise SpecError(f"market.crash_depth_pct must lie in (0, 1), was {p.crash_depth_pct!r}")
    if p.book_levels < 1:
        raise SpecError(f"market.book_levels must be >= 1, was {p.book_levels!r}")
    if p.stress != "none" and not (0.0 < p.event_start_secs < p.duration_secs):
        raise SpecError(
            f"market.event_start_secs must lie inside (0, duration_secs={p.duration_secs}), "
            f"was {p.event_start_secs!r}"
        )
    if p.stress != "none" and p.event_duration_secs <= 0:
        raise SpecError(f"market.event_duration_secs must be > 0, was {p.event_duration_secs!r}")


def _kernel(alpha: float, beta: float, cross: float) -> tuple[np.ndarray, np.ndarray]:
    a = np.array([[alpha, cross], [cross, alpha]], dtype=np.float64)
    return a, np.full((2, 2), beta)


def _segments(p: ScenarioParams) -> list[HawkesSegment]:
    a, b = _kernel(p.hawkes_alpha_per_sec, p.hawkes_beta_per_sec, p.cross_alpha_per_sec)
    rho = spectral_radius(a, b)
    if rho >= 1.0:
        raise SpecError(
            f"market Hawkes flow must be stationary: (hawkes_alpha + cross_alpha) / hawkes_beta "
            f"must be < 1, was {rho:.4g}"
        )
    mu_side = p.trade_rate_per_sec / 2.0 * (1.0 - rho)
    base_mu = np.array([mu_side, mu_side])
    T = p.duration_secs
    s, e = min(p.event_start_secs, T), min(p.event_end_secs, T)

    def seg(t0: float, t1: float, mu: np.ndarray, al: np.ndarray, be: np.ndarray) -> HawkesSegment:
        return HawkesSegment(t0, t1, mu, al, be)

    if p.stress == "none":
        return [seg(0.0, T, base_mu, a, b)]
    if p.stress == "hawkes_drift":
        a2, b2 = _kernel(p.drift_alpha_per_sec, p.drift_beta_per_sec, p.cross_alpha_per_sec)
        rho2 = spectral_radius(a2, b2)
        if rho2 >= 1.0:
            raise SpecError(
                f"market drift kernel must be stationary: drift_alpha / drift_beta must be < 1, "
                f"was {rho2:.4g}"
            )
        return [seg(0.0, s, base_mu, a, b), seg(s, T, base_mu * p.drift_mu_multiplier, a2, b2)]
    total = 2.0 * mu_side * p.intensity_multiplier
    if p.stress in ("inventory_stress", "flash_crash"):
        stressed = np.array([total * (1.0 - p.sell_share), total * p.sell_share])
    else:
        stressed = np.array([total / 2.0, total / 2.0])
    stressed = np.maximum(stressed, 1e-9)  # an all-sell window keeps a vanishing buy baseline
    out = [seg(0.0, s, base_mu, a, b), seg(s, e, stressed, a, b)]
    if e < T:
        out.append(seg(e, T, base_mu, a, b))
    return out


def _crash_overlay(p: ScenarioParams, t: np.ndarray) -> np.ndarray:
    """Price offset (quote) of the flash crash: linear fall, then partial linear recovery."""
    drop = p.crash_depth_pct * p.base_price_quote
    s, e = p.event_start_secs, p.event_end_secs
    fall = np.clip((t - s) / p.event_duration_secs, 0.0, 1.0)
    rec = np.clip((t - e) / p.recovery_secs, 0.0, 1.0)
    return -drop * fall + drop * p.recovery_pct * rec


def _window_factor(p: ScenarioParams, t: np.ndarray, factor: float) -> np.ndarray:
    inside = (t >= p.event_start_secs) & (t < p.event_end_secs)
    return np.where(inside, factor, 1.0)


def generate(params: ScenarioParams) -> Scenario:
    """Build the scenario's event array (sorted by exch_ts_ns) and its ground truth."""
    p = params
    _validate(p)
    segs = _segments(p)
    seg_spec = [(sg.end_secs, sg.mu, sg.alpha, sg.beta) for sg in segs]
    trade_t, marks = simulate_piecewise(seg_spec, seed=p.seed)
    rng = np.random.default_rng([p.seed, 1])  # independent stream for prices and sizes
    T = p.duration_secs
    grid = np.arange(0.0, T, p.book_interval_secs)
    # all update times: trades first at equal times so the post-trade snapshot follows the print
    times = np.concatenate([trade_t, grid])
    is_trade = np.concatenate([np.ones(trade_t.size, bool), np.zeros(grid.size, bool)])
    order = np.lexsort((~is_trade, times))
    times, is_trade = times[order], is_trade[order]
    n = times.size
    trade_idx = np.flatnonzero(is_trade)
    trade_marks = marks  # trades keep their time order within ``times``

    dt = np.diff(times, prepend=0.0)
    brownian = np.cumsum(rng.standard_normal(n) * np.sqrt(dt)) * p.sigma_quote_per_sqrt_sec
    qty = (
        np.maximum(
            np.round(rng.exponential(p.trade_size_base, trade_t.size) / p.lot_size_base), 1.0
        )
        * p.lot_size_base
    )
    sign = np.where(trade_marks == 0, 1.0, -1.0)
    impact_step = np.zeros(n)
    impact_step[trade_idx] = (
        sign * p.impact_bps * 1e-4 * p.base_price_quote * qty / p.trade_size_base
    )
    impact_after = np.cumsum(impact_step)
    impact_before = impact_after - impact_step
    overlay = _crash_overlay(p, times) if p.stress == "flash_crash" else np.zeros(n)
    floor = p.tick_size_quote * (p.book_levels + 2)
    mid_before = np.maximum(p.base_price_quote + brownian + impact_before + overlay, floor)
    mid_after = np.maximum(p.base_price_quote + brownian + impact_after + overlay, floor)

    stressed_book = p.stress in ("liquidity_drought", "flash_crash")
    spread_f = _window_factor(p, times, p.spread_multiplier) if stressed_book else np.ones(n)
    depth_f = _window_factor(p, times, p.depth_multiplier) if stressed_book else np.ones(n)
    tick = p.tick_size_quote
    half = p.book_half_spread_bps * 1e-4 * spread_f
    bid = np.floor(mid_after * (1.0 - half) / tick) * tick
    ask = np.maximum(np.ceil(mid_after * (1.0 + half) / tick) * tick, bid + tick)

    # trade prints at the pre-trade touch plus an exponential reach
    mb = mid_before[trade_idx]
    h_t = half[trade_idx]
    reach = rng.exponential(p.trade_reach_bps * 1e-4, trade_t.size) * mb
    buy_px = np.ceil((mb * (1.0 + h_t) + reach) / tick) * tick
    sell_px = np.floor((mb * (1.0 - h_t) - reach) / tick) * tick
    trade_px = np.where(trade_marks == 0, buy_px, np.maximum(sell_px, tick))

    L = p.book_levels
    per_update = 2 + 2 * L
    n_events = trade_t.size + n * per_update
    ev = np.zeros(n_events, dtype=EVENT_DTYPE)
    ts_ns = p.start_ns + np.round(times * _NS).astype(np.int64)
    # row layout: for each update time, [trade?] clear-bid clear-ask bid levels ask levels
    rows_per_time = per_update + is_trade.astype(np.int64)
    start_row = np.concatenate([[0], np.cumsum(rows_per_time)[:-1]])
    tr_rows = start_row[trade_idx]
    ev["kind"][tr_rows] = EV_TRADE
    ev["side"][tr_rows] = np.where(trade_marks == 0, SIDE_BUY, SIDE_SELL)
    ev["price"][tr_rows] = trade_px
    ev["qty"][tr_rows] = qty
    ev["exch_ts_ns"][tr_rows] = ts_ns[trade_idx]
    book0 = start_row + is_trade.astype(np.int64)
    ev["kind"][book0] = EV_DEPTH_CLEAR
    ev["side"][book0] = SIDE_BID
    ev["kind"][book0 + 1] = EV_DEPTH_CLEAR
    ev["side"][book0 + 1] = SIDE_ASK
    ev["exch_ts_ns"][book0] = ts_ns
    ev["exch_ts_ns"][book0 + 1] = ts_ns
    depth = np.round(p.book_depth_base * depth_f / p.lot_size_base).clip(1) * p.lot_size_base
    for lv in range(L):
        rb = book0 + 2 + lv
        ra = book0 + 2 + L + lv
        ev["kind"][rb] = EV_DEPTH
        ev["side"][rb] = SIDE_BID
        ev["price"][rb] = np.maximum(bid - lv * tick, tick)
        ev["qty"][rb] = depth
        ev["exch_ts_ns"][rb] = ts_ns
        ev["kind"][ra] = EV_DEPTH
        ev["side"][ra] = SIDE_ASK
        ev["price"][ra] = ask + lv * tick
        ev["qty"][ra] = depth
        ev["exch_ts_ns"][ra] = ts_ns
    latency_ns = p.feed_latency_ms * 1e6
    jitter = rng.exponential(latency_ns / 5.0 + 1.0, n_events)
    local = ev["exch_ts_ns"] + np.round(latency_ns + jitter).astype(np.int64)
    ev["local_ts_ns"] = np.maximum.accumulate(local)
    return Scenario(
        params=p,
        events=ev,
        mid_times_secs=times,
        mid_quote=mid_after,
        trade_times_secs=trade_t,
        trade_marks=trade_marks.astype(np.int8),
        segments=tuple(segs),
    )


def events_from_spec(market: object) -> np.ndarray:
    """The event array of a ``kind: scenario`` market spec (what a driver feeds the engine)."""
    kind = getattr(market, "kind", None)
    if kind != "scenario":
        raise SpecError(f"market.kind must be 'scenario' for the scenario generator, was {kind!r}")
    return generate(params_from_spec(market)).events
