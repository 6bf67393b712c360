"""Hawkes processes, exponential kernels: exact simulation, O(n) likelihood, MLE, goodness of fit.

Convention ("jump size", as in the seed): the intensity of a univariate process is

    lambda(t) = mu + sum_{t_i < t} alpha * exp(-beta * (t - t_i)),

so the branching ratio is n = alpha / beta (< 1 for stationarity), the mean intensity mu / (1 - n).
tick and hawkeslib use the normalised kernel n * beta * exp(-beta t): convert with alpha = n * beta.

A bivariate (buy/sell) process has one kernel per pair (m <- n):
lambda_m(t) = mu_m + sum_n sum_{t_j^n < t} alpha[m, n] exp(-beta[m, n] (t - t_j^n)); it is
stationary when the spectral radius of G = alpha / beta (elementwise) is below 1.

Times are float64 seconds measured from the start of the window (``T`` is its length); convert epoch
nanoseconds with :func:`times_from_ns` first, or float64 loses the sub-microsecond resolution.

Usage::

    times = simulate(mu=0.5, alpha=0.4, beta=0.8, T=10_000.0, seed=7)
    est = fit(times, T=10_000.0)        # est.mu, est.se_alpha, est.branching_ratio, est.ks_pvalue
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numba as nb
import numpy as np
from scipy import optimize, stats

from corp.errors import DataError
from corp.quant._blas import single_threaded_blas

__all__ = [
    "GoodnessOfFit",
    "HawkesFit",
    "MultiHawkesFit",
    "branching_matrix",
    "compensator_increments",
    "fit",
    "fit_multivariate",
    "gof_test",
    "intensity_at",
    "ljung_box",
    "log_likelihood",
    "log_likelihood_grad",
    "log_likelihood_hessian",
    "log_likelihood_multivariate",
    "mean_intensity",
    "simulate",
    "simulate_multivariate",
    "simulate_piecewise",
    "spectral_radius",
    "times_from_ns",
]

_LOG_BOUND: Final = 30.0  # log-parameter box for L-BFGS-B: exp(+-30) keeps every exp() finite
_LJUNG_BOX_LAGS: Final = 10


# --------------------------------------------------------------------------------------------
# validation helpers (every public function validates before entering njit)
# --------------------------------------------------------------------------------------------


def _check_params(mu: float, alpha: float, beta: float, *, allow_zero_alpha: bool = True) -> None:
    for name, value in (("mu", mu), ("beta", beta)):
        if not (math.isfinite(value) and value > 0.0):
            raise ValueError(f"hawkes '{name}' must be a finite positive number, was {value!r}")
    lo_ok = alpha >= 0.0 if allow_zero_alpha else alpha > 0.0
    if not (math.isfinite(alpha) and lo_ok):
        raise ValueError(f"hawkes 'alpha' must be a finite non-negative number, was {alpha!r}")


def _check_times(times: np.ndarray, T: float) -> np.ndarray:
    t = np.ascontiguousarray(times, dtype=np.float64)
    if t.ndim != 1:
        raise DataError(f"hawkes 'times' must be one-dimensional, had shape {t.shape}")
    if not (math.isfinite(T) and T > 0.0):
        raise DataError(f"hawkes 'T' must be a finite positive window length, was {T!r}")
    if t.size == 0:
        return t
    if not np.all(np.isfinite(t)):
        raise DataError("hawkes 'times' contains NaN or inf")
    if t[0] < 0.0:
        raise DataError(
            f"hawkes 'times' must start at or after 0 (subtract the window start), was {t[0]!r}"
        )
    if t[-1] > T:
        raise DataError(f"hawkes 'times' must end at or before T={T!r}, last was {t[-1]!r}")
    if np.any(np.diff(t) < 0.0):
        i = int(np.argmax(np.diff(t) < 0.0))
        raise DataError(f"hawkes 'times' must be non-decreasing; times[{i + 1}] < times[{i}]")
    return t


def times_from_ns(ts_ns: np.ndarray, start_ns: int | None = None) -> tuple[np.ndarray, float]:
    """Convert int64 epoch nanoseconds to float seconds from ``start_ns`` (default: first event).

    Returns ``(times_secs, T_secs)`` with T the span to the last event; pass your own window end
    when the observation window is longer than the data.
    """
    ts = np.asarray(ts_ns)
    if ts.dtype.kind not in "iu":
        raise DataError(f"hawkes 'ts_ns' must be integer nanoseconds, had dtype {ts.dtype}")
    if ts.size == 0:
        raise DataError("hawkes 'ts_ns' is empty")
    start = int(ts[0]) if start_ns is None else int(start_ns)
    rel = (ts.astype(np.int64) - np.int64(start)).astype(np.float64) * 1e-9
    return rel, float(rel[-1]) if rel[-1] > 0 else 1e-9


# --------------------------------------------------------------------------------------------
# exact simulation (Dassios & Zhao 2013, generalised to d dimensions by competing risks)
# --------------------------------------------------------------------------------------------


@nb.njit(cache=True)
def _simulate_nb(
    mu: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    T: float,
    u: np.ndarray,
    excess: np.ndarray,
    t0: float,
    out_t: np.ndarray,
    out_m: np.ndarray,
) -> tuple[int, float, bool]:
    """Fill out_t/out_m from time t0 until T, the uniforms or the output run out.

    Each excess term c[m, n] e^{-beta[m, n] s} is an inhomogeneous Poisson source whose first
    arrival is drawn exactly (Dassios-Zhao); each baseline mu[m] is exponential. The earliest of all
    candidates is the next event; the others are re-drawn (memorylessness of Poisson sources).
    Returns (events written, time reached, finished) and updates ``excess`` in place.
    """
    d = mu.shape[0]
    t = t0
    k = 0
    row = 0
    n_rows = u.shape[0]
    cap = out_t.shape[0]
    while row < n_rows and k < cap:
        best = np.inf
        owner = -1
        col = 0
        for m in range(d):
            s = -math.log(u[row, col]) / mu[m]
            col += 1
            if s < best:
                best = s
                owner = m
            for n in range(d):
                c = excess[m, n]
                if c > 0.0:
                    D = 1.0 + beta[m, n] * math.log(u[row, col]) / c
                    if D > 0.0:
                        s = -math.log(D) / beta[m, n]
                        if s < best:
                            best = s
                            owner = m
                col += 1
        row += 1
        if t + best > T:
            for m in range(d):
                for n in range(d):
                    excess[m, n] *= math.exp(-beta[m, n] * (T - t))
            return k, T, True
        t += best
        for m in range(d):
            for n in range(d):
                excess[m, n] *= math.exp(-beta[m, n] * best)
        for m in range(d):
            excess[m, owner] += alpha[m, owner]
        out_t[k] = t
        out_m[k] = owner
        k += 1
    return k, t, False


def _as_matrix(x: object, d: int, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.shape != (d, d):
        raise ValueError(f"hawkes '{name}' must have shape ({d}, {d}), had {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"hawkes '{name}' contains NaN or inf: {arr.tolist()}")
    return np.ascontiguousarray(arr)


def _check_multi(mu: object, alpha: object, beta: object) -> tuple[np.ndarray, ...]:
    mu_a = np.ascontiguousarray(np.asarray(mu, dtype=np.float64))
    if mu_a.ndim != 1 or mu_a.size == 0:
        raise ValueError(f"hawkes 'mu' must be a non-empty vector, had shape {mu_a.shape}")
    d = mu_a.size
    a = _as_matrix(alpha, d, "alpha")
    b = _as_matrix(beta, d, "beta")
    if not np.all(mu_a > 0.0):
        raise ValueError(f"hawkes 'mu' must be positive, was {mu_a.tolist()}")
    if np.any(a < 0.0):
        raise ValueError(f"hawkes 'alpha' must be non-negative, was {a.tolist()}")
    if not np.all(b > 0.0):
        raise ValueError(f"hawkes 'beta' must be positive, was {b.tolist()}")
    return mu_a, a, b


def simulate_multivariate(
    mu: object, alpha: object, beta: object, T: float, seed: int, *, max_events: int = 50_000_000
) -> tuple[np.ndarray, np.ndarray]:
    """Exact simulation of a d-dimensional exponential Hawkes process on [0, T].

    Returns ``(times_secs, marks)``: float64 event times (increasing) and int8 marks (dimension of
    each event; for buy/sell flow 0 = buy, 1 = sell). Deterministic in ``seed`` (numpy PCG64).
    Raises ValueError when the process is not stationary (spectral radius >= 1), since the event
    count then grows without bound; ``max_events`` guards memory for near-critical inputs.
    """
    mu_a, a, b = _check_multi(mu, alpha, beta)
    if not (math.isfinite(T) and T > 0.0):
        raise ValueError(f"hawkes 'T' must be a finite positive window length, was {T!r}")
    rho = spectral_radius(a, b)
    if rho >= 1.0:
        raise ValueError(
            f"hawkes process is not stationary: spectral radius of alpha/beta must be < 1, "
            f"was {rho:.6g}"
        )
    d = mu_a.size
    rng = np.random.default_rng(seed)
    expected = float(np.sum(mean_intensity(mu_a, a, b))) * T
    chunk = int(min(max(1024.0, expected * 1.2 + 10.0 * math.sqrt(expected + 1.0)), 4_000_000))
    excess = np.zeros((d, d))
    times_parts: list[np.ndarray] = []
    marks_parts: list[np.ndarray] = []
    t = 0.0
    total = 0
    while True:
        u = 1.0 - rng.random((chunk, d + d * d))  # in (0, 1]: log() stays finite
        out_t = np.empty(chunk)
        out_m = np.empty(chunk, dtype=np.int8)
        k, t, finished = _simulate_nb(mu_a, a, b, float(T), u, excess, t, out_t, out_m)
        times_parts.append(out_t[:k])
        marks_parts.append(out_m[:k])
        total += k
        if finished:
            break
        if total > max_events:
            raise ValueError(
                f"hawkes simulation exceeded max_events={max_events} before T={T!r} "
                f"(spectral radius {rho:.6g}); shorten T or lower the branching ratio"
            )
    return np.concatenate(times_parts), np.concatenate(marks_parts)


def simulate_piecewise(
    segments: list[tuple[float, object, object, object]], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact simulation whose parameters change at given times, excitation carried across.

    ``segments`` = [(end_secs, mu, alpha, beta), ...] with increasing ends; the first starts at 0.
    At a boundary the kernels switch: existing excitation keeps its size and decays at the new
    beta. Each segment must be stationary. Returns ``(times_secs, marks)``.
    """
    if not segments:
        raise ValueError("hawkes 'segments' must contain at least one (end, mu, alpha, beta)")
    rng = np.random.default_rng(seed)
    d = np.atleast_1d(np.asarray(segments[0][1], dtype=np.float64)).size
    excess = np.zeros((d, d))
    t = 0.0
    parts_t: list[np.ndarray] = []
    parts_m: list[np.ndarray] = []
    for i, (end, mu, alpha, beta) in enumerate(segments):
        mu_a, a, b = _check_multi(np.atleast_1d(mu), np.atleast_2d(alpha), np.atleast_2d(beta))
        if mu_a.size != d:
            raise ValueError(f"hawkes segment {i} has dimension {mu_a.size}, expected {d}")
        if not (math.isfinite(end) and end > t):
            raise ValueError(f"hawkes segment {i} must end after {t!r}, ended at {end!r}")
        rho = spectral_radius(a, b)
        if rho >= 1.0:
            raise ValueError(
                f"hawkes segment {i} is not stationary: spectral radius must be < 1, was {rho:.6g}"
            )
        expected = float(np.sum(mean_intensity(mu_a, a, b))) * (end - t)
        chunk = int(min(max(1024.0, expected * 1.2 + 10.0 * math.sqrt(expected + 1.0)), 4_000_000))
        while True:
            u = 1.0 - rng.random((chunk, d + d * d))
            out_t = np.empty(chunk)
            out_m = np.empty(chunk, dtype=np.int8)
            k, t, finished = _simulate_nb(mu_a, a, b, float(end), u, excess, t, out_t, out_m)
            parts_t.append(out_t[:k])
            parts_m.append(out_m[:k])
            if finished:
                break
    return np.concatenate(parts_t), np.concatenate(parts_m)


