"""The simulator's seeded Hawkes order flow (drawn from corp.quant.hawkes.simulate)."""

from __future__ import annotations

import pytest

from corp.errors import SpecError
from corp.venues.okx_sim.flow import HawkesFlow


def arrivals(seed: int, horizon_secs: float, step_secs: float = 0.1) -> list[float]:
    flow = HawkesFlow(mu_per_sec=5.0, alpha_per_sec=2.0, beta_per_sec=4.0, seed=seed)
    out: list[float] = []
    t = 0.0
    while t < horizon_secs:
        out += flow.arrivals(t, t + step_secs)
        t += step_secs
    return out


def test_same_seed_gives_the_same_arrivals() -> None:
    assert arrivals(3, 50.0) == arrivals(3, 50.0)


def test_arrivals_are_increasing_and_inside_their_window() -> None:
    flow = HawkesFlow(mu_per_sec=5.0, alpha_per_sec=2.0, beta_per_sec=4.0, seed=1)
    times = flow.arrivals(0.0, 10.0) + flow.arrivals(10.0, 20.0)
    assert times == sorted(times)
    assert all(0.0 < t <= 20.0 for t in times)


def test_long_run_rate_matches_the_stationary_hawkes_mean() -> None:
    # E[λ] = μ / (1 - α/β) = 5 / 0.5 = 10 per second
    horizon = 2_000.0
    rate = len(arrivals(11, horizon, step_secs=1.0)) / horizon
    assert rate == pytest.approx(10.0, rel=0.1)


def test_excitation_clusters_arrivals_more_than_poisson() -> None:
    times = arrivals(5, 500.0, step_secs=1.0)
    counts = [0] * 500
    for t in times:
        counts[min(int(t), 499)] += 1
    mean = sum(counts) / len(counts)
    var = sum((c - mean) ** 2 for c in counts) / len(counts)
    assert var / mean > 1.5  # Poisson would give a dispersion index of 1


def test_regime_switch_changes_the_rate_from_the_switch_on() -> None:
    flow = HawkesFlow(mu_per_sec=2.0, alpha_per_sec=0.0, beta_per_sec=1.0, seed=4)
    calm = len(flow.arrivals(0.0, 100.0))
    flow.set_regime(40.0, 0.0, 1.0)
    busy = len(flow.arrivals(100.0, 200.0))
    assert calm == pytest.approx(200, rel=0.25)
    assert busy == pytest.approx(4_000, rel=0.1)


def test_non_stationary_regime_is_rejected_naming_alpha_and_beta() -> None:
    flow = HawkesFlow(mu_per_sec=1.0, alpha_per_sec=0.5, beta_per_sec=1.0, seed=0)
    with pytest.raises(SpecError, match="alpha must be < beta"):
        flow.set_regime(1.0, 2.0, 1.0)
