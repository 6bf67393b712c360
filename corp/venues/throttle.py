"""A token bucket that spaces REST calls so the venue never has to answer 50011/429."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["TokenBucket"]


class TokenBucket:
    """``rate_per_sec`` tokens per second up to ``burst``; :meth:`acquire` waits for one.

    Waiters are served in arrival order (an asyncio.Lock is FIFO), so a burst of order
    submissions cannot starve a cancel that arrived first.
    """

    def __init__(
        self,
        rate_per_sec: float,
        burst: int,
        *,
        clock_secs: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_sec <= 0:
            raise ValueError(f"rate_per_sec must be > 0, was {rate_per_sec}")
        if burst < 1:
            raise ValueError(f"burst must be >= 1, was {burst}")
        self.rate_per_sec = rate_per_sec
        self.burst = burst
        self.clock_secs = clock_secs
        self.tokens = float(burst)
        self.updated_secs = clock_secs()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock_secs()
        self.tokens = min(self.burst, self.tokens + (now - self.updated_secs) * self.rate_per_sec)
        self.updated_secs = now

    def try_take(self) -> float:
        """Take a token if one is there (returns 0) or return the seconds until one will be."""
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate_per_sec

    async def acquire(self) -> float:
        """Wait for a token; returns the seconds waited."""
        waited = 0.0
        async with self._lock:
            while (wait := self.try_take()) > 0:
                await asyncio.sleep(wait)
                waited += wait
        return waited
