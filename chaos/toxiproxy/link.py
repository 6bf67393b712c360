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
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from chaos.toxiproxy.proxy import Proxy
    from chaos.toxiproxy.toxics import Toxic

__all__ = [
    "LINK_BUDGET_BYTES",
    "READ_SIZE_BYTES",
    "TIMED_OUT",
    "Channel",
    "Chunk",
    "Connection",
    "Direction",
    "Interrupted",
    "Link",
    "Stage",
]

Direction = Literal["upstream", "downstream"]

READ_SIZE_BYTES = 32 * 1024
"""Bytes per socket read: Go's ``io.Copy`` buffer, so chunking matches the real server's."""

LINK_BUDGET_BYTES = 256 * 1024
"""Bytes a link may hold in its chain before its reader stops reading the socket."""


class Interrupted(Exception):
    """Raised inside a toxic when its stage must stop (toxic updated or removed)."""


class _TimedOut:
    """Marker returned by :meth:`Stage.read` when its timeout passes without a chunk."""


TIMED_OUT = _TimedOut()


@dataclass(slots=True)
class Chunk:
    """Bytes read from a socket and the loop time (seconds) they arrived or left a latency stage."""

    data: bytes
    ts: float


Item = Chunk | None  # None is end-of-stream


class Channel:
    """An unbounded FIFO with a single consumer that can wait for the next item."""

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        self.items: deque[Item] = deque()
        self.waiter: asyncio.Future[None] | None = None

    def put(self, item: Item) -> None:
        self.items.append(item)
        self.wake()

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Item:
        while not self.items:
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.items.popleft()


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class Stage:
    """One toxic running on one link: what Toxiproxy calls a ToxicStub."""

    def __init__(self, link: Link, toxic: Toxic) -> None:
        self.link = link
        self.toxic = toxic
        self.input = Channel()
        self.next: Channel = link.out
        self.state: dict[str, int] = {}
        self.closed = False
        self.interrupted = False
        self.acting = False
        self.task: asyncio.Task[None] | None = None
        self._sleep_waiter: asyncio.Future[None] | None = None

    @property
    def rng(self) -> random.Random:
        """The link's RNG for jitter and slice sizes (seeded when the server is)."""
        return self.link.rng

    async def read(self) -> Item:
        """Next chunk, or None at end of stream; raises Interrupted when the stage must stop."""
        item = await self.read_or_timeout(None)
        return None if isinstance(item, _TimedOut) else item

    async def read_or_timeout(self, timeout_secs: float | None) -> Item | _TimedOut:
        """Like :meth:`read`, but TIMED_OUT once ``timeout_secs`` pass without a chunk."""
        channel = self.input
        loop = asyncio.get_running_loop()
        deadline = None if timeout_secs is None else loop.time() + timeout_secs
        while True:
            if self.interrupted:
                raise Interrupted
            if channel.items:
                return channel.items.popleft()
            if deadline is not None and loop.time() >= deadline:
                return TIMED_OUT
            waiter = loop.create_future()
            channel.waiter = waiter
            handle = None if deadline is None else loop.call_at(deadline, _resolve, waiter)
            try:
                await waiter
            finally:
                channel.waiter = None
                if handle is not None:
                    handle.cancel()

    async def sleep(self, secs: float) -> None:
        """Sleep ``secs`` (or until interrupted, which raises Interrupted)."""
        if self.interrupted:
            raise Interrupted
        if secs <= 0:
            return
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._sleep_waiter = waiter
        handle = loop.call_later(secs, _resolve, waiter)
        try:
            await waiter
        finally:
            handle.cancel()
            self._sleep_waiter = None
        if self.interrupted:
            raise Interrupted

    async def wait_interrupt(self) -> None:
        """Block until interrupted (a stalled toxic, e.g. bandwidth with rate 0)."""
        if self.interrupted:
            raise Interrupted
        waiter = asyncio.get_running_loop().create_future()
        self._sleep_waiter = waiter
        try:
            await waiter
        finally:
            self._sleep_waiter = None
        raise Interrupted

    def emit(self, chunk: Chunk) -> None:
        """Hand a chunk to the next stage (or the writer)."""
        self.next.put(chunk)

    def discard(self, nbytes: int) -> None:
        """Account for bytes this toxic drops by design (timeout, limit_data, reset_peer)."""
        self.link.release(nbytes)

    def close(self) -> None:
        """End the stream after this stage: everything after it sees end-of-stream."""
        if not self.closed:
            self.closed = True
            self.next.put(None)

    def interrupt(self) -> None:
        self.interrupted = True
        self.input.wake()
        if self._sleep_waiter is not None:
            _resolve(self._sleep_waiter)

    def start(self) -> None:
        """Draw toxicity (``rand < toxicity`` acts, else noop) and run the toxic."""
        from chaos.toxiproxy.toxics import noop_pipe, toxic_type

        self.interrupted = False
        self.acting = self.link.toxicity_rng.random() < self.toxic.toxicity
        pipe = toxic_type(self.toxic.type).pipe if self.acting else noop_pipe
        self.task = asyncio.get_running_loop().create_task(self._run(pipe))

    async def _run(self, pipe: Callable[[Stage], Awaitable[None]]) -> None:
        try:
            await pipe(self)
        except Interrupted:
            return

    async def stop(self) -> None:
        """Interrupt the running toxic and wait until it has handed on what it held."""
        task = self.task
        if task is None or task.done():
            return
        self.interrupt()
        await task


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
        stage.start()

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
            stage.start()

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
            _resolve(self._budget_waiter)

    def _finish(self) -> None:
        self.finished = True
        if self._budget_waiter is not None:
            _resolve(self._budget_waiter)

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
            while True:
                item = await out.get()
                if item is None:
                    break
                nbytes = len(item.data)
                if nbytes:
                    dest.write(item.data)
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

    def close_socket(self, writer: asyncio.StreamWriter) -> None:
        """Close one socket; with SO_LINGER 0 (an RST) once a reset_peer toxic has fired."""
        if writer.transport.is_closing():
            return
        if self.reset:
            _set_linger_zero(writer)
            writer.transport.abort()
        else:
            writer.close()

    def link_done(self) -> None:
        self._done_links += 1
        if self._done_links >= len(self.links):
            self.teardown()

    def teardown(self) -> None:
        """Close both sockets and end every task of this connection at once (disable, delete)."""
        if self.closed:
            return
        self.closed = True
        self.close_socket(self.client_writer)
        self.close_socket(self.upstream_writer)
        current = asyncio.current_task()
        for link in self.links.values():
            link._finish()
            tasks = [link.reader_task, link.writer_task, *(s.task for s in link.stages)]
            for task in tasks:
                if task is not None and task is not current and not task.done():
                    task.cancel()
        self.proxy.connection_closed(self)
