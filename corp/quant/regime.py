"""Regime detection: Gaussian HMM (Baum-Welch in log space) and a fast realised-vol fallback.

- :func:`fit_gaussian_hmm` standardises the returns, runs Baum-Welch from several seeded random
  starts (log-space forward-backward in numba) and keeps the best likelihood; states are sorted by
  sigma (0 = calmest). A ``deadline`` (perf_counter seconds) aborts the fit with
  :class:`HMMTimeout` so a live detector can fall back in bounded time.
- :func:`forward_filter` gives the causal filtered probabilities P(s_t | r_1..r_t): the only ones a
  backtest may use (smoothed or Viterbi paths look ahead).
- :class:`VolThresholdRegime` is the fallback: rolling realised-vol quantile thresholds taken from
  the training window, with hysteresis so the regime does not flap on the threshold.
- :class:`FastRegimeDetector` (seed 4.2) retrains every ``retrain_interval`` steps within
  ``timeout_ms``, filters online, falls back when the HMM is unavailable, and reports hmm_ratio,
  fallback_ratio, current regime and its duration.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

import numba as nb
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from corp.errors import DataError
from corp.quant.volatility import rolling_realised_volatility

__all__ = [
    "FastRegimeConfig",
    "FastRegimeDetector",
    "GaussianHMM",
    "HMMTimeout",
    "VolThresholdRegime",
    "fit_gaussian_hmm",
    "forward_filter",
]

_LOG_2PI = math.log(2.0 * math.pi)
_VAR_FLOOR = 1e-4  # on standardised returns


class HMMTimeout(Exception):
    """Baum-Welch ran past its deadline; the caller falls back."""


@dataclass(frozen=True, slots=True)
class GaussianHMM:
    """Parameters in the original return units; states sorted by sigma ascending."""

    start_prob: np.ndarray
    trans: np.ndarray
    means: np.ndarray
    sigmas: np.ndarray
    log_likelihood: float
    converged: bool
    n_iter: int

    @property
    def n_states(self) -> int:
        return int(self.means.size)


@nb.njit(cache=True)
def _logsumexp(v: np.ndarray) -> float:
    m = v.max()
    if m == -np.inf:
        return -np.inf
    s = 0.0
    for x in v:
        s += math.exp(x - m)
    return m + math.log(s)


@nb.njit(cache=True)
def _log_emissions_nb(
    x: np.ndarray, means: np.ndarray, sigmas: np.ndarray, out: np.ndarray
) -> None:
    for t in range(x.shape[0]):
        for k in range(means.shape[0]):
            z = (x[t] - means[k]) / sigmas[k]
            out[t, k] = -0.5 * (_LOG_2PI + z * z) - math.log(sigmas[k])


@nb.njit(cache=True)
def _forward_nb(log_b: np.ndarray, log_pi: np.ndarray, log_A: np.ndarray, la: np.ndarray) -> float:
    """Log forward variables; returns the log-likelihood."""
    T, K = log_b.shape
    tmp = np.empty(K)
    for k in range(K):
        la[0, k] = log_pi[k] + log_b[0, k]
    for t in range(1, T):
        for j in range(K):
            for i in range(K):
                tmp[i] = la[t - 1, i] + log_A[i, j]
            la[t, j] = _logsumexp(tmp) + log_b[t, j]
    return _logsumexp(la[T - 1])


@nb.njit(cache=True)
def _backward_nb(log_b: np.ndarray, log_A: np.ndarray, lb: np.ndarray) -> None:
    T, K = log_b.shape
    tmp = np.empty(K)
    lb[T - 1, :] = 0.0
    for t in range(T - 2, -1, -1):
        for i in range(K):
            for j in range(K):
                tmp[j] = log_A[i, j] + log_b[t + 1, j] + lb[t + 1, j]
            lb[t, i] = _logsumexp(tmp)


@nb.njit(cache=True)
def _em_step_nb(
    x: np.ndarray, pi: np.ndarray, A: np.ndarray, means: np.ndarray, sigmas: np.ndarray
) -> float:
    """One Baum-Welch iteration in place; returns the log-likelihood before the update."""
    T = x.shape[0]
    K = means.shape[0]
    log_b = np.empty((T, K))
    _log_emissions_nb(x, means, sigmas, log_b)
    log_A = np.log(A)
    la = np.empty((T, K))
    lb = np.empty((T, K))
    ll = _forward_nb(log_b, np.log(pi), log_A, la)
    _backward_nb(log_b, log_A, lb)
    gamma = np.exp(la + lb - ll)
    xi = np.zeros((K, K))
    for t in range(T - 1):
        for i in range(K):
            for j in range(K):
                xi[i, j] += math.exp(la[t, i] + log_A[i, j] + log_b[t + 1, j] + lb[t + 1, j] - ll)
    for k in range(K):
        pi[k] = max(gamma[0, k], 1e-12)
    pi /= pi.sum()
    for i in range(K):
        row = xi[i].sum()
        for j in range(K):
            A[i, j] = max(xi[i, j] / row, 1e-12) if row > 0 else 1.0 / K
        A[i] /= A[i].sum()
    for k in range(K):
        w = gamma[:, k].sum()
        if w <= 1e-12:
            continue
        m = (gamma[:, k] * x).sum() / w
        v = (gamma[:, k] * (x - m) ** 2).sum() / w
        means[k] = m
        sigmas[k] = math.sqrt(max(v, _VAR_FLOOR))
    return ll


def _standardise(returns: np.ndarray) -> tuple[np.ndarray, float, float]:
    r = np.asarray(returns, dtype=np.float64).ravel()
    if not np.all(np.isfinite(r)):
        raise DataError("regime 'returns' contains NaN or inf")
    loc, scale = float(r.mean()), float(r.std())
    if scale == 0.0:
        raise DataError("regime 'returns' are constant: no regimes to find")
    return (r - loc) / scale, loc, scale


def fit_gaussian_hmm(
    returns: np.ndarray,
    n_states: int = 2,
    *,
    n_restarts: int = 4,
    max_iter: int = 200,
    tol: float = 1e-6,
    seed: int = 0,
    deadline: float | None = None,
) -> GaussianHMM:
    """Best of ``n_restarts`` Baum-Welch runs on standardised returns; states sorted by sigma."""
    if n_states not in (2, 3):
        raise ValueError(f"regime HMM 'n_states' must be 2 or 3, was {n_states}")
    z, loc, scale = _standardise(returns)
    if z.size < 10 * n_states:
        raise DataError(f"regime HMM needs >= {10 * n_states} returns, had {z.size}")
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool, int] | None = None
    for _ in range(n_restarts):
        pi = np.full(n_states, 1.0 / n_states)
        A = np.full((n_states, n_states), 0.05 / max(n_states - 1, 1))
        np.fill_diagonal(A, 0.95)
        means = rng.normal(0.0, 0.1, n_states)
        sigmas = np.sort(rng.uniform(0.3, 2.0, n_states))
        prev = -math.inf
        converged = False
        it = 0
        for it in range(1, max_iter + 1):
            if deadline is not None and time.perf_counter() > deadline:
                raise HMMTimeout(f"Baum-Welch passed its deadline after {it - 1} iterations")
            ll = _em_step_nb(z, pi, A, means, sigmas)
            if abs(ll - prev) < tol * max(1.0, abs(ll)):
                converged = True
                break
            prev = ll
        ll = _loglik(z, pi, A, means, sigmas)
        if best is None or ll > best[0]:
            best = (ll, pi.copy(), A.copy(), means.copy(), sigmas.copy(), converged, it)
    if best is None:
        raise ValueError(f"regime HMM 'n_restarts' must be >= 1, was {n_restarts}")
    ll, pi, A, means, sigmas, converged, it = best
    order = np.argsort(sigmas)
    return GaussianHMM(
        start_prob=pi[order],
        trans=A[np.ix_(order, order)],
        means=means[order] * scale + loc,
        sigmas=sigmas[order] * scale,
        log_likelihood=float(ll - z.size * math.log(scale)),
        converged=converged,
        n_iter=it,
    )


def _loglik(
    z: np.ndarray, pi: np.ndarray, A: np.ndarray, means: np.ndarray, sig: np.ndarray
) -> float:
    log_b = np.empty((z.size, means.size))
    _log_emissions_nb(z, means, sig, log_b)
    la = np.empty_like(log_b)
    return float(_forward_nb(log_b, np.log(pi), np.log(A), la))


def forward_filter(returns: np.ndarray, hmm: GaussianHMM) -> np.ndarray:
    """Causal filtered probabilities P(s_t | r_1..r_t), shape (T, K): row t ignores r_{t+1..}."""
    r = np.asarray(returns, dtype=np.float64).ravel()
    if not np.all(np.isfinite(r)):
        raise DataError("regime 'returns' contains NaN or inf")
    log_b = np.empty((r.size, hmm.n_states))
    _log_emissions_nb(r, hmm.means, hmm.sigmas, log_b)
    la = np.empty_like(log_b)
    if r.size == 0:
        return la
    _forward_nb(log_b, np.log(hmm.start_prob), np.log(hmm.trans), la)
    la -= la.max(axis=1, keepdims=True)
    p = np.exp(la)
    return p / p.sum(axis=1, keepdims=True)


class VolThresholdRegime:
    """Fallback regimes from rolling realised vol: thresholds = training-window quantiles.

    With K states the thresholds are the k/K quantiles (k = 1..K-1) of the training rolling vol.
    Hysteresis: move up past threshold k only above thr_k (1 + h), down only below thr_k (1 - h).
    """

    def __init__(self, n_states: int = 2, window: int = 20, hysteresis: float = 0.1) -> None:
        if n_states not in (2, 3):
            raise ValueError(f"fallback 'n_states' must be 2 or 3, was {n_states}")
        if not 0.0 <= hysteresis < 1.0:
            raise ValueError(f"fallback 'hysteresis' must lie in [0, 1), was {hysteresis!r}")
        self.n_states, self.window, self.hysteresis = n_states, window, hysteresis
        self.thresholds: np.ndarray | None = None

    def fit(self, train_returns: np.ndarray) -> VolThresholdRegime:
        vol = rolling_realised_volatility(train_returns, self.window)
        vol = vol[np.isfinite(vol)]
        if vol.size == 0:
            raise DataError(
                f"fallback training window shorter than the vol window ({self.window} returns)"
            )
        qs = np.arange(1, self.n_states) / self.n_states
        self.thresholds = np.quantile(vol, qs, method="inverted_cdf")
        return self

    def step(self, vol: float, current: int) -> int:
        """Next regime given the current one and the latest rolling vol (NaN keeps the current)."""
        if self.thresholds is None:
            raise DataError("fallback regime used before fit()")
        if not math.isfinite(vol):
            return current
        h = self.hysteresis
        state = current
        while state < self.n_states - 1 and vol > self.thresholds[state] * (1.0 + h):
            state += 1
        while state > 0 and vol < self.thresholds[state - 1] * (1.0 - h):
            state -= 1
        return state

    def classify(self, returns: np.ndarray, start: int = 0) -> np.ndarray:
        """Causal regime path over ``returns`` (each step sees only the trailing window)."""
        vol = rolling_realised_volatility(returns, self.window)
        out = np.empty(vol.size, dtype=np.int64)
        state = start
        for t in range(vol.size):
            state = self.step(float(vol[t]), state)
            out[t] = state
        return out


class FastRegimeConfig(BaseModel):
    """Seed 4.2 knobs of the fast detector."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_states: int = Field(2, ge=2, le=3)
    lookback_window: int = Field(500, ge=50)
    retrain_interval: int = Field(250, ge=1)
    timeout_ms: float = Field(50.0, ge=0.0)
    vol_window: int = Field(20, ge=2)
    hysteresis: float = Field(0.1, ge=0.0, lt=1.0)
    seed: int = 0


