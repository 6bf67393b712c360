"""Online signals the quote kernel reads: Hawkes buy/sell intensities, adverse selection, regime.

All O(1) per event. Times are float seconds since the run start (float64 keeps ns-level resolution
for runs shorter than ~100 days, and avoids epoch-sized floats, see quant.md pitfalls).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from corp.core.quote import tau_secs_nb
from corp.core.types import (
    F_ADVERSE,
    F_BEST_ASK,
    F_BEST_BID,
    F_BUY_INTENSITY,
    F_MID,
    F_REGIME,
    F_SELL_INTENSITY,
    F_TAU_SECS,
    N_SIGNALS,
    ONE_SEC_NS,
    P_ADVERSE_THRESHOLD,
    P_ADVERSE_WINDOW,
    P_HAWKES_ALPHA,
    P_HAWKES_BETA,
    P_HAWKES_MU,
    P_HORIZON_SECS,
    P_REGIME_VOL_HIGH,
    P_REGIME_VOL_LOW,
    P_VOL_EWMA_HALFLIFE_NS,
    REGIME_HIGH_VOL,
    REGIME_LOW_VOL,
    REGIME_NORMAL,
    S_ADVERSE,
    S_BUY_EXCITE,
    S_LAST_MID,
    S_LAST_TRADE_TS,
    S_N_TRADES,
    S_RET_MEAN,
    S_RET_VAR,
    S_SELL_EXCITE,
    S_VOL_LAST_TS,
    S_VOL_VAR,
)

__all__ = ["features_nb", "new_signals", "on_mid_nb", "on_trade_nb"]


def new_signals() -> np.ndarray:
    """Signals before any event: no excitation, no history."""
    sig = np.zeros(N_SIGNALS, dtype=np.float64)
    sig[S_LAST_MID] = math.nan
    sig[S_VOL_LAST_TS] = math.nan
    return sig


@njit(cache=True)
def on_trade_nb(params: np.ndarray, sig: np.ndarray, t_secs: float, side: int, mid: float) -> None:
    """A trade printed: excite its side's intensity; test the mid move against recent ones."""
    beta = params[P_HAWKES_BETA]
    decay = math.exp(-beta * max(t_secs - sig[S_LAST_TRADE_TS], 0.0))
    sig[S_BUY_EXCITE] *= decay
    sig[S_SELL_EXCITE] *= decay
    if side > 0:
        sig[S_BUY_EXCITE] += params[P_HAWKES_ALPHA]
    else:
        sig[S_SELL_EXCITE] += params[P_HAWKES_ALPHA]
    sig[S_LAST_TRADE_TS] = t_secs
    if math.isfinite(mid):
        if math.isfinite(sig[S_LAST_MID]):
            ret = mid - sig[S_LAST_MID]
            window = params[P_ADVERSE_WINDOW]
            w = 2.0 / (window + 1.0)
            sd = math.sqrt(sig[S_RET_VAR])
            flagged = sig[S_N_TRADES] >= window and sd > 0.0
            if flagged and abs(ret - sig[S_RET_MEAN]) > params[P_ADVERSE_THRESHOLD] * sd:
                sig[S_ADVERSE] = 1.0
            else:
                sig[S_ADVERSE] = 0.0
            diff = ret - sig[S_RET_MEAN]
            sig[S_RET_MEAN] += w * diff
            sig[S_RET_VAR] = (1.0 - w) * (sig[S_RET_VAR] + w * diff * diff)
            sig[S_N_TRADES] += 1.0
        sig[S_LAST_MID] = mid


@njit(cache=True)
def on_mid_nb(
    params: np.ndarray, sig: np.ndarray, t_secs: float, prev_mid: float, mid: float
) -> None:
    """The mid moved: update the EWMA variance rate (price^2 per second) for the regime signal."""
    if not (math.isfinite(prev_mid) and math.isfinite(mid)):
        return
    last = sig[S_VOL_LAST_TS]
    if math.isfinite(last):
        dt = t_secs - last
        if dt > 0.0:
            halflife = params[P_VOL_EWMA_HALFLIFE_NS] / ONE_SEC_NS
            w = 1.0 - math.exp(-math.log(2.0) * dt / halflife)
            move = mid - prev_mid
            sig[S_VOL_VAR] += w * (move * move / dt - sig[S_VOL_VAR])
    sig[S_VOL_LAST_TS] = t_secs


@njit(cache=True)
def features_nb(
    params: np.ndarray,
    sig: np.ndarray,
    t_secs: float,
    mid: float,
    best_bid: float,
    best_ask: float,
    feat: np.ndarray,
) -> None:
    """Fill the quote kernel's feature vector (F_* layout) as of ``t_secs``."""
    decay = math.exp(-params[P_HAWKES_BETA] * max(t_secs - sig[S_LAST_TRADE_TS], 0.0))
    mu = params[P_HAWKES_MU]
    feat[F_MID] = mid
    feat[F_BEST_BID] = best_bid
    feat[F_BEST_ASK] = best_ask
    feat[F_BUY_INTENSITY] = mu + sig[S_BUY_EXCITE] * decay
    feat[F_SELL_INTENSITY] = mu + sig[S_SELL_EXCITE] * decay
    feat[F_ADVERSE] = sig[S_ADVERSE]
    vol = math.sqrt(sig[S_VOL_VAR])
    if vol < params[P_REGIME_VOL_LOW]:
        feat[F_REGIME] = REGIME_LOW_VOL
    elif vol > params[P_REGIME_VOL_HIGH]:
        feat[F_REGIME] = REGIME_HIGH_VOL
    else:
        feat[F_REGIME] = REGIME_NORMAL
    feat[F_TAU_SECS] = tau_secs_nb(params[P_HORIZON_SECS], t_secs)
