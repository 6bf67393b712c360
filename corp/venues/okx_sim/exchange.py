"""The simulated venue: books + accounts + order lifecycle, and the events the WebSocket publishes.

Everything here is synchronous and single-threaded (it runs on the server's event loop), so each
operation is atomic: a REST request or a background-flow step sees and leaves a consistent state.

History is bounded (:class:`Retention`), so a soak of any length runs in constant memory: open
orders, balances and positions are state and always kept; what closes is kept only as long as OKX
documents it (a canceled order with no fill 2 hours, any other closed order 7 days, the public
trades the latest 500) and, per account, only its newest N closed orders and fills.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from corp.errors import DataError
from corp.venues.okx_sim.accounts import FEE_ACCOUNT, Account, FeeSchedule
from corp.venues.okx_sim.book import Match, Order, OrderBook, Side
from corp.venues.okx_sim.instruments import DEFAULT_INSTRUMENTS, Instrument

__all__ = [
    "FILLS_PAGE_MAX",
    "MARKET_TRADES_MAX",
    "FillsQuery",
    "Retention",
    "SimEvent",
    "SimExchange",
    "SimResult",
]

CL_ORD_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
ORD_TYPES: frozenset[str] = frozenset({"limit", "post_only", "market", "ioc"})
EventKind = Literal["book", "trade", "order", "account", "position"]

# OKX sCodes the simulator answers with
S_OK = "0"
S_BAD_PARAM = "51000"
S_BAD_INSTRUMENT = "51001"
S_INSUFFICIENT = "51008"
S_DUP_CLORDID = "51016"
S_BAD_SIZE = "51121"
S_CANCEL_MISSING = "51400"
S_ORDER_MISSING = "51603"
POST_ONLY_CANCEL_SOURCE = "31"  # OKX: "the post-only order would take liquidity"
HOUR_MS = 3_600_000
MARKET_TRADES_MAX = 500
"""OKX market/trades: ``limit`` at most 500, so no more public trades are ever served."""
FILLS_PAGE_MAX = 100
"""OKX trade/fills-history (and trade/fills): ``limit`` at most 100, the default."""


@dataclass(frozen=True, slots=True)
class Retention:
    """How long closed history stays queryable (by ordId/clOrdId, fills, orders-history).

    The windows are OKX's documented ones: orders-history covers 7 days, but "incomplete orders
    that have been canceled are only reserved for 2 hours". OKX keeps fills 3 days (trade/fills)
    and 3 months (fills-history), longer than any simulator run, so fills are bounded by count
    only. The per-account counts are the simulator's own bound (OKX has none documented): the
    newest ``*_per_account`` closed orders of each kind and fills. An order that is forgotten
    answers 51603/51400 like an unknown one, and its clOrdId may be used again (OKX itself only
    refuses a clOrdId that a *pending* order carries). ``None`` = unbounded (benchmark baseline).
    """

    canceled_unfilled_ms: int | None = 2 * HOUR_MS
    """A canceled order that never traded (incl. post-only refusals) is forgotten after this."""
    traded_ms: int | None = 7 * 24 * HOUR_MS
    """A filled, or partially filled then canceled, order is forgotten after this."""
    canceled_unfilled_per_account: int | None = 10_000
    """At most this many canceled-unfilled orders per account (the cancel/replace churn)."""
    traded_per_account: int | None = 10_000
    """At most this many closed orders that traded, per account (kept apart from the churn so
    quoting cannot push a filled order out of reach of reconciliation)."""
    fills_per_account: int | None = 10_000
    """At most this many fills per account (fills-history answers 100 per request)."""
    refused_log: int | None = 1_000
    """How many refused placements :attr:`SimExchange.refused` lists (the total is counted)."""


class _ClosedLog:
    """One account's closed orders, oldest close first, in two queues with their own windows."""

    __slots__ = ("traded", "unfilled")

    def __init__(self) -> None:
        self.unfilled: deque[Order] = deque()
        self.traded: deque[Order] = deque()

    def __len__(self) -> int:
        return len(self.unfilled) + len(self.traded)


@dataclass(frozen=True, slots=True)
class SimEvent:
    """Something subscribers may want: a book delta, a trade, an order/account/position change."""

    kind: EventKind
    inst_id: str = ""
    account: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SimResult:
    """Outcome of a place/cancel: the order (when one exists) and OKX's sCode/sMsg."""

    order: Order | None
    s_code: str = S_OK
    s_msg: str = ""

    @property
    def ok(self) -> bool:
        return self.s_code == S_OK


