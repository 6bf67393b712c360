"""Run the same AS market maker in hftbacktest (executed by the benchmark in its own venv).

Reads a CORP event stream (.npy, corp.market.types.EVENT_DTYPE layout) and a JSON of parameters,
converts the stream to hftbacktest's event format, runs the strategy twice (the first run compiles)
and prints one JSON line with the timing, fills and PnL of the second run. It imports nothing from
CORP, so it runs in a venv where only hftbacktest is installed.
"""

from __future__ import annotations

import json
import math
import sys
import time

import numpy as np
from hftbacktest import (
    BUY_EVENT,
    DEPTH_EVENT,
    EXCH_EVENT,
    GTX,
    LIMIT,
    LOCAL_EVENT,
    SELL_EVENT,
    TRADE_EVENT,
    BacktestAsset,
    HashMapMarketDepthBacktest,
)
from hftbacktest.binding import event_dtype
from numba import njit


def convert(ev: np.ndarray) -> np.ndarray:
    out = np.zeros(ev.size, dtype=event_dtype)
    kind = np.where(ev["kind"] == 2, TRADE_EVENT, DEPTH_EVENT).astype(np.uint64)
    side = np.where(ev["side"] > 0, BUY_EVENT, SELL_EVENT).astype(np.uint64)
    out["ev"] = kind | side | np.uint64(EXCH_EVENT) | np.uint64(LOCAL_EVENT)
    out["exch_ts"] = ev["exch_ts_ns"]
    out["local_ts"] = ev["local_ts_ns"]
    out["px"] = ev["price"]
    out["qty"] = ev["qty"]
    return out


MODE_EVERY_EVENT = 0  # wake on every market event (wait_next_feed)
MODE_TIMER = 1  # wake every interval (elapse): hftbacktest's idiomatic timer
MODE_GATED = 2  # wake on events, decide on the first event after each interval (CORP's rule)


@njit
def as_quotes(mid, q, gamma, sigma, k, tick, best_bid, best_ask):
    # the same formulas, rounding and clamping as corp.core.quote (AS, infinite horizon, tau = 1)
    var_tau = sigma * sigma
    reservation = mid - q * gamma * var_tau
    x = gamma / k
    log_term = (1.0 - x / 2.0 + x * x / 3.0) / k if x < 1e-8 else math.log1p(x) / gamma
    half = 0.5 * gamma * var_tau + log_term
    bid = math.floor((reservation - half) / tick + 1e-9) * tick
    ask = math.ceil((reservation + half) / tick - 1e-9) * tick
    if bid >= best_ask - 0.5 * tick:
        bid = best_ask - tick
    if ask <= best_bid + 0.5 * tick:
        ask = best_bid + tick
    return bid, ask


@njit
def sizes(q, base, limit, shape, lot):
    ratio = min(abs(q) / limit, 1.0)
    shrink = 1.0 - ratio**shape
    bid_qty = base * shrink if q > 0.0 else base
    ask_qty = base * shrink if q < 0.0 else base
    bid_qty = min(bid_qty, max(limit - q, 0.0))
    ask_qty = min(ask_qty, max(limit + q, 0.0))
    return math.floor(bid_qty / lot + 1e-9) * lot, math.floor(ask_qty / lot + 1e-9) * lot


