"""The real ccxt client (sync, async and ccxt.pro) against okx_sim over loopback."""

from __future__ import annotations

import asyncio
import socket

import pytest

from corp.venues.base import OrderRequest
from corp.venues.okx import make_exchange
from corp.venues.okx_sim.server import SimConfig, sim_in_thread
from tests.integration.venues.conftest import (
    SPOT,
    SWAP,
    creds,
    extra_venue,
    sample,
    sim_venue,
    until_subscribed,
    venue_config,
)


def test_sync_ccxt_loads_spot_and_swap_markets_with_contract_size() -> None:
    with sim_in_thread(SimConfig(seed=1, step_ms=0)) as sim:
        ex = make_exchange(venue_config(sim), creds("alice"), "sync")
        try:
            markets = ex.load_markets()
        finally:
            ex.close()
    assert markets[SPOT]["spot"] is True
    assert markets[SWAP]["contractSize"] == 0.01
    assert markets[SWAP]["precision"]["price"] == 0.1


def test_sync_ccxt_reads_a_two_sided_book_and_a_matching_ticker() -> None:
    with sim_in_thread(SimConfig(seed=1, step_ms=0)) as sim:
        ex = make_exchange(venue_config(sim), creds("alice"), "sync")
        try:
            ex.load_markets()
            book = ex.fetch_order_book(SPOT, 5)
            ticker = ex.fetch_ticker(SPOT)
        finally:
            ex.close()
    assert len(book["bids"]) == 5
    assert len(book["asks"]) == 5
    assert book["bids"][0][0] < book["asks"][0][0]
    assert ticker["bid"] == book["bids"][0][0]
    assert ticker["ask"] == book["asks"][0][0]


def test_sync_ccxt_sees_public_trades_after_a_taker_order() -> None:
    with sim_in_thread(SimConfig(seed=1, step_ms=0)) as sim:
        ex = make_exchange(venue_config(sim), creds("alice"), "sync")
        try:
            ex.load_markets()
            ask = ex.fetch_order_book(SPOT, 1)["asks"][0][0]
            ex.create_order(SPOT, "limit", "buy", 0.001, ask, {"clientOrderId": "take1"})
            trades = ex.fetch_trades(SPOT, limit=10)
        finally:
            ex.close()
    assert trades[-1]["price"] == ask
    assert trades[-1]["side"] == "buy"


def test_post_only_order_rests_on_the_book_as_open() -> None:
    async def scenario():
        async with sim_venue() as (_, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_990.0, 0.01, "rest1"))
            return await venue.order(SPOT, "rest1"), await venue.open_orders(SPOT)

    snap, open_orders = asyncio.run(scenario())
    assert snap.status == "open"
    assert [o.client_order_id for o in open_orders] == ["rest1"]


def test_crossing_post_only_order_is_reported_rejected_and_counted() -> None:
    async def scenario():
        async with sim_venue() as (_, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 30_100.0, 0.01, "cross1"))
            snap = await venue.order(SPOT, "cross1")
            return snap, sample(venue, "corp_venue_order_rejects_total", reason="post_only")

    snap, rejects = asyncio.run(scenario())
    assert (snap.status, snap.reject_reason) == ("rejected", "post_only")
    assert rejects == 1.0


def test_resting_order_is_partially_then_fully_filled_by_another_client() -> None:
    async def scenario():
        async with sim_venue() as (sim, alice), extra_venue(sim, "bob") as bob:
            await alice.submit(OrderRequest(SPOT, "buy", 29_999.0, 0.01, "mk1"))
            await bob.submit(OrderRequest(SPOT, "sell", 29_999.0, 0.004, "tk1", post_only=False))
            partial = await alice.order(SPOT, "mk1")
            await bob.submit(OrderRequest(SPOT, "sell", 29_999.0, 0.006, "tk2", post_only=False))
            full = await alice.order(SPOT, "mk1")
            fills = await alice.fills(SPOT)
            return partial, full, fills, sample(alice, "corp_venue_partial_fills_total")

    partial, full, fills, partial_count = asyncio.run(scenario())
    assert (partial.status, partial.filled_base) == ("partially_filled", pytest.approx(0.004))
    assert (full.status, full.filled_base) == ("filled", pytest.approx(0.01))
    assert full.avg_price == pytest.approx(29_999.0)
    assert [f.size_base for f in fills] == pytest.approx([0.006, 0.004])
    assert all(f.liquidity == "maker" and f.fee_quote < 0 for f in fills)  # rebate
    assert partial_count == 1.0


