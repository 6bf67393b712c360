"""Every policy rule, table-driven: each has at least one passing and one failing configuration,
composed through Hydra like the command line would, and its message shows the numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from corp.spec.policy import RULES, PolicyReport, Violation
from corp.spec.records import ChangeRecord

UTC = dt.UTC


def change(
    at: str, path: str, old: float, new: float, origin: str = "online_tuning"
) -> ChangeRecord:
    return ChangeRecord(
        at=dt.datetime.fromisoformat(at).replace(tzinfo=UTC),
        path=path,
        old=old,
        new=new,
        origin=origin,  # type: ignore[arg-type]
        by="tuner",
    )


@dataclass(frozen=True)
class Case:
    rule: str
    overrides: tuple[str, ...]
    path: str | None = None
    """Dotted path of the expected violation; None = the rule must stay silent."""
    shows: str = ""
    changes: tuple[ChangeRecord, ...] = field(default=())

    @property
    def id(self) -> str:
        verdict = "passes" if self.path is None else "fails"
        return f"{self.rule}-{verdict}-{' '.join(self.overrides) or 'defaults'}"


PROD = ("+profile=production",)
HAWKES = ("strategy=hawkes",)
LIVE = (*PROD, "mode=okx_live", "mode.live_confirmed=true")

CASES = [
    Case("as.gamma_bound", PROD),
    Case("as.gamma_bound", (*PROD, "strategy.gamma=5"), "strategy.gamma",
         "5 > eta*S/(Q*sigma^2*tau) = 0.005*50000/(10*3.40207^2*1) = 2.16"),
    Case("as.gamma_bound", ("strategy.horizon_secs=3600",), "strategy.gamma",
         "0.1 > eta*S/(Q*sigma^2*tau) = 0.005*50000/(10*3.40207^2*3600) = 0.0006"),
    Case("as.gamma_bound", ("strategy=hawkes", "strategy.inventory_skew_factor=0.1",
                            "strategy.gamma=3"), "strategy.gamma", "3 > eta*S"),
    Case("inventory.double_penalty", HAWKES),
    Case("inventory.double_penalty", (*HAWKES, "strategy.gamma=0.1"),
         "strategy.inventory_skew_factor", "0.5 together with strategy.gamma = 0.1 penalises"),
    Case("inventory.double_penalty", ("strategy=integrated", "strategy.inventory_skew_factor=0.3"),
         "strategy.inventory_skew_factor", "penalises inventory twice"),
    Case("fees.min_spread", ()),
    Case("fees.min_spread", ("strategy.base_spread_bps=3",), "strategy.base_spread_bps",
         "narrowest width base_spread_bps 3 = 3 bps < 2 x mode.maker_fee_bps = 4"),
    Case("fees.min_spread", (*HAWKES, "strategy.base_spread_bps=10",
                             "strategy.aggressive_factor=0.3"), "strategy.base_spread_bps",
         "base_spread_bps 10 x aggressive_factor 0.3 = 3 bps < 2 x mode.maker_fee_bps = 4"),
    Case("fees.min_spread", ("strategy=integrated", "strategy.base_spread_bps=4.5"),
         "strategy.base_spread_bps",
         "base_spread_bps 4.5 x min regime multiplier 0.8 = 3.6 bps < 2 x mode.maker_fee_bps"),
    Case("fees.min_spread", ("strategy=integrated", "strategy.base_spread_bps=4.5", "regime=off")),
    Case("glft.inventory_grid", ("strategy=glft", "strategy.order_size_lots=2")),
    Case("glft.inventory_grid", ("strategy=glft", "strategy.order_size_lots=3"),
         "strategy.inventory_limit", "10 lots is not a multiple of order_size_lots = 3"),
    Case("integrated.layers", ("strategy=integrated",)),
    Case("integrated.layers", ("strategy=integrated", "regime=off"), "regime.enabled",
         "strategy.use_regime_multipliers = true"),
    Case("integrated.layers", ("strategy=fast_integrated", "hedge=off"), "hedge.enabled",
         "strategy.use_hedge_signal = true"),
    Case("hawkes.stationarity", HAWKES),
    Case("hawkes.stationarity", (*HAWKES, "strategy.alpha_per_sec=0.9"), "strategy.alpha_per_sec",
         "0.9 >= beta_per_sec = 0.8: branching ratio 1.125 >= 1"),
    Case("hawkes.near_critical", (*HAWKES, "strategy.alpha_per_sec=0.7")),
    Case("hawkes.near_critical", (*HAWKES, "strategy.alpha_per_sec=0.78"),
         "strategy.alpha_per_sec", "alpha/beta = 0.78/0.8 = 0.975 > 0.95"),
    Case("hawkes.alarm_reachable", ("strategy=hawkes_adaptive",)),
    Case("hawkes.alarm_reachable",
         ("strategy=hawkes_adaptive", "strategy.max_branching_ratio=0.95"),
         "strategy.max_branching_ratio", "0.95 <= runtime.alert_branching_ratio = 0.95: online "
         "estimates are clamped at or below the alert level"),
    Case("hawkes.threshold_order", HAWKES),
    Case("hawkes.threshold_order", (*HAWKES, "strategy.low_intensity_threshold=1.5"),
         "strategy.low_intensity_threshold", "1.5 >= high_intensity_threshold = 1.5"),
    Case("hawkes.seed_ranges", ("strategy=hawkes_adaptive",)),
    Case("hawkes.seed_ranges", (*HAWKES, "strategy.aggressive_factor=0.9"),
         "strategy.aggressive_factor", "0.9 outside the seed's range [0.3, 0.7]"),
    Case("hawkes.seed_ranges", (*HAWKES, "strategy.defensive_factor=1.2"),
         "strategy.defensive_factor", "1.2 outside the seed's range [1.5, 3]"),
    Case("hawkes.seed_ranges", (*HAWKES, "strategy.adverse_selection_threshold=3.5"),
         "strategy.adverse_selection_threshold", "3.5 outside the seed's range [2, 3]"),
    Case("hawkes.seed_ranges", (*HAWKES, "strategy.estimation_window=30"),
         "strategy.estimation_window", "30 outside the seed's range [50, 200]"),
    Case("hawkes.seed_ranges", (*HAWKES, "strategy.inventory_skew_factor=0.05"),
         "strategy.inventory_skew_factor", "0.05 outside the seed's range [0.1, 1]"),
    Case("risk.warning_ratio", ("risk.daily_loss_warning_pct=0.025",)),
    Case("risk.warning_ratio", ("risk.daily_loss_warning_pct=0.045",),
         "risk.daily_loss_warning_pct",
         "0.045 = 0.9 x daily_loss_limit_pct 0.05; rho must be in [0.5, 0.7], i.e. 0.025 to 0.035"),
    Case("risk.warning_ratio", ("risk.max_drawdown_warning_pct=0.02",),
         "risk.max_drawdown_warning_pct", "0.02 = 0.2 x max_drawdown_pct 0.1"),
    Case("risk.stepwise_recovery", ()),
    Case("risk.stepwise_recovery", ("risk.recovery_path=[HALTED,NORMAL]",), "risk.recovery_path",
         "step HALTED -> NORMAL skips or reverses a level"),
    Case("risk.stepwise_recovery", ("risk.recovery_path=[HALTED,RESTRICTED,WARNING]",),
         "risk.recovery_path", "must start at HALTED and end at NORMAL"),
    Case("risk.manual_confirmation", PROD),
    Case("risk.manual_confirmation", (*PROD, "risk.manual_confirmation_from_halted=false"),
         "risk.manual_confirmation_from_halted", "false in a production pack"),
    Case("risk.var_levels", ()),
    Case("risk.var_levels", ("risk.var_warning_level=0.99",), "risk.var_warning_level",
         "0.99 >= var_limit_level = 0.99"),
    Case("risk.concentration", ("strategy.inventory_limit=40",)),
    Case("risk.concentration", ("strategy.inventory_limit=50",), "strategy.inventory_limit",
         "= 0.25 > risk.position_concentration_limit = 0.2"),
    Case("risk.inventory_loss_budget", ()),
    Case("risk.inventory_loss_budget",
         ("risk.stress_drop_pct=0.5", "risk.daily_loss_limit_pct=0.02",
          "risk.daily_loss_warning_pct=0.012"),
         "strategy.inventory_limit",
         "Q*S*d = 0.1*50000*0.5 = 2500 quote > daily loss budget 0.02*100000 = 2000"),
    Case("runtime.reconnect_backoff", ()),
    Case("runtime.reconnect_backoff", ("runtime.reconnect_initial_backoff_ms=60000",),
         "runtime.reconnect_initial_backoff_ms", "60000 > reconnect_max_backoff_ms = 30000"),
    Case("catalogue.bounds", ("strategy=hawkes_adaptive", "regime=fast", "risk=strict")),
    Case("catalogue.bounds", ("hedge.hedge_frequency_multiplier=20",),
         "hedge.hedge_frequency_multiplier", "20 outside the recommended range [1, 10]"),
    Case("mode.venue_requires_risk", ("mode=okx_demo_sim",)),
    Case("mode.venue_requires_risk", ("mode=okx_demo_sim", "risk=none"), "risk.enabled",
         "false in mode okx_demo_sim"),
    Case("mode.venue_requires_risk", (*LIVE, "risk.kill_switch_enabled=false"),
         "risk.kill_switch_enabled", "live trading needs the kill switch"),
    Case("mode.live_confirmation", LIVE),
    Case("mode.live_confirmation", (*PROD, "mode=okx_live"), "mode.live_confirmed",
         "confirm on purpose with mode.live_confirmed=true"),
    Case("pack.stage_mode", ("mode=okx_demo_sim",)),
    Case("pack.stage_mode", ("mode=okx_live",), "mode.name",
         "okx_live not allowed for a research pack (pack default); allowed: offline, okx_demo_sim"),
    Case("pack.rollback_version", PROD),
    Case("pack.rollback_version", (*PROD, "pack.rollback_version=null"), "pack.rollback_version",
         "null in a production pack"),
    Case("pack.rollback_version", (*PROD, "pack.rollback_version=2026-02-09.1"),
         "pack.rollback_version", "2026-02-09.1 is not earlier than pack.version 2026-02-09.1"),
    Case("pack.p0_approval", (*PROD, "mode=okx_demo_api")),
    Case("pack.p0_approval", (*PROD, "mode=okx_demo_api", "risk.daily_loss_limit_pct=0.06",
                              "risk.daily_loss_warning_pct=0.036"),
         "risk.daily_loss_limit_pct",
         "0.06 differs from the approved 0.05 (production-2026-02-09.1.yaml"),
    Case("pack.p0_approval", ("+profile=staging", "mode=okx_demo_api"), "pack.version",
         "no valid approval record for pack staging 2026-02-09.1"),
    Case("pack.p0_approval", (*LIVE, "pack.version=2026-03-01.1"), "pack.version",
         "no valid approval record for pack production 2026-03-01.1"),
    Case("tuning.max_step", PROD,
         changes=(change("2026-05-01T08:00", "strategy.gamma", 0.1, 0.11),)),
    Case("tuning.max_step", PROD, "strategy.gamma", "0.1 -> 0.12 is a 20 % step",
         changes=(change("2026-05-01T08:00", "strategy.gamma", 0.1, 0.12),)),
    Case("tuning.max_step", PROD, changes=(
        change("2026-05-01T08:00", "strategy.gamma", 0.1, 0.2, origin="release"),)),
    Case("tuning.max_step", PROD, "strategy.gama", "not a catalogued parameter",
         changes=(change("2026-05-01T08:00", "strategy.gama", 0.1, 0.105),)),
    Case("tuning.daily_core_changes", PROD, changes=(
        change("2026-05-01T08:00", "strategy.gamma", 0.1, 0.105),
        change("2026-05-02T08:00", "strategy.base_spread_bps", 20, 21),
        change("2026-05-02T09:00", "runtime.greeks_cache_ttl_ms", 100, 105),
    )),
    Case("tuning.daily_core_changes", PROD, "strategy.base_spread_bps",
         "2 core parameter changes on 2026-05-01", changes=(
             change("2026-05-01T08:00", "strategy.gamma", 0.1, 0.105),
             change("2026-05-01T17:00", "strategy.base_spread_bps", 20, 21),
         )),
]  # fmt: skip


def _all(report: PolicyReport) -> list[Violation]:
    return [*report.denied, *report.warnings, *(v for v, _ in report.waived)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case, check: Callable[..., PolicyReport]) -> None:
    hits = [v for v in _all(check(case.overrides, case.changes)) if v.rule == case.rule]
    if case.path is None:
        assert hits == [], [v.line() for v in hits]
    else:
        assert [v.path for v in hits] == [case.path], [v.line() for v in hits]
        assert case.shows in hits[0].message, hits[0].line()


def test_every_registered_rule_has_a_passing_and_a_failing_case() -> None:
    passing = {c.rule for c in CASES if c.path is None}
    failing = {c.rule for c in CASES if c.path is not None}
    assert set(RULES) == passing == failing


def test_shipped_profiles_pass_every_rule_without_warnings(
    check: Callable[..., PolicyReport],
) -> None:
    for overrides in ((), ("+profile=research",), ("+profile=staging",), PROD, LIVE):
        report = check(overrides)
        assert report.lines() == [], (overrides, report.lines())


def test_the_online_tuner_can_check_a_proposed_change_against_the_history() -> None:
    from corp.spec.policy import check_tuning_change

    history = (change("2026-05-01T08:00", "strategy.gamma", 0.1, 0.105),)
    same_day = change("2026-05-01T12:00", "hedge.gamma_threshold", 0.01, 0.0105)
    next_day = change("2026-05-02T12:00", "hedge.gamma_threshold", 0.01, 0.0105)
    assert [v.rule for v in check_tuning_change(history, same_day)] == ["tuning.daily_core_changes"]
    assert check_tuning_change(history, next_day) == []
