"""``task=calibrate``: load or generate the events, run the pipeline, write the record.

Events: ``task.events_path`` (a .npy of ``EVENT_DTYPE``) or the market layer: ``kind: scenario`` via
``corp.market.scenarios.generate``; ``kind: synthetic`` as the same generator with Poisson flow
(alpha = 0) and the synthetic market's rate. Steps 2.4 and 2.5 sweep the offline engine
(``corp.backtest.calibration_engine``) on the spec's parameters; where it cannot run (GLFT exact)
they are reported as skipped in the record, never faked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from corp.backtest.calibration import Backtester
from corp.backtest.calibration_report import write_calibration_record
from corp.backtest.calibration_run import ProposedChange, propose_changes, run_calibration
from corp.backtest.validate import validate_events
from corp.errors import DataError
from corp.market.scenarios import ScenarioParams, generate, params_from_spec
from corp.market.types import EVENT_DTYPE
from corp.spec.identity import pack_identity
from corp.spec.run import RunSpec

__all__ = ["CalibrateResult", "calibrate", "load_events"]


@dataclass(frozen=True)
class CalibrateResult:
    run_dir: Path
    files: tuple[Path, ...]
    changes: tuple[ProposedChange, ...]
    skipped: tuple[str, ...]

    def lines(self) -> list[str]:
        out = [f"calibration record: {self.run_dir}"]
        out += [
            f"  {c.risk} {c.path}: {c.current} -> {c.proposed:.6g}  ({c.evidence})"
            for c in self.changes
        ]
        out += [f"  skipped: {s}" for s in self.skipped]
        return out


def load_events(path: Path) -> np.ndarray:
    """A recorded stream: .npy of EVENT_DTYPE (no pickles), checked row by row as the engine
    checks its input (finite positive prices, sizes, non-decreasing timestamps)."""
    try:
        ev = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"task.events_path: cannot read {str(path)!r}: {exc}") from exc
    if ev.dtype.names is None or set(EVENT_DTYPE.names or ()) - set(ev.dtype.names):
        raise DataError(
            f"task.events_path: {str(path)!r} must hold EVENT_DTYPE records, had dtype {ev.dtype}"
        )
    try:
        validate_events(ev)
    except DataError as exc:
        raise DataError(f"task.events_path: {str(path)!r}: {exc}") from exc
    return ev


def engine_backtester_for(spec: RunSpec) -> tuple[Backtester | None, str]:
    """The offline engine on this spec's parameters as the 2.4/2.5 sweep backtester, or None and
    why not (GLFT's exact solution needs a value table per inventory grid, which the sweep would
    have to rebuild for each candidate limit)."""
    s = spec.strategy
    if getattr(s, "solution", None) == "exact":
        return None, "GLFT solution=exact: sweep with solution=closed_form"
    from corp.backtest.calibration_engine import engine_backtester
    from corp.core.params import pack_run_spec, param_vector

    return engine_backtester(param_vector(**pack_run_spec(spec))), ""


def _market_params(spec: RunSpec) -> ScenarioParams:
    params = params_from_spec(spec.market)
    if spec.market.kind == "synthetic":
        params = replace(params, hawkes_alpha_per_sec=0.0, stress="none")
    return params


def calibrate(
    spec: RunSpec, *, repo_root: Path, backtester: Backtester | None = None
) -> CalibrateResult:
    """Run the pipeline; 2.4/2.5 sweep ``backtester`` (default: the offline engine on ``spec``)."""
    task = spec.task
    why_none = "no backtester given"
    if backtester is None:
        backtester, why_none = engine_backtester_for(spec)
    events_path = getattr(task, "events_path", None)
    if events_path:
        path = Path(events_path)
        events = load_events(path if path.is_absolute() else repo_root / path)
        source = f"recorded events {events_path}"
        stress: list[np.ndarray] = []
    else:
        params = _market_params(spec)
        events = generate(params).events
        source = f"market={spec.market.kind} (stress {params.stress}, seed {params.seed})"
        stress = (
            [
                generate(
                    replace(
                        params,
                        stress=s,
                        sell_share=0.8,
                        intensity_multiplier=3.0,
                        spread_multiplier=5.0,
                        depth_multiplier=0.2,
                        event_start_secs=params.duration_secs / 2,
                        event_duration_secs=min(60.0, params.duration_secs / 4),
                    )
                ).events
                for s in ("flash_crash", "inventory_stress")
            ]
            if backtester is not None
            else []
        )
    try:
        result = run_calibration(
            events,
            spec,
            source=source,
            backtester=backtester,
            no_backtester_reason=why_none,
            stress_events=stress,
            inventory_candidates_lots=getattr(task, "inventory_candidates_lots", (1,)),
            skew_candidates=getattr(task, "skew_candidates", (0.5,)),
        )
    except DataError as exc:  # name the input the estimators could not use
        where = f"task.events_path: {events_path!r}" if events_path else f"market ({source})"
        raise DataError(f"{where}: {exc}") from exc
    changes = propose_changes(spec, result)
    ident = pack_identity(spec)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    results_dir = Path(getattr(task, "results_dir", "results"))
    base = results_dir if results_dir.is_absolute() else repo_root / results_dir
    run_dir = base / f"{stamp}-calibrate-{ident.sha256[:12]}"
    files = write_calibration_record(run_dir, result, changes, ident.line())
    skipped = tuple(
        f"{name}: {block.reason}"
        for name, block in (("2.4 inventory limit", result.inventory), ("2.5 skew", result.skew))
        if block.status == "skipped"
    )
    return CalibrateResult(run_dir, tuple(files), tuple(changes), skipped)
