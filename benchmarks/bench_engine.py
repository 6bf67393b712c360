"""Engine speed: CORP's njit backtest against hftbacktest on one stream; start-up and memory.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--hours 6] [--rounds 3] [--skip-hftbacktest]``

* One synthetic stream (corp.market.synthetic, seed 1) is run by the Avellaneda–Stoikov strategy
  in CORP and in hftbacktest with the same latencies (1 ms entry, 1 ms response), the risk-averse
  queue model, whole-order fills (hftbacktest's partial_fill_exchange stops runs early: its issues
  #273 and #301; we saw it abort allocating 4 GiB on this stream), the same maker rebate/taker fee,
  tick and lot; requoting on every event and every 100 ms. Prints events/s of both, their
  ratio, and fills and PnL side by side. "every_100ms" gives hftbacktest CORP's rule (decide on
  the first market update at or after each 100 ms boundary); "hbt timer" is hftbacktest's own
  ``elapse(100 ms)`` clock, which decides at the boundary itself, hence different fills.
* Both engines act once per local instant: rows received at one timestamp are one update
  (hftbacktest's ``wait_next_feed`` returns after all of them). With that rule fills agree to
  within 0.1 % on the 6 h stream (every event: 50214 vs 50252; every 100 ms: 48207 both).
* CORP's events/s is wall time of the whole ``run_backtest`` call (input validation, the tick
  pre-pass, allocation, the loop, draining the buffers); hftbacktest's excludes its data loading.
  The ratio is the figure that counts (both engines share the machine the same way); the target
  is CORP >= 2x hftbacktest in each mode. On the 2-core build machine, 6 h stream, best of 3
  rounds: every event 18.1 M vs 4.4 M events/s (4.1x), every 100 ms 21.2 M vs 6.9 M (3.1x).
  Before the loop stopped paying numba's reference counting per helper call (see
  ``corp.backtest.loop``), the same bench gave CORP 6.9 M vs 4.5 M (1.5x) and 8.0 M vs 7.1 M
  (1.1x).
* hftbacktest is never a CORP dependency: it lives in ``.benchmarks-env/hftbacktest`` (created
  here on first use: ``python3 -m venv .benchmarks-env/hftbacktest &&
  .benchmarks-env/hftbacktest/bin/pip install hftbacktest==2.4.4``) and runs
  ``benchmarks/_hbt_runner.py`` in a subprocess; its timing excludes its own JIT warm-up, as ours
  does.
* Cold/warm start: a fresh process importing the engine and running a small stream, with the numba
  cache present and with an empty cache (full compile), then a second run in the same process.
* Peak memory (max RSS of a fresh process) at 1x, 10x and 100x a base stream fed in chunks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corp.backtest import types as bt  # noqa: E402
from corp.backtest.engine import run_backtest  # noqa: E402
from corp.core import types as ct  # noqa: E402
from corp.core.params import param_vector  # noqa: E402
from corp.market.synthetic import compose_stream  # noqa: E402

HBT_ENV = ROOT / ".benchmarks-env" / "hftbacktest"
HBT_PY = HBT_ENV / "bin" / "python"
HBT_VERSION = "2.4.4"

SHARED = {
    "entry_latency_ns": 1_000_000,
    "response_latency_ns": 1_000_000,
    "maker_fee_frac": -0.0001,
    "taker_fee_frac": 0.0005,
    "tick_size": 0.01,
    "lot_size": 0.001,
    "interval_ns": 100_000_000,
    "gamma": 0.1,
    "sigma": 0.01,
    "k": 200.0,
    "base_size": 0.1,
    "inventory_limit": 1.0,
    "size_shape": 2.0,
}


def corp_params(requote_interval_ns: int) -> np.ndarray:
    """AS with the shared settings; breaker limits off so both engines quote the whole stream."""
    return param_vector(
        kind=ct.KIND_AS,
        base_spread_frac=0.0,  # no width floor: hftbacktest's strategy has none
        tick_size=SHARED["tick_size"],
        lot_size=SHARED["lot_size"],
        gamma=SHARED["gamma"],
        sigma=SHARED["sigma"],
        k=SHARED["k"],
        base_size=SHARED["base_size"],
        inventory_limit=SHARED["inventory_limit"],
        size_shape=SHARED["size_shape"],
        entry_latency_ns=SHARED["entry_latency_ns"],
        response_latency_ns=SHARED["response_latency_ns"],
        maker_fee_frac=SHARED["maker_fee_frac"],
        taker_fee_frac=SHARED["taker_fee_frac"],
        queue_model=ct.QUEUE_RISK_AVERSE,
        partial_fills=0,
        requote_interval_ns=requote_interval_ns,
        daily_loss_limit_frac=0.0,
        max_drawdown_frac=0.0,
        concentration_limit_frac=0.0,
    )


def run_corp(events: np.ndarray, requote_interval_ns: int, repeats: int = 3) -> dict[str, float]:
    params = corp_params(requote_interval_ns)
    run_backtest(events[:20_000], params)  # load the numba cache (or compile)
    best = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run_backtest(events, params)
        elapsed = time.perf_counter() - started
        if best is None or elapsed < best[0]:
            best = (elapsed, result)
    elapsed, result = best
    acct = result.acct
    mid = result.extra["final_mid"]
    return {
        "elapsed_secs": elapsed,
        "events_per_sec": events.size / elapsed,
        "loop_events_per_sec": events.size / result.elapsed_secs,  # without validation/setup
        "fills": int(acct[ct.A_MAKER_FILLS] + acct[ct.A_TAKER_FILLS]),
        "position": float(acct[ct.A_POSITION]),
        "fees": float(acct[ct.A_FEES]),
        "pnl": float(acct[ct.A_CASH] + acct[ct.A_POSITION] * mid - params[ct.P_INITIAL_CAPITAL]),
        "volume": float(acct[ct.A_MAKER_VOLUME] + acct[ct.A_TAKER_VOLUME]),
        "decisions": int(result.agg[bt.AG_QUOTE_DECISIONS]),
    }


def ensure_hftbacktest() -> bool:
    if HBT_PY.exists():
        return True
    print(f"creating {HBT_ENV} with hftbacktest=={HBT_VERSION} (benchmark only, not in CORP)")
    subprocess.run([sys.executable, "-m", "venv", str(HBT_ENV)], check=True)
    pip = HBT_ENV / "bin" / "pip"
    done = subprocess.run(
        [str(pip), "install", "--quiet", f"hftbacktest=={HBT_VERSION}"], check=False
    )
    return done.returncode == 0


def run_hftbacktest(events: np.ndarray, workdir: Path) -> dict[str, dict[str, float]]:
    stream = workdir / "stream.npy"
    cfg = workdir / "cfg.json"
    np.save(stream, events)
    cfg.write_text(json.dumps(SHARED))
    proc = subprocess.run(
        [
            str(HBT_PY),
            "-W",
            "ignore",
            str(ROOT / "benchmarks" / "_hbt_runner.py"),
            str(stream),
            str(cfg),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"hftbacktest runner failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


START_PROBE = """
import time, json
t0 = time.perf_counter()
from corp.backtest.engine import run_backtest
from corp.core.params import param_vector
from corp.market.synthetic import compose_stream
t_import = time.perf_counter() - t0
ev = compose_stream(duration_secs=600, seed=3)
p = param_vector(kind=1, k=200.0, lot_size=0.001)
t1 = time.perf_counter(); run_backtest(ev, p); t_first = time.perf_counter() - t1
t2 = time.perf_counter(); run_backtest(ev, p); t_second = time.perf_counter() - t2
print(json.dumps({"import": t_import, "first_run": t_first, "second_run": t_second}))
"""

MEMORY_PROBE = """
import json, resource, sys
import numpy as np
from corp.backtest.engine import run_backtest
from corp.core.params import param_vector
from corp.market.synthetic import compose_stream
copies = int(sys.argv[1])
base = compose_stream(duration_secs=3600, seed=4)
span = int(base["exch_ts_ns"][-1] - base["exch_ts_ns"][0]) + 1_000_000_000
def chunks():
    for i in range(copies):
        shifted = base.copy()
        shifted["exch_ts_ns"] += i * span
        shifted["local_ts_ns"] += i * span
        yield shifted
