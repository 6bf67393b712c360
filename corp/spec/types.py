"""Shared constrained types and closed sets of the spec layer (one module, used by every model).

Units live in field names (``_bps``, ``_ms``, ``_secs``, ``_pct``, ``_quote``, ``_base``,
``_lots``); ``_pct`` values are *fractions* as in the seed handbook
(``daily_loss_limit_pct: 0.05`` is 5 %).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

__all__ = [
    "SPEC_MODEL_CONFIG",
    "Fraction",
    "FractionOpen",
    "LogLevel",
    "ModeName",
    "NonNegFloat",
    "NonNegInt",
    "PackName",
    "PackVersion",
    "PosFloat",
    "PosInt",
    "Probability",
    "RuleId",
    "Stage",
    "StrategyKind",
    "Venue",
]

SPEC_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", strict=False, validate_default=True)
"""Every spec model: immutable, unknown keys rejected (typos never pass silently)."""

PosFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
PosInt = Annotated[int, Field(gt=0)]
NonNegInt = Annotated[int, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
"""A share in [0, 1]; the seed's ``*_pct`` fields are fractions (0.05 = 5 %)."""
FractionOpen = Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]
"""A share in (0, 1), e.g. a limit that can be neither zero nor everything."""
Probability = Annotated[float, Field(gt=0.5, lt=1.0, allow_inf_nan=False)]
"""A confidence level such as 0.95 or 0.99."""

PackName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
PackVersion = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}\.\d+$")]
"""Date-stamped pack version ``YYYY-MM-DD.N`` as in the seed's example pack (2026-02-09.1)."""
RuleId = Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]

Stage = Literal["research", "staging", "production"]
ModeName = Literal["offline", "okx_demo_sim", "okx_demo_api", "okx_live"]
Venue = Literal["none", "okx_sim", "okx"]
StrategyKind = Literal[
    "naive",
    "avellaneda_stoikov",
    "glft",
    "hawkes",
    "hawkes_adaptive",
    "integrated",
    "fast_integrated",
]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
