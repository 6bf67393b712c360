"""The toxics of Toxiproxy v2.12 (``toxics/*.go``): their attributes and how each treats a stream.

Every toxic is a coroutine ``pipe(stage)`` that reads chunks from its stage and emits, holds, slices
or drops them. A toxic interrupted while holding data hands it on first (``Don't drop any data on
the floor`` in the Go source), so live toxic changes never lose bytes; only what a toxic drops by
design (timeout, limit_data, reset_peer) disappears.

Times follow the API: ``latency``/``jitter``/``delay``/``timeout`` in ms, slicer ``delay`` in µs,
bandwidth ``rate`` in KB/s (1 KB = 1000 bytes), sizes in bytes.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chaos.toxiproxy.errors import bad_request
from chaos.toxiproxy.stage import Chunk, Direction, Interrupted, Pipe, Stage

__all__ = [
    "TOXIC_TYPES",
    "Toxic",
    "ToxicType",
    "noop_pipe",
    "slice_offsets",
]


@dataclass
class Toxic:
    """A toxic as the API shows it; ``attributes`` always holds every attribute of its type."""

    name: str
    type: str
    stream: str
    direction: Direction
    toxicity: float
    attributes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        toxicity: float | int = self.toxicity
        if float(toxicity).is_integer():
            toxicity = int(toxicity)
        return {
            "attributes": dict(self.attributes),
            "name": self.name,
            "type": self.type,
            "stream": self.stream,
            "toxicity": toxicity,
        }


async def noop_pipe(stage: Stage) -> None:
    """Pass everything through unchanged (also what a toxic does when its toxicity draw fails)."""
    while True:
        chunk = await stage.read()
        if chunk is None:
            stage.close()
            return
        stage.emit(chunk)


async def _latency_pipe(stage: Stage) -> None:
    loop = asyncio.get_running_loop()
    while True:
        chunk = await stage.read()
        if chunk is None:
            stage.close()
            return
        attrs = stage.toxic.attributes
        delay_ms = attrs["latency"]
        jitter_ms = attrs["jitter"]
        if jitter_ms > 0:
            delay_ms += stage.rng.randrange(2 * jitter_ms) - jitter_ms
        target = chunk.ts + delay_ms / 1000.0
        try:
            await stage.sleep(target - loop.time())
        except Interrupted:
            stage.emit(chunk)
            raise
        # The next latency toxic counts from here, so several latency toxics add up.
        chunk.ts = target
        stage.emit(chunk)


async def _bandwidth_pipe(stage: Stage) -> None:
    loop = asyncio.get_running_loop()
    sleep_secs = 0.0
    while True:
        chunk = await stage.read()
        if chunk is None:
            stage.close()
            return
        rate = stage.toxic.attributes["rate"]
        if rate <= 0:
            # Toxiproxy never lets a byte through at rate 0: the chunk waits for a change.
            try:
                await stage.wait_interrupt()
            except Interrupted:
                stage.emit(chunk)
                raise
        sleep_secs += len(chunk.data) / (rate * 1000.0)
        data = chunk.data
        slice_bytes = rate * 100
        while len(data) > slice_bytes:
            try:
                await stage.sleep(0.1)
            except Interrupted:
                stage.emit(Chunk(data, chunk.ts))
                raise
            stage.emit(Chunk(data[:slice_bytes], chunk.ts))
            data = data[slice_bytes:]
            sleep_secs -= 0.1
        started = loop.time()
        try:
            await stage.sleep(sleep_secs)
        except Interrupted:
            stage.emit(Chunk(data, chunk.ts))
            raise
        sleep_secs -= loop.time() - started
        stage.emit(Chunk(data, chunk.ts))


async def _slow_close_pipe(stage: Stage) -> None:
    while True:
        chunk = await stage.read()
        if chunk is None:
            try:
                await stage.sleep(stage.toxic.attributes["delay"] / 1000.0)
            except Interrupted:
                # Keep the end-of-stream for whoever runs next (Go loses it here).
                stage.input.items.appendleft(None)
                raise
            stage.close()
            return
        stage.emit(chunk)


async def _timeout_pipe(stage: Stage) -> None:
    timeout_ms = stage.toxic.attributes["timeout"]
    timeout_secs = timeout_ms / 1000.0 if timeout_ms > 0 else None
    while True:
        item = await stage.read_or_timeout(timeout_secs)
        if not isinstance(item, Chunk):  # end of stream or TIMED_OUT
            stage.close()
            return
        stage.discard(len(item.data))


async def _reset_peer_pipe(stage: Stage) -> None:
    item = await stage.read()
    if isinstance(item, Chunk):
        stage.discard(len(item.data))
    # Like Go, the wait after the first chunk is not interruptible: the reset is committed.
    await asyncio.sleep(stage.toxic.attributes["timeout"] / 1000.0)
    stage.link.conn.reset = True
    stage.close()


def slice_offsets(
    average_size: int, size_variation: int, start: int, end: int, rng: random.Random
) -> list[tuple[int, int]]:
    """Split [start, end) into pieces near ``average_size`` ± ``size_variation`` (Go's chunk())."""
    if (end - start) - average_size <= size_variation:
        return [(start, end)]
    variation = 0
    if size_variation > 0:
        variation = rng.randrange(size_variation * 2) - size_variation
    mid = start + (end - start) // 2 + variation
    mid = min(max(mid, start + 1), end - 1)  # never an empty or negative piece
    return slice_offsets(average_size, size_variation, start, mid, rng) + slice_offsets(
        average_size, size_variation, mid, end, rng
    )


async def _slicer_pipe(stage: Stage) -> None:
    while True:
        chunk = await stage.read()
        if chunk is None:
            stage.close()
            return
        attrs = stage.toxic.attributes
        pieces = slice_offsets(
            attrs["average_size"], attrs["size_variation"], 0, len(chunk.data), stage.rng
        )
        for begin, finish in pieces:
            stage.emit(Chunk(chunk.data[begin:finish], chunk.ts))
            try:
                await stage.sleep(attrs["delay"] / 1_000_000.0)
            except Interrupted:
                if finish < len(chunk.data):
                    stage.emit(Chunk(chunk.data[finish:], chunk.ts))
                raise


async def _limit_data_pipe(stage: Stage) -> None:
    limit = stage.toxic.attributes["bytes"]
    state = stage.state
    state.setdefault("transmitted", 0)
    while True:
        chunk = await stage.read()
        if chunk is None:
            stage.close()
            return
        remaining = max(0, limit - state["transmitted"])
        data = chunk.data
        if remaining < len(data):
            stage.discard(len(data) - remaining)
            data = data[:remaining]
        if data:
            stage.emit(Chunk(data, chunk.ts))
            state["transmitted"] += len(data)
        if limit - state["transmitted"] <= 0:
            stage.close()
            return


def _validate_slicer(attrs: dict[str, int]) -> None:
    if attrs["average_size"] <= 0:
        raise bad_request(
            f"slicer average_size must be greater than 0, got {attrs['average_size']}"
        )


def _no_validation(attrs: dict[str, int]) -> None:
    return None


@dataclass(frozen=True)
class ToxicType:
    """A registered toxic type: its attributes (all integers, zero by default) and behaviour."""

    name: str
    attributes: tuple[str, ...]
    pipe: Pipe
    validate: Callable[[dict[str, int]], None] = _no_validation
    closes_link_on_removal: bool = False


TOXIC_TYPES: dict[str, ToxicType] = {
    t.name: t
    for t in (
        ToxicType("noop", (), noop_pipe),
        ToxicType("latency", ("latency", "jitter"), _latency_pipe),
        ToxicType("bandwidth", ("rate",), _bandwidth_pipe),
        ToxicType("slow_close", ("delay",), _slow_close_pipe),
        ToxicType("timeout", ("timeout",), _timeout_pipe, closes_link_on_removal=True),
        ToxicType("reset_peer", ("timeout",), _reset_peer_pipe),
        ToxicType(
            "slicer", ("average_size", "size_variation", "delay"), _slicer_pipe, _validate_slicer
        ),
        ToxicType("limit_data", ("bytes",), _limit_data_pipe),
    )
}
