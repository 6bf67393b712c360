"""The plain function behind ``python -m corp``: check a composed config, then run its task.

``execute`` raises ``SpecInvalid`` (phase 1: fields) or ``PolicyRefused`` (phase 2: a denied
policy report), each carrying one line per problem; otherwise it returns the task's result and
the policy report. The Hydra adapter (``corp.__main__``) only composes, calls this and prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corp.errors import PolicyDenied
from corp.spec.check import check_container
from corp.spec.compose import CONF_DIR
from corp.spec.identity import pack_identity
from corp.spec.policy import PolicyReport
from corp.spec.run import RunSpec, SpecInvalid
from corp.tasks import TaskInput, TaskResult, ValidateResult, run_task

__all__ = ["Outcome", "PolicyRefused", "execute"]


class PolicyRefused(PolicyDenied):
    """A well-formed spec that the policy denies; ``problems`` has one line per violation."""

    def __init__(self, spec: RunSpec, report: PolicyReport) -> None:
        self.spec = spec
        self.report = report
        self.problems = [line for line in report.lines() if line.startswith("ERROR")]
        super().__init__(
            f"{pack_identity(spec).line()} (stage {report.stage}): policy denied\n"
            + "\n".join(self.problems)
        )


@dataclass(frozen=True)
class Outcome:
    spec: RunSpec
    report: PolicyReport
    result: TaskResult

    def lines(self) -> list[str]:
        if isinstance(self.result, ValidateResult):
            return self.result.lines()
        return [*self.report.lines(), *self.result.lines()]


def execute(
    data: Mapping[str, Any], overrides: Sequence[str] = (), *, conf_dir: Path = CONF_DIR
) -> Outcome:
    """Validate (fields, then every policy rule) and run ``task``; raise on invalid or denied."""
    checked = check_container(data, conf_dir=conf_dir)
    if checked.spec is None or checked.report is None:
        raise SpecInvalid(list(checked.field_problems))
    if not checked.report.ok:
        raise PolicyRefused(checked.spec, checked.report)
    inp = TaskInput(checked.spec, checked.report, tuple(overrides), conf_dir)
    return Outcome(checked.spec, checked.report, run_task(inp))
