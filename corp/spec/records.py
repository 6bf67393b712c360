"""Records kept as files under ``conf/``: approvals (``conf/approvals/*.yaml``) and change history
(``conf/changes/<pack>.yaml``). They are evidence about a pack, not parameters: they are not Hydra
groups, not part of a pack's hash, and are read by the policy rules through ``PolicyContext``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from corp.errors import SpecError
from corp.spec.types import SPEC_MODEL_CONFIG, PackName, PackVersion

__all__ = [
    "Approval",
    "ChangeLog",
    "ChangeRecord",
    "PolicyContext",
    "load_approvals",
    "load_changes",
    "load_context",
]

Scalar = bool | int | float | str
NonEmpty = Annotated[str, Field(min_length=1)]


class Approval(BaseModel):
    """Sign-off of a pack's P0 values (seed 6.3), valid until ``expires_at``."""

    model_config = SPEC_MODEL_CONFIG

    pack: PackName
    version: PackVersion
    approved_by: NonEmpty
    approved_at: dt.datetime
    expires_at: dt.datetime
    ticket: NonEmpty
    values: dict[str, Scalar]


class ChangeRecord(BaseModel):
    """One recorded parameter change; ``origin=online_tuning`` ones obey the guardrails (5.5)."""

    model_config = SPEC_MODEL_CONFIG

    at: dt.datetime
    path: NonEmpty
    old: Scalar
    new: Scalar
    origin: Literal["online_tuning", "release", "manual"]
    by: NonEmpty


class ChangeLog(BaseModel):
    model_config = SPEC_MODEL_CONFIG

    pack: PackName
    changes: tuple[ChangeRecord, ...]


@dataclass(frozen=True)
class PolicyContext:
    """What the policy needs beyond the spec: the date, approvals and the change history."""

    today: dt.date
    approvals: tuple[tuple[str, Approval], ...] = ()
    """(file name, approval) pairs, so violations can name the record."""
    changes: tuple[ChangeRecord, ...] = ()


def _load_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read record: {exc}") from exc


def _errors(path: Path, exc: ValidationError) -> SpecError:
    lines = [
        f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']} (got {e['input']!r})"
        for e in exc.errors(include_url=False)
    ]
    return SpecError("\n".join(lines))


def load_approvals(conf_dir: Path) -> tuple[tuple[str, Approval], ...]:
    """Every approval record under ``conf_dir/approvals``; a malformed one is an error."""
    out = []
    for path in sorted((conf_dir / "approvals").glob("*.yaml")):
        try:
            out.append((path.name, Approval.model_validate(_load_yaml(path))))
        except ValidationError as exc:
            raise _errors(path, exc) from exc
    return tuple(out)


def load_changes(conf_dir: Path, pack_name: str) -> tuple[ChangeRecord, ...]:
    """The change history of ``pack_name`` (empty when it has none)."""
    path = conf_dir / "changes" / f"{pack_name}.yaml"
    if not path.exists():
        return ()
    try:
        log = ChangeLog.model_validate(_load_yaml(path))
    except ValidationError as exc:
        raise _errors(path, exc) from exc
    if log.pack != pack_name:
        raise SpecError(f"{path}: pack: expected {pack_name!r} (the file name), got {log.pack!r}")
    return log.changes


def load_context(conf_dir: Path, pack_name: str, today: dt.date | None = None) -> PolicyContext:
    """Context for evaluating ``pack_name``: today's UTC date, approvals and its change history."""
    return PolicyContext(
        today=today or dt.datetime.now(dt.UTC).date(),
        approvals=load_approvals(conf_dir),
        changes=load_changes(conf_dir, pack_name),
    )