p = param_vector(kind=1, k=200.0, lot_size=0.001)
r = run_backtest(chunks(), p, keep_fills=False)
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"events": r.n_events, "max_rss_mb": rss_mb, "secs": r.elapsed_secs}))
"""


def probe(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=6.0, help="stream length in simulated hours")
    parser.add_argument("--skip-hftbacktest", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="alternating CORP/hbt rounds")
    args = parser.parse_args()
    console = Console(width=150)

    t = time.perf_counter()
    events = compose_stream(duration_secs=args.hours * 3600.0, seed=1)
    gen_secs = time.perf_counter() - t
    console.print(
        f"stream: {events.size:,} events ({args.hours} h simulated), generated in {gen_secs:.3f} s"
    )

    # rounds alternate the two engines so load from other processes on a shared machine hits
    # both alike; each engine keeps its best round per mode
    corp: dict[str, dict[str, float]] = {}
    hbt: dict[str, dict[str, float]] | None = None
    have_hbt = not args.skip_hftbacktest and ensure_hftbacktest()
    for _ in range(args.rounds):
        for mode, interval in (("every_event", 0), ("every_100ms", 100_000_000)):
            r = run_corp(events, interval)
            if mode not in corp or r["events_per_sec"] > corp[mode]["events_per_sec"]:
                corp[mode] = r
        if have_hbt:
            with tempfile.TemporaryDirectory() as tmp:
                h = run_hftbacktest(events, Path(tmp))
            if hbt is None:
                hbt = h
            else:
                for mode, r in h.items():
                    if r["events_per_sec"] > hbt[mode]["events_per_sec"]:
                        hbt[mode] = r

    table = Table(title=f"AS market maker, {events.size:,} events")
    for col in (
        "requote",
        "engine",
        "events/s",
        "ratio",
        "fills",
        "volume",
        "position",
        "fees",
        "PnL",
    ):
        table.add_column(col, justify="right")
    rows = (
        ("every_event", "every_event", "every_event"),
        ("every_100ms", "every_100ms", "every_100ms"),
        ("every_100ms (hbt timer)", "every_100ms", "every_100ms_timer"),
    )
    for label, corp_mode, hbt_mode in rows:
        c = corp[corp_mode]
        h = hbt.get(hbt_mode) if hbt else None
        ratio = f"{c['events_per_sec'] / h['events_per_sec']:.2f}x" if h else "-"
        for name, r, rt in (("CORP", c, ratio), ("hftbacktest", h, "1.00x")):
            if r is None:
                continue
            table.add_row(
                label, name, f"{r['events_per_sec'] / 1e6:.2f} M", rt, f"{r['fills']}",
                f"{r['volume']:.3f}", f"{r['position']:.3f}", f"{r['fees']:.4f}", f"{r['pnl']:.4f}",
            )  # fmt: skip
    console.print(table)
    for mode, c in corp.items():
        console.print(
            f"CORP {mode}: {c['loop_events_per_sec'] / 1e6:.2f} M events/s in the loop alone "
            "(the table's figure includes input validation and allocation; hftbacktest's "
            "excludes its data loading)"
        )

    warm_cache = probe(START_PROBE)
    with tempfile.TemporaryDirectory() as empty_cache:
        cold_cache = probe(START_PROBE, env={"NUMBA_CACHE_DIR": empty_cache})
    start = Table(title="engine start-up (fresh process, 600 s stream)")
    for col in ("numba cache", "import (s)", "first run (s)", "second run (s)"):
        start.add_column(col, justify="right")
    for name, r in (("present (warm)", warm_cache), ("empty (cold, compiles)", cold_cache)):
        start.add_row(name, f"{r['import']:.2f}", f"{r['first_run']:.2f}", f"{r['second_run']:.3f}")
    console.print(start)

    if not args.skip_memory:
        mem = Table(title="peak memory, chunked (1 h base stream repeated, keep_fills=False)")
        for col in ("copies", "events", "max RSS (MB)", "run (s)"):
            mem.add_column(col, justify="right")
        for copies in (1, 10, 100):
            r = probe(MEMORY_PROBE, str(copies))
            mem.add_row(
                str(copies), f"{r['events']:,}", f"{r['max_rss_mb']:.0f}", f"{r['secs']:.2f}"
            )
        console.print(mem)


if __name__ == "__main__":
    main()
