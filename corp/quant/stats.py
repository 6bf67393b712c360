"""Statistics for comparing runs: Welch's t-test, Sharpe, robust summaries (seed 5.4, 6.4.4).

Robust statistics keep one extreme window from pushing parameters somewhere that does not
generalise: the median, the winsorized mean and a quantile (e.g. 25 %) of per-window Sharpe ratios.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from corp.errors import DataError

__all__ = [
    "RobustSummary",
    "WelchResult",
    "quantile_sharpe",
    "robust_summary",
    "sharpe_ratio",
    "welch_t_test",
    "winsorized_mean",
]


@dataclass(frozen=True, slots=True)
class WelchResult:
    t: float
    df: float
    p_value: float
    mean_a: float
    mean_b: float


def _clean(x: np.ndarray, name: str, min_n: int = 2) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size < min_n:
        raise DataError(f"'{name}' needs at least {min_n} values, had {a.size}")
    if not np.all(np.isfinite(a)):
        raise DataError(f"'{name}' contains NaN or inf")
    return a


def welch_t_test(a: np.ndarray, b: np.ndarray) -> WelchResult:
    """Two-sided Welch test (unequal variances): t, Welch-Satterthwaite df and p (scipy.stats)."""
    x, y = _clean(a, "a"), _clean(b, "b")
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    res = stats.ttest_ind(x, y, equal_var=False)
    t, p = float(res.statistic), float(res.pvalue)
    return WelchResult(t, float(df), p, float(x.mean()), float(y.mean()))


def sharpe_ratio(returns: np.ndarray, periods_per_year: float = 1.0) -> float:
    """mean / std (ddof=1) times sqrt(periods_per_year); NaN when the std is zero."""
    r = _clean(returns, "returns")
    sd = float(r.std(ddof=1))
    return math.nan if sd == 0.0 else float(r.mean()) / sd * math.sqrt(periods_per_year)


def winsorized_mean(x: np.ndarray, limit: float = 0.05) -> float:
    """Mean after clipping the lowest and highest ``limit`` fraction to the nearest kept value."""
    if not 0.0 <= limit < 0.5:
        raise ValueError(f"winsorize 'limit' must lie in [0, 0.5), was {limit!r}")
    a = _clean(x, "x", 1)
    return float(np.mean(stats.mstats.winsorize(a, limits=(limit, limit))))


def quantile_sharpe(
    windows: Sequence[np.ndarray], q: float = 0.25, periods_per_year: float = 1.0
) -> float:
    """The q-quantile (``inverted_cdf``) of per-window Sharpe ratios (seed 5.4: 25 % quantile)."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile_sharpe 'q' must lie in [0, 1], was {q!r}")
    sharpes = np.array([sharpe_ratio(w, periods_per_year) for w in windows], dtype=np.float64)
    sharpes = sharpes[np.isfinite(sharpes)]
    if sharpes.size == 0:
        raise DataError("quantile_sharpe needs at least one window with a finite Sharpe ratio")
    return float(np.quantile(sharpes, q, method="inverted_cdf"))


@dataclass(frozen=True, slots=True)
class RobustSummary:
    mean: float
    median: float
    winsorized_mean: float
    n: int


def robust_summary(x: np.ndarray, limit: float = 0.05) -> RobustSummary:
    a = _clean(x, "x", 1)
    return RobustSummary(float(a.mean()), float(np.median(a)), winsorized_mean(a, limit), a.size)
