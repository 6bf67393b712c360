"""Simulator memory over run length: bounded history (the default) against keeping everything.

One simulated run = the background market stepped every 100 ms (as the server's stepper does)
plus a maker that cancels and re-places a post-only bid and ask on every step (20 orders/s), all
in-process on a simulated clock. The baseline keeps every closed order, fill and refusal
(``Retention`` with every bound off: what the simulator did before history was bounded), run in
the same script at the same run lengths. Each run is its own child process, so RSS is that run's
alone: once untraced (wall time, RSS growth) and once under tracemalloc (live Python heap).

    .venv/bin/python benchmarks/bench_sim_memory.py [--minutes 10 100 300] [--keep-all-max 100]

The bounded heap levels off once each account's caps are full (about an hour of this flow);
runs longer than ``--keep-all-max`` minutes skip the baseline, which grows ~5 MiB a minute.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import time
import tracemalloc
from decimal import Decimal

from corp.venues.okx_sim.exchange import Retention, fmt
from corp.venues.okx_sim.server import SimConfig, build_state

STEP_MS = 100
KEEP_ALL = Retention(None, None, None, None, None, None)


def rss_mb() -> float:
    """Resident set size of this process now (Linux /proc), MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def simulate(minutes: float, bounded: bool, traced: bool) -> dict[str, float]:
    """Run ``minutes`` of simulated flow; return memory, time and entry counts at the end."""
    build_state(SimConfig(seed=0, step_ms=0)).step_market(1.0)  # JIT-compile the flow first
    clock = [1_700_000_000_000]
    rss_start = rss_mb()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    state = build_state(
        SimConfig(seed=1, step_ms=0),
        clock_ms=lambda: clock[0],
        retention=None if bounded else KEEP_ALL,
    )
    ex, market = state.exchange, state.market
    assert market is not None
    seq = 0
    for _ in range(int(minutes * 60_000 / STEP_MS)):
        clock[0] += STEP_MS
        state.step_market(STEP_MS / 1000)
        for order in ex.open_orders("mm", "BTC-USDT"):
            ex.cancel("mm", "BTC-USDT", str(order.ord_id), None)
        fair = Decimal(str(market.fair["BTC-USDT"])).quantize(Decimal("0.1"))
        for side, offset in (("buy", Decimal("-1.5")), ("sell", Decimal("1.5"))):
            seq += 1
            ex.place(
                "mm",
                {
                    "instId": "BTC-USDT",
                    "side": side,
                    "ordType": "post_only",
                    "px": fmt(fair + offset),
                    "sz": "0.01",
                    "clOrdId": f"mm{seq}",
                },
            )
    out = {
        "secs": time.perf_counter() - start,
        "rss_growth_mb": rss_mb() - rss_start,
        "orders": len(ex.orders),
        "fills": sum(len(f) for f in ex.fills.values()),
        "client_ids": len(ex.by_client_id),
        "placed": ex._next_ord_id - 600_000_000_000,
    }
    if traced:
        out["traced_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
    return out


def _child(minutes: float, bounded: bool, traced: bool, conn: object) -> None:
    conn.send(json.dumps(simulate(minutes, bounded, traced)))  # type: ignore[attr-defined]


def in_child(minutes: float, bounded: bool, traced: bool) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(minutes, bounded, traced, child))
    proc.start()
    result = json.loads(parent.recv())
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, nargs="+", default=[10.0, 100.0, 300.0])
    parser.add_argument("--keep-all-max", type=float, default=100.0)
    args = parser.parse_args()
    print(f"okx_sim memory: background market + maker requoting every {STEP_MS} ms, simulated")
    header = (
        f"{'run':>7} {'history':>10} {'orders':>9} {'fills':>8} {'clOrdIds':>9} "
        f"{'RSS +MiB':>9} {'heap MiB':>9} {'secs':>7}"
    )
    print(header)
    rows = {}
    for minutes in args.minutes:
        for bounded in (False, True):
            if not bounded and minutes > args.keep_all_max:
                continue
            plain = in_child(minutes, bounded, traced=False)
            traced = in_child(minutes, bounded, traced=True)
            rows[(minutes, bounded)] = (plain, traced)
            print(
                f"{minutes:5.0f} m {'bounded' if bounded else 'keep-all':>10} "
                f"{plain['orders']:9.0f} {plain['fills']:8.0f} {plain['client_ids']:9.0f} "
                f"{plain['rss_growth_mb']:9.1f} {traced['traced_mb']:9.1f} {plain['secs']:7.1f}"
            )
    print("bounded / keep-all (same script, same flow, same seed)")
    for minutes in args.minutes:
        if (minutes, False) not in rows:
            continue
        (keep_plain, keep_traced), (b_plain, b_traced) = (
            rows[(minutes, False)],
            rows[(minutes, True)],
        )
        print(
            f"{minutes:5.0f} m  heap {b_traced['traced_mb'] / keep_traced['traced_mb']:.3f}x  "
            f"RSS growth {b_plain['rss_growth_mb'] / max(keep_plain['rss_growth_mb'], 1e-9):.3f}x  "
            f"time {b_plain['secs'] / keep_plain['secs']:.2f}x  "
            f"({b_plain['placed']:.0f} orders placed)"
        )
    for bounded in (False, True):
        lengths = sorted(m for m, b in rows if b == bounded)
        for lo, hi in itertools.pairwise(lengths):
            a, b = rows[(lo, bounded)][1], rows[(hi, bounded)][1]
            print(
                f"heap at {hi:.0f} m / at {lo:.0f} m, {'bounded' if bounded else 'keep-all'}: "
                f"{b['traced_mb'] / a['traced_mb']:.2f}x for {hi / lo:.1f}x the run"
            )


if __name__ == "__main__":
    main()
