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
from corp.spec.task import CalibrateTask

__all__ = ["CalibrateResult", "calibrate", "load_events", "stress_streams"]


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


def stress_streams(params: ScenarioParams, task: CalibrateTask) -> list[np.ndarray]:
    """Seed 2.4's stress streams: the market layer's stream under each configured family, with the
    window and intensities of ``task.stress_*`` (the window is cut at the end of the stream)."""
    start_secs = task.stress_start_fraction * params.duration_secs
    window = replace(
        params,
        sell_share=task.stress_sell_share,
        intensity_multiplier=task.stress_intensity_multiplier,
        spread_multiplier=task.stress_spread_multiplier,
        depth_multiplier=task.stress_depth_multiplier,
        event_start_secs=start_secs,
        event_duration_secs=min(task.stress_duration_secs, params.duration_secs - start_secs),
    )
    return [generate(replace(window, stress=family)).events for family in task.stress_scenarios]


def stress_description(task: CalibrateTask) -> str:
    """How the stress streams were made, for the record's source line."""
    return (
        f"{', '.join(task.stress_scenarios)} (window {task.stress_duration_secs:g} s from "
        f"{task.stress_start_fraction:.0%} of the stream, sell share {task.stress_sell_share:g}, "
        f"intensity x{task.stress_intensity_multiplier:g}, spread "
        f"x{task.stress_spread_multiplier:g}, depth x{task.stress_depth_multiplier:g})"
    )


def calibrate(
    spec: RunSpec, *, repo_root: Path, backtester: Backtester | None = None
) -> CalibrateResult:
    """Run the pipeline; 2.4/2.5 sweep ``backtester`` (default: the offline engine on ``spec``)."""
    task = spec.task
    if not isinstance(task, CalibrateTask):
        raise TypeError(f"calibrate needs a task=calibrate spec, got task={task.name}")
    why_none = "no backtester given"
    if backtester is None:
        backtester, why_none = engine_backtester_for(spec)
    events_path = task.events_path
    if events_path:
        path = Path(events_path)
        events = load_events(path if path.is_absolute() else repo_root / path)
        source = f"recorded events {events_path}; 2.4 stress: the recorded stream itself"
        stress: list[np.ndarray] = []
    else:
        params = _market_params(spec)
        events = generate(params).events
        source = (
            f"market={spec.market.kind} (stress {params.stress}, seed {params.seed}); "
            f"2.4 stress: {stress_description(task)}"
        )
        stress = stress_streams(params, task) if backtester is not None else []
    try:
        result = run_calibration(
            events,
            spec,
            source=source,
            backtester=backtester,
            no_backtester_reason=why_none,
            stress_events=stress,
            inventory_candidates_lots=task.inventory_candidates_lots,
            skew_candidates=task.skew_candidates,
        )
    except DataError as exc:  # name the input the estimators could not use
        where = f"task.events_path: {events_path!r}" if events_path else f"market ({source})"
        raise DataError(f"{where}: {exc}") from exc
    changes = propose_changes(spec, result)
    ident = pack_identity(spec)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    results_dir = Path(task.results_dir)
    base = results_dir if results_dir.is_absolute() else repo_root / results_dir
    run_dir = base / f"{stamp}-calibrate-{ident.sha256[:12]}"
    files = write_calibration_record(run_dir, result, changes, ident.line())
    skipped = tuple(
        f"{name}: {block.reason}"
        for name, block in (("2.4 inventory limit", result.inventory), ("2.5 skew", result.skew))
        if block.status == "skipped"
    )
    return CalibrateResult(run_dir, tuple(files), tuple(changes), skipped)
