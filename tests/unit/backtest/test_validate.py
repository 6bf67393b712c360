"""Bad input is refused before the loop starts, naming the row and the field."""

from __future__ import annotations

import numpy as np
import pytest

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