@njit
def strategy(hbt, mode, interval_ns, gamma, sigma, k, base, limit, shape):
    order_id = 0
    bid_id = -1
    ask_id = -1
    bid_tick = -1
    ask_tick = -1
    decisions = 0
    next_ns = -1
    while True:
        if mode == MODE_TIMER:
            rc = hbt.elapse(interval_ns)
        else:
            rc = hbt.wait_next_feed(False, 1_000_000_000_000)
        if rc == 1:
            break
        if mode == MODE_GATED:
            # CORP's rule: decide on the first market event at or after each interval boundary
            now = hbt.current_timestamp
            if next_ns < 0:
                next_ns = now
            if now < next_ns:
                continue
            prev_ns = next_ns
            next_ns = prev_ns + interval_ns
            if next_ns <= now:
                next_ns = now - (now - prev_ns) % interval_ns + interval_ns
        depth = hbt.depth(0)
        tick = depth.tick_size
        lot = depth.lot_size
        if depth.best_bid_tick <= -2147483647 or depth.best_ask_tick >= 2147483647:
            continue
        best_bid = depth.best_bid
        best_ask = depth.best_ask
        mid = (best_bid + best_ask) / 2.0
        q = hbt.position(0)
        decisions += 1
        bid_px, ask_px = as_quotes(mid, q, gamma, sigma, k, tick, best_bid, best_ask)
        bid_qty, ask_qty = sizes(q, base, limit, shape, lot)
        want_bid = round(bid_px / tick) if bid_qty > 0 else -1
        want_ask = round(ask_px / tick) if ask_qty > 0 else -1
        hbt.clear_inactive_orders(0)
        orders = hbt.orders(0)
        # like CORP's loop: a replacement is sent right after the cancel, not after its ack
        # bid side
        live_bid = bid_id >= 0 and orders.get(bid_id) is not None
        if live_bid and bid_tick != want_bid:
            o = orders.get(bid_id)
            if o.cancellable:
                hbt.cancel(0, bid_id, False)
                live_bid = False
        if not live_bid and want_bid >= 0:
            order_id += 1
            hbt.submit_buy_order(0, order_id, want_bid * tick, bid_qty, GTX, LIMIT, False)
            bid_id = order_id
            bid_tick = want_bid
        # ask side
        live_ask = ask_id >= 0 and orders.get(ask_id) is not None
        if live_ask and ask_tick != want_ask:
            o = orders.get(ask_id)
            if o.cancellable:
                hbt.cancel(0, ask_id, False)
                live_ask = False
        if not live_ask and want_ask >= 0:
            order_id += 1
            hbt.submit_sell_order(0, order_id, want_ask * tick, ask_qty, GTX, LIMIT, False)
            ask_id = order_id
            ask_tick = want_ask
    return decisions


def run(events: np.ndarray, cfg: dict, mode: int) -> dict:
    asset = (
        BacktestAsset()
        .data([events])
        .linear_asset(1.0)
        .constant_order_latency(cfg["entry_latency_ns"], cfg["response_latency_ns"])
        .risk_adverse_queue_model()
        .no_partial_fill_exchange()
        .trading_value_fee_model(cfg["maker_fee_frac"], cfg["taker_fee_frac"])
        .tick_size(cfg["tick_size"])
        .lot_size(cfg["lot_size"])
        .last_trades_capacity(0)
    )
    hbt = HashMapMarketDepthBacktest([asset])
    started = time.perf_counter()
    decisions = strategy(
        hbt,
        mode,
        cfg["interval_ns"],
        cfg["gamma"],
        cfg["sigma"],
        cfg["k"],
        cfg["base_size"],
        cfg["inventory_limit"],
        cfg["size_shape"],
    )
    elapsed = time.perf_counter() - started
    sv = hbt.state_values(0)
    depth = hbt.depth(0)
    mid = (depth.best_bid + depth.best_ask) / 2.0
    result = {
        "elapsed_secs": elapsed,
        "events_per_sec": events.size / elapsed,
        "fills": int(sv.num_trades),
        "position": float(sv.position),
        "fees": float(sv.fee),
        "pnl": float(sv.balance + sv.position * mid - sv.fee),
        "volume": float(sv.trading_volume),
        "decisions": int(decisions),
    }
    hbt.close()
    return result


def main() -> None:
    stream_path, cfg_path = sys.argv[1], sys.argv[2]
    with open(cfg_path) as fh:
        cfg = json.loads(fh.read())
    raw = np.load(stream_path)
    events = convert(raw)
    out = {}
    modes = (
        ("every_event", MODE_EVERY_EVENT),
        ("every_100ms", MODE_GATED),
        ("every_100ms_timer", MODE_TIMER),
    )
    for name, mode in modes:
        run(events[: min(events.size, 20_000)], cfg, mode)  # compile
        runs = [run(events, cfg, mode) for _ in range(3)]  # best of 3, as for CORP
        out[name] = max(runs, key=lambda r: r["events_per_sec"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
