"""Refuse bad input before the loop starts: each message names row, field, expected and got."""

from __future__ import annotations

import numpy as np
from numba import njit

from corp.errors import DataError
from corp.market.types import EV_DEPTH, EV_DEPTH_CLEAR, EV_TRADE, EVENT_DTYPE

__all__ = ["validate_events", "validate_latency_table"]


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def validate_events(events: np.ndarray, *, row_offset: int = 0) -> None:
    """Raise DataError on the first malformed row (dtype, kind, side, price, qty, timestamps)."""
    if not isinstance(events, np.ndarray) or events.dtype != EVENT_DTYPE:
        got = getattr(events, "dtype", type(events).__name__)
        raise DataError(f"events: wrong dtype: expected corp.market.types.EVENT_DTYPE, got {got}")
    if events.ndim != 1:
        raise DataError(f"events: expected a 1-D array, got shape {events.shape}")
    if events.size == 0 or _all_rows_ok_nb(events):
        return
    row, code = _first_bad_row_nb(
        events["kind"], events["side"], events["price"], events["qty"],
        events["exch_ts_ns"], events["local_ts_ns"],
    )  # fmt: skip
    if code == _OK:
        return
    i = int(row)
    at = f"events row {row_offset + i}"
    ev = events[i]
    if code == _BAD_KIND:
        raise DataError(
            f"{at}: field kind: expected one of {EV_DEPTH, EV_TRADE, EV_DEPTH_CLEAR}, "
            f"got {int(ev['kind'])}"
        )
    if code == _BAD_SIDE:
        raise DataError(f"{at}: field side: expected +1 or -1, got {int(ev['side'])}")
    if code == _BAD_PRICE:
        raise DataError(f"{at}: field price: expected a finite price > 0, got {ev['price']}")
    if code == _BAD_QTY:
        raise DataError(f"{at}: field qty: expected a finite size >= 0, got {ev['qty']}")
    if code == _BAD_TRADE_QTY:
        raise DataError(f"{at}: field qty: expected a trade size > 0, got {ev['qty']}")
    if code in (_BACK_EXCH, _BACK_LOCAL):
        name = "exch_ts_ns" if code == _BACK_EXCH else "local_ts_ns"
        raise DataError(
            f"{at}: field {name}: timestamps must not decrease: "
            f"expected >= {int(events[name][i - 1])}, got {int(ev[name])}"
        )
    raise DataError(
        f"{at}: field local_ts_ns: expected >= exch_ts_ns {int(ev['exch_ts_ns'])}, "
        f"got {int(ev['local_ts_ns'])}"
    )


_OK, _BAD_KIND, _BAD_SIDE, _BAD_PRICE, _BAD_QTY, _BAD_TRADE_QTY = 0, 1, 2, 3, 4, 5
_BACK_EXCH, _BACK_LOCAL, _LOCAL_EARLY = 6, 7, 8


@njit(cache=True)
def _all_rows_ok_nb(events: np.ndarray) -> bool:
    """True when no row breaks a rule of `_first_bad_row_nb` (which then locates the first).

    The same rules, evaluated without an early exit or a branch per rule on the record array
    itself: a valid stream (the common case) is checked at a few cycles per row, which matters
    because the backtest validates every stream it runs.
    """
    ok = True
    prev_exch = events[0]["exch_ts_ns"]
    prev_local = events[0]["local_ts_ns"]
    for i in range(events.shape[0]):
        row = events[i]
        k = row["kind"]
        side = row["side"]
        price = row["price"]
        qty = row["qty"]
        exch = row["exch_ts_ns"]
        local = row["local_ts_ns"]
        kind_ok = (k == EV_DEPTH) | (k == EV_TRADE) | (k == EV_DEPTH_CLEAR)
        side_ok = (side == 1) | (side == -1)
        # a comparison with NaN is False, so these also refuse NaN and infinities
        price_ok = (price > 0.0) & (price < np.inf)
        qty_ok = (qty >= 0.0) & (qty < np.inf) & ((k != EV_TRADE) | (qty > 0.0))
        priced_ok = (k == EV_DEPTH_CLEAR) | (price_ok & qty_ok)
        time_ok = (exch >= prev_exch) & (local >= prev_local) & (local >= exch)
        ok = ok & kind_ok & side_ok & priced_ok & time_ok
        prev_exch = exch
        prev_local = local
    return ok


@njit(cache=True)
def _first_bad_row_nb(kind, side, price, qty, exch_ts, local_ts) -> tuple[int, int]:
    """One pass: (row, problem code) of the first malformed row, or (-1, _OK)."""
    for i in range(kind.shape[0]):
        k = kind[i]
        if k != EV_DEPTH and k != EV_TRADE and k != EV_DEPTH_CLEAR:
            return i, _BAD_KIND
        if side[i] != 1 and side[i] != -1:
            return i, _BAD_SIDE
        if k != EV_DEPTH_CLEAR:
            if not (np.isfinite(price[i]) and price[i] > 0.0):
                return i, _BAD_PRICE
            if not (np.isfinite(qty[i]) and qty[i] >= 0.0):
                return i, _BAD_QTY
            if k == EV_TRADE and qty[i] <= 0.0:
                return i, _BAD_TRADE_QTY
        if i > 0:
            if exch_ts[i] < exch_ts[i - 1]:
                return i, _BACK_EXCH
            if local_ts[i] < local_ts[i - 1]:
                return i, _BACK_LOCAL
        if local_ts[i] < exch_ts[i]:
            return i, _LOCAL_EARLY
    return -1, _OK


def validate_latency_table(table: np.ndarray | None) -> np.ndarray:
    """A recorded latency table: rows (ts_ns, entry_ns, response_ns), ts increasing, >= 0."""
    if table is None:
        return np.zeros((0, 3), dtype=np.float64)
    arr = np.asarray(table, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise DataError(
            f"latency_table: expected shape (n, 3) (ts_ns, entry_ns, response_ns), got {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        i = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        raise DataError(f"latency_table row {i}: expected finite values, got {arr[i].tolist()}")
    neg = (arr[:, 1:] < 0).any(axis=1)
    if neg.any():
        i = _first(neg)
        raise DataError(
            f"latency_table row {i}: expected latencies >= 0 ns, got {arr[i, 1:].tolist()}"
        )
    if arr.shape[0] > 1 and np.any(np.diff(arr[:, 0]) <= 0):
        i = _first(np.diff(arr[:, 0]) <= 0) + 1
        raise DataError(f"latency_table row {i}: field ts_ns must increase, got {arr[i, 0]}")
    return np.ascontiguousarray(arr)
