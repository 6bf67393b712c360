"""Hedge layer: adaptive delta hedging triggers (seed 4.1). ``*_pct`` are fractions."""

from __future__ import annotations

from pydantic import BaseModel

from corp.spec.types import SPEC_MODEL_CONFIG, FractionOpen, PosFloat

__all__ = ["HedgeSpec"]


class HedgeSpec(BaseModel):
    model_config = SPEC_MODEL_CONFIG

    enabled: bool
    base_hedge_interval_minutes: PosFloat
    price_drop_threshold_pct: FractionOpen
    hedge_frequency_multiplier: PosFloat
    gamma_threshold: PosFloat
    max_hedge_size_pct: FractionOpen
