"""Half-life (OLS AR(1)) and Welch/robust statistics against scipy and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from corp.quant import half_life as hl
from corp.quant import stats as qs


def ar1(phi: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    x[0] = 0.0
    for t in range(1, n):
        x[t] = 0.5 + phi * x[t - 1] + rng.normal()
    return x


def test_ar1_coefficient_matches_scipy_linregress() -> None:
    x = ar1(0.9, 2_000, 1)
    fit = hl.ar1_fit(x)
    ref = stats.linregress(x[:-1], x[1:])
    assert fit.phi == pytest.approx(ref.slope, rel=1e-12)
    assert fit.c == pytest.approx(ref.intercept, rel=1e-9)


def test_half_life_is_ln2_over_minus_ln_phi_times_dt() -> None:
    x = ar1(0.9, 2_000, 2)
    phi = hl.ar1_fit(x).phi
    assert hl.half_life(x, dt=0.5) == pytest.approx(0.5 * math.log(2) / -math.log(phi))
    assert hl.half_life(ar1(0.9, 50_000, 3)) == pytest.approx(
        math.log(2) / -math.log(0.9), rel=0.05
    )


def test_half_life_is_infinite_for_an_explosive_series() -> None:
    x = 1.05 ** np.arange(50)
    assert hl.half_life(x) == math.inf


def test_half_life_is_nan_for_an_oscillating_series() -> None:
    x = ar1(-0.6, 2_000, 4)
    assert math.isnan(hl.half_life(x))


def test_welch_matches_scipy_and_the_welch_satterthwaite_df() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(0.1, 1.0, 40), rng.normal(0.0, 3.0, 90)
    res = qs.welch_t_test(a, b)
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert res.t == pytest.approx(ref.statistic)
    assert res.p_value == pytest.approx(ref.pvalue)
    v1, v2 = a.var(ddof=1) / 40, b.var(ddof=1) / 90
    assert res.df == pytest.approx((v1 + v2) ** 2 / (v1**2 / 39 + v2**2 / 89))
    assert res.t == pytest.approx((a.mean() - b.mean()) / math.sqrt(v1 + v2))


def test_winsorized_mean_clips_the_extremes_by_hand() -> None:
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 1000])
    # 10 % each side: 1 -> 2 and 1000 -> 9
    assert qs.winsorized_mean(x, 0.1) == pytest.approx((2 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 9) / 10)


def test_quantile_sharpe_is_the_lower_quartile_of_window_sharpes() -> None:
    rng = np.random.default_rng(6)
    windows = [rng.normal(m, 1.0, 100) for m in (0.0, 0.1, 0.2, 0.3)]
    sharpes = sorted(qs.sharpe_ratio(w) for w in windows)
    assert qs.quantile_sharpe(windows, 0.25) == sharpes[0]
    assert qs.quantile_sharpe(windows, 0.5) == sharpes[1]


def test_robust_summary_median_ignores_an_outlier() -> None:
    s = qs.robust_summary(np.array([1.0, 2.0, 3.0, 1e6]))
    assert s.median == 2.5
    assert s.mean > 1e5
