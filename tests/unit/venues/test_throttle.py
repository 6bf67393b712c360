"""Token bucket: a burst passes at once, then calls are spaced at the configured rate."""

from __future__ import annotations

import asyncio

import pytest

from corp.venues.throttle import TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_is_available_immediately_then_one_token_per_interval() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10.0, 3, clock_secs=clock)
    assert [bucket.try_take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.try_take() == pytest.approx(0.1)
    clock.now = 0.1
    assert bucket.try_take() == 0.0


def test_tokens_never_accumulate_beyond_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100.0, 2, clock_secs=clock)
    clock.now = 1000.0
    assert [bucket.try_take() == 0.0 for _ in range(3)] == [True, True, False]


def test_acquire_waits_for_the_refill_time() -> None:
    async def scenario() -> list[float]:
        bucket = TokenBucket(200.0, 1)
        return [await bucket.acquire() for _ in range(3)]

    waits = asyncio.run(scenario())
    assert waits[0] == 0.0
    assert all(w > 0.0 for w in waits[1:])


def test_non_positive_rate_is_rejected() -> None:
    with pytest.raises(ValueError, match="rate_per_sec must be > 0"):
        TokenBucket(0.0, 1)
