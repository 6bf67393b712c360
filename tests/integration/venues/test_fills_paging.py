"""The venue walks every page of fills-history (100 rows each, ``after`` = billId, newest first),
so reconcile reports every fill of the known orders after an outage of any length: a fill left
out is a lost fill (wrong position, wrong PnL). Real ccxt against okx_sim over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from corp.errors import TransientVenueError
from corp.venues.base import OrderRequest
from corp.venues.okx import OkxVenue
from corp.venues.okx_sim.exchange import SimExchange
from corp.venues.okx_sim.server import RunningSim
from tests.integration.venues.conftest import SPOT, count_calls, sim_venue

HEADERS = {"OK-ACCESS-KEY": "alice", "OK-ACCESS-PASSPHRASE": "p"}
BID_PX = "30000"
"""Inside the house spread (best bid 29994, ask 30006): bob's sells fill only alice's bids."""
START_MS = 1_700_000_000_000


class Clock:
    """A settable venue clock (ms), so fill timestamps are distinct and known."""

    def __init__(self) -> None:
        self.now_ms = START_MS

    def __call__(self) -> int:
        return self.now_ms


def set_clock(sim: RunningSim) -> Clock:
    clock = Clock()
    sim.state.exchange.clock_ms = clock
    return clock


def rest_bid(cl_ord_id: str, sz: str) -> dict[str, str]:
    return {
        "instId": "BTC-USDT",
        "side": "buy",
        "ordType": "post_only",
        "px": BID_PX,
        "sz": sz,
        "clOrdId": cl_ord_id,
    }


def hit_bids(ex: SimExchange, n: int, clock: Clock | None = None) -> None:
    """bob sells 0.001 into alice's best bid ``n`` times: one alice fill each (time priority
    fills her bids in order), ``clock`` advanced 1 ms before each when given."""
    for _ in range(n):
        if clock is not None:
            clock.now_ms += 1
        sell = {"instId": "BTC-USDT", "side": "sell", "ordType": "ioc", "px": BID_PX, "sz": "0.001"}
        assert ex.place("bob", sell).order.filled_lots == 10


def alice_bill_ids(ex: SimExchange) -> list[str]:
    """alice's billIds at the simulator, newest first."""
    return [f["billId"] for f in reversed(ex.fills["alice"])]


def listed_bill_ids(venue_fills: list[Any], ex: SimExchange) -> list[str]:
    """The billIds of the venue's fills, via the simulator's (tradeId, ordId) -> billId."""
    by_trade = {(f["tradeId"], f["ordId"]): f["billId"] for f in ex.fills["alice"]}
    return [by_trade[(f.trade_id, f.venue_order_id)] for f in venue_fills]


async def fills_history(sim: RunningSim, **query: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession(headers=HEADERS) as session,
        session.get(
            f"{sim.rest_url}/api/v5/trade/fills-history",
            params={"instType": "SPOT", "instId": "BTC-USDT", **query},
        ) as resp,
    ):
        return await resp.json()


def test_fills_history_over_http_pages_by_bill_id_and_refuses_bad_values_with_51000() -> None:
    async def scenario():
        async with sim_venue() as (sim, _):
            ex = sim.state.exchange
            assert ex.place("alice", rest_bid("mk1", "1")).ok
            hit_bids(ex, 150)
            first = await fills_history(sim)
            second = await fills_history(sim, after=first["data"][-1]["billId"])
            small = await fills_history(sim, limit="5")
            refused = [
                await fills_history(sim, **{name: value})
                for name, value in (
                    ("limit", "101"),
                    ("limit", "0"),
                    ("after", "x1"),
                    ("before", "-3"),
                    ("begin", "soon"),
                    ("end", "1.5"),
                )
            ]
            return alice_bill_ids(ex), first, second, small, refused

    every, first, second, small, refused = asyncio.run(scenario())
    assert [r["billId"] for r in first["data"]] == every[:100]
    assert [r["billId"] for r in second["data"]] == every[100:]
    assert [r["billId"] for r in small["data"]] == every[:5]
    assert [(r["code"], r["msg"], r["data"]) for r in refused] == [
        ("51000", "Parameter limit error", []),
        ("51000", "Parameter limit error", []),
        ("51000", "Parameter after error", []),
        ("51000", "Parameter before error", []),
        ("51000", "Parameter begin error", []),
        ("51000", "Parameter end error", []),
    ]


