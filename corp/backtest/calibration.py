"""The seed's calibration pipeline (sections 2.2-2.6) as pure functions over arrays.

Steps, each returning a small frozen record with its evidence:

- 2.2 gamma upper bound: gamma <= eta S / (Q sigma^2 tau) (``corp.spec.derived.gamma_upper_bound``,
  the same function the policy rule uses);
- 2.3 base spread from buckets: hypothetical quotes at each candidate half-spread around every book
  snapshot, filled when a trade reaches them within the snapshot interval, adverse selection = mid
  move against the fill over ``horizon_secs``; ``corp.quant.spread_buckets`` picks the robust best;
  the same trades give the fill intensity (A, k) (``corp.quant.fill_intensity``);
- 2.4 inventory limit: the largest Q whose stress backtests keep max drawdown and worst daily loss
  within the risk limits and the analytic bound Q S d <= daily loss budget (and concentration);
- 2.5 skew factor: the candidate minimising E|q| + w * E[tau_half(q)] over backtests, tau_half the
  OLS AR(1) half-life of the inventory (``corp.quant.half_life``);
- 2.6 Hawkes: bivariate buy/sell MLE with standard errors, spectral radius, KS/Ljung-Box per side,
  and the 25 %/75 % intensity thresholds of seed 2.6.2 as multiples of the long-run mean intensity
  (the unit of ``strategy.high_intensity_threshold``), mu per side (the strategy's ``mu_per_sec``).

Backtests come from a :class:`Backtester` the caller provides (the offline driver), so this module
stays pure and testable; 2.4 and 2.5 report ``status="skipped"`` with the reason when none is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from corp.errors import DataError
from corp.market.types import EV_DEPTH, EV_DEPTH_CLEAR, EV_TRADE, SIDE_ASK, SIDE_BID, SIDE_BUY
from corp.quant import hawkes
from corp.quant.fill_intensity import FillIntensityFit, fit_fill_intensity_from_distances
from corp.quant.half_life import half_life
from corp.quant.hawkes_online import intensity_thresholds
from corp.quant.spread_buckets import SpreadBucketTable, spread_bucket_analysis
from corp.spec.derived import gamma_upper_bound

__all__ = [
    "BacktestOutcome",
    "Backtester",
    "GammaBound",
    "HawkesCalibration",
    "InventoryLimitCalibration",
    "MarketSample",
    "SkewCalibration",
    "SpreadCalibration",
    "calibrate_gamma_bound",
    "calibrate_hawkes",
    "calibrate_inventory_limit",
    "calibrate_skew_factor",
    "calibrate_spread",
    "market_sample_from_events",
    "max_drawdown_pct",
    "worst_daily_loss_pct",
]

_NS = 1_000_000_000
_SECS_PER_DAY = 86_400.0


# --------------------------------------------------------------------------------------------
# market sample: the mid path and the trades of an event stream
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarketSample:
    """Mid at every book snapshot and every trade, times in seconds from the first event."""

    start_ns: int
    duration_secs: float
    mid_times_secs: np.ndarray
    mid_quote: np.ndarray
    trade_times_secs: np.ndarray
    trade_price: np.ndarray
    trade_qty: np.ndarray
    trade_is_buy: np.ndarray


def market_sample_from_events(events: np.ndarray) -> MarketSample:
    """Top of book from snapshot-style streams, and the trades.

    A snapshot is the EV_DEPTH rows sharing one exch_ts_ns after EV_DEPTH_CLEAR rows (our scenarios,
    OKX ``books5``); best bid/ask are the max/min priced levels with qty > 0 in it. Incremental L2
    streams need the engine's book instead.
    """
    ev = np.asarray(events)
    if ev.dtype.names is None or not {"exch_ts_ns", "kind", "side", "price", "qty"} <= set(
        ev.dtype.names
    ):
        raise DataError("calibration events must be EVENT_DTYPE records")
    if ev.size == 0:
        raise DataError("calibration events are empty")
    if np.any(np.diff(ev["exch_ts_ns"]) < 0):
        raise DataError("calibration events must be sorted by exch_ts_ns")
    start = int(ev["exch_ts_ns"][0])
    t = (ev["exch_ts_ns"] - start).astype(np.float64) / _NS
    depth = (ev["kind"] == EV_DEPTH) & (ev["qty"] > 0)
    ts_depth = ev["exch_ts_ns"][depth]
    if ts_depth.size == 0 or not np.any(ev["kind"] == EV_DEPTH_CLEAR):
        raise DataError("calibration needs snapshot-style depth (EV_DEPTH_CLEAR + EV_DEPTH rows)")
    uniq, first = np.unique(ts_depth, return_index=True)
    px = ev["price"][depth]
    side = ev["side"][depth]
    bid_px = np.where(side == SIDE_BID, px, -np.inf)
    ask_px = np.where(side == SIDE_ASK, px, np.inf)
    best_bid = np.maximum.reduceat(bid_px, first)
    best_ask = np.minimum.reduceat(ask_px, first)
    ok = np.isfinite(best_bid) & np.isfinite(best_ask)
    mid_t = (uniq[ok] - start).astype(np.float64) / _NS
    mid = 0.5 * (best_bid[ok] + best_ask[ok])
    tr = ev["kind"] == EV_TRADE
    return MarketSample(
        start_ns=start,
        duration_secs=float(t[-1]) if t[-1] > 0 else 1e-9,
        mid_times_secs=mid_t,
        mid_quote=mid,
        trade_times_secs=t[tr],
        trade_price=ev["price"][tr].astype(np.float64),
        trade_qty=ev["qty"][tr].astype(np.float64),
        trade_is_buy=ev["side"][tr] == SIDE_BUY,
    )


def _mid_at(sample: MarketSample, t: np.ndarray) -> np.ndarray:
    """Last known mid strictly before t (causal); the first mid before the first snapshot."""
    idx = np.searchsorted(sample.mid_times_secs, t, side="left") - 1
    return sample.mid_quote[np.clip(idx, 0, sample.mid_quote.size - 1)]


# --------------------------------------------------------------------------------------------
# 2.2 gamma
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GammaBound:
    eta: float
    price_quote: float
    inventory_limit_lots: float
    sigma_quote_per_sqrt_sec: float
    tau_secs: float
    bound: float
    realised_sigma_quote_per_sqrt_sec: float


def calibrate_gamma_bound(
    sample: MarketSample, *, eta: float, inventory_limit_lots: float, tau_secs: float
) -> GammaBound:
    """Seed 2.2 with sigma measured on the sample (mid increments per sqrt(second)).

    gamma is 1/(quote * lot) (``corp.spec.strategy``), so Q is the inventory limit in lots, as in
    the policy rule ``as.gamma_bound``; base units would make the bound 1/lot_size times too loose.
    """
    t, m = sample.mid_times_secs, sample.mid_quote
    if m.size < 3:
        raise DataError(f"gamma bound needs >= 3 mid observations, had {m.size}")
    dt = np.diff(t)
    dm = np.diff(m)
    keep = dt > 0
    sigma = float(np.sqrt(np.sum(dm[keep] ** 2) / np.sum(dt[keep])))
    price = float(np.median(m))
    bound = gamma_upper_bound(
        eta=eta, price=price, inventory_limit=inventory_limit_lots, sigma=sigma, tau=tau_secs
    )
    return GammaBound(eta, price, inventory_limit_lots, sigma, tau_secs, bound, sigma)


# --------------------------------------------------------------------------------------------
# 2.3 spread buckets and fill intensity
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpreadCalibration:
    table: SpreadBucketTable
    base_spread_bps: float
    """Full quoted width proposed: twice the best half-spread bucket centre."""
    fill: FillIntensityFit
    horizon_secs: float


def calibrate_spread(
    sample: MarketSample,
    *,
    edges_bps: np.ndarray | None = None,
    horizon_secs: float = 10.0,
    fee_bps: float = 0.0,
    min_quotes: int = 30,
) -> SpreadCalibration:
    """Hypothetical quotes at every bucket centre around each snapshot (both sides).

    Quote at half-spread h (bps) posted at snapshot i on the bid side fills when a sell trade
    prints at or below mid_i (1 - h) before snapshot i+1; adverse selection (bps) is how far the
    mid moved against the fill after ``horizon_secs``. Asks mirror it with buys.
    """
    edges = np.arange(0.0, 21.0, 1.0) if edges_bps is None else np.asarray(edges_bps, float)
    centres = 0.5 * (edges[:-1] + edges[1:])
    t_mid, mid = sample.mid_times_secs, sample.mid_quote
    if t_mid.size < 3:
        raise DataError(f"spread calibration needs >= 3 snapshots, had {t_mid.size}")
    t0, t1, m0 = t_mid[:-1], t_mid[1:], mid[:-1]
    tt, tp = sample.trade_times_secs, sample.trade_price
    lo = np.searchsorted(tt, t0, side="left")
    hi = np.searchsorted(tt, t1, side="left")
    # deepest sell (lowest price) and deepest buy (highest price) in each interval
    deepest_sell = np.full(t0.size, np.inf)
    deepest_buy = np.full(t0.size, -np.inf)
    buy = sample.trade_is_buy
    for i in np.flatnonzero(hi > lo):
        px, b = tp[lo[i] : hi[i]], buy[lo[i] : hi[i]]
        if np.any(~b):
            deepest_sell[i] = px[~b].min()
        if np.any(b):
            deepest_buy[i] = px[b].max()
    later = _mid_at(sample, t1 + horizon_secs)
    hs_list, filled_list, adv_list = [], [], []
    for h in centres:
        bid = m0 * (1.0 - h * 1e-4)
        ask = m0 * (1.0 + h * 1e-4)
        fb = deepest_sell <= bid
        fa = deepest_buy >= ask
        adv_b = (m0 - later) / m0 * 1e4  # long after a bid fill: a falling mid hurts
        adv_a = (later - m0) / m0 * 1e4
        hs_list += [np.full(t0.size, h), np.full(t0.size, h)]
        filled_list += [fb, fa]
        adv_list += [np.where(fb, adv_b, np.nan), np.where(fa, adv_a, np.nan)]
    table = spread_bucket_analysis(
        np.concatenate(hs_list),
        np.concatenate(filled_list),
        np.concatenate(adv_list),
        edges,
        fee_bps=fee_bps,
        min_quotes=min_quotes,
    )
    # fill intensity from trade reach beyond the prevailing mid (quote currency). A is per side
    # (AS: lambda_b(delta) = A e^{-k delta} for the bid, the same for the ask): buys reach the
    # ask and sells the bid, so the pooled distances were observed over 2 x T side-seconds.
    dist = np.abs(tp - _mid_at(sample, tt))
    exposure_secs = 2.0 * sample.duration_secs
    grid = np.quantile(dist, np.linspace(0.05, 0.95, 19)) if dist.size else np.array([0.0, 1.0])
    grid = np.unique(grid)
    if grid.size < 2:
        grid = np.array([0.0, 1.0])
    fill = fit_fill_intensity_from_distances(dist, exposure_secs, grid)
    best = table.best_half_spread_bps
    return SpreadCalibration(
        table, 2.0 * best if math.isfinite(best) else math.nan, fill, horizon_secs
    )


# --------------------------------------------------------------------------------------------
# backtest-driven steps (2.4, 2.5)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BacktestOutcome:
    """What a calibration sweep needs from one backtest: equity and inventory paths."""

    times_secs: np.ndarray
    equity_quote: np.ndarray
    inventory_base: np.ndarray
    capital_quote: float


Backtester = Callable[[Mapping[str, float], np.ndarray], BacktestOutcome]
"""(overrides by dotted path, events) -> outcome; the offline driver provides it."""


def max_drawdown_pct(equity_quote: np.ndarray, capital_quote: float) -> float:
    """Largest peak-to-trough fall of equity, as a fraction of capital."""
    e = np.asarray(equity_quote, dtype=np.float64)
    if e.size == 0:
        return 0.0
    return float(np.max(np.maximum.accumulate(e) - e) / capital_quote)


def worst_daily_loss_pct(
    times_secs: np.ndarray, equity_quote: np.ndarray, capital_quote: float
) -> float:
    """Largest intraday fall below the day's opening equity (UTC days from t=0), / capital."""
    t = np.asarray(times_secs, dtype=np.float64)
    e = np.asarray(equity_quote, dtype=np.float64)
    if e.size == 0:
        return 0.0
    day = np.floor(t / _SECS_PER_DAY).astype(np.int64)
    starts = np.flatnonzero(np.diff(day, prepend=day[0] - 1))
    worst = 0.0
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < starts.size else e.size
        worst = max(worst, float(e[s] - e[s:end].min()))
    return worst / capital_quote


