"""Every option of every group composes into a valid RunSpec; bad fields are reported one per
line with their dotted path and the bad value, all at once."""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException, MissingConfigException
from pydantic import ValidationError

from corp.spec.compose import GROUPS, compose_config, group_options, to_container
from corp.spec.run import RunSpec, SpecInvalid, build_spec
from tests.unit.spec.conftest import spec_of

OPTIONS = [
    (group, option) for group in GROUPS if group != "profile" for option in group_options(group)
]


@pytest.mark.parametrize(("group", "option"), OPTIONS, ids=[f"{g}={o}" for g, o in OPTIONS])
def test_every_group_option_composes_into_a_valid_spec(group: str, option: str) -> None:
    spec = spec_of([f"{group}={option}"])
    assert isinstance(spec, RunSpec)


@pytest.mark.parametrize("profile", group_options("profile"))
def test_every_profile_composes_with_its_pack_identity(profile: str) -> None:
    spec = spec_of([f"+profile={profile}"])
    assert spec.pack.name == profile
    assert spec.pack.stage in ("research", "staging", "production")


def test_production_profile_reproduces_the_seed_example_pack() -> None:
    spec = spec_of(["+profile=production"])
    assert (spec.pack.name, spec.pack.version) == ("production", "2026-02-09.1")
    assert spec.strategy.base_spread_bps == 20
    assert spec.strategy.gamma == pytest.approx(0.1)  # type: ignore[union-attr]
    assert spec.strategy.inventory_limit == 10
    assert spec.risk.daily_loss_limit_pct == pytest.approx(0.05)
    assert spec.risk.max_drawdown_pct == pytest.approx(0.10)
    assert spec.hedge.base_hedge_interval_minutes == 30
    assert spec.hedge.gamma_threshold == pytest.approx(0.01)
    assert spec.runtime.greeks_cache_ttl_ms == 100
    assert spec.runtime.max_quote_latency_ms == 100


def test_command_line_value_beats_the_profile() -> None:
    spec = spec_of(["+profile=production", "strategy.gamma=0.07"])
    assert spec.strategy.gamma == pytest.approx(0.07)  # type: ignore[union-attr]


def test_strategy_kind_selects_the_model_of_the_union() -> None:
    spec = spec_of(["strategy=hawkes_adaptive"])
    assert type(spec.strategy).__name__ == "HawkesAdaptiveStrategy"


def test_several_bad_fields_are_all_reported_one_per_line_with_path_and_value() -> None:
    data = to_container(
        compose_config(
            [
                "strategy.gamma=-1",
                "pack.version=v2",
                "risk.daily_loss_limit_pct=3",
                "market.seed=-4",
            ]
        )
    )
    with pytest.raises(SpecInvalid) as err:
        build_spec(data)
    problems = err.value.problems
    assert len(problems) == 4
    assert "strategy.gamma: Input should be greater than 0 (got -1)" in problems
    assert any(p.startswith("pack.version: String should match pattern") for p in problems)
    assert any(p.startswith("risk.daily_loss_limit_pct:") and "(got 3)" in p for p in problems)
    assert any(p.startswith("market.seed:") and "(got -4)" in p for p in problems)


def test_an_unknown_key_is_rejected_by_name() -> None:
    data = to_container(compose_config([]))
    data["risk"] = {**data["risk"], "daily_loss_limt_pct": 0.05}
    with pytest.raises(SpecInvalid) as err:
        build_spec(data)
    assert err.value.problems == ["risk.daily_loss_limt_pct: unknown key (got 0.05)"]


def test_an_unknown_strategy_kind_names_the_allowed_kinds() -> None:
    data = to_container(compose_config([]))
    data["strategy"] = {**data["strategy"], "kind": "martingale"}
    with pytest.raises(SpecInvalid) as err:
        build_spec(data)
    assert "strategy:" in err.value.problems[0]
    assert "'avellaneda_stoikov'" in err.value.problems[0]


def test_regime_multipliers_must_widen_from_calm_to_volatile() -> None:
    with pytest.raises(SpecInvalid) as err:
        spec_of(["regime.spread_multipliers=[1.5,1.0,0.8]"])
    assert err.value.problems[0].startswith("regime.spread_multipliers:")


def test_spec_models_are_frozen() -> None:
    spec = spec_of()
    with pytest.raises(ValidationError):
        spec.risk.daily_loss_limit_pct = 0.5  # type: ignore[misc]


def test_hydra_reports_a_typo_in_struct_mode_with_the_full_key() -> None:
    with pytest.raises(ConfigCompositionException) as err:
        compose_config(["strategy.gama=0.1"])
    assert "full_key: strategy.gama" in str(err.value.__cause__)


def test_hydra_lists_the_available_profiles_for_an_unknown_one() -> None:
    with pytest.raises(MissingConfigException) as err:
        compose_config(["+profile=prod"])
    assert "Could not find 'profile/prod'" in str(err.value)
    assert "production" in str(err.value)


def test_a_key_of_another_strategy_kind_names_the_kind() -> None:
    with pytest.raises(SpecInvalid) as err:
        spec_of(["+profile=production", "strategy=naive"])
    assert err.value.problems == ["strategy.gamma: unknown key for strategy kind 'naive' (got 0.1)"]


def test_public_api_names_exist() -> None:
    import corp.spec

    assert all(hasattr(corp.spec, name) for name in corp.spec.__all__)
    assert sorted(corp.spec.__all__) == sorted(set(corp.spec.__all__))
