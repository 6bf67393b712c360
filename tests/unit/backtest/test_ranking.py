"""Sweep ranking: feasible points first, then Sharpe, then PnL (seed 5.2)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from corp.backtest.ranking import RankedPoint, rank_points, swept_overrides, write_ranking
from corp.backtest.summary import Summary

_BASE = {f.name: 0 for f in dataclasses.fields(Summary)} | {
    "time_in_state_secs": {"normal": 1.0},
    "breaker_final_state": "normal",
    "fills_maker": 10,
}


def _point(job: int, *, sharpe: float, pnl: float, **extra: object) -> RankedPoint:
    fields = _BASE | {"sharpe_annualised": sharpe, "total_pnl_quote": pnl} | extra
    return RankedPoint(job, (f"strategy.gamma=0.{job}", "market.seed=1"), Summary(**fields))


def test_higher_sharpe_ranks_first_and_pnl_breaks_ties() -> None:
    ranked = rank_points(
        [
            _point(0, sharpe=1.0, pnl=5.0),
            _point(1, sharpe=2.0, pnl=1.0),
            _point(2, sharpe=1.0, pnl=9.0),
        ]
    )
    assert [p.job for p in ranked] == [1, 2, 0]


def test_a_halted_or_idle_point_ranks_after_every_feasible_point_whatever_its_sharpe() -> None:
    halted = _point(0, sharpe=50.0, pnl=50.0, breaker_final_state="halted")
    idle = _point(1, sharpe=40.0, pnl=0.0, fills_maker=0)
    modest = _point(2, sharpe=0.1, pnl=0.1)
    ranked = rank_points([halted, idle, modest])
    assert ranked[0].job == 2
    assert not ranked[1].feasible
    assert not ranked[2].feasible


def test_a_nan_sharpe_sorts_after_finite_ones() -> None:
    ranked = rank_points([_point(0, sharpe=math.nan, pnl=100.0), _point(1, sharpe=-5.0, pnl=-1.0)])
    assert [p.job for p in ranked] == [1, 0]


def test_only_the_overrides_that_vary_are_shown_per_point() -> None:
    varied = swept_overrides([_point(1, sharpe=0, pnl=0), _point(2, sharpe=0, pnl=0)])
    assert varied == {1: ("strategy.gamma=0.1",), 2: ("strategy.gamma=0.2",)}


def test_ranking_json_keeps_the_order_and_the_full_summaries(tmp_path: Path) -> None:
    ranked = rank_points([_point(0, sharpe=1.0, pnl=1.0), _point(1, sharpe=3.0, pnl=1.0)])
    write_ranking(ranked, tmp_path / "ranking.json")
    rows = json.loads((tmp_path / "ranking.json").read_text())
    assert [(r["rank"], r["job"]) for r in rows] == [(1, 1), (2, 0)]
    assert rows[0]["summary"]["sharpe_annualised"] == 3.0