@dataclass(frozen=True, slots=True)
class SweepRow:
    value: float
    max_drawdown_pct: float
    worst_daily_loss_pct: float
    mean_abs_inventory_base: float
    half_life_secs: float
    feasible: bool
    objective: float


@dataclass(frozen=True, slots=True)
class InventoryLimitCalibration:
    status: str
    proposed_lots: int | None
    rows: tuple[SweepRow, ...]
    analytic_max_lots: int
    reason: str = ""
    concentration_max_lots: int | None = None
    """Largest Q the policy's risk.concentration rule allows (None when not given)."""


def _outcome_row(value: float, out: BacktestOutcome, dd_lim: float, dl_lim: float) -> SweepRow:
    dd = max_drawdown_pct(out.equity_quote, out.capital_quote)
    dl = worst_daily_loss_pct(out.times_secs, out.equity_quote, out.capital_quote)
    inv = np.asarray(out.inventory_base, dtype=np.float64)
    step = float(np.median(np.diff(out.times_secs))) if out.times_secs.size > 1 else 1.0
    try:
        hl = half_life(inv, dt=step)
    except DataError:
        hl = math.nan
    return SweepRow(
        value,
        dd,
        dl,
        float(np.mean(np.abs(inv))) if inv.size else 0.0,
        hl,
        dd <= dd_lim and dl <= dl_lim,
        math.nan,
    )


