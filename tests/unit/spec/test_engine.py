"""Enforcement: all violations at once, stage-dependent denial, named waivers reported apart."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from corp.errors import PolicyDenied
from corp.spec.policy import PolicyReport, evaluate
from tests.unit.spec.conftest import TODAY, context, spec_of

SEVERAL_BAD = (
    "strategy.gamma=5",
    "strategy.base_spread_bps=3",
    "risk.daily_loss_warning_pct=0.045",
    "risk.recovery_path=[HALTED,NORMAL]",
)


def test_every_violation_of_a_config_is_reported_in_one_run(
    check: Callable[..., PolicyReport],
) -> None:
    report = check(("+profile=production", *SEVERAL_BAD))
    assert sorted(v.rule for v in report.denied) == [
        "as.gamma_bound",
        "fees.min_spread",
        "risk.stepwise_recovery",
        "risk.warning_ratio",
    ]


def test_production_and_staging_deny_what_research_only_warns_about(
    check: Callable[..., PolicyReport],
) -> None:
    for profile in ("production", "staging"):
        assert not check((f"+profile={profile}", "strategy.gamma=5")).ok
    research = check(("+profile=research", "strategy.gamma=5"))
    assert research.ok
    assert [v.rule for v in research.warnings] == ["as.gamma_bound"]
    assert "not enforced in research" in research.warnings[0].line()


def test_always_enforced_rules_deny_even_in_research(check: Callable[..., PolicyReport]) -> None:
    report = check(("strategy=hawkes", "strategy.alpha_per_sec=0.9"))
    assert [v.rule for v in report.denied] == ["hawkes.stationarity"]


def test_a_matching_waiver_moves_the_violation_to_waived_with_owner_and_reason(
    check: Callable[..., PolicyReport],
) -> None:
    waiver = (
        "pack.waivers=[{rule: as.gamma_bound, path: strategy.gamma, owner: alice, "
        "reason: 'stress test of a wide bound', expires: '2026-12-31'}]"
    )
    report = check(("+profile=production", "strategy.gamma=5", waiver))
    assert report.ok
    assert [v.rule for v, _ in report.waived] == ["as.gamma_bound"]
    assert "owner=alice" in report.lines()[0]
    assert report.lines()[0].startswith("WAIVED")
    (recorded,) = report.to_dict()["waived"]  # what a run directory's policy.json keeps
    assert recorded["rule"] == "as.gamma_bound"
    assert recorded["waiver"] == {
        "rule": "as.gamma_bound",
        "path": "strategy.gamma",
        "owner": "alice",
        "reason": "stress test of a wide bound",
        "expires": "2026-12-31",
    }


def test_a_waiver_for_another_path_does_not_apply(check: Callable[..., PolicyReport]) -> None:
    waiver = (
        "pack.waivers=[{rule: as.gamma_bound, path: strategy.other, owner: alice, "
        "reason: r, expires: '2026-12-31'}]"
    )
    assert not check(("+profile=production", "strategy.gamma=5", waiver)).ok


def test_an_expired_waiver_no_longer_applies_and_is_reported(
    check: Callable[..., PolicyReport],
) -> None:
    waiver = "pack.waivers=[{rule: as.gamma_bound, owner: alice, reason: r, expires: '2026-01-31'}]"
    report = check(("+profile=production", "strategy.gamma=5", waiver))
    assert [v.rule for v in report.denied] == ["as.gamma_bound"]
    assert [v.rule for v in report.warnings] == ["policy.waiver_expired"]
    assert "expired on 2026-01-31" in report.warnings[0].message


def test_a_denied_report_raises_policy_denied_listing_each_problem() -> None:
    spec = spec_of(("+profile=production", *SEVERAL_BAD))
    report = evaluate(spec, context())
    with pytest.raises(PolicyDenied) as err:
        report.raise_if_denied()
    assert len(str(err.value).splitlines()) == 4


def test_the_approval_expires_with_its_record() -> None:
    spec = spec_of(("+profile=production", "mode=okx_demo_api"))
    assert evaluate(spec, context(today=TODAY)).ok
    late = evaluate(spec, context(today=TODAY.replace(year=2027, month=3)))
    assert [v.rule for v in late.denied] == ["pack.p0_approval"]


def test_a_waiver_cannot_lift_a_rule_enforced_at_every_stage(
    check: Callable[..., PolicyReport],
) -> None:
    waiver = (
        "pack.waivers=[{rule: mode.live_confirmation, owner: bob, reason: hurry, "
        "expires: '2026-12-31'}]"
    )
    report = check(("+profile=production", "mode=okx_live", waiver))
    assert [v.rule for v in report.denied] == ["mode.live_confirmation"]
    assert [v.rule for v in report.warnings] == ["policy.waiver_not_allowed"]


def test_a_waiver_naming_no_rule_is_reported(check: Callable[..., PolicyReport]) -> None:
    waiver = "pack.waivers=[{rule: as.gama_bound, owner: bob, reason: r, expires: '2026-12-31'}]"
    report = check(("+profile=production", waiver))
    assert [v.rule for v in report.warnings] == ["policy.waiver_unknown_rule"]
    assert "as.gamma_bound" in report.warnings[0].message
