"""Market orders that sweep a book: heavy-tailed sizes against a depth profile, one print a level.

Why this shape: a maker quote away from the touch only fills when an aggressor's order is big
enough to eat every level in front of it. If aggressor sizes are Pareto, P(S > s) =
(s_min / s)^alpha for s >= s_min, and the cumulative depth in front of level j (levels ``gap``
apart, j = 0 the touch) is C_{j-1} = s_min exp(k j gap / alpha), then

    P(an order reaches level j) = P(S > C_{j-1}) = exp(-k j gap),

the Avellaneda-Stoikov fill-intensity law A exp(-k delta) (quant.md) with k set by the book, not
assumed. Cumulative depth is rounded to whole lots (the law then holds up to that rounding).

Pure numpy, vectorised; the generators call these, so the sweep is computed in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["DepthProfile", "depth_profile", "pareto_sizes_base", "sweep"]


@dataclass(frozen=True, slots=True)
class DepthProfile:
    """Resting size per level (index 0 = the touch) and the cumulative size through each level."""

    level_qty_base: np.ndarray
    cum_qty_base: np.ndarray


def depth_profile(
    *,
    n_levels: int,
    gap_quote: float,
    k_per_quote: float,
    size_min_base: float,
    tail_alpha: float,
    lot_base: float,
) -> DepthProfile:
    """The book whose levels a Pareto(size_min_base, tail_alpha) order reaches with e^{-k delta}."""
    checks = {
        "gap_quote": gap_quote,
        "k_per_quote": k_per_quote,
        "size_min_base": size_min_base,
        "tail_alpha": tail_alpha,
        "lot_base": lot_base,
    }
    for name, v in checks.items():
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"depth profile: {name} must be a finite positive number, was {v!r}")
    if n_levels < 1:
        raise ValueError(f"depth profile: n_levels must be >= 1, was {n_levels!r}")
    j = np.arange(1, n_levels + 1, dtype=np.float64)
    cum_lots = np.round(size_min_base * np.exp(k_per_quote * gap_quote * j / tail_alpha) / lot_base)
    level_lots = np.maximum(np.diff(cum_lots, prepend=0.0), 1.0)  # a level holds >= one lot
    cum_lots = np.cumsum(level_lots)
    return DepthProfile(level_qty_base=level_lots * lot_base, cum_qty_base=cum_lots * lot_base)


def pareto_sizes_base(
    rng: np.random.Generator, n: int, *, size_min_base: float, tail_alpha: float
) -> np.ndarray:
    """``n`` aggressor sizes with P(S > s) = (size_min_base / s)^tail_alpha (continuous)."""
    u = 1.0 - rng.random(n)  # (0, 1]
    return size_min_base * u ** (-1.0 / tail_alpha)


def sweep(
    sizes_base: np.ndarray, profile: DepthProfile, lot_base: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk each order through the profile from the touch.

    Returns ``(n_reached, print_level, print_qty_base)``: levels each order printed at (>= 1), and
    per print (orders in input order, levels outward) the level index and the traded size. Every
    level before the last is emptied; the last takes the rest (whole lots, at least one; an order
    bigger than the whole book leaves its excess at the last level, as nothing lies beyond it).
    """
    sizes = np.asarray(sizes_base, dtype=np.float64)
    cum = profile.cum_qty_base
    n_levels = cum.size
    # an order reaches level j when it is bigger than everything in front of it (cum[j-1])
    n_reached = np.minimum(np.searchsorted(cum, sizes, side="left") + 1, n_levels)
    total = int(n_reached.sum())
    first = np.cumsum(n_reached) - n_reached
    level = np.arange(total) - np.repeat(first, n_reached)
    qty = profile.level_qty_base[level].copy()
    last = first + n_reached - 1
    before = np.where(n_reached > 1, cum[np.maximum(n_reached - 2, 0)], 0.0)
    rest_lots = np.maximum(np.round((sizes - before) / lot_base), 1.0)
    qty[last] = rest_lots * lot_base
    return n_reached, level, qty
