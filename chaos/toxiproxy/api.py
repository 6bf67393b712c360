"""Toxiproxy's HTTP API (``api.go``) on aiohttp: routes, status codes, bodies, content types.

Routing is done here rather than by aiohttp's router so that the answers match gorilla/mux: an
unknown path is ``404 page not found`` (text), a known path with the wrong method is an empty 405,
and the ``Mozilla/`` user-agent guard (403) applies to matched routes only (gorilla middleware).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from chaos.toxiproxy.decode import FieldKind, decode_body, merge_fields
from chaos.toxiproxy.errors import ApiError, bad_request, missing_field, toxic_not_found
from chaos.toxiproxy.proxy import Proxy, ProxyCollection

__all__ = ["TOXIPROXY_VERSION", "ToxiproxyApi"]

TOXIPROXY_VERSION = "2.12.0"
"""The Toxiproxy release whose behaviour this server reproduces (reported by GET /version)."""

_PROXY_FIELDS: dict[str, FieldKind] = {
    "name": "string",
    "listen": "string",
    "upstream": "string",
    "enabled": "bool",
}

Handler = Callable[[web.Request, dict[str, str]], Awaitable[web.Response]]


def _json(data: Any, status: int = 200) -> web.Response:
    """Go's server sets ``Content-Type: application/json`` verbatim; aiohttp's ``text=`` would add
    ``; charset=utf-8``, so the body goes out as bytes with the header set by hand."""
    body = json.dumps(data, separators=(",", ":")).encode()
    return web.Response(status=status, body=body, headers={"Content-Type": "application/json"})


def _proxy_list(proxies: list[Proxy]) -> list[dict[str, Any]] | None:
    """Go marshals an empty slice built by append as ``null``; /populate shows that."""
    return [p.to_json() for p in proxies] or None


def _no_content() -> web.Response:
    return web.Response(status=204)


def _error(err: ApiError) -> web.Response:
    # http.Error: text/plain with the JSON text and a newline.
    return web.Response(
        status=err.status,
        text=err.body(),
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


class ToxiproxyApi:
    """The request handlers over one :class:`ProxyCollection`."""

    def __init__(self, collection: ProxyCollection, *, metrics_enabled: bool = True) -> None:
        self.collection = collection
        routes: list[tuple[str, dict[str, Handler]]] = [
            (r"/reset", {"POST": self.reset}),
            (r"/proxies", {"GET": self.proxy_index, "POST": self.proxy_create}),
            (r"/populate", {"POST": self.populate}),
            (
                r"/proxies/(?P<proxy>[^/]+)",
                {
                    "GET": self.proxy_show,
                    "POST": self.proxy_update,
                    "PATCH": self.proxy_update,
                    "DELETE": self.proxy_delete,
                },
            ),
            (
                r"/proxies/(?P<proxy>[^/]+)/toxics",
                {"GET": self.toxic_index, "POST": self.toxic_create},
            ),
            (
                r"/proxies/(?P<proxy>[^/]+)/toxics/(?P<toxic>[^/]+)",
                {
                    "GET": self.toxic_show,
                    "POST": self.toxic_update,
                    "PATCH": self.toxic_update,
                    "DELETE": self.toxic_delete,
                },
            ),
            (r"/version", {"GET": self.version}),
        ]
        if metrics_enabled:
            any_method = dict.fromkeys(
                ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"), self.metrics
            )
            routes.append((r"/metrics", any_method))
        self._routes = [(re.compile(f"^{pattern}$"), handlers) for pattern, handlers in routes]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    async def dispatch(self, request: web.Request) -> web.Response:
        path = request.path
        for pattern, handlers in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            handler = handlers.get(request.method)
            if handler is None:
                return web.Response(status=405)
            if request.headers.get("User-Agent", "").startswith("Mozilla/"):
                return web.Response(
                    status=403, text="User agent not allowed\n", content_type="text/plain"
                )
            try:
                return await handler(request, match.groupdict())
            except ApiError as err:
                return _error(err)
        return web.Response(status=404, text="404 page not found\n", content_type="text/plain")

    # --- proxies -----------------------------------------------------------------------------
    async def proxy_index(self, request: web.Request, params: dict[str, str]) -> web.Response:
        proxies = self.collection.proxies
        return _json({name: proxies[name].to_json() for name in sorted(proxies)})

    async def proxy_create(self, request: web.Request, params: dict[str, str]) -> web.Response:
        body = decode_body(await request.read())
        fields = merge_fields(
            body,
            _PROXY_FIELDS,
            {"name": "", "listen": "", "upstream": "", "enabled": True},
            "Proxy",
        )
        if not fields["name"]:
            raise missing_field("name")
        if not fields["upstream"]:
            raise missing_field("upstream")
        async with self.collection.lock:
            proxy = Proxy(
                self.collection, str(fields["name"]), str(fields["listen"]), str(fields["upstream"])
            )
            await self.collection.add(proxy, bool(fields["enabled"]))
        return _json(proxy.to_json(), status=201)

    async def populate(self, request: web.Request, params: dict[str, str]) -> web.Response:
        created: list[Proxy] = []
        try:
            body = decode_body(await request.read())
            if not isinstance(body, list):
                raise bad_request(
                    f"json: cannot unmarshal {type(body).__name__} into a list of proxies"
                )
            inputs = []
            for index, item in enumerate(body, start=1):
                fields = merge_fields(
                    item,
                    _PROXY_FIELDS,
                    {"name": "", "listen": "", "upstream": "", "enabled": True},
                    "Proxy",
                )
                if not fields["name"]:
                    raise missing_field(f"name at proxy {index}")
                if not fields["upstream"]:
                    raise missing_field(f"upstream at proxy {index}")
                inputs.append(fields)
            async with self.collection.lock:
                for fields in inputs:
                    proxy = Proxy(
                        self.collection,
                        str(fields["name"]),
                        str(fields["listen"]),
                        str(fields["upstream"]),
                    )
                    created.append(
                        await self.collection.add_or_replace(proxy, bool(fields["enabled"]))
                    )
        except ApiError as err:
            body = {"error": err.message, "status": err.status, "proxies": _proxy_list(created)}
            return _json(body, status=err.status)
        return _json({"proxies": _proxy_list(created)}, status=201)

    async def proxy_show(self, request: web.Request, params: dict[str, str]) -> web.Response:
        return _json(self.collection.get(params["proxy"]).to_json())

    async def proxy_update(self, request: web.Request, params: dict[str, str]) -> web.Response:
        proxy = self.collection.get(params["proxy"])
        body = decode_body(await request.read())
        async with proxy.lock:
            fields = merge_fields(
                body,
                _PROXY_FIELDS,
                {"listen": proxy.listen, "upstream": proxy.upstream, "enabled": proxy.enabled},
                "Proxy",
            )
            await proxy.update(
                str(fields["listen"]), str(fields["upstream"]), bool(fields["enabled"])
            )
        return _json(proxy.to_json())

    async def proxy_delete(self, request: web.Request, params: dict[str, str]) -> web.Response:
        async with self.collection.lock:
            await self.collection.remove(params["proxy"])
        return _no_content()

    async def reset(self, request: web.Request, params: dict[str, str]) -> web.Response:
        async with self.collection.lock:
            for proxy in list(self.collection.proxies.values()):
                async with proxy.lock:
                    await proxy.start()
                    await proxy.reset_toxics()
        return _no_content()

    # --- toxics ------------------------------------------------------------------------------
    async def toxic_index(self, request: web.Request, params: dict[str, str]) -> web.Response:
        proxy = self.collection.get(params["proxy"])
        return _json([t.to_json() for t in proxy.toxics()])

    async def toxic_create(self, request: web.Request, params: dict[str, str]) -> web.Response:
        proxy = self.collection.get(params["proxy"])
        body = decode_body(await request.read())
        async with proxy.lock:
            toxic = await proxy.add_toxic(body)
        return _json(toxic.to_json())

    async def toxic_show(self, request: web.Request, params: dict[str, str]) -> web.Response:
        proxy = self.collection.get(params["proxy"])
        toxic = proxy.find_toxic(params["toxic"])
        if toxic is None:
            raise toxic_not_found()
        return _json(toxic.to_json())

    async def toxic_update(self, request: web.Request, params: dict[str, str]) -> web.Response:
        proxy = self.collection.get(params["proxy"])
        async with proxy.lock:
            if proxy.find_toxic(params["toxic"]) is None:
                raise toxic_not_found()
            body = decode_body(await request.read())
            toxic = await proxy.update_toxic(params["toxic"], body)
        return _json(toxic.to_json())

    async def toxic_delete(self, request: web.Request, params: dict[str, str]) -> web.Response:
        proxy = self.collection.get(params["proxy"])
        async with proxy.lock:
            await proxy.remove_toxic(params["toxic"])
        return _no_content()

    # --- misc --------------------------------------------------------------------------------
    async def version(self, request: web.Request, params: dict[str, str]) -> web.Response:
        body = (json.dumps({"version": TOXIPROXY_VERSION}) + "\n").encode()
        # v2.12 writes this exact header (no space before charset) on /version only
        return web.Response(body=body, headers={"Content-Type": "application/json;charset=utf-8"})

    async def metrics(self, request: web.Request, params: dict[str, str]) -> web.Response:
        return web.Response(
            text=self.collection.metrics.render(),
            content_type="text/plain",
            charset="utf-8",
        )
