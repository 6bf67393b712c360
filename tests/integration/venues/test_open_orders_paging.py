"""orders-pending pages as OKX's does (limit <= 100, ``after``/``before`` ordId cursors), and the
venue walks every page: a maker with hundreds of resting orders never misses one in
reconciliation (a missed order is an orphan left working, or a duplicate resubmitted)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from corp.errors import TransientVenueError
from corp.venues.base import OrderRequest
from corp.venues.okx import OkxVenue
from corp.venues.okx_sim.server import RunningSim
from tests.integration.venues.conftest import SPOT, count_calls, sim_venue

HEADERS = {"OK-ACCESS-KEY": "alice", "OK-ACCESS-PASSPHRASE": "p"}


def rest_order(i: int, cl_ord_id: str = "") -> dict[str, str]:
    """A post-only bid far below the market (it rests), price unique per ``i``."""
    return {
        "instId": "BTC-USDT",
        "side": "buy",
        "ordType": "post_only",
        "px": str(20_000 + i),
        "sz": "0.001",
        "clOrdId": cl_ord_id,
    }


async def pending(sim: RunningSim, **query: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession(headers=HEADERS) as session,
        session.get(
            f"{sim.rest_url}/api/v5/trade/orders-pending", params={"instId": "BTC-USDT", **query}
        ) as resp,
    ):
        return await resp.json()


def ord_ids(answer: dict[str, Any]) -> list[int]:
    assert answer["code"] == "0", answer
    return [int(row["ordId"]) for row in answer["data"]]


def test_orders_pending_pages_newest_first_with_after_before_and_limit() -> None:
    async def scenario():
        async with sim_venue() as (sim, _):
            for i in range(250):
                sim.state.exchange.place("alice", rest_order(i))
            every = sorted(
                (o.ord_id for o in sim.state.exchange.open_orders("alice")), reverse=True
            )
            first = ord_ids(await pending(sim))
            second = ord_ids(await pending(sim, after=str(first[-1])))
            third = ord_ids(await pending(sim, after=str(second[-1])))
            last = ord_ids(await pending(sim, after=str(third[-1])))
            small = ord_ids(await pending(sim, limit="10"))
            newer = ord_ids(await pending(sim, before=str(every[5])))
            window = ord_ids(await pending(sim, after=str(every[10]), before=str(every[20])))
            refused = [
                await pending(sim, limit="101"),
                await pending(sim, limit="0"),
                await pending(sim, limit="ten"),
                await pending(sim, after="12ab"),
                await pending(sim, before="-1"),
            ]
            return every, first, second, third, last, small, newer, window, refused

    every, first, second, third, last, small, newer, window, refused = asyncio.run(scenario())
    assert len(every) == 250
    assert first == every[:100]  # the newest 100, newest first
    assert second == every[100:200]  # after = strictly older than the cursor
    assert third == every[200:]
    assert last == []
    assert small == every[:10]
    assert newer == every[:5]  # before = strictly newer than the cursor
    assert window == every[11:20]
    assert [(r["code"], r["msg"]) for r in refused] == [
        ("51000", "Parameter limit error"),
        ("51000", "Parameter limit error"),
        ("51000", "Parameter limit error"),
        ("51000", "Parameter after error"),
        ("51000", "Parameter before error"),
    ]
    assert all(r["data"] == [] for r in refused)


def test_reconcile_sees_every_one_of_250_resting_orders_and_cancels_every_orphan() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            for i in range(250):
                await venue.submit(OrderRequest(SPOT, "buy", 20_000.0 + i, 0.001, f"run{i}"))
            known = [f"run{i}" for i in range(250) if i % 10] + ["runLost1", "runLost2"]
            listing = count_calls(venue, "fetch_open_orders")
            lookups = count_calls(venue, "fetch_order")
            result = await venue.reconcile(SPOT, known, orphan_prefix="run")
            left = sorted(o.cl_ord_id for o in sim.state.exchange.open_orders("alice"))
            return known, result, listing, lookups, left

    known, result, listing, lookups, left = asyncio.run(scenario())
    assert sorted(o.client_order_id for o in result.live) == sorted(known[:-2])  # all 225
    assert all(o.status == "open" for o in result.live)
    assert sorted(o.client_order_id for o in result.orphans_canceled) == sorted(
        f"run{i}" for i in range(0, 250, 10)
    )  # all 25 orphans, most of them beyond the first page
    assert result.never_arrived == ["runLost1", "runLost2"]
    assert result.finished == []
    assert len(lookups) == 2  # only the two the listing could not show were asked one by one
    # 100 + 100 + 50 (short: the end), then one page from the top for orders placed meanwhile
    assert [len(answer) for _, answer in listing] == [100, 100, 50, 100]
    assert [args[2:] for args, _ in listing] == [
        (100, {}),
        (100, {"after": min(o["id"] for o in listing[0][1])}),
        (100, {"after": min(o["id"] for o in listing[1][1])}),
        (100, {}),
    ]
    assert left == sorted(known[:-2])


def place_during(venue: OkxVenue, sim: RunningSim, arrivals: dict[int, list[str]]) -> None:
    """Once the venue has read page ``n``, place ``arrivals[n]`` at the simulator (before the next
    page is asked for): orders that arrive while the listing is being walked."""
    real: Callable[..., Awaitable[Any]] = venue.exchange.fetch_open_orders
    pages = [0]

    async def fetch_then_place(*args: Any) -> Any:
        answer = await real(*args)
        pages[0] += 1
        for cl_ord_id in arrivals.get(pages[0], []):
            px_index = 500 + sum(map(len, arrivals.values()))
            assert sim.state.exchange.place("alice", rest_order(px_index, cl_ord_id)).ok
        return answer

    venue.exchange.fetch_open_orders = fetch_then_place


@pytest.mark.parametrize(
    "arrivals",
    [
        {1: ["late0"]},  # one order during the first walk
        {1: [f"late{i}" for i in range(150)]},  # more than a page: the catch-up walk pages too
        # and more while that catch-up walk pages: a second catch-up finds them
        {1: [f"late{i}" for i in range(150)], 4: [f"later{i}" for i in range(150)]},
    ],
)
def test_orders_placed_while_the_pages_are_walked_are_not_lost(
    arrivals: dict[int, list[str]],
) -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            for i in range(250):
                sim.state.exchange.place("alice", rest_order(i, f"old{i}"))
            place_during(venue, sim, arrivals)
            listed = await venue.open_orders(SPOT)
            return listed, sim.state.exchange.open_orders("alice")

    listed, at_venue = asyncio.run(scenario())
    assert len(at_venue) == 250 + sum(map(len, arrivals.values()))
    assert [o.client_order_id for o in listed] == [o.cl_ord_id for o in at_venue]


def test_a_late_orphan_is_cancelled_by_the_same_reconcile() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            for i in range(150):
                sim.state.exchange.place("alice", rest_order(i, f"run{i}"))
            place_during(venue, sim, {1: ["runLate1"]})
            result = await venue.reconcile(
                SPOT, [f"run{i}" for i in range(150)], orphan_prefix="run"
            )
            return result, sim.state.exchange.open_orders("alice")

    result, at_venue = asyncio.run(scenario())
    assert [o.client_order_id for o in result.orphans_canceled] == ["runLate1"]
    assert len(result.live) == 150
    assert "runLate1" not in {o.cl_ord_id for o in at_venue}


def test_a_venue_that_ignores_the_after_cursor_is_refused_not_read_as_complete() -> None:
    async def scenario():
        async with sim_venue(order_attempts=1) as (sim, venue):
            for i in range(120):
                sim.state.exchange.place("alice", rest_order(i))
            real = venue.exchange.fetch_open_orders

            async def first_page_always(symbol, since, limit, params):  # drops ``after``
                return await real(symbol, since, limit, {})

            venue.exchange.fetch_open_orders = first_page_always
            with pytest.raises(TransientVenueError, match="ignored after=") as err:
                await venue.open_orders(SPOT)
            return err.value

    err = asyncio.run(scenario())
    assert err.kind == "malformed"


def test_a_listing_longer_than_the_page_budget_is_refused_not_truncated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("corp.venues.okx.OPEN_ORDERS_MAX_PAGES", 2)

    async def scenario():
        async with sim_venue() as (sim, venue):
            for i in range(250):  # three pages
                sim.state.exchange.place("alice", rest_order(i))
            with pytest.raises(TransientVenueError, match="need more than 2 pages") as err:
                await venue.open_orders(SPOT)
            return err.value

    assert asyncio.run(scenario()).kind == "malformed"
