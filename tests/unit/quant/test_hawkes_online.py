"""Online Hawkes estimator: convergence, bounds, drift and branching alarms; intensity monitors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from corp.errors import DataError
from corp.quant import hawkes
from corp.quant.hawkes_online import (
    AlarmKind,
    IntensityMonitor,
    OnlineHawkesConfig,
    OnlineHawkesEstimator,
    intensity_thresholds,
    stability_score,
)


def run(est: OnlineHawkesEstimator, times: np.ndarray) -> list:
    return [u for t in times if (u := est.observe(float(t))) is not None]


def test_online_estimate_settles_near_the_true_parameters_of_a_stable_stream() -> None:
    times = hawkes.simulate(0.5, 0.4, 0.8, 8_000.0, seed=31)
    est = OnlineHawkesEstimator(OnlineHawkesConfig(window_events=2000), initial=(1.0, 0.1, 2.0))
    updates = run(est, times)
    assert len(updates) > 20
    last = updates[-1]
    assert last.branching_ratio == pytest.approx(0.5, abs=0.15)
    assert last.mu == pytest.approx(0.5, rel=0.35)


def test_alpha_drift_alarm_fires_when_clustering_jumps_mid_stream() -> None:
    calm = hawkes.simulate(0.5, 0.1, 0.8, 3_000.0, seed=32)
    hot = 3_000.0 + hawkes.simulate(0.5, 0.7, 0.8, 3_000.0, seed=33)
    est = OnlineHawkesEstimator(OnlineHawkesConfig(), initial=(0.5, 0.1, 0.8))
    updates = run(est, np.concatenate([calm, hot]))
    after = [u for u in updates if u.time_secs > 3_000.0]
    assert any(AlarmKind.ALPHA_DRIFT in u.alarms for u in after)
    before = [u for u in updates if u.time_secs < 3_000.0 - 500.0]
    assert not any(AlarmKind.BRANCHING_HIGH in u.alarms for u in before)


def test_near_critical_flow_raises_the_branching_alarm() -> None:
    times = hawkes.simulate(0.2, 0.97, 1.0, 4_000.0, seed=34)
    cfg = OnlineHawkesConfig(learning_rate=1.0, window_events=1000)
    est = OnlineHawkesEstimator(cfg, initial=(0.5, 0.1, 0.8))
    updates = run(est, times)
    flagged = [u for u in updates if AlarmKind.BRANCHING_HIGH in u.alarms]
    assert flagged
    assert all(u.branching_ratio > 0.95 for u in flagged)


def test_degraded_estimator_quotes_with_the_fixed_backup_parameters() -> None:
    times = hawkes.simulate(0.2, 0.97, 1.0, 4_000.0, seed=34)
    cfg = OnlineHawkesConfig(learning_rate=1.0, window_events=1000)
    est = OnlineHawkesEstimator(cfg, initial=(0.5, 0.1, 0.8))
    seen_degraded = False
    for t in times:
        u = est.observe(float(t))
        if u is not None:
            seen_degraded |= u.degraded
            expected = (0.5, 0.1, 0.8) if u.degraded else (u.mu, u.alpha, u.beta)
            assert est.active_params() == expected
    assert seen_degraded


def test_without_the_fallback_a_degraded_estimator_keeps_its_estimate() -> None:
    times = hawkes.simulate(0.2, 0.97, 1.0, 4_000.0, seed=34)
    cfg = OnlineHawkesConfig(learning_rate=1.0, window_events=1000, fallback_to_fixed=False)
    est = OnlineHawkesEstimator(cfg, initial=(0.5, 0.1, 0.8))
    degraded = [u for u in run(est, times) if u.degraded]
    assert degraded
    assert est.active_params() == (est.mu, est.alpha, est.beta) != (0.5, 0.1, 0.8)


def test_updates_never_leave_the_configured_bounds() -> None:
    times = hawkes.simulate(0.2, 0.97, 1.0, 3_000.0, seed=35)
    cfg = OnlineHawkesConfig(
        learning_rate=1.0, window_events=300, max_branching_ratio=0.9, beta_bounds=(0.5, 2.0)
    )
    est = OnlineHawkesEstimator(cfg, initial=(0.5, 0.1, 0.8))
    for u in run(est, times):
        assert u.alpha <= 0.9 * u.beta + 1e-12
        assert 0.5 <= u.beta <= 2.0


def test_updates_happen_every_update_interval_events() -> None:
    times = hawkes.simulate(0.5, 0.4, 0.8, 3_000.0, seed=36)
    est = OnlineHawkesEstimator(OnlineHawkesConfig(update_interval_events=50), (0.5, 0.4, 0.8))
    updates = run(est, times)
    assert all(u.n_events % 50 == 0 for u in updates)
    assert updates[0].n_events == OnlineHawkesConfig().window_events  # the first full window


def test_stability_score_is_half_at_the_seed_cv_threshold() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    alphas = 1.0 + 0.2 * (x - x.mean()) / x.std(ddof=1)  # CV exactly 0.2
    assert stability_score(alphas, 0.2) == pytest.approx(0.5)
    assert stability_score(np.full(10, 0.4), 0.2) == 1.0


def test_config_rejects_inverted_bounds_naming_the_field() -> None:
    with pytest.raises(ValueError, match="'beta_bounds' must satisfy"):
        OnlineHawkesConfig(beta_bounds=(2.0, 1.0))


def test_out_of_order_event_times_are_rejected() -> None:
    est = OnlineHawkesEstimator(OnlineHawkesConfig(), (0.5, 0.4, 0.8))
    est.observe(2.0)
    with pytest.raises(DataError, match="non-decreasing"):
        est.observe(1.0)


def test_intensity_monitor_matches_the_definition_per_side() -> None:
    mu = np.array([0.5, 0.4])
    alpha = np.array([[0.4, 0.1], [0.2, 0.3]])
    beta = np.array([[0.8, 1.0], [0.9, 0.7]])
    times, marks = hawkes.simulate(mu, alpha, beta, 50.0, seed=37)
    mon = IntensityMonitor(mu, alpha, beta)
    for t, m in zip(times, marks, strict=True):
        mon.on_event(float(t), int(m))
    t_eval = 51.0
    expected = mu.copy()
    for t, n in zip(times, marks, strict=True):
        expected += alpha[:, n] * np.exp(-beta[:, n] * (t_eval - t))
    np.testing.assert_allclose(mon.intensity(t_eval), expected, rtol=1e-12)


def test_intensity_monitor_flags_a_burst_as_high_and_decays_back() -> None:
    mon = IntensityMonitor(0.5, 0.4, 0.8)
    for k in range(10):
        mon.on_event(100.0 + 0.01 * k)
    assert mon.state(100.2) == ("high",)
    assert mon.state(200.0) == ("normal",)
    assert mon.intensity(200.0)[0] == pytest.approx(0.5, abs=1e-9)


def test_intensity_thresholds_are_the_25_and_75_percent_quantiles() -> None:
    lo, hi = intensity_thresholds(np.arange(1.0, 9.0))
    assert (lo, hi) == (2.0, 6.0)


def test_stationary_baseline_of_the_monitor_is_the_mean_intensity() -> None:
    mon = IntensityMonitor(0.5, 0.4, 0.8)
    assert mon.baseline[0] == pytest.approx(1.0)
    assert math.isfinite(mon.baseline[0])


def test_a_hawkes_adaptive_spec_gives_the_estimator_its_settings_and_a_reachable_alarm() -> None:
    from corp.spec.check import check_container
    from corp.spec.compose import compose_config, to_container

    checked = check_container(
        to_container(
            compose_config(
                ["strategy=hawkes_adaptive", "strategy.learning_rate=0.1",
                 "strategy.param_update_interval=40", "runtime.alert_branching_ratio=0.9"]
            )
        )
    )  # fmt: skip
    assert checked.spec is not None, checked.field_problems
    cfg = OnlineHawkesConfig.from_run_spec(checked.spec)
    assert (cfg.learning_rate, cfg.update_interval_events, cfg.branching_alarm) == (0.1, 40, 0.9)
    assert cfg.fallback_to_fixed is True
    assert cfg.max_branching_ratio > cfg.branching_alarm
    # near-critical flow (n = 0.97) pushes the clamped estimate past the alarm: it fires
    times = hawkes.simulate(0.5, 0.97, 1.0, 3_000.0, seed=5)
    est = OnlineHawkesEstimator(cfg, initial=(0.5, 0.4, 1.0))
    alarms = {a for t in times if (u := est.observe(float(t))) is not None for a in u.alarms}
    assert AlarmKind.BRANCHING_HIGH in alarms


def test_a_degenerate_window_fit_is_rejected_and_never_collapses_the_estimate() -> None:
    """Short windows on near-critical flow give fits like beta = 2.7e8, n ~ 0; blended and
    clipped they used to pin the branching ratio at 0 for the rest of the stream."""
    times = hawkes.simulate(0.5, 0.97, 1.0, 3_000.0, seed=5)
    cfg = OnlineHawkesConfig(window_events=500, learning_rate=0.1)
    est = OnlineHawkesEstimator(cfg, initial=(0.5, 0.4, 1.0))
    previous = (est.mu, est.alpha, est.beta)
    rejected = 0
    for u in run(est, times):
        if AlarmKind.ESTIMATE_REJECTED in u.alarms:
            rejected += 1
            assert (u.mu, u.alpha, u.beta) == previous  # kept, not blended
        assert 0.05 <= u.beta <= 10.0
        previous = (u.mu, u.alpha, u.beta)
    assert rejected > 0
    assert est.rejected_fits == rejected
    assert est.branching_ratio > 0.5


def test_flow_that_left_the_band_degrades_to_the_fixed_parameters_instead_of_freezing() -> None:
    # calibrated at mu 0.05, the flow runs at mu 2.0 (40x): every window MLE is out of the 10x band
    times = hawkes.simulate(2.0, 0.4, 0.8, 1_500.0, seed=8)
    cfg = OnlineHawkesConfig(window_events=500, max_rejections_in_a_row=3)
    est = OnlineHawkesEstimator(cfg, initial=(0.05, 0.04, 0.8))
    updates = run(est, times)
    assert all(AlarmKind.ESTIMATE_REJECTED in u.alarms for u in updates)
    assert [u.degraded for u in updates[:3]] == [False, False, True]
    assert all(u.degraded for u in updates[2:])
    assert est.active_params() == (0.05, 0.04, 0.8)
