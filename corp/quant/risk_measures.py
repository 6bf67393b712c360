"""VaR and CVaR of a return sample (loss L = -return, positive = loss), several methods.

- historical: empirical a-quantile of L with numpy's ``inverted_cdf`` method (the smallest sample
  value whose empirical CDF reaches a; no interpolation), CVaR by Rockafellar-Uryasev:
  VaR + E[(L - VaR)+] / (1 - a);
- gaussian: VaR = -mu + sigma z_a, CVaR = -mu + sigma phi(z_a) / (1 - a);
- student_t: location-scale t with df degrees of freedom (fitted by scipy when not given);
- cornish_fisher: the modified quantile from skewness and excess kurtosis; CVaR by integrating the
  Cornish-Fisher quantile over the tail (Gauss-Legendre);
- monte_carlo: draws from a fitted Gaussian or t with a seeded generator; reports the standard error
  of the quantile, sqrt(a (1 - a) / n) / f(VaR).

Horizon scaling by sqrt(h) assumes iid returns (no autocorrelation, constant volatility): it is only
offered as :func:`scale_to_horizon` and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from corp.errors import DataError

__all__ = [
    "QUANTILE_METHOD",
    "RiskEstimate",
    "cornish_fisher_var",
    "gaussian_var",
    "historical_var",
    "monte_carlo_var",
    "scale_to_horizon",
    "student_t_var",
    "value_at_risk",
]

QUANTILE_METHOD: Literal["inverted_cdf"] = "inverted_cdf"
Method = Literal["historical", "gaussian", "student_t", "cornish_fisher", "monte_carlo"]


@dataclass(frozen=True, slots=True)
class RiskEstimate:
    """VaR and CVaR at ``level`` as positive losses in return units; ``se_var`` for Monte Carlo."""

    method: str
    level: float
    var: float
    cvar: float
    n: int
    se_var: float = math.nan


def _returns(returns: np.ndarray, min_n: int = 2) -> np.ndarray:
    r = np.asarray(returns, dtype=np.float64).ravel()
    if r.size < min_n:
        raise DataError(f"VaR needs at least {min_n} returns, had {r.size}")
    if not np.all(np.isfinite(r)):
        raise DataError("VaR 'returns' contains NaN or inf")
    return r


def _level(level: float) -> float:
    if not (0.5 <= level < 1.0):
        raise ValueError(f"VaR 'level' must lie in [0.5, 1), was {level!r}")
    return float(level)


def historical_var(returns: np.ndarray, level: float = 0.95) -> RiskEstimate:
    """Empirical quantile of losses (``inverted_cdf``) and the Rockafellar-Uryasev CVaR."""
    a = _level(level)
    loss = -_returns(returns, 1)
    var = float(np.quantile(loss, a, method=QUANTILE_METHOD))
    cvar = var + float(np.mean(np.maximum(loss - var, 0.0))) / (1.0 - a)
    return RiskEstimate("historical", a, var, cvar, loss.size)


def gaussian_var(returns: np.ndarray, level: float = 0.95) -> RiskEstimate:
    """VaR = -mu + sigma z_a, CVaR = -mu + sigma phi(z_a) / (1 - a) (sample mean and std)."""
    a = _level(level)
    r = _returns(returns)
    mu, sigma = float(r.mean()), float(r.std(ddof=1))
    z = float(stats.norm.ppf(a))
    return RiskEstimate(
        "gaussian", a, -mu + sigma * z, -mu + sigma * float(stats.norm.pdf(z)) / (1.0 - a), r.size
    )


def student_t_var(
    returns: np.ndarray, level: float = 0.95, df: float | None = None
) -> RiskEstimate:
    """Location-scale t: VaR = -m + s t_a; CVaR = -m + s f(t_a) (df + t_a^2) / ((df-1)(1-a))."""
    a = _level(level)
    r = _returns(returns, 3)
    if df is None:
        df, loc, scale = stats.t.fit(r)
    else:
        if df <= 2:
            raise ValueError(f"student_t 'df' must be > 2 for a finite variance, was {df!r}")
        loc = float(r.mean())
        scale = float(r.std(ddof=1)) * math.sqrt((df - 2.0) / df)
    if df <= 1:
        raise DataError(f"fitted Student-t df={df:.3g} <= 1: CVaR is infinite")
    q = float(stats.t.ppf(a, df))
    var = -loc + scale * q
    cvar = -loc + scale * float(stats.t.pdf(q, df)) * (df + q * q) / ((df - 1.0) * (1.0 - a))
    return RiskEstimate("student_t", a, float(var), float(cvar), r.size)


def _cf_quantile(z: np.ndarray, skew: float, exkurt: float) -> np.ndarray:
    return (
        z
        + (z**2 - 1.0) * skew / 6.0
        + (z**3 - 3.0 * z) * exkurt / 24.0
        - (2.0 * z**3 - 5.0 * z) * skew**2 / 36.0
    )


def cornish_fisher_var(returns: np.ndarray, level: float = 0.95) -> RiskEstimate:
    """Modified VaR from the Cornish-Fisher expansion of the loss quantile.

    CVaR = (1/(1-a)) integral_a^1 VaR_u du, computed with 32-point Gauss-Legendre on [a, 1).
    """
    a = _level(level)
    r = _returns(returns, 4)
    loss = -r
    mu, sigma = float(loss.mean()), float(loss.std(ddof=1))
    skew = float(stats.skew(loss, bias=False))
    exkurt = float(stats.kurtosis(loss, fisher=True, bias=False))
    var = mu + sigma * float(_cf_quantile(np.array(stats.norm.ppf(a)), skew, exkurt))
    x, w = np.polynomial.legendre.leggauss(32)
    u = a + (1.0 - a) * (x + 1.0) / 2.0
    tail = mu + sigma * _cf_quantile(stats.norm.ppf(u), skew, exkurt)
    cvar = float(np.sum(w * tail) / 2.0)
    return RiskEstimate("cornish_fisher", a, var, cvar, r.size)


def monte_carlo_var(
    returns: np.ndarray,
    level: float = 0.95,
    *,
    n_sims: int = 100_000,
    seed: int = 0,
    model: Literal["gaussian", "student_t"] = "gaussian",
) -> RiskEstimate:
    """Simulate returns from a fitted model with a seeded generator; historical VaR on the draws.

    ``se_var`` = sqrt(a (1 - a) / n) / f(VaR), f the fitted model's loss density at VaR.
    """
    a = _level(level)
    r = _returns(returns, 3)
    rng = np.random.default_rng(seed)
    if model == "gaussian":
        dist = stats.norm(loc=float(r.mean()), scale=float(r.std(ddof=1)))
    else:
        df, loc, scale = stats.t.fit(r)
        dist = stats.t(df, loc=loc, scale=scale)
    draws = dist.rvs(size=n_sims, random_state=rng)
    est = historical_var(draws, a)
    density = float(dist.pdf(-est.var))  # loss density at VaR = return density at -VaR
    se = math.sqrt(a * (1.0 - a) / n_sims) / density if density > 0 else math.inf
    return RiskEstimate("monte_carlo", a, est.var, est.cvar, n_sims, se)


def value_at_risk(
    returns: np.ndarray, level: float = 0.95, method: Method = "historical"
) -> RiskEstimate:
    """Dispatch by method name (the closed set :data:`Method`)."""
    funcs = {
        "historical": historical_var,
        "gaussian": gaussian_var,
        "student_t": student_t_var,
        "cornish_fisher": cornish_fisher_var,
        "monte_carlo": monte_carlo_var,
    }
    if method not in funcs:
        raise ValueError(f"VaR 'method' must be one of {sorted(funcs)}, was {method!r}")
    return funcs[method](returns, level)


def scale_to_horizon(estimate: RiskEstimate, horizon_steps: float) -> RiskEstimate:
    """sqrt(h) scaling of a zero-mean VaR/CVaR: valid only for iid returns (say so in reports)."""
    if horizon_steps <= 0:
        raise ValueError(f"'horizon_steps' must be positive, was {horizon_steps!r}")
    f = math.sqrt(horizon_steps)
    return RiskEstimate(
        f"{estimate.method}_sqrt_h_iid",
        estimate.level,
        estimate.var * f,
        estimate.cvar * f,
        estimate.n,
        estimate.se_var * f,
    )