def calibrate_inventory_limit(
    stress_events: Sequence[np.ndarray],
    candidates_lots: Sequence[int],
    *,
    backtester: Backtester | None,
    max_drawdown_limit_pct: float,
    daily_loss_limit_pct: float,
    lot_size_base: float,
    price_quote: float,
    stress_drop_pct: float,
    capital_quote: float,
    position_concentration_limit: float | None = None,
    skip_reason: str = "no backtester given",
) -> InventoryLimitCalibration:
    """Seed 2.4: largest Q whose worst stress backtest meets both limits.

    A candidate is feasible only within the analytic bound Q S d <= daily loss budget as well
    (and the concentration limit when given): the policy rules risk.inventory_loss_budget and
    risk.concentration deny any larger Q, however mild the simulated stress was.
    """
    budget = daily_loss_limit_pct * capital_quote
    lot_quote = lot_size_base * price_quote
    analytic = math.floor(budget / (lot_quote * stress_drop_pct))
    cap = analytic
    conc = None
    if position_concentration_limit is not None:
        conc = math.floor(position_concentration_limit * capital_quote / lot_quote)
        cap = min(cap, conc)
    if backtester is None:
        return InventoryLimitCalibration("skipped", None, (), analytic, skip_reason, conc)
    rows: list[SweepRow] = []
    for q in sorted({int(c) for c in candidates_lots}):
        per = [
            _outcome_row(
                q,
                backtester({"strategy.inventory_limit": float(q)}, ev),
                max_drawdown_limit_pct,
                daily_loss_limit_pct,
            )
            for ev in stress_events
        ]
        dd = max(r.max_drawdown_pct for r in per)
        dl = max(r.worst_daily_loss_pct for r in per)
        rows.append(
            SweepRow(
                float(q),
                dd,
                dl,
                max(r.mean_abs_inventory_base for r in per),
                max(r.half_life_secs for r in per),
                dd <= max_drawdown_limit_pct and dl <= daily_loss_limit_pct and q <= cap,
                math.nan,
            )
        )
    feasible = [r for r in rows if r.feasible]
    if not feasible:
        return InventoryLimitCalibration(
            "no_feasible_value",
            None,
            tuple(rows),
            analytic,
            f"no candidate <= {cap} lots met both limits under every stress scenario",
            conc,
        )
    return InventoryLimitCalibration(
        "ok", int(max(r.value for r in feasible)), tuple(rows), analytic, "", conc
    )


