"""Risk layer: circuit breaker limits, recovery path and VaR thresholds (seed section 3).

``*_pct`` fields are fractions of ``capital_quote`` (0.05 = 5 %). Cross-field rules (warning =
rho * limit, stepwise recovery, VaR level order) are policy rules, not validators: a validator
would be skipped as soon as another field is invalid and hide them (hydra-notes).

Breaker semantics these fields configure (the contract for ``corp.core``'s risk step):

* WARNING when the day's loss reaches ``daily_loss_warning_pct`` or the drawdown reaches
  ``max_drawdown_warning_pct`` of capital, or VaR at ``var_warning_level`` exceeds
  ``var_limit_pct``;
* RESTRICTED (no quote that adds inventory) when the position exceeds
  ``position_concentration_limit`` x capital in notional, or VaR at ``var_limit_level`` exceeds
  ``var_limit_pct``;
* HALTED (no quotes, cancel all) when the day's loss reaches ``daily_loss_limit_pct`` or the
  drawdown reaches ``max_drawdown_pct``;
* recovery walks ``recovery_path`` one state at a time, each step after ``cooldown_period_seconds``
  in the state and ``recovery_quiet_period_seconds`` without a violation; the first step out of
  HALTED waits for a person when ``manual_confirmation_from_halted``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from corp.spec.types import SPEC_MODEL_CONFIG, FractionOpen, PosFloat, PosInt, Probability

__all__ = ["BREAKER_STATES", "BreakerState", "RiskSpec"]

BreakerState = Literal["NORMAL", "WARNING", "RESTRICTED", "HALTED"]
BREAKER_STATES: tuple[BreakerState, ...] = ("NORMAL", "WARNING", "RESTRICTED", "HALTED")
"""Breaker states by severity, NORMAL lowest. Recovery walks down one step at a time."""


class RiskSpec(BaseModel):
    model_config = SPEC_MODEL_CONFIG

    enabled: bool
    kill_switch_enabled: bool
    capital_quote: PosFloat
    daily_loss_limit_pct: FractionOpen
    daily_loss_warning_pct: FractionOpen
    max_drawdown_pct: FractionOpen
    max_drawdown_warning_pct: FractionOpen
    position_concentration_limit: PosFloat
    stress_drop_pct: FractionOpen
    cooldown_period_seconds: PosFloat
    recovery_quiet_period_seconds: PosFloat
    recovery_path: tuple[BreakerState, ...]
    manual_confirmation_from_halted: bool
    var_method: Literal["historical", "parametric", "monte_carlo"]
    var_warning_level: Probability
    var_limit_level: Probability
    var_limit_pct: FractionOpen
    var_lookback_days: PosInt
