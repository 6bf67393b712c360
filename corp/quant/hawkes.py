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
    "ks_pvalue",
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


@nb.njit(cache=True, fastmath={"reassoc", "contract"})
def _autocovariance_sums_nb(x: np.ndarray, lags: int, out: np.ndarray) -> None:
    """out[k] = sum_i (x_i - mean)(x_{i-k} - mean) for k = 0..lags.

    In numba rather than np.dot: a 1-D dot goes to OpenBLAS, whose thread pool spins for up to
    0.1 s per call on a busy 2-core machine (measured on 100k values). Reassociation lets the
    sums vectorise; the order of a sum of products does not matter to a test statistic.
    """
    n = x.shape[0]
    mean = 0.0
    for i in range(n):
        mean += x[i]
    mean /= n
    xc = x - mean
    for k in range(lags + 1):
        s = 0.0
        for i in range(k, n):
            s += xc[i] * xc[i - k]
        out[k] = s


def ljung_box(x: np.ndarray, lags: int = _LJUNG_BOX_LAGS) -> tuple[float, float]:
    """Ljung-Box portmanteau statistic Q and its chi2(lags) p-value (H0: no autocorrelation)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.size
    if n <= lags + 1:
        raise DataError(f"ljung_box needs more than lags+1={lags + 1} values, had {n}")
    acov = np.empty(lags + 1)
    _autocovariance_sums_nb(x, lags, acov)
    denom = float(acov[0])
    if denom == 0.0:
        return 0.0, 1.0
    k = np.arange(1, lags + 1)
    q = float(n * (n + 2) * np.sum((acov[1:] / denom) ** 2 / (n - k)))
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


@nb.njit(cache=True)
def _ks_exp1_statistic_nb(x_sorted: np.ndarray) -> float:
    """Two-sided KS distance between the sorted sample and the Exp(1) CDF 1 - e^{-x}."""
    n = x_sorted.shape[0]
    if n == 0:
        return math.nan
    d = 0.0
    for i in range(n):
        f = -math.expm1(-x_sorted[i])
        d = max(d, (i + 1) / n - f, f - i / n)
    return d


_KS_EXACT_MAX_N: Final = 1_000  # above it the tail p-value uses the Maag-Dicaire approximation
_KS_TAIL_NX2: Final = 2.2  # n D^2 from which scipy itself switches to the one-sided tail


def ks_pvalue(d: float, n: int) -> float:
    """P(D_n >= d) for the two-sided one-sample KS statistic.

    scipy's exact kstwo.sf, except in the tail (n d^2 >= 2.2, p below about 0.025) for n > 1000:
    there scipy evaluates 2 * smirnov(n, d), an O(n) sum costing about 0.75 us per event (75 ms at
    100k, 0.8 s at 1M), and this uses the Maag-Dicaire (1971) approximation
    2 exp(-(6 n d + 1)^2 / (18 n)) of the same quantity. Its relative error against the exact
    value at p >= 1e-3 (where accept/reject decisions are made) is 0.47 % at n = 1001, 0.31 % at
    n = 1500, and shrinks as 1/n (< 0.1 % at n = 10^5 down to 1e-14); < 5 % for p >= 1e-9. At
    the switch (n D^2 = 2.2) the p-value steps by that error (0.023771 -> 0.023798 at n = 1001).
    """
    if n > _KS_EXACT_MAX_N and n * d * d >= _KS_TAIL_NX2:
        return min(1.0, 2.0 * math.exp(-((6.0 * n * d + 1.0) ** 2) / (18.0 * n)))
    return float(np.clip(stats.kstwo.sf(d, n), 0.0, 1.0))


def _gof_from_increments(incr: np.ndarray) -> GoodnessOfFit:
    d = _ks_exp1_statistic_nb(np.sort(incr))  # numpy's sort: ~15x numba's np.sort on 100k
    lb_q, lb_p = ljung_box(incr) if incr.size > _LJUNG_BOX_LAGS + 1 else (math.nan, math.nan)
    return GoodnessOfFit(
        ks_stat=float(d),
        ks_pvalue=ks_pvalue(float(d), int(incr.size)),
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
def _loglik_derivs_nb(
    t: np.ndarray, T: float, mu: float, alpha: float, beta: float, grad: np.ndarray, H: np.ndarray
) -> float:
    """Log-likelihood, gradient and Hessian in (mu, alpha, beta) in one pass, one exp per event.

    Newton needs all three at every iterate, and a second pass for the Hessian would cost as much
    as the first. Adds C_i = sum_{j<i} (t_i - t_j)^2 e^{-beta (t_i - t_j)} to the A/B recursion of
    :func:`_loglik_grad_nb`: d lambda = (1, A, -alpha B), d2 lambda / d alpha d beta = -B,
    d2 lambda / d beta2 = alpha C, and d2 log lambda = d2 lambda / lambda - d lambda d lambda' /
    lambda^2. The compensator (alpha / beta) sum (1 - e^{-beta (T - t_i)}) closes at T from the
    last event's A, B and C.
    """
    n = t.shape[0]
    ll = 0.0
    g0 = 0.0
    g1 = 0.0
    g2 = 0.0
    h00 = 0.0
    h01 = 0.0
    h02 = 0.0
    h11 = 0.0
    h12 = 0.0
    h22 = 0.0
    a_t = 0.0  # 1 + A_{i-1}: sum over j <= i-1 of e^{-beta (t_{i-1} - t_j)}
    b_t = 0.0  # B_{i-1}, the same sum weighted by (t_{i-1} - t_j)
    c_t = 0.0  # C_{i-1}, weighted by (t_{i-1} - t_j)^2
    prev = 0.0
    for i in range(n):
        d = t[i] - prev
        e = math.exp(-beta * d)
        A = e * a_t
        B = e * (b_t + d * a_t)
        C = e * (c_t + d * (2.0 * b_t + d * a_t))
        lam = mu + alpha * A
        if lam <= 0.0:
            return -np.inf
        inv = 1.0 / lam
        ll += math.log(lam)
        u1 = A * inv  # (d lambda / d alpha) / lambda
        u2 = alpha * B * inv  # -(d lambda / d beta) / lambda
        g0 += inv
        g1 += u1
        g2 -= u2
        h00 -= inv * inv
        h01 -= inv * u1
        h02 += inv * u2
        h11 -= u1 * u1
        h12 += u1 * u2 - B * inv
        h22 += alpha * C * inv - u2 * u2
        a_t = A + 1.0
        b_t = B
        c_t = C
        prev = t[i]
    d = T - prev
    e = math.exp(-beta * d)
    s_T = e * a_t  # sum_i e^{-beta (T - t_i)}
    b_T = e * (b_t + d * a_t)  # sum_i (T - t_i) e^{...}
    c_T = e * (c_t + d * (2.0 * b_t + d * a_t))  # sum_i (T - t_i)^2 e^{...}
    comp = n - s_T
    ib = 1.0 / beta
    ll -= mu * T + alpha * ib * comp
    g0 -= T
    g1 -= comp * ib
    g2 += alpha * ib * ib * comp - alpha * ib * b_T
    h12 += comp * ib * ib - b_T * ib
    h22 -= 2.0 * alpha * ib**3 * comp - 2.0 * alpha * ib * ib * b_T - alpha * ib * c_T
    grad[0] = g0
    grad[1] = g1
    grad[2] = g2
    H[0, 0] = h00
    H[0, 1] = h01
    H[0, 2] = h02
    H[1, 0] = h01
    H[1, 1] = h11
    H[1, 2] = h12
    H[2, 0] = h02
    H[2, 1] = h12
    H[2, 2] = h22
    return ll


def log_likelihood_hessian(
    times: np.ndarray, T: float, mu: float, alpha: float, beta: float
) -> np.ndarray:
    """Analytic Hessian of the log-likelihood with respect to (mu, alpha, beta)."""
    t = _check_times(times, T)
    _check_params(mu, alpha, beta)
    H = np.empty((3, 3))
    _loglik_derivs_nb(t, float(T), float(mu), float(alpha), float(beta), np.empty(3), H)
    return H


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


@nb.njit(cache=True)
def _cholesky_solve_nb(M: np.ndarray, b: np.ndarray, out: np.ndarray) -> bool:
    """Solve M out = b for a small symmetric M by Cholesky; False (out untouched) if M is not PD.

    Hand-written because the Newton loop runs inside njit and the systems are 3 x 3: a LAPACK call
    per iteration would cost more than the arithmetic."""
    k = M.shape[0]
    L = np.zeros((k, k))
    for j in range(k):
        dj = M[j, j]
        for q in range(j):
            dj -= L[j, q] * L[j, q]
        if not dj > 0.0:  # also catches NaN
            return False
        L[j, j] = math.sqrt(dj)
        for i in range(j + 1, k):
            v = M[i, j]
            for q in range(j):
                v -= L[i, q] * L[j, q]
            L[i, j] = v / L[j, j]
    y = np.empty(k)
    for i in range(k):
        v = b[i]
        for q in range(i):
            v -= L[i, q] * y[q]
        y[i] = v / L[i, i]
    for i in range(k - 1, -1, -1):
        v = y[i]
        for q in range(i + 1, k):
            v -= L[q, i] * out[q]
        out[i] = v / L[i, i]
    return True


_NEWTON_CONVERGED: Final = 0
_NEWTON_NO_ASCENT: Final = 1
_NEWTON_MAX_ITER: Final = 2
_NEWTON_MESSAGES: Final = {
    _NEWTON_CONVERGED: "converged: Newton decrement below tolerance",
    _NEWTON_NO_ASCENT: "stopped: no step increases the log-likelihood (line search failed)",
    _NEWTON_MAX_ITER: "stopped: iteration limit reached",
}
_NEWTON_TOL: Final = 1e-9  # decrement g'(-H)^-1 g: the iterate is within ~3e-5 SE of the maximum
_NOISE_DECREMENT: Final = 1e-6  # below it (1e-3 SE) a failed line search is rounding, not failure
_STEP_CAP: Final = 2.0  # largest change of one log-parameter per step (a factor e^2)
_WARM_FACTOR: Final = 10  # event-count ratio between successive warm-start prefixes
_WARM_MIN_EVENTS: Final = 1_000  # the smallest prefix fitted from the moment start
_WARM_TOL: Final = 1.0  # prefixes stop within about one of their own standard errors


@nb.njit(cache=True)
def _newton_log_params_nb(
    t: np.ndarray,
    T: float,
    x0: np.ndarray,
    max_iter: int,
    tol: float,
    p_out: np.ndarray,
    grad: np.ndarray,
    H: np.ndarray,
) -> tuple[float, int, int, int]:
    """Damped Newton ascent on x = ln(mu, alpha, beta) in the box [-30, 30]^3.

    Log-parameters keep every iterate positive with no constraint to enforce, and the box keeps
    every exp() finite (the MLE is on the boundary for Poisson data, alpha -> 0, and for repeated
    timestamps, alpha, beta -> inf). In x the gradient is g * p and the Hessian
    P H P + diag(g * p) (P = diag(p)). Where -Hessian is not positive definite (far from the
    maximum; the likelihood is not concave in beta) a Levenberg-Marquardt shift makes the step an
    ascent direction; a step changes no log-parameter by more than _STEP_CAP; backtracking keeps
    the Armijo condition, with a rounding allowance so that steps whose predicted gain is below
    the log-likelihood's floating-point resolution are still taken. A variable at the box edge
    whose gradient points outwards is held fixed (projected Newton).

    Stops when the Newton decrement g'(-H)^-1 g (about the squared distance to the maximum in
    standard errors) is <= tol. Writes the final parameters to ``p_out`` and the gradient and
    Hessian (natural parameters) there to ``grad``/``H``. Returns (log-likelihood, iterations,
    likelihood passes, status) with status one of the _NEWTON_* codes.
    """
    k = 3
    x = x0.copy()
    for i in range(k):
        x[i] = min(max(x[i], -_LOG_BOUND), _LOG_BOUND)
    p = np.exp(x)
    ll = _loglik_derivs_nb(t, T, p[0], p[1], p[2], grad, H)
    n_eval = 1
    gx = np.empty(k)
    M = np.empty((k, k))
    s = np.empty(k)
    xn = np.empty(k)
    g_new = np.empty(k)
    H_new = np.empty((k, k))
    free = np.empty(k, dtype=np.bool_)
    status = _NEWTON_MAX_ITER
    iters = 0
    while iters < max_iter:
        for i in range(k):
            gx[i] = grad[i] * p[i]
            free[i] = not (
                (x[i] <= -_LOG_BOUND and gx[i] < 0.0) or (x[i] >= _LOG_BOUND and gx[i] > 0.0)
            )
        for i in range(k):
            for j in range(k):
                M[i, j] = -H[i, j] * p[i] * p[j] if (free[i] and free[j]) else 0.0
            if free[i]:
                M[i, i] -= gx[i]
            else:
                M[i, i] = 1.0
                gx[i] = 0.0
        scale = 0.0
        for i in range(k):
            scale = max(scale, abs(M[i, i]))
        shift = 0.0
        while not _cholesky_solve_nb(M, gx, s):
            add = 1e-8 * scale + 1e-300 if shift == 0.0 else shift
            shift += add
            for i in range(k):
                M[i, i] += add
        decrement = 0.0
        for i in range(k):
            decrement += gx[i] * s[i]
        if decrement <= tol:
            status = _NEWTON_CONVERGED
            break
        s_max = 0.0
        for i in range(k):
            s_max = max(s_max, abs(s[i]))
        if s_max > _STEP_CAP:
            for i in range(k):
                s[i] *= _STEP_CAP / s_max
        rounding = 1e-12 * (abs(ll) + t.shape[0] + 1.0)
        step = 1.0
        accepted = False
        ll_new = -np.inf
        for _ in range(40):
            gain = 0.0
            for i in range(k):
                xn[i] = min(max(x[i] + step * s[i], -_LOG_BOUND), _LOG_BOUND)
                gain += gx[i] * (xn[i] - x[i])
            ll_new = _loglik_derivs_nb(
                t, T, math.exp(xn[0]), math.exp(xn[1]), math.exp(xn[2]), g_new, H_new
            )
            n_eval += 1
            if ll_new >= ll + 1e-4 * gain - rounding:
                accepted = True
                break
            step *= 0.5
        if not accepted:
            status = _NEWTON_CONVERGED if decrement <= _NOISE_DECREMENT else _NEWTON_NO_ASCENT
            break
        for i in range(k):
            x[i] = xn[i]
            p[i] = math.exp(xn[i])
            grad[i] = g_new[i]
            for j in range(k):
                H[i, j] = H_new[i, j]
        ll = ll_new
        iters += 1
    for i in range(k):
        p_out[i] = p[i]
    return ll, iters, n_eval, status


def _moment_start(n_events: int, T: float) -> tuple[float, float, float]:
    """The seed's method-of-moments point: n0 = 0.5, mu0 = (N/T)(1 - n0), beta0 = N/T."""
    rate = n_events / T
    n0 = 0.5
    beta0 = rate  # one mean inter-arrival as the kernel's time scale
    return rate * (1.0 - n0), n0 * beta0, beta0


