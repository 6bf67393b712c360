"""Backoff policy: exponential, capped, jittered, seeded; reset after a stable period."""

from __future__ import annotations

import pytest

from corp.venues.backoff import Backoff, backoff_schedule_ms
from corp.venues.config import BackoffConfig

POLICY = BackoffConfig(initial_ms=100.0, multiplier=2.0, max_ms=1_000.0, jitter_pct=20.0)


def test_delays_grow_exponentially_until_the_cap_within_jitter_bounds() -> None:
    delays = backoff_schedule_ms(POLICY, 8, seed=1)
    nominal = [100, 200, 400, 800, 1000, 1000, 1000, 1000]
    for delay, base in zip(delays, nominal, strict=True):
        assert base * 0.8 <= delay <= base * 1.2


def test_delay_never_exceeds_cap_plus_jitter_even_after_many_attempts() -> None:
    delays = backoff_schedule_ms(POLICY, 2000, seed=2)
    assert max(delays) <= 1_000.0 * 1.2


def test_same_seed_gives_same_schedule_and_other_seed_differs() -> None:
    assert backoff_schedule_ms(POLICY, 10, seed=5) == backoff_schedule_ms(POLICY, 10, seed=5)
    assert backoff_schedule_ms(POLICY, 10, seed=5) != backoff_schedule_ms(POLICY, 10, seed=6)


def test_jitter_spreads_clients_so_they_do_not_redial_together() -> None:
    firsts = {round(backoff_schedule_ms(POLICY, 1, seed=s)[0], 6) for s in range(50)}
    assert len(firsts) == 50


def test_zero_jitter_gives_exact_nominal_delays() -> None:
    policy = BackoffConfig(initial_ms=10.0, max_ms=40.0, jitter_pct=0.0)
    assert backoff_schedule_ms(policy, 4, seed=0) == [10.0, 20.0, 40.0, 40.0]


def test_stable_connection_resets_the_attempt_count() -> None:
    policy = BackoffConfig(
        initial_ms=10.0, max_ms=1000.0, jitter_pct=0.0, reset_after_stable_ms=500
    )
    backoff = Backoff(policy, seed=0)
    assert [backoff.next_delay_ms(0.0) for _ in range(3)] == [10.0, 20.0, 40.0]
    backoff.on_connected(1_000.0)
    backoff.on_healthy(1_600.0)
    assert backoff.next_delay_ms(1_600.0) == 10.0


def test_short_lived_connection_does_not_reset_the_attempt_count() -> None:
    policy = BackoffConfig(
        initial_ms=10.0, max_ms=1000.0, jitter_pct=0.0, reset_after_stable_ms=500
    )
    backoff = Backoff(policy, seed=0)
    backoff.next_delay_ms(0.0)
    backoff.on_connected(100.0)
    assert backoff.next_delay_ms(300.0) == 20.0


def test_gives_up_after_max_attempts() -> None:
    backoff = Backoff(BackoffConfig(initial_ms=1.0, max_ms=2.0, max_attempts=2), seed=0)
    assert backoff.next_delay_ms(0.0) is not None
    assert backoff.next_delay_ms(0.0) is not None
    assert backoff.next_delay_ms(0.0) is None


def test_cap_below_initial_is_rejected_naming_both_fields() -> None:
    with pytest.raises(ValueError, match=r"max_ms must be >= initial_ms"):
        BackoffConfig(initial_ms=100.0, max_ms=10.0)
