"""Proxies (a listener plus its connections and toxic chains) and the collection of them.

Mirrors ``proxy.go``, ``proxy_collection.go`` and ``toxic_collection.go``: creating, updating,
enabling/disabling, populating and resetting proxies, and adding/updating/removing toxics on the
proxy and every live connection at once.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
from typing import Any

from chaos.toxiproxy.decode import FieldKind, merge_fields
from chaos.toxiproxy.errors import (
    ApiError,
    invalid_stream,
    invalid_toxic_type,
    proxy_already_exists,
    proxy_not_found,
    toxic_already_exists,
    toxic_not_found,
)
from chaos.toxiproxy.link import Connection, Link
from chaos.toxiproxy.metrics import ProxyMetrics
from chaos.toxiproxy.stage import Direction
from chaos.toxiproxy.toxics import TOXIC_TYPES, Toxic

__all__ = ["DEFAULT_LISTEN", "Proxy", "ProxyCollection", "split_host_port"]

_log = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1:0"
"""Listen address when a request gives none (Go would bind every interface; we stay on loopback)."""

_TOXIC_FIELDS: dict[str, FieldKind] = {
    "name": "string",
    "type": "string",
    "stream": "string",
    "toxicity": "float",
}


def split_host_port(address: str) -> tuple[str, int]:
    """Split ``host:port`` / ``[v6]:port`` like Go's ``net.SplitHostPort`` (numeric port)."""
    if address.startswith("["):
        end = address.find("]")
        if end < 0 or address[end + 1 : end + 2] != ":":
            raise ValueError(f"address {address}: missing port in address")
        host, port_text = address[1:end], address[end + 2 :]
    else:
        host, sep, port_text = address.rpartition(":")
        if not sep:
            raise ValueError(f"address {address}: missing port in address")
        if ":" in host:
            raise ValueError(f"address {address}: too many colons in address")
    if not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(f"address {address}: invalid port {port_text!r}")
    return host, int(port_text)


