"""``task=run`` with ``mode=offline``: spec -> events -> engine -> summary -> ``results/<run_id>/``.

``run_offline_spec(spec)`` builds the event stream the spec's market describes, packs the spec
into the engine's parameter vector (`corp.core.params.pack_run_spec`), runs the njit loop with a
progress bar for long streams, prints the summary table and writes, under
``results/<run_id>/``: the resolved spec, the pack identity, the policy report it ran under
(warnings, waivers, the command-line overrides), the summary, the fills and the downsampled
records, and a manifest listing every file with its sha256.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from corp.backtest._njit_cache import sources_digest
from corp.backtest.engine import iter_chunks, run_backtest
from corp.backtest.summary import Summary, summarize, summary_table
from corp.core import types as ct
from corp.core.glft import glft_exact_table
from corp.core.params import pack_run_spec, param_vector
from corp.market.synthetic import SyntheticMarket, compose_stream

__all__ = ["OfflineRun", "events_for_spec", "run_offline_spec", "warm_up"]

START_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z: fixed so a seed fixes the stream
PROGRESS_ABOVE_EVENTS = 2_000_000
CHUNK_ROWS = 1_000_000
WARM_UP_ROWS = 512


@dataclass(frozen=True)
class OfflineRun:
    """What an offline run produced and where it wrote it."""

    run_id: str
    run_dir: Path
    summary: Summary
    files: dict[str, str]
    identity_line: str | None = None
    """The pack identity (name, version, sha256) the run traded, printed first."""

    def lines(self) -> list[str]:
        s = self.summary
        return [
            *([self.identity_line] if self.identity_line else []),
            f"run {self.run_id}: {s.n_events:,} events, PnL {s.total_pnl_quote:,.4f} quote, "
            f"fills {s.fills_maker}/{s.fills_taker} (maker/taker), breaker {s.breaker_final_state}"
            + (", awaiting manual confirmation" if s.awaiting_manual_resume else ""),
            f"results: {self.run_dir}",
        ]


def events_for_spec(spec: Any) -> np.ndarray:
    """The event stream of ``spec.market`` (synthetic walk or a Hawkes scenario family)."""
    market = spec.market
    if market.kind == "scenario":
        from corp.market.scenarios import generate, params_from_spec

        return generate(params_from_spec(market)).events
    sigma = market.base_price_quote * market.volatility_daily_pct / math.sqrt(86_400.0)
    shape = SyntheticMarket(
        start_ns=START_NS,
        mid0_quote=market.base_price_quote,
        tick_size=market.tick_size_quote,
        lot_size=market.lot_size_base,
        sigma_quote_per_sqrt_sec=sigma,
        feed_latency_ns=int(spec.mode.feed_latency_ms * 1_000_000),
        n_levels=market.book_levels,
        level_gap_ticks=market.book_level_gap_ticks,
        trade_reach_quote=market.trade_reach_bps * 1e-4 * market.base_price_quote,
        trade_size_min_base=market.trade_size_min_base,
        trade_size_tail_alpha=market.trade_size_tail_alpha,
    )
    return compose_stream(
        duration_secs=market.duration_secs,
        seed=market.seed,
        market=shape,
        trade_rate_per_sec=market.trade_rate_per_sec / 2.0,
    )


def _glft_table(spec: Any, params: np.ndarray) -> np.ndarray | None:
    st = spec.strategy
    if st.kind != "glft" or st.solution != "exact":
        return None
    return glft_exact_table(
        gamma=float(params[ct.P_GAMMA]),
        sigma=float(params[ct.P_SIGMA]),
        k=float(params[ct.P_K]),
        A=float(params[ct.P_A]),
        q_max_lots=max(int(st.inventory_limit) // int(st.order_size_lots), 1),
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True, allow_nan=False) + "\n")


def warm_up(
    events: np.ndarray, params: np.ndarray, table: np.ndarray | None, console: Console
) -> float:
    """Run the loop on the stream's first rows so numba compiles (first run on a machine, ~10 s)
    or loads its cache (~0.3 s) before the timed run; returns the seconds it took.

    Without it the first run's ns/event counted the compiler, and its progress bar sat at zero with
    no word of why. The prefix has the real stream's dtypes and the real parameters, so the timed
    run finds every kernel already specialised.
    """
    started = time.perf_counter()
    with console.status("engine: compiling the numba kernels (cached for later runs)"):
        run_backtest(events[:WARM_UP_ROWS], params, glft_table=table)
    return time.perf_counter() - started


def run_offline_spec(
    spec: Any,
    *,
    results_dir: Path = Path("results"),
    run_id: str | None = None,
    console: Console | None = None,
    identity: Any = None,
    policy: Any = None,
    overrides: tuple[str, ...] = (),
) -> OfflineRun:
    """Run ``spec`` offline and write ``results/<run_id>/``; return the summary and paths.

    ``policy`` (a `PolicyReport`) and ``overrides`` (the command line) are recorded as
    ``policy.json`` so a run directory shows which warnings and waivers it ran under.
    """
    console = console or Console()
    params = param_vector(**pack_run_spec(spec))
    table = _glft_table(spec, params)
    events = events_for_spec(spec)
    rid = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    run_dir = Path(results_dir) / rid
    run_dir.mkdir(parents=True, exist_ok=False)

    startup_secs = warm_up(events, params, table, console)
    if events.size > PROGRESS_ABOVE_EVENTS:
        with Progress(
            TextColumn("backtest"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
            TimeRemainingColumn(), console=console,
        ) as bar:  # fmt: skip
            task = bar.add_task("run", total=int(events.size))
            result = run_backtest(
                iter_chunks(events, CHUNK_ROWS), params, glft_table=table,
                on_progress=lambda n: bar.update(task, completed=n),
            )  # fmt: skip
    else:
        result = run_backtest(events, params, glft_table=table)
    summary = summarize(result, startup_secs=startup_secs)
    console.print(summary_table(summary, title=f"CORP offline run {rid}"))

    files = {
        "spec.json": lambda p: _write_json(p, spec.model_dump(mode="json")),
        "summary.json": lambda p: _write_json(p, summary.to_dict()),
        "identity.json": lambda p: _write_json(
            p,
            {
                "pack": None if identity is None else identity.line(),
                "pack_sha256": None if identity is None else identity.sha256,
                "engine_sources_sha256": sources_digest(),
                "params": params.tolist(),
            },
        ),
        "fills.npy": lambda p: np.save(p, result.fills),
        "records.npy": lambda p: np.save(p, result.records),
    }
    if policy is not None:
        record = policy.to_dict() | {"overrides": list(overrides)}
        files["policy.json"] = lambda p: _write_json(p, record)
    digests: dict[str, str] = {}
    for name, write in files.items():
        path = run_dir / name
        write(path)
        digests[name] = _sha256(path)
    _write_json(
        run_dir / "manifest.json",
        {
            "run_id": rid,
            "created_utc": datetime.now(UTC).isoformat(),
            "mode": "offline",
            "status": "completed",
            "compute_secs": summary.compute_secs,
            "startup_secs": summary.startup_secs,
            "files": [{"name": n, "sha256": d, "bytes": (run_dir / n).stat().st_size}
                      for n, d in digests.items()],
        },
    )  # fmt: skip
    return OfflineRun(rid, run_dir, summary, digests, None if identity is None else identity.line())
