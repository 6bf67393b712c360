"""Refuse bad input before the loop starts: each message names row, field, expected and got."""

from __future__ import annotations

import numpy as np

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
    if events.size == 0:
        return
    kind = events["kind"]
    bad = ~np.isin(kind, (EV_DEPTH, EV_TRADE, EV_DEPTH_CLEAR))
    if bad.any():
        i = _first(bad)
        raise DataError(
            f"events row {row_offset + i}: field kind: expected one of "
            f"{EV_DEPTH, EV_TRADE, EV_DEPTH_CLEAR}, got {int(kind[i])}"
        )
    side = events["side"]
    bad = (side != 1) & (side != -1)
    if bad.any():
        i = _first(bad)
        raise DataError(
            f"events row {row_offset + i}: field side: expected +1 or -1, got {int(side[i])}"
        )
    priced = kind != EV_DEPTH_CLEAR
    price = events["price"]
    bad = priced & ~(np.isfinite(price) & (price > 0.0))
    if bad.any():
        i = _first(bad)
        raise DataError(
            f"events row {row_offset + i}: field price: expected a finite price > 0, got {price[i]}"
        )
    qty = events["qty"]
    bad = priced & ~(np.isfinite(qty) & (qty >= 0.0))
    if bad.any():
        i = _first(bad)
        raise DataError(
            f"events row {row_offset + i}: field qty: expected a finite size >= 0, got {qty[i]}"
        )
    bad = (kind == EV_TRADE) & (qty <= 0.0)
    if bad.any():
        i = _first(bad)
        raise DataError(
            f"events row {row_offset + i}: field qty: expected a trade size > 0, got {qty[i]}"
        )
    for name in ("exch_ts_ns", "local_ts_ns"):
        ts = events[name]
        back = np.diff(ts) < 0
        if back.any():
            i = _first(back) + 1
            raise DataError(
                f"events row {row_offset + i}: field {name}: timestamps must not decrease: "
                f"expected >= {int(ts[i - 1])}, got {int(ts[i])}"
            )
    early = events["local_ts_ns"] < events["exch_ts_ns"]
    if early.any():
        i = _first(early)
        raise DataError(
            f"events row {row_offset + i}: field local_ts_ns: expected >= exch_ts_ns "
            f"{int(events['exch_ts_ns'][i])}, got {int(events['local_ts_ns'][i])}"
        )


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
