"""Where each resolved value came from: a default file, a group option, the profile, or the
command line.

Hydra does not record this, so it is rebuilt by replaying the sources in Hydra's own order
(group options in the order of ``config.yaml``'s defaults list, then ``config.yaml`` itself
(``_self_`` last), then the appended profile, then command-line values). The replay is checked
against the composed config: a leaf whose replayed value differs is labelled ``unknown`` rather
than guessed, and the test suite asserts that no leaf of any profile is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from corp.spec.catalogue import iter_leaf_paths
from corp.spec.compose import CONF_DIR, GROUPS, compose_config, to_container

__all__ = ["Origin", "provenance"]


@dataclass(frozen=True, slots=True)
class Origin:
    path: str
    value: Any
    source: str
    """``default``, ``group``, ``profile``, ``command line`` or ``unknown``."""
    detail: str
    """Which file or option: ``strategy=glft (chosen by the command line)``, ..."""

    def line(self) -> str:
        return f"{self.path} = {self.value!r}  <- {self.source}: {self.detail}"


def _load(path: Path) -> dict[str, Any]:
    data = OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    assert isinstance(data, dict)
    data.pop("defaults", None)
    data.pop("hydra", None)
    return {str(k): v for k, v in data.items()}


def _split_overrides(overrides: Sequence[str]) -> tuple[dict[str, str], list[str], str | None]:
    """(group choices, value paths, profile) given on the command line."""
    parsed = OverridesParser.create().parse_overrides(list(overrides))
    groups: dict[str, str] = {}
    values: list[str] = []
    profile = None
    for ov in parsed:
        key = ov.key_or_group
        if key.startswith("hydra"):
            continue
        if key == "profile":
            profile = str(ov.value())
        elif key in GROUPS:
            groups[key] = str(ov.value())
        else:
            values.append(key)
    return groups, values, profile


def _profile_group_overrides(conf_dir: Path, profile: str | None) -> set[str]:
    if profile is None:
        return set()
    raw = OmegaConf.to_container(OmegaConf.load(conf_dir / "profile" / f"{profile}.yaml"))
    assert isinstance(raw, dict)
    out = set()
    for item in raw.get("defaults", []) or []:
        if isinstance(item, dict):
            for key in item:
                out.add(str(key).removeprefix("override ").strip().lstrip("/"))
    return out


def provenance(overrides: Sequence[str] = (), *, conf_dir: Path = CONF_DIR) -> list[Origin]:
    """Origin of every leaf of the composed config (pack, layers, task), in path order."""
    cfg = compose_config(overrides, conf_dir=conf_dir, with_hydra=True)
    chosen = dict(cfg.hydra.runtime.choices)
    final = dict(iter_leaf_paths(to_container(cfg)))
    cli_groups, cli_values, profile = _split_overrides(overrides)
    profile_groups = _profile_group_overrides(conf_dir, profile)

    owner: dict[str, tuple[str, str]] = {}
    replay: dict[str, Any] = {}

    def apply(data: dict[str, Any], prefix: str, source: str, detail: str) -> None:
        for path, value in iter_leaf_paths(data, prefix):
            replay[path] = value
            owner[path] = (source, detail)

    for group in GROUPS:
        option = chosen.get(group)
        if group == "profile" or option is None:
            continue
        if group in cli_groups:
            by = "chosen on the command line"
        elif group in profile_groups:
            by = f"chosen by profile {profile}"
        else:
            by = "default choice in conf/config.yaml"
        apply(
            _load(conf_dir / group / f"{option}.yaml"),
            f"{group}.",
            "group",
            f"{group}={option} ({by}; conf/{group}/{option}.yaml)",
        )
    apply(_load(conf_dir / "config.yaml"), "", "default", "conf/config.yaml")
    if profile is not None:
        apply(
            _load(conf_dir / "profile" / f"{profile}.yaml"),
            "",
            "profile",
            f"+profile={profile} (conf/profile/{profile}.yaml)",
        )
    for key in cli_values:
        for path in final:
            if path == key or path.startswith(key + "."):
                replay[path] = final[path]
                owner[path] = ("command line", key)

    out = []
    for path in sorted(final):
        source, detail = owner.get(path, ("unknown", "not found in any source"))
        if path in replay and replay[path] != final[path] and source != "command line":
            source, detail = "unknown", f"replayed {replay[path]!r} from {detail}"
        out.append(Origin(path, final[path], source, detail))
    return out
