"""Bad input is refused before the loop starts, naming the row and the field."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corp.backtest.engine import run_backtest
from corp.core.params import param_vector
from corp.errors import DataError
from corp.market.types import EVENT_DTYPE

from ._streams import stream, touch_book

PARAMS = param_vector()


def _events() -> np.ndarray:
    return stream([*touch_book(0.0), *touch_book(1_000.0)])


def test_nan_price_is_refused_naming_row_and_field() -> None:
    ev = _events()
    ev["price"][3] = np.nan
    with pytest.raises(
        DataError, match=r"row 3: field price: expected a finite price > 0, got nan"
    ):
        run_backtest(ev, PARAMS)


def test_negative_size_is_refused() -> None:
    ev = _events()
    ev["qty"][5] = -1.0
    with pytest.raises(DataError, match=r"row 5: field qty: expected a finite size >= 0, got -1.0"):
        run_backtest(ev, PARAMS)


def test_unsorted_timestamps_are_refused() -> None:
    ev = _events()
    ev["exch_ts_ns"][6] = ev["exch_ts_ns"][0] - 1
    with pytest.raises(DataError, match=r"row 6: field exch_ts_ns: timestamps must not decrease"):
        run_backtest(ev, PARAMS)


def test_local_time_before_exchange_time_is_refused() -> None:
    ev = _events()
    ev["local_ts_ns"][0] = ev["exch_ts_ns"][0] - 1
    with pytest.raises(DataError, match=r"row 0: field local_ts_ns: expected >= exch_ts_ns"):
        run_backtest(ev, PARAMS)


def test_wrong_dtype_is_refused() -> None:
    plain = np.zeros(3, dtype=[("price", "f8"), ("qty", "f8")])
    with pytest.raises(DataError, match=r"wrong dtype: expected corp\.market\.types\.EVENT_DTYPE"):
        run_backtest(plain, PARAMS)


def test_unknown_event_kind_is_refused() -> None:
    ev = _events()
    ev["kind"][2] = 9
    with pytest.raises(DataError, match=r"row 2: field kind: expected one of \(1, 2, 3\), got 9"):
        run_backtest(ev, PARAMS)


def test_rows_are_numbered_across_chunks() -> None:
    good, bad = _events(), _events()
    bad["price"][1] = -5.0
    bad["exch_ts_ns"] += 10**9
    bad["local_ts_ns"] += 10**9
    with pytest.raises(DataError, match=r"row 9: field price"):
        run_backtest(iter([good, bad]), PARAMS)


def test_a_stream_going_back_across_chunks_is_refused() -> None:
    with pytest.raises(DataError, match="goes back across a chunk boundary"):
        run_backtest(iter([_events()[4:], _events()[:4]]), PARAMS)


def test_empty_stream_is_refused() -> None:
    with pytest.raises(DataError, match="the stream is empty"):
        run_backtest(np.zeros(0, dtype=EVENT_DTYPE), PARAMS)


def test_bad_latency_table_is_refused() -> None:
    with pytest.raises(DataError, match=r"latency_table row 1: expected latencies >= 0 ns"):
        run_backtest(_events(), PARAMS, latency_table=np.array([[0, 1, 1], [1, -1, 1]]))


_BAD_VALUES = {
    "kind": [0, 4, -1],
    "side": [0, 2, -2],
    "price": [np.nan, np.inf, -np.inf, 0.0, -1.0],
    "qty": [np.nan, np.inf, -0.5],
    "exch_ts_ns": [10**12],  # matched after we received it
    "local_ts_ns": [-(10**12)],  # received before it was matched
}


@given(
    row=st.integers(0, 7),
    field=st.sampled_from(sorted(_BAD_VALUES)),
    pick=st.integers(0, 4),
)
@settings(max_examples=120, deadline=None)
def test_one_corrupted_field_anywhere_is_refused(row: int, field: str, pick: int) -> None:
    # the branch-free whole-stream check must not wave through what the row-by-row rules refuse
    ev = _events()
    values = _BAD_VALUES[field]
    value = values[pick % len(values)]
    if field.endswith("_ns"):
        ev[field][row] += value
    else:
        ev[field][row] = value
    with pytest.raises(DataError, match=r"events row \d+: field "):
        run_backtest(ev, PARAMS)


def test_a_trade_of_size_zero_is_refused_but_a_zero_depth_level_is_not() -> None:
    ev = _events()
    ev["qty"][1] = 0.0  # a depth level deleted: valid
    run_backtest(ev, PARAMS)
    ev["kind"][1] = 2
    with pytest.raises(DataError, match=r"row 1: field qty: expected a trade size > 0"):
        run_backtest(ev, PARAMS)
