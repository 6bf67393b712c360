"""Calibration pipeline (seed 2.2-2.6): each step's figure, the proposal and the written record."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from corp.backtest.calibrate_task import calibrate, load_events, stress_streams
from corp.backtest.calibration import (
    BacktestOutcome,
    calibrate_gamma_bound,
    calibrate_hawkes,
    calibrate_inventory_limit,
    calibrate_skew_factor,
    calibrate_spread,
    market_sample_from_events,
    max_drawdown_pct,
    worst_daily_loss_pct,
)
from corp.backtest.calibration_run import propose_changes, run_calibration
from corp.errors import DataError
from corp.market.scenarios import ScenarioParams, generate, params_from_spec
from corp.market.types import EV_TRADE
from corp.quant.hawkes_online import IntensityMonitor
from corp.spec.catalogue import lookup
from corp.spec.check import check_container
from corp.spec.compose import CONF_DIR, compose_config, to_container

PARAMS = ScenarioParams(duration_secs=3_000.0, book_interval_secs=1.0, book_levels=2)


@pytest.fixture(scope="module")
def scenario():
    return generate(PARAMS)


@pytest.fixture(scope="module")
def sample(scenario):
    return market_sample_from_events(scenario.events)


def spec_for(*overrides: str):
    checked = check_container(to_container(compose_config(list(overrides))))
    assert checked.spec is not None, checked.field_problems
    return checked.spec


def test_market_sample_recovers_the_generated_mid_within_half_a_spread(scenario, sample) -> None:
    snap_mid = np.interp(sample.mid_times_secs, scenario.mid_times_secs, scenario.mid_quote)
    half_spread_quote = PARAMS.book_half_spread_bps * 1e-4 * PARAMS.base_price_quote
    assert np.max(np.abs(sample.mid_quote - snap_mid)) <= half_spread_quote + PARAMS.tick_size_quote
    assert sample.trade_times_secs.size == scenario.n_trades


def test_gamma_bound_is_eta_s_over_q_sigma2_tau_with_the_measured_sigma(sample) -> None:
    g = calibrate_gamma_bound(sample, eta=0.005, inventory_limit_lots=10, tau_secs=1.0)
    assert g.bound == pytest.approx(0.005 * g.price_quote / (10 * g.sigma_quote_per_sqrt_sec**2))
    # the book mid adds rounding and impact noise to the configured diffusion
    assert g.sigma_quote_per_sqrt_sec == pytest.approx(PARAMS.sigma_quote_per_sqrt_sec, rel=0.5)


def test_spread_calibration_recovers_the_fill_decay_and_picks_a_finite_spread(sample) -> None:
    cal = calibrate_spread(sample)
    k_true = 1.0 / (PARAMS.trade_reach_bps * 1e-4 * PARAMS.base_price_quote)
    assert cal.fill.ok
    assert cal.fill.k == pytest.approx(k_true, rel=0.2)
    # A is per side: each side's trades (half the flow) reach its touch, book_half_spread from
    # the mid, so lambda(delta) = rate / 2 * e^{-k (delta - touch)} and A = rate / 2 * e^{k touch}
    touch_quote = PARAMS.book_half_spread_bps * 1e-4 * PARAMS.base_price_quote
    rate_side = sample.trade_times_secs.size / sample.duration_secs / 2
    a_per_side = cal.fill.A
    assert a_per_side == pytest.approx(rate_side * math.exp(cal.fill.k * touch_quote), rel=0.1)
    assert math.isfinite(cal.base_spread_bps)
    assert cal.table.fill_rate[0] > cal.table.fill_rate[5]


def test_hawkes_step_recovers_the_scenario_clustering(sample) -> None:
    cal = calibrate_hawkes(sample)
    assert cal.pooled.branching_ratio == pytest.approx(0.5, abs=0.1)
    assert cal.low_intensity_threshold < cal.high_intensity_threshold
    assert cal.fit.stationary


def test_drawdown_and_daily_loss_by_hand() -> None:
    equity = np.array([100.0, 110.0, 90.0, 95.0, 80.0, 120.0])
    assert max_drawdown_pct(equity, 1_000.0) == pytest.approx(0.03)
    t = np.array([0.0, 10.0, 20.0, 86_400.0, 86_410.0, 86_420.0])
    # day 0 opens at 100, falls to 90; day 1 opens at 95, falls to 80
    assert worst_daily_loss_pct(t, equity, 1_000.0) == pytest.approx(0.015)


def linear_risk_backtester(overrides, events):
    """Stand-in for the offline driver (not on main yet): loss grows with the inventory limit."""
    q = overrides["strategy.inventory_limit"]
    t = np.linspace(0.0, 3_600.0, 100)
    equity = 10_000.0 - q * 10.0 * np.sin(np.linspace(0.0, np.pi, 100))
    return BacktestOutcome(t, equity, np.zeros(100), 10_000.0)


def test_inventory_limit_is_the_largest_q_meeting_both_limits_with_a_stand_in_backtester() -> None:
    cal = calibrate_inventory_limit(
        [np.empty(0)],
        [1, 5, 10, 20, 50],
        backtester=linear_risk_backtester,
        max_drawdown_limit_pct=0.02,
        daily_loss_limit_pct=0.03,
        lot_size_base=0.01,
        price_quote=50_000.0,
        stress_drop_pct=0.005,
        capital_quote=10_000.0,
    )
    # drawdown = 10 q / 10_000 <= 0.02  ->  q <= 20 (analytic bound: 300 / 2.5 = 120 lots)
    assert cal.status == "ok"
    assert cal.proposed_lots == 20
    assert [r.feasible for r in cal.rows] == [True, True, True, True, False]
    assert cal.analytic_max_lots == math.floor(0.03 * 10_000.0 / (0.01 * 50_000.0 * 0.005))


def test_inventory_limit_never_exceeds_the_loss_budget_or_concentration_the_policy_enforces() -> (
    None
):
    kwargs = dict(
        backtester=linear_risk_backtester,
        max_drawdown_limit_pct=0.5,
        daily_loss_limit_pct=0.5,
        lot_size_base=0.01,
        price_quote=50_000.0,
        capital_quote=10_000.0,
    )
    # every candidate passes the backtests; Q S d <= 5_000 allows 100 lots at d = 0.1
    budget = calibrate_inventory_limit([np.empty(0)], [1, 5, 10, 50, 200], stress_drop_pct=0.1,
                                       **kwargs)  # fmt: skip
    assert budget.analytic_max_lots == 100
    assert budget.proposed_lots == 50
    # concentration 0.2 x 10_000 / 500 quote per lot allows 4 lots
    conc = calibrate_inventory_limit([np.empty(0)], [1, 5, 10, 50, 200], stress_drop_pct=0.1,
                                     position_concentration_limit=0.2, **kwargs)  # fmt: skip
    assert conc.concentration_max_lots == 4
    assert conc.proposed_lots == 1


def test_inventory_limit_without_a_backtester_is_reported_skipped_not_guessed() -> None:
    cal = calibrate_inventory_limit(
        [np.empty(0)],
        [1, 5],
        backtester=None,
        max_drawdown_limit_pct=0.02,
        daily_loss_limit_pct=0.03,
        lot_size_base=0.01,
        price_quote=50_000.0,
        stress_drop_pct=0.1,
        capital_quote=10_000.0,
    )
    assert cal.status == "skipped"
    assert cal.proposed_lots is None
    assert "backtester" in cal.reason


def ar1_inventory_backtester(overrides, events):
    """Stand-in for the offline driver: a larger skew mean-reverts inventory faster."""
    skew = overrides["strategy.inventory_skew_factor"]
    phi = 1.0 - 0.5 * skew
    rng = np.random.default_rng(0)
    q = np.zeros(2_000)
    for i in range(1, q.size):
        q[i] = phi * q[i - 1] + rng.normal(0.0, 0.01)
    t = np.arange(q.size, dtype=float)
    return BacktestOutcome(t, np.full(q.size, 1e4), q, 1e4)


def test_skew_factor_minimises_mean_inventory_plus_weighted_half_life() -> None:
    cal = calibrate_skew_factor(
        np.empty(0),
        [0.05, 0.5, 1.0],
        backtester=ar1_inventory_backtester,
        half_life_weight_per_sec=0.001,
    )
    assert cal.status == "ok"
    assert cal.proposed == 1.0
    hl = {r.value: r.half_life_secs for r in cal.rows}
    assert hl[0.05] > hl[0.5] > hl[1.0]


@pytest.fixture(scope="module")
def hawkes_calibration(scenario):
    spec = spec_for("strategy=hawkes")
    return spec, run_calibration(scenario.events, spec, source="test")


def test_gamma_bound_counts_the_inventory_limit_in_lots_as_the_policy_rule_does(
    hawkes_calibration,
) -> None:
    spec, result = hawkes_calibration
    g = result.gamma
    assert g is not None
    # gamma is 1/(quote * lot): Q = 10 lots, not 0.1 base (a bound 100x too loose)
    assert g.inventory_limit_lots == spec.strategy.inventory_limit == 10
    expected = g.eta * g.price_quote / (10 * g.sigma_quote_per_sqrt_sec**2 * g.tau_secs)
    assert g.bound == pytest.approx(expected, rel=1e-12)


def test_intensity_thresholds_are_proposed_as_multiples_of_the_long_run_mean(
    hawkes_calibration,
) -> None:
    spec, result = hawkes_calibration
    h = result.hawkes
    mean = h.pooled.mu / (1.0 - h.pooled.branching_ratio)
    assert h.high_intensity_threshold == pytest.approx(h.high_intensity_per_sec / mean)
    assert h.low_intensity_threshold == pytest.approx(h.low_intensity_per_sec / mean)
    assert h.low_intensity_threshold < 1.0 < h.high_intensity_threshold
    proposed = {c.path: c.proposed for c in propose_changes(spec, result)}
    for name in ("high_intensity_threshold", "low_intensity_threshold"):
        lo, hi = lookup(f"strategy.{name}", "hawkes").bounds
        assert lo <= proposed.get(f"strategy.{name}", getattr(spec.strategy, name)) <= hi


def test_intensity_thresholds_are_quantiles_over_time_not_over_events(
    hawkes_calibration, sample
) -> None:
    _, result = hawkes_calibration
    h = result.hawkes
    p = h.pooled
    monitor = IntensityMonitor(p.mu, p.alpha, p.beta)
    grid = np.arange(0.5, sample.duration_secs, 0.5)
    lam = np.empty(grid.size)
    k = 0
    for i, s in enumerate(grid):
        while k < sample.trade_times_secs.size and sample.trade_times_secs[k] < s:
            monitor.on_event(float(sample.trade_times_secs[k]))
            k += 1
        lam[i] = monitor.intensity(float(s))[0]
    # a quarter of the time below the low threshold, a quarter above the high one
    assert np.mean(lam < h.low_intensity_per_sec) == pytest.approx(0.25, abs=0.02)
    assert np.mean(lam > h.high_intensity_per_sec) == pytest.approx(0.25, abs=0.02)


def test_mu_is_proposed_per_side_as_the_strategy_uses_it(hawkes_calibration) -> None:
    spec, result = hawkes_calibration
    h = result.hawkes
    # the scenario's baseline per side: rate / 2 * (1 - alpha/beta) = 1 / 2 * 0.5
    per_side = PARAMS.trade_rate_per_sec / 2 * (1 - 0.4 / 0.8)
    assert h.mu_per_side_per_sec == pytest.approx(per_side, abs=3 * h.pooled.se_mu / 2)
    proposed = {c.path: c.proposed for c in propose_changes(spec, result)}
    assert proposed["strategy.mu_per_sec"] == pytest.approx(h.mu_per_side_per_sec)


def test_proposal_classifies_each_change_by_its_catalogue_risk_level(hawkes_calibration) -> None:
    spec, result = hawkes_calibration
    changes = propose_changes(spec, result)
    paths = {c.path: c for c in changes}
    assert "strategy.alpha_per_sec" in paths
    assert {c.risk for c in changes} <= {"P0", "P1", "P2"}
    ranks = [{"P0": 0, "P1": 1, "P2": 2}[c.risk] for c in changes]
    assert ranks == sorted(ranks)


def conf_digest() -> str:
    h = hashlib.sha256()
    for p in sorted(CONF_DIR.rglob("*.yaml")):
        h.update(p.read_bytes())
    return h.hexdigest()


def test_calibrate_task_writes_the_record_and_never_edits_a_pack(tmp_path: Path) -> None:
    before = conf_digest()
    spec = spec_for(
        "task=calibrate",
        "market=hawkes_medium",
        "market.duration_secs=1500",
        f"task.results_dir={tmp_path}",
    )
    res = calibrate(spec, repo_root=tmp_path)
    assert conf_digest() == before
    names = {p.name for p in res.files}
    assert {
        "calibration.json",
        "calibration.md",
        "manifest.json",
        "spread_buckets.png",
        "hawkes_qq.png",
    } <= names
    record = json.loads((res.run_dir / "calibration.json").read_text())
    assert record["pack_edited"] is False
    assert record["hawkes_2_6"]["pooled"]["branching_ratio"] == pytest.approx(0.5, abs=0.15)
    manifest = json.loads((res.run_dir / "manifest.json").read_text())
    md = res.run_dir / "calibration.md"
    assert manifest["calibration.md"] == hashlib.sha256(md.read_bytes()).hexdigest()


def test_calibrate_task_sweeps_inventory_and_skew_over_the_offline_engine(tmp_path: Path) -> None:
    spec = spec_for(
        "task=calibrate",
        "strategy=naive",
        "market=hawkes_medium",
        "market.duration_secs=1200",
        "task.inventory_candidates_lots=[2,10,100]",
        "task.skew_candidates=[0.1,1.0]",
        f"task.results_dir={tmp_path}",
    )
    res = calibrate(spec, repo_root=tmp_path)
    assert res.skipped == ()
    record = json.loads((res.run_dir / "calibration.json").read_text())
    inv = record["inventory_limit_2_4"]
    assert [r["value"] for r in inv["rows"]] == [2.0, 10.0, 100.0]
    # 100 lots breaks the policy's concentration limit (0.2 x 100_000 / 500 = 40 lots)
    assert inv["concentration_max_lots"] == 40
    assert inv["rows"][-1]["feasible"] is False
    assert [r["value"] for r in record["skew_factor_2_5"]["rows"]] == [0.1, 1.0]


def test_skew_is_not_calibrated_on_top_of_an_as_gamma(tmp_path: Path) -> None:
    spec = spec_for(
        "task=calibrate", "strategy=integrated", "market.duration_secs=600",
        f"task.results_dir={tmp_path}",
    )  # fmt: skip
    res = calibrate(spec, repo_root=tmp_path)
    assert any("2.5 skew" in s and "double penalty" in s for s in res.skipped)
    assert "strategy.inventory_skew_factor" not in {c.path for c in res.changes}


def test_a_recorded_event_file_is_calibrated_in_place_of_the_market_layer(tmp_path: Path) -> None:
    events = generate(replace(PARAMS, duration_secs=1_500.0, hawkes_alpha_per_sec=0.7)).events
    np.save(tmp_path / "events.npy", events)
    spec = spec_for(
        "task=calibrate",
        f"task.events_path={tmp_path / 'events.npy'}",
        f"task.results_dir={tmp_path}",
    )
    res = calibrate(spec, repo_root=tmp_path)
    record = json.loads((res.run_dir / "calibration.json").read_text())
    assert record["source"].startswith("recorded events")
    assert record["hawkes_2_6"]["pooled"]["branching_ratio"] == pytest.approx(0.875, abs=0.1)


def test_an_event_file_of_the_wrong_dtype_is_rejected_naming_the_field(tmp_path: Path) -> None:
    np.save(tmp_path / "bad.npy", np.zeros(3))
    with pytest.raises(DataError, match=r"task\.events_path: .* must hold EVENT_DTYPE"):
        load_events(tmp_path / "bad.npy")


def test_an_event_file_with_a_nan_price_is_rejected_naming_the_row_and_field(
    tmp_path: Path, scenario
) -> None:
    events = scenario.events[:500].copy()
    row = int(np.flatnonzero(events["kind"] == EV_TRADE)[3])
    events["price"][row] = np.nan
    np.save(tmp_path / "nan.npy", events)
    with pytest.raises(DataError, match=rf"task\.events_path: .*row {row}: field price: .*nan"):
        load_events(tmp_path / "nan.npy")


def test_inventory_limit_sweep_over_the_real_engine_on_a_flash_crash() -> None:
    from corp.backtest.calibration_engine import engine_backtester
    from corp.core import types as ct
    from corp.core.params import param_vector

    p = replace(
        PARAMS,
        stress="flash_crash",
        duration_secs=1_800.0,
        event_start_secs=900.0,
        event_duration_secs=60.0,
        intensity_multiplier=3.0,
        sell_share=0.8,
        spread_multiplier=5.0,
        depth_multiplier=0.2,
    )
    events = generate(p).events
    base = param_vector(
        kind=ct.KIND_NAIVE,
        tick_size=0.1,
        lot_size=0.01,
        sigma=p.sigma_quote_per_sqrt_sec,
        k=0.1,
        a=1.5,
        base_size=0.05,
        inventory_limit=1.0,
        base_spread_frac=0.0002,
        max_drawdown_frac=0.5,
        daily_loss_limit_frac=0.5,
    )
    cal = calibrate_inventory_limit(
        [events],
        [5, 20, 100],
        backtester=engine_backtester(base),
        max_drawdown_limit_pct=0.03,
        daily_loss_limit_pct=0.03,
        lot_size_base=0.01,
        price_quote=50_000.0,
        stress_drop_pct=0.1,
        capital_quote=10_000.0,
    )
    drawdowns = [r.max_drawdown_pct for r in cal.rows]
    assert drawdowns == sorted(drawdowns)  # more inventory room, deeper crash losses
    assert cal.status == "ok"
    assert cal.proposed_lots == max(int(r.value) for r in cal.rows if r.feasible)
    assert not cal.rows[-1].feasible


def test_task_calibrate_runs_through_the_app_entry_point(tmp_path: Path) -> None:
    from corp.app import execute

    data = to_container(
        compose_config(
            [
                "task=calibrate",
                "market=hawkes_low",
                "market.duration_secs=1200",
                f"task.results_dir={tmp_path}",
            ]
        )
    )
    outcome = execute(data)
    assert any(line.startswith("calibration record:") for line in outcome.lines())
    assert len(list(tmp_path.glob("*-calibrate-*/calibration.json"))) == 1


def test_glft_exact_reports_why_the_engine_sweep_is_skipped(tmp_path: Path) -> None:
    spec = spec_for(
        "task=calibrate", "strategy=glft", "strategy.solution=exact", "market.duration_secs=600",
        f"task.results_dir={tmp_path}",
    )  # fmt: skip
    res = calibrate(spec, repo_root=tmp_path)
    assert (
        "2.4 inventory limit: GLFT solution=exact: sweep with solution=closed_form" in res.skipped
    )


def test_a_recorded_file_too_short_to_fit_names_the_file_and_the_shortfall(
    tmp_path: Path, scenario
) -> None:
    np.save(tmp_path / "short.npy", scenario.events[:60])
    spec = spec_for(
        "task=calibrate", f"task.events_path={tmp_path / 'short.npy'}",
        f"task.results_dir={tmp_path}",
    )  # fmt: skip
    with pytest.raises(DataError, match=r"task\.events_path: '.*short\.npy': .*needs >= 3"):
        calibrate(spec, repo_root=tmp_path)


def test_the_stress_window_comes_from_task_stress_and_is_cut_at_the_end_of_the_stream() -> None:
    spec = spec_for(
        "task=calibrate",
        "market=hawkes_medium",
        "task.stress_scenarios=[inventory_stress]",
        "task.stress_sell_share=1.0",
        "task.stress_start_fraction=0.75",
        "task.stress_duration_secs=100000",
    )
    params = replace(params_from_spec(spec.market), duration_secs=400.0)
    (stream,) = stress_streams(params, spec.task)
    trades = stream[stream["kind"] == EV_TRADE]
    t_secs = (trades["exch_ts_ns"] - params.start_ns) / 1e9
    inside, before = trades[t_secs >= 300.0], trades[t_secs < 300.0]
    assert inside.size > 20
    assert np.unique(inside["side"]).size == 1  # every aggressor sells
    assert np.unique(before["side"]).size == 2
    assert t_secs.max() < 400.0  # a 100_000 s window ends with the stream, it does not extend it


def test_an_unknown_stress_family_is_rejected_naming_the_field() -> None:
    cfg = compose_config(["task=calibrate", "task.stress_scenarios=[meteor_strike]"])
    checked = check_container(to_container(cfg))
    assert checked.spec is None
    assert checked.field_problems == (
        "task.stress_scenarios.0: Input should be 'volume_spike', 'liquidity_drought', "
        "'inventory_stress', 'flash_crash' or 'hawkes_drift' (got 'meteor_strike')",
    )
