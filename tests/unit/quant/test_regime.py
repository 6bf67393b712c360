"""Regime detection: HMM recovery, causal filtering, fallback hysteresis, timeout ratios."""

from __future__ import annotations

import numpy as np
import pytest

from corp.quant.regime import (
    FastRegimeConfig,
    FastRegimeDetector,
    VolThresholdRegime,
    fit_gaussian_hmm,
    forward_filter,
)


def two_regime_returns(
    n_blocks: int = 8, block: int = 250, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    states = np.repeat(np.arange(n_blocks) % 2, block)
    sig = np.where(states == 0, 0.005, 0.03)
    return rng.normal(0.0, sig), states


def test_hmm_recovers_two_volatility_states_sorted_by_sigma() -> None:
    r, _ = two_regime_returns()
    hmm = fit_gaussian_hmm(r, 2, seed=1)
    assert hmm.sigmas[0] == pytest.approx(0.005, rel=0.15)
    assert hmm.sigmas[1] == pytest.approx(0.03, rel=0.15)
    assert hmm.trans[0, 0] > 0.9


def test_filtered_states_track_the_true_regimes() -> None:
    r, states = two_regime_returns()
    hmm = fit_gaussian_hmm(r, 2, seed=1)
    guess = forward_filter(r, hmm).argmax(axis=1)
    assert np.mean(guess == states) > 0.9


def test_forward_filter_is_causal_appending_future_data_changes_no_past_state() -> None:
    r, _ = two_regime_returns()
    hmm = fit_gaussian_hmm(r[:1000], 2, seed=1)
    past = forward_filter(r[:1000], hmm)
    extended = forward_filter(np.concatenate([r[:1000], np.full(500, 0.5)]), hmm)
    np.testing.assert_allclose(extended[:1000], past, rtol=1e-12, atol=1e-300)


def test_three_state_fit_orders_states_by_sigma() -> None:
    rng = np.random.default_rng(3)
    r = np.concatenate([rng.normal(0, s, 400) for s in (0.01, 0.05, 0.002, 0.01, 0.05)])
    hmm = fit_gaussian_hmm(r, 3, seed=2)
    assert np.all(np.diff(hmm.sigmas) > 0)


def test_fallback_hysteresis_does_not_flap_on_the_threshold() -> None:
    fb = VolThresholdRegime(2, window=5, hysteresis=0.2)
    fb.thresholds = np.array([1.0])
    path = [fb.step(v, 0) for v in (1.1, 1.19)]
    assert path == [0, 0]  # below 1.2: stay calm
    assert fb.step(1.25, 0) == 1
    assert fb.step(0.9, 1) == 1  # above 0.8: stay volatile
    assert fb.step(0.75, 1) == 0


def test_fallback_classify_is_causal() -> None:
    r, _ = two_regime_returns()
    fb = VolThresholdRegime(2, window=20).fit(r[:1000])
    full = fb.classify(r)
    np.testing.assert_array_equal(fb.classify(r[:1500]), full[:1500])


def test_zero_timeout_makes_the_detector_run_on_the_fallback_only() -> None:
    r, _ = two_regime_returns()
    det = FastRegimeDetector(FastRegimeConfig(timeout_ms=0.0, lookback_window=500))
    for x in r:
        det.update(float(x))
    s = det.stats()
    assert s.fallback_ratio == 1.0
    assert s.hmm_ratio == 0.0
    assert s.n_timeouts >= 1


def test_detector_uses_the_hmm_when_the_budget_allows_and_reports_ratios() -> None:
    r, states = two_regime_returns()
    det = FastRegimeDetector(FastRegimeConfig(timeout_ms=5_000.0, lookback_window=500))
    out = np.array([det.update(float(x)) for x in r])
    s = det.stats()
    assert s.hmm_ratio > 0.5
    assert s.hmm_ratio + s.fallback_ratio == pytest.approx(1.0)
    assert np.mean(out[600:] == states[600:]) > 0.85