def simulate(mu: float, alpha: float, beta: float, T: float, seed: int) -> np.ndarray:
    """Exact simulation of a univariate exponential Hawkes process on [0, T]: event times (secs).

    Deterministic in ``seed``. For buy/sell flow use :func:`simulate_multivariate` with 2x2 alpha
    and beta (or pass arrays here: a 2-vector ``mu`` returns ``(times, marks)`` from it).
    """
    if np.ndim(mu) > 0:
        return simulate_multivariate(mu, alpha, beta, T, seed)  # type: ignore[return-value]
    _check_params(float(mu), float(alpha), float(beta))
    times, _ = simulate_multivariate([mu], [[alpha]], [[beta]], T, seed)
    return times


# --------------------------------------------------------------------------------------------
# univariate log-likelihood and gradient, O(n) (Ozaki 1979)
# --------------------------------------------------------------------------------------------


@nb.njit(cache=True)
def _loglik_grad_nb(
    t: np.ndarray, T: float, mu: float, alpha: float, beta: float, grad: np.ndarray
) -> float:
    """Log-likelihood; writes d/d(mu, alpha, beta) into ``grad``. One exp per event.

    A_i = sum_{j<i} e^{-beta (t_i - t_j)}, B_i = sum_{j<i} (t_i - t_j) e^{-beta (t_i - t_j)};
    the compensator sums close at T from the last event's A and B.
    """
    n = t.shape[0]
    ll = 0.0
    g_mu = 0.0
    g_a = 0.0
    g_b = 0.0
    a_tilde = 0.0  # sum over j <= i-1 of e^{-beta (t_{i-1} - t_j)}  (= 1 + A_{i-1})
    b_tilde = 0.0  # sum over j <= i-1 of (t_{i-1} - t_j) e^{...}   (= B_{i-1})
    prev = 0.0
    for i in range(n):
        d = t[i] - prev
        e = math.exp(-beta * d)
        A = e * a_tilde
        B = e * (b_tilde + d * a_tilde)
        lam = mu + alpha * A
        if lam <= 0.0:
            return -np.inf
        inv = 1.0 / lam
        ll += math.log(lam)
        g_mu += inv
        g_a += A * inv
        g_b -= alpha * B * inv
        a_tilde = A + 1.0
        b_tilde = B
        prev = t[i]
    if n > 0:
        d = T - prev
        e = math.exp(-beta * d)
        s_T = e * a_tilde  # sum_i e^{-beta (T - t_i)}
        b_T = e * (b_tilde + d * a_tilde)  # sum_i (T - t_i) e^{-beta (T - t_i)}
    else:
        s_T = 0.0
        b_T = 0.0
    comp = n - s_T  # sum_i (1 - e^{-beta (T - t_i)})
    ll -= mu * T + alpha / beta * comp
    g_mu -= T
    g_a -= comp / beta
    g_b += alpha / (beta * beta) * comp - alpha / beta * b_T
    grad[0] = g_mu
    grad[1] = g_a
    grad[2] = g_b
    return ll


