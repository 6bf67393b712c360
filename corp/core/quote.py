"""Quote prices and sizes for every strategy kind: pure njit kernels, no I/O.

``quote_nb`` is the decision: raw prices by strategy kind (`raw_quote_nb`), then sizing, the
circuit breaker's restrictions, rounding to tick and lot and the post-only no-cross rule
(`finish_quote_nb`). The event loop calls those two halves itself, which is the same computation
without the reference counting a kernel calling a kernel pays (`corp.core.refs`); for the same
reason the kernels compile with ``error_model="numpy"``. Formulas and numerics follow
/work/shared/reference/quant.md; the plain Python twin of each kernel lives in
`corp.core.reference`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from corp.core.refs import hold_nb
from corp.core.types import (
    C_HALF_SPREAD,
    C_HITS,
    C_MISSES,
    C_RES_SLOPE,
    C_TS_NS,
    C_VALID,
    CB_HALTED,
    CB_REDUCING,
    CB_WARNING,
    CROSS_DROP,
    F_ADVERSE,
    F_BEST_ASK,
    F_BEST_BID,
    F_BUY_INTENSITY,
    F_MID,
    F_REGIME,
    F_SELL_INTENSITY,
    F_TAU_SECS,
    GLFT_EXACT,
    KIND_AS,
    KIND_FAST_INTEGRATED,
    KIND_GLFT,
    KIND_HAWKES,
    KIND_HAWKES_ADAPTIVE,
    KIND_INTEGRATED,
    P_A,
    P_ADVERSE_WIDEN_FACTOR,
    P_AGGRESSIVE_FACTOR,
    P_BASE_SIZE,
    P_BASE_SPREAD_FRAC,
    P_CROSS_POLICY,
    P_DEFENSIVE_FACTOR,
    P_GAMMA,
    P_GLFT_DELTA,
    P_GLFT_MODE,
    P_GLFT_XI,
    P_GREEKS_TTL_NS,
    P_HIGH_INTENSITY,
    P_INVENTORY_LIMIT,
    P_INVENTORY_SKEW_FACTOR,
    P_INVENTORY_UNIT,
    P_K,
    P_KIND,
    P_LOT_SIZE,
    P_LOW_INTENSITY,
    P_REGIME_MULT_HIGH,
    P_REGIME_MULT_LOW,
    P_REGIME_MULT_NORMAL,
    P_SIGMA,
    P_SIZE_SHAPE,
    P_TICK_SIZE,
    P_WARNING_SIZE_MULT,
    P_WARNING_SPREAD_MULT,
    Q_ASK_PX,
    Q_ASK_QTY,
    Q_BID_PX,
    Q_BID_QTY,
    Q_HALF_SPREAD,
    Q_RESERVATION_PX,
    REGIME_HIGH_VOL,
    REGIME_LOW_VOL,
)

_SERIES_BELOW = 1e-8
_ROUND_EPS = 1e-9


@njit(cache=True, error_model="numpy")
def log_term_nb(gamma: float, k: float) -> float:
    """(1/gamma) ln(1 + gamma/k), stable for tiny gamma/k (series (1/k)(1 - x/2 + x^2/3))."""
    x = gamma / k
    if x < _SERIES_BELOW:
        return (1.0 - x / 2.0 + x * x / 3.0) / k
    return math.log1p(x) / gamma


@njit(cache=True, error_model="numpy")
def tau_secs_nb(horizon_secs: float, elapsed_secs: float) -> float:
    """Time left to the horizon; the horizon restarts every ``horizon_secs`` (infinite: 1 s)."""
    if horizon_secs <= 0.0:
        return 1.0
    return horizon_secs - (elapsed_secs % horizon_secs)


@njit(cache=True, error_model="numpy")
def as_quote_nb(
    mid: float, q: float, gamma: float, sigma: float, k: float, tau_secs: float
) -> tuple[float, float]:
    """Avellaneda–Stoikov: (reservation price, optimal half spread)."""
    var_tau = sigma * sigma * tau_secs
    reservation = mid - q * gamma * var_tau
    half_spread = 0.5 * gamma * var_tau + log_term_nb(gamma, k)
    return reservation, half_spread


@njit(cache=True, error_model="numpy")
def glft_approx_nb(
    q: float, gamma: float, xi: float, sigma: float, k: float, A: float, delta: float
) -> tuple[float, float]:
    """Guéant 2017 closed form: (delta_bid, delta_ask) distances from the mid."""
    x = xi * delta / k
    c1 = log_term_nb(xi * delta, k)
    power = math.exp((1.0 + 1.0 / x) * math.log1p(x))
    c2 = math.sqrt(gamma / (2.0 * A * delta * k) * power)
    half_spread = c1 + 0.5 * delta * sigma * c2
    skew = sigma * c2
    return half_spread + skew * q, half_spread - skew * q


@njit(cache=True, error_model="numpy")
def glft_exact_nb(q: float, delta: float, table: np.ndarray) -> tuple[float, float]:
    """Read the precomputed eigenvector table (rows q = -Q..Q in lots): (delta_bid, delta_ask)."""
    n_levels = table.shape[0]
    q_max = (n_levels - 1) // 2
    qi = int(np.floor(q / delta + 0.5))
    if qi > q_max:
        qi = q_max
    if qi < -q_max:
        qi = -q_max
    row = qi + q_max
    return table[row, 0], table[row, 1]


@njit(cache=True, error_model="numpy")
def intensity_multiplier_nb(
    intensity: float, high: float, low: float, aggressive: float, defensive: float
) -> float:
    """Hawkes spread multiplier of one side: aggressive above ``high``, defensive below ``low``."""
    if intensity > high:
        return aggressive
    if intensity < low:
        return defensive
    return 1.0


@njit(cache=True, error_model="numpy")
def regime_multiplier_nb(params: np.ndarray, regime: int) -> float:
    """Spread multiplier of the current volatility regime."""
    if regime == REGIME_LOW_VOL:
        return params[P_REGIME_MULT_LOW]
    if regime == REGIME_HIGH_VOL:
        return params[P_REGIME_MULT_HIGH]
    return params[P_REGIME_MULT_NORMAL]


@njit(cache=True, error_model="numpy")
def cached_greeks_nb(
    params: np.ndarray, cache: np.ndarray, t_rel_ns: float, tau_secs: float
) -> tuple[float, float]:
    """fast_integrated's TTL cache of (reservation slope, AS half spread)."""
    ttl = params[P_GREEKS_TTL_NS]
    if cache[C_VALID] > 0.0 and t_rel_ns - cache[C_TS_NS] < ttl:
        cache[C_HITS] += 1.0
        return cache[C_RES_SLOPE], cache[C_HALF_SPREAD]
    sigma = params[P_SIGMA]
    gamma = params[P_GAMMA]
    slope = gamma * sigma * sigma * tau_secs
    half = 0.5 * slope + log_term_nb(gamma, params[P_K])
    cache[C_TS_NS] = t_rel_ns
    cache[C_RES_SLOPE] = slope
    cache[C_HALF_SPREAD] = half
    cache[C_VALID] = 1.0
    cache[C_MISSES] += 1.0
    return slope, half


