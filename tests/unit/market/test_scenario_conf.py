"""Every scenario option composes into a valid spec and drives the generator it names."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from corp.errors import SpecError
from corp.market.scenarios import CLUSTER_LEVELS, events_from_spec, generate, params_from_spec
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


def test_events_from_spec_is_the_generator_applied_to_the_market_layer() -> None:
    spec = market_spec("volume_spike")
    np.testing.assert_array_equal(events_from_spec(spec), generate(params_from_spec(spec)).events)


def test_events_from_spec_refuses_a_non_scenario_market() -> None:
    with pytest.raises(SpecError, match=r"market\.kind must be 'scenario'"):
        events_from_spec(market_spec("synthetic"))
