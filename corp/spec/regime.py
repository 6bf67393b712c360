"""Regime layer: HMM / fast detector, spread multipliers per state, timeout and fallback (4.2)."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from corp.spec.types import SPEC_MODEL_CONFIG, FractionOpen, PosFloat, PosInt

__all__ = ["RegimeSpec"]


class RegimeSpec(BaseModel):
    model_config = SPEC_MODEL_CONFIG

    enabled: bool
    detector: Literal["hmm", "fast"]
    lookback_bars: PosInt
    bar_secs: PosFloat
    retrain_interval_minutes: PosFloat
    spread_multipliers: Annotated[tuple[PosFloat, ...], Field(min_length=2, max_length=3)]
    detection_timeout_ms: PosFloat
    fallback_method: Literal["vol_quantile", "last_state", "normal"]
    max_fallback_ratio: FractionOpen

    @field_validator("spread_multipliers")
    @classmethod
    def _calm_to_volatile(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        """States are sorted by sigma, so a calmer state never gets a wider spread."""
        if any(b < a for a, b in itertools.pairwise(value)):
            raise ValueError(
                f"must be non-decreasing from the calm to the volatile state, got {list(value)}"
            )
        return value