def _warm_start(t: np.ndarray, T: float, max_iter: int) -> tuple[np.ndarray, int]:
    """Start point for the full fit from fits on nested prefixes of the events, smallest first.

    The prefix of m events on [0, t_m] is itself a Hawkes sample, so its MLE is within a few of
    the full sample's standard errors of the full MLE, where Newton converges in 2-4 steps; each
    prefix costs 1/_WARM_FACTOR of the next. Measured on 100k simulated events (n = 0.06-0.975):
    3-5 full-data passes plus 0.2-1.2 passes' worth on the prefixes, against 4-13 full-data
    passes from the moment start. The smallest prefix
    (>= _WARM_MIN_EVENTS) starts from :func:`_moment_start`. An estimate on the box edge (alpha
    -> 0 on a Poisson-looking prefix) is pulled back to n >= 1e-3, and one still on the edge
    (beta -> inf on repeated timestamps) is replaced by the next level's moment start, so the next
    level does not spend steps climbing out of a flat edge. Returns (log-params, passes spent).
    """
    sizes: list[int] = []
    m = t.size // _WARM_FACTOR
    while m >= _WARM_MIN_EVENTS and t[m] > 0.0:  # the prefix window closes at t[m], left out
        sizes.append(m)
        m //= _WARM_FACTOR
    if not sizes:
        return np.log(np.asarray(_moment_start(t.size, T))), 0
    x = np.log(np.asarray(_moment_start(sizes[-1], float(t[sizes[-1]]))))
    p = np.empty(3)
    grad = np.empty(3)
    H = np.empty((3, 3))
    n_eval = 0
    for i, m in enumerate(reversed(sizes)):
        _, _, ev, _ = _newton_log_params_nb(t[:m], float(t[m]), x, max_iter, _WARM_TOL, p, grad, H)
        n_eval += ev
        p[1] = max(p[1], 1e-3 * p[2])
        x = np.log(p)
        if np.any(np.abs(x) >= _LOG_BOUND):  # a degenerate prefix: start the next level afresh
            m_next = t.size if i == len(sizes) - 1 else sizes[len(sizes) - 2 - i]
            T_next = T if m_next == t.size else float(t[m_next])
            x = np.log(np.asarray(_moment_start(m_next, T_next)))
    return x, n_eval


