"""The market-data feed over ccxt.pro against okx_sim: reconnects, re-syncs, staleness, bad data."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator
from typing import Any

from prometheus_client import CollectorRegistry

from corp.obs.metrics import VenueMetrics
from corp.venues.config import BackoffConfig
from corp.venues.feed import MarketDataFeed
from corp.venues.okx import make_exchange
from corp.venues.okx_sim.server import RunningSim, SimConfig, running_sim
from tests.integration.venues.conftest import SPOT, admin, creds, until, venue_config

STREAM = {"venue": "okx", "stream": f"book:{SPOT}"}


@contextlib.asynccontextmanager
async def live_feed(
    step_ms: float = 20.0, **feed_overrides: Any
) -> AsyncIterator[tuple[RunningSim, MarketDataFeed]]:
    """A simulator whose background market steps every ``step_ms``, and a started, live feed."""
    async with running_sim(SimConfig(seed=3, step_ms=step_ms)) as sim:
        config = venue_config(sim)
        feed_config = config.feed.model_copy(update=feed_overrides)
        exchange = make_exchange(config, creds("feed"), "pro")
        feed = MarketDataFeed(
            exchange, SPOT, feed_config, metrics=VenueMetrics(CollectorRegistry()), seed=11
        )
        feed.start()
        try:
            await until(lambda: feed.state == "live", "feed live at start")
            yield sim, feed
        finally:
            await feed.stop()


def metric(feed: MarketDataFeed, name: str, **labels: str) -> float:
    value = feed.metrics.registry.get_sample_value(name, {**STREAM, **labels})
    return 0.0 if value is None else value


def test_live_feed_delivers_a_sound_book_and_is_not_stale() -> None:
    async def scenario():
        async with live_feed() as (_, feed):
            return feed.book, feed.is_stale()

    book, stale = asyncio.run(scenario())
    assert book.bids[0][0] < book.asks[0][0]
    assert stale is False


def test_dropped_connections_are_redialed_with_growing_jittered_capped_delays() -> None:
    growing = BackoffConfig(initial_ms=10.0, multiplier=4.0, max_ms=160.0, jitter_pct=25.0)

    async def scenario():
        async with live_feed(backoff=growing) as (sim, feed):
            for n in range(1, 5):
                await admin(sim, "/ws/drop")
                await until(
                    lambda n=n: feed.reconnects >= n and feed.state == "live", f"reconnect {n}"
                )
            hub = sim.state.hub
            gaps_ms = [
                (accepted - dropped) * 1000.0
                for dropped, accepted in zip(
                    hub.dropped_secs, list(hub.accepted_secs)[1:], strict=True
                )
            ]
            return feed.delays_ms, gaps_ms, feed.book, metric(feed, "corp_feed_reconnects_total")

    delays, gaps_ms, book, reconnects = asyncio.run(scenario())
    # the policy: 10 ms x4 per failure, capped at 160 ms, +-25 % jitter
    assert len(delays) == len(gaps_ms) == 4  # one redial per drop: no storm
    for delay, nominal in zip(delays, [10.0, 40.0, 160.0, 160.0], strict=True):
        assert nominal * 0.75 <= delay <= nominal * 1.25
    assert delays[2] != delays[3]  # capped, yet jittered
    # what the venue saw: each redial came no sooner than the delay the feed chose ...
    assert all(gap >= delay for gap, delay in zip(gaps_ms, delays, strict=True))
    # ... so the observed gaps grow: the third waited >= 120 ms, the first chose <= 12.5 ms
    assert gaps_ms[2] > gaps_ms[0]
    assert reconnects == 4.0
    assert book.bids[0][0] < book.asks[0][0]


def test_after_a_drop_the_book_is_rebuilt_and_tracks_the_venue_again() -> None:
    async def scenario():
        async with live_feed(step_ms=0) as (sim, feed):  # the book moves only when we step it
            await admin(sim, "/ws/drop")
            await admin(sim, "/price", {"move_pct": 1.0, "over_secs": 0.0})  # moves while down
            await until(lambda: feed.reconnects == 1 and feed.state == "live", "reconnected")

            def top(side: str) -> float:
                return float(sim.state.exchange.snapshot("BTC-USDT", 1)[side][0][0])

            await until(
                lambda: feed.book.bids[0][0] == top("bids") and feed.book.asks[0][0] == top("asks"),
                "feed top of book equals the venue's",
            )
            return feed.book

    book = asyncio.run(scenario())
    assert book.mid > 30_000.0 * 1.009  # the move made while disconnected is in the new book


def test_sequence_gap_triggers_a_fresh_snapshot_without_reconnecting() -> None:
    async def scenario():
        async with live_feed(step_ms=0) as (sim, feed):  # the book moves only when we step it
            hub = sim.state.hub
            snapshots_before, connections_before = hub.book_snapshots, len(hub.accepted_secs)
            await admin(sim, "/fault", {"gap": {"instId": "BTC-USDT", "skip": 5}})
            await admin(sim, "/price", {"move_pct": 0.5, "over_secs": 0.0})  # the gapped update
            await until(lambda: feed.resyncs >= 1 and feed.state == "live", "resync after gap")

            def top(side: str) -> float:
                return float(sim.state.exchange.snapshot("BTC-USDT", 1)[side][0][0])

            await until(
                lambda: feed.book.bids[0][0] == top("bids") and feed.book.asks[0][0] == top("asks"),
                "feed top of book equals the venue's",
            )
            return (
                feed,
                metric(feed, "corp_feed_resyncs_total", reason="sequence_gap"),
                hub.book_snapshots - snapshots_before,
                len(hub.accepted_secs) - connections_before,
            )

    feed, gap_resyncs, new_snapshots, new_connections = asyncio.run(scenario())
    assert gap_resyncs >= 1.0
    assert new_snapshots >= 1  # the venue was asked for, and sent, a fresh snapshot ...
    assert new_connections == 0  # ... on the same socket
    assert feed.reconnects == 0
    assert feed.book.mid > 30_000.0 * 1.004  # the book after the gap is the moved one


def test_nan_bearing_update_is_rejected_counted_and_the_book_resynced() -> None:
    async def scenario():
        async with live_feed() as (sim, feed):
            seen: list[Any] = []
            feed.on_book = seen.append
            await admin(sim, "/fault", {"malformed": {"count": 1, "kind": "nan"}})
            await until(lambda: feed.rejected >= 1, "rejection")
            await until(lambda: feed.state == "live", "live again")
            return (
                feed,
                seen,
                metric(feed, "corp_feed_messages_rejected_total", reason="non_finite"),
            )

    feed, seen, rejected = asyncio.run(scenario())
    assert rejected == 1.0
    levels = [x for b in seen for side in (b.bids, b.asks) for level in side for x in level]
    assert all(math.isfinite(x) for x in levels)  # no NaN ever reached the engine
    assert feed.reconnects == 0


def test_unparseable_frame_is_counted_and_the_connection_survives() -> None:
    async def scenario():
        async with live_feed() as (sim, feed):
            await admin(sim, "/fault", {"malformed": {"count": 1, "kind": "garbage"}})
            await until(lambda: feed.rejected >= 1, "rejection")
            await until(lambda: feed.state == "live" and feed.resyncs >= 1, "resynced")
            return feed, metric(feed, "corp_feed_messages_rejected_total", reason="unparseable")

    feed, rejected = asyncio.run(scenario())
    assert rejected == 1.0
    assert feed.reconnects == 0


def test_paused_data_makes_the_feed_stale_but_keeps_the_live_socket() -> None:
    async def scenario():
        async with live_feed() as (sim, feed):
            await admin(sim, "/fault", {"ws": {"paused": True}})
            await until(feed.is_stale, "stale while paused")
            stale_gauge_seen = False
            for _ in range(40):
                await asyncio.sleep(0.01)
                stale_gauge_seen |= metric(feed, "corp_feed_stale") == 1.0
            reconnects_while_paused = feed.reconnects
            await admin(sim, "/fault", method="DELETE")
            await until(lambda: not feed.is_stale(), "fresh after resume")
            return reconnects_while_paused, stale_gauge_seen

    reconnects, stale_gauge_seen = asyncio.run(scenario())
    assert reconnects == 0  # idle data is not a dead peer: pongs still arrive
    assert stale_gauge_seen


def test_silent_peer_is_declared_dead_and_redialed() -> None:
    async def scenario():
        async with live_feed() as (sim, feed):
            await admin(sim, "/fault", {"ws": {"blackhole": True}})
            await until(lambda: feed.reconnects >= 1, "redial after dead peer", timeout_secs=5.0)
            stale_during = feed.is_stale()
            await admin(sim, "/fault", method="DELETE")
            await until(lambda: feed.state == "live" and not feed.is_stale(), "live again")
            return stale_during, feed

    stale_during, feed = asyncio.run(scenario())
    assert stale_during is True
    assert feed.reconnects >= 1


def test_feed_declares_a_silent_peer_dead_itself_long_before_ccxt_keepalive_would() -> None:
    async def scenario():
        # ccxt's own ping-pong check would fire only after 2 x 5 s; the feed's watchdog at 0.5 s
        async with live_feed(keepalive_ms=5_000.0, dead_peer_timeout_ms=500.0) as (sim, feed):
            await admin(sim, "/fault", {"ws": {"blackhole": True}})
            await until(lambda: feed.dead_peer_events >= 1, "feed watchdog fires", 3.0)
            await until(lambda: feed.reconnects >= 1, "redial after dead peer", 3.0)
            await admin(sim, "/fault", method="DELETE")
            await until(lambda: feed.state == "live" and not feed.is_stale(), "live again")
            return feed.last_error

    last_error = asyncio.run(scenario())
    assert "dead_peer_timeout_ms=500.0" in last_error


def test_feed_gives_up_after_max_attempts_when_the_venue_is_gone() -> None:
    async def scenario():
        gone = BackoffConfig(initial_ms=5.0, max_ms=10.0, max_attempts=2)
        async with running_sim(SimConfig(seed=3, step_ms=20)) as sim:
            config = venue_config(sim)
            exchange = make_exchange(config, creds("feed"), "pro")
            feed = MarketDataFeed(exchange, SPOT, config.feed.model_copy(update={"backoff": gone}))
            feed.start()
            await until(lambda: feed.state == "live", "live")
        # the simulator is shut down: every redial is refused
        try:
            await until(lambda: feed.state == "failed", "gave up", timeout_secs=10.0)
            return feed.state, feed.is_stale(), len(feed.delays_ms)
        finally:
            await feed.stop()

    state, stale, attempts = asyncio.run(scenario())
    assert state == "failed"
    assert stale is True
    assert attempts == 2


def test_reconnects_of_many_feeds_are_spread_not_synchronized() -> None:
    async def scenario():
        async with running_sim(SimConfig(seed=3, step_ms=20)) as sim:
            config = venue_config(sim)
            feeds = [
                MarketDataFeed(
                    make_exchange(config, creds("feed"), "pro"), SPOT, config.feed, seed=s
                )
                for s in range(5)
            ]
            for feed in feeds:
                feed.start()
            try:
                await until(lambda: all(f.state == "live" for f in feeds), "all live")
                await admin(sim, "/ws/drop")
                await until(lambda: all(f.reconnects >= 1 for f in feeds), "all redialed")
                return [f.delays_ms[0] for f in feeds]
            finally:
                for feed in feeds:
                    await feed.stop()

    first_delays = asyncio.run(scenario())
    assert len({round(d, 3) for d in first_delays}) == 5


def test_top_of_book_channels_books5_and_bbo_tbt_feed_a_sound_book() -> None:
    async def scenario(depth: int):
        async with live_feed(book_depth=depth) as (_, feed):
            await until(lambda: len(feed.book.bids) == depth, f"{depth} bid levels")
            return feed.channel, feed.book

    for depth, channel in ((5, "books5"), (1, "bbo-tbt")):
        got_channel, book = asyncio.run(scenario(depth))
        assert got_channel == channel
        assert len(book.bids) == depth
        assert book.bids[0][0] < book.asks[0][0]
