"""Spread-bucket analysis for the base spread (seed 2.3).

Per quote: the half-spread it was posted at (bps from the mid), whether it filled, and the adverse
selection after a fill (bps the mid moved against the position over a fixed horizon). Per bucket of
half-spread: fill rate, mean adverse selection of the fills and net return per quote
= fill_rate * (half_spread - adverse - fee). The proposed base spread is the bucket centre that
maximises a rolling (3-bucket) mean of net return among buckets with enough quotes *and* enough
fills (a net return measured on three fills is noise): the "robust interval" of the seed, so one
lucky bucket cannot win alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from corp.errors import DataError

__all__ = ["SpreadBucketTable", "spread_bucket_analysis"]


@dataclass(frozen=True, slots=True)
class SpreadBucketTable:
    """One row per bucket; ``best_half_spread_bps`` is NaN when no bucket has enough quotes
    and fills."""

    lower_bps: np.ndarray
    upper_bps: np.ndarray
    n_quotes: np.ndarray
    fill_rate: np.ndarray
    adverse_bps: np.ndarray
    net_bps_per_quote: np.ndarray
    smoothed_net_bps: np.ndarray
    best_half_spread_bps: float
    min_quotes: int

    def rows(self) -> list[dict[str, float]]:
        """Rows for reports (JSON/Markdown)."""
        return [
            {
                "lower_bps": float(self.lower_bps[i]),
                "upper_bps": float(self.upper_bps[i]),
                "n_quotes": int(self.n_quotes[i]),
                "fill_rate": float(self.fill_rate[i]),
                "adverse_bps": float(self.adverse_bps[i]),
                "net_bps_per_quote": float(self.net_bps_per_quote[i]),
                "smoothed_net_bps": float(self.smoothed_net_bps[i]),
            }
            for i in range(self.n_quotes.size)
        ]


def spread_bucket_analysis(
    half_spread_bps: np.ndarray,
    filled: np.ndarray,
    adverse_bps: np.ndarray,
    edges_bps: np.ndarray,
    *,
    fee_bps: float = 0.0,
    min_quotes: int = 30,
    min_fills: int = 20,
    smooth: int = 3,
) -> SpreadBucketTable:
    """Bucket quotes by half-spread and pick the robust best bucket (see module docstring)."""
    hs = np.asarray(half_spread_bps, dtype=np.float64).ravel()
    fl = np.asarray(filled, dtype=bool).ravel()
    adv = np.asarray(adverse_bps, dtype=np.float64).ravel()
    edges = np.asarray(edges_bps, dtype=np.float64).ravel()
    if not (hs.shape == fl.shape == adv.shape):
        raise DataError(
            f"spread buckets need equal-length inputs, had {hs.size}, {fl.size}, {adv.size}"
        )
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise DataError("spread bucket 'edges_bps' must be strictly increasing, >= 2 values")
    if not np.all(np.isfinite(hs)) or not np.all(np.isfinite(adv[fl])):
        raise DataError("spread buckets: half_spread_bps and adverse_bps of fills must be finite")
    if smooth < 1 or smooth % 2 == 0:
        raise ValueError(f"spread bucket 'smooth' must be a positive odd integer, was {smooth}")
    idx = np.searchsorted(edges, hs, side="right") - 1
    nb = edges.size - 1
    inside = (idx >= 0) & (idx < nb)
    n_q = np.bincount(idx[inside], minlength=nb).astype(np.int64)
    n_f = np.bincount(idx[inside & fl], minlength=nb).astype(np.float64)
    adv_sum = np.bincount(idx[inside & fl], weights=adv[inside & fl], minlength=nb)
    hs_sum = np.bincount(idx[inside & fl], weights=hs[inside & fl], minlength=nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        fill_rate = np.where(n_q > 0, n_f / np.maximum(n_q, 1), np.nan)
        adverse = np.where(n_f > 0, adv_sum / np.maximum(n_f, 1), np.nan)
        net = np.where(n_q > 0, (hs_sum - adv_sum - fee_bps * n_f) / np.maximum(n_q, 1), np.nan)
    valid = (n_q >= min_quotes) & (n_f >= min_fills) & np.isfinite(net)
    smoothed = np.full(nb, np.nan)
    half = smooth // 2
    for i in range(nb):
        if valid[i]:
            lo, hi = max(0, i - half), min(nb, i + half + 1)
            window = net[lo:hi][valid[lo:hi]]
            smoothed[i] = float(window.mean())
    best = math.nan
    if np.any(valid):
        j = int(np.nanargmax(smoothed))
        best = float(0.5 * (edges[j] + edges[j + 1]))
    return SpreadBucketTable(
        edges[:-1].copy(), edges[1:].copy(), n_q, fill_rate, adverse, net, smoothed, best,
        min_quotes,
    )  # fmt: skip