@dataclass(frozen=True, slots=True)
class SkewCalibration:
    status: str
    proposed: float | None
    rows: tuple[SweepRow, ...]
    half_life_weight_per_sec: float
    reason: str = ""


def calibrate_skew_factor(
    events: np.ndarray,
    candidates: Sequence[float],
    *,
    backtester: Backtester | None,
    path: str = "strategy.inventory_skew_factor",
    half_life_weight_per_sec: float = 0.001,
    max_drawdown_limit_pct: float = 1.0,
    daily_loss_limit_pct: float = 1.0,
    skip_reason: str = "no backtester given",
) -> SkewCalibration:
    """Seed 2.5: minimise E|q| + w * tau_half(q) (base units; w in base per second)."""
    if backtester is None:
        return SkewCalibration(
            "skipped",
            None,
            (),
            half_life_weight_per_sec,
            skip_reason,
        )
    rows: list[SweepRow] = []
    for c in candidates:
        r = _outcome_row(
            float(c),
            backtester({path: float(c)}, events),
            max_drawdown_limit_pct,
            daily_loss_limit_pct,
        )
        hl = r.half_life_secs if math.isfinite(r.half_life_secs) else math.inf
        obj = r.mean_abs_inventory_base + half_life_weight_per_sec * hl
        rows.append(
            SweepRow(
                r.value,
                r.max_drawdown_pct,
                r.worst_daily_loss_pct,
                r.mean_abs_inventory_base,
                r.half_life_secs,
                r.feasible,
                obj,
            )
        )
    ok = [r for r in rows if r.feasible and math.isfinite(r.objective)]
    if not ok:
        return SkewCalibration(
            "no_feasible_value",
            None,
            tuple(rows),
            half_life_weight_per_sec,
            "every candidate broke a limit or never mean-reverted",
        )
    best = min(ok, key=lambda r: r.objective)
    return SkewCalibration("ok", best.value, tuple(rows), half_life_weight_per_sec)