def test_cancel_by_client_id_removes_the_order_and_a_second_cancel_reports_false() -> None:
    async def scenario():
        async with sim_venue() as (_, venue):
            await venue.submit(OrderRequest(SPOT, "sell", 30_050.0, 0.01, "cx1"))
            first = await venue.cancel(SPOT, "cx1")
            second = await venue.cancel(SPOT, "cx1")
            return first, second, await venue.order(SPOT, "cx1"), await venue.open_orders(SPOT)

    first, second, snap, open_orders = asyncio.run(scenario())
    assert (first, second) == (True, False)
    assert snap.status == "canceled"
    assert open_orders == []


def test_ccxt_cancel_orders_cancels_a_batch() -> None:
    async def scenario():
        async with sim_venue() as (_, venue):
            ids = []
            for i in range(3):
                ack = await venue.submit(OrderRequest(SPOT, "sell", 30_100.0 + i, 0.01, f"bc{i}"))
                ids.append(ack.venue_order_id)
            await venue.exchange.cancel_orders(ids, SPOT)
            return await venue.open_orders(SPOT)

    assert asyncio.run(scenario()) == []


def test_partially_failed_batch_raises_nothing_and_marks_only_the_failed_leg_rejected() -> None:
    def leg(side: str, amount: float, price: float, cid: str) -> dict:
        params = {"clientOrderId": cid, "postOnly": True}
        return {
            "symbol": SPOT,
            "type": "limit",
            "side": side,
            "amount": amount,
            "price": price,
            "params": params,
        }

    async def scenario():
        async with sim_venue() as (sim, venue):
            legs = [leg("buy", 0.01, 29_000.0, "bat1"), leg("sell", 500.0, 31_000.0, "bat2")]
            orders = await venue.exchange.create_orders(legs)
            return orders, sim.state.exchange.open_orders("alice"), list(sim.state.exchange.refused)

    orders, live, refused = asyncio.run(scenario())  # OKX answers code "2": ccxt does not raise
    assert (orders[1]["clientOrderId"], orders[1]["status"]) == ("bat2", "rejected")
    assert orders[0]["id"] == str(live[0].ord_id)
    assert [o.cl_ord_id for o in live] == ["bat1"]
    assert refused == [("alice", "bat2", "51008")]  # 500 BTC: more than the account holds


def test_balance_shows_funds_frozen_by_a_resting_buy() -> None:
    async def scenario():
        async with sim_venue() as (_, venue):
            before = await venue.balances()
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.1, "bal1"))
            return before, await venue.balances()

    before, after = asyncio.run(scenario())
    assert before["USDT"].used == 0.0
    assert after["USDT"].used == pytest.approx(2_900.0, rel=1e-3)  # plus the fee reserve
    assert after["USDT"].total == before["USDT"].total


def test_swap_fill_shows_as_a_position_in_base_units() -> None:
    async def scenario():
        async with sim_venue() as (_, venue):
            ask = (await venue.exchange.fetch_order_book(SWAP, 1))["asks"][0][0]
            await venue.submit(OrderRequest(SWAP, "buy", ask, 0.03, "pos1", post_only=False))
            return ask, await venue.positions([SWAP])

    ask, positions = asyncio.run(scenario())
    assert len(positions) == 1
    assert positions[0].size_base == pytest.approx(0.03)
    assert positions[0].avg_price == pytest.approx(ask)


