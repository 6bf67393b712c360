"""PreflightSweeper: validate every point of a sweep before the launcher starts any job.

Hydra's BasicSweeper only checks that each point composes, batch by batch, right before launching
that batch. A sweep whose tenth point breaks a policy rule would then have run nine jobs before
failing. This sweeper expands the whole sweep first (the same cartesian product BasicSweeper
launches), composes each point with Hydra's own config loader, validates it (RunSpec + policy)
and, when any point is invalid, lists every invalid point with its problems and exits 2 without
launching anything. It lives in ``hydra_plugins`` because Hydra only instantiates plugins there.
"""

from __future__ import annotations

import sys
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser

from corp.spec.preflight import format_preflight, mark_jobs_started, preflight_points

__all__ = ["PreflightSweeper"]


class PreflightSweeper(BasicSweeper):
    """BasicSweeper whose ``sweep`` refuses to launch when any point is invalid."""

    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None
        assert self.hydra_context is not None
        params_conf = self._parse_config()
        params_conf.extend(arguments)
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        batches = self.split_arguments(parser.parse_overrides(params_conf), None)
        points = [list(point) for batch in batches for point in batch]
        loader = self.hydra_context.config_loader
        reports = preflight_points(
            points, lambda point: loader.load_sweep_config(self.config, list(point))
        )
        bad = [report for report in reports if not report.ok]
        if bad:
            sys.stderr.write(format_preflight(reports))
            sys.stderr.flush()
            raise SystemExit(2)
        mark_jobs_started()
        returns = super().sweep(arguments)
        _print_ranking(returns, self.config)
        return returns


def _print_ranking(returns: Any, config: Any) -> None:
    """Close a sweep of offline runs with its ranked table (and ``ranking.json`` in the sweep dir).

    Jobs that failed, or tasks without a run summary (validate, show, ...), are left out."""
    from pathlib import Path

    from hydra.core.utils import JobStatus
    from rich.console import Console

    from corp.backtest.ranking import RankedPoint, rank_points, ranking_table, write_ranking

    points = []
    for batch in returns or []:
        for ret in batch:
            if ret.status != JobStatus.COMPLETED:
                continue
            summary = getattr(getattr(ret.return_value, "result", None), "summary", None)
            if summary is None:
                continue
            job = int(ret.hydra_cfg.hydra.job.num) if ret.hydra_cfg is not None else len(points)
            points.append(RankedPoint(job, tuple(ret.overrides or ()), summary))
    if not points:
        return
    ranked = rank_points(points)
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 160)
    console.print(ranking_table(ranked))
    write_ranking(ranked, Path(str(config.hydra.sweep.dir)) / "ranking.json")
