"""Helpers for driving the real ccxt client against okx_sim over loopback."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry

from corp.obs.metrics import VenueMetrics
from corp.venues.config import BackoffConfig, FeedConfig, OkxCredentials, VenueConfig
from corp.venues.okx import OkxVenue
from corp.venues.okx_sim.server import RunningSim, SimConfig, running_sim

SPOT = "BTC/USDT"
SWAP = "BTC/USDT:USDT"
FAST_BACKOFF = BackoffConfig(initial_ms=5.0, max_ms=20.0, jitter_pct=0.0)


def creds(name: str) -> OkxCredentials:
    """Simulator identity ``name`` (the simulator keys accounts by API key)."""
    env = {
        "CORP_OKX_API_KEY": name,
        "CORP_OKX_SECRET": f"{name}-secret",
        "CORP_OKX_PASSPHRASE": f"{name}-pass",
    }
    return OkxCredentials.from_env(env, mode="okx_demo_sim")


def venue_config(sim: RunningSim, **overrides: Any) -> VenueConfig:
    fields: dict[str, Any] = {
        "mode": "okx_demo_sim",
        "rest_url": sim.rest_url,
        "ws_url": sim.ws_url,
        "timeout_ms": 1_000,
        "backoff": FAST_BACKOFF,
        "feed": FeedConfig(
            data_idle_timeout_ms=300.0,
            dead_peer_timeout_ms=1_000.0,
            keepalive_ms=300.0,  # ccxt fails a socket after 2x without pong: 600 ms, CI-tolerant
            backoff=BackoffConfig(initial_ms=20.0, max_ms=80.0, jitter_pct=25.0),
        ),
    }
    fields.update(overrides)
    return VenueConfig(**fields)


async def admin(
    sim: RunningSim, path: str, body: dict[str, Any] | None = None, *, method: str = "POST"
) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{sim.admin_url}{path}", json=body) as resp,
    ):
        return await resp.json()


@contextlib.asynccontextmanager
async def sim_venue(
    name: str = "alice", *, sim_config: SimConfig | None = None, **overrides: Any
) -> AsyncIterator[tuple[RunningSim, OkxVenue]]:
    """A static-book simulator (no background stepping) and a loaded venue for ``name``."""
    async with running_sim(sim_config or SimConfig(seed=7, step_ms=0)) as sim:
        venue = OkxVenue(
            venue_config(sim, **overrides), creds(name), metrics=VenueMetrics(CollectorRegistry())
        )
        try:
            await venue.load()
            yield sim, venue
        finally:
            await venue.close()


@contextlib.asynccontextmanager
async def extra_venue(sim: RunningSim, name: str, **overrides: Any) -> AsyncIterator[OkxVenue]:
    venue = OkxVenue(
        venue_config(sim, **overrides), creds(name), metrics=VenueMetrics(CollectorRegistry())
    )
    try:
        await venue.load()
        yield venue
    finally:
        await venue.close()


def sample(venue: OkxVenue, name: str, **labels: str) -> float:
    value = venue.metrics.registry.get_sample_value(name, {"venue": "okx", **labels})
    return 0.0 if value is None else value


async def until(condition: Callable[[], object], what: str, timeout_secs: float = 5.0) -> None:
    """Wait (polling every 10 ms) until ``condition()`` is truthy, or fail naming ``what``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_secs
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.01)


async def until_subscribed(sim: RunningSim, channel: str, timeout_secs: float = 5.0) -> None:
    """Wait until some WebSocket connection of the simulator is subscribed to ``channel``."""
    await until(
        lambda: any(key[0] == channel for c in sim.state.hub.conns for key in c.subs),
        f"a subscription to {channel!r}",
        timeout_secs,
    )


def count_calls(venue: OkxVenue, name: str) -> list[tuple[tuple[Any, ...], Any]]:
    """Record every call of the ccxt method ``name`` with its answer (None if it raised); the
    request itself is real."""
    calls: list[tuple[tuple[Any, ...], Any]] = []
    real = getattr(venue.exchange, name)

    async def counted(*args: Any) -> Any:
        calls.append((args, None))
        answer = await real(*args)
        calls[-1] = (args, answer)
        return answer

    setattr(venue.exchange, name, counted)
    return calls
