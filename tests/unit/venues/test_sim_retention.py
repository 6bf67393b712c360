"""okx_sim history is bounded: over a long run every structure stays within a fixed number of
entries, while open orders, balances and the retained closed orders and fills stay correct."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import numpy as np

from corp.venues.okx_sim.exchange import (
    MARKET_TRADES_MAX,
    Retention,
    SimEvent,
    SimExchange,
    fmt,
)
from corp.venues.okx_sim.server import SimConfig, SimState, build_state

CAP = 300
"""Per-account caps of the long run: small, so a simulated hour overflows them many times."""
REFUSED_LOG = 50
STEP_MS = 1_000
MAKER = "mm"


class SimClock:
    """A settable millisecond clock, so an hour of venue time runs in seconds."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self.now_ms = start_ms

    def __call__(self) -> int:
        return self.now_ms


def run_flow(state: SimState, clock: SimClock, minutes: int, counter: list[int]) -> None:
    """Background market plus a maker that requotes a bid and an ask every second, sends one
    duplicate clOrdId (refused 51016) and so produces fills, cancels and refusals all along."""
    ex = state.exchange
    assert state.market is not None
    for _ in range(minutes * 60_000 // STEP_MS):
        clock.now_ms += STEP_MS
        state.step_market(STEP_MS / 1000)
        for order in ex.open_orders(MAKER, "BTC-USDT"):
            ex.cancel(MAKER, "BTC-USDT", str(order.ord_id), None)
        fair = Decimal(str(state.market.fair["BTC-USDT"])).quantize(Decimal("0.1"))
        for side, offset in (("buy", Decimal("-1.5")), ("sell", Decimal("1.5"))):
            counter[0] += 1
            ex.place(MAKER, quote(side, fair + offset, f"mm{counter[0]}"))
        ex.place(MAKER, quote("buy", fair - 50, f"mm{counter[0]}"))  # duplicate: refused


def quote(side: str, px: Decimal, cl_ord_id: str) -> dict[str, str]:
    return {
        "instId": "BTC-USDT",
        "side": side,
        "ordType": "post_only",
        "px": fmt(px),
        "sz": "0.01",
        "clOrdId": cl_ord_id,
    }


def container_sizes(root: object) -> dict[str, int]:
    """Entries of every container reachable from ``root``, by attribute path; the elements of
    a container share one path (``[*]``) holding the largest size among them."""
    sizes: dict[str, int] = {}
    seen: set[int] = set()

    def children(obj: object) -> Iterator[tuple[str, object]]:
        if isinstance(obj, dict):
            for value in obj.values():
                yield "[*]", value
        elif isinstance(obj, list | tuple | set | frozenset) or hasattr(obj, "maxlen"):
            for value in obj:  # type: ignore[attr-defined]
                yield "[*]", value
        else:
            names = list(getattr(obj, "__dict__", {}))
            for klass in type(obj).__mro__:
                names += list(getattr(klass, "__slots__", ()))
            for name in names:
                if hasattr(obj, name):
                    yield f".{name}", getattr(obj, name)

    def visit(path: str, obj: object) -> None:
        if id(obj) in seen or callable(obj) or isinstance(obj, str | bytes | int | float):
            return
        if isinstance(obj, Decimal | np.random.Generator):
            return
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            sizes[path] = max(sizes.get(path, 0), int(obj.size))
            return
        if isinstance(obj, dict | list | tuple | set | frozenset) or hasattr(obj, "maxlen"):
            sizes[path] = max(sizes.get(path, 0), len(obj))  # type: ignore[arg-type]
        for suffix, child in children(obj):
            visit(path + suffix, child)

    visit("state", root)
    return sizes


def long_run_state() -> tuple[SimState, SimClock]:
    clock = SimClock()
    retention = Retention(
        canceled_unfilled_per_account=CAP,
        traded_per_account=CAP,
        fills_per_account=CAP,
        refused_log=REFUSED_LOG,
    )
    state = build_state(SimConfig(seed=3, step_ms=0), clock_ms=clock, retention=retention)
    return state, clock


def test_no_structure_of_the_simulator_grows_with_run_length() -> None:
    state, clock = long_run_state()
    counter = [0]
    run_flow(state, clock, 20, counter)
    after_20_min = container_sizes(state)
    run_flow(state, clock, 40, counter)
    after_60_min = container_sizes(state)
    ex = state.exchange
    assert counter[0] > 10 * CAP  # the maker alone closed far more orders than any cap keeps
    grown = {
        path: (after_20_min.get(path, 0), size)
        for path, size in after_60_min.items()
        if size > 1.2 * after_20_min.get(path, 0) + 20
    }
    assert grown == {}, f"structures still growing after 20 simulated minutes: {grown}"
    open_count = sum(len(o) for o in ex._open.values())
    assert len(ex.orders) <= open_count + 2 * CAP * len(ex._closed)
    assert len(ex.by_client_id) <= len(ex.orders)
    assert all(len(fills) <= CAP for fills in ex.fills.values())
    assert all(len(trades) <= MARKET_TRADES_MAX for trades in ex.trades.values())
    assert len(ex.refused) == REFUSED_LOG
    assert ex.refused_total == counter[0] // 2  # every duplicate counted, only the latest listed


def test_a_long_run_forgets_only_closed_history_beyond_the_caps() -> None:
    state, clock = long_run_state()
    ex = state.exchange
    every_fill: list[dict[str, str]] = []  # the plain reference: all of the maker's fills

    def record(event: SimEvent) -> None:
        if event.kind == "order" and event.account == MAKER and event.payload["fill"]:
            every_fill.append(event.payload["fill"])

    ex.listeners.append(record)
    run_flow(state, clock, 30, [0])
    assert ex.audit()["problems"] == []  # frozen funds still match the open orders exactly
    live = ex.open_orders(MAKER)
    assert len(live) == 2
    for order in live:  # open orders are state: findable by ordId and clOrdId, whatever the age
        assert ex.find(MAKER, None, str(order.ord_id), None) is order
        assert ex.find(MAKER, None, None, order.cl_ord_id) is order
    closed = [o for o in ex.orders.values() if o.account == MAKER and not o.is_open]
    newest_closed = max(closed, key=lambda o: o.ord_id)
    assert ex.find(MAKER, None, None, newest_closed.cl_ord_id) is newest_closed
    assert ex.find(MAKER, None, None, "mm1") is None  # the first quote is long forgotten
    assert len(every_fill) > 2 * CAP
    assert list(ex.fills[MAKER]) == every_fill[-CAP:]  # exactly the newest CAP fills
    fee_by_order: dict[str, Decimal] = {}
    for fill in every_fill:
        fee_by_order[fill["ordId"]] = fee_by_order.get(fill["ordId"], Decimal(0)) + Decimal(
            fill["fee"]
        )
    traded = [o for o in closed if o.filled_lots]
    assert traded
    for order in traded:  # each retained order's fee, although most of its fills are gone
        assert order.fee == fee_by_order[str(order.ord_id)]


def test_closed_orders_are_forgotten_after_okx_windows_of_two_hours_and_seven_days() -> None:
    clock = SimClock()
    ex = SimExchange(clock_ms=clock)
    canceled = ex.place("a", quote("buy", Decimal(29_000), "gone1")).order
    ex.cancel("a", "BTC-USDT", str(canceled.ord_id), None)
    filled = ex.place("a", quote("sell", Decimal(30_000), "kept1")).order
    ex.place("b", {"instId": "BTC-USDT", "side": "buy", "ordType": "market", "sz": "0.01"})
    assert filled.state == "filled"
    closed_ms = clock.now_ms
    clock.now_ms = closed_ms + 2 * 3_600_000  # exactly two hours: still kept
    assert ex.find("a", None, None, "gone1") is canceled
    clock.now_ms += 1
    assert ex.find("a", None, str(canceled.ord_id), None) is None
    assert ex.find("a", None, None, "gone1") is None
    assert ex.find("a", None, None, "kept1") is filled
    clock.now_ms = closed_ms + 7 * 24 * 3_600_000  # exactly seven days: still kept
    assert ex.find("a", None, None, "kept1") is filled
    clock.now_ms += 1
    assert ex.find("a", None, None, "kept1") is None
    assert ex.orders.keys() == {o.ord_id for o in ex.orders.values() if o.account == "b"}
    again = ex.place("a", quote("buy", Decimal(29_000), "gone1"))  # the clOrdId is free again
    assert again.ok


def test_a_filled_order_outlives_any_amount_of_cancel_replace_churn() -> None:
    clock = SimClock()
    ex = SimExchange(clock_ms=clock, retention=Retention(canceled_unfilled_per_account=5))
    filled = ex.place("a", quote("sell", Decimal(30_000), "fill1")).order
    ex.place("b", {"instId": "BTC-USDT", "side": "buy", "ordType": "market", "sz": "0.01"})
    for i in range(100):
        order = ex.place("a", quote("buy", Decimal(29_000), f"churn{i}")).order
        ex.cancel("a", "BTC-USDT", str(order.ord_id), None)
    assert ex.find("a", None, None, "fill1") is filled
    assert [o.cl_ord_id for o in ex.orders.values() if o.account == "a"] == [
        "fill1",
        *(f"churn{i}" for i in range(95, 100)),
    ]


def test_unbounded_retention_keeps_everything_as_the_benchmark_baseline() -> None:
    keep_all = Retention(None, None, None, None, None, None)
    state = build_state(SimConfig(seed=3, step_ms=0), clock_ms=SimClock(), retention=keep_all)
    first = min(state.exchange.orders)
    sizes = []
    for _ in range(3):
        state.step_market(60.0)
        sizes.append(len(state.exchange.orders))
    assert sizes[0] < sizes[1] < sizes[2]
    assert state.exchange.find("__house__", None, str(first), None) is not None
