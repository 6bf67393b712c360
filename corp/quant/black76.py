"""Black-76 prices and greeks for options on futures/forwards (optional options book, seed 3.4).

F forward, K strike, tau_years time to expiry, sigma annual volatility, r continuously compounded
rate. Greeks per unit: delta dV/dF, gamma d2V/dF2, vega dV/dsigma (per 1.00 of vol), theta dV/dt
(per year, calendar time passing, so -dV/dtau), rho dV/dr.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy.stats import norm

__all__ = ["Greeks", "black76"]


@dataclass(frozen=True, slots=True)
class Greeks:
    price: float
    delta: float
    gamma: float
    vega: float
    theta: float
    rho: float


def black76(
    F: float, K: float, tau_years: float, sigma: float, r: float = 0.0,
    kind: Literal["call", "put"] = "call",
) -> Greeks:  # fmt: skip
    """Price and greeks; raises ValueError on non-positive F, K, tau or sigma."""
    for name, v in (("F", F), ("K", K), ("tau_years", tau_years), ("sigma", sigma)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"black76 '{name}' must be finite and positive, was {v!r}")
    if kind not in ("call", "put"):
        raise ValueError(f"black76 'kind' must be 'call' or 'put', was {kind!r}")
    sq = sigma * math.sqrt(tau_years)
    d1 = (math.log(F / K) + 0.5 * sq * sq) / sq
    d2 = d1 - sq
    df = math.exp(-r * tau_years)
    pdf1 = float(norm.pdf(d1))
    if kind == "call":
        price = df * (F * norm.cdf(d1) - K * norm.cdf(d2))
        delta = df * norm.cdf(d1)
    else:
        price = df * (K * norm.cdf(-d2) - F * norm.cdf(-d1))
        delta = -df * norm.cdf(-d1)
    gamma = df * pdf1 / (F * sq)
    vega = df * F * pdf1 * math.sqrt(tau_years)
    theta = -df * F * pdf1 * sigma / (2.0 * math.sqrt(tau_years)) + r * price
    rho = -tau_years * price
    return Greeks(float(price), float(delta), gamma, vega, float(theta), float(rho))
