"""Sweep preflight: every point is validated before a job starts; all invalid points are listed."""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig

from corp.spec.compose import compose_config
from corp.spec.preflight import format_preflight, preflight_points

POINTS = [
    ["+profile=production", "strategy.gamma=0.1"],
    ["+profile=production", "strategy.gamma=5"],
    ["+profile=production", "strategy.gamma=-1"],
    ["+profile=production", "risk=nonexistent"],
]


def _compose(point: Sequence[str]) -> DictConfig:
    return compose_config(point)


def test_every_point_is_checked_and_each_invalid_one_lists_its_problems() -> None:
    reports = preflight_points(POINTS, _compose)
    assert [r.ok for r in reports] == [True, False, False, False]
    assert "rule as.gamma_bound" in reports[1].problems[0]
    assert "strategy.gamma: Input should be greater than 0 (got -1)" in reports[2].problems[0]
    assert "Could not find 'risk/nonexistent'" in reports[3].problems[0]


def test_the_refusal_names_each_invalid_point_by_its_overrides() -> None:
    text = format_preflight(preflight_points(POINTS, _compose))
    assert text.startswith("sweep preflight: 3 of 4 points invalid; no job was started")
    assert "point #1 [+profile=production strategy.gamma=5]" in text
    assert "point #0" not in text
