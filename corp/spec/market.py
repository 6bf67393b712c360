"""Market layer: where events come from. A union on ``kind`` so that scenario families (Hawkes
cluster levels, stress scenarios, replay files) are added as one model each.

To add a kind: subclass ``MarketBase`` with ``kind: Literal["<name>"]`` and its own fields, append
it to ``MARKET_MODELS`` and to the ``MarketSpec`` union, add ``conf/market/<name>.yaml`` and the
catalogue entries for its new fields (the coverage test names any you miss).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from corp.spec.types import SPEC_MODEL_CONFIG, NonNegInt, PosFloat

__all__ = ["MARKET_MODELS", "MarketBase", "MarketSpec", "SyntheticMarket"]


class MarketBase(BaseModel):
    """Fields every market kind carries: the instrument and the reference price and volatility
    that the policy's bounds (gamma bound, concentration, loss budget) are computed from."""

    model_config = SPEC_MODEL_CONFIG

    instrument: Annotated[str, Field(min_length=1)]
    base_price_quote: PosFloat
    volatility_daily_pct: PosFloat
    tick_size_quote: PosFloat
    lot_size_base: PosFloat
    seed: NonNegInt
    duration_secs: PosFloat


class SyntheticMarket(MarketBase):
    kind: Literal["synthetic"]
    trade_rate_per_sec: PosFloat


MARKET_MODELS: tuple[type[MarketBase], ...] = (SyntheticMarket,)

MarketSpec = Annotated[SyntheticMarket, Field(discriminator="kind")]
