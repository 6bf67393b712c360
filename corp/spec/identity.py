"""Pack identity and pack diffs.

A pack's identity is its name, its version and the sha256 of its *canonical resolved values*:
the validated parameter layers (``LAYERS``: strategy ... market; pack metadata and task are
excluded) dumped as JSON with sorted keys and fixed separators. Validation first makes
``20`` and ``20.0`` the same float and tuples lists, so the hash depends on values only: not on
key order, file layout, which file set a value, the process or the Python hash seed.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from corp.spec.catalogue import iter_leaf_paths, lookup
from corp.spec.run import LAYERS, RunSpec

__all__ = [
    "ABSENT",
    "Change",
    "PackIdentity",
    "canonical_json",
    "canonical_values",
    "diff_specs",
    "pack_identity",
]


def canonical_values(spec: RunSpec) -> dict[str, Any]:
    """The hashed part of a spec: its parameter layers as JSON-compatible values."""
    return spec.model_dump(mode="json", include=set(LAYERS))


def canonical_json(spec: RunSpec) -> str:
    return json.dumps(
        canonical_values(spec),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


@dataclass(frozen=True, slots=True)
class PackIdentity:
    name: str
    version: str
    sha256: str

    def line(self) -> str:
        return f"pack {self.name} {self.version} sha256={self.sha256}"


def pack_identity(spec: RunSpec) -> PackIdentity:
    digest = hashlib.sha256(canonical_json(spec).encode("utf-8")).hexdigest()
    return PackIdentity(spec.pack.name, spec.pack.version, digest)


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    old: Any
    new: Any
    risk: str
    """Catalogue risk level (P0/P1/P2); ``?`` when the catalogue has no entry."""
    relative: float | None
    """Signed relative size (new - old) / |old| for numbers, None otherwise (±inf from 0)."""

    def line(self) -> str:
        size = "" if self.relative is None else f" ({self.relative * 100:+.4g} %)"
        old = self.old if self.old == ABSENT else repr(self.old)
        new = self.new if self.new == ABSENT else repr(self.new)
        return f"[{self.risk}] {self.path}: {old} -> {new}{size}"


ABSENT = "<absent>"
"""Shown for a parameter that exists on one side of a diff only (another strategy kind)."""


def _relative(old: Any, new: Any) -> float | None:
    numbers = (int, float)
    if isinstance(old, bool) or isinstance(new, bool):
        return None
    if not isinstance(old, numbers) or not isinstance(new, numbers):
        return None
    if old == 0:
        return 0.0 if new == 0 else math.copysign(math.inf, new)
    return (new - old) / abs(old)


def diff_specs(old: RunSpec, new: RunSpec) -> list[Change]:
    """Every changed parameter from ``old`` to ``new``, P0 first, then by path."""
    a = dict(iter_leaf_paths(canonical_values(old)))
    b = dict(iter_leaf_paths(canonical_values(new)))
    changes = []
    for path in sorted(set(a) | set(b)):
        va, vb = a.get(path, ABSENT), b.get(path, ABSENT)
        if va == vb and type(va) is type(vb):
            continue
        kind = new.strategy.kind if path in b else old.strategy.kind
        entry = lookup(path, kind if path.startswith("strategy.") else None)
        changes.append(Change(path, va, vb, entry.risk if entry else "?", _relative(va, vb)))
    return sorted(changes, key=lambda c: (c.risk, c.path))
