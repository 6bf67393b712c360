"""Scenario families: each one's defining property, determinism and a well-formed event stream."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from corp.errors import SpecError
from corp.market.scenarios import CLUSTER_LEVELS, ScenarioParams, generate
from corp.market.types import EV_DEPTH, EV_TRADE, SIDE_ASK, SIDE_BID, SIDE_BUY
from corp.quant import hawkes
from corp.quant.fill_intensity import fit_fill_intensity_from_distances
from corp.quant.hawkes_online import AlarmKind, OnlineHawkesConfig, OnlineHawkesEstimator

FAST = ScenarioParams(
    duration_secs=1_200.0, book_interval_secs=5.0, book_levels=2, event_start_secs=400.0
)


def test_same_seed_gives_the_same_events_and_another_seed_does_not() -> None:
    a = generate(FAST).events
    b = generate(FAST).events
    c = generate(replace(FAST, seed=43)).events
    np.testing.assert_array_equal(a, b)
    assert a.size != c.size or not np.array_equal(a, c)


def test_stream_is_sorted_and_local_time_never_precedes_exchange_time() -> None:
    ev = generate(replace(FAST, stress="flash_crash", sell_share=0.8)).events
    assert np.all(np.diff(ev["exch_ts_ns"]) >= 0)
    assert np.all(np.diff(ev["local_ts_ns"]) >= 0)
    assert np.all(ev["local_ts_ns"] >= ev["exch_ts_ns"])


def test_book_snapshots_never_cross() -> None:
    ev = generate(replace(FAST, stress="liquidity_drought", spread_multiplier=5.0)).events
    depth = ev[ev["kind"] == EV_DEPTH]
    bids = depth[depth["side"] == SIDE_BID]
    asks = depth[depth["side"] == SIDE_ASK]
    best_bid = np.maximum.reduceat(bids["price"], np.arange(0, bids.size, FAST.book_levels))
    best_ask = np.minimum.reduceat(asks["price"], np.arange(0, asks.size, FAST.book_levels))
    assert np.all(best_bid < best_ask)


@pytest.mark.parametrize("level", ["low", "medium", "high"])
def test_fit_recovers_the_branching_ratio_of_each_cluster_level(level) -> None:
    alpha, beta = CLUSTER_LEVELS[level]
    p = replace(
        FAST,
        duration_secs=30_000.0,
        book_interval_secs=600.0,
        book_levels=1,
        hawkes_alpha_per_sec=alpha,
        hawkes_beta_per_sec=beta,
    )
    sc = generate(p)
    buys = sc.trade_times_secs[sc.trade_marks == 0]
    est = hawkes.fit(buys, p.duration_secs, gof=False)
    # delta method: var(n) = g' C g with g = (1/beta, -alpha/beta^2) (SEs only, conservative)
    se_n = abs(est.se_alpha / est.beta) + abs(est.alpha * est.se_beta / est.beta**2)
    assert abs(est.branching_ratio - alpha / beta) < max(3 * se_n, 0.03)


def test_calm_trade_rate_matches_the_configured_rate() -> None:
    p = replace(FAST, duration_secs=20_000.0, book_interval_secs=600.0)
    sc = generate(p)
    rate = sc.n_trades / p.duration_secs
    assert rate == pytest.approx(p.trade_rate_per_sec, rel=0.1)


def test_flash_crash_falls_by_its_depth_within_its_window_and_recovers_partly() -> None:
    p = replace(
        FAST,
        stress="flash_crash",
        event_start_secs=300.0,
        event_duration_secs=60.0,
        crash_depth_pct=0.1,
        recovery_pct=0.5,
        recovery_secs=300.0,
        volatility_daily_pct=0.005,
        impact_bps=0.0,
    )
    sc = generate(p)
    t, mid = sc.mid_times_secs, sc.mid_quote
    before = mid[(t > 290) & (t < 300)].mean()
    trough_t = t[np.argmin(mid)]
    drawdown = 1.0 - mid.min() / before
    assert drawdown == pytest.approx(0.1, abs=0.01)
    assert 300.0 <= trough_t <= 365.0  # the fall takes the window (60 s), not longer
    after = mid[(t > 700) & (t < 720)].mean()
    assert (after - mid.min()) / (before - mid.min()) == pytest.approx(0.5, abs=0.1)


def test_hawkes_drift_changes_the_kernel_at_the_change_point() -> None:
    p = replace(
        FAST,
        stress="hawkes_drift",
        duration_secs=8_000.0,
        event_start_secs=4_000.0,
        hawkes_alpha_per_sec=0.1,
        hawkes_beta_per_sec=0.8,
        book_interval_secs=600.0,
    )
    sc = generate(p)
    buys = sc.trade_times_secs[sc.trade_marks == 0]
    pre = buys[buys < 4_000.0]
    post = buys[buys >= 4_000.0] - 4_000.0
    assert hawkes.fit(pre, 4_000.0, gof=False).branching_ratio < 0.3
    assert hawkes.fit(post, 4_000.0, gof=False).branching_ratio > 0.85
    assert post.size > 3 * pre.size


def test_online_estimator_raises_the_branching_alarm_only_after_the_drift() -> None:
    p = replace(
        FAST,
        stress="hawkes_drift",
        duration_secs=3_500.0,
        event_start_secs=3_000.0,
        hawkes_alpha_per_sec=0.1,
        hawkes_beta_per_sec=0.8,
        book_interval_secs=600.0,
    )
    sc = generate(p)
    buys = sc.trade_times_secs[sc.trade_marks == 0]
    est = OnlineHawkesEstimator(OnlineHawkesConfig(learning_rate=0.5), initial=(0.3, 0.1, 0.8))
    updates = [u for t in buys if (u := est.observe(float(t))) is not None]
    alarms = [u.time_secs for u in updates if AlarmKind.BRANCHING_HIGH in u.alarms]
    assert alarms
    assert min(alarms) > 3_000.0


def test_volume_spike_multiplies_the_trade_rate_inside_its_window() -> None:
    p = replace(
        FAST,
        stress="volume_spike",
        intensity_multiplier=5.0,
        duration_secs=3_000.0,
        event_start_secs=1_000.0,
        event_duration_secs=1_000.0,
        book_interval_secs=600.0,
    )
    t = generate(p).trade_times_secs
    inside = np.sum((t >= 1_000) & (t < 2_000))
    outside = np.sum(t < 1_000) + np.sum(t >= 2_000)
    assert inside / (outside / 2.0) == pytest.approx(5.0, rel=0.25)


def test_liquidity_drought_widens_the_book_and_thins_depth_inside_its_window() -> None:
    p = replace(
        FAST,
        stress="liquidity_drought",
        spread_multiplier=5.0,
        depth_multiplier=0.2,
        intensity_multiplier=0.2,
        event_start_secs=400.0,
        event_duration_secs=400.0,
    )
    ev = generate(p).events
    start = p.start_ns
    t = (ev["exch_ts_ns"] - start) / 1e9
    bids = (ev["kind"] == EV_DEPTH) & (ev["side"] == SIDE_BID)
    asks = (ev["kind"] == EV_DEPTH) & (ev["side"] == SIDE_ASK)
    win = (t >= 400) & (t < 800)
    calm = t < 400
    width_in = np.median(ev["price"][asks & win]) - np.median(ev["price"][bids & win])
    width_out = np.median(ev["price"][asks & calm]) - np.median(ev["price"][bids & calm])
    assert width_in > 3.0 * width_out
    assert ev["qty"][bids & win].mean() < 0.3 * ev["qty"][bids & calm].mean()


def test_inventory_stress_makes_the_flow_one_sided_and_drags_the_mid() -> None:
    p = replace(
        FAST,
        stress="inventory_stress",
        sell_share=0.85,
        event_start_secs=100.0,
        event_duration_secs=1_000.0,
        impact_bps=0.5,
        volatility_daily_pct=0.002,
    )
    sc = generate(p)
    inside = (sc.trade_times_secs >= 100) & (sc.trade_times_secs < 1_100)
    assert np.mean(sc.trade_marks[inside] == 1) == pytest.approx(0.85, abs=0.06)
    t, mid = sc.mid_times_secs, sc.mid_quote
    assert mid[t > 1_090].mean() < mid[t < 100].mean() - 10.0


def test_trade_reach_beyond_the_touch_gives_a_fill_intensity_to_calibrate() -> None:
    p = replace(
        FAST,
        duration_secs=5_000.0,
        book_interval_secs=600.0,
        trade_reach_bps=2.0,
        impact_bps=0.0,
        volatility_daily_pct=0.001,
    )
    sc = generate(p)
    ev = sc.events
    trades = ev[ev["kind"] == EV_TRADE]
    touch_dist = p.book_half_spread_bps * 1e-4 * p.base_price_quote
    dist = np.abs(trades["price"] - p.base_price_quote) - touch_dist
    grid = np.arange(0.5, 30.0, 1.0)
    fit = fit_fill_intensity_from_distances(dist, p.duration_secs, grid)
    assert fit.ok
    k_true = 1.0 / (p.trade_reach_bps * 1e-4 * p.base_price_quote)  # per quote currency
    assert fit.k == pytest.approx(k_true, rel=0.15)
    assert np.any(trades["side"] == SIDE_BUY)


def test_a_non_stationary_flow_is_rejected_naming_the_fields() -> None:
    with pytest.raises(SpecError, match="hawkes_alpha \\+ cross_alpha"):
        generate(replace(FAST, hawkes_alpha_per_sec=0.7, cross_alpha_per_sec=0.2))


def test_stress_window_outside_the_run_is_rejected() -> None:
    with pytest.raises(SpecError, match=r"market\.event_start_secs"):
        generate(replace(FAST, stress="volume_spike", event_start_secs=5_000.0))
