"""The synthetic generator: deterministic from a seed, trades at the given times, a sane book."""

from __future__ import annotations

import numpy as np
import pytest

from corp.backtest.validate import validate_events
from corp.market.synthetic import SyntheticMarket, compose_stream, generate_stream, poisson_arrivals
from corp.market.types import EV_DEPTH, EV_TRADE, SIDE_BID, SIDE_BUY


def test_same_seed_gives_the_same_stream_and_another_seed_does_not() -> None:
    a = compose_stream(duration_secs=30, seed=7)
    b = compose_stream(duration_secs=30, seed=7)
    c = compose_stream(duration_secs=30, seed=8)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


def test_trades_happen_exactly_at_the_given_arrival_times() -> None:
    market = SyntheticMarket()
    buys = np.array([1.0, 2.5])
    sells = np.array([0.5])
    ev = generate_stream(
        buys, sells, duration_secs=3.0, rng=np.random.default_rng(1), market=market
    )
    trades = ev[ev["kind"] == EV_TRADE]
    secs = (trades["exch_ts_ns"] - market.start_ns) / 1e9
    np.testing.assert_allclose(secs, [0.5, 1.0, 2.5])
    assert list(trades["side"]) == [-1, 1, 1]


def test_stream_passes_validation_and_local_time_trails_exchange_time() -> None:
    ev = compose_stream(duration_secs=60, seed=3)
    validate_events(ev)
    assert (ev["local_ts_ns"] - ev["exch_ts_ns"] >= SyntheticMarket().feed_latency_ns).all()


def test_replayed_book_never_crosses_and_trades_hit_the_touch() -> None:
    ev = compose_stream(duration_secs=30, seed=5)
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    for row in ev:
        if row["kind"] == EV_DEPTH:
            book = bids if row["side"] == SIDE_BID else asks
            book[round(float(row["price"]), 2)] = float(row["qty"])
        best_bid = max(p for p, q in bids.items() if q > 0)
        best_ask = min(p for p, q in asks.items() if q > 0) if any(asks.values()) else None
        if best_ask is not None:
            assert best_bid < best_ask
        if row["kind"] == EV_TRADE:
            touch = best_ask if row["side"] == SIDE_BUY else best_bid
            assert round(float(row["price"]), 2) == touch


def test_poisson_arrivals_have_the_requested_rate() -> None:
    times = poisson_arrivals(5.0, 2_000.0, np.random.default_rng(0))
    assert times.size / 2_000.0 == pytest.approx(5.0, rel=0.05)
    assert np.all(np.diff(times) >= 0)


def test_arrival_times_must_be_finite_and_non_negative() -> None:
    with pytest.raises(
        ValueError, match="buy_secs must be a 1-D array of finite non-negative seconds"
    ):
        generate_stream(
            np.array([-1.0]), np.array([]), duration_secs=1.0, rng=np.random.default_rng(0)
        )
