"""Connections, one-way links and the chain of toxic stages inside each link.

A link (``upstream``: client to server, ``downstream``: server to client) is::

    reader ─► stage 1 ─► stage 2 ─► … ─► out ─► writer

Each stage runs one toxic as an asyncio task that reads chunks from its input channel and emits to
the channel after it. Channels are unbounded FIFOs; back-pressure comes from a byte budget per
link (the reader stops reading the socket while more than ``LINK_BUDGET_BYTES`` sit in the chain),
so a slow toxic slows the sender the way a full TCP window does.

Live changes (the heart of Toxiproxy's contract) happen without losing data:

* adding a toxic appends a stage and points the old last stage at it;
* updating one interrupts its stage, which hands on the chunk it holds, then restarts it;
* removing one interrupts it, hands on what it holds and what waits in its input (in order), then
  unlinks it — except a ``timeout`` toxic, whose removal closes the link (as in Toxiproxy).

Toxicity is drawn per stage start (connection start, toxic added, toxic updated) from a per-link
RNG; with a server seed those RNGs are derived from (seed, proxy, connection number, direction),
so a drill that opens the same connections replays the same decisions and jitter.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
from typing import TYPE_CHECKING

from chaos.toxiproxy.stage import Channel, Chunk, Direction, Stage, wake_future
from chaos.toxiproxy.toxics import TOXIC_TYPES, noop_pipe

if TYPE_CHECKING:
    from chaos.toxiproxy.proxy import Proxy
    from chaos.toxiproxy.toxics import Toxic

__all__ = ["LINK_BUDGET_BYTES", "READ_SIZE_BYTES", "Connection", "Link"]

READ_SIZE_BYTES = 32 * 1024
"""Bytes per socket read: Go's ``io.Copy`` buffer, so chunking matches the real server's."""

LINK_BUDGET_BYTES = 256 * 1024
"""Bytes a link may hold in its chain before its reader stops reading the socket."""


class Link:
    """One direction of one connection: reader, stages, writer."""

    def __init__(
        self,
        conn: Connection,
        direction: Direction,
        source: asyncio.StreamReader,
        dest: asyncio.StreamWriter,
        rng_seed: str | None,
    ) -> None:
        self.conn = conn
        self.direction = direction
        self.source = source
        self.dest = dest
        self.out = Channel()
        self.stages: list[Stage] = []
        self.pending_bytes = 0
        self.finished = False
        self._budget_waiter: asyncio.Future[None] | None = None
        if rng_seed is None:
            self.toxicity_rng = random.Random()
            self.rng = random.Random()
        else:
            self.toxicity_rng = random.Random(f"{rng_seed}/toxicity")
            self.rng = random.Random(f"{rng_seed}/jitter")
        self.reader_task: asyncio.Task[None] | None = None
        self.writer_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"Link({self.conn.proxy.name!r}, conn={self.conn.seq}, {self.direction})"

    # --- chain -----------------------------------------------------------------------------
    def head(self) -> Channel:
        return self.stages[0].input if self.stages else self.out

    def start(self, toxics: list[Toxic]) -> None:
        for toxic in toxics:
            self._append(toxic)
        loop = asyncio.get_running_loop()
        self.reader_task = loop.create_task(self._read_loop())
        self.writer_task = loop.create_task(self._write_loop())

    def _append(self, toxic: Toxic) -> None:
        stage = Stage(self, toxic)
        if self.stages:
            self.stages[-1].next = stage.input
        self.stages.append(stage)
        stage.start(TOXIC_TYPES[toxic.type].pipe, noop_pipe)

    def add_toxic(self, toxic: Toxic) -> None:
        if not self.finished:
            self._append(toxic)

    def _find(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.toxic.name == name:
                return stage
        return None

    async def update_toxic(self, toxic: Toxic) -> None:
        stage = self._find(toxic.name)
        if stage is None:
            return
        await stage.stop()
        stage.toxic = toxic
        if not stage.closed and not self.finished:
            stage.start(TOXIC_TYPES[toxic.type].pipe, noop_pipe)

    async def remove_toxic(self, name: str, *, closes_link: bool) -> None:
        stage = self._find(name)
        if stage is None:
            return
        await stage.stop()
        if stage not in self.stages:
            return
        index = self.stages.index(stage)
        leftovers = list(stage.input.items)
        stage.input.items.clear()
        if closes_link or stage.closed:
            # Toxiproxy's timeout Cleanup closes the stub: the link ends, queued data is dropped.
            for item in leftovers:
                if item is not None:
                    self.release(len(item.data))
            stage.close()
        else:
            for item in leftovers:
                stage.next.put(item)
        if index > 0:
            self.stages[index - 1].next = stage.next
        del self.stages[index]

    # --- flow control ------------------------------------------------------------------------
    def release(self, nbytes: int) -> None:
        self.pending_bytes -= nbytes
        if self.pending_bytes <= LINK_BUDGET_BYTES and self._budget_waiter is not None:
            wake_future(self._budget_waiter)

    def _finish(self) -> None:
        self.finished = True
        if self._budget_waiter is not None:
            wake_future(self._budget_waiter)

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        metrics = self.conn.proxy.metrics
        labels = self.conn.metric_labels(self.direction)
        try:
            while not self.finished:
                while self.pending_bytes > LINK_BUDGET_BYTES and not self.finished:
                    self._budget_waiter = loop.create_future()
                    try:
                        await self._budget_waiter
                    finally:
                        self._budget_waiter = None
                if self.finished:
                    return
                data = await self.source.read(READ_SIZE_BYTES)
                if not data:
                    break
                self.pending_bytes += len(data)
                metrics.add_received(labels, len(data))
                self.head().put(Chunk(data, loop.time()))
        except (ConnectionError, OSError):
            pass
        finally:
            if not self.finished:
                self.head().put(None)

    async def _write_loop(self) -> None:
        metrics = self.conn.proxy.metrics
        labels = self.conn.metric_labels(self.direction)
        out = self.out
        dest = self.dest
        try:
            ended = False
            while not ended:
                item = await out.get()
                if item is None:
                    break
                # Write every chunk already waiting in one go: fewer drains, same bytes, same order.
                batch = [item.data]
                while out.items:
                    more = out.items.popleft()
                    if more is None:
                        ended = True
                        break
                    batch.append(more.data)
                nbytes = sum(len(data) for data in batch)
                if nbytes:
                    dest.writelines(batch)
                    metrics.add_sent(labels, nbytes)
                self.release(nbytes)
                await dest.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._finish()
            self.conn.close_socket(dest)
            self.conn.link_done()


def _set_linger_zero(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        return


class Connection:
    """A proxied client: the accepted socket, the upstream socket and the two links."""

    def __init__(
        self,
        proxy: Proxy,
        seq: int,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        rng_seed: str | None,
    ) -> None:
        self.proxy = proxy
        self.seq = seq
        self.client_writer = client[1]
        self.upstream_writer = upstream[1]
        self.reset = False
        self.closed = False
        self._listen = proxy.listen
        self._upstream = proxy.upstream
        self.links: dict[Direction, Link] = {
            "upstream": Link(
                self,
                "upstream",
                client[0],
                upstream[1],
                None if rng_seed is None else f"{rng_seed}/upstream",
            ),
            "downstream": Link(
                self,
                "downstream",
                upstream[0],
                client[1],
                None if rng_seed is None else f"{rng_seed}/downstream",
            ),
        }
        self._done_links = 0

    def metric_labels(self, direction: Direction) -> tuple[str, str, str, str]:
        return (direction, self.proxy.name, self._listen, self._upstream)

    def start(self, chains: dict[Direction, list[Toxic]]) -> None:
        for direction, link in self.links.items():
            link.start(list(chains[direction]))

    def close_socket(self, writer: asyncio.StreamWriter, *, now: bool = False) -> None:
        """Close one socket; with SO_LINGER 0 (an RST) once a reset_peer toxic has fired.

        ``now`` drops what asyncio still buffers instead of flushing it first: a disabled or
        deleted proxy closes its connections at once, as Go's ``conn.Close()`` does, even when
        a peer stopped reading.
        """
        transport = writer.transport
        if self.reset:
            _set_linger_zero(writer)
        if now or self.reset:
            transport.abort()
        elif not transport.is_closing():
            writer.close()

    def link_done(self) -> None:
        self._done_links += 1
        if self._done_links >= len(self.links):
            self.teardown(now=False)  # both directions ended: let the last bytes flush

    def teardown(self, *, now: bool = True) -> None:
        """Close both sockets and end every task of this connection (disable, delete, stop)."""
        if self.closed:
            return
        self.closed = True
        self.close_socket(self.client_writer, now=now)
        self.close_socket(self.upstream_writer, now=now)
        current = asyncio.current_task()
        for link in self.links.values():
            link._finish()
            tasks = [link.reader_task, link.writer_task, *(s.task for s in link.stages)]
            for task in tasks:
                if task is not None and task is not current and not task.done():
                    task.cancel()
        self.proxy.connection_closed(self)
