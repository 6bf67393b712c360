"""The Venue implementation for OKX over ccxt (REST via async_support, streams via ccxt.pro).

One code path for every mode: okx_demo_sim points both ``urls.api`` and ``urls.test`` at the local
simulator and turns sandbox mode on; okx_demo_api is sandbox mode against OKX's demo hosts;
okx_live uses ccxt's defaults. Keys come from :class:`OkxCredentials` (environment only).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar

import ccxt
import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro
import numpy as np

from corp.errors import DataError, TransientVenueError
from corp.obs.metrics import VenueMetrics
from corp.venues.backoff import backoff_delay_ms
from corp.venues.base import (
    BalanceRow,
    Fill,
    OrderAck,
    OrderRequest,
    OrderSnapshot,
    OrderStatus,
    PositionRow,
    Reconciliation,
    validate_client_order_id,
)
from corp.venues.classify import (
    CancelNotConfirmed,
    EnvelopeGuard,
    SubmitNotConfirmed,
    TransientCallError,
    to_venue_error,
)
from corp.venues.config import OkxCredentials, VenueConfig
from corp.venues.paging import PagedListing, walk_all
from corp.venues.throttle import TokenBucket

__all__ = ["OkxVenue", "ccxt_config", "make_exchange"]

T = TypeVar("T")
POST_ONLY_CANCEL_SOURCE = "31"
COUNTED_KEYS_MAX = 10_000
LIVE = ("open", "partially_filled")
OPEN_ORDERS_PAGE = 100
"""OKX orders-pending answers at most 100 rows per request (its ``limit`` maximum)."""
OPEN_ORDERS_MAX_PAGES = 200
"""A listing that needs more pages than this (20,000 open orders) is refused, not truncated."""
FILLS_PAGE = 100
"""OKX fills-history answers at most 100 rows per request (its ``limit`` maximum)."""
FILLS_MAX_PAGES = 200
"""A fill history that needs more pages than this (20,000 fills) is refused, not truncated."""


class RecentKeys:
    """The newest ``cap`` keys seen, oldest forgotten first: "count each order once" for metrics
    without a set that grows with every order of a long run. An order seen again after 10,000
    newer ones could be counted twice; by then it is no longer being reconciled."""

    def __init__(self, cap: int = COUNTED_KEYS_MAX) -> None:
        self.cap = cap
        self._keys: dict[str, None] = {}

    def add(self, key: str) -> bool:
        """Remember ``key``; True if it was not already remembered."""
        if key in self._keys:
            return False
        self._keys[key] = None
        if len(self._keys) > self.cap:
            del self._keys[next(iter(self._keys))]
        return True

    def __len__(self) -> int:
        return len(self._keys)


class CorpOkx(EnvelopeGuard, ccxt_async.okx):  # type: ignore[misc]
    """ccxt's async okx with the envelope check."""


class CorpOkxPro(EnvelopeGuard, ccxt_pro.okx):  # type: ignore[misc]
    """ccxt.pro's okx with the envelope check and a guard against unparseable frames.

    Stock ccxt decodes each frame inside its receive loop; one frame that is not JSON raises there
    and silently ends the loop (the socket then dies by keepalive). Here the frame is counted,
    reported to ``malformed_listeners`` and dropped, and the socket keeps going.
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config or {})
        self.malformed_frames = 0
        self.malformed_listeners: list[Callable[[object, BaseException], None]] = []

    def client(self, url: str) -> Any:
        client = super().client(url)
        if not getattr(client, "_corp_guarded", False):
            client.handle_text_or_binary_message = self._guarded(
                client.handle_text_or_binary_message
            )
            client._corp_guarded = True
        return client

    def _guarded(self, handle: Callable[[object], None]) -> Callable[[object], None]:
        def guarded(data: object) -> None:
            try:
                handle(data)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
                self.malformed_frames += 1
                for listener in self.malformed_listeners:
                    listener(data, exc)

        return guarded


class CorpOkxSync(EnvelopeGuard, ccxt.okx):  # type: ignore[misc]
    """ccxt's sync okx with the envelope check (scripts, benchmarks)."""


