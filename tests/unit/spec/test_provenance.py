"""task=show: every resolved value says where it came from."""

from __future__ import annotations

import pytest

from corp.spec.compose import group_options
from corp.spec.provenance import Origin, provenance


def _by_path(overrides: list[str]) -> dict[str, Origin]:
    return {o.path: o for o in provenance(overrides)}


def test_each_source_is_named() -> None:
    origins = _by_path(["+profile=production", "strategy.gamma=0.2", "regime=fast"])
    assert origins["strategy.gamma"].source == "command line"
    assert origins["strategy.gamma"].value == 0.2
    assert origins["risk.daily_loss_limit_pct"].source == "profile"
    assert "conf/profile/production.yaml" in origins["risk.daily_loss_limit_pct"].detail
    assert origins["regime.detector"].source == "group"
    assert "regime=fast (chosen on the command line" in origins["regime.detector"].detail
    assert origins["strategy.use_hedge_signal"].source == "group"
    assert "strategy=integrated (chosen by profile production" in (
        origins["strategy.use_hedge_signal"].detail
    )
    assert "default choice" in origins["mode.maker_fee_bps"].detail
    assert origins["pack.waivers"].source == "default"


def test_a_group_choice_on_the_command_line_beats_the_profile_choice() -> None:
    origins = _by_path(["+profile=production", "strategy=glft"])
    assert origins["strategy.solution"].detail.startswith("strategy=glft (chosen on the command")
    assert origins["strategy.gamma"].source == "profile"


@pytest.mark.parametrize("profile", [None, *group_options("profile")])
def test_no_value_of_any_profile_has_an_unknown_origin(profile: str | None) -> None:
    overrides = [] if profile is None else [f"+profile={profile}"]
    unknown = [o.line() for o in provenance(overrides) if o.source == "unknown"]
    assert unknown == []
