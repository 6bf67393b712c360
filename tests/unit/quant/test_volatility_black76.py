"""Volatility estimators and Black-76 greeks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from corp.quant import volatility as vol
from corp.quant.black76 import black76


def test_realised_volatility_recovers_the_simulation_sigma() -> None:
    r = np.random.default_rng(1).normal(0.0, 0.01, 100_000)
    prices = 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(r)]))
    assert vol.realised_volatility(prices) == pytest.approx(0.01, rel=0.01)


def test_rolling_volatility_equals_a_plain_window_std() -> None:
    r = np.random.default_rng(2).normal(0.0, 0.02, 300)
    fast = vol.rolling_realised_volatility(r, 20)
    assert np.all(np.isnan(fast[:19]))
    slow = np.array([r[t - 19 : t + 1].std(ddof=1) for t in range(19, 300)])
    np.testing.assert_allclose(fast[19:], slow, rtol=1e-9)


def test_ewma_is_causal() -> None:
    r = np.random.default_rng(3).normal(0.0, 0.01, 200)
    full = vol.ewma_volatility(r)
    np.testing.assert_array_equal(vol.ewma_volatility(r[:120]), full[:120])


def test_parkinson_matches_the_formula_on_one_bar() -> None:
    assert vol.parkinson_volatility(np.array([110.0]), np.array([100.0])) == pytest.approx(
        math.log(1.1) / math.sqrt(4 * math.log(2))
    )


def test_nonpositive_prices_are_rejected() -> None:
    with pytest.raises(ValueError, match="finite and positive prices"):
        vol.realised_volatility(np.array([1.0, 0.0, 2.0]))


def test_black76_put_call_parity() -> None:
    c = black76(100.0, 95.0, 0.5, 0.6, r=0.03, kind="call")
    p = black76(100.0, 95.0, 0.5, 0.6, r=0.03, kind="put")
    assert c.price - p.price == pytest.approx(math.exp(-0.015) * 5.0)
    assert c.delta - p.delta == pytest.approx(math.exp(-0.015))


@pytest.mark.parametrize("kind", ["call", "put"])
def test_black76_greeks_match_finite_differences(kind) -> None:
    F, K, tau, s, r = 100.0, 105.0, 0.25, 0.8, 0.02
    g = black76(F, K, tau, s, r, kind)
    h = 1e-4

    def price(**kw) -> float:
        args = {"F": F, "K": K, "tau_years": tau, "sigma": s, "r": r} | kw
        return black76(kind=kind, **args).price

    assert g.delta == pytest.approx((price(F=F + h) - price(F=F - h)) / (2 * h), rel=1e-6)
    assert g.gamma == pytest.approx(
        (price(F=F + 0.01) - 2 * g.price + price(F=F - 0.01)) / 1e-4, rel=1e-4
    )
    assert g.vega == pytest.approx((price(sigma=s + h) - price(sigma=s - h)) / (2 * h), rel=1e-6)
    assert g.theta == pytest.approx(
        -(price(tau_years=tau + h) - price(tau_years=tau - h)) / (2 * h), rel=1e-6
    )
    assert g.rho == pytest.approx((price(r=r + h) - price(r=r - h)) / (2 * h), rel=1e-6)
