"""The tasks ``python -m corp`` can run: plain functions from a checked spec to a result.

``TASKS`` maps ``task.name`` to its function. Adding ``run``, ``compare``, ``calibrate`` or
``walk_forward`` is one entry here (import the driver inside the function, so that
``task=validate`` never loads numba), one model in ``corp.spec.task`` and one
``conf/task/<name>.yaml``. Tasks raise ``CorpError`` subclasses; they never call ``sys.exit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from corp.errors import SpecError
from corp.spec.check import check_container
from corp.spec.compose import CONF_DIR, REPO_ROOT, compose_config, to_container
from corp.spec.docs import render_parameters_md
from corp.spec.identity import Change, PackIdentity, diff_specs, pack_identity
from corp.spec.policy import PolicyReport
from corp.spec.policy.rules import approval_problems
from corp.spec.provenance import Origin, provenance
from corp.spec.records import PolicyContext, load_context
from corp.spec.run import RunSpec

__all__ = [
    "TASKS",
    "DocsResult",
    "PackResult",
    "ShowResult",
    "TaskInput",
    "ValidateResult",
    "calibrate_task",
    "docs_task",
    "pack_task",
    "show_task",
    "validate_task",
]


@dataclass(frozen=True)
class TaskInput:
    spec: RunSpec
    report: PolicyReport
    overrides: tuple[str, ...] = ()
    """The command-line overrides (provenance and diffs recompose with them)."""
    conf_dir: Path = CONF_DIR


class TaskResult(Protocol):
    def lines(self) -> list[str]: ...


@dataclass(frozen=True)
class ValidateResult:
    identity: PackIdentity
    report: PolicyReport

    def lines(self) -> list[str]:
        r = self.report
        return [
            self.identity.line(),
            f"policy: {'ok' if r.ok else 'denied'} (stage {r.stage}; {len(r.denied)} denied, "
            f"{len(r.warnings)} warnings, {len(r.waived)} waived)",
            *r.lines(),
        ]


def validate_task(inp: TaskInput) -> ValidateResult:
    return ValidateResult(pack_identity(inp.spec), inp.report)


@dataclass(frozen=True)
class ShowResult:
    identity: PackIdentity
    origins: tuple[Origin, ...]

    def lines(self) -> list[str]:
        return [self.identity.line(), *(o.line() for o in self.origins)]


def show_task(inp: TaskInput) -> ShowResult:
    return ShowResult(
        pack_identity(inp.spec), tuple(provenance(inp.overrides, conf_dir=inp.conf_dir))
    )


@dataclass(frozen=True)
class PackResult:
    identity: PackIdentity
    stage: str
    approval: str
    """Which approval record covers the P0 values, or why none does."""
    recorded_changes: int
    against: PackIdentity | None = None
    changes: tuple[Change, ...] = field(default=())

    def lines(self) -> list[str]:
        out = [
            self.identity.line(),
            f"stage: {self.stage}",
            f"approval: {self.approval}",
            f"recorded changes: {self.recorded_changes} (conf/changes/{self.identity.name}.yaml)",
        ]
        if self.against is not None:
            out.append(f"diff against {self.against.line()}: {len(self.changes)} changes")
            out += [f"  {c.line()}" for c in self.changes]
        return out


def _compose_pack(name: str, conf_dir: Path) -> RunSpec:
    overrides = [] if name == "default" else [f"+profile={name}"]
    if name != "default" and not (conf_dir / "profile" / f"{name}.yaml").exists():
        raise SpecError(f"task.against: no profile named {name!r} in {conf_dir / 'profile'}")
    checked = check_container(to_container(compose_config(overrides, conf_dir=conf_dir)))
    if checked.spec is None:
        raise SpecError(f"task.against={name}: " + "; ".join(checked.field_problems))
    return checked.spec


def _approval_line(spec: RunSpec, ctx: PolicyContext) -> str:
    name, problems = approval_problems(spec, ctx)
    if name is None:
        return "none (P0 values need one before okx_demo_api or okx_live)"
    if problems:
        return f"{name} does not cover: " + "; ".join(v.line() for v in problems)
    return f"{name} covers every P0 value"


def pack_task(inp: TaskInput) -> PackResult:
    """Identity, stage, approval status and change history of the pack; optionally its diff
    against another profile (``task.against=NAME``, ``default`` = no profile)."""
    spec = inp.spec
    ctx = load_context(inp.conf_dir, spec.pack.name)
    base = (pack_identity(spec), spec.pack.stage, _approval_line(spec, ctx), len(ctx.changes))
    against = getattr(spec.task, "against", None)
    if against is None:
        return PackResult(*base)
    other = _compose_pack(against, inp.conf_dir)
    return PackResult(*base, pack_identity(other), tuple(diff_specs(other, spec)))


@dataclass(frozen=True)
class DocsResult:
    path: Path
    changed: bool

    def lines(self) -> list[str]:
        return [f"{'wrote' if self.changed else 'up to date'}: {self.path}"]


def docs_task(inp: TaskInput) -> DocsResult:
    output = Path(getattr(inp.spec.task, "output", "docs/parameters.md"))
    path = output if output.is_absolute() else REPO_ROOT / output
    text = render_parameters_md(inp.conf_dir)
    changed = not path.exists() or path.read_text(encoding="utf-8") != text
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return DocsResult(path, changed)


def run_task_offline(inp: TaskInput) -> TaskResult:
    """``task=run`` (mode=offline): backtest the spec and write ``results/<run_id>/``."""
    from corp.backtest.offline import run_offline_spec

    if inp.spec.mode.name != "offline":
        raise SpecError(f"task=run: mode {inp.spec.mode.name!r} runs in corp.live, not offline")
    results_dir = Path(inp.spec.task.results_dir)  # type: ignore[union-attr]
    return run_offline_spec(
        inp.spec,
        results_dir=results_dir if results_dir.is_absolute() else REPO_ROOT / results_dir,
        identity=pack_identity(inp.spec),
        policy=inp.report,
        overrides=inp.overrides,
    )


def calibrate_task(inp: TaskInput) -> TaskResult:
    """Seed 2.2-2.6 calibration; numba and matplotlib load only here."""
    from corp.backtest.calibrate_task import calibrate
    from corp.backtest.calibration_engine import engine_backtester
    from corp.core.params import pack_run_spec, param_vector

    backtester = engine_backtester(param_vector(**pack_run_spec(inp.spec)))
    return calibrate(inp.spec, repo_root=REPO_ROOT, backtester=backtester)


TASKS: dict[str, Callable[[TaskInput], TaskResult]] = {
    "run": run_task_offline,
    "validate": validate_task,
    "show": show_task,
    "pack": pack_task,
    "docs": docs_task,
    "calibrate": calibrate_task,
}


def run_task(inp: TaskInput) -> TaskResult:
    """Dispatch on ``task.name`` (the spec's union guarantees the name is known)."""
    return TASKS[inp.spec.task.name](inp)
