"""Fill-intensity calibration: lambda(delta) = A exp(-k delta) from arrival counts, Poisson MLE.

Counts, not volume: for each distance delta_j from the mid, N_j is the number of market-order
arrivals (trades) that reached at least delta_j during an observation time T; N_j ~ Poisson(T A
e^{-k delta_j}). For fixed k the MLE of A is closed form, A(k) = sum N / (T sum e^{-k delta}), so
the fit is a 1-D maximisation of the profile likelihood in k. A failed fit is reported with its
reason and never replaces the last good one (:class:`FillIntensityTracker` keeps it with its age).

Units follow quant.md: delta in price (or ticks, consistently), k in 1/price, A in 1/second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize

from corp.errors import DataError

__all__ = [
    "FillIntensityFit",
    "FillIntensityTracker",
    "arrival_counts",
    "fit_fill_intensity",
    "fit_fill_intensity_from_distances",
]


@dataclass(frozen=True, slots=True)
class FillIntensityFit:
    """Result of one (A, k) fit; ``ok`` False means A and k are NaN and ``reason`` says why."""

    A: float
    k: float
    ok: bool
    reason: str
    n_buckets: int
    n_arrivals: int
    """Arrivals behind the fit (the sum of the nested counts when only counts were given)."""
    deviance: float


def arrival_counts(distances: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """N_j = number of arrivals whose distance from the mid is >= grid[j] (grid increasing)."""
    d = np.asarray(distances, dtype=np.float64)
    g = np.asarray(grid, dtype=np.float64)
    if g.ndim != 1 or g.size == 0 or np.any(np.diff(g) <= 0):
        raise DataError("fill intensity 'grid' must be a non-empty strictly increasing vector")
    if d.size and not np.all(np.isfinite(d)):
        raise DataError("fill intensity 'distances' contains NaN or inf")
    d_sorted = np.sort(np.abs(d))
    return (d_sorted.size - np.searchsorted(d_sorted, g, side="left")).astype(np.float64)


def _failed(reason: str, n_buckets: int, n_arrivals: int) -> FillIntensityFit:
    return FillIntensityFit(math.nan, math.nan, False, reason, n_buckets, n_arrivals, math.nan)


def fit_fill_intensity(
    grid: np.ndarray, counts: np.ndarray, T_secs: float, *, k_max: float | None = None
) -> FillIntensityFit:
    """Poisson MLE of (A, k) from counts N_j at distances grid[j] over T_secs seconds."""
    g = np.asarray(grid, dtype=np.float64)
    n = np.asarray(counts, dtype=np.float64)
    if g.shape != n.shape or g.ndim != 1:
        raise DataError(
            f"fill intensity grid and counts must be equal 1-D, were {g.shape}, {n.shape}"
        )
    if not (math.isfinite(T_secs) and T_secs > 0):
        raise DataError(f"fill intensity 'T_secs' must be positive, was {T_secs!r}")
    if np.any(n < 0) or not np.all(np.isfinite(n)):
        raise DataError("fill intensity 'counts' must be finite and non-negative")
    total = int(n.sum())
    nonzero = int(np.count_nonzero(n))
    if nonzero < 2:
        return _failed(f"need arrivals in >= 2 buckets, had {nonzero}", g.size, total)
    span = float(g[-1] - g[0])
    if span <= 0:
        return _failed("grid spans zero distance", g.size, total)
    k_hi = k_max if k_max is not None else 50.0 / span  # e^{-50}: no information beyond

    def neg_profile(k: float) -> float:
        w = np.exp(-k * (g - g[0]))
        A0 = n.sum() / (T_secs * w.sum())  # intensity at g[0]
        log_mean = np.log(A0 * w, where=n > 0, out=np.zeros_like(w))
        return -(float(np.sum(n * log_mean)) - T_secs * A0 * float(w.sum()))

    res = optimize.minimize_scalar(
        neg_profile, bounds=(0.0, k_hi), method="bounded", options={"xatol": 1e-10 * k_hi}
    )
    k = float(res.x)
    if not res.success:
        return _failed(f"optimiser failed: {res.message}", g.size, total)
    if k <= 1e-6 * k_hi:
        return _failed(f"k hit the lower bound 0 (counts do not decay), k={k:.3g}", g.size, total)
    if k >= (1 - 1e-6) * k_hi:
        return _failed(
            f"k hit the upper bound {k_hi:.3g} (all arrivals at the touch)", g.size, total
        )
    w = np.exp(-k * (g - g[0]))
    A0 = n.sum() / (T_secs * w.sum())
    A = float(A0) * math.exp(k * float(g[0]))
    mean = T_secs * A * np.exp(-k * g)
    safe_n = np.where(n > 0, n, 1.0)
    dev = 2.0 * float(np.sum(np.where(n > 0, n * np.log(safe_n / mean), 0.0) - (n - mean)))
    return FillIntensityFit(A, k, True, "ok", g.size, total, dev)


def fit_fill_intensity_from_distances(
    distances: np.ndarray, T_secs: float, grid: np.ndarray
) -> FillIntensityFit:
    """Count arrivals reaching each grid distance, then fit (A, k); n_arrivals = len(distances)."""
    fit = fit_fill_intensity(grid, arrival_counts(distances, grid), T_secs)
    return replace(fit, n_arrivals=int(np.asarray(distances).size))


class FillIntensityTracker:
    """Keeps the last good (A, k) with its age; failed fits are counted and reported, not used."""

    def __init__(self) -> None:
        self.last_good: FillIntensityFit | None = None
        self.last_good_ns: int | None = None
        self.failures: list[tuple[int, str]] = []

    def update(self, result: FillIntensityFit, now_ns: int) -> FillIntensityFit | None:
        """Record a fit; return the fit in force (the new one if ok, else the last good one)."""
        if result.ok:
            self.last_good, self.last_good_ns = result, now_ns
        else:
            self.failures.append((now_ns, result.reason))
        return self.last_good

    def age_ns(self, now_ns: int) -> int | None:
        """Age of the fit in force; None when no fit ever succeeded."""
        return None if self.last_good_ns is None else now_ns - self.last_good_ns