@njit(cache=True, error_model="numpy")
def raw_quote_nb(
    params: np.ndarray,
    glft_table: np.ndarray,
    cache: np.ndarray,
    feat: np.ndarray,
    q: float,
    t_rel_ns: float,
    out: np.ndarray,
) -> None:
    """Unrounded bid/ask prices, reservation and half spread by strategy kind.

    Hedging is a separate decision on its own schedule (`corp.core.hedge`).
    """
    kind = int(params[P_KIND])
    mid = feat[F_MID]
    tau = feat[F_TAU_SECS]
    unit = params[P_INVENTORY_UNIT]
    q_units = q / unit  # the models' inventory unit (gamma is per unit)
    if kind == KIND_AS:
        reservation, half = as_quote_nb(
            mid, q_units, params[P_GAMMA], params[P_SIGMA], params[P_K], tau
        )
        bid = reservation - half
        ask = reservation + half
    elif kind == KIND_GLFT:
        if int(params[P_GLFT_MODE]) == GLFT_EXACT:
            d_bid, d_ask = glft_exact_nb(q, params[P_GLFT_DELTA], glft_table)
        else:
            d_bid, d_ask = glft_approx_nb(
                q_units,
                params[P_GAMMA],
                params[P_GLFT_XI],
                params[P_SIGMA],
                params[P_K],
                params[P_A],
                params[P_GLFT_DELTA] / unit,
            )
        bid = mid - d_bid
        ask = mid + d_ask
        reservation = mid + 0.5 * (d_ask - d_bid)
        half = 0.5 * (d_bid + d_ask)
    elif kind in (KIND_HAWKES, KIND_HAWKES_ADAPTIVE):
        h0 = 0.5 * mid * params[P_BASE_SPREAD_FRAC]
        hi = params[P_HIGH_INTENSITY]
        lo = params[P_LOW_INTENSITY]
        aggr = params[P_AGGRESSIVE_FACTOR]
        defe = params[P_DEFENSIVE_FACTOR]
        bid_half = h0 * intensity_multiplier_nb(feat[F_SELL_INTENSITY], hi, lo, aggr, defe)
        ask_half = h0 * intensity_multiplier_nb(feat[F_BUY_INTENSITY], hi, lo, aggr, defe)
        if feat[F_ADVERSE] > 0.0:
            bid_half *= params[P_ADVERSE_WIDEN_FACTOR]
            ask_half *= params[P_ADVERSE_WIDEN_FACTOR]
        limit = params[P_INVENTORY_LIMIT]
        reservation = mid - params[P_INVENTORY_SKEW_FACTOR] * (q / limit) * h0
        gamma = params[P_GAMMA]  # 0 = no AS reservation (strategy.gamma: null)
        if gamma > 0.0:
            sigma = params[P_SIGMA]
            reservation -= q_units * gamma * sigma * sigma * tau
        bid = reservation - bid_half
        ask = reservation + ask_half
        half = 0.5 * (bid_half + ask_half)
    elif kind in (KIND_INTEGRATED, KIND_FAST_INTEGRATED):
        if kind == KIND_FAST_INTEGRATED:
            slope, half = cached_greeks_nb(params, cache, t_rel_ns, tau)
        else:
            gamma = params[P_GAMMA]
            sigma = params[P_SIGMA]
            slope = gamma * sigma * sigma * tau
            half = 0.5 * slope + log_term_nb(gamma, params[P_K])
        reservation = mid - q_units * slope
        half *= regime_multiplier_nb(params, int(feat[F_REGIME]))
        if feat[F_ADVERSE] > 0.0:
            half *= params[P_ADVERSE_WIDEN_FACTOR]
        bid = reservation - half
        ask = reservation + half
    else:  # KIND_NAIVE: fixed spread, optional linear inventory skew
        half = 0.5 * mid * params[P_BASE_SPREAD_FRAC]
        reservation = mid - params[P_INVENTORY_SKEW_FACTOR] * (q / params[P_INVENTORY_LIMIT]) * half
        bid = reservation - half
        ask = reservation + half
    if kind in (KIND_AS, KIND_GLFT, KIND_INTEGRATED, KIND_FAST_INTEGRATED):
        # base_spread is a floor on the model's quoted width (conf: "floor on the quoted width")
        floor_half = 0.5 * mid * params[P_BASE_SPREAD_FRAC]
        if 0.5 * (ask - bid) < floor_half:
            centre = 0.5 * (bid + ask)
            bid = centre - floor_half
            ask = centre + floor_half
            half = floor_half
    out[Q_BID_PX] = bid
    out[Q_ASK_PX] = ask
    out[Q_RESERVATION_PX] = reservation
    out[Q_HALF_SPREAD] = half
    hold_nb(params, glft_table, cache, feat)


