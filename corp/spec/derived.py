"""Figures derived from a RunSpec, computed in one place (policy, engine packing and reports
call these, never their own copies).

Time base: seconds. Price base: quote currency. Sizes: lots of ``market.lot_size_base``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

from corp.spec.market import MarketBase

if TYPE_CHECKING:
    from corp.spec.run import RunSpec

__all__ = [
    "SECONDS_PER_DAY",
    "gamma_upper_bound",
    "inventory_limit_base",
    "min_quoted_spread_bps",
    "sigma_quote_per_sqrt_sec",
    "tau_secs",
]

SECONDS_PER_DAY = 86_400.0


class PriceAndVolatility(Protocol):
    """What the sigma conversion reads: a market layer or a scenario's parameters."""

    @property
    def base_price_quote(self) -> float: ...

    @property
    def volatility_daily_pct(self) -> float: ...


def sigma_quote_per_sqrt_sec(market: PriceAndVolatility) -> float:
    """Mid volatility sigma in quote/sqrt(s): S * volatility_daily_pct / sqrt(86400)."""
    return market.base_price_quote * market.volatility_daily_pct / math.sqrt(SECONDS_PER_DAY)


def tau_secs(horizon_secs: float | None) -> float:
    """AS/GLFT time to horizon; the infinite-horizon form uses tau = 1 time unit (1 s)."""
    return 1.0 if horizon_secs is None else horizon_secs


def gamma_upper_bound(
    *, eta: float, price: float, inventory_limit: float, sigma: float, tau: float
) -> float:
    """Seed 2.2: Q gamma sigma^2 tau <= eta S  =>  gamma <= eta S / (Q sigma^2 tau)."""
    return eta * price / (inventory_limit * sigma * sigma * tau)


def inventory_limit_base(inventory_limit_lots: int, market: MarketBase) -> float:
    """Inventory limit in base units (lots x lot size)."""
    return inventory_limit_lots * market.lot_size_base


def min_quoted_spread_bps(spec: RunSpec) -> tuple[float, str]:
    """Narrowest full width the strategy can quote, in bps, and how it is made up.

    ``base_spread_bps`` x the Hawkes ``aggressive_factor`` (high intensity) x the smallest regime
    multiplier (integrated strategies with regime detection on)."""
    s = spec.strategy
    width = s.base_spread_bps
    parts = [f"base_spread_bps {width:.6g}"]
    aggressive = getattr(s, "aggressive_factor", None)
    if aggressive is not None:
        width *= aggressive
        parts.append(f"aggressive_factor {aggressive:.6g}")
    if getattr(s, "use_regime_multipliers", False) and spec.regime.enabled:
        m = min(spec.regime.spread_multipliers)
        width *= m
        parts.append(f"min regime multiplier {m:.6g}")
    return width, " x ".join(parts)