# --------------------------------------------------------------------------------------------
# 2.6 Hawkes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HawkesCalibration:
    fit: hawkes.MultiHawkesFit
    pooled: hawkes.HawkesFit
    mu_per_side_per_sec: float
    """Baseline per side, as the strategy's ``mu_per_sec`` is used (each side's intensity is
    mu + its own excitation): the merged-stream MLE's mu split over the two sides."""
    high_intensity_threshold: float
    """75 % quantile over time of the fitted intensity / its long-run mean (the catalogue's
    unit: x long-run mean)."""
    low_intensity_threshold: float
    """25 % intensity quantile / long-run mean intensity."""
    high_intensity_per_sec: float
    low_intensity_per_sec: float
    moment_mu_per_sec: float
    """The seed's method-of-moments mu = (N/T)(1 - n) with the pooled MLE n, for comparison."""
    notes: tuple[str, ...] = field(default=())


def calibrate_hawkes(sample: MarketSample) -> HawkesCalibration:
    """Bivariate buy/sell MLE, pooled univariate MLE, and intensity thresholds (25 %/75 %)."""
    t = sample.trade_times_secs
    marks = np.where(sample.trade_is_buy, 0, 1)
    T = max(sample.duration_secs, float(t[-1]) if t.size else 0.0)
    biv = hawkes.fit_multivariate(t, marks, T)
    pooled = hawkes.fit(t, T)
    notes: list[str] = []
    if not biv.stationary:
        notes.append(f"bivariate fit not stationary (spectral radius {biv.spectral_radius:.3f})")
    if pooled.branching_ratio > 0.95:
        notes.append(f"pooled branching ratio {pooled.branching_ratio:.3f} > 0.95 alarm level")
    # the fitted pooled intensity on a time grid (a quarter of the kernel's decay time, at most
    # 200k points): its 25 %/75 % quantiles over time are the seed's low/high thresholds.
    # Sampling at the events instead would over-weight the clusters and put both thresholds high.
    step = max(0.25 / pooled.beta, T / 200_000)
    grid = np.arange(0.5 * step, T, step)
    lam = hawkes.intensity_at(t, grid, pooled.mu, pooled.alpha, pooled.beta)
    lo, hi = intensity_thresholds(lam) if lam.size else (math.nan, math.nan)
    # the strategy's thresholds are multiples of the long-run mean intensity mu / (1 - n)
    mean = pooled.mean_intensity
    scale = mean if math.isfinite(mean) and mean > 0 else math.nan
    moment_mu = t.size / T * (1.0 - pooled.branching_ratio)
    return HawkesCalibration(
        biv, pooled, pooled.mu / 2.0, hi / scale, lo / scale, hi, lo, moment_mu, tuple(notes)
    )
