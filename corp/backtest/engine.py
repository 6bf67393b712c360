"""Run the njit loop over an event array or a stream of chunks (validation, allocation, draining).

``run_backtest(events, params)`` validates the events (DataError naming row and field), allocates
the loop state once, feeds the loop chunk by chunk (so peak memory follows the chunk size, not the
stream length), drains the fill and record buffers whenever they fill up, and returns a
`BacktestResult` with the fills, the downsampled records and the final aggregates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from corp.backtest import types as bt
from corp.backtest.loop import event_ticks_nb, run_chunk_nb
from corp.backtest.validate import validate_events, validate_latency_table
from corp.core import types as ct
from corp.core.accounting import new_account
from corp.core.breaker import new_breaker_state
from corp.core.signals import new_signals
from corp.errors import DataError
from corp.market.types import EVENT_DTYPE

__all__ = ["BacktestResult", "LoopState", "iter_chunks", "run_backtest"]

GRID_MARGIN_TICKS = 2_000
FILL_BUFFER = 65_536
RECORD_BUFFER = 65_536


@dataclass
class LoopState:
    """Every array the loop reads or writes; carried from one chunk to the next."""

    params: np.ndarray
    glft_table: np.ndarray
    lat_table: np.ndarray
    ex_bid: np.ndarray
    ex_ask: np.ndarray
    lo_bid: np.ndarray
    lo_ask: np.ndarray
    istate: np.ndarray
    fstate: np.ndarray
    acct: np.ndarray
    sig: np.ndarray
    cache: np.ndarray
    brk: np.ndarray
    feat: np.ndarray
    qout: np.ndarray
    orders_i: np.ndarray
    orders_f: np.ndarray
    nt_i: np.ndarray
    nt_f: np.ndarray
    mk_i: np.ndarray
    mk_f: np.ndarray
    fills_i: np.ndarray
    fills_f: np.ndarray
    rec_i: np.ndarray
    rec_f: np.ndarray
    agg: np.ndarray

    @classmethod
    def allocate(
        cls,
        params: np.ndarray,
        glft_table: np.ndarray,
        lat_table: np.ndarray,
        tick0: int,
        n_ticks: int,
        fill_buffer: int = FILL_BUFFER,
        record_buffer: int = RECORD_BUFFER,
    ) -> LoopState:
        istate = np.zeros(bt.N_IS, dtype=np.int64)
        istate[bt.IS_TICK0] = tick0
        for slot in (bt.IS_EX_BID, bt.IS_EX_ASK, bt.IS_LO_BID, bt.IS_LO_ASK):
            istate[slot] = -1
        istate[bt.IS_NEXT_ORDER_NS] = bt.INF_NS
        istate[bt.IS_LAST_HEDGE_NS] = -bt.INF_NS // 2  # the first hedge decision is due at once
        istate[bt.IS_HEDGE_FAST_UNTIL_NS] = -bt.INF_NS // 2
        fstate = np.full(bt.N_FS, np.nan)
        qout = np.full(ct.N_QUOTE_OUT, np.nan)
        return cls(
            params=params,
            glft_table=glft_table,
            lat_table=lat_table,
            ex_bid=np.zeros(n_ticks),
            ex_ask=np.zeros(n_ticks),
            lo_bid=np.zeros(n_ticks),
            lo_ask=np.zeros(n_ticks),
            istate=istate,
            fstate=fstate,
            acct=new_account(float(params[ct.P_INITIAL_CAPITAL])),
            sig=new_signals(),
            cache=np.zeros(ct.N_CACHE),
            brk=new_breaker_state(),
            feat=np.zeros(ct.N_FEATURES),
            qout=qout,
            orders_i=np.zeros((bt.MAX_ORDERS, bt.N_OI), dtype=np.int64),
            orders_f=np.zeros((bt.MAX_ORDERS, bt.N_OF)),
            nt_i=np.zeros((bt.NOTIFY_CAPACITY, bt.N_NTI), dtype=np.int64),
            nt_f=np.zeros((bt.NOTIFY_CAPACITY, bt.N_NTF)),
            mk_i=np.zeros(bt.MARKOUT_CAPACITY, dtype=np.int64),
            mk_f=np.zeros((bt.MARKOUT_CAPACITY, 2)),
            # output buffers: the loop writes a row before the count that exposes it grows
            fills_i=np.empty((fill_buffer, bt.N_FRI), dtype=np.int64),
            fills_f=np.empty((fill_buffer, bt.N_FRF)),
            rec_i=np.empty((record_buffer, bt.N_RCI), dtype=np.int64),
            rec_f=np.empty((record_buffer, bt.N_RCF)),
            agg=np.zeros(bt.N_AG),
        )

    def ensure_grid(self, lo_tick: int, hi_tick: int) -> None:
        """Grow the book grid (keeping its contents) so ticks lo..hi fit with a margin."""
        tick0 = int(self.istate[bt.IS_TICK0])
        n = self.ex_bid.size
        if lo_tick >= tick0 and hi_tick < tick0 + n:
            return
        new_tick0 = min(tick0, lo_tick - GRID_MARGIN_TICKS)
        new_n = max(tick0 + n, hi_tick + GRID_MARGIN_TICKS + 1) - new_tick0
        shift = tick0 - new_tick0
        for name in ("ex_bid", "ex_ask", "lo_bid", "lo_ask"):
            grown = np.zeros(new_n)
            grown[shift : shift + n] = getattr(self, name)
            setattr(self, name, grown)
        for slot in (bt.IS_EX_BID, bt.IS_EX_ASK, bt.IS_LO_BID, bt.IS_LO_ASK):
            if self.istate[slot] >= 0:
                self.istate[slot] += shift
        self.istate[bt.IS_TICK0] = new_tick0

    def run(self, ev: np.ndarray, ticks: np.ndarray, n_exch_done: int, is_last: bool) -> int:
        return run_chunk_nb(
            ev,
            ticks,
            n_exch_done,
            is_last,
            self.params,
            self.glft_table,
            self.lat_table,
            self.ex_bid,
            self.ex_ask,
            self.lo_bid,
            self.lo_ask,
            self.istate,
            self.fstate,
            self.acct,
            self.sig,
            self.cache,
            self.brk,
            self.feat,
            self.qout,
            self.orders_i,
            self.orders_f,
            self.nt_i,
            self.nt_f,
            self.mk_i,
            self.mk_f,
            self.fills_i,
            self.fills_f,
            self.rec_i,
            self.rec_f,
            self.agg,
        )

    def drain_fills(self) -> np.ndarray:
        n = int(self.istate[bt.IS_N_FILLS])
        out = np.empty(n, dtype=bt.FILL_DTYPE)  # every field is set below
        out["exch_ts_ns"] = self.fills_i[:n, bt.FR_EXCH_NS]
        out["local_ts_ns"] = self.fills_i[:n, bt.FR_LOCAL_NS]
        out["side"] = self.fills_i[:n, bt.FR_SIDE]
        out["maker"] = self.fills_i[:n, bt.FR_MAKER]
        out["price"] = self.fills_f[:n, bt.FR_PRICE]
        out["qty"] = self.fills_f[:n, bt.FR_QTY]
        out["fee_quote"] = self.fills_f[:n, bt.FR_FEE]
        out["mid"] = self.fills_f[:n, bt.FR_MID]
        self.istate[bt.IS_N_FILLS] = 0
        return out

    def drain_records(self) -> np.ndarray:
        n = int(self.istate[bt.IS_N_RECS])
        out = np.empty(n, dtype=bt.RECORD_DTYPE)  # every field is set below
        out["ts_ns"] = self.rec_i[:n, bt.RC_TS_NS]
        out["state"] = self.rec_i[:n, bt.RC_STATE]
        out["mid"] = self.rec_f[:n, bt.RC_MID]
        out["position"] = self.rec_f[:n, bt.RC_POSITION]
        out["equity"] = self.rec_f[:n, bt.RC_EQUITY]
        out["bid_px"] = self.rec_f[:n, bt.RC_BID_PX]
        out["ask_px"] = self.rec_f[:n, bt.RC_ASK_PX]
        self.istate[bt.IS_N_RECS] = 0
        return out


@dataclass
class BacktestResult:
    """What a run produced: fills, downsampled records, final account/aggregates, timing."""

    params: np.ndarray
    fills: np.ndarray
    records: np.ndarray
    acct: np.ndarray
    agg: np.ndarray
    breaker: np.ndarray
    n_events: int
    elapsed_secs: float
    first_ts_ns: int
    last_ts_ns: int
    n_fills: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def iter_chunks(events: np.ndarray, chunk_rows: int) -> Iterator[np.ndarray]:
    """Views of ``events`` of at most ``chunk_rows`` rows."""
    for start in range(0, events.shape[0], chunk_rows):
        yield events[start : start + chunk_rows]


def run_backtest(
    events: np.ndarray | Iterable[np.ndarray],
    params: np.ndarray,
    *,
    glft_table: np.ndarray | None = None,
    latency_table: np.ndarray | None = None,
    chunk_rows: int = 1_000_000,
    keep_fills: bool = True,
    fill_buffer: int = FILL_BUFFER,
    record_buffer: int = RECORD_BUFFER,
    on_progress: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Run the strategy in ``params`` over ``events`` (one array, or an iterable of chunks)."""
    if params.shape != (ct.N_PARAMS,) or params.dtype != np.float64:
        raise ValueError(
            f"params must be a float64 vector of length {ct.N_PARAMS}, "
            f"got {params.dtype} {params.shape}"
        )
    table = np.zeros((3, 2)) if glft_table is None else np.ascontiguousarray(glft_table, np.float64)
    exact = int(params[ct.P_KIND]) == ct.KIND_GLFT and int(params[ct.P_GLFT_MODE]) == ct.GLFT_EXACT
    if exact and glft_table is None:
        raise ValueError("GLFT exact mode needs glft_table (corp.core.glft.glft_exact_table)")
    lat = validate_latency_table(latency_table)
    chunks: Iterable[np.ndarray]
    whole: np.ndarray | None = None  # the stream, when it is one array (chunks are views of it)
    if isinstance(events, np.ndarray):
        validate_events(events)
        chunks = iter_chunks(events, chunk_rows)
        whole = events
    else:
        chunks = events
    tick = float(params[ct.P_TICK_SIZE])
    state: LoopState | None = None
    fills: list[np.ndarray] = []
    records: list[np.ndarray] = []
    carry = np.zeros(0, dtype=EVENT_DTYPE)  # rows we have not seen yet (chunks of an iterable)
    n_carry = 0
    ticks = np.zeros(0, dtype=np.int64)  # absolute tick of each row of ev (event_ticks_nb)
    n_events = 0
    first_ts = last_ts = 0
    prev_last = None
    started = time.perf_counter()
    iterator = iter(chunks)
    nxt = next(iterator, None)
    while nxt is not None:
        chunk = nxt
        nxt = next(iterator, None)
        if not isinstance(events, np.ndarray):
            validate_events(chunk, row_offset=n_events)
            if prev_last is not None and chunk.size and chunk["exch_ts_ns"][0] < prev_last:
                raise DataError(
                    f"events row {n_events}: field exch_ts_ns goes back across a chunk boundary: "
                    f"expected >= {prev_last}, got {int(chunk['exch_ts_ns'][0])}"
                )
        if chunk.size == 0 and nxt is not None:
            continue
        if chunk.size:
            prev_last = int(chunk["exch_ts_ns"][-1])
            if n_events == 0:
                first_ts = int(chunk["local_ts_ns"][0])
            last_ts = int(chunk["local_ts_ns"][-1])
        if whole is not None:
            # the rows carried over precede the chunk in the array: a view, not a copy
            ev = whole[n_events - n_carry : n_events + chunk.size]
        else:
            ev = np.concatenate([carry, chunk]) if carry.size else chunk
        n_events += chunk.size
        if ticks.size < ev.size:
            ticks = np.empty(ev.size, dtype=np.int64)  # event_ticks_nb writes every row
        # the grid has to hold the new rows' prices; the carried rows are on it already
        lo_tick, hi_tick = event_ticks_nb(ev, tick, n_carry, ticks)
        if state is None:
            n_ticks = hi_tick - lo_tick + 1 + 2 * GRID_MARGIN_TICKS
            state = LoopState.allocate(
                params, table, lat, lo_tick - GRID_MARGIN_TICKS, n_ticks, fill_buffer, record_buffer
            )
        else:
            state.ensure_grid(lo_tick, hi_tick)
        state.istate[bt.IS_I_EXCH] = 0
        state.istate[bt.IS_I_LOCAL] = 0
        is_last = nxt is None
        while True:
            status = state.run(ev, ticks[: ev.size], n_carry, is_last)
            drained = state.drain_fills()
            if keep_fills and drained.size:
                fills.append(drained)
            if status == bt.RUN_RECORDS_FULL:
                records.append(state.drain_records())
            if status == bt.RUN_CHUNK_DONE:
                break
        records.append(state.drain_records())
        n_carry = ev.size - int(state.istate[bt.IS_I_LOCAL])
        if whole is None:
            carry = ev[ev.size - n_carry :].copy()
        if on_progress is not None:
            on_progress(n_events)
    elapsed = time.perf_counter() - started
    if state is None:
        raise DataError("events: the stream is empty; expected at least one event")
    all_fills = np.concatenate(fills) if fills else np.zeros(0, dtype=bt.FILL_DTYPE)
    all_records = np.concatenate(records) if records else np.zeros(0, dtype=bt.RECORD_DTYPE)
    n_fills = int(state.acct[ct.A_MAKER_FILLS] + state.acct[ct.A_TAKER_FILLS])
    return BacktestResult(
        params=params,
        fills=all_fills,
        records=all_records,
        acct=state.acct.copy(),
        agg=state.agg.copy(),
        breaker=state.brk.copy(),
        n_events=n_events,
        elapsed_secs=elapsed,
        first_ts_ns=first_ts,
        last_ts_ns=last_ts,
        n_fills=n_fills,
        extra={
            "final_mid": _final_mid(state, tick),
            "cache_hits": float(state.cache[ct.C_HITS]),
            "cache_misses": float(state.cache[ct.C_MISSES]),
        },
    )


def _final_mid(state: LoopState, tick: float) -> float:
    lb, la = int(state.istate[bt.IS_LO_BID]), int(state.istate[bt.IS_LO_ASK])
    if lb < 0 or la < 0:
        return float("nan")
    return ((lb + la) * 0.5 + int(state.istate[bt.IS_TICK0])) * tick