@njit(cache=True, error_model="numpy")
def size_nb(params: np.ndarray, q: float) -> tuple[float, float]:
    """(bid size, ask size): base size shrunk on the side adding inventory, capped by the limit."""
    base = params[P_BASE_SIZE]
    limit = params[P_INVENTORY_LIMIT]
    shape = params[P_SIZE_SHAPE]
    lot = params[P_LOT_SIZE]
    ratio = min(abs(q) / limit, 1.0)
    shrink = 1.0 - (ratio * ratio if shape == 2.0 else ratio**shape)  # pow is slow; x*x is exact
    bid_qty = base * shrink if q > 0.0 else base
    ask_qty = base * shrink if q < 0.0 else base
    bid_qty = min(bid_qty, max(limit - q, 0.0))
    ask_qty = min(ask_qty, max(limit + q, 0.0))
    bid_qty = math.floor(bid_qty / lot + _ROUND_EPS) * lot
    ask_qty = math.floor(ask_qty / lot + _ROUND_EPS) * lot
    return bid_qty, ask_qty


@njit(cache=True, error_model="numpy")
def finalize_nb(params: np.ndarray, feat: np.ndarray, out: np.ndarray) -> None:
    """Round prices away from the touch, apply the no-cross rule, drop empty or invalid sides."""
    tick = params[P_TICK_SIZE]
    drop = int(params[P_CROSS_POLICY]) == CROSS_DROP
    best_bid = feat[F_BEST_BID]
    best_ask = feat[F_BEST_ASK]
    bid = out[Q_BID_PX]
    ask = out[Q_ASK_PX]
    if out[Q_BID_QTY] > 0.0 and math.isfinite(bid):
        bid = math.floor(bid / tick + _ROUND_EPS) * tick
        if math.isfinite(best_ask) and bid >= best_ask - 0.5 * tick:
            bid = math.nan if drop else best_ask - tick
        if not (bid > 0.0):
            bid = math.nan
    else:
        bid = math.nan
    if out[Q_ASK_QTY] > 0.0 and math.isfinite(ask):
        ask = math.ceil(ask / tick - _ROUND_EPS) * tick
        if math.isfinite(best_bid) and ask <= best_bid + 0.5 * tick:
            ask = math.nan if drop else best_bid + tick
        if not (ask > 0.0):
            ask = math.nan
    else:
        ask = math.nan
    if math.isfinite(bid) and math.isfinite(ask) and bid >= ask - 0.5 * tick:
        # only reachable with a book narrower than one tick or a negative spread: quote nothing
        bid = math.nan
        ask = math.nan
    if math.isnan(bid):
        out[Q_BID_QTY] = 0.0
    if math.isnan(ask):
        out[Q_ASK_QTY] = 0.0
    out[Q_BID_PX] = bid
    out[Q_ASK_PX] = ask


