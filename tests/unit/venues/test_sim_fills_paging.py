"""okx_sim fills-history pages as OKX's does: newest billId first, ``after``/``before`` billId
cursors (strict), ``begin``/``end`` ms filters on ``ts``, ``limit`` 1-100, and 51000 for a bad
value. The venue's fill walk relies on exactly these semantics, so they are pinned here."""

from __future__ import annotations

import pytest

from corp.venues.okx_sim.exchange import FillsQuery, SimExchange
from corp.venues.okx_sim.rest import ParamError, parse_fills_query

START_MS = 1_700_000_000_000
STEP_MS = 10


class Clock:
    def __init__(self) -> None:
        self.now_ms = START_MS

    def __call__(self) -> int:
        return self.now_ms


def with_fills(n: int) -> SimExchange:
    """alice rests one large bid; bob sells into it ``n`` times, one fill each (STEP_MS apart):
    alice gets ``n`` fills whose billIds interleave with bob's (billIds are venue-wide)."""
    clock = Clock()
    ex = SimExchange(clock_ms=clock)
    bid = {"instId": "BTC-USDT", "side": "buy", "ordType": "limit", "px": "30000", "sz": "1"}
    assert ex.place("alice", bid | {"clOrdId": "mk1"}).ok
    for i in range(n):
        clock.now_ms += STEP_MS
        ask = bid | {"side": "sell", "sz": "0.001", "clOrdId": f"tk{i}"}
        assert ex.place("bob", ask).order.state == "filled"
    return ex


def bill_ids(rows: list[dict[str, str]]) -> list[int]:
    return [int(row["billId"]) for row in rows]


def every_bill_id(ex: SimExchange, account: str = "alice") -> list[int]:
    """alice's billIds newest first, straight from the simulator's store."""
    return sorted((int(f["billId"]) for f in ex.fills[account]), reverse=True)


def test_every_fill_row_carries_a_bill_id_and_a_trade_id_shared_by_both_sides() -> None:
    ex = with_fills(3)
    alice, bob = list(ex.fills["alice"]), list(ex.fills["bob"])
    assert all(row["billId"] and row["tradeId"] for row in alice + bob)
    assert [r["tradeId"] for r in alice] == [r["tradeId"] for r in bob]
    assert len({r["billId"] for r in alice + bob}) == 6  # one billId per row, venue-wide


def test_after_pages_down_newest_first_without_overlap_or_gap() -> None:
    ex = with_fills(250)
    every = every_bill_id(ex)
    first = ex.fills_page("alice", FillsQuery())
    second = ex.fills_page("alice", FillsQuery(after_bill_id=bill_ids(first)[-1]))
    third = ex.fills_page("alice", FillsQuery(after_bill_id=bill_ids(second)[-1]))
    last = ex.fills_page("alice", FillsQuery(after_bill_id=bill_ids(third)[-1]))
    assert len(every) == 250
    assert bill_ids(first) == every[:100]  # default limit 100, newest first
    assert bill_ids(second) == every[100:200]  # after = strictly older than the cursor
    assert bill_ids(third) == every[200:]
    assert last == []


def test_before_is_strictly_newer_and_with_after_bounds_a_window() -> None:
    ex = with_fills(50)
    every = every_bill_id(ex)
    newer = ex.fills_page("alice", FillsQuery(before_bill_id=every[5]))
    window = ex.fills_page("alice", FillsQuery(after_bill_id=every[10], before_bill_id=every[20]))
    capped = ex.fills_page("alice", FillsQuery(before_bill_id=every[40], limit=3))
    between = FillsQuery(after_bill_id=every[10] + 1, before_bill_id=every[10] - 1)
    assert bill_ids(newer) == every[:5]
    assert bill_ids(window) == every[11:20]
    assert bill_ids(capped) == every[:3]  # before alone: the newest rows above the cursor
    assert bill_ids(ex.fills_page("alice", between)) == [every[10]]


def test_begin_and_end_filter_on_ts_inclusively_and_combine_with_the_cursor() -> None:
    ex = with_fills(30)
    rows = list(reversed(ex.fills["alice"]))  # newest first, ts STEP_MS apart
    ts = [int(row["ts"]) for row in rows]
    since = ex.fills_page("alice", FillsQuery(begin_ms=ts[9]))
    until = ex.fills_page("alice", FillsQuery(end_ms=ts[20]))
    both = ex.fills_page("alice", FillsQuery(begin_ms=ts[15], end_ms=ts[12]))
    paged = ex.fills_page("alice", FillsQuery(begin_ms=ts[9], after_bill_id=int(rows[4]["billId"])))
    assert since == rows[:10]
    assert until == rows[20:]
    assert both == rows[12:16]
    assert paged == rows[5:10]
    assert ex.fills_page("alice", FillsQuery(begin_ms=ts[0] + 1)) == []


def test_limit_and_the_instrument_and_order_filters() -> None:
    ex = with_fills(20)
    every = every_bill_id(ex)
    maker_ord_id = ex.fills["alice"][0]["ordId"]
    assert bill_ids(ex.fills_page("alice", FillsQuery(limit=7))) == every[:7]
    assert bill_ids(ex.fills_page("alice", FillsQuery(limit=1))) == every[:1]
    assert len(ex.fills_page("alice", FillsQuery(inst_id="BTC-USDT", ord_id=maker_ord_id))) == 20
    assert ex.fills_page("alice", FillsQuery(inst_id="BTC-USDT-SWAP")) == []
    assert ex.fills_page("alice", FillsQuery(inst_type="SWAP")) == []
    assert ex.fills_page("alice", FillsQuery(ord_id="1")) == []
    assert ex.fills_page("carol", FillsQuery()) == []  # no fills: empty, not an error


def test_parse_reads_every_parameter() -> None:
    query = parse_fills_query(
        {
            "instId": "BTC-USDT",
            "instType": "SPOT",
            "ordId": "600000000001",
            "after": "120",
            "before": "20",
            "begin": "1700000000000",
            "end": "1700000001000",
            "limit": "25",
        }
    )
    assert query == FillsQuery(
        "BTC-USDT", "SPOT", "600000000001", 120, 20, 1_700_000_000_000, 1_700_000_001_000, 25
    )
    assert parse_fills_query({}) == FillsQuery(limit=100)
    assert parse_fills_query({"limit": "", "after": ""}) == FillsQuery(limit=100)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("limit", "101"),
        ("limit", "0"),
        ("limit", "-5"),
        ("limit", "ten"),
        ("limit", "1.5"),
        ("after", "12ab"),
        ("after", "-1"),
        ("before", "1e3"),
        ("begin", "yesterday"),
        ("begin", "-1700000000000"),
        ("end", "17000000000.5"),
    ],
)
def test_a_bad_value_is_refused_naming_the_parameter(param: str, value: str) -> None:
    with pytest.raises(ParamError) as err:
        parse_fills_query({"instId": "BTC-USDT", param: value})
    assert err.value.args == (param,)
