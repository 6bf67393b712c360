"""Figures derived from a RunSpec, computed in one place (policy, engine packing and reports
call these, never their own copies).

Time base: seconds. Price base: quote currency. Sizes: lots of ``market.lot_size_base``.
"""

from __future__ import annotations

import math

from corp.spec.market import MarketBase

__all__ = [
    "SECONDS_PER_DAY",
    "gamma_upper_bound",
    "inventory_limit_base",
    "sigma_quote_per_sqrt_sec",
    "tau_secs",
]

SECONDS_PER_DAY = 86_400.0


def sigma_quote_per_sqrt_sec(market: MarketBase) -> float:
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
