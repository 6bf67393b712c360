"""Seeded background order flow: the arrival process of aggressive (taker) orders.

The source is pluggable (:class:`FlowSource`); the default is an exact, incrementally simulated
univariate Hawkes process with exponential kernel, λ(t) = μ + Σ α·exp(-β(t - tᵢ)), stationary when
α/β < 1. Drills switch its regime at run time (``/admin/regime``).
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import numpy as np

from corp.errors import SpecError

__all__ = ["FlowSource", "HawkesFlow"]


@runtime_checkable
class FlowSource(Protocol):
    """Produces arrival times (seconds) of taker orders in a half-open window (t0, t1]."""

    def arrivals(self, t0_secs: float, t1_secs: float) -> list[float]: ...

    def set_regime(self, mu_per_sec: float, alpha_per_sec: float, beta_per_sec: float) -> None: ...


class HawkesFlow:
    """Exact Ogata thinning, advanced window by window so state carries across calls."""

    def __init__(
        self,
        *,
        mu_per_sec: float,
        alpha_per_sec: float,
        beta_per_sec: float,
        seed: int,
    ) -> None:
        self.rng = np.random.default_rng(seed)
        self.set_regime(mu_per_sec, alpha_per_sec, beta_per_sec)
        self.excitation_per_sec = 0.0
        self.t_secs = 0.0

    def set_regime(self, mu_per_sec: float, alpha_per_sec: float, beta_per_sec: float) -> None:
        """Change (μ, α, β); rejects a non-stationary or non-positive regime."""
        for name, value in (("mu", mu_per_sec), ("alpha", alpha_per_sec), ("beta", beta_per_sec)):
            if not math.isfinite(value) or value < 0 or (name != "alpha" and value == 0):
                raise SpecError(f"hawkes.{name} must be finite and > 0, was {value}")
        if alpha_per_sec >= beta_per_sec:
            raise SpecError(
                f"hawkes.alpha must be < beta (stationarity), was alpha={alpha_per_sec} "
                f"beta={beta_per_sec}"
            )
        self.mu_per_sec = mu_per_sec
        self.alpha_per_sec = alpha_per_sec
        self.beta_per_sec = beta_per_sec

    def intensity_per_sec(self) -> float:
        """λ at the current simulation time."""
        return self.mu_per_sec + self.excitation_per_sec

    def arrivals(self, t0_secs: float, t1_secs: float) -> list[float]:
        if t1_secs < t0_secs:
            raise ValueError(f"t1_secs must be >= t0_secs, was t0={t0_secs} t1={t1_secs}")
        t = max(self.t_secs, t0_secs)
        if t > self.t_secs:
            self.excitation_per_sec *= math.exp(-self.beta_per_sec * (t - self.t_secs))
        out: list[float] = []
        while True:
            bound = self.mu_per_sec + self.excitation_per_sec
            wait = self.rng.exponential(1.0 / bound)
            if t + wait > t1_secs:
                # memoryless: discard the candidate, carry the decayed state to t1
                self.excitation_per_sec *= math.exp(-self.beta_per_sec * (t1_secs - t))
                self.t_secs = t1_secs
                return out
            t += wait
            self.excitation_per_sec *= math.exp(-self.beta_per_sec * wait)
            if self.rng.random() * bound <= self.mu_per_sec + self.excitation_per_sec:
                out.append(t)
                self.excitation_per_sec += self.alpha_per_sec