def ccxt_config(config: VenueConfig, credentials: OkxCredentials) -> dict[str, Any]:
    """The constructor dict for any ccxt okx class, per the reference's observed facts."""
    cfg: dict[str, Any] = {
        "apiKey": credentials.api_key.get_secret_value(),
        "secret": credentials.secret.get_secret_value(),
        "password": credentials.passphrase.get_secret_value(),
        "has": {"fetchCurrencies": False},
        "options": {
            "fetchMarkets": {"types": ["spot", "swap"]},
            "defaultType": "swap",
            "ws": {"keepAlive": int(config.feed.keepalive_ms)},
        },
        "timeout": config.timeout_ms,
        "enableRateLimit": False,  # our TokenBucket throttles; ccxt's only works if set here
    }
    if config.rest_url or config.ws_url:
        urls: dict[str, str] = {}
        if config.rest_url:
            urls["rest"] = config.rest_url
        if config.ws_url:
            urls["ws"] = config.ws_url
        # sandbox mode copies urls.test over urls.api: override both or lose the simulator
        cfg["urls"] = {"api": dict(urls), "test": dict(urls)}
    return cfg


def make_exchange(
    config: VenueConfig,
    credentials: OkxCredentials,
    kind: Literal["async", "pro", "sync"] = "async",
) -> Any:
    """A configured ccxt okx client (sandbox mode for both demo modes)."""
    cls = {"async": CorpOkx, "pro": CorpOkxPro, "sync": CorpOkxSync}[kind]
    exchange = cls(ccxt_config(config, credentials))
    if config.mode in ("okx_demo_sim", "okx_demo_api"):
        exchange.set_sandbox_mode(True)
    return exchange


def _now_ns() -> int:
    return time.time_ns()


