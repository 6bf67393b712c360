"""OKX v5 row formats (the ``data`` items ccxt parses) built from simulator state."""

from __future__ import annotations

from decimal import Decimal

from corp.venues.okx_sim.accounts import Account
from corp.venues.okx_sim.book import Order
from corp.venues.okx_sim.exchange import SimExchange, fmt

__all__ = ["balance_row", "order_row", "position_rows"]


def order_row(
    exchange: SimExchange, order: Order, fill: dict[str, str] | None = None
) -> dict[str, str]:
    """An order as trade/order, orders-pending and the ``orders`` channel send it."""
    inst = exchange.instruments[order.inst_id]
    avg_px = (
        fmt(inst.tick_sz * Decimal(order.fill_value_ticks_lots) / order.filled_lots)
        if order.filled_lots
        else ""
    )
    row = {
        "instId": order.inst_id,
        "instType": inst.inst_type,
        "ordId": str(order.ord_id),
        "clOrdId": order.cl_ord_id,
        "tag": "",
        "px": fmt(inst.px(order.px_ticks)) if order.px_ticks else "",
        "sz": fmt(inst.sz(order.sz_lots)),
        "side": order.side,
        "posSide": "net",
        "tdMode": order.td_mode,
        "ordType": order.ord_type,
        "state": order.state,
        "accFillSz": fmt(inst.sz(order.filled_lots)),
        "avgPx": avg_px,
        "fee": fmt(order.fee),
        "feeCcy": inst.quote_ccy,
        "cancelSource": order.cancel_source,
        "cTime": str(order.c_time_ms),
        "uTime": str(order.u_time_ms),
    }
    if fill is not None:
        row |= {
            "fillSz": fill["fillSz"],
            "fillPx": fill["fillPx"],
            "tradeId": fill["tradeId"],
            "execType": fill["execType"],
            "fillFee": fill["fee"],
            "fillFeeCcy": fill["feeCcy"],
            "fillTime": fill["ts"],
        }
    else:
        row |= {"fillSz": "0", "fillPx": "", "tradeId": "", "execType": "", "fillTime": ""}
    return row


def balance_row(account: Account, now_ms: int) -> dict[str, object]:
    """account/balance's single row (and the ``account`` channel's)."""
    details = [
        {
            "ccy": ccy,
            "eq": fmt(bal.total),
            "cashBal": fmt(bal.total),
            "availBal": fmt(bal.available),
            "availEq": fmt(bal.available),
            "frozenBal": fmt(bal.frozen),
            "ordFrozen": fmt(bal.frozen),
            "uTime": str(now_ms),
        }
        for ccy, bal in sorted(account.balances.items())
    ]
    return {"uTime": str(now_ms), "totalEq": "", "details": details}


def position_rows(
    exchange: SimExchange, account: Account, inst_ids: list[str] | None, now_ms: int
) -> list[dict[str, str]]:
    """account/positions rows: every SWAP the account ever held (pos "0" once flat)."""
    rows = []
    for inst_id, pos in sorted(account.positions.items()):
        if inst_ids and inst_id not in inst_ids:
            continue
        inst = exchange.instruments[inst_id]
        mark = exchange.mark_px(inst_id)
        if mark is None:
            mark = pos.avg_px
        upl = (mark - pos.avg_px) * inst.sz(pos.pos_lots) * inst.ct_val_base if pos.pos_lots else 0
        rows.append(
            {
                "instId": inst_id,
                "instType": inst.inst_type,
                "pos": fmt(inst.sz(pos.pos_lots)),
                "posSide": "net",
                "posCcy": "",
                "avgPx": fmt(pos.avg_px) if pos.pos_lots else "",
                "mgnMode": "cross",
                "lever": fmt(account.leverage),
                "markPx": fmt(mark),
                "upl": fmt(Decimal(upl)),
                "margin": fmt(pos.margin),
                "imr": fmt(pos.margin),
                "realizedPnl": fmt(pos.realized_pnl),
                "ccy": inst.quote_ccy,
                "cTime": str(now_ms),
                "uTime": str(now_ms),
            }
        )
    return rows
