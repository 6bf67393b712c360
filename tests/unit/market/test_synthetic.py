"""The synthetic generator: deterministic from a seed, sweeps at the given times, a sane book."""

from __future__ import annotations

import numpy as np
import pytest

from corp.backtest.validate import validate_events
from corp.market.synthetic import SyntheticMarket, compose_stream, generate_stream, poisson_arrivals
from corp.market.types import EV_DEPTH, EV_TRADE, SIDE_BID, SIDE_BUY, SIDE_SELL
from corp.quant.fill_intensity import fit_fill_intensity_from_distances


def _sweep_starts(trades: np.ndarray) -> np.ndarray:
    """Index of each sweep's first print: a sweep is consecutive prints with one time and side."""
    new = np.ones(trades.size, dtype=bool)
    new[1:] = (trades["exch_ts_ns"][1:] != trades["exch_ts_ns"][:-1]) | (
        trades["side"][1:] != trades["side"][:-1]
    )
    return np.flatnonzero(new)


def test_same_seed_gives_the_same_stream_and_another_seed_does_not() -> None:
    a = compose_stream(duration_secs=30, seed=7)
    b = compose_stream(duration_secs=30, seed=7)
    c = compose_stream(duration_secs=30, seed=8)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


def test_every_sweep_prints_exactly_at_its_given_arrival_time() -> None:
    market = SyntheticMarket()
    buys = np.array([1.0, 2.5])
    sells = np.array([0.5])
    ev = generate_stream(
        buys, sells, duration_secs=3.0, rng=np.random.default_rng(1), market=market
    )
    trades = ev[ev["kind"] == EV_TRADE]
    starts = _sweep_starts(trades)
    secs = (trades["exch_ts_ns"][starts] - market.start_ns) / 1e9
    np.testing.assert_allclose(secs, [0.5, 1.0, 2.5])
    assert list(trades["side"][starts]) == [-1, 1, 1]


def test_stream_passes_validation_and_local_time_trails_exchange_time() -> None:
    ev = compose_stream(duration_secs=60, seed=3)
    validate_events(ev)
    assert (ev["local_ts_ns"] - ev["exch_ts_ns"] >= SyntheticMarket().feed_latency_ns).all()


def test_replayed_book_never_crosses_and_a_sweep_walks_out_from_the_touch() -> None:
    market = SyntheticMarket()
    gap_quote = market.level_gap_ticks * market.tick_size
    ev = compose_stream(duration_secs=30, seed=5, market=market)
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    expected: float | None = None
    deep_prints = 0
    for row in ev:
        if row["kind"] == EV_DEPTH:
            book = bids if row["side"] == SIDE_BID else asks
            book[round(float(row["price"]), 2)] = float(row["qty"])
        best_bid = max(p for p, q in bids.items() if q > 0)
        best_ask = min(p for p, q in asks.items() if q > 0) if any(asks.values()) else None
        if best_ask is not None:
            assert best_bid < best_ask
        if row["kind"] != EV_TRADE:
            expected = None
            continue
        price = round(float(row["price"]), 2)
        if expected is None:  # the first print of a sweep takes the touch
            assert price == (best_ask if row["side"] == SIDE_BUY else best_bid)
        else:  # each further print is one level further from the mid
            assert price == pytest.approx(expected)
            deep_prints += 1
        expected = price + (gap_quote if row["side"] == SIDE_BUY else -gap_quote)
    assert deep_prints > 0


def test_the_fitted_fill_intensity_recovers_the_configured_reach() -> None:
    """Fit A exp(-k delta) to the distance of each sweep's deepest print from the mid: k is
    1 / trade_reach_quote and A the side's arrival rate times exp(k gap / 2) (the touch is half a
    gap from the mid)."""
    market = SyntheticMarket(level_gap_ticks=2, trade_reach_quote=0.05, n_levels=30)
    rate_per_side, duration_secs = 2.0, 3_600.0
    ev = compose_stream(
        duration_secs=duration_secs, seed=3, market=market, trade_rate_per_sec=rate_per_side
    )
    trades = ev[ev["kind"] == EV_TRADE]
    starts = _sweep_starts(trades)
    ends = np.append(starts[1:], trades.size) - 1
    gap_quote = market.level_gap_ticks * market.tick_size
    side = trades["side"][starts]
    mid = trades["price"][starts] - side * gap_quote / 2
    distance = np.abs(trades["price"][ends] - mid)
    grid = (np.arange(12) + 0.5) * gap_quote
    k_true = 1.0 / market.trade_reach_quote
    a_true = rate_per_side * np.exp(k_true * gap_quote / 2)
    for aggressor in (SIDE_BUY, SIDE_SELL):
        fit = fit_fill_intensity_from_distances(distance[side == aggressor], duration_secs, grid)
        assert fit.ok, fit.reason
        assert fit.k == pytest.approx(k_true, rel=0.1)
        assert fit.A / a_true == pytest.approx(1.0, rel=0.1)


def test_a_wider_reach_setting_makes_sweeps_go_deeper() -> None:
    def mean_prints(reach_quote: float) -> float:
        market = SyntheticMarket(trade_reach_quote=reach_quote)
        trades = compose_stream(duration_secs=600, seed=9, market=market)
        trades = trades[trades["kind"] == EV_TRADE]
        return trades.size / _sweep_starts(trades).size

    assert mean_prints(0.05) > 1.3 * mean_prints(0.02)


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
