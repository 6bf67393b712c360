"""okx_sim stays consistent under concurrent clients and drills: no negative balance, every fill
matched on both sides, quantity and money conserved."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import defaultdict
from decimal import Decimal

from corp.errors import VenueError
from corp.venues.base import OrderRequest
from corp.venues.okx_sim.server import SimConfig, running_sim
from tests.integration.venues.conftest import SPOT, SWAP, admin, extra_venue, sim_venue

CLIENTS = 4
ORDERS_PER_CLIENT = 25


async def trade_randomly(venue, name: str, seed: int) -> int:
    rng = random.Random(seed)
    placed = 0
    for i in range(ORDERS_PER_CLIENT):
        symbol = SPOT if rng.random() < 0.5 else SWAP
        side = rng.choice(["buy", "sell"])
        px = round(30_000.0 + rng.uniform(-15.0, 15.0), 1)
        size = 0.01 * rng.randint(1, 5)
        cid = f"{name}{i}"
        try:
            await venue.submit(
                OrderRequest(symbol, side, px, size, cid, post_only=rng.random() < 0.5)
            )
            placed += 1
            if rng.random() < 0.4:
                await venue.cancel(symbol, cid)
        except VenueError:
            continue  # e.g. insufficient funds: refused whole, nothing to check
    return placed


def test_concurrent_clients_with_background_flow_keep_the_venue_consistent() -> None:
    async def scenario():
        config = SimConfig(
            seed=5, step_ms=10, mu_per_sec=40.0, alpha_per_sec=10.0, beta_per_sec=20.0
        )
        async with running_sim(config) as sim:
            names = [f"c{i}" for i in range(CLIENTS)]
            for name in names:
                sim.state.exchange.account(name)
            totals_before = sim.state.exchange.audit()["totals"]
            async with contextlib.AsyncExitStack() as stack:  # every venue closed, even on failure
                entered = [await stack.enter_async_context(extra_venue(sim, n)) for n in names]
                placed = await asyncio.gather(
                    *(
                        trade_randomly(v, n, s)
                        for s, (v, n) in enumerate(zip(entered, names, strict=True))
                    )
                )
            await admin(sim, "/step", {"secs": 1.0})
            return sim.state.exchange, totals_before, placed

    exchange, totals_before, placed = asyncio.run(scenario())
    audit = exchange.audit()
    assert sum(placed) >= CLIENTS * ORDERS_PER_CLIENT // 2
    assert audit["problems"] == []  # no negative or mis-frozen balance, no crossed book
    # fees move money between accounts and the venue, never create or destroy it; swap PnL is
    # zero-sum once the open positions are marked (realised PnL is booked on a 1e-10 grid)
    usdt_now = audit["totals"]["USDT"] + audit["unrealized_quote"].get("USDT", Decimal(0))
    assert abs(usdt_now - totals_before["USDT"]) < Decimal("1e-6")
    assert audit["totals"]["BTC"] == totals_before["BTC"]
    assert audit["net_position_lots"] == {"BTC-USDT-SWAP": 0}
    legs: dict[str, list[dict[str, str]]] = defaultdict(list)
    for fills in exchange.fills.values():
        for fill in fills:
            legs[fill["tradeId"]].append(fill)
    assert legs
    for trade_id, pair in legs.items():
        assert len(pair) == 2, trade_id
        assert {f["side"] for f in pair} == {"buy", "sell"}
        assert {f["execType"] for f in pair} == {"M", "T"}
        assert pair[0]["fillSz"] == pair[1]["fillSz"]
        assert pair[0]["fillPx"] == pair[1]["fillPx"]
    for order in exchange.orders.values():
        filled = sum(
            Decimal(f["fillSz"])
            for f in exchange.fills.get(order.account, [])
            if f["ordId"] == str(order.ord_id)
        )
        assert filled == exchange.instruments[order.inst_id].sz(order.filled_lots)


def test_price_crash_drill_trades_through_a_stale_resting_bid() -> None:
    async def scenario():
        async with sim_venue(sim_config=SimConfig(seed=9, step_ms=0)) as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_990.0, 0.01, "stale1"))
            await admin(sim, "/price", {"move_pct": -2.0, "over_secs": 1.0})
            for _ in range(10):
                await admin(sim, "/step", {"secs": 0.1})
            state = await admin(sim, "/state", method="GET")
            return await venue.order(SPOT, "stale1"), state

    snap, state = asyncio.run(scenario())
    assert snap.status == "filled"
    assert state["fair_px"]["BTC-USDT"] < 30_000.0 * 0.985
    assert state["problems"] == []


def test_regime_switch_rejects_a_non_stationary_hawkes_with_a_clear_message() -> None:
    async def scenario():
        async with running_sim(SimConfig(seed=1, step_ms=0)) as sim:
            bad = await admin(
                sim, "/regime", {"mu_per_sec": 1, "alpha_per_sec": 3, "beta_per_sec": 2}
            )
            good = await admin(
                sim, "/regime", {"mu_per_sec": 50, "alpha_per_sec": 1, "beta_per_sec": 2}
            )
            takers = await admin(sim, "/step", {"secs": 1.0})
            return bad, good, takers

    bad, good, takers = asyncio.run(scenario())
    assert bad["ok"] is False
    assert "alpha must be < beta" in bad["error"]
    assert good["ok"] is True
    assert takers["takers"] > 20  # μ=50/s with excitation: far above the default regime


def test_unknown_fault_key_is_refused_naming_the_allowed_keys() -> None:
    async def scenario():
        async with running_sim(SimConfig(seed=1, step_ms=0)) as sim:
            return await admin(sim, "/fault", {"explode": True})

    answer = asyncio.run(scenario())
    assert answer["ok"] is False
    assert "fault keys must be among" in answer["error"]