@njit(cache=True, error_model="numpy")
def finish_quote_nb(
    params: np.ndarray,
    feat: np.ndarray,
    q: float,
    breaker_state: int,
    halted: bool,
    out: np.ndarray,
) -> None:
    """Sizes, the breaker's restrictions, rounding and the no-cross rule on `raw_quote_nb`'s out."""
    bid_qty, ask_qty = size_nb(params, q)
    if halted or breaker_state >= CB_HALTED:
        bid_qty = 0.0
        ask_qty = 0.0
    elif breaker_state == CB_REDUCING:
        if q >= 0.0:
            bid_qty = 0.0
        if q <= 0.0:
            ask_qty = 0.0
    elif breaker_state == CB_WARNING:
        lot = params[P_LOT_SIZE]
        mult = params[P_WARNING_SIZE_MULT]
        bid_qty = math.floor(bid_qty * mult / lot + _ROUND_EPS) * lot
        ask_qty = math.floor(ask_qty * mult / lot + _ROUND_EPS) * lot
        widen = params[P_WARNING_SPREAD_MULT]
        centre = 0.5 * (out[Q_BID_PX] + out[Q_ASK_PX])
        out[Q_BID_PX] = centre - (centre - out[Q_BID_PX]) * widen
        out[Q_ASK_PX] = centre + (out[Q_ASK_PX] - centre) * widen
    out[Q_BID_QTY] = bid_qty
    out[Q_ASK_QTY] = ask_qty
    finalize_nb(params, feat, out)


@njit(cache=True, error_model="numpy")
def quote_nb(
    params: np.ndarray,
    glft_table: np.ndarray,
    cache: np.ndarray,
    feat: np.ndarray,
    q: float,
    t_rel_ns: float,
    breaker_state: int,
    halted: bool,
    out: np.ndarray,
) -> None:
    """One quoting decision: fills ``out`` (Q_* layout). ``halted`` covers kill switch and STOP."""
    raw_quote_nb(params, glft_table, cache, feat, q, t_rel_ns, out)
    finish_quote_nb(params, feat, q, breaker_state, halted, out)