def _format_address(sockname: tuple[Any, ...]) -> str:
    host, port = sockname[0], sockname[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _bind_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "0.0.0.0"
    if host == "localhost":
        return "127.0.0.1"
    return host


class Proxy:
    """One named proxy: ``listen`` → ``upstream`` with two chains of toxics."""

    def __init__(self, collection: ProxyCollection, name: str, listen: str, upstream: str) -> None:
        self.collection = collection
        self.name = name
        self.listen = listen or DEFAULT_LISTEN
        self.upstream = upstream
        self.enabled = False
        self.chains: dict[Direction, list[Toxic]] = {"upstream": [], "downstream": []}
        self.connections: set[Connection] = set()
        self.lock = asyncio.Lock()
        self._server: asyncio.Server | None = None
        self._conn_seq = 0
        self._pending_dials: set[asyncio.Task[None]] = set()

    @property
    def metrics(self) -> ProxyMetrics:
        return self.collection.metrics

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "listen": self.listen,
            "upstream": self.upstream,
            "enabled": self.enabled,
            "Logger": {},  # v2.12 marshals its (empty) zerolog field; kept for byte-level parity
            "toxics": [t.to_json() for t in self.toxics()],
        }

    def toxics(self) -> list[Toxic]:
        """Upstream toxics in the order added, then downstream ones."""
        return [*self.chains["upstream"], *self.chains["downstream"]]

    # --- listening ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind the listener (500 with the OS reason when that fails; the proxy stays disabled)."""
        if self.enabled:
            return
        try:
            host, port = split_host_port(self.listen)
        except ValueError as exc:
            raise ApiError(f"listen tcp {self.listen}: {exc}", 500) from exc
        try:
            server = await asyncio.start_server(
                self._on_client, _bind_host(host), port, reuse_address=True, family=socket.AF_UNSPEC
            )
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            if exc.errno == errno.EADDRINUSE:
                reason = "address already in use"
            raise ApiError(f"listen tcp {self.listen}: bind: {reason.lower()}", 500) from exc
        self._server = server
        self.listen = _format_address(server.sockets[0].getsockname())
        self.enabled = True
        _log.info("started proxy %s on %s -> %s", self.name, self.listen, self.upstream)

    async def stop(self) -> None:
        """Close the listener and every live connection; toxics are kept."""
        if not self.enabled:
            return
        self.enabled = False
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._pending_dials):
            task.cancel()
        for conn in list(self.connections):
            conn.teardown()
        self.connections.clear()
        _log.info("terminated proxy %s on %s", self.name, self.listen)

    async def update(self, listen: str, upstream: str, enabled: bool) -> None:
        """Change listen/upstream (restarting the listener) and/or toggle ``enabled``."""
        if listen != self.listen or upstream != self.upstream:
            await self.stop()
            self.listen = listen or DEFAULT_LISTEN
            self.upstream = upstream
        if enabled != self.enabled:
            if enabled:
                await self.start()
            else:
                await self.stop()

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._pending_dials.add(task)
        try:
            await self._dial(reader, writer)
        finally:
            if task is not None:
                self._pending_dials.discard(task)

    async def _dial(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            host, port = split_host_port(self.upstream)
            upstream = await asyncio.open_connection(host, port)
        except (OSError, ValueError) as exc:
            # The client's connect succeeded; it now reads EOF, as with real Toxiproxy.
            _log.warning(
                "proxy %s: unable to open connection to upstream %s: %s",
                self.name,
                self.upstream,
                exc,
            )
            writer.close()
            return
        except asyncio.CancelledError:
            writer.close()
            raise
        if not self.enabled:
            writer.close()
            upstream[1].close()
            return
        self._conn_seq += 1
        seed = self.collection.seed
        rng_seed = None if seed is None else f"{seed}/{self.name}/{self._conn_seq}"
        conn = Connection(self, self._conn_seq, (reader, writer), upstream, rng_seed)
        self.connections.add(conn)
        conn.start(self.chains)

    def connection_closed(self, conn: Connection) -> None:
        self.connections.discard(conn)

    def _live_links(self, direction: Direction) -> list[Link]:
        return [c.links[direction] for c in self.connections if not c.closed]

    # --- toxics ------------------------------------------------------------------------------
    def find_toxic(self, name: str) -> Toxic | None:
        for toxic in self.toxics():
            if toxic.name == name:
                return toxic
        return None

    async def add_toxic(self, body: object) -> Toxic:
        """POST /proxies/{p}/toxics; checks in order: body, stream, type, name clash, attributes."""
        fields = merge_fields(
            body,
            _TOXIC_FIELDS,
            {"name": "", "type": "", "stream": "downstream", "toxicity": 1.0},
            "Toxic",
        )
        stream = str(fields["stream"])
        if stream.lower() not in ("upstream", "downstream"):
            raise invalid_stream()
        direction: Direction = "upstream" if stream.lower() == "upstream" else "downstream"
        type_name = str(fields["type"])
        name = str(fields["name"]) or f"{type_name}_{stream}"
        if type_name not in TOXIC_TYPES:
            raise invalid_toxic_type()
        if self.find_toxic(name) is not None:
            raise toxic_already_exists()
        kind = TOXIC_TYPES[type_name]
        attributes = _decode_attributes(body, kind.attributes, dict.fromkeys(kind.attributes, 0))
        kind.validate(attributes)
        toxic = Toxic(name, type_name, stream, direction, float(fields["toxicity"]), attributes)
        self.chains[direction].append(toxic)
        for link in self._live_links(direction):
            link.add_toxic(toxic)
        return toxic

    async def update_toxic(self, name: str, body: object) -> Toxic:
        """PATCH/POST /proxies/{p}/toxics/{t}: merge attributes, toxicity only when present."""
        toxic = self.find_toxic(name)
        if toxic is None:
            raise toxic_not_found()
        kind = TOXIC_TYPES[toxic.type]
        fields = merge_fields(body, {"toxicity": "float"}, {"toxicity": toxic.toxicity}, "Toxic")
        attributes = _decode_attributes(body, kind.attributes, dict(toxic.attributes))
        kind.validate(attributes)
        updated = Toxic(
            toxic.name,
            toxic.type,
            toxic.stream,
            toxic.direction,
            float(fields["toxicity"]),
            attributes,
        )
        chain = self.chains[toxic.direction]
        chain[chain.index(toxic)] = updated
        await asyncio.gather(
            *(link.update_toxic(updated) for link in self._live_links(toxic.direction))
        )
        return updated

    async def remove_toxic(self, name: str) -> None:
        toxic = self.find_toxic(name)
        if toxic is None:
            raise toxic_not_found()
        self.chains[toxic.direction].remove(toxic)
        closes = TOXIC_TYPES[toxic.type].closes_link_on_removal
        await asyncio.gather(
            *(
                link.remove_toxic(name, closes_link=closes)
                for link in self._live_links(toxic.direction)
            )
        )

    async def reset_toxics(self) -> None:
        for toxic in list(self.toxics()):
            await self.remove_toxic(toxic.name)


def _decode_attributes(
    body: object, names: tuple[str, ...], current: dict[str, int]
) -> dict[str, int]:
    attrs_obj: object = {}
    if isinstance(body, dict):
        for key, value in body.items():
            if key.lower() == "attributes" and value is not None:
                attrs_obj = value
    merged = merge_fields(attrs_obj, dict.fromkeys(names, "int"), dict(current), "Toxic.attributes")
    return {k: int(v) for k, v in merged.items()}


class ProxyCollection:
    """Every proxy of one server, by name."""

    def __init__(self, seed: int | None = None) -> None:
        self.proxies: dict[str, Proxy] = {}
        self.metrics = ProxyMetrics()
        self.seed = seed
        self.lock = asyncio.Lock()

    def get(self, name: str) -> Proxy:
        proxy = self.proxies.get(name)
        if proxy is None:
            raise proxy_not_found()
        return proxy

    async def add(self, proxy: Proxy, start: bool) -> None:
        if proxy.name in self.proxies:
            raise proxy_already_exists()
        if start:
            await proxy.start()
        self.proxies[proxy.name] = proxy

    async def add_or_replace(self, proxy: Proxy, start: bool) -> Proxy:
        """Populate: same listen and upstream keeps the existing proxy, otherwise it is replaced."""
        existing = self.proxies.get(proxy.name)
        if existing is not None:
            if existing.listen == proxy.listen and existing.upstream == proxy.upstream:
                return existing
            async with existing.lock:
                await existing.stop()
        if start:
            await proxy.start()
        self.proxies[proxy.name] = proxy
        return proxy

    async def remove(self, name: str) -> None:
        proxy = self.get(name)
        async with proxy.lock:
            await proxy.stop()
        self.proxies.pop(name, None)

    async def stop_all(self) -> None:
        for proxy in list(self.proxies.values()):
            await proxy.stop()
