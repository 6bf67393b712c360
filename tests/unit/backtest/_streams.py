"""Hand-built event streams for loop tests (times in microseconds from a fixed start)."""

from __future__ import annotations

import numpy as np

from corp.market.types import EV_DEPTH, EV_TRADE, EVENT_DTYPE, SIDE_ASK, SIDE_BID

START_NS = 1_700_000_000_000_000_000
FEED_NS = 100_000  # 0.1 ms feed latency


def stream(rows: list[tuple[float, int, int, float, float]]) -> np.ndarray:
    """rows of (t_us, kind, side, price, qty) -> EVENT_DTYPE array with a constant feed latency."""
    ev = np.zeros(len(rows), dtype=EVENT_DTYPE)
    for i, (t_us, kind, side, price, qty) in enumerate(rows):
        ev[i] = (
            START_NS + int(t_us * 1000),
            START_NS + int(t_us * 1000) + FEED_NS,
            kind,
            side,
            price,
            qty,
        )
    return ev


def touch_book(t_us: float = 0.0, bid_qty: float = 1.0, ask_qty: float = 1.0):
    """Bid 100.00 / ask 100.01 with one deeper level each."""
    return [
        (t_us, EV_DEPTH, SIDE_BID, 100.00, bid_qty),
        (t_us, EV_DEPTH, SIDE_BID, 99.99, 1.0),
        (t_us, EV_DEPTH, SIDE_ASK, 100.01, ask_qty),
        (t_us, EV_DEPTH, SIDE_ASK, 100.02, 1.0),
    ]


def sell_trade(t_us: float, qty: float, price: float = 100.00):
    return (t_us, EV_TRADE, -1, price, qty)


def depth(t_us: float, side: int, price: float, qty: float):
    return (t_us, EV_DEPTH, side, price, qty)
