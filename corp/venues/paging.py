"""Walk an OKX cursor-paged listing (orders-pending, fills-history) to the end, losing nothing.

OKX answers the newest ``limit`` rows and pages downwards with ``after`` = the smallest id seen.
A row that arrives while the pages are walked is newer than the first page, so the first walk is
followed by walks from the top down to the newest id already seen, repeated until one fits in a
single page: a single page is one atomic read, so nothing can have slipped in above it. A venue
that ignores the cursor, or a listing longer than ``max_pages`` in all, is refused with an error
rather than answered with a partial list (a missing order or fill is worse than no answer).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from corp.venues.classify import TransientCallError

__all__ = ["PagedListing", "walk_all"]

Row = dict[str, Any]


@dataclass(frozen=True)
class PagedListing:
    """One listing: how to read a page, what a row's cursor id is, and when to stop early."""

    what: str
    """For messages: "open orders of BTC/USDT", "fills of BTC/USDT"."""
    endpoint: str
    """The OKX endpoint, for messages: "orders-pending", "fills-history"."""
    cursor: str
    """The id the cursor pages by: "ordIds", "billIds" (plural, for messages)."""
    page_size: int
    max_pages: int
    fetch: Callable[[dict[str, str]], Awaitable[Sequence[Row]]]
    """Read one page with these extra params ({} or {"after": id})."""
    row_id: Callable[[Row], int]
    reached_end: Callable[[Sequence[Row]], bool] = lambda page: False
    """True when this page already reaches rows the caller does not want (older than a since)."""
    venue: str = "okx"


async def walk_all(listing: PagedListing) -> dict[int, Row]:
    """Every row of the listing, keyed by cursor id (a row seen twice is kept once)."""
    found: dict[int, Row] = {}
    pages_left = listing.max_pages
    seen_down_to: int | None = None  # None: walk every page; else stop at this id
    while True:
        top, pages = await _walk(listing, found, seen_down_to, pages_left)
        pages_left -= pages
        if pages == 1 or top is None:
            return found
        seen_down_to = top if seen_down_to is None else max(seen_down_to, top)


async def _walk(
    listing: PagedListing, found: dict[int, Row], stop_at: int | None, pages_left: int
) -> tuple[int | None, int]:
    """Page from the newest row down, until a short page, an id <= ``stop_at`` or the end the
    caller wants; add every row to ``found``. Returns (newest id seen, pages read)."""
    after: int | None = None
    top: int | None = None
    pages = 0
    while True:
        if pages == pages_left:
            raise TransientCallError(
                f"{listing.venue} {listing.what} need more than {listing.max_pages} pages of "
                f"{listing.page_size}; refusing a partial list",
                kind="malformed",
                ambiguous=False,
            )
        page = await listing.fetch({} if after is None else {"after": str(after)})
        pages += 1
        ids = [listing.row_id(raw) for raw in page]
        if after is not None and any(row_id >= after for row_id in ids):
            raise TransientCallError(
                f"{listing.venue} {listing.endpoint} ignored after={after} for {listing.what} "
                f"(answered {listing.cursor} up to {max(ids)}); refusing a listing that cannot "
                "page",
                kind="malformed",
                ambiguous=False,
            )
        found.update(zip(ids, page, strict=True))
        if ids and top is None:
            top = max(ids)
        if (
            len(page) < listing.page_size
            or (stop_at is not None and min(ids) <= stop_at)
            or listing.reached_end(page)
        ):
            return top, pages
        after = min(ids)
