"""Client order ids make submission idempotent; reconciliation leaves no duplicate, no orphan."""

from __future__ import annotations

import asyncio

import pytest

from corp.errors import TransientVenueError
from corp.venues.base import OrderRequest
from corp.venues.classify import SubmitNotConfirmed
from tests.integration.venues.conftest import SPOT, admin, extra_venue, sample, sim_venue, until

SLOW_SUBMIT = {"kind": "slow", "delay_ms": 800, "path_contains": "batch-orders"}


def test_a_timed_out_submission_is_not_resent_even_when_look_ups_find_nothing_yet() -> None:
    """The original is still in flight when every look-up runs: "absent" is not "lost". A re-send
    that filled and closed before the original landed would be a second order (a client id is
    refused only while pending), so the venue says it cannot confirm, and the late original is
    the only order."""

    async def scenario():
        async with sim_venue(timeout_ms=150) as (sim, venue):
            await admin(sim, "/fault", {"rest": {**SLOW_SUBMIT, "delay_ms": 1_500, "count": 1}})
            taker = OrderRequest(SPOT, "buy", 1_000_000.0, 0.01, "idem1", post_only=False)
            with pytest.raises(SubmitNotConfirmed, match="not seen at the venue yet") as err:
                await venue.submit(taker)
            exchange = sim.state.exchange
            await until(lambda: exchange.by_client_id.get(("alice", "idem1")), "it lands")
            orders = [o for o in exchange.orders.values() if o.cl_ord_id == "idem1"]
            retries = sample(venue, "corp_venue_order_retries_total")
            return err.value, orders, await venue.order(SPOT, "idem1"), retries

    err, orders, found, retries = asyncio.run(scenario())
    assert err.ambiguous is True
    assert len(orders) == 1  # never a second order, though the first filled and closed at once
    assert found is not None
    assert found.status == "filled"
    assert retries == 0.0


def test_submission_that_times_out_and_lands_before_the_lookup_is_found_not_resent() -> None:
    async def scenario():
        async with sim_venue(timeout_ms=150) as (sim, venue):
            await admin(sim, "/fault", {"rest": {**SLOW_SUBMIT, "delay_ms": 300, "count": 1}})
            # the first two look-ups time out too; the third runs after the original landed
            slow_lookup = {"kind": "slow", "delay_ms": 200, "path_contains": "trade/order"}
            await admin(sim, "/fault", {"rest": {**slow_lookup, "count": 2}})
            ack = await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "idem5"))
            retries = sample(venue, "corp_venue_order_retries_total")
            return (
                ack,
                sim.state.exchange.open_orders("alice"),
                list(sim.state.exchange.refused),
                retries,
            )

    ack, live, refused, retries = asyncio.run(scenario())
    assert ack.duplicate is True
    assert [(o.cl_ord_id, str(o.ord_id)) for o in live] == [("idem5", ack.venue_order_id)]
    assert refused == []  # nothing was sent a second time
    assert retries == 0.0


def test_submission_whose_fate_stays_unknown_is_not_resent_and_says_so() -> None:
    async def scenario():
        async with sim_venue(timeout_ms=100, order_attempts=3) as (sim, venue):
            # every request, lookups included, answers after the client gave up
            await admin(sim, "/fault", {"rest": {"kind": "slow", "delay_ms": 300}})
            with pytest.raises(SubmitNotConfirmed, match="could not be read; not re-sent") as err:
                await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "idem2"))
            exchange = sim.state.exchange
            await until(lambda: exchange.open_orders("alice"), "the slow original lands")
            refused = list(exchange.refused)
            retries = sample(venue, "corp_venue_order_retries_total")
            await admin(sim, "/fault", method="DELETE")
            again = await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "idem2"))
            return err.value, again, exchange.open_orders("alice"), refused, retries

    err, again, live, refused, retries = asyncio.run(scenario())
    assert err.ambiguous is True
    assert len(live) == 1
    assert refused == []  # only the original ever reached the venue: nothing was resent blind
    assert retries == 0.0
    assert again.duplicate is True
    assert again.venue_order_id == str(live[0].ord_id)


def test_an_original_that_landed_and_closed_while_unreadable_is_never_duplicated() -> None:
    """OKX refuses a client id only while its order is pending. A post-only buy above the ask is
    cancelled the moment it lands; had the venue resent after its unreadable look-ups, the
    resend would have been a second, live order."""

    async def scenario():
        async with sim_venue(timeout_ms=100, order_attempts=3) as (sim, venue):
            await admin(sim, "/fault", {"rest": {"kind": "slow", "delay_ms": 300}})
            crossing = OrderRequest(SPOT, "buy", 1_000_000.0, 0.01, "idem6")
            with pytest.raises(SubmitNotConfirmed):
                await venue.submit(crossing)
            exchange = sim.state.exchange
            await until(lambda: exchange.by_client_id.get(("alice", "idem6")), "it lands")
            await admin(sim, "/fault", method="DELETE")
            after = await venue.order(SPOT, "idem6")
            orders = [o for o in exchange.orders.values() if o.cl_ord_id == "idem6"]
            return after, orders

    after, orders = asyncio.run(scenario())
    assert after is not None
    assert after.status == "rejected"  # post-only that would have taken: closed on arrival
    assert len(orders) == 1


def test_a_client_id_is_refused_while_its_order_is_open_and_reusable_once_it_closed() -> None:
    async def scenario():
        async with sim_venue() as (_sim, venue):
            first = await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "idem7"))
            again = await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "idem7"))
            await venue.cancel(SPOT, "idem7")
            reused = await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "idem7"))
            return first, again, reused

    first, again, reused = asyncio.run(scenario())
    assert again.duplicate is True
    assert again.venue_order_id == first.venue_order_id
    assert reused.duplicate is False  # as on OKX: the closed order's id was free again
    assert reused.venue_order_id != first.venue_order_id


