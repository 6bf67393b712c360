"""A price-time-priority limit order book for one instrument, in integer ticks and lots.

The book knows nothing about accounts or money: it stores resting orders, matches an incoming order
against the opposite side (best price first, then arrival order) and remembers which price levels
changed so the WebSocket layer can publish incremental ``books`` updates. The two ledger fields on
:class:`Order` (``frozen``, ``fee``) are kept there by the exchange, never read by the book.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

__all__ = ["Match", "OrdType", "Order", "OrderBook", "OrderState", "Side"]

Side = Literal["buy", "sell"]
OrdType = Literal["limit", "post_only", "market", "ioc"]
OrderState = Literal["live", "partially_filled", "filled", "canceled"]


@dataclass(slots=True, eq=False)
class Order:
    """A simulator order; ``px_ticks`` is 0 for market orders."""

    ord_id: int
    cl_ord_id: str
    account: str
    inst_id: str
    side: Side
    ord_type: OrdType
    px_ticks: int
    sz_lots: int
    c_time_ms: int
    u_time_ms: int
    td_mode: str = "cash"
    filled_lots: int = 0
    fill_value_ticks_lots: int = 0
    state: OrderState = "live"
    cancel_source: str = ""
    frozen: object = field(default=None, repr=False)
    fee: Decimal = field(default=Decimal(0), repr=False)
    """Sum of this order's fill fees in OKX's sign (negative = charged, positive = rebate): kept
    on the order so its row stays right after the fills themselves leave the retention window."""

    @property
    def remaining_lots(self) -> int:
        return self.sz_lots - self.filled_lots

    @property
    def is_open(self) -> bool:
        return self.state in ("live", "partially_filled")


@dataclass(frozen=True, slots=True)
class Match:
    """One execution: ``lots`` at the maker's price ``px_ticks``."""

    maker: Order
    taker: Order
    px_ticks: int
    lots: int


class _Side:
    """One side of the book: price → FIFO queue, plus a sorted price list."""

    def __init__(self, *, descending: bool) -> None:
        self.levels: dict[int, deque[Order]] = {}
        self.prices: list[int] = []  # ascending
        self.descending = descending

    def best(self) -> int | None:
        if not self.prices:
            return None
        return self.prices[-1] if self.descending else self.prices[0]

    def add(self, order: Order) -> None:
        queue = self.levels.get(order.px_ticks)
        if queue is None:
            queue = self.levels[order.px_ticks] = deque()
            bisect.insort(self.prices, order.px_ticks)
        queue.append(order)

    def remove(self, order: Order) -> bool:
        queue = self.levels.get(order.px_ticks)
        if queue is None:
            return False
        try:
            queue.remove(order)
        except ValueError:
            return False
        if not queue:
            self._drop_level(order.px_ticks)
        return True

    def _drop_level(self, px_ticks: int) -> None:
        del self.levels[px_ticks]
        idx = bisect.bisect_left(self.prices, px_ticks)
        del self.prices[idx]

    def iter_best(self) -> Iterator[int]:
        return iter(reversed(self.prices) if self.descending else self.prices)

    def level_lots(self, px_ticks: int) -> int:
        queue = self.levels.get(px_ticks)
        return sum(o.remaining_lots for o in queue) if queue else 0


class OrderBook:
    """Resting orders of one instrument with price-time priority matching."""

    def __init__(self, inst_id: str) -> None:
        self.inst_id = inst_id
        self.bids = _Side(descending=True)
        self.asks = _Side(descending=False)
        self.changed: dict[tuple[Side, int], None] = {}

    def _side(self, side: Side) -> _Side:
        return self.bids if side == "buy" else self.asks

    def best_bid(self) -> int | None:
        return self.bids.best()

    def best_ask(self) -> int | None:
        return self.asks.best()

    def crosses(self, side: Side, px_ticks: int) -> bool:
        """Would a limit order at ``px_ticks`` trade immediately against the opposite side?"""
        if side == "buy":
            best = self.asks.best()
            return best is not None and px_ticks >= best
        best = self.bids.best()
        return best is not None and px_ticks <= best

    def rest(self, order: Order) -> None:
        """Put an order's remainder on the book (at the back of its price level)."""
        self._side(order.side).add(order)
        self.changed[(order.side, order.px_ticks)] = None

    def remove(self, order: Order) -> bool:
        """Take an order off the book; False if it was not resting."""
        removed = self._side(order.side).remove(order)
        if removed:
            self.changed[(order.side, order.px_ticks)] = None
        return removed

    def match(
        self,
        taker: Order,
        *,
        max_lots: Callable[[Order, int], int] | None = None,
    ) -> list[Match]:
        """Match ``taker`` against the opposite side; fills are not applied to the orders.

        ``max_lots(maker, lots)`` may cap each execution (the partial-fill fault); the caller
        applies every returned match (ledger first, then :meth:`apply`).
        """
        opposite = self.asks if taker.side == "buy" else self.bids
        matches: list[Match] = []
        remaining = taker.remaining_lots
        for px in list(opposite.iter_best()):
            if remaining <= 0:
                break
            if taker.ord_type != "market" and (
                (taker.side == "buy" and px > taker.px_ticks)
                or (taker.side == "sell" and px < taker.px_ticks)
            ):
                break
            for maker in list(opposite.levels[px]):
                if remaining <= 0:
                    break
                if maker.account == taker.account:
                    continue  # no self-trade: a real venue would cancel one side (STP)
                lots = min(remaining, maker.remaining_lots)
                if max_lots is not None:
                    lots = max(0, min(lots, max_lots(maker, lots)))
                if lots == 0:
                    continue
                matches.append(Match(maker, taker, px, lots))
                remaining -= lots
        return matches

    def apply(self, match: Match) -> None:
        """Record one execution on both orders and drop a fully filled maker from the book."""
        for order in (match.maker, match.taker):
            order.filled_lots += match.lots
            order.fill_value_ticks_lots += match.px_ticks * match.lots
            order.state = "filled" if order.remaining_lots == 0 else "partially_filled"
        maker = match.maker
        self.changed[(maker.side, maker.px_ticks)] = None
        if maker.remaining_lots == 0:
            self._side(maker.side).remove(maker)

    def depth(self, side: Side, levels: int) -> list[tuple[int, int, int]]:
        """Best ``levels`` price levels as (px_ticks, lots, order count)."""
        book_side = self._side(side)
        out: list[tuple[int, int, int]] = []
        for px in book_side.iter_best():
            if len(out) >= levels:
                break
            queue = book_side.levels[px]
            out.append((px, sum(o.remaining_lots for o in queue), len(queue)))
        return out

    def level(self, side: Side, px_ticks: int) -> tuple[int, int]:
        """(lots, order count) resting at one price."""
        queue = self._side(side).levels.get(px_ticks)
        if not queue:
            return 0, 0
        return sum(o.remaining_lots for o in queue), len(queue)

    def take_changes(self) -> list[tuple[Side, int]]:
        """The price levels touched since the last call (for incremental book updates)."""
        changes = list(self.changed)
        self.changed.clear()
        return changes

    def resting(self) -> Iterator[Order]:
        for book_side in (self.bids, self.asks):
            for queue in book_side.levels.values():
                yield from queue
