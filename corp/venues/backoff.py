"""Reconnect/retry delays as a pure function of (policy, attempt, seed) — testable without time.

``backoff_delay_ms(policy, attempt, rng)`` is exponential in ``attempt`` (0-based), capped at
``max_ms``, then jittered uniformly by ±``jitter_pct``. Jitter spreads many clients' redials so a
venue restart does not meet a synchronized reconnect storm. :class:`Backoff` adds the state a
stream needs: consecutive failures, reset after a stable period, give-up after ``max_attempts``.
"""

from __future__ import annotations

import numpy as np

from corp.venues.config import BackoffConfig

__all__ = ["Backoff", "backoff_delay_ms", "backoff_schedule_ms"]


def backoff_delay_ms(policy: BackoffConfig, attempt: int, rng: np.random.Generator) -> float:
    """Delay before retry number ``attempt`` (0 = first retry), in milliseconds."""
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, was {attempt}")
    # min() before pow would overflow: stop growing once the cap is reached
    base = policy.initial_ms
    for _ in range(attempt):
        base *= policy.multiplier
        if base >= policy.max_ms:
            base = policy.max_ms
            break
    base = min(base, policy.max_ms)
    jitter = policy.jitter_pct / 100.0
    return float(base * (1.0 + jitter * (2.0 * rng.random() - 1.0)))


def backoff_schedule_ms(policy: BackoffConfig, attempts: int, seed: int) -> list[float]:
    """The first ``attempts`` delays for ``seed`` (what a stream would wait, in order)."""
    rng = np.random.default_rng(seed)
    return [backoff_delay_ms(policy, i, rng) for i in range(attempts)]


class Backoff:
    """Consecutive-failure state around :func:`backoff_delay_ms`; time is passed in, never read."""

    def __init__(self, policy: BackoffConfig, *, seed: int) -> None:
        self.policy = policy
        self.rng = np.random.default_rng(seed)
        self.attempt = 0
        self.connected_at_ms: float | None = None

    def on_connected(self, now_ms: float) -> None:
        self.connected_at_ms = now_ms

    def on_healthy(self, now_ms: float) -> None:
        """Call while data flows; after ``reset_after_stable_ms`` the next failure starts afresh."""
        if (
            self.connected_at_ms is not None
            and now_ms - self.connected_at_ms >= self.policy.reset_after_stable_ms
        ):
            self.attempt = 0

    def next_delay_ms(self, now_ms: float) -> float | None:
        """Delay before the next attempt after a failure; None once ``max_attempts`` is used up."""
        self.on_healthy(now_ms)
        self.connected_at_ms = None
        if self.policy.max_attempts is not None and self.attempt >= self.policy.max_attempts:
            return None
        delay = backoff_delay_ms(self.policy, self.attempt, self.rng)
        self.attempt += 1
        return delay
