"""The moving parts inside a link: chunks, channels and the stage that runs one toxic.

A :class:`Stage` is what Toxiproxy calls a ToxicStub: it owns an input channel, knows the channel
after it, and runs one toxic's ``pipe`` as a task. A toxic reads with :meth:`Stage.read`, waits
with :meth:`Stage.sleep` and hands data on with :meth:`Stage.emit`; an update or removal of the
toxic interrupts those waits (:class:`Interrupted`), and the toxic hands on what it holds first.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from chaos.toxiproxy.link import Link
    from chaos.toxiproxy.toxics import Toxic

__all__ = [
    "TIMED_OUT",
    "Channel",
    "Chunk",
    "Direction",
    "Interrupted",
    "Item",
    "Pipe",
    "Stage",
    "wake_future",
]

Direction = Literal["upstream", "downstream"]

_log = logging.getLogger(__name__)


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
Pipe = Callable[["Stage"], Awaitable[None]]


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


def wake_future(fut: asyncio.Future[None]) -> None:
    """Resolve a waiter unless it already is (timers and interrupts may race to wake it)."""
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
            handle = None if deadline is None else loop.call_at(deadline, wake_future, waiter)
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
        handle = loop.call_later(secs, wake_future, waiter)
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
            wake_future(self._sleep_waiter)

    def start(self, pipe: Pipe, noop: Pipe) -> None:
        """Draw toxicity (``rand < toxicity`` runs ``pipe``, else ``noop``) and start the task."""
        self.interrupted = False
        self.acting = self.link.toxicity_rng.random() < self.toxic.toxicity
        self.task = asyncio.get_running_loop().create_task(self._run(pipe if self.acting else noop))

    async def _run(self, pipe: Callable[[Stage], Awaitable[None]]) -> None:
        try:
            await pipe(self)
        except Interrupted:
            return
        except Exception:
            # A toxic bug must not leave the connection hanging: log it and end the stream.
            _log.exception("toxic %r failed on %s; closing the link", self.toxic.name, self.link)
            self.close()

    async def stop(self) -> None:
        """Interrupt the running toxic and wait until it has handed on what it held."""
        task = self.task
        if task is None or task.done():
            return
        self.interrupt()
        # wait() rather than await: a teardown may cancel the task meanwhile, which must not
        # surface as CancelledError in the API request that asked for the change.
        await asyncio.wait([task])
