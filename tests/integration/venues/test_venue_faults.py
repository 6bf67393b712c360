"""Each injected venue fault surfaces as the right classification, and is counted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from corp.errors import FatalVenueError, TransientVenueError
from corp.venues.base import OrderRequest
from corp.venues.classify import CancelNotConfirmed
from corp.venues.config import BackoffConfig, ThrottleConfig
from corp.venues.okx import OkxVenue
from corp.venues.okx_sim.server import SimConfig, running_sim
from tests.integration.venues.conftest import (
    SPOT,
    admin,
    creds,
    extra_venue,
    sample,
    sim_venue,
    until,
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


SLOW_CANCEL = {"kind": "slow", "path_contains": "cancel-order"}
# a retry waits 150 ms: long enough for a cancel delayed 250 ms (timed out at 150 ms) to land first
PATIENT = {
    "timeout_ms": 150,
    "backoff": BackoffConfig(initial_ms=150.0, max_ms=150.0, jitter_pct=0),
}


def test_cancel_that_times_out_but_lands_is_confirmed_cancelled_and_replaced_once() -> None:
    async def scenario():
        async with sim_venue(**PATIENT) as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "cto1"))
            await admin(sim, "/fault", {"rest": {**SLOW_CANCEL, "delay_ms": 250, "count": 1}})
            cancelled = await venue.cancel(SPOT, "cto1")  # answers after its own 150 ms timeout
            if cancelled:  # the engine's cancel/replace: replace only what is known cancelled
                await venue.submit(OrderRequest(SPOT, "buy", 29_001.0, 0.01, "cto2"))
            live = [o.cl_ord_id for o in sim.state.exchange.open_orders("alice")]
            return cancelled, await venue.order(SPOT, "cto1"), live

    cancelled, first, live = asyncio.run(scenario())
    # the retry met 51400 (the first cancel had landed): looked up, it is cancelled, not "unknown"
    assert cancelled is True
    assert first.status == "canceled"
    assert live == ["cto2"]  # exactly one live order: the replacement


def test_cancel_that_times_out_while_the_order_fills_reports_it_not_cancelled() -> None:
    async def scenario():
        async with sim_venue(timeout_ms=300) as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_999.0, 0.01, "ctf1"))
            await admin(sim, "/fault", {"rest": {**SLOW_CANCEL, "delay_ms": 600, "count": 1}})
            seen = sim.state.rest_requests
            cancel = asyncio.create_task(venue.cancel(SPOT, "ctf1"))
            await until(lambda: sim.state.rest_requests > seen, "the cancel reaches the venue")
            taker = {"instId": "BTC-USDT", "side": "sell", "ordType": "market", "sz": "0.01"}
            assert sim.state.exchange.place("bob", taker).ok  # fills ctf1 while the cancel waits
            cancelled = await cancel
            return (
                cancelled,
                await venue.order(SPOT, "ctf1"),
                sim.state.exchange.open_orders("alice"),
            )

    cancelled, snap, live = asyncio.run(scenario())
    assert cancelled is False  # never "cancelled": it filled
    assert snap.status == "filled"
    assert live == []


def test_cancel_lost_to_a_gateway_timeout_finds_the_order_live_and_cancels_it() -> None:
    async def scenario():
        async with sim_venue(timeout_ms=300) as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "ctl1"))
            lost = {"kind": "server_error", "status": 504, "path_contains": "cancel-order"}
            await admin(sim, "/fault", {"rest": {**lost, "count": 1}})  # never processed
            lookups = sample(venue, "corp_venue_api_latency_seconds_count", op="fetch_order")
            cancelled = await venue.cancel(SPOT, "ctl1")
            looked_up = (
                sample(venue, "corp_venue_api_latency_seconds_count", op="fetch_order") - lookups
            )
            return cancelled, looked_up, sim.state.exchange.open_orders("alice")

    cancelled, looked_up, live = asyncio.run(scenario())
    assert cancelled is True
    assert looked_up == 1.0  # the timeout was not read as cancelled: the order was looked up
    assert live == []


def test_cancel_lost_on_every_attempt_reports_the_order_still_live() -> None:
    async def scenario():
        async with sim_venue(timeout_ms=300) as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "ctl2"))
            lost = {"kind": "server_error", "status": 504, "path_contains": "cancel-order"}
            await admin(sim, "/fault", {"rest": lost})
            with pytest.raises(CancelNotConfirmed, match="still open") as err:
                await venue.cancel(SPOT, "ctl2")
            live = [o.cl_ord_id for o in sim.state.exchange.open_orders("alice")]
            await admin(sim, "/fault", method="DELETE")
            return err.value, live, await venue.cancel(SPOT, "ctl2")

    err, live_after_failure, cancelled_later = asyncio.run(scenario())
    assert (err.kind, err.order.client_order_id, err.order.status) == ("timeout", "ctl2", "open")
    assert live_after_failure == ["ctl2"]  # it was live, and reported live
    assert cancelled_later is True


def test_cancel_with_every_request_timing_out_reports_the_state_unknown_then_reconciles() -> None:
    async def scenario():
        async with sim_venue(timeout_ms=150, order_attempts=2) as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "ctu1"))
            await admin(sim, "/fault", {"latency_ms": 300})  # cancels and look-ups alike
            with pytest.raises(CancelNotConfirmed, match="state unknown") as err:
                await venue.cancel(SPOT, "ctu1")
            await admin(sim, "/fault", method="DELETE")
            order = sim.state.exchange.find("alice", None, None, "ctu1")
            await until(lambda: order.state == "canceled", "a delayed cancel lands")
            result = await venue.reconcile(SPOT, ["ctu1"])
            return err.value, result, sim.state.exchange.open_orders("alice")

    err, result, live = asyncio.run(scenario())
    assert err.order is None  # unknown, so never reported cancelled (nor live)
    assert [(o.client_order_id, o.status) for o in result.finished] == [("ctu1", "canceled")]
    assert result.live == []
    assert live == []


def test_rate_limited_cancel_is_retried_without_a_lookup() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "ctr1"))
            limited = {"kind": "rate_limit", "path_contains": "cancel-order", "count": 2}
            await admin(sim, "/fault", {"rest": limited})  # refused unprocessed: not ambiguous
            cancelled = await venue.cancel(SPOT, "ctr1")
            lookups = sample(venue, "corp_venue_api_latency_seconds_count", op="fetch_order")
            return cancelled, lookups, sim.state.exchange.open_orders("alice")

    cancelled, lookups, live = asyncio.run(scenario())
    assert cancelled is True
    assert lookups == 0.0
    assert live == []
