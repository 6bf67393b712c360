"""When to re-estimate parameters (seed 13.1): four triggers, each a test with its evidence.

1. the regime distribution changed: chi-square test of regime counts, baseline vs now;
2. the fill rate left its baseline: two-proportion z-test and a relative-change floor;
3. adverse selection rose: Welch's t-test (one-sided) on per-fill adverse selection samples;
4. the regime fallback ratio stayed high: the last ``persist_windows`` ratios all above a level.

Each trigger needs both statistical significance and a material size, so a long quiet sample
does not fire on a negligible change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from corp.errors import DataError
from corp.quant.stats import welch_t_test

__all__ = ["Trigger", "reestimation_triggers"]


@dataclass(frozen=True, slots=True)
class Trigger:
    name: str
    fired: bool
    evidence: str


def _regime_shift(base: np.ndarray, now: np.ndarray, alpha: float, min_tv: float) -> Trigger:
    if base.shape != now.shape or base.ndim != 1:
        raise DataError(
            f"regime counts must be equal-length vectors, had {base.shape}, {now.shape}"
        )
    keep = (base + now) > 0
    table = np.vstack([base[keep], now[keep]])
    if table.shape[1] < 2 or base.sum() == 0 or now.sum() == 0:
        return Trigger("regime_distribution", False, "too few regimes observed to compare")
    _, p, _, _ = stats.chi2_contingency(table)
    tv = 0.5 * float(np.abs(base / base.sum() - now / now.sum()).sum())
    fired = p < alpha and tv >= min_tv
    return Trigger("regime_distribution", fired, f"chi2 p={p:.3g}, total variation {tv:.3f}")


def _fill_rate(
    fills_b: int, quotes_b: int, fills_n: int, quotes_n: int, alpha: float, min_rel: float
) -> Trigger:
    if min(quotes_b, quotes_n) <= 0 or fills_b > quotes_b or fills_n > quotes_n:
        raise DataError("fill counts must satisfy 0 <= fills <= quotes with quotes > 0")
    p_b, p_n = fills_b / quotes_b, fills_n / quotes_n
    pooled = (fills_b + fills_n) / (quotes_b + quotes_n)
    se = math.sqrt(pooled * (1 - pooled) * (1 / quotes_b + 1 / quotes_n))
    p = 1.0 if se == 0 else float(2 * stats.norm.sf(abs(p_n - p_b) / se))
    rel = abs(p_n - p_b) / p_b if p_b > 0 else math.inf
    fired = p < alpha and rel >= min_rel
    return Trigger("fill_rate", fired, f"{p_b:.4f} -> {p_n:.4f} ({rel:+.1%} abs), z-test p={p:.3g}")


def _adverse(base: np.ndarray, now: np.ndarray, alpha: float, min_rise_bps: float) -> Trigger:
    res = welch_t_test(now, base)
    one_sided = res.p_value / 2 if res.t > 0 else 1 - res.p_value / 2
    rise = res.mean_a - res.mean_b
    fired = one_sided < alpha and rise >= min_rise_bps
    return Trigger(
        "adverse_selection",
        fired,
        f"{res.mean_b:.3f} -> {res.mean_a:.3f} bps, Welch one-sided p={one_sided:.3g}",
    )


def reestimation_triggers(
    *,
    regime_counts_baseline: Sequence[int],
    regime_counts_now: Sequence[int],
    fills_baseline: int,
    quotes_baseline: int,
    fills_now: int,
    quotes_now: int,
    adverse_bps_baseline: Sequence[float],
    adverse_bps_now: Sequence[float],
    fallback_ratios: Sequence[float],
    alpha: float = 0.01,
    min_regime_tv: float = 0.1,
    min_fill_rate_change: float = 0.3,
    min_adverse_rise_bps: float = 0.5,
    fallback_level: float = 0.5,
    persist_windows: int = 3,
) -> tuple[Trigger, ...]:
    """All four triggers (fired or not, with their evidence)."""
    fb = np.asarray(fallback_ratios, dtype=np.float64)
    recent = fb[-persist_windows:]
    persistent = recent.size == persist_windows and bool(np.all(recent > fallback_level))
    fallback = Trigger(
        "fallback_ratio",
        persistent,
        f"last {recent.size} fallback ratios {np.round(recent, 3).tolist()} vs level "
        f"{fallback_level}",
    )
    return (
        _regime_shift(
            np.asarray(regime_counts_baseline, dtype=np.float64),
            np.asarray(regime_counts_now, dtype=np.float64),
            alpha,
            min_regime_tv,
        ),
        _fill_rate(
            fills_baseline, quotes_baseline, fills_now, quotes_now, alpha, min_fill_rate_change
        ),
        _adverse(
            np.asarray(adverse_bps_baseline),
            np.asarray(adverse_bps_now),
            alpha,
            min_adverse_rise_bps,
        ),
        fallback,
    )
