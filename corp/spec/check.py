"""Both validation phases in one call: compose result -> RunSpec -> policy report.

Used by the CLI adapter, the sweep preflight and the tasks, so the three can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corp.spec.compose import CONF_DIR, compose_config, to_container
from corp.spec.policy import PolicyReport, evaluate
from corp.spec.records import load_context
from corp.spec.run import RunSpec, SpecInvalid, build_spec

__all__ = ["Checked", "check_container", "check_overrides"]


@dataclass(frozen=True)
class Checked:
    """Outcome of validating one composed config: a spec and its report, or field problems."""

    spec: RunSpec | None
    report: PolicyReport | None
    field_problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.spec is not None and self.report is not None and self.report.ok

    def problem_lines(self) -> list[str]:
        """One line per problem that makes the config invalid or denied."""
        if self.field_problems:
            return [f"ERROR   {p}" for p in self.field_problems]
        assert self.report is not None
        return [line for line in self.report.lines() if line.startswith("ERROR")]


def check_container(
    data: Mapping[str, Any], *, conf_dir: Path = CONF_DIR, today: dt.date | None = None
) -> Checked:
    """Phase 1 (fields) then, only if it passes, phase 2 (every policy rule)."""
    try:
        spec = build_spec(data)
    except SpecInvalid as exc:
        return Checked(None, None, tuple(exc.problems))
    report = evaluate(spec, load_context(conf_dir, spec.pack.name, today))
    return Checked(spec, report)


def check_overrides(
    overrides: Sequence[str] = (), *, conf_dir: Path = CONF_DIR, today: dt.date | None = None
) -> Checked:
    """Compose ``conf/`` with command-line style ``overrides`` and check the result.

    The one-call entry for other packages and their tests::

        checked = check_overrides(["+profile=production", "strategy=glft"])
        assert checked.ok, checked.problem_lines()
        spec = checked.spec
    """
    cfg = compose_config(overrides, conf_dir=conf_dir)
    return check_container(to_container(cfg), conf_dir=conf_dir, today=today)
