"""VaR/CVaR: closed forms on Gaussian data and hand computations on a small fixed sample."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from corp.quant import risk_measures as rm

SMALL = np.array([-0.05, -0.03, -0.02, -0.01, 0.0, 0.01, 0.02, 0.03, 0.04, 0.05])


def test_historical_var_uses_inverted_cdf_on_a_hand_computed_sample() -> None:
    # losses sorted: -.05 -.04 -.03 -.02 -.01 0 .01 .02 .03 .05; ECDF reaches 0.9 at .03
    est = rm.historical_var(SMALL, 0.9)
    assert est.var == pytest.approx(0.03)
    # CVaR = 0.03 + mean(max(L - 0.03, 0)) / 0.1 = 0.03 + (0.02 / 10) / 0.1
    assert est.cvar == pytest.approx(0.05)


def test_gaussian_var_and_cvar_match_the_closed_form() -> None:
    mu, sd = float(SMALL.mean()), float(SMALL.std(ddof=1))
    est = rm.gaussian_var(SMALL, 0.95)
    z = stats.norm.ppf(0.95)
    assert est.var == pytest.approx(-mu + sd * z)
    assert est.cvar == pytest.approx(-mu + sd * stats.norm.pdf(z) / 0.05)


def test_historical_estimates_converge_to_the_gaussian_closed_form_on_gaussian_data() -> None:
    r = np.random.default_rng(2).normal(0.001, 0.02, 400_000)
    hist = rm.historical_var(r, 0.99)
    z = stats.norm.ppf(0.99)
    assert hist.var == pytest.approx(-0.001 + 0.02 * z, rel=0.01)
    assert hist.cvar == pytest.approx(-0.001 + 0.02 * stats.norm.pdf(z) / 0.01, rel=0.01)


def test_student_t_cvar_equals_the_integral_of_its_quantile_over_the_tail() -> None:
    r = np.random.default_rng(3).standard_t(5, 5_000) * 0.01
    est = rm.student_t_var(r, 0.975, df=5.0)
    loc, scale = r.mean(), r.std(ddof=1) * np.sqrt(3.0 / 5.0)
    tail, _ = integrate.quad(lambda u: -loc + scale * stats.t.ppf(u, 5.0), 0.975, 1.0)
    assert est.cvar == pytest.approx(tail / 0.025, rel=1e-6)
    assert est.var == pytest.approx(-loc + scale * stats.t.ppf(0.975, 5.0))


def test_cornish_fisher_reduces_to_gaussian_on_gaussian_data() -> None:
    r = np.random.default_rng(4).normal(0.0, 0.01, 200_000)
    cf = rm.cornish_fisher_var(r, 0.99)
    g = rm.gaussian_var(r, 0.99)
    assert cf.var == pytest.approx(g.var, rel=0.02)
    assert cf.cvar == pytest.approx(g.cvar, rel=0.02)


def test_cornish_fisher_raises_var_for_left_skewed_fat_tails() -> None:
    rng = np.random.default_rng(5)
    r = np.where(
        rng.random(50_000) < 0.02, rng.normal(-0.05, 0.02, 50_000), rng.normal(0, 0.01, 50_000)
    )
    assert rm.cornish_fisher_var(r, 0.99).var > rm.gaussian_var(r, 0.99).var


def test_monte_carlo_is_seeded_and_within_three_standard_errors_of_the_closed_form() -> None:
    r = np.random.default_rng(6).normal(0.0, 0.02, 2_000)
    a = rm.monte_carlo_var(r, 0.99, n_sims=50_000, seed=1)
    b = rm.monte_carlo_var(r, 0.99, n_sims=50_000, seed=1)
    assert a == b
    exact = rm.gaussian_var(r, 0.99).var
    assert abs(a.var - exact) < 3 * a.se_var
    assert a.se_var > 0


def test_level_outside_the_unit_interval_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"'level' must lie in \[0.5, 1\), was 95"):
        rm.historical_var(SMALL, 95)


def test_sqrt_horizon_scaling_is_labelled_as_an_iid_assumption() -> None:
    scaled = rm.scale_to_horizon(rm.gaussian_var(SMALL, 0.95), 4.0)
    assert scaled.method.endswith("iid")
    assert scaled.var == pytest.approx(2 * rm.gaussian_var(SMALL, 0.95).var)
