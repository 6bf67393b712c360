"""Rank the points of a sweep (``python -m corp -m ...``) by their offline run summaries.

The seed (5.2) asks for the best Sharpe *inside* the feasible region, not the best Sharpe overall:
a point whose circuit breaker ended HALTED, or that never traded, is ranked after every point that
traded and stayed live, whatever its Sharpe. Inside each group points are ordered by Sharpe, then
total PnL (both descending); a NaN Sharpe (no variance: no fills) sorts last.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from corp.backtest.summary import Summary

__all__ = ["RankedPoint", "rank_points", "ranking_table", "swept_overrides", "write_ranking"]


@dataclass(frozen=True)
class RankedPoint:
    """One sweep point: its job number, its overrides and its summary."""

    job: int
    overrides: tuple[str, ...]
    summary: Summary

    @property
    def feasible(self) -> bool:
        """Traded at least once and did not end HALTED (seed 5.2's feasible region)."""
        s = self.summary
        return (s.fills_maker + s.fills_taker) > 0 and s.breaker_final_state != "halted"


def _key(point: RankedPoint) -> tuple[int, float, float]:
    sharpe = point.summary.sharpe_annualised
    pnl = point.summary.total_pnl_quote
    return (
        0 if point.feasible else 1,
        -sharpe if math.isfinite(sharpe) else math.inf,
        -pnl if math.isfinite(pnl) else math.inf,
    )


def rank_points(points: Sequence[RankedPoint]) -> list[RankedPoint]:
    """Best first (see the module docstring for the order)."""
    return sorted(points, key=_key)


def swept_overrides(points: Sequence[RankedPoint]) -> dict[int, tuple[str, ...]]:
    """Per job, only the overrides that differ between points (what the sweep varied)."""
    common = set.intersection(*(set(p.overrides) for p in points)) if points else set()
    return {p.job: tuple(o for o in p.overrides if o not in common) for p in points}


def ranking_table(ranked: Sequence[RankedPoint]) -> Table:
    """The ranked points as a rich table (the sweep's closing print); overrides shared by every
    point are named once in the caption, each row shows what its point varied."""
    varied = swept_overrides(ranked)
    common = sorted(set(ranked[0].overrides) - set(varied[ranked[0].job])) if ranked else []
    table = Table(
        title=f"sweep ranking ({len(ranked)} points, best first)",
        caption=("common: " + " ".join(common)) if common else None,
    )
    for name, justify in (
        ("rank", "right"),
        ("job", "right"),
        ("overrides", "left"),
        ("Sharpe", "right"),
        ("PnL (quote)", "right"),
        ("max DD (quote)", "right"),
        ("fills m/t", "right"),
        ("inv half-life (s)", "right"),
        ("breaker", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for rank, p in enumerate(ranked, start=1):
        s = p.summary
        table.add_row(
            str(rank),
            str(p.job),
            " ".join(varied[p.job]) or "(defaults)",
            f"{s.sharpe_annualised:.2f}",
            f"{s.total_pnl_quote:,.4f}",
            f"{s.max_drawdown_quote:,.4f}",
            f"{s.fills_maker}/{s.fills_taker}",
            f"{s.inventory_half_life_secs:.2f}",
            s.breaker_final_state + ("" if p.feasible else " (infeasible)"),
        )
    return table


def write_ranking(ranked: Sequence[RankedPoint], path: Path) -> None:
    """``ranking.json`` next to the sweep's job folders: the same order, the full summaries."""
    rows = [
        {
            "rank": rank,
            "job": p.job,
            "overrides": list(p.overrides),
            "feasible": p.feasible,
            "summary": p.summary.to_dict(),
        }
        for rank, p in enumerate(ranked, start=1)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2) + "\n")
