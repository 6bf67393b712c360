"""Every scenario option composes into a valid spec and drives the generator it names."""

from __future__ import annotations

from dataclasses import replace

import pytest

from corp.market.scenarios import CLUSTER_LEVELS, generate, params_from_spec
from corp.spec.check import check_container
from corp.spec.compose import compose_config, group_options, to_container

SCENARIOS = [
    "hawkes_low",
    "hawkes_medium",
    "hawkes_high",
    "hawkes_critical",
    "volume_spike",
    "liquidity_drought",
    "inventory_stress",
    "flash_crash",
    "hawkes_drift",
]


def market_spec(name: str):
    checked = check_container(to_container(compose_config([f"market={name}"])))
    assert checked.spec is not None, checked.field_problems
    return checked.spec.market


def test_every_scenario_is_an_option_of_the_market_group() -> None:
    assert set(SCENARIOS) <= set(group_options("market"))


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_option_composes_and_generates_events(name) -> None:
    spec = market_spec(name)
    assert spec.kind == "scenario"
    params = replace(params_from_spec(spec), duration_secs=2_000.0, book_interval_secs=20.0)
    sc = generate(params)
    assert sc.events.size > 0
    expected_stress = name if not name.startswith("hawkes_") or name == "hawkes_drift" else "none"
    assert sc.params.stress == expected_stress


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("hawkes_low", "low"),
        ("hawkes_medium", "medium"),
        ("hawkes_high", "high"),
        ("hawkes_critical", "critical"),
    ],
)
def test_cluster_options_carry_the_seed_alpha_and_beta(name, level) -> None:
    spec = market_spec(name)
    assert (spec.hawkes_alpha_per_sec, spec.hawkes_beta_per_sec) == CLUSTER_LEVELS[level]


def test_a_negative_stress_multiplier_is_a_field_problem() -> None:
    cfg = to_container(compose_config(["market=volume_spike", "market.intensity_multiplier=-1"]))
    checked = check_container(cfg)
    assert checked.spec is None
    assert checked.field_problems == (
        "market.intensity_multiplier: Input should be greater than 0 (got -1)",
    )
