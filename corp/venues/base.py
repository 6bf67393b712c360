"""The Venue interface the live driver trades through, and the plain records it returns.

Sizes are base units (contracts are converted at the venue edge), prices quote currency,
timestamps int64 nanoseconds UTC. Every order carries our own client order id (<= 32 alphanumerics):
it makes submission idempotent and lets reconciliation match venue state to the engine's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from corp.errors import DataError

__all__ = [
    "BalanceRow",
    "Fill",
    "OrderAck",
    "OrderRequest",
    "OrderSnapshot",
    "OrderStatus",
    "PositionRow",
    "Reconciliation",
    "Side",
    "Venue",
    "make_client_order_id",
    "validate_client_order_id",
]

Side = Literal["buy", "sell"]
OrderStatus = Literal["open", "partially_filled", "filled", "canceled", "rejected"]
Liquidity = Literal["maker", "taker"]
CLIENT_ORDER_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")


def validate_client_order_id(client_order_id: str) -> str:
    """Return the id if it is 1-32 ASCII alphanumerics (OKX's clOrdId rule), else raise."""
    if not CLIENT_ORDER_ID.match(client_order_id):
        raise DataError(
            f"client_order_id must be 1-32 ASCII alphanumerics, was {client_order_id!r}"
        )
    return client_order_id


def make_client_order_id(prefix: str, seq: int) -> str:
    """``prefix`` (letters/digits, <= 16) + zero-padded ``seq``: unique per run and sortable."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,16}", prefix):
        raise DataError(f"client order id prefix must be 1-16 alphanumerics, was {prefix!r}")
    if seq < 0 or seq >= 10**16:
        raise DataError(f"client order id seq must be in [0, 1e16), was {seq}")
    return validate_client_order_id(f"{prefix}{seq:016d}")


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A limit order (post-only by default, as a market maker quotes)."""

    symbol: str
    side: Side
    price: float
    size_base: float
    client_order_id: str
    post_only: bool = True


@dataclass(frozen=True, slots=True)
class OrderAck:
    """The venue accepted the submission; state comes later (fetch, reconcile, or the stream)."""

    client_order_id: str
    venue_order_id: str
    symbol: str
    duplicate: bool = False
    """True when the venue already had this client order id (a retried submission)."""


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    client_order_id: str
    venue_order_id: str
    symbol: str
    side: Side
    price: float
    size_base: float
    filled_base: float
    avg_price: float | None
    status: OrderStatus
    reject_reason: str | None
    updated_ns: int
    created_ns: int | None = None
    """When the venue created the order (its clock), None if it did not say: the earliest time
    a fill of this order can have, which bounds the fills reconcile must read."""


@dataclass(frozen=True, slots=True)
class Fill:
    trade_id: str
    venue_order_id: str
    client_order_id: str
    symbol: str
    side: Side
    price: float
    size_base: float
    fee_quote: float
    """Fee paid in quote currency; negative = rebate received."""
    liquidity: Liquidity
    ts_ns: int


@dataclass(frozen=True, slots=True)
class BalanceRow:
    ccy: str
    total: float
    free: float
    used: float


@dataclass(frozen=True, slots=True)
class PositionRow:
    symbol: str
    size_base: float
    """Signed: > 0 long, < 0 short."""
    avg_price: float | None
    unrealized_pnl_quote: float


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Venue truth after a timeout/reconnect, against the client ids the engine believed live."""

    live: list[OrderSnapshot]
    """Open at the venue and known to the engine."""
    finished: list[OrderSnapshot]
    """Known to the engine but no longer open (filled, canceled, rejected)."""
    never_arrived: list[str] = field(default_factory=list)
    """Client ids the venue has never seen: safe to resubmit under the same id."""
    orphans_canceled: list[OrderSnapshot] = field(default_factory=list)
    """Open at the venue with our prefix but unknown to the engine: cancelled."""
    fills: list[Fill] = field(default_factory=list)
    """Every venue fill of the known client ids since the reconcile's ``fills_since_ns``
    (default: the oldest known order's creation), newest first: journal the ones not yet
    seen."""


@runtime_checkable
class Venue(Protocol):
    """What the live driver needs from an exchange."""

    name: str

    async def load(self) -> None:
        """Load markets (instrument rules); call once before anything else."""

    async def submit(self, request: OrderRequest) -> OrderAck:
        """Place an order. A venue refuses a client id only while its order is pending, so an
        order whose fate is unknown (SubmitNotConfirmed) must be reconciled, never re-sent blind."""

    async def cancel(self, symbol: str, client_order_id: str) -> bool:
        """Cancel by client id: True once it is known cancelled, False if it was not open
        (already done or unknown). When neither can be confirmed (timeouts) it raises a
        TransientVenueError: the order may still be live, never treat it as cancelled."""

    async def order(self, symbol: str, client_order_id: str) -> OrderSnapshot | None:
        """The order's current state, None if the venue never saw it."""

    async def open_orders(self, symbol: str) -> list[OrderSnapshot]:
        """Open orders (never silently empty: a malformed answer raises)."""

    async def fills(self, symbol: str, *, since_ns: int | None = None) -> list[Fill]:
        """Every own fill at or after ``since_ns`` (all the venue keeps when None), newest
        first, however many pages it takes; a list that cannot be read whole raises."""

    async def balances(self) -> dict[str, BalanceRow]: ...

    async def positions(self, symbols: Iterable[str]) -> list[PositionRow]: ...

    async def reconcile(
        self,
        symbol: str,
        known_client_ids: Iterable[str],
        *,
        orphan_prefix: str | None = None,
        fills_since_ns: int | None = None,
    ) -> Reconciliation:
        """Match venue state to the engine's view after a timeout or reconnect, with every fill
        of the known orders since ``fills_since_ns`` (default: the oldest one's creation)."""

    async def close(self) -> None: ...