def log_likelihood(times: np.ndarray, T: float, mu: float, alpha: float, beta: float) -> float:
    """Exact log-likelihood of event ``times`` (secs from window start) on [0, T]."""
    t = _check_times(times, T)
    _check_params(mu, alpha, beta)
    return float(_loglik_grad_nb(t, float(T), float(mu), float(alpha), float(beta), np.empty(3)))


def log_likelihood_grad(
    times: np.ndarray, T: float, mu: float, alpha: float, beta: float
) -> tuple[float, np.ndarray]:
    """Log-likelihood and its analytic gradient with respect to (mu, alpha, beta)."""
    t = _check_times(times, T)
    _check_params(mu, alpha, beta)
    g = np.empty(3)
    ll = _loglik_grad_nb(t, float(T), float(mu), float(alpha), float(beta), g)
    return float(ll), g


# --------------------------------------------------------------------------------------------
# goodness of fit on the compensator (time-rescaling theorem)
# --------------------------------------------------------------------------------------------


@nb.njit(cache=True)
def _compensator_nb(t: np.ndarray, mu: float, alpha: float, beta: float, out: np.ndarray) -> None:
    a_tilde = 0.0
    prev = 0.0
    for i in range(t.shape[0]):
        d = t[i] - prev
        e = math.exp(-beta * d)
        out[i] = mu * d + alpha / beta * (1.0 - e) * a_tilde
        a_tilde = e * a_tilde + 1.0
        prev = t[i]


