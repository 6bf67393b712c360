"""Run the whole calibration pipeline on one event stream and propose a pack diff.

``run_calibration`` is pure (arrays and a spec in, a :class:`CalibrationResult` out);
``propose_changes`` turns the result into changes of the spec's current values, each classified
by the catalogue's risk level (P0/P1/P2). Nothing here edits a pack: the proposal is evidence for
a person (and the approval rules) to act on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from corp.backtest.calibration import (
    Backtester,
    GammaBound,
    HawkesCalibration,
    InventoryLimitCalibration,
    MarketSample,
    SkewCalibration,
    SpreadCalibration,
    calibrate_gamma_bound,
    calibrate_hawkes,
    calibrate_inventory_limit,
    calibrate_skew_factor,
    calibrate_spread,
    market_sample_from_events,
)
from corp.spec.catalogue import lookup
from corp.spec.derived import tau_secs
from corp.spec.run import RunSpec

__all__ = ["CalibrationResult", "ProposedChange", "propose_changes", "run_calibration"]

DEFAULT_INVENTORY_CANDIDATES = (1, 2, 5, 10, 20, 50, 100)
DEFAULT_SKEW_CANDIDATES = (0.1, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    source: str
    sample: MarketSample
    gamma: GammaBound | None
    spread: SpreadCalibration
    inventory: InventoryLimitCalibration
    skew: SkewCalibration
    hawkes: HawkesCalibration


@dataclass(frozen=True, slots=True)
class ProposedChange:
    path: str
    current: float | int | None
    proposed: float | int
    risk: str
    change_pct: float
    evidence: str


def run_calibration(
    events: np.ndarray,
    spec: RunSpec,
    *,
    source: str,
    backtester: Backtester | None = None,
    no_backtester_reason: str = "no backtester given",
    stress_events: Sequence[np.ndarray] = (),
    inventory_candidates_lots: Sequence[int] = DEFAULT_INVENTORY_CANDIDATES,
    skew_candidates: Sequence[float] = DEFAULT_SKEW_CANDIDATES,
) -> CalibrationResult:
    """Seed 2.2-2.6 on ``events``; 2.4/2.5 need ``backtester`` (else reported as skipped)."""
    sample = market_sample_from_events(events)
    s = spec.strategy
    eta = getattr(s, "max_reservation_offset_pct", None)
    gamma = None
    if eta is not None:
        # gamma is 1/(quote * lot) (corp.spec.strategy), so Q is in lots, as in the policy rule
        gamma = calibrate_gamma_bound(
            sample,
            eta=eta,
            inventory_limit_lots=s.inventory_limit,
            tau_secs=tau_secs(s.horizon_secs),  # type: ignore[union-attr]
        )
    spread = calibrate_spread(sample, fee_bps=getattr(spec.mode, "maker_fee_bps", 0.0))
    r = spec.risk
    inventory = calibrate_inventory_limit(
        list(stress_events) or [events],
        inventory_candidates_lots,
        backtester=backtester,
        max_drawdown_limit_pct=r.max_drawdown_pct,
        daily_loss_limit_pct=r.daily_loss_limit_pct,
        lot_size_base=spec.market.lot_size_base,
        price_quote=spec.market.base_price_quote,
        stress_drop_pct=r.stress_drop_pct,
        capital_quote=r.capital_quote,
        position_concentration_limit=r.position_concentration_limit,
        skip_reason=no_backtester_reason,
    )
    if getattr(s, "gamma", None) is not None and hasattr(s, "inventory_skew_factor"):
        skew = SkewCalibration(
            "skipped",
            None,
            (),
            0.0,
            f"strategy.gamma = {s.gamma:g} already penalises inventory; a skew on top is the "  # type: ignore[union-attr]
            "double penalty seed 2.6.2 forbids (rule inventory.double_penalty)",
        )
    elif hasattr(s, "inventory_skew_factor"):
        skew = calibrate_skew_factor(
            events,
            skew_candidates,
            backtester=backtester,
            max_drawdown_limit_pct=r.max_drawdown_pct,
            daily_loss_limit_pct=r.daily_loss_limit_pct,
            skip_reason=no_backtester_reason,
        )
    else:
        skew = SkewCalibration(
            "skipped", None, (), 0.0, f"strategy kind {s.kind!r} has no inventory_skew_factor"
        )
    return CalibrationResult(
        source, sample, gamma, spread, inventory, skew, calibrate_hawkes(sample)
    )


def _change(
    spec: RunSpec, path: str, proposed: float | int, evidence: str
) -> ProposedChange | None:
    layer, name = path.split(".", 1)
    model = getattr(spec, layer)
    if not hasattr(model, name):
        return None
    current = getattr(model, name)
    entry = lookup(path, getattr(model, "kind", None))
    risk = entry.risk if entry is not None else "P0"  # unknown: treat as the strictest
    if current is None or isinstance(current, bool):
        pct = math.nan
    else:
        pct = (proposed - current) / current * 100.0 if current else math.inf
    if isinstance(current, int) and not isinstance(current, bool):
        proposed = round(proposed)
    if current == proposed or (math.isfinite(pct) and abs(pct) < 0.5):
        return None  # below half a percent: noise, not a change
    return ProposedChange(path, current, proposed, risk, pct, evidence)


def propose_changes(spec: RunSpec, result: CalibrationResult) -> list[ProposedChange]:
    """Changes the evidence supports, each with its risk level; sorted P0 first."""
    out: list[ProposedChange | None] = []
    s = spec.strategy
    g = result.gamma
    current_gamma = getattr(s, "gamma", None)
    if g is not None and current_gamma is not None and current_gamma > g.bound:
        out.append(
            _change(
                spec,
                "strategy.gamma",
                g.bound,
                f"gamma <= eta S/(Q sigma^2 tau) = {g.bound:.6g} (2.2)",
            )
        )
    sp = result.spread
    if math.isfinite(sp.base_spread_bps):
        out.append(
            _change(
                spec,
                "strategy.base_spread_bps",
                sp.base_spread_bps,
                "2 x best robust half-spread bucket (2.3)",
            )
        )
    if sp.fill.ok:
        out.append(
            _change(
                spec,
                "strategy.fill_decay_k_per_quote",
                sp.fill.k,
                f"Poisson MLE on {sp.fill.n_arrivals} arrivals (2.3)",
            )
        )
        out.append(
            _change(
                spec,
                "strategy.fill_rate_a_per_sec",
                sp.fill.A,
                f"Poisson MLE on {sp.fill.n_arrivals} arrivals (2.3)",
            )
        )
    inv = result.inventory
    if inv.status == "ok" and inv.proposed_lots is not None:
        out.append(
            _change(
                spec,
                "strategy.inventory_limit",
                inv.proposed_lots,
                "largest Q meeting max drawdown and daily loss under stress (2.4)",
            )
        )
    sk = result.skew
    if sk.status == "ok" and sk.proposed is not None:
        out.append(
            _change(
                spec, "strategy.inventory_skew_factor", sk.proposed, "min E|q| + w tau_half (2.5)"
            )
        )
    h = result.hawkes
    if h.pooled.stationary and h.pooled.converged:
        ev = f"pooled MLE, n={h.pooled.branching_ratio:.3f}, KS p={_ks(h)} (2.6)"
        out.append(_change(spec, "strategy.mu_per_sec", h.mu_per_side_per_sec, f"per side, {ev}"))
        out.append(_change(spec, "strategy.alpha_per_sec", h.pooled.alpha, ev))
        out.append(_change(spec, "strategy.beta_per_sec", h.pooled.beta, ev))
        if math.isfinite(h.high_intensity_threshold):
            out.append(
                _change(
                    spec,
                    "strategy.high_intensity_threshold",
                    h.high_intensity_threshold,
                    "75 % intensity quantile / long-run mean (2.6.2)",
                )
            )
            out.append(
                _change(
                    spec,
                    "strategy.low_intensity_threshold",
                    h.low_intensity_threshold,
                    "25 % intensity quantile / long-run mean (2.6.2)",
                )
            )
    rank = {"P0": 0, "P1": 1, "P2": 2}
    return sorted((c for c in out if c is not None), key=lambda c: (rank.get(c.risk, 0), c.path))


def _ks(h: HawkesCalibration) -> str:
    return f"{h.pooled.gof.ks_pvalue:.3g}" if h.pooled.gof is not None else "n/a"