def test_resubmitting_a_known_client_id_returns_the_existing_order() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            first = await venue.submit(OrderRequest(SPOT, "sell", 31_000.0, 0.01, "idem3"))
            second = await venue.submit(OrderRequest(SPOT, "sell", 31_000.0, 0.01, "idem3"))
            return first, second, sim.state.exchange.open_orders("alice")

    first, second, live = asyncio.run(scenario())
    assert second.duplicate is True
    assert second.venue_order_id == first.venue_order_id
    assert len(live) == 1


def test_rate_limited_submission_is_retried_and_lands_once() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            await admin(sim, "/fault", {"rest": {"kind": "rate_limit", "count": 2}})
            ack = await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "idem4"))
            return ack, sim.state.exchange.open_orders("alice")

    ack, live = asyncio.run(scenario())
    assert ack.duplicate is False
    assert [o.cl_ord_id for o in live] == ["idem4"]


def test_reconcile_reports_finished_and_never_arrived_and_cancels_orphans() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "runAlive1"))
            await venue.submit(OrderRequest(SPOT, "buy", 29_001.0, 0.01, "runDone1"))
            await venue.cancel(SPOT, "runDone1")
            await venue.submit(OrderRequest(SPOT, "buy", 29_002.0, 0.01, "runOrphan1"))
            await venue.submit(OrderRequest(SPOT, "buy", 29_003.0, 0.01, "manual1"))
            result = await venue.reconcile(
                SPOT, ["runAlive1", "runDone1", "runLost1"], orphan_prefix="run"
            )
            remaining = sorted(o.cl_ord_id for o in sim.state.exchange.open_orders("alice"))
            return result, remaining

    result, remaining = asyncio.run(scenario())
    assert [o.client_order_id for o in result.live] == ["runAlive1"]
    assert [(o.client_order_id, o.status) for o in result.finished] == [("runDone1", "canceled")]
    assert result.never_arrived == ["runLost1"]
    assert [o.client_order_id for o in result.orphans_canceled] == ["runOrphan1"]
    assert remaining == ["manual1", "runAlive1"]


def test_reconcile_reports_an_open_order_beyond_the_first_open_orders_page_as_live() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "runOld1"))
            newer = {"instId": "BTC-USDT", "side": "buy", "ordType": "post_only", "px": "28000"}
            for _ in range(100):  # newer orders push runOld1 off orders-pending's 100-row page
                sim.state.exchange.place("alice", newer | {"sz": "0.001"})
            listed = await venue.open_orders(SPOT)
            result = await venue.reconcile(SPOT, ["runOld1"])
            return listed, result

    listed, result = asyncio.run(scenario())
    assert len(listed) == 101  # every page walked
    assert listed[0].client_order_id == "runOld1"  # oldest first
    assert [(o.client_order_id, o.status) for o in result.live] == [("runOld1", "open")]
    assert result.finished == []


def test_reconcile_after_an_html_answer_raises_instead_of_declaring_orders_gone() -> None:
    async def scenario():
        async with sim_venue(order_attempts=1) as (sim, venue):
            await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "runKeep1"))
            await admin(
                sim, "/fault", {"rest": {"kind": "html_200", "path_contains": "orders-pending"}}
            )
            with pytest.raises(TransientVenueError, match="kind=malformed"):
                await venue.reconcile(SPOT, ["runKeep1"], orphan_prefix="run")
            return sim.state.exchange.open_orders("alice")

    assert [o.cl_ord_id for o in asyncio.run(scenario())] == ["runKeep1"]


def test_invalid_client_order_id_is_refused_before_anything_is_sent() -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            before = sim.state.rest_requests
            with pytest.raises(
                ValueError, match="client_order_id must be 1-32 ASCII alphanumerics"
            ):
                await venue.submit(OrderRequest(SPOT, "buy", 29_000.0, 0.01, "bad-id_with-dash"))
            return sim.state.rest_requests - before

    assert asyncio.run(scenario()) == 0


def test_reconcile_returns_fills_that_happened_while_the_engine_was_not_looking() -> None:
    async def scenario():
        async with sim_venue() as (sim, alice), extra_venue(sim, "bob") as bob:
            await alice.submit(OrderRequest(SPOT, "buy", 29_999.0, 0.01, "runFill1"))
            await bob.submit(OrderRequest(SPOT, "sell", 29_999.0, 0.006, "bobT1", post_only=False))
            return await alice.reconcile(SPOT, ["runFill1"], orphan_prefix="run")

    result = asyncio.run(scenario())
    assert [o.status for o in result.live] == ["partially_filled"]
    assert [(f.client_order_id, f.size_base) for f in result.fills] == [
        ("runFill1", pytest.approx(0.006))
    ]


@pytest.mark.parametrize(
    ("price", "size"), [(float("nan"), 0.01), (float("inf"), 0.01), (29_000.0, 0.0)]
)
def test_non_finite_or_non_positive_order_is_refused_before_sending(
    price: float, size: float
) -> None:
    async def scenario():
        async with sim_venue() as (sim, venue):
            before = sim.state.rest_requests
            with pytest.raises(ValueError, match="must be finite and > 0"):
                await venue.submit(OrderRequest(SPOT, "buy", price, size, "nanord1"))
            return sim.state.rest_requests - before

    assert asyncio.run(scenario()) == 0