def compensator_increments(
    times: np.ndarray, T: float, mu: float, alpha: float, beta: float
) -> np.ndarray:
    """Lambda(t_i) - Lambda(t_{i-1}) (with t_0 = 0): iid Exp(1) when the model is right."""
    t = _check_times(times, T)
    _check_params(mu, alpha, beta)
    out = np.empty(t.size)
    _compensator_nb(t, float(mu), float(alpha), float(beta), out)
    return out


@nb.njit(cache=True)
def _intensity_at_nb(
    t: np.ndarray, at: np.ndarray, mu: float, alpha: float, beta: float, out: np.ndarray
) -> None:
    """Left-limit intensity at sorted times ``at``: one merged pass over events and query times."""
    excess = 0.0  # sum of alpha e^{-beta (last_event - t_j)} just after the last event
    last = 0.0
    i = 0
    for k in range(at.shape[0]):
        while i < t.shape[0] and t[i] < at[k]:
            excess = excess * math.exp(-beta * (t[i] - last)) + alpha
            last = t[i]
            i += 1
        out[k] = mu + excess * math.exp(-beta * (at[k] - last))


def intensity_at(
    times: np.ndarray, at: np.ndarray, mu: float, alpha: float, beta: float
) -> np.ndarray:
    """lambda(s) = mu + sum_{t_i < s} alpha e^{-beta (s - t_i)} at each (non-decreasing) ``at``.

    Sampling it on a regular grid gives the intensity's distribution over *time*; sampling it at
    the events instead over-weights the clusters (events happen where the intensity is high).
    """
    query = np.ascontiguousarray(at, dtype=np.float64)
    if query.ndim != 1 or not np.all(np.isfinite(query)) or np.any(np.diff(query) < 0.0):
        raise DataError("hawkes 'at' must be a finite, non-decreasing one-dimensional array")
    ev = np.asarray(times, dtype=np.float64)
    last = max(float(query[-1]) if query.size else 0.0, float(ev[-1]) if ev.size else 0.0)
    t = _check_times(ev, max(last, 1e-12))
    _check_params(mu, alpha, beta)
    out = np.empty(query.size)
    _intensity_at_nb(t, query, float(mu), float(alpha), float(beta), out)
    return out