@dataclass(frozen=True, slots=True)
class FillsQuery:
    """One fills-history request, parsed: OKX's filters and its ``billId`` cursors.

    ``after_bill_id``: only fills strictly older (smaller billId) than it; ``before_bill_id``:
    only strictly newer. ``begin_ms``/``end_ms`` filter on the fill's ``ts``; OKX documents them
    as "filter with a begin/end timestamp" without saying whether the bound is included, so both
    are inclusive here, as ccxt's ``since``/``until`` are.
    """

    inst_id: str | None = None
    inst_type: str | None = None
    ord_id: str | None = None
    after_bill_id: int | None = None
    before_bill_id: int | None = None
    begin_ms: int | None = None
    end_ms: int | None = None
    limit: int = FILLS_PAGE_MAX


def fmt(value: Decimal | int) -> str:
    """Decimal → the plain string OKX sends (no exponent, no trailing zeros)."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


class SimExchange:
    """Order books, accounts and fills of the simulator."""

    def __init__(
        self,
        *,
        clock_ms: Callable[[], int],
        instruments: Iterable[Instrument] = DEFAULT_INSTRUMENTS,
        fees: FeeSchedule | None = None,
        default_balances: dict[str, Decimal] | None = None,
        retention: Retention | None = None,
    ) -> None:
        self.clock_ms = clock_ms
        self.retention = retention or Retention()
        self.instruments = {inst.inst_id: inst for inst in instruments}
        self.books = {inst_id: OrderBook(inst_id) for inst_id in self.instruments}
        self.fees = fees or FeeSchedule()
        self.default_balances = default_balances or {
            "USDT": Decimal(1_000_000),
            "BTC": Decimal(10),
        }
        self.accounts: dict[str, Account] = {}
        self.fee_account = Account(FEE_ACCOUNT)
        self.orders: dict[int, Order] = {}
        """Every order the venue still knows (open, or closed and not yet forgotten), by ordId."""
        self.by_client_id: dict[tuple[str, str], Order] = {}
        self._open: dict[str, dict[int, Order]] = {}
        """Open orders per account in ordId order: listing them never walks closed history."""
        self._closed: dict[str, _ClosedLog] = {}
        self.fills: dict[str, deque[dict[str, str]]] = {}
        """Each account's newest fills, oldest first (at most ``fills_per_account``)."""
        self.refused: deque[tuple[str, str, str]] = deque(maxlen=self.retention.refused_log)
        """The latest placements refused before reaching the book: (account, clOrdId, sCode)."""
        self.refused_total = 0
        self.trades: dict[str, deque[dict[str, str]]] = {
            inst_id: deque(maxlen=MARKET_TRADES_MAX) for inst_id in self.instruments
        }
        self.book_seq: dict[str, int] = dict.fromkeys(self.instruments, 0)
        self.listeners: list[Callable[[SimEvent], None]] = []
        self.fill_cap: Callable[[Order, int], int] | None = None
        self.seq_skip: Callable[[str], int] | None = None
        self._next_ord_id = 600_000_000_000
        self._next_trade_id = 1
        self._next_bill_id = 1

    # --- accounts ------------------------------------------------------------------------

    def account(self, name: str) -> Account:
        """The account ``name``, created with the default balances on first use."""
        acct = self.accounts.get(name)
        if acct is None:
            acct = self.accounts[name] = Account(name)
            for ccy, amount in self.default_balances.items():
                acct.balance(ccy).total = amount
        return acct

    def fund(self, name: str, ccy: str, amount: Decimal) -> None:
        """Set an account's total balance of ``ccy`` (admin)."""
        bal = self.account(name).balance(ccy)
        if amount < bal.frozen:
            raise DataError(f"balance {ccy} must be >= frozen {bal.frozen}, was {amount}")
        bal.total = amount
        self._emit(SimEvent("account", account=name))

    # --- orders --------------------------------------------------------------------------

    def instrument(self, inst_id: str) -> Instrument:
        inst = self.instruments.get(inst_id)
        if inst is None:
            raise DataError(f"instId must be one of {sorted(self.instruments)}, was {inst_id!r}")
        return inst

    def place(self, account: str, req: dict[str, Any]) -> SimResult:
        """Place one order from an OKX request row; never raises on bad input.

        Sizes are lots of the instrument (base units for SPOT, contracts for SWAP), for market
        orders too: unlike OKX's SPOT market buys (quote units by default), which CORP never sends.
        """
        self._forget_expired(account)  # an expired order's clOrdId no longer blocks a new one
        result = self._place(account, req)
        if not result.ok:
            self.record_refused(account, str(req.get("clOrdId") or ""), result.s_code)
        return result

    def record_refused(self, account: str, cl_ord_id: str, s_code: str) -> None:
        """Log a placement refused before the book (here or by an injected fault)."""
        self.refused.append((account, cl_ord_id, s_code))
        self.refused_total += 1

    def _place(self, account: str, req: dict[str, Any]) -> SimResult:
        cl_ord_id = str(req.get("clOrdId") or "")
        try:
            order = self._new_order(account, req, cl_ord_id)
        except DataError as exc:
            code = S_BAD_INSTRUMENT if "instId" in str(exc) else S_BAD_SIZE
            if "clOrdId" in str(exc):
                code = S_BAD_PARAM
            return SimResult(None, code, str(exc))
        existing = self.by_client_id.get((account, cl_ord_id)) if cl_ord_id else None
        if existing is not None and existing.is_open:
            # OKX refuses a client id only while an order with it is pending; a closed one's id
            # can be reused, so a blind resend after a lost answer CAN duplicate (the venue's
            # submit never resends without first seeing that the original is absent)
            return SimResult(existing, S_DUP_CLORDID, f"Duplicated clOrdId {cl_ord_id}")
        inst = self.instruments[order.inst_id]
        book = self.books[order.inst_id]
        acct = self.account(account)
        if order.ord_type == "post_only" and book.crosses(order.side, order.px_ticks):
            order.state = "canceled"
            order.cancel_source = POST_ONLY_CANCEL_SOURCE
            self._register(order)
            self._settle(order)
            self._emit_order(order, None)
            return SimResult(order)
        matches = book.match(order, max_lots=self.fill_cap)
        rest_lots = order.sz_lots - sum(m.lots for m in matches)
        if order.ord_type in ("market", "ioc"):
            rest_lots = 0
        needed = sum(
            (acct.cost_per_lot(inst, order.side, m.px_ticks, self.fees) * m.lots for m in matches),
            Decimal(0),
        )
        rest_cost = acct.cost_per_lot(inst, order.side, order.px_ticks, self.fees)
        needed += rest_cost * rest_lots
        funds = acct.balance(acct.funds_ccy(inst, order.side))
        if needed > funds.available:
            return SimResult(
                None,
                S_INSUFFICIENT,
                f"Insufficient balance: needs {fmt(needed)}, available {fmt(funds.available)}",
            )
        self._register(order)
        for match in matches:
            self._execute(inst, book, match)
        if rest_lots > 0 and book.crosses(order.side, order.px_ticks):
            rest_lots = 0  # only own orders left to cross: self-trade prevention cancels the rest
            order.cancel_source = "stp"
        if rest_lots > 0:
            order.frozen = rest_cost
            funds.frozen += rest_cost * rest_lots
            book.rest(order)
        elif order.remaining_lots > 0:
            order.state = "canceled"
        order.u_time_ms = self.clock_ms()
        self._settle(order)
        self._emit_order(order, None)
        if rest_lots > 0 or order.ord_type in ("market", "ioc"):
            self._emit(SimEvent("account", account=account))
        self.flush_book(order.inst_id)
        return SimResult(order)

    def cancel(
        self, account: str, inst_id: str, ord_id: str | None, cl_ord_id: str | None
    ) -> SimResult:
        """Cancel an open order by ordId or clOrdId (51400 when it is unknown or already done)."""
        order = self.find(account, inst_id, ord_id, cl_ord_id)
        if order is None or not order.is_open:
            msg = "Cancellation failed as the order does not exist or is already complete"
            return SimResult(order, S_CANCEL_MISSING, msg)
        self._cancel(order)
        self.flush_book(order.inst_id)
        return SimResult(order)

    def cancel_all(self, account: str, inst_id: str | None = None) -> int:
        """Cancel every open order of ``account`` (admin and background liquidity)."""
        count = 0
        for order in list(self.open_orders(account, inst_id)):
            self._cancel(order)
            count += 1
        for book_id in [inst_id] if inst_id else list(self.books):
            self.flush_book(book_id)
        return count

    def _cancel(self, order: Order) -> None:
        inst = self.instruments[order.inst_id]
        self.books[order.inst_id].remove(order)
        acct = self.account(order.account)
        if isinstance(order.frozen, Decimal):
            acct.balance(acct.funds_ccy(inst, order.side)).frozen -= (
                order.frozen * order.remaining_lots
            )
        order.state = "canceled"
        order.cancel_source = order.cancel_source or "1"
        order.u_time_ms = self.clock_ms()
        self._settle(order)
        self._emit_order(order, None)
        self._emit(SimEvent("account", account=order.account))

    def find(
        self, account: str, inst_id: str | None, ord_id: str | None, cl_ord_id: str | None
    ) -> Order | None:
        """An order of ``account`` by ordId or clOrdId (and instId when given)."""
        self._forget_expired(account)
        order: Order | None = None
        if ord_id:
            try:
                order = self.orders.get(int(ord_id))
            except ValueError:
                return None
        elif cl_ord_id:
            order = self.by_client_id.get((account, cl_ord_id))
        if order is None or order.account != account:
            return None
        if inst_id and order.inst_id != inst_id:
            return None
        return order

    def fills_page(self, account: str, query: FillsQuery) -> list[dict[str, str]]:
        """One page of ``account``'s fills as fills-history answers it: newest billId first, at
        most ``query.limit`` rows. With ``before_bill_id`` alone the newest rows above it come
        back (as orders-pending's ``before`` does), so paging upwards needs ``after`` too."""
        q = query
        rows: list[dict[str, str]] = []
        for fill in reversed(self.fills.get(account, ())):  # kept in billId order
            bill_id = int(fill["billId"])
            if len(rows) == q.limit or (
                q.before_bill_id is not None and bill_id <= q.before_bill_id
            ):
                break
            ts_ms = int(fill["ts"])
            if (
                (q.after_bill_id is not None and bill_id >= q.after_bill_id)
                or (q.begin_ms is not None and ts_ms < q.begin_ms)
                or (q.end_ms is not None and ts_ms > q.end_ms)
                or (q.inst_id and fill["instId"] != q.inst_id)
                or (q.inst_type and fill["instType"] != q.inst_type)
                or (q.ord_id and fill["ordId"] != q.ord_id)
            ):
                continue
            rows.append(fill)
        return rows

    def open_orders(self, account: str, inst_id: str | None = None) -> list[Order]:
        """Open orders of ``account`` (of ``inst_id`` when given), oldest ordId first."""
        return [
            o
            for o in self._open.get(account, {}).values()
            if inst_id is None or o.inst_id == inst_id
        ]

    def _new_order(self, account: str, req: dict[str, Any], cl_ord_id: str) -> Order:
        inst = self.instrument(str(req.get("instId", "")))
        side = req.get("side")
        if side not in ("buy", "sell"):
            raise DataError(f"side must be 'buy' or 'sell', was {side!r}")
        ord_type = req.get("ordType")
        if ord_type not in ORD_TYPES:
            raise DataError(f"ordType must be one of {sorted(ORD_TYPES)}, was {ord_type!r}")
        if cl_ord_id and not CL_ORD_ID.match(cl_ord_id):
            raise DataError(f"clOrdId must be 1-32 alphanumerics, was {cl_ord_id!r}")
        sz_lots = inst.sz_to_lots(str(req.get("sz", "")))
        px_ticks = 0 if ord_type == "market" else inst.px_to_ticks(str(req.get("px", "")))
        now = self.clock_ms()
        order = Order(
            ord_id=self._next_ord_id,
            cl_ord_id=cl_ord_id,
            account=account,
            inst_id=inst.inst_id,
            side=side,
            ord_type=ord_type,
            px_ticks=px_ticks,
            sz_lots=sz_lots,
            c_time_ms=now,
            u_time_ms=now,
            td_mode=str(req.get("tdMode") or ("cash" if inst.inst_type == "SPOT" else "cross")),
        )
        self._next_ord_id += 1
        return order

    def _register(self, order: Order) -> None:
        self.orders[order.ord_id] = order
        if order.cl_ord_id:
            self.by_client_id[(order.account, order.cl_ord_id)] = order

    def _settle(self, order: Order) -> None:
        """File a registered order as open or closed after its state changed."""
        if order.is_open:
            self._open.setdefault(order.account, {})[order.ord_id] = order
            return
        book = self._open.get(order.account)
        if book is not None:
            book.pop(order.ord_id, None)
            if not book:
                del self._open[order.account]
        log = self._closed.get(order.account)
        if log is None:
            log = self._closed[order.account] = _ClosedLog()
        (log.traded if order.filled_lots else log.unfilled).append(order)
        self._forget_expired(order.account)

    def _forget_expired(self, account: str) -> None:
        """Drop ``account``'s closed orders that left the retention window or the count cap."""
        log = self._closed.get(account)
        if log is None:
            return
        keep = self.retention
        now = self.clock_ms()
        for queue, window_ms, cap in (
            (log.unfilled, keep.canceled_unfilled_ms, keep.canceled_unfilled_per_account),
            (log.traded, keep.traded_ms, keep.traded_per_account),
        ):
            while queue and (
                (cap is not None and len(queue) > cap)
                or (window_ms is not None and now - queue[0].u_time_ms > window_ms)
            ):
                self._forget(queue.popleft())
        if not log:
            del self._closed[account]

    def _forget(self, order: Order) -> None:
        del self.orders[order.ord_id]
        key = (order.account, order.cl_ord_id)
        if order.cl_ord_id and self.by_client_id.get(key) is order:
            del self.by_client_id[key]

    def _execute(self, inst: Instrument, book: OrderBook, match: Match) -> None:
        maker, taker = match.maker, match.taker
        maker_acct, taker_acct = self.account(maker.account), self.account(taker.account)
        if isinstance(maker.frozen, Decimal):
            maker_acct.balance(maker_acct.funds_ccy(inst, maker.side)).frozen -= (
                maker.frozen * match.lots
            )
        book.apply(match)
        now = self.clock_ms()
        trade_id = str(self._next_trade_id)
        self._next_trade_id += 1
        for order, acct, rate, exec_type in (
            (maker, maker_acct, self.fees.maker_rate, "M"),
            (taker, taker_acct, self.fees.taker_rate, "T"),
        ):
            fee = acct.settle_fill(
                inst, order.side, match.px_ticks, match.lots, rate, self.fee_account
            )
            order.u_time_ms = now
            order.fee -= fee
            fill = {
                "instId": inst.inst_id,
                "instType": inst.inst_type,
                "tradeId": trade_id,
                "ordId": str(order.ord_id),
                "clOrdId": order.cl_ord_id,
                "billId": str(self._next_bill_id),
                "fillPx": fmt(inst.px(match.px_ticks)),
                "fillSz": fmt(inst.sz(match.lots)),
                "side": order.side,
                "posSide": "net",
                "execType": exec_type,
                "fee": fmt(-fee),  # OKX: negative = charged, positive = rebate
                "feeCcy": inst.quote_ccy,
                "ts": str(now),
            }
            self._next_bill_id += 1
            fills = self.fills.get(acct.name)
            if fills is None:
                fills = self.fills[acct.name] = deque(maxlen=self.retention.fills_per_account)
            fills.append(fill)
            self._emit_order(order, fill)
            self._emit(SimEvent("account", account=acct.name))
            if inst.inst_type == "SWAP":
                self._emit(SimEvent("position", inst_id=inst.inst_id, account=acct.name))
        if not maker.is_open:
            self._settle(maker)
        trade = {
            "instId": inst.inst_id,
            "tradeId": trade_id,
            "px": fmt(inst.px(match.px_ticks)),
            "sz": fmt(inst.sz(match.lots)),
            "side": taker.side,
            "ts": str(now),
        }
        self.trades[inst.inst_id].append(trade)
        self._emit(SimEvent("trade", inst_id=inst.inst_id, payload=trade))

    # --- publication ---------------------------------------------------------------------

    def _emit(self, event: SimEvent) -> None:
        for listener in self.listeners:
            listener(event)

    def _emit_order(self, order: Order, fill: dict[str, str] | None) -> None:
        self._emit(
            SimEvent(
                "order",
                inst_id=order.inst_id,
                account=order.account,
                payload={"order": order, "fill": fill},
            )
        )

    def flush_book(self, inst_id: str) -> None:
        """Publish the levels changed since the last flush as one ``books`` update.

        ``seq_skip(inst_id)`` > 0 advances the sequence without publishing (the gap fault).
        """
        book = self.books[inst_id]
        changes = book.take_changes()
        if not changes:
            return
        inst = self.instruments[inst_id]
        prev = self.book_seq[inst_id]
        if self.seq_skip is not None:
            prev += self.seq_skip(inst_id)
        seq = prev + 1
        self.book_seq[inst_id] = seq
        bids, asks = [], []
        for side, px in changes:
            lots, count = book.level(side, px)
            row = [fmt(inst.px(px)), fmt(inst.sz(lots)), "0", str(count)]
            (bids if side == "buy" else asks).append(row)
        bids.sort(key=lambda r: -Decimal(r[0]))
        asks.sort(key=lambda r: Decimal(r[0]))
        self._emit(
            SimEvent(
                "book",
                inst_id=inst_id,
                payload={
                    "bids": bids,
                    "asks": asks,
                    "seqId": seq,
                    "prevSeqId": prev,
                    "ts": str(self.clock_ms()),
                },
            )
        )

    def snapshot(self, inst_id: str, depth: int) -> dict[str, Any]:
        """The top ``depth`` levels in OKX's books row format, with the current seqId."""
        inst = self.instruments[inst_id]
        book = self.books[inst_id]

        def rows(side: Side) -> list[list[str]]:
            return [
                [fmt(inst.px(px)), fmt(inst.sz(lots)), "0", str(n)]
                for px, lots, n in book.depth(side, depth)
            ]

        return {
            "bids": rows("buy"),
            "asks": rows("sell"),
            "ts": str(self.clock_ms()),
            "seqId": self.book_seq[inst_id],
            "prevSeqId": -1,
        }

    # --- audit ---------------------------------------------------------------------------

    def mark_px(self, inst_id: str) -> Decimal | None:
        """Mid of the book, or the last trade when a side is empty (a sweep), else None."""
        inst = self.instruments[inst_id]
        book = self.books[inst_id]
        bid, ask = book.best_bid(), book.best_ask()
        if bid is not None and ask is not None:
            return inst.tick_sz * Decimal(bid + ask) / 2
        trades = self.trades[inst_id]
        return Decimal(trades[-1]["px"]) if trades else None

    def audit(self) -> dict[str, Any]:
        """Invariants a consistent venue keeps (tests and drills read this).

        ``totals``: per-currency sum over every account incl. the fee account (conserved);
        ``net_position_lots``: per SWAP, the sum of all net positions (always 0);
        ``unrealized_quote``: per settle currency, the sum of every SWAP position's unrealised PnL
        at :meth:`mark_px` (cash ``totals`` + this is conserved: futures PnL is zero-sum);
        ``problems``: human-readable violations (negative or mis-frozen balances, crossed books).
        """
        problems: list[str] = []
        totals: dict[str, Decimal] = {}
        net_pos: dict[str, int] = {
            i: 0 for i, x in self.instruments.items() if x.inst_type == "SWAP"
        }
        expected_frozen: dict[tuple[str, str], Decimal] = {}
        for order in (o for book in self._open.values() for o in book.values()):
            if isinstance(order.frozen, Decimal):
                acct = self.account(order.account)
                ccy = acct.funds_ccy(self.instruments[order.inst_id], order.side)
                key = (order.account, ccy)
                expected_frozen[key] = (
                    expected_frozen.get(key, Decimal(0)) + order.frozen * order.remaining_lots
                )
        for acct in [*self.accounts.values(), self.fee_account]:
            for inst_id, pos in acct.positions.items():
                net_pos[inst_id] = net_pos.get(inst_id, 0) + pos.pos_lots
                ccy = self.instruments[inst_id].quote_ccy
                key = (acct.name, ccy)
                expected_frozen[key] = expected_frozen.get(key, Decimal(0)) + pos.margin
            for ccy, bal in acct.balances.items():
                totals[ccy] = totals.get(ccy, Decimal(0)) + bal.total
                if acct is self.fee_account:
                    continue
                if bal.available < 0 or bal.frozen < 0:
                    problems.append(f"{acct.name} {ccy} total={bal.total} frozen={bal.frozen}")
                want = expected_frozen.get((acct.name, ccy), Decimal(0))
                if bal.frozen != want:
                    problems.append(f"{acct.name} {ccy} frozen={bal.frozen} expected={want}")
        unrealized: dict[str, Decimal] = {}
        for inst_id, book in self.books.items():
            bid, ask = book.best_bid(), book.best_ask()
            if bid is not None and ask is not None and bid >= ask:
                problems.append(f"{inst_id} crossed book bid={bid} ask={ask}")
            inst = self.instruments[inst_id]
            if inst.inst_type != "SWAP":
                continue
            mark = self.mark_px(inst_id)
            for acct in self.accounts.values():
                pos = acct.positions.get(inst_id)
                if pos is not None and pos.pos_lots and mark is not None:
                    upl = (mark - pos.avg_px) * inst.sz(pos.pos_lots) * inst.ct_val_base
                    unrealized[inst.quote_ccy] = unrealized.get(inst.quote_ccy, Decimal(0)) + upl
        return {
            "totals": totals,
            "unrealized_quote": unrealized,
            "net_position_lots": net_pos,
            "problems": problems,
        }
