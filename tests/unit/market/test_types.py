"""The event record is the contract between generators, replay and the backtest driver."""

from __future__ import annotations

import numpy as np

from corp.market import types as mt


def test_event_dtype_is_aligned_with_unit_named_fields() -> None:
    assert mt.EVENT_DTYPE.isalignedstruct
    assert mt.EVENT_DTYPE.names == ("exch_ts_ns", "local_ts_ns", "kind", "side", "price", "qty")
    assert mt.EVENT_DTYPE["exch_ts_ns"] == np.dtype("i8")
    assert mt.EVENT_DTYPE.itemsize == 40


def test_event_kinds_and_sides_are_distinct_flags() -> None:
    assert len({mt.EV_DEPTH, mt.EV_TRADE, mt.EV_DEPTH_CLEAR}) == 3
    assert mt.SIDE_BID == mt.SIDE_BUY == -mt.SIDE_ASK == -mt.SIDE_SELL
