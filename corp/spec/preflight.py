"""Sweep preflight: validate every point of a ``-m`` sweep before any job starts.

``preflight_points`` takes the expanded points (lists of overrides) and a function that composes
one point (the sweeper passes Hydra's own ``load_sweep_config``; tests pass the compose API), so
the same checks run here as in a single run. A point that Hydra cannot compose is reported with
Hydra's message unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from corp.spec.check import Checked, check_container
from corp.spec.compose import to_container

__all__ = [
    "PointReport",
    "format_preflight",
    "jobs_started",
    "mark_jobs_started",
    "preflight_points",
]

_JOBS = {"started": False}


def mark_jobs_started() -> None:
    """Record that composition succeeded and a job (or a sweep's launch) began in this process.

    ``python -m corp`` maps Hydra's exit 1 to 2 only when nothing started, i.e. when Hydra
    refused the config itself; a failed job keeps Hydra's exit 1."""
    _JOBS["started"] = True


def jobs_started() -> bool:
    return _JOBS["started"]


@dataclass(frozen=True)
class PointReport:
    index: int
    overrides: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def preflight_points(
    points: Sequence[Sequence[str]], compose_point: Callable[[Sequence[str]], DictConfig]
) -> list[PointReport]:
    """Compose and validate each point; never stops at the first bad one."""
    reports = []
    for i, point in enumerate(points):
        try:
            cfg = compose_point(point)
        except (HydraException, OmegaConfBaseException) as exc:  # shown as Hydra words them
            reports.append(PointReport(i, tuple(point), (f"ERROR   {exc}",)))
            continue
        checked: Checked = check_container(to_container(cfg))
        reports.append(PointReport(i, tuple(point), tuple(checked.problem_lines())))
    return reports


def format_preflight(reports: Sequence[PointReport]) -> str:
    """The refusal message: how many points are invalid, then each with its problems."""
    bad = [r for r in reports if not r.ok]
    lines = [f"sweep preflight: {len(bad)} of {len(reports)} points invalid; no job was started"]
    for r in bad:
        lines.append(f"point #{r.index} [{' '.join(r.overrides)}]")
        lines.extend("  " + "\n    ".join(p.splitlines()) for p in r.problems)
    return "\n".join(lines) + "\n"