def ljung_box(x: np.ndarray, lags: int = _LJUNG_BOX_LAGS) -> tuple[float, float]:
    """Ljung-Box portmanteau statistic Q and its chi2(lags) p-value (H0: no autocorrelation)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if n <= lags + 1:
        raise DataError(f"ljung_box needs more than lags+1={lags + 1} values, had {n}")
    xc = x - x.mean()
    denom = float(np.dot(xc, xc))
    if denom == 0.0:
        return 0.0, 1.0
    q = 0.0
    for k in range(1, lags + 1):
        rho = float(np.dot(xc[k:], xc[:-k])) / denom
        q += rho * rho / (n - k)
    q *= n * (n + 2)
    return q, float(stats.chi2.sf(q, lags))


@dataclass(frozen=True, slots=True)
class GoodnessOfFit:
    """KS test of the compensator increments against Exp(1), and Ljung-Box on them."""

    ks_stat: float
    ks_pvalue: float
    ljung_box_stat: float
    ljung_box_pvalue: float
    n_increments: int

    def accepts(self, level: float = 0.05) -> bool:
        """True when neither test rejects the model at ``level``."""
        return self.ks_pvalue >= level and self.ljung_box_pvalue >= level


def _gof_from_increments(incr: np.ndarray) -> GoodnessOfFit:
    ks = stats.kstest(incr, "expon")
    lb_q, lb_p = ljung_box(incr) if incr.size > _LJUNG_BOX_LAGS + 1 else (math.nan, math.nan)
    return GoodnessOfFit(
        ks_stat=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
        ljung_box_stat=lb_q,
        ljung_box_pvalue=lb_p,
        n_increments=int(incr.size),
    )


def gof_test(times: np.ndarray, T: float, mu: float, alpha: float, beta: float) -> GoodnessOfFit:
    """Goodness of fit of (mu, alpha, beta) to ``times``; alpha = 0 tests a Poisson model."""
    return _gof_from_increments(compensator_increments(times, T, mu, alpha, beta))


# --------------------------------------------------------------------------------------------
# maximum likelihood
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HawkesFit:
    """MLE of a univariate exponential Hawkes process with standard errors and fit diagnostics."""

    mu: float
    alpha: float
    beta: float
    se_mu: float
    se_alpha: float
    se_beta: float
    branching_ratio: float
    log_likelihood: float
    n_events: int
    T: float
    converged: bool
    stationary: bool
    message: str
    n_evaluations: int
    gof: GoodnessOfFit | None

    @property
    def mean_intensity(self) -> float:
        """mu / (1 - n); inf when the fit is not stationary."""
        return self.mu / (1.0 - self.branching_ratio) if self.stationary else math.inf


@nb.njit(cache=True)
def _hessian_nb(
    t: np.ndarray, T: float, mu: float, alpha: float, beta: float, H: np.ndarray
) -> None:
    """Analytic Hessian of the log-likelihood in (mu, alpha, beta), one pass.

    Adds C_i = sum_{j<i} (t_i - t_j)^2 e^{-beta (t_i - t_j)} to the A/B recursion:
    d lambda = (1, A, -alpha B), d2 lambda / d alpha d beta = -B, d2 lambda / d beta2 = alpha C.
    """
    n = t.shape[0]
    h = np.zeros((3, 3))
    a_t = 0.0
    b_t = 0.0
    c_t = 0.0
    prev = 0.0
    for i in range(n):
        d = t[i] - prev
        e = math.exp(-beta * d)
        A = e * a_t
        B = e * (b_t + d * a_t)
        C = e * (c_t + 2.0 * d * b_t + d * d * a_t)
        lam = mu + alpha * A
        inv2 = 1.0 / (lam * lam)
        g0, g1, g2 = 1.0, A, -alpha * B
        h[0, 0] -= g0 * g0 * inv2
        h[0, 1] -= g0 * g1 * inv2
        h[0, 2] -= g0 * g2 * inv2
        h[1, 1] -= g1 * g1 * inv2
        h[1, 2] += -B / lam - g1 * g2 * inv2
        h[2, 2] += alpha * C / lam - g2 * g2 * inv2
        a_t = A + 1.0
        b_t = B
        c_t = C
        prev = t[i]
    d = T - prev
    e = math.exp(-beta * d)
    s_T = e * a_t
    b_T = e * (b_t + d * a_t)
    c_T = e * (c_t + 2.0 * d * b_t + d * d * a_t)
    comp = n - s_T
    # minus the second derivatives of the compensator (alpha / beta) * comp
    h[1, 2] -= -comp / (beta * beta) + b_T / beta
    h[2, 2] -= 2.0 * alpha / beta**3 * comp - 2.0 * alpha / beta**2 * b_T - alpha / beta * c_T
    for r in range(3):
        for c in range(r, 3):
            H[r, c] = h[r, c]
            H[c, r] = h[r, c]


def log_likelihood_hessian(
    times: np.ndarray, T: float, mu: float, alpha: float, beta: float
) -> np.ndarray:
    """Analytic Hessian of the log-likelihood with respect to (mu, alpha, beta)."""
    t = _check_times(times, T)
    _check_params(mu, alpha, beta)
    H = np.empty((3, 3))
    _hessian_nb(t, float(T), float(mu), float(alpha), float(beta), H)
    return H


def _observed_information(t: np.ndarray, T: float, p: np.ndarray) -> np.ndarray:
    """-Hessian in natural parameters (analytic, one pass)."""
    H = np.empty((3, 3))
    _hessian_nb(t, T, p[0], p[1], p[2], H)
    return -H


def _standard_errors(info: np.ndarray) -> np.ndarray:
    try:
        np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        return np.full(info.shape[0], math.nan)
    cov = np.linalg.inv(info)
    return np.sqrt(np.clip(np.diag(cov), 0.0, None))


def _maximise_on_log_params(
    loglik_grad: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, max_iter: int
) -> optimize.OptimizeResult:
    """L-BFGS-B on log-parameters x = ln p with the analytic gradient (chain rule: g * p).

    A non-finite likelihood (lambda <= 0) is a wall (1e300) the line search backs off from; the
    box exp(+-30) keeps every exp() in the recursions finite."""

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        p = np.exp(x)
        ll, g = loglik_grad(p)
        if not math.isfinite(ll):
            return 1e300, np.zeros_like(x)
        return -ll, -(g * p)

    with single_threaded_blas():
        return optimize.minimize(
            objective,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-_LOG_BOUND, _LOG_BOUND)] * x0.size,
            options={"maxiter": max_iter},
        )


def fit(
    times: np.ndarray,
    T: float,
    *,
    start: tuple[float, float, float] | None = None,
    gof: bool = True,
    max_iter: int = 500,
) -> HawkesFit:
    """Maximum-likelihood fit of (mu, alpha, beta) by L-BFGS-B on log-parameters.

    Starts from the method-of-moments point of the seed (n0 = 0.5, mu0 = (N/T)(1 - n0)) unless
    ``start`` is given. Standard errors come from the inverse observed information (NaN when it is
    not positive definite, e.g. beta unidentified as n -> 0). ``stationary`` is False when the
    estimate lands at n >= 1 (possible near criticality): do not use such a fit for quoting.
    """
    t = _check_times(times, T)
    if t.size < 3:
        raise DataError(f"hawkes fit needs at least 3 events, had {t.size}")
    T = float(T)
    if start is None:
        rate = t.size / T
        n0 = 0.5
        beta0 = rate  # one mean inter-arrival as the kernel's time scale
        start = (rate * (1.0 - n0), n0 * beta0, beta0)
    _check_params(*start, allow_zero_alpha=False)
    x0 = np.log(np.asarray(start, dtype=np.float64))
    grad = np.empty(3)

    def loglik_grad(p: np.ndarray) -> tuple[float, np.ndarray]:
        ll = _loglik_grad_nb(t, T, p[0], p[1], p[2], grad)
        return ll, grad

    res = _maximise_on_log_params(loglik_grad, x0, max_iter)
    p = np.exp(res.x)
    ll = _loglik_grad_nb(t, T, p[0], p[1], p[2], grad)
    se = _standard_errors(_observed_information(t, T, p))
    n_ratio = float(p[1] / p[2])
    return HawkesFit(
        mu=float(p[0]),
        alpha=float(p[1]),
        beta=float(p[2]),
        se_mu=float(se[0]),
        se_alpha=float(se[1]),
        se_beta=float(se[2]),
        branching_ratio=n_ratio,
        log_likelihood=float(ll),
        n_events=int(t.size),
        T=T,
        converged=bool(res.success),
        stationary=n_ratio < 1.0,
        message=str(res.message),
        n_evaluations=int(res.nfev),
        gof=gof_test(t, T, p[0], p[1], p[2]) if gof else None,
    )


# --------------------------------------------------------------------------------------------
# multivariate (bivariate buy/sell) likelihood, gradient, fit
# --------------------------------------------------------------------------------------------


def branching_matrix(alpha: object, beta: object) -> np.ndarray:
    """G = alpha / beta elementwise: G[m, n] = expected children in m of one event in n."""
    a = np.asarray(alpha, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    return a / b


def spectral_radius(alpha: object, beta: object) -> float:
    """Spectral radius of G = alpha / beta; the process is stationary iff it is < 1."""
    G = np.atleast_2d(branching_matrix(alpha, beta))
    return float(np.max(np.abs(np.linalg.eigvals(G))))


def mean_intensity(mu: object, alpha: object, beta: object) -> np.ndarray:
    """Stationary mean intensities (I - G)^-1 mu (per dimension)."""
    mu_a = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    G = np.atleast_2d(branching_matrix(alpha, beta))
    return np.linalg.solve(np.eye(mu_a.size) - G, mu_a)


@nb.njit(cache=True)
def _multi_loglik_grad_nb(
    t: np.ndarray,
    marks: np.ndarray,
    T: float,
    mu: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    g_mu: np.ndarray,
    g_a: np.ndarray,
    g_b: np.ndarray,
    comp_out: np.ndarray,
) -> float:
    """Merged-stream recursion: A[m, n] and B[m, n] per kernel; gradients written in place.

    ``comp_out[i]`` receives the compensator of the event's own dimension, cumulated from 0, so
    per-dimension increments come from differencing it over that dimension's events.
    """
    d = mu.shape[0]
    a_t = np.zeros((d, d))
    b_t = np.zeros((d, d))
    cum = np.zeros(d)
    g_mu[:] = 0.0
    g_a[:, :] = 0.0
    g_b[:, :] = 0.0
    ll = 0.0
    prev = 0.0
    for i in range(t.shape[0]):
        dt = t[i] - prev
        m_i = marks[i]
        for m in range(d):
            cum[m] += mu[m] * dt
            for n in range(d):
                e = math.exp(-beta[m, n] * dt)
                cum[m] += alpha[m, n] / beta[m, n] * (1.0 - e) * a_t[m, n]
                b_t[m, n] = e * (b_t[m, n] + dt * a_t[m, n])
                a_t[m, n] = e * a_t[m, n]
        lam = mu[m_i]
        for n in range(d):
            lam += alpha[m_i, n] * a_t[m_i, n]
        if lam <= 0.0:
            return -np.inf
        inv = 1.0 / lam
        ll += math.log(lam)
        g_mu[m_i] += inv
        for n in range(d):
            g_a[m_i, n] += a_t[m_i, n] * inv
            g_b[m_i, n] -= alpha[m_i, n] * b_t[m_i, n] * inv
        comp_out[i] = cum[m_i]
        for m in range(d):
            a_t[m, m_i] += 1.0
        prev = t[i]
    dt = T - prev
    n_by_dim = np.zeros(d)
    for i in range(t.shape[0]):
        n_by_dim[marks[i]] += 1.0
    for m in range(d):
        ll -= mu[m] * T
        g_mu[m] -= T
        for n in range(d):
            e = math.exp(-beta[m, n] * dt)
            s_T = e * a_t[m, n]
            b_T = e * (b_t[m, n] + dt * a_t[m, n])
            comp = n_by_dim[n] - s_T
            r = alpha[m, n] / beta[m, n]
            ll -= r * comp
            g_a[m, n] -= comp / beta[m, n]
            g_b[m, n] += r / beta[m, n] * comp - r * b_T
    return ll


def _check_marks(marks: np.ndarray, n_times: int, d: int) -> np.ndarray:
    mk = np.ascontiguousarray(marks, dtype=np.int64)
    if mk.shape != (n_times,):
        raise DataError(f"hawkes 'marks' must have shape ({n_times},), had {mk.shape}")
    if mk.size and (mk.min() < 0 or mk.max() >= d):
        raise DataError(f"hawkes 'marks' must lie in [0, {d - 1}], had [{mk.min()}, {mk.max()}]")
    return mk


def log_likelihood_multivariate(
    times: np.ndarray, marks: np.ndarray, T: float, mu: object, alpha: object, beta: object
) -> float:
    """Exact log-likelihood of a marked stream (merged, non-decreasing times) on [0, T]."""
    mu_a, a, b = _check_multi(mu, alpha, beta)
    t = _check_times(times, T)
    mk = _check_marks(marks, t.size, mu_a.size)
    d = mu_a.size
    return float(
        _multi_loglik_grad_nb(
            t, mk, float(T), mu_a, a, b, np.empty(d), np.empty((d, d)), np.empty((d, d)),
            np.empty(t.size),
        )
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class MultiHawkesFit:
    """MLE of a d-dimensional exponential Hawkes process (one alpha and beta per kernel)."""

    mu: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    se_mu: np.ndarray
    se_alpha: np.ndarray
    se_beta: np.ndarray
    spectral_radius: float
    log_likelihood: float
    n_events: np.ndarray
    T: float
    converged: bool
    stationary: bool
    message: str
    gof: tuple[GoodnessOfFit, ...] | None


def fit_multivariate(
    times: np.ndarray, marks: np.ndarray, T: float, *, d: int = 2, gof: bool = True
) -> MultiHawkesFit:
    """MLE of mu (d), alpha (d x d), beta (d x d) by L-BFGS-B on log-parameters, analytic gradient.

    Standard errors by central differences of the analytic gradient; GOF per dimension on its own
    compensator increments.
    """
    t = _check_times(times, T)
    mk = _check_marks(marks, t.size, d)
    counts = np.bincount(mk, minlength=d).astype(np.float64)
    if np.any(counts < 3):
        raise DataError(f"hawkes multivariate fit needs >= 3 events per dimension, had {counts}")
    T = float(T)
    rate = counts / T
    n0 = 0.5 / d
    beta0 = float(counts.sum() / T)
    x0 = np.log(np.concatenate([rate * (1.0 - n0 * d), np.full(d * d, n0 * beta0),
                                np.full(d * d, beta0)]))  # fmt: skip
    g_mu = np.empty(d)
    g_a = np.empty((d, d))
    g_b = np.empty((d, d))
    comp = np.empty(t.size)

    def unpack(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return p[:d], p[d : d + d * d].reshape(d, d), p[d + d * d :].reshape(d, d)

    def loglik_grad(p: np.ndarray) -> tuple[float, np.ndarray]:
        mu_, a_, b_ = unpack(p)
        ll = _multi_loglik_grad_nb(t, mk, T, mu_, a_.copy(), b_.copy(), g_mu, g_a, g_b, comp)
        return ll, np.concatenate([g_mu, g_a.ravel(), g_b.ravel()])

    res = _maximise_on_log_params(loglik_grad, x0, 15_000)
    p = np.exp(res.x)
    ll, _ = loglik_grad(p)
    k = p.size
    H = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * p[j]
        pp = p.copy()
        pm = p.copy()
        pp[j] += h
        pm[j] -= h
        H[:, j] = (loglik_grad(pp)[1] - loglik_grad(pm)[1]) / (2.0 * h)
    se = _standard_errors(-0.5 * (H + H.T))
    mu_, a_, b_ = unpack(p)
    se_mu, se_a, se_b = unpack(se)
    rho = spectral_radius(a_, b_)
    gofs: tuple[GoodnessOfFit, ...] | None = None
    if gof:
        loglik_grad(p)  # refreshes ``comp`` at the estimate
        gofs = tuple(_gof_from_increments(np.diff(comp[mk == m], prepend=0.0)) for m in range(d))
    return MultiHawkesFit(
        mu=mu_.copy(),
        alpha=a_.copy(),
        beta=b_.copy(),
        se_mu=se_mu.copy(),
        se_alpha=se_a.copy(),
        se_beta=se_b.copy(),
        spectral_radius=rho,
        log_likelihood=float(ll),
        n_events=counts.astype(np.int64),
        T=T,
        converged=bool(res.success),
        stationary=rho < 1.0,
        message=str(res.message),
        gof=gofs,
    )
