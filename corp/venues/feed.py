"""The market-data stream: one order book over ccxt.pro, kept fresh, or loudly marked stale.

ccxt.pro does not reconnect by itself (the next ``watch_*`` redials) and leaves reconnect policy,
staleness and re-sync to us. This feed owns them:

* reconnect with exponential backoff, jitter and a cap (:mod:`corp.venues.backoff`), reset after a
  stable period, one dial at a time (no reconnect storm), optional give-up after N attempts;
* two different clocks: *data idle* (no valid book for ``data_idle_timeout_ms``: stale,
  stop quoting, keep the socket) and *dead peer* (no frame at all, not even pong, for
  ``dead_peer_timeout_ms``, or no book that long after subscribing: close the socket, redial);
* a fresh snapshot after a reconnect, a sequence gap (ccxt's InvalidNonce) or a malformed book;
* malformed or NaN-bearing books are counted and rejected, never passed on, never fatal.

:meth:`MarketDataFeed.is_stale` is the signal the engine checks before quoting.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import ccxt

from corp.obs.metrics import VenueMetrics
from corp.venues.backoff import Backoff
from corp.venues.config import FeedConfig

__all__ = ["BookView", "FeedState", "MarketDataFeed", "validate_book"]

FeedState = Literal["connecting", "live", "resyncing", "backoff", "failed", "stopped"]
CHANNEL_BY_DEPTH = {1: "bbo-tbt", 5: "books5", 400: "books"}


@dataclass(frozen=True, slots=True)
class BookView:
    """A validated copy of the top of the book."""

    symbol: str
    bids: tuple[tuple[float, float], ...]
    asks: tuple[tuple[float, float], ...]
    seq: int | None
    venue_ts_ns: int
    received_ns: int

    @property
    def mid(self) -> float:
        return (self.bids[0][0] + self.asks[0][0]) / 2.0


def validate_book(book: Any, *, levels: int = 20) -> str | None:
    """Why this ccxt order book must be rejected (None if it is sound).

    Sound: bids and asks are lists of [price, size] with finite, positive numbers, each side
    sorted (bids descending, asks ascending) and best bid below best ask.
    """
    try:
        bids, asks = list(book["bids"][:levels]), list(book["asks"][:levels])
    except (KeyError, TypeError):
        return "shape"
    if not bids or not asks:
        return "empty_side"
    for side in (bids, asks):
        for level in side:
            if not isinstance(level, list | tuple) or len(level) < 2:
                return "shape"
            px, sz = level[0], level[1]
            if not isinstance(px, int | float) or not isinstance(sz, int | float):
                return "not_numeric"
            if not (math.isfinite(px) and math.isfinite(sz)):
                return "non_finite"
            if px <= 0 or sz <= 0:
                return "non_positive"
    if any(bids[i][0] <= bids[i + 1][0] for i in range(len(bids) - 1)) or any(
        asks[i][0] >= asks[i + 1][0] for i in range(len(asks) - 1)
    ):
        return "unsorted"
    if bids[0][0] >= asks[0][0]:
        return "crossed"
    return None


class MarketDataFeed:
    """Keeps one symbol's order book from a ccxt.pro exchange, with reconnect and staleness.

    The feed owns its exchange object (it closes its sockets to force a redial and closes it on
    :meth:`stop`): give each feed its own ``make_exchange(config, credentials, "pro")``.
    """

    def __init__(
        self,
        exchange: Any,
        symbol: str,
        config: FeedConfig,
        *,
        metrics: VenueMetrics | None = None,
        seed: int = 0,
        venue: str = "okx",
        on_book: Callable[[BookView], None] | None = None,
        clock_secs: Callable[[], float] = time.monotonic,
    ) -> None:
        self.exchange = exchange
        self.symbol = symbol
        self.config = config
        self.metrics = metrics or VenueMetrics()
        self.venue = venue
        self.stream = f"book:{symbol}"
        self.on_book = on_book
        self.clock_secs = clock_secs
        self.backoff = Backoff(config.backoff, seed=seed)
        self.state: FeedState = "connecting"
        self.book: BookView | None = None
        self.last_data_secs: float | None = None
        self.reconnects = 0
        self.resyncs = 0
        self.rejected = 0
        self.dead_peer_events = 0
        self.delays_ms: list[float] = []
        self.last_error: str | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._connected_secs: float | None = None
        self._phase_started_secs = clock_secs()
        listeners = getattr(exchange, "malformed_listeners", None)
        if listeners is not None:
            listeners.append(self._on_malformed_frame)

    # --- public --------------------------------------------------------------------------

    @property
    def channel(self) -> str:
        return CHANNEL_BY_DEPTH[self.config.book_depth]

    def is_stale(self) -> bool:
        """True unless the feed is live and delivered a valid book within the idle timeout."""
        if self.state != "live" or self.last_data_secs is None:
            return True
        idle_ms = (self.clock_secs() - self.last_data_secs) * 1000.0
        return idle_ms > self.config.data_idle_timeout_ms

    def start(self) -> None:
        """Run the feed in the background (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"feed:{self.symbol}")

    async def stop(self) -> None:
        """Stop the loop and close the exchange's sockets."""
        self._stop.set()
        for task in (self._task, self._watchdog):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._set_state("stopped")
        await self.exchange.close()

    async def run(self) -> None:
        """Connect, stream, and on failure back off and reconnect, until stopped or given up."""
        self._watchdog = asyncio.create_task(self._watch_health())
        while not self._stop.is_set():
            try:
                await self._stream()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every failure of a connection ends in a redial
                self.last_error = f"{type(exc).__name__}: {exc}"
                await self._drop_connection(exc)
            if self._stop.is_set():
                break
            delay_ms = self.backoff.next_delay_ms(self.clock_secs() * 1000.0)
            if delay_ms is None:
                self._set_state("failed")
                return
            self._set_state("backoff")
            self.delays_ms.append(delay_ms)
            self.metrics.feed_backoff_secs.labels(venue=self.venue, stream=self.stream).set(
                delay_ms / 1000.0
            )
            await asyncio.sleep(delay_ms / 1000.0)
            self.reconnects += 1
            self.metrics.feed_reconnects.labels(venue=self.venue, stream=self.stream).inc()
            self.metrics.feed_resyncs.labels(
                venue=self.venue, stream=self.stream, reason="reconnect"
            ).inc()

    # --- internals -----------------------------------------------------------------------

    def _on_malformed_frame(self, data: object, exc: BaseException) -> None:
        # a lost books frame shows up as a sequence gap on the next update, which re-syncs
        self._reject("unparseable", exc)

    def _set_state(self, state: FeedState) -> None:
        if state != self.state:
            self._phase_started_secs = self.clock_secs()
        self.state = state
        self.metrics.feed_stale.labels(venue=self.venue, stream=self.stream).set(
            1 if self.is_stale() else 0
        )

    async def _stream(self) -> None:
        self._set_state("connecting")
        if not self.exchange.markets:
            await self.exchange.load_markets()
        while not self._stop.is_set():
            try:
                raw = await self.exchange.watch_order_book(self.symbol, self.config.book_depth)
            except ccxt.InvalidNonce:
                self._resync("sequence_gap")
                continue
            except ccxt.NetworkError:
                raise
            except (ccxt.ExchangeError, ValueError, TypeError, KeyError) as exc:
                # an unparseable frame surfaces here; the socket may or may not survive it
                self._reject("unparseable", exc)
                self._resync("malformed")
                continue
            now = self.clock_secs()
            if self._connected_secs is None:
                self._connected_secs = now
                self.backoff.on_connected(now * 1000.0)
            reason = validate_book(raw)
            if reason is not None:
                self._reject(reason, None)
                self._resync("malformed")
                continue
            self._accept(raw, now)

    def _accept(self, raw: Any, now_secs: float) -> None:
        depth = 20
        view = BookView(
            symbol=self.symbol,
            bids=tuple((float(p), float(s)) for p, s, *_ in raw["bids"][:depth]),
            asks=tuple((float(p), float(s)) for p, s, *_ in raw["asks"][:depth]),
            seq=raw.get("nonce"),
            venue_ts_ns=int(raw.get("timestamp") or 0) * 1_000_000,
            received_ns=time.time_ns(),
        )
        self.book = view
        self.last_data_secs = now_secs
        self.backoff.on_healthy(now_secs * 1000.0)
        self._set_state("live")
        if self.on_book is not None:
            self.on_book(view)

    def _reject(self, reason: str, exc: BaseException | None) -> None:
        self.rejected += 1
        if exc is not None:
            self.last_error = f"{type(exc).__name__}: {exc}"
        self.metrics.feed_rejected.labels(venue=self.venue, stream=self.stream, reason=reason).inc()

    def _resync(self, reason: str) -> None:
        """Forget the local book and the subscription: the next watch re-subscribes and the
        venue answers with a fresh snapshot."""
        self.resyncs += 1
        self.metrics.feed_resyncs.labels(venue=self.venue, stream=self.stream, reason=reason).inc()
        self._set_state("resyncing")
        message_hash = f"{self.channel}:{self.symbol}"
        for client in list(self.exchange.clients.values()):
            client.subscriptions.pop(message_hash, None)
        self.exchange.orderbooks.pop(self.symbol, None)

    async def _drop_connection(self, exc: BaseException) -> None:
        self._connected_secs = None
        self._set_state("backoff")
        for client in list(self.exchange.clients.values()):
            if not client.closed():
                client.on_error(ccxt.NetworkError(f"feed dropped the connection: {exc}"))
        self.exchange.orderbooks.pop(self.symbol, None)

    def _last_frame_secs(self) -> float | None:
        """When any frame (data or pong) last arrived on the public socket, in our clock."""
        newest_ms = None
        for client in list(self.exchange.clients.values()):
            stamp = getattr(client, "last_message_at", None) or getattr(client, "lastPong", None)
            if stamp:
                newest_ms = stamp if newest_ms is None else max(newest_ms, stamp)
        if newest_ms is None:
            return None
        age_secs = max(0.0, time.time() - newest_ms / 1000.0)
        return self.clock_secs() - age_secs

    async def _watch_health(self) -> None:
        period = min(self.config.data_idle_timeout_ms, self.config.dead_peer_timeout_ms) / 4000.0
        while not self._stop.is_set():
            await asyncio.sleep(period)
            self._set_state(self.state)  # refresh the stale gauge
            now = self.clock_secs()
            limit_ms = self.config.dead_peer_timeout_ms
            if self.state in ("connecting", "resyncing"):
                waited_ms = (now - self._phase_started_secs) * 1000.0
                if waited_ms > limit_ms:
                    self._kill_sockets(f"no book {waited_ms:.0f} ms after (re)subscribing")
                continue
            if self.state != "live" or self._connected_secs is None:
                continue
            last = self._last_frame_secs()
            reference = self._connected_secs if last is None else max(last, self._connected_secs)
            silent_ms = (now - reference) * 1000.0
            if silent_ms > limit_ms:
                self._kill_sockets(f"dead peer: no frame for {silent_ms:.0f} ms")

    def _kill_sockets(self, why: str) -> None:
        """Fail every socket of the exchange: pending watches raise NetworkError → redial."""
        self.dead_peer_events += 1
        message = f"{why} > dead_peer_timeout_ms={self.config.dead_peer_timeout_ms}"
        self._phase_started_secs = self.clock_secs()
        for client in list(self.exchange.clients.values()):
            if not client.closed():
                client.on_error(ccxt.NetworkError(message))
