"""Plain-Python twins of the core kernels, written for reading, not speed.

Tests feed the same random inputs to these and to the njit kernels and require the same answers.
They are written from the formulas (quant.md, seed 3.1–3.3), not by copying the kernels: named
values instead of index constants where it helps, ``math`` only, no numba.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from corp.core import types as t

__all__ = [
    "as_quote",
    "breaker_step",
    "glft_approx",
    "hedge_decision",
    "log_term",
    "quote",
    "severity",
    "size",
]


def log_term(gamma: float, k: float) -> float:
    """(1/gamma) ln(1 + gamma/k) with the small-x series."""
    x = gamma / k
    if x < 1e-8:
        return (1.0 / k) * (1.0 - x / 2.0 + x**2 / 3.0)
    return math.log1p(x) / gamma


def tau_secs(horizon_secs: float, elapsed_secs: float) -> float:
    """Time to the (repeating) horizon; infinite horizon means tau = 1 s."""
    if horizon_secs <= 0:
        return 1.0
    return horizon_secs - math.fmod(elapsed_secs, horizon_secs)


def as_quote(
    mid: float, q: float, gamma: float, sigma: float, k: float, tau: float
) -> tuple[float, float]:
    """(r = s - q gamma sigma^2 tau, half of gamma sigma^2 tau + (2/gamma) ln(1+gamma/k))."""
    r = mid - q * gamma * sigma**2 * tau
    total_spread = gamma * sigma**2 * tau + 2.0 * log_term(gamma, k)
    return r, total_spread / 2.0


def glft_approx(
    q: float, gamma: float, xi: float, sigma: float, k: float, A: float, delta: float
) -> tuple[float, float]:
    """Guéant 2017: (delta_b, delta_a) = half_spread ± skew q."""
    c1 = log_term(xi * delta, k)
    x = xi * delta / k
    c2 = math.sqrt(gamma / (2 * A * delta * k) * math.exp((1 + 1 / x) * math.log1p(x)))
    half_spread = c1 + delta / 2 * sigma * c2
    return half_spread + sigma * c2 * q, half_spread - sigma * c2 * q


def _side_mult(intensity: float, p: Sequence[float]) -> float:
    if intensity > p[t.P_HIGH_INTENSITY]:
        return p[t.P_AGGRESSIVE_FACTOR]
    if intensity < p[t.P_LOW_INTENSITY]:
        return p[t.P_DEFENSIVE_FACTOR]
    return 1.0


def raw_quote(
    p: Sequence[float],
    table: Sequence[Sequence[float]],
    cache: list[float],
    feat: Sequence[float],
    q: float,
    t_rel_ns: float,
) -> dict[str, float]:
    """Unrounded quote by strategy kind."""
    kind = int(p[t.P_KIND])
    mid = feat[t.F_MID]
    tau = feat[t.F_TAU_SECS]
    unit = p[t.P_INVENTORY_UNIT]
    if kind == t.KIND_AS:
        r, half = as_quote(mid, q / unit, p[t.P_GAMMA], p[t.P_SIGMA], p[t.P_K], tau)
        bid, ask = r - half, r + half
    elif kind == t.KIND_GLFT:
        if int(p[t.P_GLFT_MODE]) == t.GLFT_EXACT:
            q_max = (len(table) - 1) // 2
            lots = max(-q_max, min(q_max, math.floor(q / p[t.P_GLFT_DELTA] + 0.5)))
            d_bid, d_ask = table[lots + q_max][0], table[lots + q_max][1]
        else:
            d_bid, d_ask = glft_approx(
                q / unit,
                p[t.P_GAMMA],
                p[t.P_GLFT_XI],
                p[t.P_SIGMA],
                p[t.P_K],
                p[t.P_A],
                p[t.P_GLFT_DELTA] / unit,
            )
        bid, ask = mid - d_bid, mid + d_ask
        r = (bid + ask) / 2.0
        half = (d_bid + d_ask) / 2.0
    elif kind in (t.KIND_HAWKES, t.KIND_HAWKES_ADAPTIVE):
        h0 = mid * p[t.P_BASE_SPREAD_FRAC] / 2.0
        adverse = p[t.P_ADVERSE_WIDEN_FACTOR] if feat[t.F_ADVERSE] > 0 else 1.0
        bid_half = h0 * _side_mult(feat[t.F_SELL_INTENSITY], p) * adverse
        ask_half = h0 * _side_mult(feat[t.F_BUY_INTENSITY], p) * adverse
        r = mid - p[t.P_INVENTORY_SKEW_FACTOR] * (q / p[t.P_INVENTORY_LIMIT]) * h0
        if p[t.P_GAMMA] > 0:  # the AS reservation under the Hawkes spreads (strategy.gamma set)
            r -= (q / p[t.P_INVENTORY_UNIT]) * p[t.P_GAMMA] * p[t.P_SIGMA] ** 2 * tau
        bid, ask = r - bid_half, r + ask_half
        half = (bid_half + ask_half) / 2.0
    elif kind in (t.KIND_INTEGRATED, t.KIND_FAST_INTEGRATED):
        fresh = not (cache[t.C_VALID] > 0 and t_rel_ns - cache[t.C_TS_NS] < p[t.P_GREEKS_TTL_NS])
        if kind == t.KIND_INTEGRATED or fresh:
            slope = p[t.P_GAMMA] * p[t.P_SIGMA] ** 2 * tau
            half = slope / 2.0 + log_term(p[t.P_GAMMA], p[t.P_K])
            if kind == t.KIND_FAST_INTEGRATED:
                cache[t.C_TS_NS], cache[t.C_RES_SLOPE], cache[t.C_HALF_SPREAD] = (
                    t_rel_ns,
                    slope,
                    half,
                )
                cache[t.C_VALID] = 1.0
                cache[t.C_MISSES] += 1
        else:
            slope, half = cache[t.C_RES_SLOPE], cache[t.C_HALF_SPREAD]
            cache[t.C_HITS] += 1
        r = mid - (q / unit) * slope
        regime = int(feat[t.F_REGIME])
        mult = {
            t.REGIME_LOW_VOL: p[t.P_REGIME_MULT_LOW],
            t.REGIME_HIGH_VOL: p[t.P_REGIME_MULT_HIGH],
        }.get(regime, p[t.P_REGIME_MULT_NORMAL])
        half = half * mult
        if feat[t.F_ADVERSE] > 0:
            half = half * p[t.P_ADVERSE_WIDEN_FACTOR]
        bid, ask = r - half, r + half
    else:
        half = mid * p[t.P_BASE_SPREAD_FRAC] / 2.0
        r = mid - p[t.P_INVENTORY_SKEW_FACTOR] * (q / p[t.P_INVENTORY_LIMIT]) * half
        bid, ask = r - half, r + half
    if kind in (t.KIND_AS, t.KIND_GLFT, t.KIND_INTEGRATED, t.KIND_FAST_INTEGRATED):
        floor_half = mid * p[t.P_BASE_SPREAD_FRAC] / 2.0
        if (ask - bid) / 2.0 < floor_half:
            centre = (bid + ask) / 2.0
            bid, ask, half = centre - floor_half, centre + floor_half, floor_half
    return {"bid": bid, "ask": ask, "reservation": r, "half": half}


def size(p: Sequence[float], q: float) -> tuple[float, float]:
    """Base size, shrunk by 1 - (|q|/Q)^shape on the side that adds inventory, within the limit."""
    base, limit, lot = p[t.P_BASE_SIZE], p[t.P_INVENTORY_LIMIT], p[t.P_LOT_SIZE]
    shrunk = base * (1.0 - min(abs(q) / limit, 1.0) ** p[t.P_SIZE_SHAPE])
    bid = min(shrunk if q > 0 else base, max(limit - q, 0.0))
    ask = min(shrunk if q < 0 else base, max(limit + q, 0.0))
    return math.floor(bid / lot + 1e-9) * lot, math.floor(ask / lot + 1e-9) * lot


def quote(
    p: Sequence[float],
    table: Sequence[Sequence[float]],
    cache: list[float],
    feat: Sequence[float],
    q: float,
    t_rel_ns: float,
    breaker_state: int,
    halted: bool,
) -> dict[str, float]:
    """The whole decision: raw quote, sizes, breaker restrictions, rounding, no-cross rule."""
    raw = raw_quote(p, table, cache, feat, q, t_rel_ns)
    bid, ask = raw["bid"], raw["ask"]
    bid_qty, ask_qty = size(p, q)
    lot, tick = p[t.P_LOT_SIZE], p[t.P_TICK_SIZE]
    if halted or breaker_state >= t.CB_HALTED:
        bid_qty = ask_qty = 0.0
    elif breaker_state == t.CB_REDUCING:
        bid_qty = 0.0 if q >= 0 else bid_qty
        ask_qty = 0.0 if q <= 0 else ask_qty
    elif breaker_state == t.CB_WARNING:
        bid_qty = math.floor(bid_qty * p[t.P_WARNING_SIZE_MULT] / lot + 1e-9) * lot
        ask_qty = math.floor(ask_qty * p[t.P_WARNING_SIZE_MULT] / lot + 1e-9) * lot
        centre = (bid + ask) / 2.0
        bid = centre - (centre - bid) * p[t.P_WARNING_SPREAD_MULT]
        ask = centre + (ask - centre) * p[t.P_WARNING_SPREAD_MULT]
    best_bid, best_ask = feat[t.F_BEST_BID], feat[t.F_BEST_ASK]
    drop = int(p[t.P_CROSS_POLICY]) == t.CROSS_DROP
    bid_px = math.nan
    if bid_qty > 0 and math.isfinite(bid):
        bid_px = math.floor(bid / tick + 1e-9) * tick
        if math.isfinite(best_ask) and bid_px >= best_ask - tick / 2:
            bid_px = math.nan if drop else best_ask - tick
        if not bid_px > 0:
            bid_px = math.nan
    ask_px = math.nan
    if ask_qty > 0 and math.isfinite(ask):
        ask_px = math.ceil(ask / tick - 1e-9) * tick
        if math.isfinite(best_bid) and ask_px <= best_bid + tick / 2:
            ask_px = math.nan if drop else best_bid + tick
        if not ask_px > 0:
            ask_px = math.nan
    if math.isfinite(bid_px) and math.isfinite(ask_px) and bid_px >= ask_px - tick / 2:
        bid_px = ask_px = math.nan
    return {
        "bid_px": bid_px,
        "ask_px": ask_px,
        "bid_qty": 0.0 if math.isnan(bid_px) else bid_qty,
        "ask_qty": 0.0 if math.isnan(ask_px) else ask_qty,
        "reservation": raw["reservation"],
        "half": raw["half"],
    }


def _level(value: float, limit: float, warn: float, red: float) -> int:
    if limit <= 0:
        return t.CB_NORMAL
    for state, threshold in (
        (t.CB_HALTED, limit),
        (t.CB_REDUCING, red * limit),
        (t.CB_WARNING, warn * limit),
    ):
        if value >= threshold:
            return state
    return t.CB_NORMAL


def severity(p: Sequence[float], daily_loss: float, drawdown: float, abs_inventory: float) -> int:
    """Worst severity among daily loss, drawdown (fractions of capital) and concentration."""
    capital, warn, red = p[t.P_INITIAL_CAPITAL], p[t.P_WARNING_RATIO], p[t.P_REDUCING_RATIO]
    levels = [
        _level(daily_loss / capital, p[t.P_DAILY_LOSS_LIMIT_FRAC], warn, red),
        _level(drawdown / capital, p[t.P_MAX_DRAWDOWN_FRAC], warn, red),
    ]
    conc_limit = p[t.P_CONCENTRATION_LIMIT_FRAC]
    if conc_limit > 0:
        conc = abs_inventory / p[t.P_INVENTORY_LIMIT]
        if conc >= conc_limit:
            levels.append(t.CB_REDUCING)
        elif conc >= warn * conc_limit:
            levels.append(t.CB_WARNING)
    return max(levels)


def breaker_step(
    p: Sequence[float],
    state: dict[str, int],
    t_ns: int,
    daily_loss: float,
    drawdown: float,
    abs_inventory: float,
) -> int:
    """State machine on a dict: keys state, entered_ns, last_violation_ns (list), kill, stop and
    (optional) confirmed: a person's go-ahead for the next step out of HALTED."""
    if p[t.P_KILL_LOSS_FRAC] > 0 and daily_loss / p[t.P_INITIAL_CAPITAL] >= p[t.P_KILL_LOSS_FRAC]:
        state["kill"] = 1
        if state["state"] != t.CB_HALTED:
            state.update(state=t.CB_HALTED, entered_ns=t_ns, transitions=state["transitions"] + 1)
    if state["kill"]:
        return t.CB_HALTED
    level = severity(p, daily_loss, drawdown, abs_inventory)
    for s in range(1, level + 1):
        state["last_violation_ns"][s - 1] = t_ns
    if level == t.CB_HALTED:
        state["confirmed"] = 0
    current = state["state"]
    if level > current:
        state.update(state=level, entered_ns=t_ns, transitions=state["transitions"] + 1)
    elif level < current:
        cooled = t_ns - state["entered_ns"] >= int(p[t.P_COOLDOWN_NS])
        quiet = t_ns - state["last_violation_ns"][current - 1] >= int(p[t.P_RECOVERY_QUIET_NS])
        gated = current == t.CB_HALTED and p[t.P_MANUAL_RESUME] != 0
        if cooled and quiet and not (gated and not state.get("confirmed", 0)):
            if current == t.CB_HALTED:
                state["confirmed"] = 0
            state.update(state=current - 1, entered_ns=t_ns, transitions=state["transitions"] + 1)
    return state["state"]


