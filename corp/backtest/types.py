"""Layouts and flags of the offline driver's state arrays (carried between chunks).

The loop's whole state lives in a handful of preallocated arrays so a long stream can be processed
chunk by chunk with the state handed from one call to the next, and so the plain-Python reference
loop can be compared against it field by field.
"""

from __future__ import annotations

import numpy as np

MAX_ORDERS = 8  # order slots (working, in-flight and cancelling orders of both sides, hedges)
NOTIFY_CAPACITY = 16384  # fill notifications in flight from the exchange to us
MARKOUT_CAPACITY = 4096  # fills waiting for their adverse-selection mark-out
INF_NS = np.iinfo(np.int64).max

# --- loop return codes (named, compared by name) -------------------------------------------------
RUN_CHUNK_DONE = 0  # every event of the chunk that can be processed safely was processed
RUN_FILLS_FULL = 1  # the fill buffer is full: drain it and call again
RUN_RECORDS_FULL = 2  # the record buffer is full: drain it and call again

# --- order slots ---------------------------------------------------------------------------------
ST_EMPTY = 0
ST_SENT = 1  # travelling to the exchange
ST_LIVE = 2  # resting in the exchange's book
ST_DONE = 3  # filled, cancelled or rejected at the exchange; we learn it at OI_FREE_AT_NS

TYPE_MAKER = 0  # post-only limit order
TYPE_TAKER = 1  # hedge: immediate at the touch plus slippage

OI_STATUS = 0
OI_SIDE = 1  # +1 buy, -1 sell
OI_TICK = 2  # price in ticks
OI_EXCH_AT_NS = 3  # when the new order reaches the exchange
OI_CANCEL_AT_NS = 4  # when our cancel reaches the exchange (INF_NS: none)
OI_FREE_AT_NS = 5  # when we learn the order is done
OI_TYPE = 6
OI_CANCEL_SENT = 7  # 1 once we decided to cancel (we no longer count it as working)
N_OI = 8

OF_QTY = 0
OF_LEAVES = 1
OF_FRONT = 2  # queue ahead of us at our price, base units
OF_CUM_TRADE = 3  # traded at our level since the last depth update (power-prob model)
OF_PRICE = 4
N_OF = 5

# --- loop integers (int64) -----------------------------------------------------------------------
IS_I_EXCH = 0  # next row for the exchange cursor
IS_I_LOCAL = 1  # next row for our (local) cursor
IS_T0_NS = 2  # local time of the first event (relative times are measured from it)
IS_STARTED = 3
IS_TICK0 = 4  # absolute tick of book index 0
IS_EX_BID = 5  # best bid/ask in absolute ticks at the exchange (-1: empty side)
IS_EX_ASK = 6
IS_LO_BID = 7  # the same as we see them
IS_LO_ASK = 8
IS_NEXT_REQUOTE_NS = 9
IS_NEXT_RECORD_NS = 10
IS_LAST_ENTRY_NS = 11  # arrival of our last message at the exchange (FIFO link)
IS_LAST_RESP_NS = 12  # arrival of the exchange's last message at us (FIFO link)
IS_NT_HEAD = 13
IS_NT_TAIL = 14
IS_N_FILLS = 15
IS_N_RECS = 16
IS_LAST_HEDGE_NS = 17  # last hedge decision (corp.core.hedge), traded or not
IS_DAY = 18
IS_LAST_LOCAL_NS = 19
IS_MK_HEAD = 20
IS_MK_TAIL = 21
IS_NEXT_ORDER_NS = 22  # earliest pending order action (arrival, cancel, free)
IS_STATE = 23  # breaker state as last evaluated
IS_HEDGE_FAST_UNTIL_NS = 24  # the hedge schedule runs accelerated until this time
N_IS = 25

# --- loop floats (float64) -----------------------------------------------------------------------
FS_HEDGE_REF_MID = 0  # mid at the last hedge decision (NaN before the first)
N_FS = 1

# --- notifications (fills on their way to us) ----------------------------------------------------
NT_TS_NS = 0  # int64 part: when we receive it
NT_EXCH_NS = 1  # when it happened at the exchange
N_NTI = 2
NT_SIDE = 0  # float part
NT_PRICE = 1
NT_QTY = 2
NT_MAKER = 3
N_NTF = 4

# --- fill records ---------------------------------------------------------------------------------
FILL_DTYPE = np.dtype(
    [
        ("exch_ts_ns", "i8"),
        ("local_ts_ns", "i8"),
        ("side", "i4"),
        ("maker", "i4"),
        ("price", "f8"),
        ("qty", "f8"),
        ("fee_quote", "f8"),
        ("mid", "f8"),
    ],
    align=True,
)
FR_EXCH_NS = 0  # int64 columns of the fill buffer
FR_LOCAL_NS = 1
FR_SIDE = 2
FR_MAKER = 3
N_FRI = 4
FR_PRICE = 0  # float64 columns
FR_QTY = 1
FR_FEE = 2
FR_MID = 3
N_FRF = 4

# --- downsampled records --------------------------------------------------------------------------
RECORD_DTYPE = np.dtype(
    [
        ("ts_ns", "i8"),
        ("state", "i8"),
        ("mid", "f8"),
        ("position", "f8"),
        ("equity", "f8"),
        ("bid_px", "f8"),
        ("ask_px", "f8"),
    ],
    align=True,
)
RC_TS_NS = 0
RC_STATE = 1
N_RCI = 2
RC_MID = 0
RC_POSITION = 1
RC_EQUITY = 2
RC_BID_PX = 3
RC_ASK_PX = 4
N_RCF = 5

# --- aggregates (float64) -------------------------------------------------------------------------
AG_TIME_IN_STATE_NS = 0  # 4 entries, one per breaker state
AG_ORDERS_SENT = 4
AG_CANCELS_SENT = 5
AG_REJECTS = 6
AG_HEDGES = 7
AG_MARKOUT_QUOTE = 8  # sum of side * qty * (mid later - price): negative = adverse selection
AG_MARKOUT_FILLS = 9
AG_WORST_DAY_LOSS = 10
AG_LOCAL_EVENTS = 11
AG_MAX_ABS_POSITION = 12
AG_QUOTE_DECISIONS = 13
AG_MAX_DRAWDOWN = 14  # largest peak-to-trough equity drop seen at our events, quote currency
N_AG = 15
