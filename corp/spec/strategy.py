"""Strategy layer: one frozen model per quoting strategy, a discriminated union on ``kind``.

Sizes are in *lots* of ``market.lot_size_base`` (integer, so GLFT's inventory grid is exact);
rates are per second, ``k`` is per quote-currency unit, ``gamma`` is 1/(quote * lot), and the time
base is the second: ``horizon_secs = None`` means the infinite-horizon form with tau = 1 s.
Every default lives in ``conf/strategy/<kind>.yaml``; these models have no defaults of their own
so that one place (the config) holds each value. Meanings and units: ``corp.spec.catalogue``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from corp.spec.types import (
    SPEC_MODEL_CONFIG,
    Fraction,
    FractionOpen,
    PosFloat,
    PosInt,
)

__all__ = [
    "STRATEGY_MODELS",
    "AvellanedaStoikovStrategy",
    "FastIntegratedStrategy",
    "GlftStrategy",
    "HawkesAdaptiveStrategy",
    "HawkesStrategy",
    "IntegratedStrategy",
    "NaiveStrategy",
    "StrategySpec",
]

VolatilitySource = Literal["market", "estimator"]


class _StrategyBase(BaseModel):
    """Fields every strategy has: quoted width floor, sizes, limit, requote cadence."""

    model_config = SPEC_MODEL_CONFIG

    base_spread_bps: PosFloat
    order_size_lots: PosInt
    inventory_limit: PosInt
    requote_interval_ms: PosFloat


class _ReservationFields(BaseModel):
    """AS reservation-price inputs shared by the model-based strategies."""

    model_config = SPEC_MODEL_CONFIG

    horizon_secs: PosFloat | None
    volatility_source: VolatilitySource
    volatility_window_secs: PosFloat
    max_reservation_offset_pct: FractionOpen


class _FillModelFields(BaseModel):
    """Fill intensity lambda(delta) = A exp(-k delta) (quant.md, Avellaneda–Stoikov)."""

    model_config = SPEC_MODEL_CONFIG

    gamma: PosFloat
    fill_decay_k_per_quote: PosFloat
    fill_rate_a_per_sec: PosFloat


class NaiveStrategy(_StrategyBase):
    kind: Literal["naive"]
    inventory_skew_factor: Fraction


class AvellanedaStoikovStrategy(_StrategyBase, _FillModelFields, _ReservationFields):
    kind: Literal["avellaneda_stoikov"]


class GlftStrategy(_StrategyBase, _FillModelFields, _ReservationFields):
    kind: Literal["glft"]
    solution: Literal["closed_form", "exact"]


class HawkesStrategy(_StrategyBase, _ReservationFields):
    kind: Literal["hawkes"]
    mu_per_sec: PosFloat
    alpha_per_sec: PosFloat
    beta_per_sec: PosFloat
    high_intensity_threshold: PosFloat
    low_intensity_threshold: PosFloat
    aggressive_factor: PosFloat
    defensive_factor: PosFloat
    inventory_skew_factor: Annotated[float, Field(ge=0.0, le=2.0, allow_inf_nan=False)]
    adverse_selection_threshold: PosFloat
    estimation_window: Annotated[int, Field(ge=2)]
    gamma: PosFloat | None


class HawkesAdaptiveStrategy(HawkesStrategy):
    kind: Literal["hawkes_adaptive"]  # type: ignore[assignment]
    param_update_interval: PosInt
    learning_rate: FractionOpen
    drift_alert_updates: Annotated[int, Field(ge=2)]  # a "run" of one update is no drift
    max_branching_ratio: FractionOpen
    param_stability_cv_max: PosFloat
    fallback_to_fixed: bool


class IntegratedStrategy(_StrategyBase, _FillModelFields, _ReservationFields):
    kind: Literal["integrated"]
    inventory_skew_factor: Fraction
    use_regime_multipliers: bool
    use_hedge_signal: bool


class FastIntegratedStrategy(IntegratedStrategy):
    """Integrated strategy, greeks cached per ``runtime.greeks_cache_ttl_ms``/``_max_entries``."""

    kind: Literal["fast_integrated"]  # type: ignore[assignment]


STRATEGY_MODELS: tuple[type[BaseModel], ...] = (
    NaiveStrategy,
    AvellanedaStoikovStrategy,
    GlftStrategy,
    HawkesStrategy,
    HawkesAdaptiveStrategy,
    IntegratedStrategy,
    FastIntegratedStrategy,
)

StrategySpec = Annotated[
    NaiveStrategy
    | AvellanedaStoikovStrategy
    | GlftStrategy
    | HawkesStrategy
    | HawkesAdaptiveStrategy
    | IntegratedStrategy
    | FastIntegratedStrategy,
    Field(discriminator="kind"),
]
