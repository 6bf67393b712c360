"""Inventory (or any series') mean-reversion half-life from an OLS AR(1) fit.

x_t = c + phi x_{t-1} + e; half-life = ln 2 / (-ln phi) steps, times ``dt``. inf when phi >= 1 (no
mean reversion), NaN when phi <= 0 (oscillation: a half-life is meaningless). The common shortcut
-ln 2 / (phi - 1) is a first-order approximation and wrong for fast reversion (quant.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from corp.errors import DataError

__all__ = ["AR1Fit", "ar1_fit", "half_life"]


@dataclass(frozen=True, slots=True)
class AR1Fit:
    c: float
    phi: float
    half_life_steps: float


def ar1_fit(x: np.ndarray) -> AR1Fit:
    """OLS of x_t on (1, x_{t-1}); half-life in steps."""
    arr = np.asarray(x, dtype=np.float64).ravel()
    if arr.size < 3:
        raise DataError(f"half-life needs at least 3 observations, had {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise DataError("half-life series contains NaN or inf")
    y, z = arr[1:], arr[:-1]
    zc = z - z.mean()
    sxx = float(np.dot(zc, zc))
    if sxx == 0.0:
        raise DataError("half-life series is constant: phi is not identified")
    phi = float(np.dot(zc, y - y.mean())) / sxx
    c = float(y.mean() - phi * z.mean())
    if phi >= 1.0:
        hl = math.inf
    elif phi <= 0.0:
        hl = math.nan
    else:
        hl = math.log(2.0) / -math.log(phi)
    return AR1Fit(c, phi, hl)


def half_life(x: np.ndarray, dt: float = 1.0) -> float:
    """Half-life of ``x`` in the units of ``dt`` (one step = dt)."""
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"half-life 'dt' must be positive, was {dt!r}")
    return ar1_fit(x).half_life_steps * dt
