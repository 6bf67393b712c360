"""The simulator process: config, shared state, the aiohttp app, and ways to run it.

In tests::

    async with running_sim(SimConfig(seed=7)) as sim:
        ex = ccxt.async_support.okx(sim.ccxt_config())   # or corp.venues with sim.rest_url

Standalone: ``python -m corp.venues.okx_sim --port 8080 --seed 7``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from corp.venues.okx_sim.accounts import FeeSchedule
from corp.venues.okx_sim.admin import add_admin_routes
from corp.venues.okx_sim.book import Order
from corp.venues.okx_sim.exchange import Retention, SimExchange
from corp.venues.okx_sim.faults import FaultState
from corp.venues.okx_sim.flow import FlowSource, HawkesFlow
from corp.venues.okx_sim.market import HOUSE, TAKER, BackgroundMarket
from corp.venues.okx_sim.rest import add_rest_routes
from corp.venues.okx_sim.ws import WsHub
from corp.venues.throttle import TokenBucket

__all__ = ["RunningSim", "SimConfig", "SimState", "build_app", "running_sim", "sim_in_thread"]


class SimConfig(BaseModel):
    """How the simulator runs; every field has a default that works offline."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    """Bind address (default loopback only)."""
    port: Annotated[int, Field(ge=0, le=65535)] = 0
    """TCP port; 0 (default) picks a free one."""
    seed: int = 0
    """Seeds the price path, liquidity sizes, taker flow and probabilistic faults."""
    background: bool = True
    """Run house liquidity (always seeded once at start) and, if ``step_ms`` > 0, keep stepping."""
    step_ms: Annotated[float, Field(ge=0)] = 100.0
    """Background market step period; 0 = step only via /admin/step (deterministic tests)."""
    initial_px: dict[str, float] = Field(
        default_factory=lambda: {"BTC-USDT": 30000.0, "BTC-USDT-SWAP": 30000.0}
    )
    """Starting fair price per instrument (quote currency)."""
    mu_per_sec: Annotated[float, Field(gt=0)] = 2.0
    """Baseline taker arrival rate μ (per second)."""
    alpha_per_sec: Annotated[float, Field(ge=0)] = 0.8
    """Hawkes excitation α (per second); must stay below β."""
    beta_per_sec: Annotated[float, Field(gt=0)] = 2.0
    """Hawkes decay β (per second)."""
    maker_fee_rate: Decimal = Decimal("-0.00005")
    """Maker fee as a fraction of notional; negative = rebate (default -0.5 bps)."""
    taker_fee_rate: Decimal = Decimal("0.0005")
    """Taker fee as a fraction of notional (default 5 bps)."""
    account_rate_per_sec: Annotated[float, Field(gt=0)] | None = None
    """Private requests per second per API key before answering 429/50011 (None = no limit)."""
    account_burst: Annotated[int, Field(ge=1)] = 20
    """Back-to-back private requests allowed per API key after a quiet period (default 20)."""
    closed_orders_per_account: Annotated[int, Field(ge=1)] = 10_000
    """Closed orders kept queryable per account and kind (canceled-unfilled / traded), on top
    of OKX's 2 h / 7 day windows; older ones are forgotten (bounded memory over a long soak)."""
    fills_per_account: Annotated[int, Field(ge=1)] = 10_000
    """Newest fills kept per account (fills-history pages through at most these)."""

    def retention(self) -> Retention:
        """The exchange's history bounds under this config."""
        return Retention(
            canceled_unfilled_per_account=self.closed_orders_per_account,
            traded_per_account=self.closed_orders_per_account,
            fills_per_account=self.fills_per_account,
        )


