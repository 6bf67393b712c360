"""Hawkes: exact likelihood against brute force, gradient, MLE recovery, GOF, stationarity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from corp.errors import DataError
from corp.quant import hawkes


def brute_force_loglik(times: np.ndarray, T: float, mu: float, alpha: float, beta: float) -> float:
    """O(n^2) definition: sum log lambda(t_i) - integral of lambda over [0, T]."""
    ll = 0.0
    for i, ti in enumerate(times):
        ll += math.log(mu + alpha * sum(math.exp(-beta * (ti - tj)) for tj in times[:i]))
    integral = mu * T + alpha / beta * sum(1.0 - math.exp(-beta * (T - tj)) for tj in times)
    return ll - integral


def brute_force_multi_loglik(times, marks, T, mu, alpha, beta) -> float:
    ll = 0.0
    for i, (ti, m) in enumerate(zip(times, marks, strict=True)):
        lam = mu[m]
        for tj, n in zip(times[:i], marks[:i], strict=True):
            lam += alpha[m, n] * math.exp(-beta[m, n] * (ti - tj))
        ll += math.log(lam)
    for m in range(len(mu)):
        ll -= mu[m] * T
        for tj, n in zip(times, marks, strict=True):
            ll -= alpha[m, n] / beta[m, n] * (1.0 - math.exp(-beta[m, n] * (T - tj)))
    return ll


def test_log_likelihood_equals_brute_force_sum_on_random_data() -> None:
    rng = np.random.default_rng(11)
    times = np.sort(rng.uniform(0.0, 50.0, 120))
    for mu, alpha, beta in [(0.7, 0.3, 1.1), (2.0, 1.5, 2.0), (0.1, 0.0, 0.5)]:
        fast = hawkes.log_likelihood(times, 60.0, mu, alpha, beta)
        assert fast == pytest.approx(brute_force_loglik(times, 60.0, mu, alpha, beta), rel=1e-10)


def test_multivariate_log_likelihood_equals_brute_force_sum() -> None:
    rng = np.random.default_rng(12)
    times = np.sort(rng.uniform(0.0, 30.0, 80))
    marks = rng.integers(0, 2, 80)
    mu = np.array([0.4, 0.6])
    alpha = np.array([[0.3, 0.1], [0.2, 0.5]])
    beta = np.array([[0.9, 1.3], [0.7, 1.1]])
    fast = hawkes.log_likelihood_multivariate(times, marks, 35.0, mu, alpha, beta)
    slow = brute_force_multi_loglik(times, marks, 35.0, mu, alpha, beta)
    assert fast == pytest.approx(slow, rel=1e-10)


def test_gradient_matches_central_finite_differences() -> None:
    times = hawkes.simulate(0.5, 0.4, 0.8, 400.0, seed=3)
    p = np.array([0.55, 0.35, 0.9])
    _, grad = hawkes.log_likelihood_grad(times, 400.0, *p)
    for k in range(3):
        h = 1e-6 * p[k]
        up, dn = p.copy(), p.copy()
        up[k] += h
        dn[k] -= h
        numeric = (
            hawkes.log_likelihood(times, 400.0, *up) - hawkes.log_likelihood(times, 400.0, *dn)
        ) / (2 * h)
        assert grad[k] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_analytic_hessian_matches_finite_differences_of_the_gradient() -> None:
    times = hawkes.simulate(0.5, 0.4, 0.8, 400.0, seed=3)
    p = np.array([0.55, 0.35, 0.9])
    H = hawkes.log_likelihood_hessian(times, 400.0, *p)
    numeric = np.empty((3, 3))
    for k in range(3):
        h = 1e-6 * p[k]
        up, dn = p.copy(), p.copy()
        up[k] += h
        dn[k] -= h
        g_up = hawkes.log_likelihood_grad(times, 400.0, *up)[1]
        g_dn = hawkes.log_likelihood_grad(times, 400.0, *dn)[1]
        numeric[:, k] = (g_up - g_dn) / (2 * h)
    np.testing.assert_allclose(H, numeric, rtol=1e-5)


def test_analytic_hessian_matches_second_differences_of_the_brute_force_likelihood() -> None:
    rng = np.random.default_rng(13)
    times = np.sort(rng.uniform(0.0, 60.0, 70))
    T = 65.0
    p = np.array([0.6, 0.5, 1.3])

    def f(q: np.ndarray) -> float:
        return brute_force_loglik(times, T, *q)

    h = 1e-4 * p
    numeric = np.empty((3, 3))
    for r in range(3):
        for c in range(3):
            er = np.eye(3)[r] * h[r]
            ec = np.eye(3)[c] * h[c]
            numeric[r, c] = (f(p + er + ec) - f(p + er - ec) - f(p - er + ec) + f(p - er - ec)) / (
                4 * h[r] * h[c]
            )
    H = hawkes.log_likelihood_hessian(times, T, *p)
    np.testing.assert_allclose(H, numeric, rtol=1e-5)
    np.testing.assert_array_equal(H, H.T)


def reference_mle(times: np.ndarray, T: float) -> np.ndarray:
    """A plain, tightly converged L-BFGS-B on log-parameters: the maximum the fast fit must hit."""

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        p = np.exp(x)
        ll, g = hawkes.log_likelihood_grad(times, T, *p)
        return -ll, -g * p

    rate = times.size / T
    res = optimize.minimize(
        objective,
        np.log([0.5 * rate, 0.5 * rate, rate]),
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 2_000},
    )
    return np.exp(res.x)


@pytest.mark.parametrize(("alpha", "seed"), [(0.4, 31), (0.75, 32)])
def test_newton_fit_lands_on_the_maximum_of_a_reference_optimiser(alpha, seed) -> None:
    T = 20_000.0 * (1 - alpha / 0.8)  # ~20k events: the fit starts from prefix fits
    times = hawkes.simulate(0.5, alpha, 0.8, T, seed=seed)
    est = hawkes.fit(times, T, gof=False)
    ref = reference_mle(times, T)
    got = np.array([est.mu, est.alpha, est.beta])
    se = np.array([est.se_mu, est.se_alpha, est.se_beta])
    assert est.converged
    assert np.all(np.abs(got - ref) < 1e-3 * se), (got, ref, se)
    assert est.log_likelihood >= hawkes.log_likelihood(times, T, *ref) - 1e-6
    # the standard errors are the observed information's at the estimate itself
    H = hawkes.log_likelihood_hessian(times, T, *got)
    np.testing.assert_allclose(se, np.sqrt(np.diag(np.linalg.inv(-H))), rtol=1e-12)
    # ... where the gradient vanishes to well under a standard error's worth of likelihood
    _, g = hawkes.log_likelihood_grad(times, T, *got)
    assert float(g @ np.linalg.solve(-H, g)) < 1e-6


def test_fit_from_the_prefix_warm_start_equals_the_fit_from_a_given_start() -> None:
    T = 30_000.0
    times = hawkes.simulate(0.5, 0.6, 0.8, T, seed=33)
    warm = hawkes.fit(times, T, gof=False)
    rate = times.size / T
    cold = hawkes.fit(times, T, start=(0.5 * rate, 0.5 * rate, rate), gof=False)
    for a, b, se in [
        (warm.mu, cold.mu, warm.se_mu),
        (warm.alpha, cold.alpha, warm.se_alpha),
        (warm.beta, cold.beta, warm.se_beta),
    ]:
        assert abs(a - b) < 1e-3 * se
    assert warm.converged
    assert cold.converged


def test_poisson_data_fits_at_least_as_well_as_the_poisson_mle() -> None:
    rng = np.random.default_rng(34)
    T = 20_000.0
    times = np.sort(rng.uniform(0.0, T, 20_000))
    est = hawkes.fit(times, T, gof=False)
    poisson_ll = times.size * math.log(times.size / T) - times.size
    assert est.converged
    assert est.log_likelihood >= poisson_ll
    assert est.branching_ratio < 0.2


def test_repeated_timestamps_drive_the_kernel_to_the_box_edge_without_failing() -> None:
    rng = np.random.default_rng(35)
    once = np.sort(rng.uniform(0.0, 1_000.0, 6_000))
    times = np.sort(np.concatenate([once, once]))  # every trade printed twice
    est = hawkes.fit(times, 1_000.0, gof=False)
    assert est.converged
    assert math.isfinite(est.log_likelihood)
    assert est.beta > 1e12  # simultaneous events: the kernel collapses to a point mass


def test_simulation_is_deterministic_in_its_seed() -> None:
    a = hawkes.simulate(0.5, 0.4, 0.8, 200.0, seed=9)
    b = hawkes.simulate(0.5, 0.4, 0.8, 200.0, seed=9)
    c = hawkes.simulate(0.5, 0.4, 0.8, 200.0, seed=10)
    np.testing.assert_array_equal(a, b)
    assert a.size != c.size or not np.array_equal(a, c)


def test_simulated_event_count_matches_stationary_mean_intensity() -> None:
    mu, alpha, beta, T = 0.5, 0.4, 0.8, 20_000.0
    n = hawkes.simulate(mu, alpha, beta, T, seed=4).size
    expected = mu / (1 - alpha / beta) * T
    # var of N_T ~ T mu / (1-n)^3 for large T
    sd = math.sqrt(T * mu / (1 - alpha / beta) ** 3)
    assert abs(n - expected) < 4 * sd


@pytest.mark.parametrize(("alpha", "beta"), [(0.1, 0.8), (0.4, 0.8), (0.7, 0.8)])
def test_fit_recovers_known_parameters_within_three_standard_errors(alpha, beta) -> None:
    mu, T = 0.5, 20_000.0
    times = hawkes.simulate(mu, alpha, beta, T, seed=21)
    est = hawkes.fit(times, T)
    assert est.converged
    for true, got, se in [
        (mu, est.mu, est.se_mu),
        (alpha, est.alpha, est.se_alpha),
        (beta, est.beta, est.se_beta),
    ]:
        assert abs(got - true) < 3 * se, (true, got, se)
    assert est.branching_ratio == pytest.approx(alpha / beta, abs=0.05)


def test_ks_accepts_the_true_model() -> None:
    times = hawkes.simulate(0.5, 0.7, 0.8, 10_000.0, seed=5)
    gof = hawkes.gof_test(times, 10_000.0, 0.5, 0.7, 0.8)
    assert gof.ks_pvalue > 0.01
    assert gof.ljung_box_pvalue > 0.01


def test_ks_rejects_a_poisson_fit_of_clustered_data() -> None:
    times = hawkes.simulate(0.5, 0.7, 0.8, 10_000.0, seed=5)
    rate = times.size / 10_000.0
    gof = hawkes.gof_test(times, 10_000.0, rate, 0.0, 1.0)
    assert gof.ks_pvalue < 1e-6
    assert not gof.accepts()


def test_fitted_model_passes_its_own_goodness_of_fit() -> None:
    times = hawkes.simulate(0.5, 0.4, 0.8, 10_000.0, seed=6)
    est = hawkes.fit(times, 10_000.0)
    assert est.gof is not None
    assert est.gof.accepts(0.01)


def test_bivariate_stationarity_uses_the_spectral_radius_not_elementwise_ratios() -> None:
    beta = np.ones((2, 2))
    cross_excited = np.array([[0.5, 0.6], [0.6, 0.5]])  # every ratio < 1, radius 1.1
    assert hawkes.spectral_radius(cross_excited, beta) == pytest.approx(1.1)
    with pytest.raises(ValueError, match="spectral radius"):
        hawkes.simulate_multivariate([0.5, 0.5], cross_excited, beta, 100.0, seed=1)
    lopsided = np.array([[0.0, 1.5], [0.1, 0.0]])  # one ratio > 1, radius sqrt(0.15)
    assert hawkes.spectral_radius(lopsided, beta) == pytest.approx(math.sqrt(0.15))
    times, marks = hawkes.simulate_multivariate([0.5, 0.5], lopsided, beta, 100.0, seed=1)
    assert times.size == marks.size > 0


def test_bivariate_fit_recovers_buy_sell_parameters() -> None:
    mu = np.array([0.5, 0.4])
    alpha = np.array([[0.4, 0.1], [0.15, 0.3]])
    beta = np.array([[0.8, 0.8], [0.8, 0.8]])
    T = 20_000.0
    times, marks = hawkes.simulate(mu, alpha, beta, T, seed=8)
    est = hawkes.fit_multivariate(times, marks, T)
    assert est.converged
    assert est.stationary
    assert np.all(np.abs(est.mu - mu) < 3 * est.se_mu)
    assert np.all(np.abs(est.alpha - alpha) < 3 * est.se_alpha)
    assert est.spectral_radius == pytest.approx(hawkes.spectral_radius(alpha, beta), abs=0.05)
    assert est.gof is not None
    assert all(g.ks_pvalue > 0.01 for g in est.gof)


def test_mean_intensity_solves_i_minus_g() -> None:
    mu = np.array([0.5, 0.4])
    alpha = np.array([[0.4, 0.1], [0.15, 0.3]])
    beta = np.full((2, 2), 0.8)
    lam = hawkes.mean_intensity(mu, alpha, beta)
    np.testing.assert_allclose(lam - (alpha / beta) @ lam, mu)


def test_intensity_at_equals_the_brute_force_sum_and_excludes_an_event_at_that_time() -> None:
    rng = np.random.default_rng(14)
    times = np.sort(rng.uniform(0.0, 20.0, 40))
    at = np.sort(np.concatenate([rng.uniform(0.0, 25.0, 30), times[[0, 7, 39]]]))
    mu, alpha, beta = 0.3, 0.6, 1.4
    got = hawkes.intensity_at(times, at, mu, alpha, beta)
    want = [mu + sum(alpha * math.exp(-beta * (s - tj)) for tj in times if tj < s) for s in at]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_unsorted_times_are_rejected_with_the_offending_index() -> None:
    with pytest.raises(DataError, match=r"times\[2\] < times\[1\]"):
        hawkes.log_likelihood(np.array([0.1, 0.5, 0.3]), 1.0, 0.5, 0.1, 1.0)


def test_epoch_times_beyond_the_window_are_rejected() -> None:
    with pytest.raises(DataError, match="subtract the window start"):
        hawkes.fit(np.array([-1.0, 0.5, 0.7]), 1.0)


def test_times_from_ns_keeps_sub_microsecond_spacing() -> None:
    base = 1_763_000_000_000_000_000
    times, T = hawkes.times_from_ns(np.array([base, base + 250, base + 1_000], dtype=np.int64))
    np.testing.assert_allclose(times, [0.0, 250e-9, 1e-6])
    assert pytest.approx(1e-6) == T


def test_negative_beta_is_rejected_naming_the_parameter() -> None:
    with pytest.raises(ValueError, match=r"'beta' must be a finite positive number, was -1\.0"):
        hawkes.simulate(0.5, 0.1, -1.0, 10.0, seed=0)


def test_ks_statistic_and_pvalue_equal_scipy_where_scipy_is_exact() -> None:
    rng = np.random.default_rng(41)
    for x in [rng.exponential(1.1, size=400), rng.exponential(size=5_000)]:
        gof = hawkes.gof_test(np.cumsum(x), float(np.sum(x)) + 1.0, 1.0, 0.0, 1.0)
        ref = stats.kstest(x, "expon")
        assert gof.ks_stat == pytest.approx(ref.statistic, rel=1e-12)
        assert gof.ks_pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert x.size * gof.ks_stat**2 < 2.2  # the 5k case stayed out of the approximated tail


@pytest.mark.parametrize("n", [1_001, 20_000])
def test_ks_tail_approximation_stays_within_its_stated_error(n) -> None:
    for nd2, rel in [(2.2, 3e-3), (3.0, 3e-3), (6.0, 5e-2), (10.0, 5e-2)]:  # p 0.025 .. 4e-9
        d = math.sqrt(nd2 / n)
        exact = float(stats.kstwo.sf(d, n))
        assert hawkes.ks_pvalue(d, n) == pytest.approx(exact, rel=rel), (n, d)


def test_ljung_box_equals_its_definition_at_ten_lags() -> None:
    x = np.random.default_rng(42).normal(size=3_000).cumsum() % 7.0
    xc = x - x.mean()
    denom = float(np.dot(xc, xc))
    q_def = (
        sum((float(np.dot(xc[k:], xc[:-k])) / denom) ** 2 / (x.size - k) for k in range(1, 11))
        * x.size
        * (x.size + 2)
    )
    q, p = hawkes.ljung_box(x, lags=10)
    assert q == pytest.approx(q_def, rel=1e-10)
    assert p == pytest.approx(float(stats.chi2.sf(q_def, 10)), rel=1e-8)


def test_ljung_box_accepts_white_noise_and_rejects_autocorrelation() -> None:
    rng = np.random.default_rng(40)
    noise = rng.exponential(size=5_000)
    ar = np.empty(5_000)
    ar[0] = 0.0
    for i in range(1, ar.size):
        ar[i] = 0.5 * ar[i - 1] + rng.normal()
    assert hawkes.ljung_box(noise)[1] > 0.01
    assert hawkes.ljung_box(ar)[1] < 1e-6


def test_ljung_box_statistic_matches_its_definition_at_one_lag() -> None:
    x = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0])
    xc = x - x.mean()
    rho1 = float(np.dot(xc[1:], xc[:-1]) / np.dot(xc, xc))
    q, _ = hawkes.ljung_box(x, lags=1)
    assert q == pytest.approx(6 * 8 * rho1**2 / 5)
