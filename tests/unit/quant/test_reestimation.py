"""Seed 13.1 re-estimation triggers: each fires on a material, significant change only."""

from __future__ import annotations

import numpy as np

from corp.quant.reestimation import reestimation_triggers

RNG = np.random.default_rng(50)
CALM = {
    "regime_counts_baseline": [700, 300],
    "regime_counts_now": [690, 310],
    "fills_baseline": 1_000,
    "quotes_baseline": 10_000,
    "fills_now": 1_020,
    "quotes_now": 10_000,
    "adverse_bps_baseline": RNG.normal(1.0, 1.0, 2_000),
    "adverse_bps_now": RNG.normal(1.0, 1.0, 2_000),
    "fallback_ratios": [0.1, 0.2, 0.1],
}


def fired(**changes) -> dict[str, bool]:
    return {t.name: t.fired for t in reestimation_triggers(**(CALM | changes))}


def test_no_trigger_fires_when_nothing_changed() -> None:
    assert not any(fired().values())


def test_a_regime_mix_shift_fires_only_the_regime_trigger() -> None:
    assert fired(regime_counts_now=[400, 600]) == {
        "regime_distribution": True,
        "fill_rate": False,
        "adverse_selection": False,
        "fallback_ratio": False,
    }


def test_a_fill_rate_drop_fires() -> None:
    assert fired(fills_now=500)["fill_rate"]


def test_a_tiny_but_significant_fill_rate_change_does_not_fire() -> None:
    big = {
        "fills_baseline": 1_000_000,
        "quotes_baseline": 10_000_000,
        "fills_now": 1_050_000,
        "quotes_now": 10_000_000,
    }
    assert not fired(**big)["fill_rate"]


def test_rising_adverse_selection_fires_and_falling_does_not() -> None:
    assert fired(adverse_bps_now=RNG.normal(2.0, 1.0, 2_000))["adverse_selection"]
    assert not fired(adverse_bps_now=RNG.normal(0.0, 1.0, 2_000))["adverse_selection"]


def test_fallback_ratio_must_stay_high_for_every_recent_window() -> None:
    assert fired(fallback_ratios=[0.1, 0.7, 0.8, 0.9])["fallback_ratio"]
    assert not fired(fallback_ratios=[0.7, 0.8, 0.3])["fallback_ratio"]