class OkxVenue:
    """:class:`corp.venues.base.Venue` for OKX through ccxt."""

    name = "okx"

    def __init__(
        self,
        config: VenueConfig,
        credentials: OkxCredentials,
        *,
        metrics: VenueMetrics | None = None,
        seed: int = 0,
        exchange: Any | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics or VenueMetrics()
        self.exchange = exchange if exchange is not None else make_exchange(config, credentials)
        self.throttle = TokenBucket(config.throttle.rate_per_sec, config.throttle.burst)
        self.rng = np.random.default_rng(seed)
        self._counted_rejects = RecentKeys()
        self._counted_partials = RecentKeys()

    def __repr__(self) -> str:  # never let the ccxt object (which holds keys) into a repr
        return f"OkxVenue(mode={self.config.mode!r}, rest_url={self.config.rest_url!r})"

    # --- plumbing ------------------------------------------------------------------------

    async def _call(self, op: str, fn: Callable[[], Awaitable[T]]) -> T:
        """One throttled, timed call; failures become Transient/FatalVenueError with metrics."""
        waited = await self.throttle.acquire()
        if waited:
            self.metrics.throttle_waits.labels(venue=self.name).inc(waited)
        start = time.perf_counter()
        try:
            return await fn()
        except ccxt.BaseError as exc:
            raise self._failed(op, exc) from exc
        except (TimeoutError, OSError) as exc:
            raise self._failed(op, exc) from exc
        finally:
            self.metrics.api_latency.labels(venue=self.name, op=op).observe(
                time.perf_counter() - start
            )

    def _failed(self, op: str, exc: BaseException) -> Exception:
        err = to_venue_error(exc, venue=self.name, op=op)
        kind = getattr(err, "kind", "exchange")
        self.metrics.api_errors.labels(venue=self.name, op=op, kind=kind).inc()
        if kind == "rate_limit":
            self.metrics.rate_limits.labels(venue=self.name, op=op).inc()
        return err

    async def _sleep_backoff(self, attempt: int) -> None:
        await asyncio.sleep(backoff_delay_ms(self.config.backoff, attempt, self.rng) / 1000.0)

    async def _read(self, op: str, fn: Callable[[], Awaitable[T]]) -> T:
        """A read: safe to repeat, so transient failures are retried with backoff."""
        attempts = self.config.order_attempts
        for attempt in range(attempts):
            try:
                return await self._call(op, fn)
            except TransientVenueError:
                if attempt == attempts - 1:
                    raise
                await self._sleep_backoff(attempt)
        raise AssertionError("unreachable: the loop returns or raises")

    def _market(self, symbol: str) -> dict[str, Any]:
        try:
            return self.exchange.market(symbol)
        except ccxt.BaseError as exc:
            raise DataError(f"symbol must be a loaded market, was {symbol!r}") from exc

    def _to_amount(self, symbol: str, size_base: float) -> float:
        """Base units → the venue's amount (contracts for swaps), refusing partial contracts."""
        market = self._market(symbol)
        contract = market.get("contractSize") if market.get("contract") else None
        if not contract:
            return size_base
        contracts = size_base / float(contract)
        if abs(contracts - round(contracts)) > 1e-9 or round(contracts) < 1:
            raise DataError(
                f"size_base must be a positive multiple of contractSize={contract} for {symbol}, "
                f"was {size_base}"
            )
        return float(round(contracts))

    def _to_base(self, symbol: str, amount: float | None) -> float:
        if amount is None:
            return 0.0
        market = self._market(symbol)
        contract = market.get("contractSize") if market.get("contract") else None
        return float(amount) * float(contract) if contract else float(amount)

    # --- Venue ---------------------------------------------------------------------------

    async def load(self) -> None:
        await self._read("load_markets", self.exchange.load_markets)

    async def submit(self, request: OrderRequest) -> OrderAck:
        cid = validate_client_order_id(request.client_order_id)
        if not (
            math.isfinite(request.price)
            and math.isfinite(request.size_base)
            and request.price > 0
            and request.size_base > 0
        ):
            raise DataError(
                f"price and size_base must be finite and > 0, was price={request.price} "
                f"size_base={request.size_base} <client_order_id={cid}>"
            )
        amount = self._to_amount(request.symbol, request.size_base)
        params = {"clientOrderId": cid, "postOnly": request.post_only}
        attempts = self.config.order_attempts
        last: TransientVenueError | None = None
        maybe_landed = False  # an earlier attempt may have reached the venue
        seen_absent = False
        for attempt in range(attempts):
            if attempt:
                await self._sleep_backoff(attempt - 1)  # also gives a slow original time to land
            if maybe_landed:
                # Never re-sent: a look-up that finds nothing cannot tell "lost" from "still in
                # flight", and OKX refuses a client id only while its order is pending, so a
                # re-send could fill and close before the original lands as a second order.
                answered, existing = await self._state_after_ambiguity(request.symbol, cid)
                if answered and existing is not None:
                    return OrderAck(cid, existing.venue_order_id, request.symbol, duplicate=True)
                seen_absent = seen_absent or answered
                continue
            if attempt:
                self.metrics.order_retries.labels(venue=self.name).inc()
            try:
                raw = await self._call(
                    "create_order",
                    lambda: self.exchange.create_order(
                        request.symbol, "limit", request.side, amount, request.price, params
                    ),
                )
                return OrderAck(cid, str(raw.get("id") or ""), request.symbol)
            except TransientCallError as exc:
                last = exc
                maybe_landed = exc.ambiguous
            except Exception as exc:
                if getattr(exc, "kind", None) == "duplicate_client_id":
                    existing = await self.order(request.symbol, cid)
                    if existing is not None:
                        return OrderAck(
                            cid, existing.venue_order_id, request.symbol, duplicate=True
                        )
                if getattr(exc, "kind", None) in ("invalid_order", "insufficient_funds"):
                    reason = str(getattr(exc, "kind", "unknown"))
                    self.metrics.order_rejects.labels(venue=self.name, reason=reason).inc()
                raise
        assert last is not None
        if maybe_landed:
            seen = "not seen at the venue yet" if seen_absent else "its state could not be read"
            raise SubmitNotConfirmed(
                f"{self.name} submit not confirmed: the request may have reached the venue and "
                f"{seen}; not re-sent, reconcile before sending again "
                f"<client_order_id={cid}>: {last}",
                kind=last.kind,
                ambiguous=True,
            ) from last
        raise TransientCallError(
            f"{self.name} submit gave up after {attempts} attempts <client_order_id={cid}>: {last}",
            kind=last.kind,
            ambiguous=last.ambiguous,
        ) from last

    async def cancel(self, symbol: str, client_order_id: str) -> bool:
        """Cancel by client id: True once the order is known cancelled, False when it was not
        open (filled, cancelled before, or never seen); :class:`CancelNotConfirmed` otherwise.

        A cancel that times out (or meets a reset or 5xx) may or may not have reached the venue,
        so the order is looked up before anything is concluded: cancelled -> True, filled ->
        False, still live -> cancel again (cancelling is idempotent at the venue: a late
        duplicate answers 51400). A 51400 after such an ambiguous attempt is also looked up,
        since it may be this very cancel, landed late. Out of attempts, the error carries the
        last state seen (live, or None = unknown); it never returns True for a live order.
        """
        cid = validate_client_order_id(client_order_id)
        attempts = self.config.order_attempts
        maybe_landed = False  # an earlier attempt may have reached the venue
        last: TransientCallError | None = None
        known: OrderSnapshot | None = None  # the latest state seen (None: unknown)
        for attempt in range(attempts):
            if attempt:
                await self._sleep_backoff(attempt - 1)
            try:
                await self._call(
                    "cancel_order",
                    lambda: self.exchange.cancel_order(None, symbol, {"clientOrderId": cid}),
                )
                return True
            except TransientCallError as exc:
                last = exc
                if not exc.ambiguous:
                    continue  # refused before it was processed (rate limit): just try again
                maybe_landed = True
                answered, known = await self._state_after_ambiguity(symbol, cid)
                if answered and (known is None or known.status not in LIVE):
                    return known is not None and known.status == "canceled"
                # live (the cancel was lost, or is still on its way) or unknown: cancel again
            except Exception as exc:
                if getattr(exc, "kind", None) != "not_found":
                    raise
                if not maybe_landed:
                    return False
                # not open any more: cancelled by an earlier attempt that landed, or filled
                answered, known = await self._state_after_ambiguity(symbol, cid)
                if not answered or known is None or known.status not in LIVE:
                    return known is not None and known.status == "canceled"
        assert last is not None
        state = f"still {known.status}" if known is not None else "state unknown"
        raise CancelNotConfirmed(
            f"{self.name} cancel not confirmed after {attempts} attempts, order {state} "
            f"<client_order_id={cid}>: {last}",
            kind=last.kind,
            ambiguous=last.ambiguous,
            order=known,
        ) from last

    async def _state_after_ambiguity(
        self, symbol: str, cid: str
    ) -> tuple[bool, OrderSnapshot | None]:
        """(answered, state) of an order after an ambiguous failure; answered is False when
        the lookup itself failed (the state is then unknown, never assumed)."""
        try:
            return True, await self.order(symbol, cid)
        except TransientVenueError:
            return False, None

    async def order(self, symbol: str, client_order_id: str) -> OrderSnapshot | None:
        cid = validate_client_order_id(client_order_id)
        try:
            raw = await self._read(
                "fetch_order",
                lambda: self.exchange.fetch_order(None, symbol, {"clientOrderId": cid}),
            )
        except Exception as exc:
            if getattr(exc, "kind", None) == "not_found":
                return None
            raise
        return self._snapshot(raw)

    async def open_orders(self, symbol: str) -> list[OrderSnapshot]:
        """Every open order, oldest first, however many pages OKX needs to list them.

        orders-pending pages by ordId (ccxt passes ``after`` through; its own ``paginate`` option
        sends a time ``until`` orders-pending ignores, and stops at 10 calls); the walk, with its
        catch-up for orders placed meanwhile, is `corp.venues.paging.walk_all`.
        """
        found = await walk_all(
            PagedListing(
                what=f"open orders of {symbol}",
                endpoint="orders-pending",
                cursor="ordIds",
                page_size=OPEN_ORDERS_PAGE,
                max_pages=OPEN_ORDERS_MAX_PAGES,
                fetch=lambda params: self._read(
                    "fetch_open_orders",
                    lambda: self.exchange.fetch_open_orders(symbol, None, OPEN_ORDERS_PAGE, params),
                ),
                row_id=lambda raw: int(raw["id"]),
                venue=self.name,
            )
        )
        return [self._snapshot(found[ord_id]) for ord_id in sorted(found)]

    async def fills(self, symbol: str, *, since_ns: int | None = None) -> list[Fill]:
        """Every own fill of ``symbol`` at or after ``since_ns`` (every fill the venue still
        keeps when None), newest first, however many pages OKX needs to list them.

        fills-history pages by billId, the fill row's own id (one per tradeId and order), walked
        by `corp.venues.paging.walk_all` with its catch-up for fills landing meanwhile; a fill
        seen twice is kept once. ``since`` is not handed to ccxt: it would send it as ``begin``
        and then drop ``limit``; instead the walk stops at the first page that reaches a fill
        older than ``since_ns`` (rows come newest first) and such older rows are left out.
        ``since_ns`` is compared at OKX's millisecond resolution, rounded down, so a fill in the
        same millisecond is kept, never lost.
        """
        since_ms = None if since_ns is None else since_ns // 1_000_000

        def older_than_since(page: Sequence[dict[str, Any]]) -> bool:
            return (
                since_ms is not None and min(int(r.get("timestamp") or 0) for r in page) < since_ms
            )

        found = await walk_all(
            PagedListing(
                what=f"fills of {symbol}",
                endpoint="fills-history",
                cursor="billIds",
                page_size=FILLS_PAGE,
                max_pages=FILLS_MAX_PAGES,
                fetch=lambda params: self._read(
                    "fetch_my_trades",
                    lambda: self.exchange.fetch_my_trades(symbol, None, FILLS_PAGE, params),
                ),
                row_id=lambda raw: self._bill_id(symbol, raw),
                reached_end=older_than_since,
                venue=self.name,
            )
        )
        return [
            self._fill(found[bill_id])
            for bill_id in sorted(found, reverse=True)
            if since_ms is None or int(found[bill_id].get("timestamp") or 0) >= since_ms
        ]

    def _bill_id(self, symbol: str, raw: dict[str, Any]) -> int:
        """The fill row's billId, the cursor fills-history pages by; a row without one cannot
        be paged past, so it is refused rather than guessed."""
        text = str((raw.get("info") or {}).get("billId") or "")
        if not text.isdigit():
            raise TransientCallError(
                f"{self.name} fills-history row of {symbol} has no usable billId, was {text!r} "
                f"<trade_id={raw.get('id')}>; refusing fills that cannot page",
                kind="malformed",
                ambiguous=False,
            )
        return int(text)

    def _fill(self, raw: dict[str, Any]) -> Fill:
        info = raw.get("info") or {}
        fee = raw.get("fee") or {}
        return Fill(
            trade_id=str(raw.get("id")),
            venue_order_id=str(raw.get("order")),
            client_order_id=str(info.get("clOrdId", "")),
            symbol=raw["symbol"],
            side=raw["side"],
            price=float(raw["price"]),
            size_base=self._to_base(raw["symbol"], raw.get("amount")),
            fee_quote=float(fee.get("cost") or 0.0),
            liquidity="maker" if raw.get("takerOrMaker") == "maker" else "taker",
            ts_ns=int(raw.get("timestamp") or 0) * 1_000_000,
        )

    async def balances(self) -> dict[str, BalanceRow]:
        raw = await self._read("fetch_balance", self.exchange.fetch_balance)
        out = {}
        for ccy, row in raw.items():
            if (
                isinstance(row, dict)
                and "total" in row
                and ccy not in ("info", "free", "used", "total")
            ):
                out[ccy] = BalanceRow(
                    ccy,
                    float(row.get("total") or 0),
                    float(row.get("free") or 0),
                    float(row.get("used") or 0),
                )
        return out

    async def positions(self, symbols: Iterable[str]) -> list[PositionRow]:
        wanted = list(symbols)
        raws = await self._read("fetch_positions", lambda: self.exchange.fetch_positions(wanted))
        out = []
        for raw in raws:
            contracts = float(raw.get("contracts") or 0.0)
            signed = contracts if raw.get("side") != "short" else -contracts
            out.append(
                PositionRow(
                    symbol=raw["symbol"],
                    size_base=self._to_base(raw["symbol"], signed),
                    avg_price=float(raw["entryPrice"]) if raw.get("entryPrice") else None,
                    unrealized_pnl_quote=float(raw.get("unrealizedPnl") or 0.0),
                )
            )
        return out

    async def reconcile(
        self,
        symbol: str,
        known_client_ids: Iterable[str],
        *,
        orphan_prefix: str | None = None,
        fills_since_ns: int | None = None,
    ) -> Reconciliation:
        """Venue truth for the known client ids: their live and finished orders, those never
        seen, our orphans cancelled, and every fill of the known orders since
        ``fills_since_ns``.

        ``fills_since_ns`` None (the default) = the creation time of the oldest known order the
        venue shows (live or finished): no fill of an order can precede its creation, and both
        times are the venue's own clock, so this bound is complete by construction and needs no
        guess from the caller (an engine clock or an outage start could be skewed or wrong and
        silently cut fills). When no known order is found there is nothing to fill and no
        fills are read (pass ``fills_since_ns`` to look anyway, e.g. for orders the venue has
        forgotten); when the venue gives no creation time, every fill it keeps is walked.
        A caller that has already journaled every fill up to some time may pass it to read
        fewer pages. Fills are read last, after the order states, so every fill reflected in
        a reported order state is in the list.
        """
        known = {validate_client_order_id(c) for c in known_client_ids}
        open_now = await self.open_orders(symbol)
        live = [o for o in open_now if o.client_order_id in known]
        live_ids = {o.client_order_id for o in live}
        finished: list[OrderSnapshot] = []
        never: list[str] = []
        for cid in sorted(known - live_ids):
            # not open when listed (or filled since): ask each order for its final state
            snap = await self.order(symbol, cid)
            if snap is None:
                never.append(cid)
            elif snap.status in ("open", "partially_filled"):
                live.append(snap)
            else:
                finished.append(snap)
        orphans = [
            o
            for o in open_now
            if o.client_order_id not in known
            and orphan_prefix is not None
            and o.client_order_id.startswith(orphan_prefix)
        ]
        canceled = []
        for orphan in orphans:
            if await self.cancel(symbol, orphan.client_order_id):
                canceled.append(orphan)
        for outcome, count in (
            ("finished", len(finished)),
            ("never_arrived", len(never)),
            ("orphan_canceled", len(canceled)),
        ):
            if count:
                self.metrics.reconciled_orders.labels(venue=self.name, outcome=outcome).inc(count)
        read_fills = fills_since_ns is not None or bool(live or finished)
        if fills_since_ns is None:
            created = [o.created_ns for o in live + finished]
            if created and None not in created:
                fills_since_ns = min(c for c in created if c is not None)
        fills = []
        if read_fills:
            every = await self.fills(symbol, since_ns=fills_since_ns)
            fills = [f for f in every if f.client_order_id in known]
        return Reconciliation(live, finished, never, canceled, fills)

    async def close(self) -> None:
        await self.exchange.close()

    # --- parsing -------------------------------------------------------------------------

    def _snapshot(self, raw: dict[str, Any]) -> OrderSnapshot:
        info = raw.get("info") or {}
        symbol = raw["symbol"]
        cid = str(raw.get("clientOrderId") or info.get("clOrdId") or "")
        state = info.get("state")
        status: OrderStatus
        reason = None
        if state == "partially_filled":
            status = "partially_filled"
        elif state == "live":
            status = "open"
        elif state == "filled":
            status = "filled"
        elif state == "canceled" and info.get("cancelSource") == POST_ONLY_CANCEL_SOURCE:
            status, reason = "rejected", "post_only"
        elif state == "canceled":
            status = "canceled"
        else:
            status = {"open": "open", "closed": "filled", "canceled": "canceled"}.get(
                str(raw.get("status")), "rejected"
            )
        key = f"{symbol}|{raw.get('id')}"
        if status == "rejected" and self._counted_rejects.add(key):
            self.metrics.order_rejects.labels(venue=self.name, reason=reason or "unknown").inc()
        filled = self._to_base(symbol, raw.get("filled"))
        size = self._to_base(symbol, raw.get("amount"))
        if 0 < filled < size and self._counted_partials.add(key):
            self.metrics.partial_fills.labels(venue=self.name).inc()
        ts_ms = raw.get("lastUpdateTimestamp") or raw.get("timestamp") or 0
        created_ms = raw.get("timestamp")  # ccxt's okx: cTime
        return OrderSnapshot(
            client_order_id=cid,
            venue_order_id=str(raw.get("id") or ""),
            symbol=symbol,
            side=raw["side"],
            price=float(raw.get("price") or 0.0),
            size_base=size,
            filled_base=filled,
            avg_price=float(raw["average"]) if raw.get("average") else None,
            status=status,
            reject_reason=reason,
            updated_ns=int(ts_ms) * 1_000_000,
            created_ns=int(created_ms) * 1_000_000 if created_ms else None,
        )