@dataclass
class SimState:
    """Everything the route handlers share."""

    config: SimConfig
    exchange: SimExchange
    faults: FaultState
    market: BackgroundMarket | None
    hub: WsHub = field(init=False)
    rest_requests: int = 0
    limits: dict[str, TokenBucket] = field(default_factory=dict)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def loop_call(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a coroutine in the background, keeping a reference until it ends."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def over_limit(self, account: str) -> bool:
        """True when ``account`` exceeded its private request rate (the venue's own limiter)."""
        rate = self.config.account_rate_per_sec
        if rate is None:
            return False
        bucket = self.limits.get(account)
        if bucket is None:
            bucket = self.limits[account] = TokenBucket(rate, self.config.account_burst)
        return bucket.try_take() > 0

    def step_market(self, secs: float) -> int:
        if self.market is None:
            return 0
        return self.market.step(secs)

    def fill_cap(self, maker: Order, lots: int) -> int:
        """The partial-fill fault: halve executions against a client's resting order."""
        rate = self.faults.orders.partial_fill_rate
        if maker.account in (HOUSE, TAKER) or not self.faults.roll(rate):
            return lots
        return max(1, lots // 2) if maker.remaining_lots > 1 else lots


def build_state(
    config: SimConfig,
    flow: FlowSource | None = None,
    *,
    clock_ms: Callable[[], int] | None = None,
    retention: Retention | None = None,
) -> SimState:
    """The simulator's state without a server: ``clock_ms`` (default wall clock) and
    ``retention`` (default from ``config``) let in-process runs simulate hours in seconds."""
    exchange = SimExchange(
        clock_ms=clock_ms or (lambda: time.time_ns() // 1_000_000),
        fees=FeeSchedule(config.maker_fee_rate, config.taker_fee_rate),
        retention=retention or config.retention(),
    )
    faults = FaultState(config.seed + 1)
    market = None
    if config.background:
        source = flow or HawkesFlow(
            mu_per_sec=config.mu_per_sec,
            alpha_per_sec=config.alpha_per_sec,
            beta_per_sec=config.beta_per_sec,
            seed=config.seed + 2,
        )
        market = BackgroundMarket(exchange, source, seed=config.seed, initial_px=config.initial_px)
    state = SimState(config, exchange, faults, market)
    exchange.fill_cap = state.fill_cap
    exchange.seq_skip = lambda inst_id: faults.gap_next.pop(inst_id, 0)
    state.hub = WsHub(state)
    return state


def build_app(state: SimState) -> web.Application:
    app = web.Application()
    add_rest_routes(app, state)
    add_admin_routes(app, state)
    for path in ("/ws/v5/public", "/ws/v5/private", "/ws/v5/business"):
        app.router.add_get(path, state.hub.handle)
    return app


@dataclass
class RunningSim:
    """A running simulator: its URLs, state and a helper to point ccxt at it."""

    state: SimState
    host: str
    port: int
    loop: asyncio.AbstractEventLoop
    sock: socket.socket

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws/v5"

    @property
    def admin_url(self) -> str:
        return f"{self.rest_url}/admin"


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


async def _stepper(state: SimState, step_ms: float) -> None:
    last = time.monotonic()
    while True:
        await asyncio.sleep(step_ms / 1000.0)
        now = time.monotonic()
        state.step_market(now - last)
        last = now


@contextlib.asynccontextmanager
async def running_sim(
    config: SimConfig | None = None, *, flow: FlowSource | None = None
) -> AsyncIterator[RunningSim]:
    """Serve the simulator on loopback for the duration of the block."""
    config = config or SimConfig()
    state = build_state(config, flow)
    runner = web.AppRunner(
        build_app(state), handle_signals=False, access_log=None, shutdown_timeout=0.5
    )
    await runner.setup()
    sock = _listening_socket(config.host, config.port)
    site = web.SockSite(runner, sock)
    await site.start()
    stepper = None
    if state.market is not None and config.step_ms > 0:
        stepper = asyncio.create_task(_stepper(state, config.step_ms))
    try:
        yield RunningSim(
            state, config.host, sock.getsockname()[1], asyncio.get_running_loop(), sock
        )
    finally:
        if stepper is not None:
            stepper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stepper
        await state.hub.drop_all()
        await runner.cleanup()


@contextlib.contextmanager
def sim_in_thread(config: SimConfig | None = None) -> Iterator[RunningSim]:
    """Serve the simulator from its own event loop in a daemon thread (for sync clients)."""
    ready: list[RunningSim] = []
    started = threading.Event()
    stopping: list[asyncio.Event] = []
    errors: list[BaseException] = []

    async def serve() -> None:
        stop = asyncio.Event()
        stopping.append(stop)
        async with running_sim(config) as sim:
            ready.append(sim)
            started.set()
            await stop.wait()

    def main() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:  # surfaced to the caller below
            errors.append(exc)
            started.set()

    thread = threading.Thread(target=main, name="okx_sim", daemon=True)
    thread.start()
    started.wait(timeout=10.0)
    if errors or not ready:
        raise RuntimeError(f"okx_sim thread failed to start: {errors!r}")
    sim = ready[0]
    loop = sim.loop
    try:
        yield sim
    finally:
        loop.call_soon_threadsafe(stopping[0].set)
        thread.join(timeout=10.0)
