"""The admin API under /admin (not OKX's): what tests and drills use to act on the simulator.

GET    /admin/state                      audit (conservation, problems), fair prices, faults
POST   /admin/price   {instId?, move_pct, over_secs}
POST   /admin/regime  {mu_per_sec, alpha_per_sec, beta_per_sec}
POST   /admin/fault   {"rest": RestFault} | {"latency_ms": x} | {"orders": OrderFaults}
                      | {"ws": WsFaults} | {"gap": {"instId", "skip"}}
                      | {"malformed": {"count", "kind": "garbage"|"nan"}}
DELETE /admin/fault                      clear every fault
POST   /admin/ws/drop                    abort every WebSocket connection
POST   /admin/step    {secs}             advance the background market by hand
POST   /admin/fund    {account, ccy, amount}
"""

from __future__ import annotations

import json
import math
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import ValidationError

from corp.errors import SpecError
from corp.venues.okx_sim.exchange import fmt
from corp.venues.okx_sim.faults import OrderFaults, RestFault, WsFaults

if TYPE_CHECKING:
    from corp.venues.okx_sim.server import SimState

__all__ = ["add_admin_routes"]


def _bad(message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=400)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.text() or "{}")
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"admin body must be a JSON object, parse failed at char {exc.pos}"
        ) from exc
    if not isinstance(body, dict):
        raise SpecError(f"admin body must be a JSON object, was {type(body).__name__}")
    return body


def _number(body: dict[str, Any], key: str, default: float | None = None) -> float:
    value = body.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise SpecError(f"{key} must be a finite number, was {value!r}")
    return float(value)


def add_admin_routes(app: web.Application, state: SimState) -> None:
    def guarded(fn: Any) -> Any:
        async def run(request: web.Request) -> web.Response:
            try:
                return await fn(request)
            except (SpecError, ValidationError) as exc:
                return _bad(str(exc))

        return run

    async def get_state(request: web.Request) -> web.Response:
        audit = state.exchange.audit()
        return web.json_response(
            {
                "totals": {k: fmt(v) for k, v in audit["totals"].items()},
                "net_position_lots": audit["net_position_lots"],
                "problems": audit["problems"],
                "fair_px": state.market.fair if state.market else {},
                "book_seq": state.exchange.book_seq,
                "faults": state.faults.describe(),
                "ws_connections": len(state.hub.conns),
                "rest_requests": state.rest_requests,
                "refused_placements": state.exchange.refused_total,
            }
        )

    async def price(request: web.Request) -> web.Response:
        body = await _body(request)
        if state.market is None:
            raise SpecError("price moves need the background market (start with it enabled)")
        move = state.market.move(_number(body, "move_pct"), _number(body, "over_secs", 0.0))
        if move.over_secs == 0:
            state.market.step(0.0)
        return web.json_response({"ok": True, "fair_px": state.market.fair})

    async def regime(request: web.Request) -> web.Response:
        body = await _body(request)
        if state.market is None:
            raise SpecError("regime changes need the background market (start with it enabled)")
        state.market.flow.set_regime(
            _number(body, "mu_per_sec"),
            _number(body, "alpha_per_sec"),
            _number(body, "beta_per_sec"),
        )
        return web.json_response({"ok": True})

    async def fault(request: web.Request) -> web.Response:
        body = await _body(request)
        known = {"rest", "latency_ms", "orders", "ws", "gap", "malformed"}
        unknown = set(body) - known
        if unknown or not body:
            raise SpecError(f"fault keys must be among {sorted(known)}, was {sorted(body)}")
        faults = state.faults
        if "rest" in body:
            faults.add_rest(RestFault.model_validate(body["rest"]))
        if "latency_ms" in body:
            latency = _number(body, "latency_ms")
            if latency < 0:
                raise SpecError(f"latency_ms must be >= 0, was {latency}")
            faults.latency_ms = latency
        if "orders" in body:
            faults.orders = OrderFaults.model_validate(body["orders"])
        if "ws" in body:
            faults.ws = WsFaults.model_validate(body["ws"])
        if "gap" in body:
            gap = body["gap"] if isinstance(body["gap"], dict) else {}
            inst_id = str(gap.get("instId", ""))
            state.exchange.instrument(inst_id)
            skip = int(_number(gap, "skip", 1))
            if skip < 1:
                raise SpecError(f"gap.skip must be >= 1, was {skip}")
            faults.gap_next[inst_id] = skip
        if "malformed" in body:
            spec = body["malformed"] if isinstance(body["malformed"], dict) else {}
            kind = spec.get("kind", "nan")
            if kind not in ("garbage", "nan"):
                raise SpecError(f"malformed.kind must be 'garbage' or 'nan', was {kind!r}")
            faults.malformed_next.extend([kind] * int(_number(spec, "count", 1)))
        return web.json_response({"ok": True, "faults": faults.describe()})

    async def clear(request: web.Request) -> web.Response:
        state.faults.clear()
        return web.json_response({"ok": True})

    async def drop(request: web.Request) -> web.Response:
        dropped = await state.hub.drop_all()
        return web.json_response({"ok": True, "dropped": dropped})

    async def step(request: web.Request) -> web.Response:
        body = await _body(request)
        if state.market is None:
            raise SpecError("step needs the background market (start with it enabled)")
        secs = _number(body, "secs")
        if secs <= 0 or secs > 3600:
            raise SpecError(f"secs must be in (0, 3600], was {secs}")
        takers = state.step_market(secs)
        return web.json_response({"ok": True, "takers": takers})

    async def fund(request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            amount = Decimal(str(body.get("amount")))
        except InvalidOperation as exc:
            raise SpecError(f"amount must be a decimal, was {body.get('amount')!r}") from exc
        if not amount.is_finite():
            raise SpecError(f"amount must be finite, was {amount}")
        state.exchange.fund(str(body.get("account", "")), str(body.get("ccy", "")), amount)
        return web.json_response({"ok": True})

    app.router.add_get("/admin/state", guarded(get_state))
    app.router.add_post("/admin/price", guarded(price))
    app.router.add_post("/admin/regime", guarded(regime))
    app.router.add_post("/admin/fault", guarded(fault))
    app.router.add_delete("/admin/fault", guarded(clear))
    app.router.add_post("/admin/ws/drop", guarded(drop))
    app.router.add_post("/admin/step", guarded(step))
    app.router.add_post("/admin/fund", guarded(fund))