def fit(
    times: np.ndarray,
    T: float,
    *,
    start: tuple[float, float, float] | None = None,
    gof: bool = True,
    max_iter: int = 500,
) -> HawkesFit:
    """Maximum-likelihood fit of (mu, alpha, beta) by Newton's method on log-parameters.

    Every iterate is one O(n) pass giving the log-likelihood, its gradient and its Hessian
    (:func:`_loglik_derivs_nb`); see :func:`_newton_log_params_nb` for the safeguards. Without
    ``start`` the first iterate comes from fits on nested prefixes (:func:`_warm_start`); with it
    (e.g. the previous window's estimate) Newton starts there. Standard errors are the inverse
    observed information at the estimate, the Hessian of the last pass (NaN when it is not
    positive definite, e.g. beta unidentified as n -> 0). ``n_evaluations`` counts likelihood
    passes, prefix passes included. ``stationary`` is False when the estimate lands at n >= 1
    (possible near criticality): do not use such a fit for quoting.
    """
    t = _check_times(times, T)
    if t.size < 3:
        raise DataError(f"hawkes fit needs at least 3 events, had {t.size}")
    T = float(T)
    n_warm = 0
    if start is None:
        x0, n_warm = _warm_start(t, T, max_iter)
    else:
        _check_params(*start, allow_zero_alpha=False)
        x0 = np.log(np.asarray(start, dtype=np.float64))
    p = np.empty(3)
    grad = np.empty(3)
    H = np.empty((3, 3))
    ll, _, n_eval, status = _newton_log_params_nb(t, T, x0, max_iter, _NEWTON_TOL, p, grad, H)
    se = _standard_errors(-H)
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
        converged=status == _NEWTON_CONVERGED,
        stationary=n_ratio < 1.0,
        message=_NEWTON_MESSAGES[status],
        n_evaluations=int(n_warm + n_eval),
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