def hedge_decision(
    p: Sequence[float],
    now_ns: int,
    inventory: float,
    mid: float,
    option_gamma: float,
    schedule: dict[str, float],
) -> float:
    """Seed 4.1's adaptive hedge on a dict (keys last_ns, ref_mid, fast_until_ns, updated in
    place): the signed taker quantity to send now, 0 when nothing is due or the book is inside
    the deadband. Meanings in `corp.core.hedge`."""
    base_ns = int(p[t.P_HEDGE_INTERVAL_NS])
    accelerated = now_ns < schedule["fast_until_ns"]
    interval_ns = int(p[t.P_HEDGE_INTERVAL_NS] / p[t.P_HEDGE_FREQ_MULT]) if accelerated else base_ns
    scheduled = now_ns - schedule["last_ns"] >= interval_ns
    ref = schedule["ref_mid"]
    adverse_move = False  # a drop when long, a rise when short
    if p[t.P_HEDGE_MOVE_FRAC] > 0 and ref > 0 and inventory != 0:
        rise = (mid - ref) / ref
        adverse_move = (-rise if inventory > 0 else rise) >= p[t.P_HEDGE_MOVE_FRAC]
    gamma_hit = (
        p[t.P_HEDGE_GAMMA_THRESHOLD] > 0 and abs(option_gamma) > p[t.P_HEDGE_GAMMA_THRESHOLD]
    )
    if not (scheduled or adverse_move or gamma_hit):
        return 0.0
    schedule["last_ns"], schedule["ref_mid"] = now_ns, mid
    if adverse_move:
        schedule["fast_until_ns"] = now_ns + base_ns
    if abs(inventory) <= p[t.P_HEDGE_DEADBAND]:
        return 0.0
    cap = p[t.P_MAX_HEDGE_FRAC] * p[t.P_INVENTORY_LIMIT]
    lots = math.floor(min(abs(inventory), cap) / p[t.P_LOT_SIZE] + 1e-9)
    return -math.copysign(lots * p[t.P_LOT_SIZE], inventory)
