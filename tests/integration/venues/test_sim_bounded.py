"""okx_sim's per-connection state is bounded: the connection logs, each socket's send queue and
its subscription table hold a fixed number of entries however long the venue runs."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import WSMsgType

from corp.venues.okx_sim import ws as sim_ws
from corp.venues.okx_sim.server import SimConfig, running_sim
from tests.integration.venues.conftest import admin, until


def test_connection_logs_keep_only_the_latest_accepts_and_drops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sim_ws, "CONNECTION_LOG_MAX", 3)

    async def scenario():
        async with running_sim(SimConfig(seed=1, step_ms=0)) as sim, aiohttp.ClientSession() as s:
            hub = sim.state.hub
            for _ in range(5):
                async with s.ws_connect(f"{sim.ws_url}/public") as sock:
                    await sock.send_str("ping")
                    assert (await sock.receive(timeout=5)).data == "pong"
                await admin(sim, "/ws/drop")
            await until(lambda: not hub.conns, "every socket closed")
            return list(hub.accepted_secs), list(hub.dropped_secs), hub

    accepted, dropped, hub = asyncio.run(scenario())
    assert len(accepted) == len(dropped) == 3
    assert accepted == sorted(accepted)  # the latest three, oldest first
    assert hub.accepted_secs.maxlen == 3


def test_a_consumer_that_falls_behind_is_cut_off_at_the_send_queue_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sim_ws, "SEND_QUEUE_MAX", 20)

    async def scenario():
        config = SimConfig(seed=1, step_ms=0, background=False)
        async with running_sim(config) as sim, aiohttp.ClientSession() as session:
            sub = {"op": "subscribe", "args": [{"channel": "books", "instId": "BTC-USDT"}]}
            async with session.ws_connect(f"{sim.ws_url}/public") as sock:
                await sock.send_str(json.dumps(sub))
                for _ in range(2):  # the subscribe ack, then the snapshot
                    await sock.receive(timeout=5)
                conn = next(iter(sim.state.hub.conns))
                ex = sim.state.exchange
                for i in range(50):  # one burst, no await: the writer cannot drain in between
                    ex.place(
                        "mm",
                        {
                            "instId": "BTC-USDT",
                            "side": "buy",
                            "ordType": "post_only",
                            "px": str(29_000 + i),
                            "sz": "0.001",
                        },
                    )
                queued = conn.queue.qsize()
                while (msg := await sock.receive(timeout=5)).type == WSMsgType.TEXT:
                    continue  # what was queued before the cut is still delivered
                return queued, msg, sock.close_code

    queued, msg, close_code = asyncio.run(scenario())
    assert queued == 20  # 50 updates published, the queue held its bound
    assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    assert close_code == 1008


def test_unsubscribing_forgets_the_subscription_arguments() -> None:
    async def scenario():
        async with (
            running_sim(SimConfig(seed=1, step_ms=0)) as sim,
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{sim.ws_url}/public") as sock,
        ):
            for op in ("subscribe", "unsubscribe") * 3:
                arg = {"channel": "trades", "instId": "BTC-USDT"}
                await sock.send_str(json.dumps({"op": op, "args": [arg]}))
                while json.loads((await sock.receive(timeout=5)).data).get("event") != op:
                    continue
            conn = next(iter(sim.state.hub.conns))
            return set(conn.subs), dict(conn.args)

    subs, args = asyncio.run(scenario())
    assert subs == set()
    assert args == {}
