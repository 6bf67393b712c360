"""The simulator's matching engine and ledger, driven directly (no network)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from corp.venues.okx_sim.book import Order
from corp.venues.okx_sim.exchange import SimExchange


def make() -> SimExchange:
    return SimExchange(clock_ms=lambda: 1_700_000_000_000)


def limit(side: str, px: str, sz: str, cid: str = "", inst: str = "BTC-USDT", kind: str = "limit"):
    return {"instId": inst, "side": side, "ordType": kind, "px": px, "sz": sz, "clOrdId": cid}


def test_best_price_trades_first_then_earlier_order_at_same_price() -> None:
    ex = make()
    first = ex.place("m1", limit("sell", "30001", "0.1")).order
    second = ex.place("m2", limit("sell", "30001", "0.1")).order
    better = ex.place("m3", limit("sell", "30000.5", "0.1")).order
    ex.place("t", limit("buy", "30001", "0.15", kind="ioc"))
    assert better.state == "filled"
    assert (first.state, first.filled_lots) == ("partially_filled", 500)
    assert second.filled_lots == 0


def test_post_only_that_would_cross_is_cancelled_with_okx_cancel_source_31() -> None:
    ex = make()
    ex.place("m", limit("sell", "30000", "0.1"))
    result = ex.place("q", limit("buy", "30000", "0.1", cid="p1", kind="post_only"))
    assert result.ok
    assert result.order.state == "canceled"
    assert result.order.cancel_source == "31"
    assert ex.books["BTC-USDT"].best_bid() is None


def test_resting_order_freezes_funds_and_cancel_releases_them() -> None:
    ex = make()
    order = ex.place("a", limit("buy", "30000", "1")).order
    usdt = ex.account("a").balance("USDT")
    assert usdt.frozen > Decimal(30000)
    ex.cancel("a", "BTC-USDT", str(order.ord_id), None)
    assert usdt.frozen == 0


def test_order_larger_than_available_balance_is_rejected_with_51008_and_changes_nothing() -> None:
    ex = make()
    result = ex.place("a", limit("sell", "30000", "11"))  # default 10 BTC
    assert result.s_code == "51008"
    assert not ex.open_orders("a")
    assert ex.account("a").balance("BTC").frozen == 0


def test_duplicate_client_order_id_is_refused_with_51016_pointing_at_the_first() -> None:
    ex = make()
    first = ex.place("a", limit("buy", "29000", "0.1", cid="dup1")).order
    again = ex.place("a", limit("buy", "29000", "0.1", cid="dup1"))
    assert again.s_code == "51016"
    assert again.order is first
    assert len(ex.open_orders("a")) == 1
    assert list(ex.refused) == [("a", "dup1", "51016")]


def test_off_tick_price_is_rejected_naming_tick_size() -> None:
    result = make().place("a", limit("buy", "30000.05", "0.1"))
    assert result.s_code != "0"
    assert "tickSz=0.1" in result.s_msg


def test_maker_earns_rebate_and_taker_pays_fee_into_the_venue_account() -> None:
    ex = make()
    ex.place("maker", limit("sell", "30000", "1"))
    ex.place("taker", limit("buy", "30000", "1", kind="ioc"))
    maker_fill = ex.fills["maker"][0]
    taker_fill = ex.fills["taker"][0]
    assert Decimal(maker_fill["fee"]) > 0  # OKX sign: positive = rebate
    assert Decimal(taker_fill["fee"]) < 0
    assert ex.fee_account.balance("USDT").total == -(
        Decimal(maker_fill["fee"]) + Decimal(taker_fill["fee"])
    )


def test_swap_fills_open_opposite_positions_that_net_to_zero() -> None:
    ex = make()
    ex.place("long", limit("buy", "30000", "5", inst="BTC-USDT-SWAP"))
    ex.place("short", limit("sell", "30000", "3", inst="BTC-USDT-SWAP", kind="ioc"))
    assert ex.account("long").position("BTC-USDT-SWAP").pos_lots == 3
    assert ex.account("short").position("BTC-USDT-SWAP").pos_lots == -3
    assert ex.audit()["problems"] == []


def test_closing_a_swap_position_realises_pnl_and_releases_margin() -> None:
    ex = make()
    ex.place("a", limit("buy", "30000", "2", inst="BTC-USDT-SWAP"))
    ex.place("b", limit("sell", "30000", "2", inst="BTC-USDT-SWAP", kind="ioc"))
    ex.place("a", limit("sell", "30500", "2", inst="BTC-USDT-SWAP"))
    ex.place("c", limit("buy", "30500", "2", inst="BTC-USDT-SWAP", kind="ioc"))
    pos = ex.account("a").position("BTC-USDT-SWAP")
    assert pos.pos_lots == 0
    assert pos.margin == 0
    assert pos.realized_pnl == Decimal("500") * 2 * Decimal("0.01")
    assert ex.audit()["problems"] == []


orders = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["buy", "sell"]),
        st.integers(299_900, 300_100),  # ticks of 0.1
        st.integers(1, 3_000),  # lots of 0.0001
        st.sampled_from(["limit", "post_only", "ioc"]),
        st.booleans(),  # cancel one open order of this account afterwards
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(orders)
def test_any_order_sequence_conserves_money_and_pairs_every_fill(seq) -> None:
    ex = make()
    start = {ccy: Decimal(0) for ccy in ("USDT", "BTC")}
    for acct in ("a", "b", "c"):
        for ccy in start:
            start[ccy] += ex.account(acct).balance(ccy).total
    for acct, side, ticks, lots, kind, cancel in seq:
        px = str(Decimal(ticks) / 10)
        sz = str(Decimal(lots) / 10_000)
        ex.place(acct, limit(side, px, sz, kind=kind))
        open_ = ex.open_orders(acct)
        if cancel and open_:
            ex.cancel(acct, "BTC-USDT", str(open_[0].ord_id), None)
        for name in ("a", "b", "c"):  # the open-order index against a plain scan of every order
            scanned = sorted(
                (o for o in ex.orders.values() if o.account == name and o.is_open),
                key=lambda o: o.ord_id,
            )
            assert ex.open_orders(name) == scanned
    for order in ex.orders.values():  # the fee kept on the order against its fills
        fees = [
            Decimal(f["fee"])
            for f in ex.fills.get(order.account, ())
            if f["ordId"] == str(order.ord_id)
        ]
        assert order.fee == sum(fees, Decimal(0))
    audit = ex.audit()
    assert audit["problems"] == []
    assert audit["totals"] == start
    by_trade = Counter(f["tradeId"] for fills in ex.fills.values() for f in fills)
    assert all(n == 2 for n in by_trade.values())
    for trade_id in by_trade:
        pair = [f for fills in ex.fills.values() for f in fills if f["tradeId"] == trade_id]
        assert {f["side"] for f in pair} == {"buy", "sell"}
        assert pair[0]["fillPx"] == pair[1]["fillPx"]
        assert pair[0]["fillSz"] == pair[1]["fillSz"]


def test_swap_pnl_is_conserved_even_when_one_side_of_the_book_is_swept() -> None:
    ex = make()
    start = sum((ex.account(n).balance("USDT").total for n in "abc"), Decimal(0))
    ex.place("b", limit("sell", "30000", "2", inst="BTC-USDT-SWAP"))
    ex.place("a", limit("buy", "30000", "2", inst="BTC-USDT-SWAP", kind="ioc"))
    ex.place("c", limit("sell", "30100", "1", inst="BTC-USDT-SWAP"))
    ex.place("a", limit("buy", "30100", "1", inst="BTC-USDT-SWAP", kind="ioc"))
    assert ex.books["BTC-USDT-SWAP"].best_ask() is None  # swept: no mid to mark at
    audit = ex.audit()
    marked = audit["totals"]["USDT"] + audit["unrealized_quote"]["USDT"]
    assert abs(marked - start) < Decimal("1e-6")
    assert audit["unrealized_quote"]["USDT"] != 0


def reference_match(resting: list, taker_account: str, side: str, px: int, lots: int) -> list:
    """Plain price-time priority: best price first, then arrival; skip own orders."""
    opposite = [o for o in resting if o.side != side and o.account != taker_account]
    if side == "buy":
        eligible = sorted((o for o in opposite if o.px_ticks <= px), key=lambda o: o.px_ticks)
    else:
        eligible = sorted((o for o in opposite if o.px_ticks >= px), key=lambda o: -o.px_ticks)
    out = []
    for maker in eligible:  # sorted() is stable: arrival order survives within a price
        if lots == 0:
            break
        take = min(lots, maker.remaining_lots)
        out.append((maker.ord_id, maker.px_ticks, take))
        lots -= take
    return out


resting_orders = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["buy", "sell"]),
        st.integers(299_990, 300_010),
        st.integers(1, 50),
    ),
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(
    resting_orders,
    st.sampled_from(["a", "t"]),
    st.sampled_from(["buy", "sell"]),
    st.integers(299_985, 300_015),
    st.integers(1, 400),
)
def test_matching_agrees_with_a_plain_price_time_priority_reference(
    rest, taker_account, side, px_ticks, lots
) -> None:
    ex = make()
    book = ex.books["BTC-USDT"]
    for acct, s, ticks, sz in rest:
        if not book.crosses(s, ticks):  # keep the starting book uncrossed, as a venue's is
            ex.place(acct, limit(s, str(Decimal(ticks) / 10), str(Decimal(sz) / 10_000)))
    resting = sorted(book.resting(), key=lambda o: o.ord_id)
    taker = Order(0, "tk", taker_account, "BTC-USDT", side, "limit", px_ticks, lots, 0, 0)
    got = [(m.maker.ord_id, m.px_ticks, m.lots) for m in book.match(taker)]
    assert got == reference_match(resting, taker_account, side, px_ticks, lots)