def test_reconcile_reports_every_one_of_300_fills_of_the_known_orders() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            ex = sim.state.exchange
            for cid in ("run1", "run2", "run3"):
                await venue.submit(OrderRequest(SPOT, "buy", float(BID_PX), 0.1, cid))
            await venue.submit(OrderRequest(SPOT, "buy", float(BID_PX), 0.05, "manual1"))
            hit_bids(ex, 320)  # 100 each for run1..run3, then 20 for manual1 (not known)
            calls = count_calls(venue, "fetch_my_trades")
            result = await venue.reconcile(SPOT, ["run1", "run2", "run3"], orphan_prefix="run")
            known_at_venue = [
                f["billId"]
                for f in reversed(ex.fills["alice"])
                if f["clOrdId"] in ("run1", "run2", "run3")
            ]
            return ex, result, known_at_venue, calls

    ex, result, known_at_venue, calls = asyncio.run(scenario())
    assert len(known_at_venue) == 300
    assert listed_bill_ids(result.fills, ex) == known_at_venue  # every one, newest first
    assert sum(f.size_base for f in result.fills) == pytest.approx(0.3)
    assert [(o.client_order_id, o.status) for o in result.finished] == [
        ("run1", "filled"),
        ("run2", "filled"),
        ("run3", "filled"),
    ]
    # 100 + 100 + 100 + 20 (short: the end), then one page from the top for fills meanwhile
    assert [len(answer) for _, answer in calls] == [100, 100, 100, 20, 100]
    assert [args[1:3] for args, _ in calls] == [(None, 100)] * 5  # since not sent: limit kept
    afters = [args[3].get("after") for args, _ in calls]
    assert (afters[0], afters[4]) == (None, None)
    assert afters[1:4] == [
        str(min(int(t["info"]["billId"]) for t in answer)) for _, answer in calls[:3]
    ]


def test_reconcile_reads_fills_only_back_to_the_oldest_known_order_by_default() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            ex = sim.state.exchange
            clock = set_clock(sim)
            assert ex.place("alice", rest_bid("old1", "0.5")).ok
            hit_bids(ex, 500, clock)  # five pages of older fills of an order not asked about
            clock.now_ms += 1
            await venue.submit(OrderRequest(SPOT, "buy", float(BID_PX), 0.1, "run1"))
            hit_bids(ex, 30, clock)
            calls = count_calls(venue, "fetch_my_trades")
            default = await venue.reconcile(SPOT, ["run1"])
            default_pages = len(calls)
            explicit = await venue.reconcile(SPOT, ["run1", "old1"], fills_since_ns=0)
            return default, default_pages, explicit, len(calls) - default_pages

    default, default_pages, explicit, explicit_pages = asyncio.run(scenario())
    assert [f.client_order_id for f in default.fills] == ["run1"] * 30
    assert default_pages == 1  # the first page already reaches run1's creation
    assert len(explicit.fills) == 530
    assert explicit_pages == 6 + 1  # 100 x 5 + 30, then the catch-up page


def test_reconcile_with_no_known_order_at_the_venue_reads_no_fills() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            assert sim.state.exchange.place("alice", rest_bid("other1", "0.1")).ok
            hit_bids(sim.state.exchange, 5)
            calls = count_calls(venue, "fetch_my_trades")
            result = await venue.reconcile(SPOT, ["runLost1"])
            return result, calls

    result, calls = asyncio.run(scenario())
    assert result.never_arrived == ["runLost1"]
    assert result.fills == []
    assert calls == []