@dataclass(frozen=True, slots=True)
class RegimeStats:
    n_steps: int
    hmm_ratio: float
    fallback_ratio: float
    current_regime: int
    regime_duration_steps: int
    n_timeouts: int


def _warm_up() -> None:
    """Compile the numba kernels outside any timeout budget (cached on disk after the first run)."""
    z = np.linspace(-1.0, 1.0, 8)
    _em_step_nb(z, np.full(2, 0.5), np.full((2, 2), 0.5), np.array([-0.1, 0.1]), np.ones(2))


class FastRegimeDetector:
    """Online detector: HMM filter when a trained model exists, vol-threshold fallback otherwise."""

    def __init__(self, config: FastRegimeConfig) -> None:
        self.config = config
        self._buf: deque[float] = deque(maxlen=config.lookback_window)
        self._hmm: GaussianHMM | None = None
        self._log_alpha: np.ndarray | None = None
        self._fallback = VolThresholdRegime(config.n_states, config.vol_window, config.hysteresis)
        self._fallback_ready = False
        self._n = self._n_hmm = self._n_fallback = self._n_timeouts = 0
        self._regime = 0
        self._since = 0
        _warm_up()

    def _retrain(self) -> None:
        data = np.asarray(self._buf, dtype=np.float64)
        try:
            self._fallback.fit(data)
            self._fallback_ready = True
        except DataError:
            self._fallback_ready = False
        deadline = time.perf_counter() + self.config.timeout_ms / 1000.0
        try:
            hmm = fit_gaussian_hmm(
                data, self.config.n_states, seed=self.config.seed, deadline=deadline, n_restarts=2
            )
        except HMMTimeout:
            self._n_timeouts += 1
            self._hmm, self._log_alpha = None, None
            return
        except DataError:
            self._hmm, self._log_alpha = None, None
            return
        self._hmm = hmm
        # restart the filter from the model's filtered state at the end of the training window
        p = forward_filter(data, hmm)[-1]
        self._log_alpha = np.log(np.maximum(p, 1e-300))

    def update(self, ret: float) -> int:
        """Feed one return; returns the regime (0 = calmest) using data up to this return only."""
        if not math.isfinite(ret):
            raise DataError(f"regime return must be finite, was {ret!r}")
        self._buf.append(ret)
        self._n += 1
        if self._n >= self.config.lookback_window and (
            self._n == self.config.lookback_window
            or (self._n - self.config.lookback_window) % self.config.retrain_interval == 0
        ):
            self._retrain()
            regime = self._regime
        elif self._hmm is not None and self._log_alpha is not None:
            h = self._hmm
            z = (ret - h.means) / h.sigmas
            log_b = -0.5 * (_LOG_2PI + z * z) - np.log(h.sigmas)
            m = self._log_alpha.max()
            pred = np.log(np.exp(self._log_alpha - m) @ h.trans) + m
            la = pred + log_b
            self._log_alpha = la - la.max()
            regime = int(np.argmax(self._log_alpha))
            self._n_hmm += 1
        else:
            if self._fallback_ready:
                w = self.config.vol_window
                recent = np.asarray(list(self._buf)[-w:], dtype=np.float64)
                vol = float(recent.std(ddof=1)) if recent.size == w else math.nan
                regime = self._fallback.step(vol, self._regime)
            else:
                regime = self._regime
            self._n_fallback += 1
        if regime != self._regime:
            self._regime, self._since = regime, 0
        self._since += 1
        return regime

    def stats(self) -> RegimeStats:
        used = self._n_hmm + self._n_fallback
        return RegimeStats(
            n_steps=self._n,
            hmm_ratio=self._n_hmm / used if used else 0.0,
            fallback_ratio=self._n_fallback / used if used else 0.0,
            current_regime=self._regime,
            regime_duration_steps=self._since,
            n_timeouts=self._n_timeouts,
        )
