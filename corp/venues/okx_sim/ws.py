"""WebSocket endpoints /ws/v5/public and /ws/v5/private, and the hub that fans events out.

Each connection gets its own bounded send queue and writer task, so the synchronous exchange can
publish without awaiting; a connection that falls too far behind is closed, as a real venue does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from corp.venues.okx_sim.exchange import SimEvent
from corp.venues.okx_sim.wire import balance_row, order_row, position_rows

if TYPE_CHECKING:
    from corp.venues.okx_sim.server import SimState

__all__ = ["WsHub"]

PUBLIC_CHANNELS = frozenset({"books", "books5", "bbo-tbt", "trades"})
PRIVATE_CHANNELS = frozenset({"orders", "account", "positions"})
SEND_QUEUE_MAX = 10_000
CONNECTION_LOG_MAX = 1_000
"""Accept/drop times kept for tests and drills (the latest; older ones are dropped)."""


@dataclass(eq=False)
class Conn:
    ws: web.WebSocketResponse
    request: web.Request
    private: bool
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(SEND_QUEUE_MAX))
    subs: set[tuple[str, str]] = field(default_factory=set)  # (channel, instId or "")
    args: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    account: str = ""
    conn_id: str = ""


class WsHub:
    """Owns every WebSocket connection of the simulator."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.conns: set[Conn] = set()
        self._dirty_accounts: set[str] = set()
        self._dirty_positions: set[str] = set()
        self._flush_scheduled = False
        self._next_conn = 1
        self.messages_sent = 0
        self.accepted_secs: deque[float] = deque(maxlen=CONNECTION_LOG_MAX)
        """Event-loop times of the latest accepted connections (reconnect gaps, storms)."""
        self.dropped_secs: deque[float] = deque(maxlen=CONNECTION_LOG_MAX)
        """Event-loop times of the latest ``drop_all`` calls."""
        self.book_snapshots = 0
        """``books`` subscriptions answered with a full snapshot (a re-sync shows up here)."""
        state.exchange.listeners.append(self.on_event)

    # --- connection lifecycle ------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, heartbeat=None, max_msg_size=1 << 20)
        await ws.prepare(request)
        self.accepted_secs.append(asyncio.get_running_loop().time())
        conn = Conn(ws, request, private=request.path.endswith("/private"))
        conn.conn_id = f"c{self._next_conn}"
        self._next_conn += 1
        self.conns.add(conn)
        writer = asyncio.create_task(self._writer(conn))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                self._on_text(conn, msg.data)
        finally:
            self.conns.discard(conn)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def _writer(self, conn: Conn) -> None:
        while True:
            text = await conn.queue.get()
            if conn.ws.closed:
                return
            try:
                await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return
            self.messages_sent += 1

    def send(self, conn: Conn, message: dict[str, Any] | str, *, data: bool = False) -> None:
        """Queue a frame; ``data`` frames are suppressed while the feed is paused."""
        faults = self.state.faults.ws
        if faults.blackhole or (data and faults.paused):
            return
        text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
        try:
            conn.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.state.loop_call(self._kill(conn))

    async def _kill(self, conn: Conn) -> None:
        with contextlib.suppress(Exception):
            await conn.ws.close(code=1008, message=b"slow consumer")

    async def drop_all(self) -> int:
        """Abort every connection at the TCP level (the client sees an abnormal closure)."""
        conns = list(self.conns)
        self.dropped_secs.append(asyncio.get_running_loop().time())
        for conn in conns:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
            else:
                await conn.ws.close(code=1006)
        return len(conns)

    # --- inbound -------------------------------------------------------------------------

    def _on_text(self, conn: Conn, text: str) -> None:
        if text == "ping":
            if not self.state.faults.ws.blackhole:
                self.send(conn, "pong")
            return
        try:
            msg = json.loads(text)
        except json.JSONDecodeError:
            self.send(
                conn, {"event": "error", "code": "60012", "msg": f"Invalid request: {text[:50]}"}
            )
            return
        op = msg.get("op") if isinstance(msg, dict) else None
        args = msg.get("args") if isinstance(msg, dict) else None
        if op == "login":
            self._login(conn, args)
        elif op in ("subscribe", "unsubscribe") and isinstance(args, list):
            for arg in args:
                self._subscribe(conn, op, arg)
        else:
            self.send(
                conn, {"event": "error", "code": "60012", "msg": f"Invalid request: {text[:50]}"}
            )

    def _login(self, conn: Conn, args: Any) -> None:
        first = args[0] if isinstance(args, list) and args and isinstance(args[0], dict) else {}
        if not conn.private or not first.get("apiKey") or not first.get("passphrase"):
            self.send(conn, {"event": "error", "code": "60009", "msg": "Login failed."})
            return
        conn.account = str(first["apiKey"])
        self.send(conn, {"event": "login", "code": "0", "msg": "", "connId": conn.conn_id})

    def _subscribe(self, conn: Conn, op: str, arg: Any) -> None:
        if not isinstance(arg, dict):
            self.send(conn, {"event": "error", "code": "60018", "msg": "Invalid args"})
            return
        channel = str(arg.get("channel", ""))
        allowed = PRIVATE_CHANNELS if conn.private else PUBLIC_CHANNELS
        inst_id = str(arg.get("instId", ""))
        if channel not in allowed:
            self.send(
                conn, {"event": "error", "code": "60018", "msg": f"Wrong URL or channel:{channel}"}
            )
            return
        if conn.private and not conn.account:
            self.send(conn, {"event": "error", "code": "60011", "msg": "Please log in"})
            return
        if not conn.private and inst_id not in self.state.exchange.instruments:
            self.send(
                conn,
                {"event": "error", "code": "60018", "msg": f"instId {inst_id!r} doesn't exist"},
            )
            return
        key = (channel, inst_id)
        if op == "unsubscribe":
            conn.subs.discard(key)
            conn.args.pop(key, None)
            self.send(conn, {"event": "unsubscribe", "arg": arg, "connId": conn.conn_id})
            return
        conn.subs.add(key)
        conn.args[key] = arg
        self.send(conn, {"event": "subscribe", "arg": arg, "connId": conn.conn_id})
        self._initial_push(conn, channel, inst_id)

    def _initial_push(self, conn: Conn, channel: str, inst_id: str) -> None:
        ex = self.state.exchange
        if channel == "books":
            self.book_snapshots += 1
            snap = ex.snapshot(inst_id, 400)
            self.send(
                conn,
                {
                    "arg": {"channel": channel, "instId": inst_id},
                    "action": "snapshot",
                    "data": [snap],
                },
                data=True,
            )
        elif channel in ("books5", "bbo-tbt"):
            self.send(conn, self._top_message(channel, inst_id), data=True)
        elif channel == "account":
            self._push_account(conn)
        elif channel == "positions":
            self._push_positions(conn, (channel, inst_id))

    # --- outbound ------------------------------------------------------------------------

    def _top_message(self, channel: str, inst_id: str) -> dict[str, Any]:
        depth = 5 if channel == "books5" else 1
        snap = self.state.exchange.snapshot(inst_id, depth)
        row = {"asks": snap["asks"], "bids": snap["bids"], "ts": snap["ts"], "seqId": snap["seqId"]}
        return {"arg": {"channel": channel, "instId": inst_id}, "data": [row]}

    def on_event(self, event: SimEvent) -> None:
        if not self.conns:
            return
        if event.kind == "book":
            self._publish_book(event)
        elif event.kind == "trade":
            msg = {"arg": {"channel": "trades", "instId": event.inst_id}, "data": [event.payload]}
            for conn in self._public_subscribers("trades", event.inst_id):
                self.send(conn, msg, data=True)
        elif event.kind == "order":
            self._publish_order(event)
        elif event.kind in ("account", "position"):
            (self._dirty_accounts if event.kind == "account" else self._dirty_positions).add(
                event.account
            )
            if not self._flush_scheduled:
                self._flush_scheduled = True
                asyncio.get_running_loop().call_soon(self._flush_private)

    def _public_subscribers(self, channel: str, inst_id: str) -> list[Conn]:
        return [c for c in self.conns if not c.private and (channel, inst_id) in c.subs]

    def _publish_book(self, event: SimEvent) -> None:
        inst_id = event.inst_id
        faults = self.state.faults
        books_subs = self._public_subscribers("books", inst_id)
        if books_subs:
            payload = dict(event.payload)
            msg: dict[str, Any] | str = {
                "arg": {"channel": "books", "instId": inst_id},
                "action": "update",
                "data": [payload],
            }
            if faults.malformed_next:
                kind = faults.malformed_next.pop(0)
                msg = _malformed(kind, inst_id, payload)
            for conn in books_subs:
                self.send(conn, msg, data=True)
        for channel in ("books5", "bbo-tbt"):
            subs = self._public_subscribers(channel, inst_id)
            if subs:
                top = self._top_message(channel, inst_id)
                for conn in subs:
                    self.send(conn, top, data=True)

    def _publish_order(self, event: SimEvent) -> None:
        row: dict[str, str] | None = None
        for conn in list(self.conns):
            if not conn.private or conn.account != event.account:
                continue
            for key in (("orders", ""), ("orders", event.inst_id)):
                if key in conn.subs:
                    if row is None:
                        order, fill = event.payload["order"], event.payload["fill"]
                        row = order_row(self.state.exchange, order, fill)
                    self.send(conn, {"arg": conn.args[key], "data": [row]})

    def _flush_private(self) -> None:
        self._flush_scheduled = False
        accounts, positions = self._dirty_accounts, self._dirty_positions
        self._dirty_accounts, self._dirty_positions = set(), set()
        for conn in list(self.conns):
            if not conn.private:
                continue
            for key in list(conn.subs):
                if key[0] == "account" and conn.account in accounts:
                    self._push_account(conn)
                elif key[0] == "positions" and conn.account in positions:
                    self._push_positions(conn, key)

    def _push_account(self, conn: Conn) -> None:
        ex = self.state.exchange
        row = balance_row(ex.account(conn.account), ex.clock_ms())
        self.send(
            conn, {"arg": conn.args.get(("account", ""), {"channel": "account"}), "data": [row]}
        )

    def _push_positions(self, conn: Conn, key: tuple[str, str]) -> None:
        ex = self.state.exchange
        inst_ids = [key[1]] if key[1] else None
        rows = position_rows(ex, ex.account(conn.account), inst_ids, ex.clock_ms())
        self.send(conn, {"arg": conn.args[key], "data": rows})


def _malformed(kind: str, inst_id: str, payload: dict[str, Any]) -> dict[str, Any] | str:
    """A corrupted ``books`` frame: unparseable text, or a well-formed frame carrying NaN."""
    if kind == "garbage":
        return '{"arg":{"channel":"books","instId":"' + inst_id + '"},"action":"upd'
    bad = dict(payload)
    bad["bids"] = [[str(math.nan), "1", "0", "1"]]
    bad["asks"] = [["NaN", "NaN", "0", "1"]]
    return {"arg": {"channel": "books", "instId": inst_id}, "action": "update", "data": [bad]}
