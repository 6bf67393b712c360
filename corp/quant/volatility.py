"""Volatility estimators on one time base (sigma in price-return units per sqrt(step)).

- realised (close-to-close): sample std of log returns;
- ewma: RiskMetrics recursion s2_t = lam s2_{t-1} + (1 - lam) r_t^2 (causal; lam = 0.94 daily);
- parkinson: high/low range, sigma^2 = mean(ln(H/L)^2) / (4 ln 2);
- garman_klass: OHLC, 0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2;
- rolling_realised: trailing-window realised vol at every step (NaN until the window fills), used by
  the regime fallback.

``per_secs`` converts: sigma per sqrt(second) = sigma per sqrt(step) / sqrt(step_secs). Annualising
assumes iid returns (sqrt-time scaling).
"""

from __future__ import annotations

import math

import numpy as np

from corp.errors import DataError

__all__ = [
    "ewma_volatility",
    "garman_klass_volatility",
    "log_returns",
    "parkinson_volatility",
    "per_secs",
    "realised_volatility",
    "rolling_realised_volatility",
]


def _prices(x: np.ndarray, name: str, min_n: int = 2) -> np.ndarray:
    p = np.asarray(x, dtype=np.float64).ravel()
    if p.size < min_n:
        raise DataError(f"'{name}' needs at least {min_n} values, had {p.size}")
    if not np.all(np.isfinite(p)) or np.any(p <= 0):
        raise DataError(f"'{name}' must be finite and positive prices")
    return p


def log_returns(prices: np.ndarray) -> np.ndarray:
    return np.diff(np.log(_prices(prices, "prices")))


def realised_volatility(prices: np.ndarray) -> float:
    """Std (ddof=1) of log returns, per sqrt(step)."""
    r = log_returns(prices)
    if r.size < 2:
        raise DataError(f"realised volatility needs at least 3 prices, had {r.size + 1}")
    return float(r.std(ddof=1))


def ewma_volatility(returns: np.ndarray, lam: float = 0.94) -> np.ndarray:
    """Causal RiskMetrics volatility path: element t uses returns up to and including t."""
    if not 0.0 < lam < 1.0:
        raise ValueError(f"ewma 'lam' must lie in (0, 1), was {lam!r}")
    r = np.asarray(returns, dtype=np.float64).ravel()
    if r.size == 0 or not np.all(np.isfinite(r)):
        raise DataError("ewma 'returns' must be non-empty and finite")
    out = np.empty(r.size)
    s2 = r[0] ** 2
    for i in range(r.size):
        s2 = lam * s2 + (1.0 - lam) * r[i] ** 2
        out[i] = s2
    return np.sqrt(out)


def parkinson_volatility(high: np.ndarray, low: np.ndarray) -> float:
    h, lo = _prices(high, "high", 1), _prices(low, "low", 1)
    if h.shape != lo.shape or np.any(h < lo):
        raise DataError("parkinson needs equal-length high >= low")
    return float(math.sqrt(np.mean(np.log(h / lo) ** 2) / (4.0 * math.log(2.0))))


def garman_klass_volatility(
    open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray
) -> float:
    o, h = _prices(open_, "open", 1), _prices(high, "high", 1)
    lo, c = _prices(low, "low", 1), _prices(close, "close", 1)
    if not (o.shape == h.shape == lo.shape == c.shape):
        raise DataError("garman_klass needs equal-length open/high/low/close")
    v = 0.5 * np.log(h / lo) ** 2 - (2.0 * math.log(2.0) - 1.0) * np.log(c / o) ** 2
    return float(math.sqrt(max(float(np.mean(v)), 0.0)))


def rolling_realised_volatility(returns: np.ndarray, window: int) -> np.ndarray:
    """Trailing std (ddof=1) over ``window`` returns ending at t; NaN for t < window - 1."""
    r = np.asarray(returns, dtype=np.float64).ravel()
    if window < 2:
        raise ValueError(f"rolling volatility 'window' must be >= 2, was {window}")
    out = np.full(r.size, np.nan)
    if r.size < window:
        return out
    c1 = np.concatenate([[0.0], np.cumsum(r)])
    c2 = np.concatenate([[0.0], np.cumsum(r * r)])
    s1 = c1[window:] - c1[:-window]
    s2 = c2[window:] - c2[:-window]
    var = (s2 - s1 * s1 / window) / (window - 1)
    out[window - 1 :] = np.sqrt(np.maximum(var, 0.0))
    return out


def per_secs(sigma_per_step: float, step_secs: float) -> float:
    """Convert sigma per sqrt(step) into sigma per sqrt(second) (iid scaling)."""
    if step_secs <= 0:
        raise ValueError(f"'step_secs' must be positive, was {step_secs!r}")
    return sigma_per_step / math.sqrt(step_secs)
