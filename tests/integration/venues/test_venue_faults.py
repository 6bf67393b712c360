"""Each injected venue fault surfaces as the right classification, and is counted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from corp.errors import FatalVenueError, TransientVenueError
from corp.venues.base import OrderRequest
from corp.venues.config import ThrottleConfig
from corp.venues.okx import OkxVenue
from corp.venues.okx_sim.server import SimConfig, running_sim
from tests.integration.venues.conftest import (
    SPOT,
    admin,
    creds,
    extra_venue,
    sample,
    sim_venue,
    venue_config,
)

NO_RETRY = {"order_attempts": 1}


def fault_on_open_orders(rest: dict[str, Any], **overrides: Any) -> BaseException:
    """Inject ``rest`` on orders-pending, call open_orders once, return what it raised."""

    async def scenario() -> BaseException:
        async with sim_venue(**(NO_RETRY | overrides)) as (sim, venue):
            await admin(sim, "/fault", {"rest": {"path_contains": "orders-pending", **rest}})
            try:
                await venue.open_orders(SPOT)
            except Exception as exc:
                exc.metrics = venue  # type: ignore[attr-defined]
                return exc
            raise AssertionError("open_orders succeeded under an injected fault")

    return asyncio.run(scenario())


def test_rate_limit_429_with_code_50011_is_transient_and_counted_as_rate_limit() -> None:
    err = fault_on_open_orders({"kind": "rate_limit"})
    assert isinstance(err, TransientVenueError)
    assert err.kind == "rate_limit"
    assert sample(err.metrics, "corp_venue_rate_limits_total", op="fetch_open_orders") == 1.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_is_transient_unavailable(status: int) -> None:
    err = fault_on_open_orders({"kind": "server_error", "status": status})
    assert isinstance(err, TransientVenueError)
    assert err.kind == "unavailable"


def test_gateway_timeout_504_is_transient_timeout_and_ambiguous() -> None:
    err = fault_on_open_orders({"kind": "server_error", "status": 504})
    assert isinstance(err, TransientVenueError)
    assert (err.kind, err.ambiguous) == ("timeout", True)


def test_refused_connection_is_transient_unavailable_not_an_empty_answer() -> None:
    async def scenario() -> BaseException:
        async with running_sim(SimConfig(seed=7, step_ms=0)) as sim:
            venue = OkxVenue(venue_config(sim, order_attempts=1), creds("alice"))
            await venue.load()
        try:  # the simulator is gone: nothing listens on its port any more
            await venue.open_orders(SPOT)
        except TransientVenueError as exc:
            return exc
        finally:
            await venue.close()
        raise AssertionError("open_orders succeeded with no venue listening")

    err = asyncio.run(scenario())
    assert err.kind == "unavailable"


def test_html_200_is_never_read_as_no_open_orders() -> None:
    err = fault_on_open_orders({"kind": "html_200"})
    assert isinstance(err, TransientVenueError)
    assert err.kind == "malformed"
    assert "not an OKX envelope" in str(err)


def test_empty_200_is_never_read_as_no_open_orders() -> None:
    err = fault_on_open_orders({"kind": "empty_200"})
    assert isinstance(err, TransientVenueError)
    assert err.kind == "malformed"


@pytest.mark.parametrize("kind", ["html_200", "empty_200"])
def test_html_or_empty_200_on_an_order_lookup_is_never_read_as_order_unknown(kind: str) -> None:
    async def scenario():
        async with sim_venue(**NO_RETRY) as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "look1"))
            await admin(sim, "/fault", {"rest": {"kind": kind, "path_contains": "trade/order"}})
            with pytest.raises(TransientVenueError, match="kind=malformed"):
                await venue.order(SPOT, "look1")  # None would mean "never arrived: resubmit"

    asyncio.run(scenario())


def test_maintenance_code_50001_is_transient_unavailable() -> None:
    err = fault_on_open_orders({"kind": "maintenance"})
    assert isinstance(err, TransientVenueError)
    assert err.kind == "unavailable"


def test_answer_slower_than_the_timeout_is_transient_timeout() -> None:
    err = fault_on_open_orders({"kind": "slow", "delay_ms": 400}, timeout_ms=150)
    assert isinstance(err, TransientVenueError)
    assert err.kind == "timeout"
    assert (
        sample(err.metrics, "corp_venue_api_errors_total", op="fetch_open_orders", kind="timeout")
        == 1.0
    )


def test_added_latency_slows_every_call_but_keeps_answers_correct() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            await admin(sim, "/fault", {"latency_ms": 60})
            loop = asyncio.get_running_loop()
            start = loop.time()
            orders = await venue.open_orders(SPOT)
            return orders, loop.time() - start

    orders, elapsed = asyncio.run(scenario())
    assert orders == []
    assert elapsed >= 0.06


def test_a_single_transient_fault_on_a_read_is_retried_through() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            await admin(sim, "/fault", {"rest": {"kind": "rate_limit", "count": 1}})
            balances = await venue.balances()
            return balances, sample(venue, "corp_venue_rate_limits_total", op="fetch_balance")

    balances, limited = asyncio.run(scenario())
    assert balances["USDT"].total == 1_000_000.0
    assert limited == 1.0


def test_injected_order_reject_is_fatal_invalid_order_and_counted() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            await admin(sim, "/fault", {"orders": {"reject_rate": 1.0, "reject_code": "51121"}})
            try:
                await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "rej1"))
            except FatalVenueError as exc:
                return exc, sample(venue, "corp_venue_order_rejects_total", reason="invalid_order")
            raise AssertionError("submit succeeded although every order is rejected")

    err, rejects = asyncio.run(scenario())
    assert err.kind == "invalid_order"
    assert rejects == 1.0


def test_insufficient_funds_is_fatal_and_never_retried() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            try:
                await venue.submit(OrderRequest(SPOT, "sell", 40_000.0, 50.0, "poor1"))
            except FatalVenueError as exc:
                return exc, sim.state.rest_requests
            raise AssertionError("an order beyond the balance was accepted")

    err, requests = asyncio.run(scenario())
    assert err.kind == "insufficient_funds"
    assert requests == 3  # load_markets (spot, swap), then exactly one submission: no retry


def test_partial_fill_fault_leaves_resting_orders_partially_filled_and_counts_them() -> None:
    async def scenario():
        async with sim_venue() as (sim, alice), extra_venue(sim, "bob") as bob:
            await admin(sim, "/fault", {"orders": {"partial_fill_rate": 1.0}})
            await alice.submit(OrderRequest(SPOT, "buy", 29_999.0, 0.01, "pf1"))
            await bob.submit(OrderRequest(SPOT, "sell", 29_999.0, 0.01, "pf2", post_only=False))
            snap = await alice.order(SPOT, "pf1")
            return snap, sample(alice, "corp_venue_partial_fills_total")

    snap, partials = asyncio.run(scenario())
    assert snap.status == "partially_filled"
    assert snap.filled_base == pytest.approx(0.005)
    assert partials == 1.0


def test_client_throttle_keeps_a_burst_under_the_venues_rate_limit() -> None:
    async def scenario(rate_per_sec: float) -> tuple[int, float]:
        sim_config = SimConfig(seed=7, step_ms=0, account_rate_per_sec=10.0, account_burst=3)
        throttle = ThrottleConfig(rate_per_sec=rate_per_sec, burst=3)
        async with sim_venue(sim_config=sim_config, throttle=throttle, order_attempts=1) as (_, v):
            refused = 0
            for i in range(8):
                try:
                    await v.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.001, f"thr{i}"))
                except TransientVenueError:
                    refused += 1
            return refused, sample(v, "corp_venue_rate_limits_total", op="create_order")

    # 8/s under the venue's 10/s never trips it, however slow the machine
    assert asyncio.run(scenario(8.0)) == (0, 0.0)
    # unthrottled, 8 orders would have to take > 0.5 s to stay under 3 + 10/s
    refused, limited = asyncio.run(scenario(10_000.0))
    assert refused > 0
    assert limited == float(refused)
