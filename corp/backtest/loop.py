"""The njit event loop of the offline driver (one chunk of events per call).

Two cursors walk the same event array, as in hftbacktest: the exchange sees each row at
``exch_ts_ns`` (its book, our resting orders' queue positions and fills), we see it at
``local_ts_ns`` (our book copy, signals, the breaker and the quoting decision). Orders travel to
the exchange with the entry latency and fills/acks travel back with the response latency; each
direction is one FIFO link (a message never overtakes an earlier one). At equal timestamps the
order is: our messages arriving at the exchange, exchange market events, messages arriving at us
(fills, then order completions), our market events.

Every money decision calls `corp.core` (quote_nb, breaker_step_nb, apply_fill_nb, signals). The
whole state sits in arrays the caller owns (`corp.backtest.types`), so a long stream is run chunk
by chunk: a call processes everything that cannot be affected by later rows and returns where our
cursor stopped; the caller carries the rows we have not seen yet into the next chunk.
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
    INF_NS,
    IS_DAY,
    IS_EX_ASK,
    IS_EX_BID,
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
from corp.core.breaker import breaker_step_nb
from corp.core.quote import quote_nb
from corp.core.signals import features_nb, on_mid_nb, on_trade_nb
from corp.core.types import (
    A_CASH,
    A_DAY_START_EQUITY,
    A_POSITION,
    B_KILL,
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
    P_ENTRY_LATENCY_NS,
    P_HEDGE_INTERVAL_NS,
    P_HORIZON_SECS,
    P_KIND,
    P_LOT_SIZE,
    P_MAKER_FEE_FRAC,
    P_MARKOUT_NS,
    P_PARTIAL_FILLS,
    P_QUEUE_MODEL,
    P_QUEUE_POWER_N,
    P_RECORD_INTERVAL_NS,
    P_REQUOTE_INTERVAL_NS,
    P_RESPONSE_LATENCY_NS,
    P_TAKER_FEE_FRAC,
    P_TAKER_SLIPPAGE_FRAC,
    P_TICK_SIZE,
    Q_ASK_PX,
    Q_ASK_QTY,
    Q_BID_PX,
    Q_BID_QTY,
    Q_HEDGE_QTY,
    QUEUE_POWER_PROB,
)
from corp.market.types import EV_DEPTH, EV_DEPTH_CLEAR, EV_TRADE, SIDE_BID

DAY_NS = 86_400 * ONE_SEC_NS


# --- latency
@njit(cache=True)
def latency_ns_nb(lat_table: np.ndarray, t_ns: int, column: int, default_ns: float) -> int:
    """Latency at ``t_ns``: linear interpolation in a (ts, entry, response) table, else constant."""
    n = lat_table.shape[0]
    if n == 0:
        return int(default_ns)
    if t_ns <= lat_table[0, 0]:
        return int(lat_table[0, column])
    if t_ns >= lat_table[n - 1, 0]:
        return int(lat_table[n - 1, column])
    hi = np.searchsorted(lat_table[:, 0], t_ns, side="right")
    lo = hi - 1
    t_lo = lat_table[lo, 0]
    t_hi = lat_table[hi, 0]
    w = (t_ns - t_lo) / (t_hi - t_lo)
    return int(lat_table[lo, column] + w * (lat_table[hi, column] - lat_table[lo, column]))


@njit(cache=True)
def to_tick_nb(price: float, tick: float) -> int:
    """Nearest integer tick of a price."""
    return int(np.floor(price / tick + 0.5))


# --- book
@njit(cache=True)
def _best_after_removal(qty: np.ndarray, start: int, step: int) -> int:
    i = start
    while 0 <= i < qty.shape[0]:
        if qty[i] > 0.0:
            return i
        i += step
    return -1


@njit(cache=True)
def book_update_nb(
    bid_qty: np.ndarray,
    ask_qty: np.ndarray,
    istate: np.ndarray,
    best_bid_slot: int,
    best_ask_slot: int,
    side: int,
    idx: int,
    qty: float,
) -> float:
    """Set one level (index ``idx``) and keep the best bid/ask indices; return the previous size."""
    if side == SIDE_BID:
        prev = bid_qty[idx]
        bid_qty[idx] = qty
        best = istate[best_bid_slot]
        if qty > 0.0:
            if idx > best:
                istate[best_bid_slot] = idx
        elif idx == best:
            istate[best_bid_slot] = _best_after_removal(bid_qty, idx - 1, -1)
    else:
        prev = ask_qty[idx]
        ask_qty[idx] = qty
        best = istate[best_ask_slot]
        if qty > 0.0:
            if best < 0 or idx < best:
                istate[best_ask_slot] = idx
        elif idx == best:
            istate[best_ask_slot] = _best_after_removal(ask_qty, idx + 1, 1)
    return prev


@njit(cache=True)
def book_clear_nb(
    bid_qty: np.ndarray,
    ask_qty: np.ndarray,
    istate: np.ndarray,
    bid_slot: int,
    ask_slot: int,
    side: int,
) -> None:
    """Remove every level of one side."""
    if side == SIDE_BID:
        bid_qty[:] = 0.0
        istate[bid_slot] = -1
    else:
        ask_qty[:] = 0.0
        istate[ask_slot] = -1


# --- queue models (as hftbacktest defines them)
@njit(cache=True)
def queue_on_trade_nb(orders_f: np.ndarray, k: int, qty: float) -> None:
    """A trade at our price: the queue ahead shrinks by the traded size."""
    orders_f[k, OF_FRONT] -= qty
    orders_f[k, OF_CUM_TRADE] += qty


@njit(cache=True)
def queue_on_depth_nb(
    params: np.ndarray, orders_f: np.ndarray, k: int, prev_qty: float, new_qty: float
) -> None:
    """A depth change at our price.

    Risk-averse: the queue ahead only shrinks to the new level size (cancels are assumed behind us).
    Power-probability (hftbacktest ProbQueueModel + PowerProbQueueFunc(n)): a decrease not
    explained by trades comes from ahead of us with probability f(front)/(f(front)+f(back)),
    f(x) = x^n.
    """
    front = orders_f[k, OF_FRONT]
    if int(params[P_QUEUE_MODEL]) != QUEUE_POWER_PROB:
        orders_f[k, OF_FRONT] = min(front, new_qty)
        return
    chg = prev_qty - new_qty - orders_f[k, OF_CUM_TRADE]
    orders_f[k, OF_CUM_TRADE] = 0.0
    if chg < 0.0:
        orders_f[k, OF_FRONT] = min(front, new_qty)
        return
    back = prev_qty - front
    n = params[P_QUEUE_POWER_N]
    f_back = max(back, 0.0) ** n
    f_front = max(front, 0.0) ** n
    denom = f_back + f_front
    prob = f_back / denom if denom > 0.0 else 1.0
    est_front = front - (1.0 - prob) * chg + min(back - prob * chg, 0.0)
    orders_f[k, OF_FRONT] = min(est_front, new_qty)


# --- messages
@njit(cache=True)
def _next_order_time(orders_i: np.ndarray) -> int:
    best = INF_NS
    for k in range(orders_i.shape[0]):
        status = orders_i[k, OI_STATUS]
        if status == ST_SENT:
            at = orders_i[k, OI_EXCH_AT_NS]
        elif status == ST_LIVE:
            at = orders_i[k, OI_CANCEL_AT_NS]
        elif status == ST_DONE:
            at = orders_i[k, OI_FREE_AT_NS]
        else:
            continue
        best = min(best, at)
    return best


@njit(cache=True)
def _entry_arrival(params, lat_table, istate, t_ns: int) -> int:
    arrive = t_ns + latency_ns_nb(lat_table, t_ns, 1, params[P_ENTRY_LATENCY_NS])
    if arrive < istate[IS_LAST_ENTRY_NS]:
        arrive = istate[IS_LAST_ENTRY_NS]
    istate[IS_LAST_ENTRY_NS] = arrive
    return arrive


@njit(cache=True)
def _response_arrival(params, lat_table, istate, t_ns: int) -> int:
    arrive = t_ns + latency_ns_nb(lat_table, t_ns, 2, params[P_RESPONSE_LATENCY_NS])
    if arrive < istate[IS_LAST_RESP_NS]:
        arrive = istate[IS_LAST_RESP_NS]
    istate[IS_LAST_RESP_NS] = arrive
    return arrive


@njit(cache=True)
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
    orders_f[k, OF_LEAVES] -= qty
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
    if orders_f[k, OF_LEAVES] <= 0.5 * params[P_LOT_SIZE]:
        orders_f[k, OF_LEAVES] = 0.0
        orders_i[k, OI_STATUS] = ST_DONE
        orders_i[k, OI_FREE_AT_NS] = arrive
        orders_i[k, OI_CANCEL_AT_NS] = INF_NS


@njit(cache=True)
def _queue_fill_qty(params: np.ndarray, orders_f: np.ndarray, k: int) -> float:
    """Quantity executed once the queue ahead is consumed (front < 0), rounded down to lots."""
    lot = params[P_LOT_SIZE]
    front = orders_f[k, OF_FRONT]
    if front / lot > -0.5:  # hftbacktest: (front / lot).round() < 0, rounding half away from 0
        return 0.0
    exec_qty = math.floor(-front / lot + 1e-9) * lot
    leaves = orders_f[k, OF_LEAVES]
    if int(params[P_PARTIAL_FILLS]) == 0:
        return leaves
    return min(exec_qty, leaves)


# --- the loop
@njit(cache=True)
def run_chunk_nb(
    ev: np.ndarray,
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
    """Process the chunk ``ev``; rows before ``n_exch_done`` were already seen by the exchange."""
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
    kind_flag = int(params[P_KIND])
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

    while True:
        i_x = istate[IS_I_EXCH]
        i_l = istate[IS_I_LOCAL]
        t_ex = ev[i_x]["exch_ts_ns"] if i_x < n else INF_NS
        t_lo = ev[i_l]["local_ts_ns"] if i_l < n else INF_NS
        t_ord = istate[IS_NEXT_ORDER_NS]
        t_nt = (
            nt_i[istate[IS_NT_HEAD] % nt_cap, NT_TS_NS]
            if istate[IS_NT_HEAD] < istate[IS_NT_TAIL]
            else INF_NS
        )

        # exchange-side order messages first at equal times (arrivals and cancels)
        t_ord_ex = INF_NS
        k_ord = -1
        t_free = INF_NS
        k_free = -1
        if t_ord <= t_ex and t_ord <= t_lo and t_ord <= t_nt and t_ord < INF_NS:
            for k in range(orders_i.shape[0]):
                status = orders_i[k, OI_STATUS]
                if status == ST_SENT and orders_i[k, OI_EXCH_AT_NS] < t_ord_ex:
                    t_ord_ex = orders_i[k, OI_EXCH_AT_NS]
                    k_ord = k
                elif status == ST_LIVE and orders_i[k, OI_CANCEL_AT_NS] < t_ord_ex:
                    t_ord_ex = orders_i[k, OI_CANCEL_AT_NS]
                    k_ord = k
                elif status == ST_DONE and orders_i[k, OI_FREE_AT_NS] < t_free:
                    t_free = orders_i[k, OI_FREE_AT_NS]
                    k_free = k

        if k_ord >= 0 and t_ord_ex <= t_ex and t_ord_ex <= t_lo and t_ord_ex <= t_nt:
            if t_ord_ex > t_safe:
                break
            k = k_ord
            t_now = t_ord_ex
            if orders_i[k, OI_STATUS] == ST_SENT:
                side = orders_i[k, OI_SIDE]
                if orders_i[k, OI_TYPE] == TYPE_TAKER:
                    best = istate[IS_EX_ASK] if side > 0 else istate[IS_EX_BID]
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
                else:
                    idx = orders_i[k, OI_TICK] - tick0
                    crosses = (
                        side > 0 and istate[IS_EX_ASK] >= 0 and idx >= istate[IS_EX_ASK]
                    ) or (side < 0 and istate[IS_EX_BID] >= 0 and idx <= istate[IS_EX_BID])
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
            istate[IS_NEXT_ORDER_NS] = _next_order_time(orders_i)
            continue

        if t_ex < INF_NS and t_ex <= t_lo and t_ex <= t_nt and t_ex <= t_free:
            # ---- exchange market event
            row = ev[i_x]
            istate[IS_I_EXCH] = i_x + 1
            kind = row["kind"]
            fills_before = istate[IS_NT_TAIL]
            if kind == EV_DEPTH:
                idx = to_tick_nb(row["price"], tick) - tick0
                side = row["side"]
                prev = book_update_nb(
                    ex_bid, ex_ask, istate, IS_EX_BID, IS_EX_ASK, side, idx, row["qty"]
                )
                for k in range(orders_i.shape[0]):
                    if orders_i[k, OI_STATUS] != ST_LIVE:
                        continue
                    o_side = orders_i[k, OI_SIDE]
                    o_idx = orders_i[k, OI_TICK] - tick0
                    if o_side == side and o_idx == idx:
                        queue_on_depth_nb(params, orders_f, k, prev, row["qty"])
                    elif (
                        o_side > 0
                        and side != SIDE_BID
                        and istate[IS_EX_ASK] >= 0
                        and istate[IS_EX_ASK] <= o_idx
                    ) or (o_side < 0 and side == SIDE_BID and istate[IS_EX_BID] >= o_idx):
                        _exchange_fill(
                            params,
                            lat_table,
                            istate,
                            orders_i,
                            orders_f,
                            nt_i,
                            nt_f,
                            k,
                            row["exch_ts_ns"],
                            orders_f[k, OF_LEAVES],
                            orders_f[k, OF_PRICE],
                        )
                if istate[IS_NT_TAIL] != fills_before:  # only a fill changes order timing
                    istate[IS_NEXT_ORDER_NS] = _next_order_time(orders_i)
            elif kind == EV_TRADE:
                idx = to_tick_nb(row["price"], tick) - tick0
                aggressor = row["side"]
                for k in range(orders_i.shape[0]):
                    if orders_i[k, OI_STATUS] != ST_LIVE:
                        continue
                    o_side = orders_i[k, OI_SIDE]
                    if o_side == aggressor:
                        continue  # a buy aggressor consumes asks: only our asks can trade
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
                            row["exch_ts_ns"],
                            orders_f[k, OF_LEAVES],
                            orders_f[k, OF_PRICE],
                        )
                    elif idx == o_idx:
                        queue_on_trade_nb(orders_f, k, row["qty"])
                        exec_qty = _queue_fill_qty(params, orders_f, k)
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
                                row["exch_ts_ns"],
                                exec_qty,
                                orders_f[k, OF_PRICE],
                            )
                            orders_f[k, OF_FRONT] = 0.0
                if istate[IS_NT_TAIL] != fills_before:  # only a fill changes order timing
                    istate[IS_NEXT_ORDER_NS] = _next_order_time(orders_i)
            elif kind == EV_DEPTH_CLEAR:
                book_clear_nb(ex_bid, ex_ask, istate, IS_EX_BID, IS_EX_ASK, row["side"])
            continue

        if t_nt < INF_NS and t_nt <= t_lo and t_nt <= t_free:
            if t_nt >= t_safe:
                break
            # ---- a fill notification reaches us: book it
            if istate[IS_N_FILLS] >= fills_i.shape[0]:
                return RUN_FILLS_FULL
            slot = istate[IS_NT_HEAD] % nt_cap
            istate[IS_NT_HEAD] += 1
            side = int(nt_f[slot, NT_SIDE])
            maker = nt_f[slot, NT_MAKER] > 0.0
            lb = istate[IS_LO_BID]
            la = istate[IS_LO_ASK]
            mid = (
                ((lb + la) * 0.5 + tick0) * tick if (lb >= 0 and la >= 0) else nt_f[slot, NT_PRICE]
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
            nf = istate[IS_N_FILLS]
            fills_i[nf, FR_EXCH_NS] = nt_i[slot, NT_EXCH_NS]
            fills_i[nf, FR_LOCAL_NS] = t_nt
            fills_i[nf, FR_SIDE] = side
            fills_i[nf, FR_MAKER] = 1 if maker else 0
            fills_f[nf, FR_PRICE] = nt_f[slot, NT_PRICE]
            fills_f[nf, FR_QTY] = nt_f[slot, NT_QTY]
            fills_f[nf, FR_FEE] = fee
            fills_f[nf, FR_MID] = mid
            istate[IS_N_FILLS] = nf + 1
            if abs(acct[A_POSITION]) > agg[AG_MAX_ABS_POSITION]:
                agg[AG_MAX_ABS_POSITION] = abs(acct[A_POSITION])
            if istate[IS_MK_TAIL] - istate[IS_MK_HEAD] < mk_cap:
                m = istate[IS_MK_TAIL] % mk_cap
                mk_i[m] = t_nt + markout_ns
                mk_f[m, 0] = side * nt_f[slot, NT_QTY]
                mk_f[m, 1] = mid
                istate[IS_MK_TAIL] += 1
            continue

        if k_free >= 0 and t_free <= t_lo:
            if t_free >= t_safe:
                break
            orders_i[k_free, OI_STATUS] = ST_EMPTY
            istate[IS_NEXT_ORDER_NS] = _next_order_time(orders_i)
            slots_dirty = True
            continue

        if t_lo == INF_NS:
            break
        if t_lo >= t_safe:
            break

        # ---- our market event
        if t_lo >= istate[IS_NEXT_RECORD_NS] and istate[IS_N_RECS] >= rec_i.shape[0]:
            return RUN_RECORDS_FULL
        row = ev[i_l]
        istate[IS_I_LOCAL] = i_l + 1
        t_now = t_lo
        t_secs = (t_now - t0) / ONE_SEC_NS
        prev_bid = istate[IS_LO_BID]
        prev_ask = istate[IS_LO_ASK]
        kind = row["kind"]
        if kind == EV_DEPTH:
            idx = to_tick_nb(row["price"], tick) - tick0
            book_update_nb(
                lo_bid, lo_ask, istate, IS_LO_BID, IS_LO_ASK, row["side"], idx, row["qty"]
            )
        elif kind == EV_DEPTH_CLEAR:
            book_clear_nb(lo_bid, lo_ask, istate, IS_LO_BID, IS_LO_ASK, row["side"])
        lb = istate[IS_LO_BID]
        la = istate[IS_LO_ASK]
        has_book = lb >= 0 and la >= 0
        mid = ((lb + la) * 0.5 + tick0) * tick if has_book else math.nan
        if not uses_signals:
            pass
        elif kind == EV_TRADE:
            on_trade_nb(params, sig, t_secs, row["side"], mid)
        elif has_book and prev_bid >= 0 and prev_ask >= 0 and (lb != prev_bid or la != prev_ask):
            on_mid_nb(params, sig, t_secs, ((prev_bid + prev_ask) * 0.5 + tick0) * tick, mid)
        agg[AG_LOCAL_EVENTS] += 1.0
        state = istate[IS_STATE]
        agg[AG_TIME_IN_STATE_NS + state] += t_now - istate[IS_LAST_LOCAL_NS]
        istate[IS_LAST_LOCAL_NS] = t_now
        if i_l + 1 < n and ev[i_l + 1]["local_ts_ns"] == t_now:
            continue  # rows we receive at one instant are one update: act on the whole of it

        # mark-outs that matured
        while (
            istate[IS_MK_HEAD] < istate[IS_MK_TAIL] and mk_i[istate[IS_MK_HEAD] % mk_cap] <= t_now
        ):
            if has_book:
                m = istate[IS_MK_HEAD] % mk_cap
                agg[AG_MARKOUT_QUOTE] += mk_f[m, 0] * (mid - mk_f[m, 1])
                agg[AG_MARKOUT_FILLS] += 1.0
            istate[IS_MK_HEAD] += 1
        if not has_book:
            continue

        # day rollover and risk
        day = t_now // DAY_NS
        same_risk = (
            risk_valid
            and state == CB_NORMAL
            and day == istate[IS_DAY]
            and lb == risk_bid
            and la == risk_ask
            and acct[A_POSITION] == risk_q
            and acct[A_CASH] == risk_cash
        )
        if same_risk:
            # NORMAL with the same book top, inventory and cash: the same equity, no violation,
            # nothing to recover from; the breaker step would change nothing
            equity = risk_equity
        else:
            equity = equity_nb(acct, mid)
            if day != istate[IS_DAY]:
                loss = acct[A_DAY_START_EQUITY] - equity
                if loss > agg[AG_WORST_DAY_LOSS]:
                    agg[AG_WORST_DAY_LOSS] = loss
                acct[A_DAY_START_EQUITY] = equity
                istate[IS_DAY] = day
            equity, drawdown, day_loss = mark_nb(acct, mid)
            if drawdown > agg[AG_MAX_DRAWDOWN]:
                agg[AG_MAX_DRAWDOWN] = drawdown
            state = breaker_step_nb(params, brk, t_now, day_loss, drawdown, abs(acct[A_POSITION]))
            istate[IS_STATE] = state
            risk_valid = True
            risk_bid = lb
            risk_ask = la
            risk_q = acct[A_POSITION]
            risk_cash = acct[A_CASH]
            risk_equity = equity

        # downsampled record
        if t_now >= istate[IS_NEXT_RECORD_NS]:
            r = istate[IS_N_RECS]
            rec_i[r, RC_TS_NS] = t_now
            rec_i[r, RC_STATE] = state
            rec_f[r, RC_MID] = mid
            rec_f[r, RC_POSITION] = acct[A_POSITION]
            rec_f[r, RC_EQUITY] = equity
            rec_f[r, RC_BID_PX] = qout[Q_BID_PX]
            rec_f[r, RC_ASK_PX] = qout[Q_ASK_PX]
            istate[IS_N_RECS] = r + 1
            nxt = istate[IS_NEXT_RECORD_NS] + record_ns
            if nxt <= t_now:
                nxt = t_now - (t_now - istate[IS_NEXT_RECORD_NS]) % record_ns + record_ns
            istate[IS_NEXT_RECORD_NS] = nxt

        # quoting decision
        halted = brk[B_KILL] != 0 or brk[B_STOP] != 0
        if (
            requote_ns > 0
            and t_now < istate[IS_NEXT_REQUOTE_NS]
            and not (halted or state == CB_HALTED)
        ):
            continue
        if requote_ns > 0:
            nxt = istate[IS_NEXT_REQUOTE_NS] + requote_ns
            if nxt <= t_now:
                nxt = t_now - (t_now - istate[IS_NEXT_REQUOTE_NS]) % requote_ns + requote_ns
            istate[IS_NEXT_REQUOTE_NS] = nxt
        agg[AG_QUOTE_DECISIONS] += 1.0
        q_now = acct[A_POSITION]
        if (
            memo_ok
            and memo_valid
            and not slots_dirty
            and lb == memo_bid
            and la == memo_ask
            and q_now == memo_q
            and state == memo_state
            and not halted
        ):
            continue  # same inputs, same quote, same working orders: the decision is "keep"
        memo_valid = True
        slots_dirty = False
        memo_bid = lb
        memo_ask = la
        memo_q = q_now
        memo_state = state
        features_nb(params, sig, t_secs, mid, (lb + tick0) * tick, (la + tick0) * tick, feat)
        quote_nb(
            params,
            glft_table,
            cache,
            feat,
            acct[A_POSITION],
            float(t_now - t0),
            state,
            halted,
            qout,
        )
        changed = False
        for side in (1, -1):
            want_px = qout[Q_BID_PX] if side > 0 else qout[Q_ASK_PX]
            want_qty = qout[Q_BID_QTY] if side > 0 else qout[Q_ASK_QTY]
            want_tick = to_tick_nb(want_px, tick) if want_qty > 0.0 else -1
            if want_tick >= 0 and not (0 <= want_tick - tick0 < ex_bid.shape[0]):
                want_tick = -1  # outside the book grid the caller allocated: do not quote it
            keep = False
            for k in range(orders_i.shape[0]):
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
            for k in range(orders_i.shape[0]):
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
        hedge = qout[Q_HEDGE_QTY]
        if hedge != 0.0 and t_now - istate[IS_LAST_HEDGE_NS] >= int(params[P_HEDGE_INTERVAL_NS]):
            for k in range(orders_i.shape[0]):
                if orders_i[k, OI_STATUS] == ST_EMPTY:
                    orders_i[k, OI_STATUS] = ST_SENT
                    orders_i[k, OI_SIDE] = 1 if hedge > 0.0 else -1
                    orders_i[k, OI_TICK] = -1
                    orders_i[k, OI_TYPE] = TYPE_TAKER
                    orders_i[k, OI_CANCEL_SENT] = 0
                    orders_i[k, OI_CANCEL_AT_NS] = INF_NS
                    orders_i[k, OI_FREE_AT_NS] = INF_NS
                    orders_i[k, OI_EXCH_AT_NS] = _entry_arrival(params, lat_table, istate, t_now)
                    orders_f[k, OF_QTY] = abs(hedge)
                    orders_f[k, OF_LEAVES] = abs(hedge)
                    orders_f[k, OF_PRICE] = math.nan
                    istate[IS_LAST_HEDGE_NS] = t_now
                    agg[AG_HEDGES] += 1.0
                    changed = True
                    break
        if changed:
            istate[IS_NEXT_ORDER_NS] = _next_order_time(orders_i)

    if is_last:
        # close the last day for the worst-daily-loss figure
        lb = istate[IS_LO_BID]
        la = istate[IS_LO_ASK]
        if lb >= 0 and la >= 0:
            loss = acct[A_DAY_START_EQUITY] - equity_nb(acct, ((lb + la) * 0.5 + tick0) * tick)
            if loss > agg[AG_WORST_DAY_LOSS]:
                agg[AG_WORST_DAY_LOSS] = loss
    return RUN_CHUNK_DONE