def test_since_ns_keeps_exactly_the_fills_at_or_after_it_and_stops_paging_there() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            ex = sim.state.exchange
            clock = set_clock(sim)
            assert ex.place("alice", rest_bid("mk1", "1")).ok
            hit_bids(ex, 350, clock)  # ts START_MS+1 .. START_MS+350, one per ms
            calls = count_calls(venue, "fetch_my_trades")
            cut_ms = START_MS + 101  # keeps the newest 250
            exact = await venue.fills(SPOT, since_ns=cut_ms * 1_000_000)
            exact_pages = len(calls)
            mid_ms = await venue.fills(SPOT, since_ns=cut_ms * 1_000_000 + 999_999)
            everything = await venue.fills(SPOT)
            return ex, exact, exact_pages, mid_ms, everything

    ex, exact, exact_pages, mid_ms, everything = asyncio.run(scenario())
    every = alice_bill_ids(ex)
    assert listed_bill_ids(exact, ex) == every[:250]
    assert min(f.ts_ns for f in exact) == (START_MS + 101) * 1_000_000
    assert exact_pages == 3 + 1  # the third page reaches older fills: stop, then catch up
    # inside the same millisecond: OKX's ts is ms, so that fill may be after since_ns, kept
    assert listed_bill_ids(mid_ms, ex) == every[:250]
    assert listed_bill_ids(everything, ex) == every  # None: every fill the venue keeps


def fill_during(venue: OkxVenue, sim: RunningSim, arrivals: dict[int, int]) -> None:
    """Once the venue has read page ``n``, make ``arrivals[n]`` new alice fills at the simulator
    (before the next page is asked for): fills that land while the pages are walked."""
    real: Callable[..., Awaitable[Any]] = venue.exchange.fetch_my_trades
    pages = [0]

    async def fetch_then_fill(*args: Any) -> Any:
        answer = await real(*args)
        pages[0] += 1
        hit_bids(sim.state.exchange, arrivals.get(pages[0], 0))
        return answer

    venue.exchange.fetch_my_trades = fetch_then_fill


@pytest.mark.parametrize(
    "arrivals",
    [
        {1: 1},  # one fill during the first walk
        {1: 150},  # more than a page: the catch-up walk pages too
        {1: 150, 4: 150},  # and more while that catch-up pages: a second catch-up finds them
    ],
)
def test_fills_that_land_while_the_pages_are_walked_are_not_lost(arrivals: dict[int, int]) -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            ex = sim.state.exchange
            assert ex.place("alice", rest_bid("mk1", "1")).ok
            hit_bids(ex, 250)
            fill_during(venue, sim, arrivals)
            listed = await venue.fills(SPOT)
            return ex, listed

    ex, listed = asyncio.run(scenario())
    assert len(ex.fills["alice"]) == 250 + sum(arrivals.values())
    assert listed_bill_ids(listed, ex) == alice_bill_ids(ex)  # each once, newest first


def test_a_fill_history_longer_than_the_page_budget_is_refused_not_truncated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("corp.venues.okx.FILLS_MAX_PAGES", 2)

    async def scenario():
        async with sim_venue() as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", float(BID_PX), 1.0, "run1"))
            hit_bids(sim.state.exchange, 250)  # three pages
            with pytest.raises(TransientVenueError, match="need more than 2 pages") as err:
                await venue.reconcile(SPOT, ["run1"])
            return err.value

    assert asyncio.run(scenario()).kind == "malformed"


def test_a_venue_that_ignores_the_after_cursor_is_refused_not_read_as_complete() -> None:
    async def scenario():
        async with sim_venue(order_attempts=1) as (sim, venue):
            assert sim.state.exchange.place("alice", rest_bid("mk1", "1")).ok
            hit_bids(sim.state.exchange, 120)
            real = venue.exchange.fetch_my_trades

            async def first_page_always(symbol, since, limit, params):  # drops ``after``
                return await real(symbol, since, limit, {})

            venue.exchange.fetch_my_trades = first_page_always
            with pytest.raises(TransientVenueError, match="ignored after=") as err:
                await venue.fills(SPOT)
            return err.value

    assert asyncio.run(scenario()).kind == "malformed"


def test_a_fill_row_without_a_bill_id_is_refused_not_guessed() -> None:
    async def scenario():
        async with sim_venue(order_attempts=1) as (sim, venue):
            assert sim.state.exchange.place("alice", rest_bid("mk1", "1")).ok
            hit_bids(sim.state.exchange, 3)
            real = venue.exchange.fetch_my_trades

            async def without_bill_id(*args: Any) -> Any:  # a venue row lacking the cursor
                answer = await real(*args)
                del answer[1]["info"]["billId"]
                return answer

            venue.exchange.fetch_my_trades = without_bill_id
            with pytest.raises(TransientVenueError, match="no usable billId") as err:
                await venue.fills(SPOT)
            return err.value

    assert asyncio.run(scenario()).kind == "malformed"
