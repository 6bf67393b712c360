"""The OKX v5 REST subset under /api/v5, with venue faults applied before routing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from corp.venues.okx_sim.exchange import (
    FILLS_PAGE_MAX,
    MARKET_TRADES_MAX,
    S_ORDER_MISSING,
    FillsQuery,
    SimResult,
    fmt,
)
from corp.venues.okx_sim.wire import balance_row, order_row, position_rows

if TYPE_CHECKING:
    from corp.venues.okx_sim.server import SimState

__all__ = ["ParamError", "add_rest_routes", "parse_fills_query"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ACCOUNT = web.RequestKey("account", str)
HTML_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"


def envelope(data: list[Any], code: str = "0", msg: str = "", status: int = 200) -> web.Response:
    return web.json_response({"code": code, "msg": msg, "data": data}, status=status)


def add_rest_routes(app: web.Application, state: SimState) -> None:
    """Register every /api/v5 route on ``app``."""

    def wrap(handler: Handler, *, private: bool) -> Handler:
        async def run(request: web.Request) -> web.StreamResponse:
            state.rest_requests += 1
            if request.can_read_body:
                await request.read()  # the venue has the order even if the client gives up waiting
            if state.faults.latency_ms > 0:
                await asyncio.sleep(state.faults.latency_ms / 1000.0)
            fault = state.faults.take_rest(request.path)
            if fault is not None and fault.kind == "slow":
                await asyncio.sleep(fault.delay_ms / 1000.0)
            elif fault is not None:
                return _fault_response(fault.kind, fault.status)
            if private:
                key = request.headers.get("OK-ACCESS-KEY", "")
                if not key or not request.headers.get("OK-ACCESS-PASSPHRASE"):
                    return envelope([], "50113", "Invalid Sign: missing credentials", 401)
                request[ACCOUNT] = key
                if state.over_limit(key):
                    return envelope([], "50011", "Too Many Requests", 429)
            try:
                return await handler(request)
            except _BadRequest as exc:
                return envelope([], "50014", str(exc), 400)

        return run

    public = {
        "public/instruments": instruments,
        "public/time": server_time,
        "market/books": books,
        "market/ticker": ticker,
        "market/trades": trades,
    }
    private_get = {
        "trade/orders-pending": orders_pending,
        "trade/order": get_order,
        "trade/fills-history": fills,
        "trade/fills": fills,
        "account/balance": balance,
        "account/positions": positions,
    }
    private_post = {
        "trade/order": post_order,
        "trade/batch-orders": batch_orders,
        "trade/cancel-order": cancel_order,
        "trade/cancel-batch-orders": cancel_batch,
    }

    def bind(fn: Callable[[SimState, web.Request], Awaitable[web.Response]]) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            return await fn(state, request)

        return handler

    for path, fn in public.items():
        app.router.add_get(f"/api/v5/{path}", wrap(bind(fn), private=False))
    for path, fn in private_get.items():
        app.router.add_get(f"/api/v5/{path}", wrap(bind(fn), private=True))
    for path, fn in private_post.items():
        app.router.add_post(f"/api/v5/{path}", wrap(bind(fn), private=True))


class _BadRequest(Exception):
    """A request the simulator cannot parse; answered 400 with OKX code 50014."""


def _fault_response(kind: str, status: int) -> web.Response:
    if kind == "rate_limit":
        return envelope([], "50011", "Too Many Requests", 429)
    if kind == "server_error":
        return web.Response(status=status, text="upstream error", content_type="text/plain")
    if kind == "html_200":
        return web.Response(status=200, text=HTML_PAGE, content_type="text/html")
    if kind == "empty_200":
        return web.Response(status=200, body=b"", content_type="application/json")
    return envelope([], "50001", "Service temporarily unavailable, please try again later")


async def _json_body(request: web.Request) -> Any:
    try:
        return json.loads(await request.text())
    except json.JSONDecodeError as exc:
        raise _BadRequest(f"body must be JSON, parse failed at char {exc.pos}") from exc


# --- public ---------------------------------------------------------------------------------


async def instruments(state: SimState, request: web.Request) -> web.Response:
    inst_type = request.query.get("instType", "")
    rows = [
        inst.to_okx()
        for inst in state.exchange.instruments.values()
        if not inst_type or inst.inst_type == inst_type
    ]
    return envelope(rows)


async def server_time(state: SimState, request: web.Request) -> web.Response:
    return envelope([{"ts": str(state.exchange.clock_ms())}])


def _inst_id(state: SimState, request: web.Request) -> str | None:
    inst_id = request.query.get("instId", "")
    return inst_id if inst_id in state.exchange.instruments else None


async def books(state: SimState, request: web.Request) -> web.Response:
    inst_id = _inst_id(state, request)
    if inst_id is None:
        return envelope([], "51001", "Instrument ID does not exist")
    try:
        depth = max(1, min(400, int(request.query.get("sz", "1"))))
    except ValueError:
        return envelope([], "51000", "Parameter sz error")
    snap = state.exchange.snapshot(inst_id, depth)
    return envelope([{"asks": snap["asks"], "bids": snap["bids"], "ts": snap["ts"]}])


async def ticker(state: SimState, request: web.Request) -> web.Response:
    inst_id = _inst_id(state, request)
    if inst_id is None:
        return envelope([], "51001", "Instrument ID does not exist")
    ex = state.exchange
    inst, book = ex.instruments[inst_id], ex.books[inst_id]
    top_bid, top_ask = book.depth("buy", 1), book.depth("sell", 1)
    last_trades = ex.trades[inst_id]
    last = last_trades[-1]["px"] if last_trades else ""
    row = {
        "instId": inst_id,
        "instType": inst.inst_type,
        "last": last,
        "lastSz": last_trades[-1]["sz"] if last_trades else "",
        "bidPx": fmt(inst.px(top_bid[0][0])) if top_bid else "",
        "bidSz": fmt(inst.sz(top_bid[0][1])) if top_bid else "",
        "askPx": fmt(inst.px(top_ask[0][0])) if top_ask else "",
        "askSz": fmt(inst.sz(top_ask[0][1])) if top_ask else "",
        "ts": str(ex.clock_ms()),
    }
    return envelope([row])


async def trades(state: SimState, request: web.Request) -> web.Response:
    inst_id = _inst_id(state, request)
    if inst_id is None:
        return envelope([], "51001", "Instrument ID does not exist")
    try:
        limit = max(1, min(MARKET_TRADES_MAX, int(request.query.get("limit", "100"))))
    except ValueError:
        return envelope([], "51000", "Parameter limit error")
    rows = list(state.exchange.trades[inst_id])[-limit:]
    return envelope(rows[::-1])


# --- private --------------------------------------------------------------------------------


def _place(state: SimState, account: str, row: Any) -> dict[str, str]:
    if not isinstance(row, dict):
        return {"ordId": "", "clOrdId": "", "sCode": "51000", "sMsg": "order must be an object"}
    cl_ord_id = str(row.get("clOrdId") or "")
    reject = state.faults.orders
    if state.faults.roll(reject.reject_rate):
        result = SimResult(None, reject.reject_code, "Order rejected (injected fault)")
        state.exchange.record_refused(account, cl_ord_id, reject.reject_code)
    else:
        result = state.exchange.place(account, row)
    return {
        "ordId": str(result.order.ord_id) if result.order and result.ok else "",
        "clOrdId": cl_ord_id,
        "tag": "",
        "sCode": result.s_code,
        "sMsg": result.s_msg,
    }


def _batch_code(rows: list[dict[str, str]]) -> tuple[str, str]:
    failed = sum(r["sCode"] != "0" for r in rows)
    if failed == 0:
        return "0", ""
    if failed == len(rows):
        return "1", "All operations failed"
    return "2", "Bulk operation partially succeeded"


def _cancel(state: SimState, account: str, row: Any) -> dict[str, str]:
    if not isinstance(row, dict):
        return {"ordId": "", "clOrdId": "", "sCode": "51000", "sMsg": "cancel must be an object"}
    result = state.exchange.cancel(
        account, str(row.get("instId", "")), row.get("ordId"), row.get("clOrdId")
    )
    return {
        "ordId": str(result.order.ord_id) if result.order else str(row.get("ordId") or ""),
        "clOrdId": result.order.cl_ord_id if result.order else str(row.get("clOrdId") or ""),
        "sCode": result.s_code,
        "sMsg": result.s_msg,
    }


Row = Callable[["SimState", str, Any], dict[str, str]]


def _single(row_fn: Row) -> Callable[[SimState, web.Request], Awaitable[web.Response]]:
    """A handler taking one JSON object (trade/order, trade/cancel-order)."""

    async def handler(state: SimState, request: web.Request) -> web.Response:
        row = row_fn(state, request[ACCOUNT], await _json_body(request))
        code, msg = _batch_code([row])
        return envelope([row], code, msg)

    return handler


def _batch(row_fn: Row, what: str) -> Callable[[SimState, web.Request], Awaitable[web.Response]]:
    """A handler taking an array of 1-20 JSON objects (OKX's batch endpoints)."""

    async def handler(state: SimState, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if not isinstance(body, list) or not body or len(body) > 20:
            raise _BadRequest(
                f"{request.path.rsplit('/', 1)[-1]} body must be an array of 1-20 {what}"
            )
        rows = [row_fn(state, request[ACCOUNT], item) for item in body]
        code, msg = _batch_code(rows)
        return envelope(rows, code, msg)

    return handler


post_order = _single(_place)
batch_orders = _batch(_place, "orders")
cancel_order = _single(_cancel)
cancel_batch = _batch(_cancel, "cancels")


PENDING_PAGE_MAX = 100
"""OKX orders-pending: ``limit`` at most 100 (the default)."""


def _id_param(query: Mapping[str, str], name: str) -> int | None:
    """An optional non-negative integer parameter (an ordId/billId cursor, a ms timestamp)."""
    text = query.get(name, "")
    if not text:
        return None
    if not text.isdigit():
        raise ParamError(name)
    return int(text)


class ParamError(Exception):
    """A query parameter OKX would refuse with 51000 "Parameter {name} error"."""


def _limit_param(query: Mapping[str, str], maximum: int) -> int:
    try:
        limit = int(query.get("limit") or maximum)
    except ValueError:
        raise ParamError("limit") from None
    if not 1 <= limit <= maximum:
        raise ParamError("limit")
    return limit


async def orders_pending(state: SimState, request: web.Request) -> web.Response:
    """OKX's paging: newest ordId first, ``after`` = only older than that ordId, ``before`` =
    only newer, at most ``limit`` (1-100, default 100) rows; with ``before`` alone the newest
    rows above it come back (as OKX's other ``before`` cursors do)."""
    q = request.query
    try:
        after = _id_param(q, "after")
        before = _id_param(q, "before")
        limit = _limit_param(q, PENDING_PAGE_MAX)
    except ParamError as exc:
        return envelope([], "51000", f"Parameter {exc.args[0]} error")
    inst_type, ord_type, order_state = q.get("instType"), q.get("ordType"), q.get("state")
    ex = state.exchange
    rows = []
    for order in reversed(ex.open_orders(request[ACCOUNT], q.get("instId") or None)):
        if len(rows) == limit or (before is not None and order.ord_id <= before):
            break
        if (
            (after is not None and order.ord_id >= after)
            or (inst_type and ex.instruments[order.inst_id].inst_type != inst_type)
            or (ord_type and order.ord_type != ord_type)
            or (order_state and order.state != order_state)
        ):
            continue
        rows.append(order_row(ex, order))
    return envelope(rows)


async def get_order(state: SimState, request: web.Request) -> web.Response:
    q = request.query
    order = state.exchange.find(request[ACCOUNT], q.get("instId"), q.get("ordId"), q.get("clOrdId"))
    if order is None:
        return envelope([], S_ORDER_MISSING, "Order does not exist")
    return envelope([order_row(state.exchange, order)])


def parse_fills_query(query: Mapping[str, str]) -> FillsQuery:
    """fills-history's parameters as OKX reads them; :class:`ParamError` names the first bad
    one (``after``/``before`` must be billIds, ``begin``/``end`` ms timestamps, ``limit``
    1-100)."""
    return FillsQuery(
        inst_id=query.get("instId") or None,
        inst_type=query.get("instType") or None,
        ord_id=query.get("ordId") or None,
        after_bill_id=_id_param(query, "after"),
        before_bill_id=_id_param(query, "before"),
        begin_ms=_id_param(query, "begin"),
        end_ms=_id_param(query, "end"),
        limit=_limit_param(query, FILLS_PAGE_MAX),
    )


async def fills(state: SimState, request: web.Request) -> web.Response:
    """fills-history (and fills): newest billId first, paged by billId (see ``fills_page``)."""
    try:
        query = parse_fills_query(request.query)
    except ParamError as exc:
        return envelope([], "51000", f"Parameter {exc.args[0]} error")
    return envelope(state.exchange.fills_page(request[ACCOUNT], query))


async def balance(state: SimState, request: web.Request) -> web.Response:
    acct = state.exchange.account(request[ACCOUNT])
    return envelope([balance_row(acct, state.exchange.clock_ms())])


async def positions(state: SimState, request: web.Request) -> web.Response:
    acct = state.exchange.account(request[ACCOUNT])
    inst_ids = [i for i in request.query.get("instId", "").split(",") if i] or None
    rows = position_rows(state.exchange, acct, inst_ids, state.exchange.clock_ms())
    return envelope(rows)
