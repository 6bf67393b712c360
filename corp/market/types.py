"""The market event record every driver reads, and its flag constants.

One row is one thing the exchange did: an L2 depth level was set, a trade printed, or a side of the
book was cleared. The layout follows hftbacktest's habit (one aligned record dtype, integer flags,
units in field names) so a stream can be converted to and from its format field by field.

Fields
------
``exch_ts_ns``  int64   when the exchange matched/published the event (ns, UTC)
``local_ts_ns`` int64   when our process received it (ns, UTC); ``local_ts_ns >= exch_ts_ns``
``kind``        int32   one of ``EV_DEPTH``, ``EV_TRADE``, ``EV_DEPTH_CLEAR``
``side``        int32   ``SIDE_BID``/``SIDE_ASK`` for depth; for trades the aggressor:
                        ``SIDE_BUY`` (buyer lifted the ask), ``SIDE_SELL`` (seller hit the bid)
``price``       float64 level or trade price in quote currency (ignored for ``EV_DEPTH_CLEAR``)
``qty``         float64 depth: the new total size at the level in base units (0 deletes the level);
                        trade: the traded size in base units

A stream is sorted by ``exch_ts_ns`` (the exchange's order of events); ``local_ts_ns`` is what the
strategy sees and is non-decreasing too in recorded feeds (the validator checks both).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EVENT_DTYPE",
    "EV_DEPTH",
    "EV_DEPTH_CLEAR",
    "EV_TRADE",
    "SIDE_ASK",
    "SIDE_BID",
    "SIDE_BUY",
    "SIDE_SELL",
]

EV_DEPTH: int = 1
"""An L2 level update: the total size at ``price`` on ``side`` is now ``qty`` (0 removes it)."""
EV_TRADE: int = 2
"""A trade of ``qty`` at ``price``; ``side`` is the aggressor."""
EV_DEPTH_CLEAR: int = 3
"""Every level on ``side`` is removed (before a snapshot)."""

SIDE_BID: int = 1
SIDE_ASK: int = -1
SIDE_BUY: int = 1
"""Trade aggressor was a buyer: the trade consumed ask liquidity."""
SIDE_SELL: int = -1
"""Trade aggressor was a seller: the trade consumed bid liquidity."""

EVENT_DTYPE = np.dtype(
    [
        ("exch_ts_ns", "i8"),
        ("local_ts_ns", "i8"),
        ("kind", "i4"),
        ("side", "i4"),
        ("price", "f8"),
        ("qty", "f8"),
    ],
    align=True,
)
"""The one event record (40 bytes, aligned) of every stream CORP generates, replays or backtests."""
