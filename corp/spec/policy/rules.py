"""The cross-layer policy rules. Each is registered under a stable id and yields violations that
show the numbers involved; none raises on a bad value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter
from collections.abc import Iterator

from corp.spec.catalogue import CORE_LEVELS, entries_for, iter_leaf_paths, lookup, p0_paths
from corp.spec.derived import (
    gamma_upper_bound,
    inventory_limit_base,
    min_quoted_spread_bps,
    sigma_quote_per_sqrt_sec,
    tau_secs,
)
from corp.spec.policy.engine import Violation, rule
from corp.spec.records import ChangeRecord, PolicyContext
from corp.spec.risk import BREAKER_STATES
from corp.spec.run import LAYERS, RunSpec
from corp.spec.strategy import GlftStrategy, HawkesAdaptiveStrategy, HawkesStrategy

__all__ = [
    "MAX_CORE_CHANGES_PER_DAY",
    "MAX_TUNING_STEP",
    "RHO_RANGE",
    "STAGE_MODES",
    "approval_problems",
    "check_tuning_change",
]

RHO_RANGE = (0.5, 0.7)
"""Seed 3.2: warning threshold = rho x limit, rho in [0.5, 0.7]."""
MAX_TUNING_STEP = 0.10
"""Seed 5.5: a single online change moves a parameter by at most 10 %."""
MAX_CORE_CHANGES_PER_DAY = 1
"""Seed 5.5: at most one core parameter change per day."""
VENUE_MODES = ("okx_demo_sim", "okx_demo_api", "okx_live")
APPROVAL_MODES = ("okx_demo_api", "okx_live")
STAGE_MODES: dict[str, tuple[str, ...]] = {
    "research": ("offline", "okx_demo_sim"),
    "staging": ("offline", "okx_demo_sim", "okx_demo_api"),
    "production": ("offline", "okx_demo_sim", "okx_demo_api", "okx_live"),
}
"""Which modes a pack of each stage may run in (seed 8.1: dev, staging, production)."""
HAWKES_SEED_RANGES = (
    "aggressive_factor",
    "defensive_factor",
    "adverse_selection_threshold",
    "estimation_window",
    "inventory_skew_factor",
)


def _g(x: float) -> str:
    return f"{x:.6g}"


def _err(rule_id: str, path: str, message: str) -> Violation:
    return Violation(rule_id, path, "error", message)


def _warn(rule_id: str, path: str, message: str) -> Violation:
    return Violation(rule_id, path, "warning", message)


# ---- strategy ---------------------------------------------------------------------------------


@rule("as.gamma_bound", "gamma <= eta*S/(Q*sigma^2*tau): reservation shift at the limit <= eta*S")
def gamma_bound(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    s = spec.strategy
    gamma = getattr(s, "gamma", None)
    if gamma is None:
        return
    eta = s.max_reservation_offset_pct  # type: ignore[union-attr]
    price = spec.market.base_price_quote
    sigma = sigma_quote_per_sqrt_sec(spec.market)
    tau = tau_secs(s.horizon_secs)  # type: ignore[union-attr]
    q = s.inventory_limit
    bound = gamma_upper_bound(eta=eta, price=price, inventory_limit=q, sigma=sigma, tau=tau)
    if gamma > bound:
        yield _err(
            "as.gamma_bound",
            "strategy.gamma",
            f"{_g(gamma)} > eta*S/(Q*sigma^2*tau) = {_g(eta)}*{_g(price)}/"
            f"({q}*{_g(sigma)}^2*{_g(tau)}) = {_g(bound)}",
        )


@rule("inventory.double_penalty", "AS gamma and an inventory skew must not both penalise (2.6.2)")
def double_penalty(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    s = spec.strategy
    gamma = getattr(s, "gamma", None)
    skew = getattr(s, "inventory_skew_factor", 0.0)
    if gamma is None or gamma <= 0 or skew <= 0:
        return
    sigma = sigma_quote_per_sqrt_sec(spec.market)
    as_shift = s.inventory_limit * gamma * sigma**2 * tau_secs(s.horizon_secs)  # type: ignore[union-attr]
    half_spread = s.base_spread_bps * 1e-4 * spec.market.base_price_quote / 2
    yield _err(
        "inventory.double_penalty",
        "strategy.inventory_skew_factor",
        f"{_g(skew)} together with strategy.gamma = {_g(gamma)} penalises inventory twice "
        f"(AS shift at the limit {_g(as_shift)} quote + skew shift {_g(skew * half_spread)} "
        "quote); set one of them to 0/null",
    )


@rule("fees.min_spread", "the narrowest quoted width covers a maker fee on each side")
def min_spread(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    need = 2 * spec.mode.maker_fee_bps
    have, how = min_quoted_spread_bps(spec)
    if have < need:
        yield _err(
            "fees.min_spread",
            "strategy.base_spread_bps",
            f"narrowest width {how} = {_g(have)} bps < 2 x mode.maker_fee_bps = {_g(need)}: "
            "every round trip loses money",
        )


@rule("glft.inventory_grid", "GLFT's inventory grid: inventory_limit is a multiple of order size")
def glft_grid(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    s = spec.strategy
    if isinstance(s, GlftStrategy) and s.inventory_limit % s.order_size_lots:
        yield _err(
            "glft.inventory_grid",
            "strategy.inventory_limit",
            f"{s.inventory_limit} lots is not a multiple of order_size_lots = {s.order_size_lots}",
        )


@rule("integrated.layers", "integrated strategies need the regime and hedge layers they use")
def integrated_layers(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    s = spec.strategy
    if getattr(s, "use_regime_multipliers", False) and not spec.regime.enabled:
        yield _err(
            "integrated.layers",
            "regime.enabled",
            f"false, but strategy.use_regime_multipliers = true ({s.kind} reads regime state)",
        )
    if getattr(s, "use_hedge_signal", False) and not spec.hedge.enabled:
        yield _err(
            "integrated.layers",
            "hedge.enabled",
            f"false, but strategy.use_hedge_signal = true ({s.kind} follows hedge triggers)",
        )


# ---- Hawkes -----------------------------------------------------------------------------------


@rule("hawkes.stationarity", "alpha < beta: branching ratio below 1", always=True)
def hawkes_stationary(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    s = spec.strategy
    if isinstance(s, HawkesStrategy) and s.alpha_per_sec >= s.beta_per_sec:
        yield _err(
            "hawkes.stationarity",
            "strategy.alpha_per_sec",
            f"{_g(s.alpha_per_sec)} >= beta_per_sec = {_g(s.beta_per_sec)}: branching ratio "
            f"{_g(s.alpha_per_sec / s.beta_per_sec)} >= 1, the process explodes",
        )


@rule("hawkes.near_critical", "branching ratio above runtime.alert_branching_ratio (warning)")
def hawkes_near_critical(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    s = spec.strategy
    if not isinstance(s, HawkesStrategy):
        return
    n = s.alpha_per_sec / s.beta_per_sec
    limit = spec.runtime.alert_branching_ratio
    if limit < n < 1.0:
        yield _warn(
            "hawkes.near_critical",
            "strategy.alpha_per_sec",
            f"branching ratio alpha/beta = {_g(s.alpha_per_sec)}/{_g(s.beta_per_sec)} = {_g(n)} "
            f"> {_g(limit)}: near-critical clustering, estimates are fragile",
        )


@rule(
    "hawkes.alarm_reachable",
    "adaptive Hawkes: the online clamp sits above the branching alert, so the alert can fire",
)
def hawkes_alarm_reachable(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    s = spec.strategy
    alert = spec.runtime.alert_branching_ratio
    if isinstance(s, HawkesAdaptiveStrategy) and s.max_branching_ratio <= alert:
        yield _err(
            "hawkes.alarm_reachable",
            "strategy.max_branching_ratio",
            f"{_g(s.max_branching_ratio)} <= runtime.alert_branching_ratio = {_g(alert)}: online "
            "estimates are clamped at or below the alert level, so the near-critical alarm "
            "(branching ratio > alert) can never fire",
        )


@rule("hawkes.threshold_order", "low_intensity_threshold < high_intensity_threshold", always=True)
def hawkes_thresholds(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    s = spec.strategy
    if isinstance(s, HawkesStrategy) and s.low_intensity_threshold >= s.high_intensity_threshold:
        yield _err(
            "hawkes.threshold_order",
            "strategy.low_intensity_threshold",
            f"{_g(s.low_intensity_threshold)} >= high_intensity_threshold = "
            f"{_g(s.high_intensity_threshold)}: the spread regimes overlap",
        )


@rule("hawkes.seed_ranges", "factors, adverse threshold, window and skew in the seed's ranges")
def hawkes_ranges(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    s = spec.strategy
    if not isinstance(s, HawkesStrategy):
        return
    for name in HAWKES_SEED_RANGES:
        entry = lookup(f"strategy.{name}", s.kind)
        assert entry is not None
        assert entry.bounds is not None
        lo, hi = entry.bounds
        value = getattr(s, name)
        if not lo <= value <= hi:
            yield _err(
                "hawkes.seed_ranges",
                f"strategy.{name}",
                f"{_g(value)} outside the seed's range [{_g(lo)}, {_g(hi)}] ({entry.unit})",
            )


# ---- risk -------------------------------------------------------------------------------------


@rule("risk.warning_ratio", "warning = rho x limit with rho in [0.5, 0.7] (seed 3.2)")
def warning_ratio(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    r = spec.risk
    for warn_name, limit_name in (
        ("daily_loss_warning_pct", "daily_loss_limit_pct"),
        ("max_drawdown_warning_pct", "max_drawdown_pct"),
    ):
        warn, limit = getattr(r, warn_name), getattr(r, limit_name)
        rho = warn / limit
        lo, hi = RHO_RANGE
        if not lo - 1e-9 <= rho <= hi + 1e-9:
            yield _err(
                "risk.warning_ratio",
                f"risk.{warn_name}",
                f"{_g(warn)} = {_g(rho)} x {limit_name} {_g(limit)}; rho must be in "
                f"[{lo}, {hi}], i.e. {_g(lo * limit)} to {_g(hi * limit)}",
            )


@rule("risk.stepwise_recovery", "recovery walks down one state at a time, never HALTED -> NORMAL",
      always=True)  # fmt: skip
def stepwise_recovery(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    path = spec.risk.recovery_path
    shown = " -> ".join(path)
    if not path or path[0] != "HALTED" or path[-1] != "NORMAL":
        yield _err(
            "risk.stepwise_recovery",
            "risk.recovery_path",
            f"{shown}: must start at HALTED and end at NORMAL",
        )
        return
    severity = {state: i for i, state in enumerate(BREAKER_STATES)}
    for a, b in itertools.pairwise(path):
        if severity[a] - severity[b] != 1:
            yield _err(
                "risk.stepwise_recovery",
                "risk.recovery_path",
                f"{shown}: step {a} -> {b} skips or reverses a level; recovery goes "
                + " -> ".join(reversed(BREAKER_STATES)),
            )


@rule("risk.manual_confirmation", "production packs confirm the first step out of HALTED")
def manual_confirmation(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    if spec.pack.stage == "production" and not spec.risk.manual_confirmation_from_halted:
        yield _warn(
            "risk.manual_confirmation",
            "risk.manual_confirmation_from_halted",
            "false in a production pack: seed 3.3 recommends a manual confirmation gate",
        )


@rule("risk.var_levels", "VaR warning level below the limit level (seed 3.4: 95 % / 99 %)")
def var_levels(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    r = spec.risk
    if r.var_warning_level >= r.var_limit_level:
        yield _err(
            "risk.var_levels",
            "risk.var_warning_level",
            f"{_g(r.var_warning_level)} >= var_limit_level = {_g(r.var_limit_level)}",
        )


@rule("risk.concentration", "inventory limit notional / capital <= position_concentration_limit")
def concentration(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    q_base = inventory_limit_base(spec.strategy.inventory_limit, spec.market)
    share = q_base * spec.market.base_price_quote / spec.risk.capital_quote
    if share > spec.risk.position_concentration_limit:
        yield _err(
            "risk.concentration",
            "strategy.inventory_limit",
            f"{spec.strategy.inventory_limit} lots = {_g(q_base)} base x "
            f"{_g(spec.market.base_price_quote)} / capital {_g(spec.risk.capital_quote)} = "
            f"{_g(share)} > risk.position_concentration_limit = "
            f"{_g(spec.risk.position_concentration_limit)}",
        )


@rule("risk.inventory_loss_budget", "full inventory x stress drop <= daily loss budget (seed 2.4)")
def inventory_loss_budget(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    r = spec.risk
    q_base = inventory_limit_base(spec.strategy.inventory_limit, spec.market)
    loss = q_base * spec.market.base_price_quote * r.stress_drop_pct
    budget = r.daily_loss_limit_pct * r.capital_quote
    if loss > budget:
        yield _err(
            "risk.inventory_loss_budget",
            "strategy.inventory_limit",
            f"Q*S*d = {_g(q_base)}*{_g(spec.market.base_price_quote)}*{_g(r.stress_drop_pct)} = "
            f"{_g(loss)} quote > daily loss budget {_g(r.daily_loss_limit_pct)}*"
            f"{_g(r.capital_quote)} = {_g(budget)}",
        )


# ---- runtime ----------------------------------------------------------------------------------


@rule("runtime.reconnect_backoff", "initial reconnect backoff <= its cap")
def reconnect_backoff(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    rt = spec.runtime
    if rt.reconnect_initial_backoff_ms > rt.reconnect_max_backoff_ms:
        yield _err(
            "runtime.reconnect_backoff",
            "runtime.reconnect_initial_backoff_ms",
            f"{_g(rt.reconnect_initial_backoff_ms)} > reconnect_max_backoff_ms = "
            f"{_g(rt.reconnect_max_backoff_ms)}",
        )


# ---- catalogue bounds -------------------------------------------------------------------------


@rule("catalogue.bounds", "every numeric value inside its catalogue's recommended range")
def catalogue_bounds(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    data = spec.model_dump(mode="python", include=set(LAYERS))
    kind = spec.strategy.kind
    for path, value in iter_leaf_paths(data):
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if (
            isinstance(spec.strategy, HawkesStrategy)
            and path.removeprefix("strategy.") in HAWKES_SEED_RANGES
        ):
            continue  # reported by hawkes.seed_ranges
        entry = lookup(path, kind if path.startswith("strategy.") else None)
        if entry is None or entry.bounds is None:
            continue
        lo, hi = entry.bounds
        if not lo <= value <= hi:
            yield _err(
                "catalogue.bounds",
                path,
                f"{_g(value)} outside the recommended range [{_g(lo)}, {_g(hi)}] ({entry.unit})",
            )


# ---- mode and pack gates ----------------------------------------------------------------------


@rule("mode.venue_requires_risk", "venue modes need the risk layer; live also the kill switch",
      always=True)  # fmt: skip
def venue_requires_risk(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    mode = spec.mode.name
    if mode in VENUE_MODES and not spec.risk.enabled:
        yield _err(
            "mode.venue_requires_risk",
            "risk.enabled",
            f"false in mode {mode}: orders reach a venue only behind the circuit breaker",
        )
    if mode == "okx_live" and not spec.risk.kill_switch_enabled:
        yield _err(
            "mode.venue_requires_risk",
            "risk.kill_switch_enabled",
            "false in mode okx_live: live trading needs the kill switch",
        )


@rule("mode.live_confirmation", "okx_live needs mode.live_confirmed=true", always=True)
def live_confirmation(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    if spec.mode.name == "okx_live" and not spec.mode.live_confirmed:
        yield _err(
            "mode.live_confirmation",
            "mode.live_confirmed",
            "false in mode okx_live: confirm on purpose with mode.live_confirmed=true",
        )


@rule("pack.stage_mode", "the pack's stage allows the mode", always=True)
def stage_mode(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    allowed = STAGE_MODES[spec.pack.stage]
    if spec.mode.name not in allowed:
        yield _err(
            "pack.stage_mode",
            "mode.name",
            f"{spec.mode.name} not allowed for a {spec.pack.stage} pack "
            f"(pack {spec.pack.name}); allowed: {', '.join(allowed)}",
        )


def _version_key(version: str) -> tuple[str, int]:
    day, n = version.split(".")
    return day, int(n)


@rule("pack.rollback_version", "production packs name an earlier version to roll back to (1.3)")
def rollback_version(spec: RunSpec, _: PolicyContext) -> Iterator[Violation]:
    back = spec.pack.rollback_version
    if spec.pack.stage == "production" and back is None:
        yield _err(
            "pack.rollback_version",
            "pack.rollback_version",
            "null in a production pack: name the version to restore when it fails",
        )
    elif back is not None and _version_key(back) >= _version_key(spec.pack.version):
        yield _err(
            "pack.rollback_version",
            "pack.rollback_version",
            f"{back} is not earlier than pack.version {spec.pack.version}",
        )


def _value_at(spec: RunSpec, path: str) -> object:
    node: object = spec
    for part in path.split("."):
        node = getattr(node, part)
    return node


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    return a == b


def approval_problems(spec: RunSpec, ctx: PolicyContext) -> tuple[str | None, list[Violation]]:
    """The approval record covering this pack's P0 values (file name, or None) and what it does
    not cover. Used by the rule below (in the modes that need approval) and by ``task=pack``."""
    now = dt.datetime.combine(ctx.today, dt.time(), tzinfo=dt.UTC)
    records = [
        (name, a)
        for name, a in ctx.approvals
        if a.pack == spec.pack.name and a.version == spec.pack.version and a.expires_at >= now
    ]
    if not records:
        return None, [
            _err(
                "pack.p0_approval",
                "pack.version",
                f"no valid approval record for pack {spec.pack.name} {spec.pack.version} in "
                f"conf/approvals/ (required for okx_demo_api and okx_live)",
            )
        ]
    name, approval = records[-1]
    problems = []
    for path in p0_paths(spec.strategy.kind):
        value = _value_at(spec, path)
        if path not in approval.values:
            problems.append(
                _err(
                    "pack.p0_approval",
                    path,
                    f"{value!r} is a P0 value that approval {name} does not cover",
                )
            )
        elif not _same(value, approval.values[path]):
            problems.append(
                _err(
                    "pack.p0_approval",
                    path,
                    f"{value!r} differs from the approved {approval.values[path]!r} "
                    f"({name}, {approval.approved_by}, ticket {approval.ticket})",
                )
            )
    return name, problems


@rule("pack.p0_approval", "P0 values need an approval record before okx_demo_api/okx_live",
      always=True)  # fmt: skip
def p0_approval(spec: RunSpec, ctx: PolicyContext) -> Iterator[Violation]:
    if spec.mode.name in APPROVAL_MODES:
        yield from approval_problems(spec, ctx)[1]


# ---- online tuning guardrails ---------------------------------------------------------------


def _relative_step(change: ChangeRecord) -> float | None:
    old, new = change.old, change.new
    if isinstance(old, bool) or isinstance(new, bool):
        return None
    if not isinstance(old, int | float) or not isinstance(new, int | float):
        return None
    if old == 0:
        return math.inf if new != 0 else 0.0
    return abs(new - old) / abs(old)


def _is_core(path: str) -> bool:
    return any(e.risk in CORE_LEVELS for e in entries_for(path))


def check_tuning_change(
    history: tuple[ChangeRecord, ...], proposed: ChangeRecord
) -> list[Violation]:
    """Guardrails for one proposed online change given the recorded history (seed 5.5).

    The online tuner calls this before applying a change; the policy rule applies it to every
    recorded change in turn. Returns the violations (empty = allowed).
    """
    out: list[Violation] = []
    if proposed.origin != "online_tuning":
        return out
    if not entries_for(proposed.path):
        out.append(
            _err(
                "tuning.max_step",
                proposed.path,
                f"not a catalogued parameter (change at {proposed.at.isoformat()})",
            )
        )
        return out
    step = _relative_step(proposed)
    where = f"change at {proposed.at.isoformat()} by {proposed.by}"
    if step is None:
        out.append(
            _err(
                "tuning.max_step",
                proposed.path,
                f"{proposed.old!r} -> {proposed.new!r} ({where}): online tuning only moves numbers",
            )
        )
    elif step > MAX_TUNING_STEP + 1e-12:
        out.append(
            _err(
                "tuning.max_step",
                proposed.path,
                f"{proposed.old!r} -> {proposed.new!r} is a {_g(step * 100)} % step ({where}); "
                f"online tuning moves a parameter at most {_g(MAX_TUNING_STEP * 100)} % at a time",
            )
        )
    if _is_core(proposed.path):
        day = proposed.at.astimezone(dt.UTC).date()
        same_day = [
            c
            for c in history
            if c.origin == "online_tuning"
            and _is_core(c.path)
            and c.at.astimezone(dt.UTC).date() == day
        ]
        if len(same_day) + 1 > MAX_CORE_CHANGES_PER_DAY:
            out.append(
                _err(
                    "tuning.daily_core_changes",
                    proposed.path,
                    f"{len(same_day) + 1} core parameter changes on {day} ({where}; earlier: "
                    + ", ".join(f"{c.path} at {c.at.time()}" for c in same_day)
                    + f"); at most {MAX_CORE_CHANGES_PER_DAY} per day",
                )
            )
    return out


def _replay_history(ctx: PolicyContext, rule_id: str) -> Iterator[Violation]:
    ordered = sorted(ctx.changes, key=lambda c: c.at)
    for i, change in enumerate(ordered):
        for v in check_tuning_change(tuple(ordered[:i]), change):
            if v.rule == rule_id:
                yield v


@rule("tuning.max_step", "each recorded online change moves a parameter at most 10 % (seed 5.5)")
def tuning_max_step(_: RunSpec, ctx: PolicyContext) -> Iterator[Violation]:
    yield from _replay_history(ctx, "tuning.max_step")


@rule("tuning.daily_core_changes", "at most one core (P0/P1) online change per UTC day (5.5)")
def tuning_daily_core_changes(_: RunSpec, ctx: PolicyContext) -> Iterator[Violation]:
    yield from _replay_history(ctx, "tuning.daily_core_changes")


def core_change_counts(changes: tuple[ChangeRecord, ...]) -> Counter[dt.date]:
    """Online core changes per UTC day (for reports)."""
    return Counter(
        c.at.astimezone(dt.UTC).date()
        for c in changes
        if c.origin == "online_tuning" and _is_core(c.path)
    )
