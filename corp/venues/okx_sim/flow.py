"""Seeded background order flow: the arrival process of aggressive (taker) orders.

The source is pluggable (:class:`FlowSource`). The default, :class:`HawkesFlow`, draws its arrival
times from the project's one Hawkes simulator (:func:`corp.quant.hawkes.simulate`, exact,
exponential kernel λ(t) = μ + Σ α·exp(-β(t - tᵢ)), stationary when α/β < 1) in chunks of
``chunk_secs`` and serves them window by window. Drills switch the regime at run time
(``/admin/regime``): the rest of the current chunk is dropped and a fresh one starts at the switch.
Excitation does not carry across a chunk boundary — an artefact of at most one decay time per
chunk, irrelevant for a background market.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import numpy as np

from corp.errors import SpecError
from corp.quant.hawkes import simulate

__all__ = ["FlowSource", "HawkesFlow"]


@runtime_checkable
class FlowSource(Protocol):
    """Produces arrival times (seconds) of taker orders in a half-open window (t0, t1]."""

    def arrivals(self, t0_secs: float, t1_secs: float) -> list[float]: ...

    def set_regime(self, mu_per_sec: float, alpha_per_sec: float, beta_per_sec: float) -> None: ...


class HawkesFlow:
    """Hawkes arrivals from :func:`corp.quant.hawkes.simulate`, chunk by chunk, seeded."""

    def __init__(
        self,
        *,
        mu_per_sec: float,
        alpha_per_sec: float,
        beta_per_sec: float,
        seed: int,
        chunk_secs: float = 60.0,
    ) -> None:
        if not (math.isfinite(chunk_secs) and chunk_secs > 0):
            raise SpecError(f"chunk_secs must be finite and > 0, was {chunk_secs}")
        self.seed = seed
        self.chunk_secs = chunk_secs
        self._chunks_drawn = 0
        self._buffer = np.empty(0)
        self._buffer_end_secs = 0.0
        self._served_until_secs = 0.0
        self.set_regime(mu_per_sec, alpha_per_sec, beta_per_sec)

    def set_regime(self, mu_per_sec: float, alpha_per_sec: float, beta_per_sec: float) -> None:
        """Change (μ, α, β) from now on; rejects a non-stationary or non-positive regime."""
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
        # drop what the old regime pre-drew beyond the point already served
        self._buffer = self._buffer[self._buffer <= self._served_until_secs]
        self._buffer_end_secs = self._served_until_secs

    def mean_rate_per_sec(self) -> float:
        """Stationary mean intensity μ / (1 - α/β)."""
        return self.mu_per_sec / (1.0 - self.alpha_per_sec / self.beta_per_sec)

    def _draw_until(self, t_secs: float) -> None:
        while self._buffer_end_secs < t_secs:
            start = self._buffer_end_secs
            times = simulate(
                self.mu_per_sec,
                self.alpha_per_sec,
                self.beta_per_sec,
                self.chunk_secs,
                seed=self.seed * 1_000_003 + self._chunks_drawn,
            )
            self._chunks_drawn += 1
            self._buffer = np.concatenate([self._buffer, start + times])
            self._buffer_end_secs = start + self.chunk_secs

    def arrivals(self, t0_secs: float, t1_secs: float) -> list[float]:
        if t1_secs < t0_secs:
            raise ValueError(f"t1_secs must be >= t0_secs, was t0={t0_secs} t1={t1_secs}")
        self._draw_until(t1_secs)
        lo = max(t0_secs, self._served_until_secs)
        mask = (self._buffer > lo) & (self._buffer <= t1_secs)
        out = self._buffer[mask].tolist()
        self._buffer = self._buffer[self._buffer > t1_secs]
        self._served_until_secs = max(self._served_until_secs, t1_secs)
        return out
