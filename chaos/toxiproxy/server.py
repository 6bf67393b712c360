"""Run the embedded Toxiproxy: an asyncio server for async code and a thread-backed one for tests.

Usage::

    async with ToxiproxyServer(port=0, seed=7) as server:      # in a running loop
        print(server.url)                                       # http://127.0.0.1:41234

    with ThreadedToxiproxyServer(port=0, seed=7) as server:     # from synchronous code
        client_host, client_port = server.host, server.port
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from aiohttp import web

from chaos.toxiproxy.api import ToxiproxyApi
from chaos.toxiproxy.proxy import ProxyCollection

__all__ = ["ThreadedToxiproxyServer", "ToxiproxyServer"]


class ToxiproxyServer:
    """The embedded Toxiproxy-compatible server (HTTP API plus every proxy) on the running loop.

    ``port=0`` binds an ephemeral port; :attr:`port` reports the bound one after :meth:`start`.
    ``seed`` (our extension; real Toxiproxy cannot be seeded) makes toxicity draws, jitter and
    slice sizes replay exactly for the same sequence of connections and API calls; ``None`` draws
    from OS entropy like the real server.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8474,
        *,
        seed: int | None = None,
        metrics_enabled: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.metrics_enabled = metrics_enabled
        self.collection: ProxyCollection | None = None
        self._runner: web.AppRunner | None = None

    @property
    def address(self) -> str:
        """``host:port`` of the API (the bound port once started)."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> ToxiproxyServer:
        """Bind the API (raises OSError when the port is taken) and return self."""
        if self._runner is not None:
            return self
        self.collection = ProxyCollection(seed=self.seed)
        api = ToxiproxyApi(self.collection, metrics_enabled=self.metrics_enabled)
        runner = web.AppRunner(api.app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        for address in runner.addresses:
            if isinstance(address, tuple):
                self.port = int(address[1])
                break
        return self

    async def stop(self) -> None:
        """Stop every proxy (closing its connections) and the API."""
        runner, self._runner = self._runner, None
        if self.collection is not None:
            await self.collection.stop_all()
            # Closed transports release their sockets in callbacks on the next loop turns.
            for _ in range(3):
                await asyncio.sleep(0)
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> ToxiproxyServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


class ThreadedToxiproxyServer:
    """A :class:`ToxiproxyServer` on its own event loop in a daemon thread (for sync callers)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8474,
        *,
        seed: int | None = None,
        metrics_enabled: bool = True,
    ) -> None:
        self.server = ToxiproxyServer(host, port, seed=seed, metrics_enabled=metrics_enabled)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def address(self) -> str:
        return self.server.address

    @property
    def url(self) -> str:
        return self.server.url

    def start(self, timeout_secs: float = 10.0) -> ThreadedToxiproxyServer:
        """Start the loop thread and the server; re-raises a bind error in the caller."""
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        thread = threading.Thread(
            target=self._run, args=(loop, ready), name="toxiproxy-server", daemon=True
        )
        thread.start()
        ready.wait(timeout_secs)
        future = asyncio.run_coroutine_threadsafe(self.server.start(), loop)
        try:
            future.result(timeout_secs)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout_secs)
            loop.close()
            raise
        self._loop, self._thread = loop, thread
        return self

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()

    def stop(self, timeout_secs: float = 10.0) -> None:
        """Stop the server and its loop thread (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop, self._thread = None, None
        try:
            asyncio.run_coroutine_threadsafe(self.server.stop(), loop).result(timeout_secs)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout_secs)
            if not thread.is_alive():
                _cancel_leftovers(loop)
                loop.close()

    def __enter__(self) -> ThreadedToxiproxyServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel and reap tasks still pending on a stopped loop so closing it warns about nothing."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
