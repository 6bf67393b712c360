"""RunSpec: the whole validated run, and the one way to build it from a composed config.

``build_spec`` is phase 1 of validation (fields: types, ranges, unknown keys); the policy engine
(``corp.spec.policy``) is phase 2 (cross-layer rules). Pydantic's errors are re-rendered one per
line as ``dotted.path: message (got <value>)`` and raised as one ``SpecError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from corp.errors import SpecError
from corp.spec.hedge import HedgeSpec
from corp.spec.market import MarketSpec
from corp.spec.mode import ModeSpec
from corp.spec.pack import PackMeta
from corp.spec.regime import RegimeSpec
from corp.spec.risk import RiskSpec
from corp.spec.runtime import RuntimeSpec
from corp.spec.strategy import StrategySpec
from corp.spec.task import TaskSpec
from corp.spec.types import SPEC_MODEL_CONFIG

__all__ = ["LAYERS", "RunSpec", "SpecInvalid", "build_spec", "format_validation_error"]

LAYERS: tuple[str, ...] = ("strategy", "risk", "hedge", "regime", "runtime", "mode", "market")
"""The parameter layers: what a pack's identity hashes (pack metadata and task excluded)."""


class RunSpec(BaseModel):
    model_config = SPEC_MODEL_CONFIG

    pack: PackMeta
    strategy: StrategySpec
    risk: RiskSpec
    hedge: HedgeSpec
    regime: RegimeSpec
    runtime: RuntimeSpec
    mode: ModeSpec
    market: MarketSpec
    task: TaskSpec


class SpecInvalid(SpecError):
    """Phase-1 failure; ``problems`` holds one line per invalid field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _dotted(loc: tuple[Any, ...], data: Any) -> tuple[str, str | None]:
    """Dotted path of a pydantic location without the union tag pydantic inserts into it
    (``strategy.glft.gamma`` -> ``strategy.gamma``), and that tag (the kind), if any."""
    parts: list[str] = []
    tag: str | None = None
    node = data
    for item in loc:
        in_map = isinstance(node, Mapping) and item in node
        in_seq = isinstance(node, list | tuple) and isinstance(item, int) and item < len(node)
        if in_map or in_seq:
            parts.append(str(item))
            node = node[item]  # type: ignore[index]
        elif isinstance(node, Mapping) and item in (node.get("kind"), node.get("name")):
            tag = str(item)
        else:
            parts.append(str(item))
            node = None
    return ".".join(parts), tag


def format_validation_error(exc: ValidationError, data: Any) -> list[str]:
    """One line per error: ``path: message (got value)``; unknown keys say so plainly."""
    lines = []
    for err in exc.errors(include_url=False):
        path, tag = _dotted(tuple(err["loc"]), data)
        if err["type"] == "extra_forbidden":
            where = "" if tag is None else f" for {path.split('.')[0]} kind {tag!r}"
            lines.append(f"{path}: unknown key{where} (got {err['input']!r})")
        elif err["type"] == "missing":
            lines.append(f"{path}: required value is missing")
        else:
            lines.append(f"{path}: {err['msg']} (got {err['input']!r})")
    return lines


def build_spec(data: Mapping[str, Any]) -> RunSpec:
    """Validate a resolved config container into a RunSpec; raise ``SpecInvalid`` listing all."""
    try:
        return RunSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecInvalid(format_validation_error(exc, data)) from exc
