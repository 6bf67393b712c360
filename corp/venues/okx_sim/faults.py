"""Venue faults that drills and tests inject through ``/admin/fault`` (and clear with DELETE).

Each fault is a frozen pydantic model; the simulator holds the active set in :class:`FaultState`.
A REST fault may be limited to paths containing ``path_contains`` and to ``count`` requests, and
fires with probability ``rate`` (seeded), so "the next 3 order submissions answer 429" and
"20 % of requests are slow" are both expressible.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FaultState", "OrderFaults", "RestFault", "RestFaultKind", "WsFaults"]

RestFaultKind = Literal[
    "rate_limit", "server_error", "html_200", "empty_200", "maintenance", "slow"
]


class RestFault(BaseModel):
    """One REST misbehaviour, applied before routing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: RestFaultKind
    """rate_limit: 429 + code 50011; server_error: HTTP ``status`` (default 503);
    html_200 / empty_200: HTTP 200 with an HTML page / empty body; maintenance: 200, code 50001;
    slow: wait ``delay_ms``, then process the request normally (the client may time out first)."""
    status: Annotated[int, Field(ge=500, le=599)] = 503
    """HTTP status of ``server_error`` (500-599)."""
    delay_ms: Annotated[float, Field(ge=0)] = 0.0
    """Extra wait of a ``slow`` fault, in milliseconds."""
    path_contains: str = ""
    """Only requests whose path contains this ('' = every /api/v5 request)."""
    count: Annotated[int, Field(ge=1)] | None = None
    """How many requests it fires on before clearing itself (None = until cleared)."""
    rate: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    """Probability of firing on a matching request."""


class OrderFaults(BaseModel):
    """Matching-side misbehaviour."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reject_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    """Probability that an order placement is rejected with ``reject_code``."""
    reject_code: Literal["51008", "51121", "50013"] = "51121"
    """sCode of a rejected placement (insufficient funds / invalid size / system busy)."""
    partial_fill_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    """Probability that an execution against a client's resting order is cut to half its size."""


class WsFaults(BaseModel):
    """WebSocket misbehaviour."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    paused: bool = False
    """Drop every public data frame (pings are still answered: a live but silent feed)."""
    blackhole: bool = False
    """Send nothing at all, not even pong (a dead peer)."""


class FaultState:
    """The faults currently active, with a seeded RNG for the probabilistic ones."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.rest: list[RestFault] = []
        self.remaining: list[int | None] = []
        self.latency_ms = 0.0
        self.orders = OrderFaults()
        self.ws = WsFaults()
        self.gap_next: dict[str, int] = {}
        self.malformed_next: list[Literal["garbage", "nan"]] = []

    def add_rest(self, fault: RestFault) -> None:
        self.rest.append(fault)
        self.remaining.append(fault.count)

    def take_rest(self, path: str) -> RestFault | None:
        """The fault that fires on this request, if any (consuming one of its count)."""
        for i, fault in enumerate(self.rest):
            if fault.path_contains not in path:
                continue
            if fault.rate < 1.0 and self.rng.random() >= fault.rate:
                continue
            left = self.remaining[i]
            if left is not None:
                if left <= 1:
                    del self.rest[i]
                    del self.remaining[i]
                else:
                    self.remaining[i] = left - 1
            return fault
        return None

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def clear(self) -> None:
        self.rest.clear()
        self.remaining.clear()
        self.latency_ms = 0.0
        self.orders = OrderFaults()
        self.ws = WsFaults()
        self.gap_next.clear()
        self.malformed_next.clear()

    def describe(self) -> dict[str, object]:
        return {
            "rest": [
                f.model_dump() | {"remaining": n}
                for f, n in zip(self.rest, self.remaining, strict=True)
            ],
            "latency_ms": self.latency_ms,
            "orders": self.orders.model_dump(),
            "ws": self.ws.model_dump(),
            "gap_next": dict(self.gap_next),
            "malformed_next": list(self.malformed_next),
        }