def test_swap_size_that_is_not_a_whole_contract_is_refused_before_sending() -> None:
    async def scenario():
        async with sim_venue() as (_, venue):
            await venue.submit(OrderRequest(SWAP, "buy", 29_000.0, 0.015, "frac1"))

    with pytest.raises(ValueError, match=r"multiple of contractSize=0\.01"):
        asyncio.run(scenario())


def test_ccxt_pro_private_stream_delivers_the_fill_of_a_resting_order() -> None:
    async def scenario():
        async with sim_venue() as (sim, alice), extra_venue(sim, "bob") as bob:
            pro = make_exchange(venue_config(sim), creds("alice"), "pro")
            try:
                await pro.load_markets()
                first = asyncio.ensure_future(pro.watch_orders(SPOT))
                await until_subscribed(sim, "orders")
                await alice.submit(OrderRequest(SPOT, "buy", 29_999.0, 0.01, "ws1"))
                await asyncio.wait_for(first, 2.0)
                await bob.submit(OrderRequest(SPOT, "sell", 29_999.0, 0.01, "ws2", post_only=False))
                for _ in range(5):
                    orders = await asyncio.wait_for(pro.watch_orders(SPOT), 2.0)
                    if any(o["status"] == "closed" for o in orders):
                        return orders
                return orders
            finally:
                await pro.close()

    orders = asyncio.run(scenario())
    closed = [o for o in orders if o["status"] == "closed"]
    assert closed
    assert closed[-1]["clientOrderId"] == "ws1"
    assert closed[-1]["filled"] == pytest.approx(0.01)


def test_ccxt_pro_balance_stream_reports_the_account() -> None:
    async def scenario():
        async with sim_venue() as (sim, _):
            pro = make_exchange(venue_config(sim), creds("carol"), "pro")
            try:
                await pro.load_markets()
                return await asyncio.wait_for(pro.watch_balance(), 2.0)
            finally:
                await pro.close()

    balance = asyncio.run(scenario())
    assert balance["USDT"]["total"] == 1_000_000.0


def test_ccxt_pro_trades_stream_reports_a_taker_trade() -> None:
    async def scenario():
        async with sim_venue() as (sim, alice):
            pro = make_exchange(venue_config(sim), creds("watcher"), "pro")
            try:
                await pro.load_markets()
                pending = asyncio.ensure_future(pro.watch_trades(SPOT))
                await until_subscribed(sim, "trades")
                ask = (await alice.exchange.fetch_order_book(SPOT, 1))["asks"][0][0]
                await alice.submit(OrderRequest(SPOT, "buy", ask, 0.001, "tt1", post_only=False))
                return ask, await asyncio.wait_for(pending, 2.0)
            finally:
                await pro.close()

    ask, trades = asyncio.run(scenario())
    assert trades[-1]["price"] == ask
    assert trades[-1]["side"] == "buy"


def test_simulator_listening_socket_sets_tcp_nodelay() -> None:
    async def scenario():
        async with sim_venue() as (sim, _):
            return sim.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

    assert asyncio.run(scenario()) != 0


def test_ccxt_pro_positions_stream_reports_a_new_swap_position() -> None:
    async def scenario():
        async with sim_venue() as (sim, alice):
            pro = make_exchange(venue_config(sim), creds("alice"), "pro")
            try:
                await pro.load_markets()
                pending = asyncio.ensure_future(pro.watch_positions([SWAP]))
                await until_subscribed(sim, "positions")
                ask = (await alice.exchange.fetch_order_book(SWAP, 1))["asks"][0][0]
                await alice.submit(OrderRequest(SWAP, "buy", ask, 0.02, "wp1", post_only=False))
                positions = await asyncio.wait_for(pending, 2.0)
                while not positions or not positions[-1]["contracts"]:
                    positions = await asyncio.wait_for(pro.watch_positions([SWAP]), 2.0)
                return positions
            finally:
                await pro.close()

    positions = asyncio.run(scenario())
    assert positions[-1]["symbol"] == SWAP
    assert positions[-1]["contracts"] == 2.0
    assert positions[-1]["side"] == "long"
