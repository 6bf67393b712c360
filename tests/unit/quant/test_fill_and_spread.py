"""Fill intensity (A, k) Poisson MLE and spread-bucket analysis."""

from __future__ import annotations

import math

import numpy as np
import pytest

from corp.quant.fill_intensity import (
    FillIntensityTracker,
    arrival_counts,
    fit_fill_intensity,
    fit_fill_intensity_from_distances,
)
from corp.quant.spread_buckets import spread_bucket_analysis

GRID = np.linspace(0.05, 1.0, 20)


def exponential_arrivals(A: float, k: float, T: float, seed: int) -> np.ndarray:
    """Arrivals at rate A whose reach from the mid is Exp(k): N(>= d) has mean T A e^{-k d}."""
    rng = np.random.default_rng(seed)
    return rng.exponential(1.0 / k, rng.poisson(A * T))


def test_fit_recovers_a_and_k_from_simulated_arrivals() -> None:
    fit = fit_fill_intensity_from_distances(
        exponential_arrivals(2.0, 3.0, 5_000.0, 1), 5_000.0, GRID
    )
    assert fit.ok
    assert pytest.approx(2.0, rel=0.05) == fit.A
    assert fit.k == pytest.approx(3.0, rel=0.05)


def test_arrival_counts_count_arrivals_reaching_each_distance() -> None:
    counts = arrival_counts(np.array([0.1, 0.2, 0.2, 0.5, -0.3]), np.array([0.1, 0.2, 0.3, 0.6]))
    np.testing.assert_array_equal(counts, [5, 4, 2, 0])


def test_empty_buckets_are_a_reported_failure_not_a_fit() -> None:
    fit = fit_fill_intensity(GRID, np.zeros(GRID.size), 100.0)
    assert not fit.ok
    assert "need arrivals in >= 2 buckets" in fit.reason
    assert math.isnan(fit.A)


def test_counts_that_do_not_decay_are_a_reported_failure() -> None:
    fit = fit_fill_intensity(GRID, np.full(GRID.size, 7.0), 100.0)
    assert not fit.ok
    assert "lower bound" in fit.reason


def test_tracker_keeps_the_last_good_fit_and_its_age_after_a_failure() -> None:
    tracker = FillIntensityTracker()
    good = fit_fill_intensity_from_distances(
        exponential_arrivals(2.0, 3.0, 1_000.0, 2), 1_000.0, GRID
    )
    bad = fit_fill_intensity(GRID, np.zeros(GRID.size), 100.0)
    tracker.update(good, now_ns=1_000)
    in_force = tracker.update(bad, now_ns=5_000)
    assert in_force is good
    assert tracker.age_ns(6_000) == 5_000
    assert tracker.failures == [(5_000, bad.reason)]


def test_best_spread_bucket_is_where_net_return_peaks() -> None:
    rng = np.random.default_rng(3)
    hs = rng.uniform(0.0, 20.0, 60_000)
    filled = rng.random(hs.size) < np.exp(-hs / 6.0)  # fill rate decays with distance
    adverse = np.where(filled, 2.0 + rng.normal(0.0, 1.0, hs.size), np.nan)
    table = spread_bucket_analysis(hs, filled, adverse, np.arange(0.0, 21.0, 1.0))
    # net per quote ~ e^{-h/6} (h - 2): maximised at h = 8
    assert table.best_half_spread_bps == pytest.approx(8.0, abs=1.5)
    assert table.fill_rate[0] > table.fill_rate[-1]
    assert np.nanmean(table.adverse_bps) == pytest.approx(2.0, abs=0.1)


def test_sparse_buckets_cannot_be_chosen() -> None:
    hs = np.array([1.5] * 50 + [9.5] * 3)
    filled = np.ones(hs.size, dtype=bool)
    adverse = np.array([1.0] * 50 + [0.0] * 3)
    table = spread_bucket_analysis(
        hs, filled, adverse, np.arange(0.0, 11.0), min_quotes=30, min_fills=20
    )
    assert table.best_half_spread_bps == 1.5
    assert table.rows()[9]["n_quotes"] == 3


def test_a_bucket_with_a_few_lucky_fills_cannot_be_chosen() -> None:
    # bucket 1-2: 40 fills of 100 quotes at +0.5 bps; bucket 9-10: 3 fills of 40 quotes at +9.5 bps
    hs = np.array([1.5] * 100 + [9.5] * 40)
    filled = np.array([True] * 40 + [False] * 60 + [True] * 3 + [False] * 37)
    adverse = np.where(filled, 1.0, np.nan)
    adverse[100:103] = 0.0
    lucky = spread_bucket_analysis(hs, filled, adverse, np.arange(0.0, 11.0), min_fills=1)
    assert lucky.best_half_spread_bps == 9.5  # 0.71 bps per quote beats 0.2, on three fills
    robust = spread_bucket_analysis(hs, filled, adverse, np.arange(0.0, 11.0), min_fills=20)
    assert robust.best_half_spread_bps == 1.5
