"""A plain-Python reference of the backtest loop, for short streams and for proving the njit loop.

Written for reading: books are dicts, orders are objects, messages sit in lists, and each step
picks the earliest pending action with the documented tie order (our messages at the exchange,
exchange market events, fills reaching us, order completions reaching us, our market events).
Quotes and the breaker come from `corp.core.reference`; signals (intensities, regime) reuse the
core kernels because their own agreement is tested in tests/unit/core.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from corp.core import reference as core_ref
from corp.core import types as t
from corp.core.signals import features_nb, new_signals, on_mid_nb, on_trade_nb
from corp.market.types import EV_DEPTH, EV_DEPTH_CLEAR, EV_TRADE, SIDE_BID

__all__ = ["ReferenceFill", "run_reference"]

MAX_ORDERS = 8
DAY_NS = 86_400 * 1_000_000_000
INF = math.inf


@dataclass
class ReferenceFill:
    exch_ts_ns: int
    local_ts_ns: int
    side: int
    maker: bool
    price: float
    qty: float
    fee_quote: float


@dataclass
class _Order:
    seq: int
    side: int
    taker: bool
    tick: int
    qty: float
    leaves: float
    exch_at: float
    status: str = "sent"  # sent -> live -> done (we learn "done" at free_at)
    cancel_at: float = INF
    free_at: float = INF
    cancel_sent: bool = False
    front: float = 0.0
    cum_trade: float = 0.0


@dataclass
class _Book:
    bids: dict[int, float] = field(default_factory=dict)
    asks: dict[int, float] = field(default_factory=dict)

    def best_bid(self) -> int | None:
        live = [k for k, v in self.bids.items() if v > 0]
        return max(live) if live else None

    def best_ask(self) -> int | None:
        live = [k for k, v in self.asks.items() if v > 0]
        return min(live) if live else None

    def apply(self, kind: int, side: int, tick: int, qty: float) -> float:
        levels = self.bids if side == SIDE_BID else self.asks
        if kind == EV_DEPTH_CLEAR:
            levels.clear()
            return 0.0
        prev = levels.get(tick, 0.0)
        levels[tick] = qty
        return prev


def _le(a: int | None, b: int | None) -> bool:
    """a <= b where a missing side never compares true."""
    return a is not None and b is not None and a <= b


def _latency(table: np.ndarray, ts: int, column: int, default: float) -> int:
    if table.shape[0] == 0:
        return int(default)
    xs = table[:, 0]
    if ts <= xs[0]:
        return int(table[0, column])
    if ts >= xs[-1]:
        return int(table[-1, column])
    hi = int(np.searchsorted(xs, ts, side="right"))
    w = (ts - xs[hi - 1]) / (xs[hi] - xs[hi - 1])
    return int(table[hi - 1, column] + w * (table[hi, column] - table[hi - 1, column]))


def run_reference(
    events: np.ndarray,
    params: np.ndarray,
    *,
    glft_table: np.ndarray | None = None,
    latency_table: np.ndarray | None = None,
) -> tuple[list[ReferenceFill], dict[str, float]]:
    """Fills and final account of the strategy in ``params`` over ``events``."""
    p = [float(x) for x in params]
    table = (np.zeros((3, 2)) if glft_table is None else glft_table).tolist()
    lat = np.zeros((0, 3)) if latency_table is None else np.asarray(latency_table, float)
    tick = p[t.P_TICK_SIZE]
    lot = p[t.P_LOT_SIZE]
    to_tick = lambda price: math.floor(price / tick + 0.5)  # noqa: E731
    ex, lo = _Book(), _Book()
    orders: list[_Order] = []
    notes: list[
        tuple[int, int, int, float, float, bool]
    ] = []  # (at, exch_ts, side, px, qty, maker)
    cash, position, fees = p[t.P_INITIAL_CAPITAL], 0.0, 0.0
    peak = day_start = cash
    breaker = {
        "state": t.CB_NORMAL,
        "entered_ns": t.NEVER_NS,
        "last_violation_ns": [t.NEVER_NS] * 3,
        "kill": 0,
        "transitions": 0,
    }
    cache = [0.0] * t.N_CACHE
    sig = new_signals()
    feat = np.zeros(t.N_FEATURES)
    fills: list[ReferenceFill] = []
    last_entry = last_resp = -(2**62)
    seq = 0
    n = events.shape[0]
    i_x = i_l = 0
    t0 = int(events[0]["local_ts_ns"]) if n else 0
    day = t0 // DAY_NS
    next_requote = t0
    requote_ns = int(p[t.P_REQUOTE_INTERVAL_NS])
    # hedge schedule (corp.core.hedge): the first decision is due at the first update
    schedule = {"last_ns": -(2**62), "ref_mid": math.nan, "fast_until_ns": -(2**62)}
    hedging = p[t.P_HEDGE_ENABLED] != 0
    state = t.CB_NORMAL
    counts = {"orders": 0, "cancels": 0, "rejects": 0, "hedges": 0}
    uses_signals = int(p[t.P_KIND]) in (
        t.KIND_HAWKES,
        t.KIND_HAWKES_ADAPTIVE,
        t.KIND_INTEGRATED,
        t.KIND_FAST_INTEGRATED,
    )

    def entry_arrival(now: int) -> int:
        nonlocal last_entry
        last_entry = max(now + _latency(lat, now, 1, p[t.P_ENTRY_LATENCY_NS]), last_entry)
        return last_entry

    def response_arrival(now: int) -> int:
        nonlocal last_resp
        last_resp = max(now + _latency(lat, now, 2, p[t.P_RESPONSE_LATENCY_NS]), last_resp)
        return last_resp

    def fill(o: _Order, now: int, qty: float, price: float) -> None:
        o.leaves -= qty
        at = response_arrival(now)
        notes.append((at, now, o.side, price, qty, not o.taker))
        if o.leaves <= 0.5 * lot:
            o.leaves, o.status, o.free_at, o.cancel_at = 0.0, "done", at, INF

    def queue_depth(o: _Order, prev: float, new: float) -> None:
        if int(p[t.P_QUEUE_MODEL]) != t.QUEUE_POWER_PROB:
            o.front = min(o.front, new)
            return
        chg = prev - new - o.cum_trade
        o.cum_trade = 0.0
        if chg < 0:
            o.front = min(o.front, new)
            return
        back = prev - o.front
        f_back = max(back, 0.0) ** p[t.P_QUEUE_POWER_N]
        f_front = max(o.front, 0.0) ** p[t.P_QUEUE_POWER_N]
        prob = f_back / (f_back + f_front) if f_back + f_front > 0 else 1.0
        o.front = min(o.front - (1 - prob) * chg + min(back - prob * chg, 0.0), new)

    def mid_of(book: _Book) -> float:
        b, a = book.best_bid(), book.best_ask()
        return math.nan if b is None or a is None else (b + a) / 2 * tick

    while True:
        t_ex = int(events[i_x]["exch_ts_ns"]) if i_x < n else INF
        t_lo = int(events[i_l]["local_ts_ns"]) if i_l < n else INF
        ex_msgs = [
            (o.exch_at if o.status == "sent" else o.cancel_at, o)
            for o in orders
            if o.status in ("sent", "live")
        ]
        t_msg, msg = min(ex_msgs, key=lambda x: (x[0], x[1].seq)) if ex_msgs else (INF, None)
        t_note = notes[0][0] if notes else INF
        frees = [o for o in orders if o.status == "done"]
        t_free = min((o.free_at for o in frees), default=INF)
        if msg is not None and t_msg < INF and t_msg <= min(t_ex, t_lo, t_note, t_free):
            now = int(t_msg)
            if msg.status == "sent":
                if msg.taker:
                    best = ex.best_ask() if msg.side > 0 else ex.best_bid()
                    if best is None:
                        msg.status, msg.free_at = "done", response_arrival(now)
                        counts["rejects"] += 1
                    else:
                        px = best * tick * (1 + msg.side * p[t.P_TAKER_SLIPPAGE_FRAC])
                        fill(msg, now, msg.leaves, px)
                else:
                    best_opp = ex.best_ask() if msg.side > 0 else ex.best_bid()
                    crosses = best_opp is not None and (
                        msg.tick >= best_opp if msg.side > 0 else msg.tick <= best_opp
                    )
                    if crosses:
                        msg.status, msg.free_at = "done", response_arrival(now)
                        counts["rejects"] += 1
                    else:
                        msg.status = "live"
                        levels = ex.bids if msg.side > 0 else ex.asks
                        msg.front, msg.cum_trade = levels.get(msg.tick, 0.0), 0.0
            else:
                msg.status, msg.cancel_at, msg.free_at = "done", INF, response_arrival(now)
            continue
        if t_ex < INF and t_ex <= min(t_lo, t_note, t_free):
            row = events[i_x]
            i_x += 1
            kind, side, now = int(row["kind"]), int(row["side"]), int(row["exch_ts_ns"])
            if kind == EV_DEPTH:
                tk = to_tick(row["price"])
                prev = ex.apply(kind, side, tk, float(row["qty"]))
                for o in sorted(orders, key=lambda o: o.seq):
                    if o.status != "live":
                        continue
                    if o.side == side and o.tick == tk:
                        queue_depth(o, prev, float(row["qty"]))
                    elif (o.side > 0 and side != SIDE_BID and _le(ex.best_ask(), o.tick)) or (
                        o.side < 0 and side == SIDE_BID and _le(o.tick, ex.best_bid())
                    ):
                        fill(o, now, o.leaves, o.tick * tick)
            elif kind == EV_TRADE:
                tk = to_tick(row["price"])
                for o in sorted(orders, key=lambda o: o.seq):
                    if o.status != "live" or o.side == side:
                        continue
                    if (o.side > 0 and tk < o.tick) or (o.side < 0 and tk > o.tick):
                        fill(o, now, o.leaves, o.tick * tick)
                    elif tk == o.tick:
                        o.front -= float(row["qty"])
                        o.cum_trade += float(row["qty"])
                        if o.front / lot <= -0.5:
                            executed = math.floor(-o.front / lot + 1e-9) * lot
                            partial = int(p[t.P_PARTIAL_FILLS]) != 0
                            qty = min(executed, o.leaves) if partial else o.leaves
                            if qty > 0:
                                fill(o, now, qty, o.tick * tick)
                                o.front = 0.0
            else:
                ex.apply(kind, side, 0, 0.0)
            continue
        if notes and t_note <= min(t_lo, t_free):
            at, exch_ts, side, price, qty, maker = notes.pop(0)
            mid = mid_of(lo)
            mid = price if math.isnan(mid) else mid
            fee = price * qty * (p[t.P_MAKER_FEE_FRAC] if maker else p[t.P_TAKER_FEE_FRAC])
            cash -= side * price * qty + fee
            position += side * qty
            fees += fee
            fills.append(ReferenceFill(exch_ts, at, side, maker, price, qty, fee))
            continue
        if frees and t_free <= t_lo:
            orders = [o for o in orders if not (o.status == "done" and o.free_at == t_free)]
            continue
        if t_lo == INF:
            break
        # our market event
        row = events[i_l]
        i_l += 1
        now = int(row["local_ts_ns"])
        t_secs = (now - t0) / 1e9
        prev_mid = mid_of(lo)
        prev_b, prev_a = lo.best_bid(), lo.best_ask()
        kind = int(row["kind"])
        if kind in (EV_DEPTH, EV_DEPTH_CLEAR):
            lo.apply(
                kind,
                int(row["side"]),
                to_tick(row["price"]) if kind == EV_DEPTH else 0,
                float(row["qty"]),
            )
        b, a = lo.best_bid(), lo.best_ask()
        mid = mid_of(lo)
        if not uses_signals:
            pass  # naive, AS and GLFT read no online signal
        elif kind == EV_TRADE:
            on_trade_nb(params, sig, t_secs, int(row["side"]), mid)
        elif (
            b is not None
            and a is not None
            and prev_b is not None
            and prev_a is not None
            and (b != prev_b or a != prev_a)
        ):
            on_mid_nb(params, sig, t_secs, prev_mid, mid)
        if i_l < n and int(events[i_l]["local_ts_ns"]) == now:
            continue  # the rest of this instant's update comes first
        if math.isnan(mid):
            continue
        equity = cash + position * mid
        if now // DAY_NS != day:
            day_start, day = equity, now // DAY_NS
        peak = max(peak, equity)
        state = core_ref.breaker_step(
            p, breaker, now, day_start - equity, peak - equity, abs(position)
        )
        halted = False
        if hedging and state != t.CB_HALTED:
            # decide on the position net of our hedges in flight (the whole order until we
            # learn its fate, in whole lots), and keep the old schedule when the hedge finds no
            # free slot so it is retried at the next update (corp.core.hedge)
            in_flight_lots = sum(o.side * math.floor(o.qty / lot + 0.5) for o in orders if o.taker)
            decided = dict(schedule)
            hedge = core_ref.hedge_decision(
                p, now, position + in_flight_lots * lot, mid, 0.0, decided
            )
            if hedge == 0 or len(orders) < MAX_ORDERS:
                schedule.update(decided)
            if hedge != 0 and len(orders) < MAX_ORDERS:
                seq += 1
                side = 1 if hedge > 0 else -1
                orders.append(
                    _Order(seq, side, True, -1, abs(hedge), abs(hedge), entry_arrival(now))
                )
                counts["hedges"] += 1
        if requote_ns > 0 and now < next_requote and state != t.CB_HALTED:
            continue
        if requote_ns > 0:
            next_requote = next_requote + requote_ns
            if next_requote <= now:
                next_requote = now - (now - (next_requote - requote_ns)) % requote_ns + requote_ns
        features_nb(params, sig, t_secs, mid, b * tick, a * tick, feat)
        q = core_ref.quote(p, table, cache, list(feat), position, float(now - t0), state, halted)
        for side in (1, -1):
            want_qty = q["bid_qty"] if side > 0 else q["ask_qty"]
            want_px = q["bid_px"] if side > 0 else q["ask_px"]
            want_tick = to_tick(want_px) if want_qty > 0 else None
            keep = False
            for o in sorted(orders, key=lambda o: o.seq):
                if o.side != side or o.taker or o.cancel_sent:
                    continue
                if o.tick == want_tick and not keep:
                    keep = True
                    continue
                o.cancel_sent = True
                counts["cancels"] += 1
                arrive = entry_arrival(now)
                if o.status != "done":
                    o.cancel_at = arrive
            if keep or want_tick is None or len(orders) >= MAX_ORDERS:
                continue
            seq += 1
            orders.append(
                _Order(seq, side, False, want_tick, want_qty, want_qty, entry_arrival(now))
            )
            counts["orders"] += 1
    return fills, {"cash": cash, "position": position, "fees": fees, **counts}
