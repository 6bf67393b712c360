"""The njit event loop of the offline driver (one chunk of events per call).

Two cursors walk the same event array, as in hftbacktest: the exchange sees each row at
``exch_ts_ns`` (its book, our resting orders' queue positions and fills), we see it at
``local_ts_ns`` (our book copy, signals, the breaker and the quoting decision). Orders travel to
the exchange with the entry latency and fills/acks travel back with the response latency; each
direction is one FIFO link (a message never overtakes an earlier one). At equal timestamps the
order is: our messages arriving at the exchange, exchange market events, messages arriving at us
(fills, then order completions), our market events.

Every money decision calls `corp.core` (the two halves of quote_nb, breaker_step_nb,
apply_fill_nb, signals, and for the hedging kinds hedge_decision_nb at each of our updates, before
the requote gate, on the schedule it keeps in ``istate``/``fstate``, with the inventory net of
the hedges in flight, `_hedge_in_flight_nb`; the schedule state is committed only when the
decision sends nothing or its order found a slot, so a hedge with no free slot is retried at the
next update). No hedge is sent while HALTED or killed, although a halted run with the manual
resume gate (``risk.manual_confirmation_from_halted``) then holds its inventory unhedged to the
end: HALTED is entered when a loss or drawdown limit fires and stops all order flow until the
breaker (or, with the gate, a person) resumes it. A hedge there is a taker order into the market
that just tripped the limit (a crash, a gap), paying fee, slippage and the wide spread to
realise the loss automatically; whether to flatten is what the halt hands to a person, and the
run's figures show the cost of holding rather than an unwind production would not do on its
own. REDUCING (and WARNING) still hedge. The whole state sits in
arrays the caller owns (`corp.backtest.types`), so a long stream is run chunk by chunk: a call
processes everything that cannot be affected by later rows and returns where our cursor stopped;
the caller carries the rows we have not seen yet into the next chunk.

Speed (benchmarks/bench_engine.py), without changing a result: numba increfs and decrefs every
array a called kernel touches in a branch, two atomic operations per array per call, which once
cost more than the work itself. So the per-event work (book updates, queue models) is written
out in `run_chunk_nb` or takes scalars, the helpers it calls per order message or fill keep their
arrays out of branches (`corp.core.refs`), and the hot ``istate`` fields stay in locals for the
whole call. Each row's tick comes from a vectorised pre-pass (`event_ticks_nb`); the order slots
are scanned once per change (`_order_scan_nb`), so a market event looks at them only when it
can touch a resting order; rows sharing an exchange time, or a local time, run in inner loops.
The plain-Python twin in `corp.backtest.reference` and the tests prove the results equal.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from corp.backtest.types import (
    AG_CANCELS_SENT,
    AG_HEDGES,
    AG_LOCAL_EVENTS,
    AG_MARKOUT_FILLS,
    AG_MARKOUT_QUOTE,
    AG_MAX_ABS_POSITION,
    AG_MAX_DRAWDOWN,
    AG_ORDERS_SENT,
    AG_QUOTE_DECISIONS,
    AG_REJECTS,
    AG_TIME_IN_STATE_NS,
    AG_WORST_DAY_LOSS,
    FR_EXCH_NS,
    FR_FEE,
    FR_LOCAL_NS,
    FR_MAKER,
    FR_MID,
    FR_PRICE,
    FR_QTY,
    FR_SIDE,
    FS_HEDGE_REF_MID,
    INF_NS,
    IS_DAY,
    IS_EX_ASK,
    IS_EX_BID,
    IS_HEDGE_FAST_UNTIL_NS,
    IS_I_EXCH,
    IS_I_LOCAL,
    IS_LAST_ENTRY_NS,
    IS_LAST_HEDGE_NS,
    IS_LAST_LOCAL_NS,
    IS_LAST_RESP_NS,
    IS_LO_ASK,
    IS_LO_BID,
    IS_MK_HEAD,
    IS_MK_TAIL,
    IS_N_FILLS,
    IS_N_RECS,
    IS_NEXT_ORDER_NS,
    IS_NEXT_RECORD_NS,
    IS_NEXT_REQUOTE_NS,
    IS_NT_HEAD,
    IS_NT_TAIL,
    IS_STARTED,
    IS_STATE,
    IS_T0_NS,
    IS_TICK0,
    NT_EXCH_NS,
    NT_MAKER,
    NT_PRICE,
    NT_QTY,
    NT_SIDE,
    NT_TS_NS,
    OF_CUM_TRADE,
    OF_FRONT,
    OF_LEAVES,
    OF_PRICE,
    OF_QTY,
    OI_CANCEL_AT_NS,
    OI_CANCEL_SENT,
    OI_EXCH_AT_NS,
    OI_FREE_AT_NS,
    OI_SIDE,
    OI_STATUS,
    OI_TICK,
    OI_TYPE,
    RC_ASK_PX,
    RC_BID_PX,
    RC_EQUITY,
    RC_MID,
    RC_POSITION,
    RC_STATE,
    RC_TS_NS,
    RUN_CHUNK_DONE,
    RUN_FILLS_FULL,
    RUN_RECORDS_FULL,
    ST_DONE,
    ST_EMPTY,
    ST_LIVE,
    ST_SENT,
    TYPE_MAKER,
    TYPE_TAKER,
)
from corp.core.accounting import apply_fill_nb, equity_nb, mark_nb
from corp.core.breaker import breaker_step_nb, normal_holds_nb, severity_values_nb
from corp.core.hedge import hedge_decision_nb
from corp.core.quote import finish_quote_nb, raw_quote_nb
from corp.core.refs import hold_nb
from corp.core.signals import features_nb, on_mid_nb, on_trade_nb
from corp.core.types import (
    A_CASH,
    A_DAY_START_EQUITY,
    A_POSITION,
    B_KILL,
    B_STATE,
    B_STOP,
    CB_HALTED,
    CB_NORMAL,
    KIND_AS,
    KIND_FAST_INTEGRATED,
    KIND_GLFT,
    KIND_HAWKES,
    KIND_HAWKES_ADAPTIVE,
    KIND_INTEGRATED,
    KIND_NAIVE,
    ONE_SEC_NS,
    P_CONCENTRATION_LIMIT_FRAC,
    P_DAILY_LOSS_LIMIT_FRAC,
    P_ENTRY_LATENCY_NS,
    P_HEDGE_ENABLED,
    P_HORIZON_SECS,
    P_INITIAL_CAPITAL,
    P_INVENTORY_LIMIT,
    P_KILL_LOSS_FRAC,
    P_KIND,
    P_LOT_SIZE,
    P_MAKER_FEE_FRAC,
    P_MARKOUT_NS,
    P_MAX_DRAWDOWN_FRAC,
    P_PARTIAL_FILLS,
    P_QUEUE_MODEL,
    P_QUEUE_POWER_N,
    P_RECORD_INTERVAL_NS,
    P_REDUCING_RATIO,
    P_REQUOTE_INTERVAL_NS,
    P_RESPONSE_LATENCY_NS,
    P_TAKER_FEE_FRAC,
    P_TAKER_SLIPPAGE_FRAC,
    P_TICK_SIZE,
    P_WARNING_RATIO,
    Q_ASK_PX,
    Q_ASK_QTY,
    Q_BID_PX,
    Q_BID_QTY,
    QUEUE_POWER_PROB,
)
from corp.market.types import EV_DEPTH, EV_DEPTH_CLEAR, EV_TRADE, SIDE_BID

DAY_NS = 86_400 * ONE_SEC_NS
LINEAR_BOOK_OPTION_GAMMA = 0.0  # the loop trades one linear swap: no option gamma to hedge


# --- latency and message links
# The helpers the loop calls per order message or fill compile with error_model="numpy" and touch
# their arrays only outside branches: numba's reference counting of the arrays is then removed
# (corp.core.refs). Their divisors are positive by construction (table times increase, capacities).
@njit(cache=True, error_model="numpy")
def latency_ns_nb(lat_table: np.ndarray, t_ns: int, column: int, default_ns: float) -> int:
    """Latency at ``t_ns``: linear interpolation in a (ts, entry, response) table, else constant."""
    n = lat_table.shape[0]
    if n == 0:
        lat = default_ns
    elif t_ns <= lat_table[0, 0]:
        lat = lat_table[0, column]
    elif t_ns >= lat_table[n - 1, 0]:
        lat = lat_table[n - 1, column]
    else:
        hi = np.searchsorted(lat_table[:, 0], t_ns, side="right")
        lo = hi - 1
        t_lo = lat_table[lo, 0]
        t_hi = lat_table[hi, 0]
        w = (t_ns - t_lo) / (t_hi - t_lo)
        lat = lat_table[lo, column] + w * (lat_table[hi, column] - lat_table[lo, column])
    hold_nb(lat_table)
    return int(lat)


@njit(cache=True)
def to_tick_nb(price: float, tick: float) -> int:
    """Nearest integer tick of a price."""
    return int(np.floor(price / tick + 0.5))


# --- queue models (as hftbacktest defines them)
@njit(cache=True)
def queue_on_trade_nb(orders_f: np.ndarray, k: int, qty: float) -> None:
    """A trade at our price: the queue ahead shrinks by the traded size."""
    orders_f[k, OF_FRONT] -= qty
    orders_f[k, OF_CUM_TRADE] += qty


@njit(cache=True)
def queue_on_depth_nb(
    power_prob: bool,
    power_n: float,
    front: float,
    cum_trade: float,
    prev_qty: float,
    new_qty: float,
) -> tuple[float, float]:
    """A depth change at our price: the new (queue ahead, traded since the last depth update).

    Risk-averse: the queue ahead only shrinks to the new level size (cancels are assumed behind us).
    Power-probability (hftbacktest ProbQueueModel + PowerProbQueueFunc(n)): a decrease not
    explained by trades comes from ahead of us with probability f(front)/(f(front)+f(back)),
    f(x) = x^n. Scalars in and out: the loop calls it on every depth change at our level, and a
    helper taking the order arrays would pay reference counting on them per call.
    """
    if not power_prob:
        return min(front, new_qty), cum_trade
    chg = prev_qty - new_qty - cum_trade
    if chg < 0.0:
        return min(front, new_qty), 0.0
    back = prev_qty - front
    f_back = max(back, 0.0) ** power_n
    f_front = max(front, 0.0) ** power_n
    denom = f_back + f_front
    prob = f_back / denom if denom > 0.0 else 1.0
    est_front = front - (1.0 - prob) * chg + min(back - prob * chg, 0.0)
    return min(est_front, new_qty), 0.0


# --- messages
# what _order_scan_nb returns (one tuple, kept in a local between changes of the order slots)
SC_NEXT_NS = 0  # earliest pending action of any kind
SC_LIVE = 1  # bit mask of the slots resting at the exchange
SC_MSG_NS = 2  # earliest message (new order or cancel) reaching the exchange, and its slot
SC_MSG_K = 3
SC_DONE_NS = 4  # earliest completion reaching us, and its slot
SC_DONE_K = 5
SC_BID_LO = 6  # lowest and highest book index of our resting bids (INF_NS, -1: none)
SC_BID_HI = 7
SC_ASK_LO = 8  # the same for our resting asks
SC_ASK_HI = 9


@njit(cache=True)
def _order_scan_nb(
    orders_i: np.ndarray, tick0: int
) -> tuple[int, int, int, int, int, int, int, int, int, int]:
    """What the order slots have pending and where they rest, in one pass (SC_* layout).

    The loop calls it after every change of a slot and keeps the result in a local: the times
    say when the slots need looking at, the mask and the index spans which market events can
    touch a resting order at all. INF_NS and -1 when there is none.
    """
    t_msg = INF_NS
    k_msg = -1
    t_done = INF_NS
    k_done = -1
    live = 0
    bid_lo = INF_NS
    bid_hi = -1
    ask_lo = INF_NS
    ask_hi = -1
    for k in range(orders_i.shape[0]):
        status = orders_i[k, OI_STATUS]
        if status == ST_SENT and orders_i[k, OI_EXCH_AT_NS] < t_msg:
            t_msg = orders_i[k, OI_EXCH_AT_NS]
            k_msg = k
        elif status == ST_LIVE and orders_i[k, OI_CANCEL_AT_NS] < t_msg:
            t_msg = orders_i[k, OI_CANCEL_AT_NS]
            k_msg = k
        elif status == ST_DONE and orders_i[k, OI_FREE_AT_NS] < t_done:
            t_done = orders_i[k, OI_FREE_AT_NS]
            k_done = k
        if status == ST_LIVE:
            live |= 1 << k
            idx = orders_i[k, OI_TICK] - tick0
            if orders_i[k, OI_SIDE] > 0:
                bid_lo = min(bid_lo, idx)
                bid_hi = max(bid_hi, idx)
            else:
                ask_lo = min(ask_lo, idx)
                ask_hi = max(ask_hi, idx)
    return (
        min(t_msg, t_done),
        live,
        t_msg,
        k_msg,
        t_done,
        k_done,
        bid_lo,
        bid_hi,
        ask_lo,
        ask_hi,
    )


@njit(cache=True, error_model="numpy")
def _entry_arrival(params, lat_table, istate, t_ns: int) -> int:
    """When a message we send at ``t_ns`` reaches the exchange (never before an earlier one)."""
    arrive = t_ns + latency_ns_nb(lat_table, t_ns, 1, params[P_ENTRY_LATENCY_NS])
    arrive = max(arrive, istate[IS_LAST_ENTRY_NS])
    istate[IS_LAST_ENTRY_NS] = arrive
    return arrive


@njit(cache=True, error_model="numpy")
def _response_arrival(params, lat_table, istate, t_ns: int) -> int:
    """When a message the exchange sends at ``t_ns`` reaches us (never before an earlier one)."""
    arrive = t_ns + latency_ns_nb(lat_table, t_ns, 2, params[P_RESPONSE_LATENCY_NS])
    arrive = max(arrive, istate[IS_LAST_RESP_NS])
    istate[IS_LAST_RESP_NS] = arrive
    return arrive


@njit(cache=True, error_model="numpy")
def _exchange_fill(
    params,
    lat_table,
    istate,
    orders_i,
    orders_f,
    nt_i,
    nt_f,
    k: int,
    t_ns: int,
    qty: float,
    price: float,
) -> None:
    """Our order k traded ``qty`` at the exchange: queue a notification to us."""
    leaves = orders_f[k, OF_LEAVES] - qty
    arrive = _response_arrival(params, lat_table, istate, t_ns)
    tail = istate[IS_NT_TAIL]
    slot = tail % nt_i.shape[0]
    nt_i[slot, NT_TS_NS] = arrive
    nt_i[slot, NT_EXCH_NS] = t_ns
    nt_f[slot, NT_SIDE] = orders_i[k, OI_SIDE]
    nt_f[slot, NT_PRICE] = price
    nt_f[slot, NT_QTY] = qty
    nt_f[slot, NT_MAKER] = 1.0 if orders_i[k, OI_TYPE] == TYPE_MAKER else 0.0
    istate[IS_NT_TAIL] = tail + 1
    # done: leaves cleared, the order completes and we learn it with this notification; written
    # unconditionally (selects, not branches) so no array is touched in a branch
    done = leaves <= 0.5 * params[P_LOT_SIZE]
    orders_f[k, OF_LEAVES] = 0.0 if done else leaves
    orders_i[k, OI_STATUS] = ST_DONE if done else orders_i[k, OI_STATUS]
    orders_i[k, OI_FREE_AT_NS] = arrive if done else orders_i[k, OI_FREE_AT_NS]
    orders_i[k, OI_CANCEL_AT_NS] = INF_NS if done else orders_i[k, OI_CANCEL_AT_NS]


@njit(cache=True)
def _hedge_in_flight_nb(orders_i: np.ndarray, orders_f: np.ndarray, lot: float) -> float:
    """Signed quantity of our hedge (taker) orders sent and not yet in the position.

    The hedge decision sizes ``position + this`` (`corp.core.hedge`): the position moves only
    when a hedge's fill reaches us, a round trip after it was sent, and a decision due in between
    must not send the same hedge again. A taker order fills whole on arrival or is refused, and
    we learn either with the response that frees its slot (a fill's notification is booked before
    the slot is freed at the same instant), so as far as we know the whole order quantity is in
    flight until its slot is empty. Summed in whole lots (hedges are lot multiples) so the total
    does not depend on slot order and the reference loop's sum is the same number.
    """
    lots = 0
    for k in range(orders_i.shape[0]):
        if orders_i[k, OI_STATUS] != ST_EMPTY and orders_i[k, OI_TYPE] == TYPE_TAKER:
            lots += orders_i[k, OI_SIDE] * math.floor(orders_f[k, OF_QTY] / lot + 0.5)
    return lots * lot


@njit(cache=True)
def _queue_fill_qty(lot: float, partial_fills: bool, front: float, leaves: float) -> float:
    """Quantity executed once the queue ahead is consumed (front < 0), rounded down to lots."""
    if front / lot > -0.5:  # hftbacktest: (front / lot).round() < 0, rounding half away from 0
        return 0.0
    if not partial_fills:
        return leaves
    exec_qty = math.floor(-front / lot + 1e-9) * lot
    return min(exec_qty, leaves)


# --- the loop
@njit(cache=True)
def event_ticks_nb(ev: np.ndarray, tick: float, first: int, out: np.ndarray) -> tuple[int, int]:
    """Write the absolute tick of every row's price to ``out``; (min, max) tick of rows >= first.

    The loop reads both cursors' level index from ``out``, so the division by the tick size runs
    once per row here, in a loop LLVM vectorises (no branch, no dependency between rows), instead
    of twice per row on the loop's critical path. Book-clear rows get tick 0 and count in no
    range; (0, 0) when no row from ``first`` on carries a price.
    """
    n = ev.shape[0]
    n_clear = 0
    for i in range(n):
        clear = ev[i]["kind"] == EV_DEPTH_CLEAR
        out[i] = to_tick_nb(0.0 if clear else ev[i]["price"], tick)
        n_clear += clear
    lo = 0
    hi = 0
    if n_clear == 0:
        if first < n:
            lo = out[first]
            hi = out[first]
        for i in range(first, n):
            lo = min(lo, out[i])
            hi = max(hi, out[i])
        return lo, hi
    seen = False
    for i in range(first, n):
        if ev[i]["kind"] == EV_DEPTH_CLEAR:
            continue
        if not seen:
            lo = out[i]
            hi = out[i]
            seen = True
        lo = min(lo, out[i])
        hi = max(hi, out[i])
    return lo, hi


@njit(cache=True)
def run_chunk_nb(
    ev: np.ndarray,
    ticks: np.ndarray,
    n_exch_done: int,
    is_last: bool,
    params: np.ndarray,
    glft_table: np.ndarray,
    lat_table: np.ndarray,
    ex_bid: np.ndarray,
    ex_ask: np.ndarray,
    lo_bid: np.ndarray,
    lo_ask: np.ndarray,
    istate: np.ndarray,
    fstate: np.ndarray,
    acct: np.ndarray,
    sig: np.ndarray,
    cache: np.ndarray,
    brk: np.ndarray,
    feat: np.ndarray,
    qout: np.ndarray,
    orders_i: np.ndarray,
    orders_f: np.ndarray,
    nt_i: np.ndarray,
    nt_f: np.ndarray,
    mk_i: np.ndarray,
    mk_f: np.ndarray,
    fills_i: np.ndarray,
    fills_f: np.ndarray,
    rec_i: np.ndarray,
    rec_f: np.ndarray,
    agg: np.ndarray,
) -> int:
    """Process the chunk ``ev``; rows before ``n_exch_done`` were already seen by the exchange.

    ``ticks[i]`` is the absolute tick of row i's price (`event_ticks_nb`). The hot ``istate``
    fields are read into locals here and written back on every way out (see the module
    docstring for why the body is written the way it is).
    """
    n = ev.shape[0]
    if istate[IS_I_EXCH] < n_exch_done:
        istate[IS_I_EXCH] = n_exch_done
    tick = params[P_TICK_SIZE]
    tick0 = istate[IS_TICK0]
    t_safe = ev[n - 1]["exch_ts_ns"] if (n > 0 and not is_last) else INF_NS
    requote_ns = int(params[P_REQUOTE_INTERVAL_NS])
    record_ns = int(params[P_RECORD_INTERVAL_NS])
    markout_ns = int(params[P_MARKOUT_NS])
    maker_fee = params[P_MAKER_FEE_FRAC]
    taker_fee = params[P_TAKER_FEE_FRAC]
    nt_cap = nt_i.shape[0]
    mk_cap = mk_i.shape[0]
    n_ticks = ex_bid.shape[0]
    n_slots = orders_i.shape[0]
    lot = params[P_LOT_SIZE]
    partial_fills = int(params[P_PARTIAL_FILLS]) != 0
    power_prob = int(params[P_QUEUE_MODEL]) == QUEUE_POWER_PROB
    power_n = params[P_QUEUE_POWER_N]
    capital = params[P_INITIAL_CAPITAL]
    warn_ratio = params[P_WARNING_RATIO]
    reducing_ratio = params[P_REDUCING_RATIO]
    daily_limit = params[P_DAILY_LOSS_LIMIT_FRAC]
    dd_limit = params[P_MAX_DRAWDOWN_FRAC]
    conc_limit = params[P_CONCENTRATION_LIMIT_FRAC]
    inv_limit = params[P_INVENTORY_LIMIT]
    kill_frac = params[P_KILL_LOSS_FRAC]
    kind_flag = int(params[P_KIND])
    hedge_on = params[P_HEDGE_ENABLED] != 0.0
    # quote memo: for kinds whose quote depends only on the book top, inventory and breaker state
    # (no signals, no clock), an unchanged input gives an unchanged decision; skip recomputing it
    memo_ok = kind_flag in (KIND_NAIVE, KIND_AS, KIND_GLFT) and params[P_HORIZON_SECS] <= 0.0
    memo_valid = False
    slots_dirty = True
    memo_bid = -1
    memo_ask = -1
    memo_q = 0.0
    memo_state = -1
    risk_valid = False
    risk_bid = -1
    risk_ask = -1
    risk_q = 0.0
    risk_cash = 0.0
    risk_equity = 0.0
    uses_signals = kind_flag in (
        KIND_HAWKES,
        KIND_HAWKES_ADAPTIVE,
        KIND_INTEGRATED,
        KIND_FAST_INTEGRATED,
    )  # intensities, adverse flag, regime
    if n > 0 and istate[IS_STARTED] == 0:
        istate[IS_STARTED] = 1
        istate[IS_T0_NS] = ev[0]["local_ts_ns"]
        istate[IS_LAST_LOCAL_NS] = ev[0]["local_ts_ns"]
        istate[IS_DAY] = ev[0]["local_ts_ns"] // DAY_NS
        istate[IS_NEXT_RECORD_NS] = ev[0]["local_ts_ns"]
        istate[IS_NEXT_REQUOTE_NS] = ev[0]["local_ts_ns"]
    t0 = istate[IS_T0_NS]

    # the hot part of istate, held in locals until the call returns
    i_x = istate[IS_I_EXCH]
    i_l = istate[IS_I_LOCAL]
    i_l_start = i_l
    ex_bb = istate[IS_EX_BID]
    ex_ba = istate[IS_EX_ASK]
    lo_bb = istate[IS_LO_BID]
    lo_ba = istate[IS_LO_ASK]
    nt_head = istate[IS_NT_HEAD]
    mk_head = istate[IS_MK_HEAD]
    mk_tail = istate[IS_MK_TAIL]
    n_fills = istate[IS_N_FILLS]
    n_recs = istate[IS_N_RECS]
    last_local = istate[IS_LAST_LOCAL_NS]
    next_rec = istate[IS_NEXT_RECORD_NS]
    next_req = istate[IS_NEXT_REQUOTE_NS]
    day_now = istate[IS_DAY]
    state = istate[IS_STATE]
    scan = _order_scan_nb(orders_i, tick0)
    # the earliest fill notification and mark-out (both queues are in time order)
    t_nt = nt_i[nt_head % nt_cap, NT_TS_NS] if nt_head < istate[IS_NT_TAIL] else INF_NS
    t_mk = mk_i[mk_head % mk_cap] if mk_head < mk_tail else INF_NS
    # time in the current breaker state, accumulated here in the same order as in agg
    in_state_ns = agg[AG_TIME_IN_STATE_NS + state]
    result = RUN_CHUNK_DONE

    while True:
        t_ex = ev[i_x]["exch_ts_ns"] if i_x < n else INF_NS
        t_lo = ev[i_l]["local_ts_ns"] if i_l < n else INF_NS

        # exchange-side order messages first at equal times (arrivals and cancels); the earliest
        # of each kind comes from the last order scan
        t_ord = scan[SC_NEXT_NS]
        due = t_ord <= t_ex and t_ord <= t_lo and t_ord <= t_nt and t_ord < INF_NS
        t_msg = scan[SC_MSG_NS] if due else INF_NS
        t_done = scan[SC_DONE_NS] if due else INF_NS

        if due and scan[SC_MSG_K] >= 0 and t_msg <= t_ex and t_msg <= t_lo and t_msg <= t_nt:
            if t_msg > t_safe:
                break
            k = scan[SC_MSG_K]
            t_now = t_msg
            if orders_i[k, OI_STATUS] == ST_SENT:
                side = orders_i[k, OI_SIDE]
                if orders_i[k, OI_TYPE] == TYPE_TAKER:
                    best = ex_ba if side > 0 else ex_bb
                    if best < 0:
                        orders_i[k, OI_STATUS] = ST_DONE
                        orders_i[k, OI_FREE_AT_NS] = _response_arrival(
                            params, lat_table, istate, t_now
                        )
                        agg[AG_REJECTS] += 1.0
                    else:
                        px = (best + tick0) * tick * (1.0 + side * params[P_TAKER_SLIPPAGE_FRAC])
                        _exchange_fill(
                            params,
                            lat_table,
                            istate,
                            orders_i,
                            orders_f,
                            nt_i,
                            nt_f,
                            k,
                            t_now,
                            orders_f[k, OF_LEAVES],
                            px,
                        )
                        t_nt = nt_i[nt_head % nt_cap, NT_TS_NS]
                else:
                    idx = orders_i[k, OI_TICK] - tick0
                    crosses = (side > 0 and ex_ba >= 0 and idx >= ex_ba) or (
                        side < 0 and ex_bb >= 0 and idx <= ex_bb
                    )
                    if crosses:
                        orders_i[k, OI_STATUS] = ST_DONE
                        orders_i[k, OI_FREE_AT_NS] = _response_arrival(
                            params, lat_table, istate, t_now
                        )
                        agg[AG_REJECTS] += 1.0
                    else:
                        orders_i[k, OI_STATUS] = ST_LIVE
                        orders_f[k, OF_FRONT] = ex_bid[idx] if side > 0 else ex_ask[idx]
                        orders_f[k, OF_CUM_TRADE] = 0.0
            else:  # a cancel reaches a live order
                orders_i[k, OI_STATUS] = ST_DONE
                orders_i[k, OI_CANCEL_AT_NS] = INF_NS
                orders_i[k, OI_FREE_AT_NS] = _response_arrival(params, lat_table, istate, t_now)
            scan = _order_scan_nb(orders_i, tick0)
            continue

        if t_ex < INF_NS and t_ex <= t_lo and t_ex <= t_nt and t_ex <= t_done:
            # ---- exchange market events: every row matched at t_ex, in order. Nothing else is
            # due before them and only a fill of ours changes that (it ends the run).
            fills_before = istate[IS_NT_TAIL]
            while True:
                row = ev[i_x]
                idx = ticks[i_x] - tick0
                i_x += 1
                kind = row["kind"]
                if kind == EV_DEPTH:
                    side = row["side"]
                    new_qty = row["qty"]
                    if side == SIDE_BID:
                        prev = ex_bid[idx]
                        ex_bid[idx] = new_qty
                        if new_qty > 0.0:
                            if idx > ex_bb:
                                ex_bb = idx
                        elif idx == ex_bb:
                            j = idx - 1
                            while j >= 0 and not ex_bid[j] > 0.0:
                                j -= 1
                            ex_bb = j
                    else:
                        prev = ex_ask[idx]
                        ex_ask[idx] = new_qty
                        if new_qty > 0.0:
                            if ex_ba < 0 or idx < ex_ba:
                                ex_ba = idx
                        elif idx == ex_ba:
                            j = idx + 1
                            while j < n_ticks and not ex_ask[j] > 0.0:
                                j += 1
                            ex_ba = j if j < n_ticks else -1
                    # only a row at one of our levels, or one crossing our order, touches it
                    if side == SIDE_BID:
                        touch = (scan[SC_BID_LO] <= idx <= scan[SC_BID_HI]) or (
                            scan[SC_ASK_LO] <= ex_bb
                        )
                    else:
                        touch = (scan[SC_ASK_LO] <= idx <= scan[SC_ASK_HI]) or (
                            0 <= ex_ba <= scan[SC_BID_HI]
                        )
                    m = scan[SC_LIVE] if touch else 0
                    k = 0
                    while m != 0:
                        if m & 1:
                            o_side = orders_i[k, OI_SIDE]
                            o_idx = orders_i[k, OI_TICK] - tick0
                            if o_side == side and o_idx == idx:
                                front, cum_trade = queue_on_depth_nb(
                                    power_prob,
                                    power_n,
                                    orders_f[k, OF_FRONT],
                                    orders_f[k, OF_CUM_TRADE],
                                    prev,
                                    new_qty,
                                )
                                orders_f[k, OF_FRONT] = front
                                orders_f[k, OF_CUM_TRADE] = cum_trade
                            elif (
                                o_side > 0 and side != SIDE_BID and ex_ba >= 0 and ex_ba <= o_idx
                            ) or (o_side < 0 and side == SIDE_BID and ex_bb >= o_idx):
                                _exchange_fill(
                                    params,
                                    lat_table,
                                    istate,
                                    orders_i,
                                    orders_f,
                                    nt_i,
                                    nt_f,
                                    k,
                                    t_ex,
                                    orders_f[k, OF_LEAVES],
                                    orders_f[k, OF_PRICE],
                                )
                        m >>= 1
                        k += 1
                elif kind == EV_TRADE:
                    aggressor = row["side"]
                    # a sell hits bids at or above its price, a buy lifts asks at or below it
                    touch = idx <= scan[SC_BID_HI] if aggressor < 0 else idx >= scan[SC_ASK_LO]
                    m = scan[SC_LIVE] if touch else 0
                    k = 0
                    while m != 0:
                        if m & 1 and orders_i[k, OI_SIDE] != aggressor:
                            # a buy aggressor consumes asks: only our asks can trade
                            o_side = orders_i[k, OI_SIDE]
                            o_idx = orders_i[k, OI_TICK] - tick0
                            through = (o_side > 0 and idx < o_idx) or (o_side < 0 and idx > o_idx)
                            if through:
                                _exchange_fill(
                                    params,
                                    lat_table,
                                    istate,
                                    orders_i,
                                    orders_f,
                                    nt_i,
                                    nt_f,
                                    k,
                                    t_ex,
                                    orders_f[k, OF_LEAVES],
                                    orders_f[k, OF_PRICE],
                                )
                            elif idx == o_idx:
                                queue_on_trade_nb(orders_f, k, row["qty"])
                                exec_qty = _queue_fill_qty(
                                    lot,
                                    partial_fills,
                                    orders_f[k, OF_FRONT],
                                    orders_f[k, OF_LEAVES],
                                )
                                if exec_qty > 0.0:
                                    _exchange_fill(
                                        params,
                                        lat_table,
                                        istate,
                                        orders_i,
                                        orders_f,
                                        nt_i,
                                        nt_f,
                                        k,
                                        t_ex,
                                        exec_qty,
                                        orders_f[k, OF_PRICE],
                                    )
                                    orders_f[k, OF_FRONT] = 0.0
                        m >>= 1
                        k += 1
                elif kind == EV_DEPTH_CLEAR:
                    if row["side"] == SIDE_BID:
                        for j in range(n_ticks):
                            ex_bid[j] = 0.0
                        ex_bb = -1
                    else:
                        for j in range(n_ticks):
                            ex_ask[j] = 0.0
                        ex_ba = -1
                if istate[IS_NT_TAIL] != fills_before:  # only a fill changes order timing
                    scan = _order_scan_nb(orders_i, tick0)
                    t_nt = nt_i[nt_head % nt_cap, NT_TS_NS]
                    break
                if i_x >= n or ev[i_x]["exch_ts_ns"] != t_ex:
                    break
            continue

        if t_nt < INF_NS and t_nt <= t_lo and t_nt <= t_done:
            if t_nt >= t_safe:
                break
            # ---- a fill notification reaches us: book it
            if n_fills >= fills_i.shape[0]:
                result = RUN_FILLS_FULL
                break
            slot = nt_head % nt_cap
            nt_head += 1
            side = int(nt_f[slot, NT_SIDE])
            maker = nt_f[slot, NT_MAKER] > 0.0
            mid = (
                ((lo_bb + lo_ba) * 0.5 + tick0) * tick
                if (lo_bb >= 0 and lo_ba >= 0)
                else nt_f[slot, NT_PRICE]
            )
            fee = apply_fill_nb(
                acct,
                side,
                nt_f[slot, NT_PRICE],
                nt_f[slot, NT_QTY],
                maker_fee if maker else taker_fee,
                maker,
                mid,
            )
            fills_i[n_fills, FR_EXCH_NS] = nt_i[slot, NT_EXCH_NS]
            fills_i[n_fills, FR_LOCAL_NS] = t_nt
            fills_i[n_fills, FR_SIDE] = side
            fills_i[n_fills, FR_MAKER] = 1 if maker else 0
            fills_f[n_fills, FR_PRICE] = nt_f[slot, NT_PRICE]
            fills_f[n_fills, FR_QTY] = nt_f[slot, NT_QTY]
            fills_f[n_fills, FR_FEE] = fee
            fills_f[n_fills, FR_MID] = mid
            n_fills += 1
            if abs(acct[A_POSITION]) > agg[AG_MAX_ABS_POSITION]:
                agg[AG_MAX_ABS_POSITION] = abs(acct[A_POSITION])
            if mk_tail - mk_head < mk_cap:
                m = mk_tail % mk_cap
                mk_i[m] = t_nt + markout_ns
                mk_f[m, 0] = side * nt_f[slot, NT_QTY]
                mk_f[m, 1] = mid
                if mk_head == mk_tail:
                    t_mk = mk_i[m]
                mk_tail += 1
            t_nt = nt_i[nt_head % nt_cap, NT_TS_NS] if nt_head < istate[IS_NT_TAIL] else INF_NS
            continue

        if due and scan[SC_DONE_K] >= 0 and t_done <= t_lo:
            if t_done >= t_safe:
                break
            orders_i[scan[SC_DONE_K], OI_STATUS] = ST_EMPTY
            scan = _order_scan_nb(orders_i, tick0)
            slots_dirty = True
            continue

        if t_lo == INF_NS:
            break
        if t_lo >= t_safe:
            break

        # ---- our market events: every row we receive at t_lo is one update. Nothing is due
        # before them, and nothing they do changes that, so they run without those checks.
        if t_lo >= next_rec and n_recs >= rec_i.shape[0]:
            result = RUN_RECORDS_FULL
            break
        t_now = t_lo
        while True:
            row = ev[i_l]
            kind = row["kind"]
            prev_bid = lo_bb
            prev_ask = lo_ba
            if kind == EV_DEPTH:
                idx = ticks[i_l] - tick0
                new_qty = row["qty"]
                if row["side"] == SIDE_BID:
                    lo_bid[idx] = new_qty
                    if new_qty > 0.0:
                        if idx > lo_bb:
                            lo_bb = idx
                    elif idx == lo_bb:
                        j = idx - 1
                        while j >= 0 and not lo_bid[j] > 0.0:
                            j -= 1
                        lo_bb = j
                else:
                    lo_ask[idx] = new_qty
                    if new_qty > 0.0:
                        if lo_ba < 0 or idx < lo_ba:
                            lo_ba = idx
                    elif idx == lo_ba:
                        j = idx + 1
                        while j < n_ticks and not lo_ask[j] > 0.0:
                            j += 1
                        lo_ba = j if j < n_ticks else -1
            elif kind == EV_DEPTH_CLEAR:
                if row["side"] == SIDE_BID:
                    for j in range(n_ticks):
                        lo_bid[j] = 0.0
                    lo_bb = -1
                else:
                    for j in range(n_ticks):
                        lo_ask[j] = 0.0
                    lo_ba = -1
            i_l += 1
            if uses_signals:
                has_book = lo_bb >= 0 and lo_ba >= 0
                mid = ((lo_bb + lo_ba) * 0.5 + tick0) * tick if has_book else math.nan
                t_secs = (t_now - t0) / ONE_SEC_NS
                if kind == EV_TRADE:
                    on_trade_nb(params, sig, t_secs, row["side"], mid)
                elif (
                    has_book
                    and prev_bid >= 0
                    and prev_ask >= 0
                    and (lo_bb != prev_bid or lo_ba != prev_ask)
                ):
                    prev_mid = ((prev_bid + prev_ask) * 0.5 + tick0) * tick
                    on_mid_nb(params, sig, t_secs, prev_mid, mid)
            in_state_ns += t_now - last_local
            last_local = t_now
            if i_l >= n or ev[i_l]["local_ts_ns"] != t_now:
                break
        has_book = lo_bb >= 0 and lo_ba >= 0
        mid = ((lo_bb + lo_ba) * 0.5 + tick0) * tick if has_book else math.nan

        # mark-outs that matured
        while t_mk <= t_now:
            if has_book:
                m = mk_head % mk_cap
                agg[AG_MARKOUT_QUOTE] += mk_f[m, 0] * (mid - mk_f[m, 1])
                agg[AG_MARKOUT_FILLS] += 1.0
            mk_head += 1
            t_mk = mk_i[mk_head % mk_cap] if mk_head < mk_tail else INF_NS
        if not has_book:
            continue

        # day rollover and risk
        day = t_now // DAY_NS
        same_risk = (
            risk_valid
            and state == CB_NORMAL
            and day == day_now
            and lo_bb == risk_bid
            and lo_ba == risk_ask
            and acct[A_POSITION] == risk_q
            and acct[A_CASH] == risk_cash
        )
        if same_risk:
            # NORMAL with the same book top, inventory and cash: the same equity, no violation,
            # nothing to recover from; the breaker step would change nothing
            equity = risk_equity
        else:
            if day != day_now:
                equity = equity_nb(acct, mid)
                loss = acct[A_DAY_START_EQUITY] - equity
                if loss > agg[AG_WORST_DAY_LOSS]:
                    agg[AG_WORST_DAY_LOSS] = loss
                acct[A_DAY_START_EQUITY] = equity
                day_now = day
            equity, drawdown, day_loss = mark_nb(acct, mid)
            if drawdown > agg[AG_MAX_DRAWDOWN]:
                agg[AG_MAX_DRAWDOWN] = drawdown
            abs_q = abs(acct[A_POSITION])
            severity = severity_values_nb(
                day_loss,
                drawdown,
                abs_q,
                capital,
                warn_ratio,
                reducing_ratio,
                daily_limit,
                dd_limit,
                conc_limit,
                inv_limit,
            )
            if normal_holds_nb(
                brk[B_KILL] != 0, brk[B_STATE], day_loss, capital, kill_frac, severity
            ):
                new_state = CB_NORMAL  # the step would be a no-op: skip its call
            else:
                new_state = breaker_step_nb(params, brk, t_now, day_loss, drawdown, abs_q)
            if new_state != state:
                agg[AG_TIME_IN_STATE_NS + state] = in_state_ns
                in_state_ns = agg[AG_TIME_IN_STATE_NS + new_state]
                state = new_state
            risk_valid = True
            risk_bid = lo_bb
            risk_ask = lo_ba
            risk_q = acct[A_POSITION]
            risk_cash = acct[A_CASH]
            risk_equity = equity

        # downsampled record
        if t_now >= next_rec:
            rec_i[n_recs, RC_TS_NS] = t_now
            rec_i[n_recs, RC_STATE] = state
            rec_f[n_recs, RC_MID] = mid
            rec_f[n_recs, RC_POSITION] = acct[A_POSITION]
            rec_f[n_recs, RC_EQUITY] = equity
            rec_f[n_recs, RC_BID_PX] = qout[Q_BID_PX]
            rec_f[n_recs, RC_ASK_PX] = qout[Q_ASK_PX]
            n_recs += 1
            nxt = next_rec + record_ns
            if nxt <= t_now:
                nxt = t_now - (t_now - next_rec) % record_ns + record_ns
            next_rec = nxt

        # hedge decision (corp.core.hedge): on its own schedule, before the requote gate, so a
        # trigger is acted on at the update that sees it; never while halted (_hedge_in_flight_nb
        # says why, and why the inventory is net of the hedges in flight)
        halted = brk[B_KILL] != 0 or brk[B_STOP] != 0
        if hedge_on and not (halted or state == CB_HALTED):
            net_q = acct[A_POSITION] + _hedge_in_flight_nb(orders_i, orders_f, lot)
            hedge, h_last, h_ref, h_fast = hedge_decision_nb(
                params,
                t_now,
                net_q,
                mid,
                LINEAR_BOOK_OPTION_GAMMA,
                istate[IS_LAST_HEDGE_NS],
                fstate[FS_HEDGE_REF_MID],
                istate[IS_HEDGE_FAST_UNTIL_NS],
            )
            acted = hedge == 0.0  # nothing to send: the book was looked at
            if hedge != 0.0:
                for k in range(n_slots):
                    if orders_i[k, OI_STATUS] == ST_EMPTY:
                        orders_i[k, OI_STATUS] = ST_SENT
                        orders_i[k, OI_SIDE] = 1 if hedge > 0.0 else -1
                        orders_i[k, OI_TICK] = -1
                        orders_i[k, OI_TYPE] = TYPE_TAKER
                        orders_i[k, OI_CANCEL_SENT] = 0
                        orders_i[k, OI_CANCEL_AT_NS] = INF_NS
                        orders_i[k, OI_FREE_AT_NS] = INF_NS
                        orders_i[k, OI_EXCH_AT_NS] = _entry_arrival(
                            params, lat_table, istate, t_now
                        )
                        orders_f[k, OF_QTY] = abs(hedge)
                        orders_f[k, OF_LEAVES] = abs(hedge)
                        orders_f[k, OF_PRICE] = math.nan
                        agg[AG_HEDGES] += 1.0
                        scan = _order_scan_nb(orders_i, tick0)
                        slots_dirty = True
                        acted = True
                        break
            if acted:  # else no free slot: the old schedule stays due, retried next update
                istate[IS_LAST_HEDGE_NS] = h_last
                fstate[FS_HEDGE_REF_MID] = h_ref
                istate[IS_HEDGE_FAST_UNTIL_NS] = h_fast

        # quoting decision
        if requote_ns > 0 and t_now < next_req and not (halted or state == CB_HALTED):
            continue
        if requote_ns > 0:
            nxt = next_req + requote_ns
            if nxt <= t_now:
                nxt = t_now - (t_now - next_req) % requote_ns + requote_ns
            next_req = nxt
        agg[AG_QUOTE_DECISIONS] += 1.0
        q_now = acct[A_POSITION]
        if (
            memo_ok
            and memo_valid
            and not slots_dirty
            and lo_bb == memo_bid
            and lo_ba == memo_ask
            and q_now == memo_q
            and state == memo_state
            and not halted
        ):
            continue  # same inputs, same quote, same working orders: the decision is "keep"
        memo_valid = True
        slots_dirty = False
        memo_bid = lo_bb
        memo_ask = lo_ba
        memo_q = q_now
        memo_state = state
        t_secs = (t_now - t0) / ONE_SEC_NS
        features_nb(params, sig, t_secs, mid, (lo_bb + tick0) * tick, (lo_ba + tick0) * tick, feat)
        # quote_nb's two halves, called from here (corp.core.quote: no reference counting)
        raw_quote_nb(params, glft_table, cache, feat, q_now, float(t_now - t0), qout)
        finish_quote_nb(params, feat, q_now, state, halted, qout)
        changed = False
        for side in (1, -1):
            want_px = qout[Q_BID_PX] if side > 0 else qout[Q_ASK_PX]
            want_qty = qout[Q_BID_QTY] if side > 0 else qout[Q_ASK_QTY]
            want_tick = to_tick_nb(want_px, tick) if want_qty > 0.0 else -1
            if want_tick >= 0 and not (0 <= want_tick - tick0 < n_ticks):
                want_tick = -1  # outside the book grid the caller allocated: do not quote it
            keep = False
            for k in range(n_slots):
                status = orders_i[k, OI_STATUS]
                if status == ST_EMPTY or orders_i[k, OI_SIDE] != side:
                    continue
                if orders_i[k, OI_TYPE] != TYPE_MAKER or orders_i[k, OI_CANCEL_SENT] != 0:
                    continue
                if status == ST_DONE and orders_i[k, OI_FREE_AT_NS] <= t_now:
                    continue
                if orders_i[k, OI_TICK] == want_tick and not keep:
                    keep = True
                    continue
                orders_i[k, OI_CANCEL_SENT] = 1
                agg[AG_CANCELS_SENT] += 1.0
                arrive = _entry_arrival(params, lat_table, istate, t_now)
                if status != ST_DONE:
                    orders_i[k, OI_CANCEL_AT_NS] = arrive
                changed = True
            if keep or want_tick < 0:
                continue
            for k in range(n_slots):
                if orders_i[k, OI_STATUS] == ST_EMPTY:
                    orders_i[k, OI_STATUS] = ST_SENT
                    orders_i[k, OI_SIDE] = side
                    orders_i[k, OI_TICK] = want_tick
                    orders_i[k, OI_TYPE] = TYPE_MAKER
                    orders_i[k, OI_CANCEL_SENT] = 0
                    orders_i[k, OI_CANCEL_AT_NS] = INF_NS
                    orders_i[k, OI_FREE_AT_NS] = INF_NS
                    orders_i[k, OI_EXCH_AT_NS] = _entry_arrival(params, lat_table, istate, t_now)
                    orders_f[k, OF_QTY] = want_qty
                    orders_f[k, OF_LEAVES] = want_qty
                    orders_f[k, OF_PRICE] = want_tick * tick
                    orders_f[k, OF_FRONT] = 0.0
                    orders_f[k, OF_CUM_TRADE] = 0.0
                    agg[AG_ORDERS_SENT] += 1.0
                    changed = True
                    break
        if changed:
            scan = _order_scan_nb(orders_i, tick0)

    istate[IS_I_EXCH] = i_x
    istate[IS_I_LOCAL] = i_l
    istate[IS_EX_BID] = ex_bb
    istate[IS_EX_ASK] = ex_ba
    istate[IS_LO_BID] = lo_bb
    istate[IS_LO_ASK] = lo_ba
    istate[IS_NT_HEAD] = nt_head
    istate[IS_MK_HEAD] = mk_head
    istate[IS_MK_TAIL] = mk_tail
    istate[IS_N_FILLS] = n_fills
    istate[IS_N_RECS] = n_recs
    istate[IS_LAST_LOCAL_NS] = last_local
    istate[IS_NEXT_RECORD_NS] = next_rec
    istate[IS_NEXT_REQUOTE_NS] = next_req
    istate[IS_DAY] = day_now
    istate[IS_STATE] = state
    istate[IS_NEXT_ORDER_NS] = scan[SC_NEXT_NS]
    agg[AG_TIME_IN_STATE_NS + state] = in_state_ns
    agg[AG_LOCAL_EVENTS] += i_l - i_l_start
    if is_last and result == RUN_CHUNK_DONE and lo_bb >= 0 and lo_ba >= 0:
        # close the last day for the worst-daily-loss figure
        last_mid = ((lo_bb + lo_ba) * 0.5 + tick0) * tick
        loss = acct[A_DAY_START_EQUITY] - equity_nb(acct, last_mid)
        if loss > agg[AG_WORST_DAY_LOSS]:
            agg[AG_WORST_DAY_LOSS] = loss
    return result
