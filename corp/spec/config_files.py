"""YAML syntax check of every config source, run before Hydra composes.

Hydra reads a config file only when composition reaches it, and a YAML error there surfaces as a
60-frame PyYAML traceback with the file and line buried at the bottom. A user who mistyped a
bracket in a profile needs one line: which file, which line and column, what the parser expected.
So the CLI parses every ``*.yaml`` in the config directories first (about 50 ms for ours) with
OmegaConf's own loader, which is what Hydra uses: it also rejects duplicate keys, which a plain
YAML loader would silently resolve to the last value. All broken files are reported together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import OverrideParseException
from omegaconf._utils import get_yaml_loader

_FILE_SCHEME = "file://"


def config_dirs(default_dir: Path, argv: Sequence[str]) -> list[Path]:
    """Where Hydra reads configs from: ours, ``--config-dir`` and ``file://`` search paths.

    Only ``file://`` entries can be checked here; ``pkg://`` sources live in installed packages that
    Hydra reports on itself. An override that does not parse is left for Hydra to report.
    """
    dirs = [default_dir]
    args = list(argv)
    for i, arg in enumerate(args):
        if arg in ("--config-dir", "-cd") and i + 1 < len(args):
            dirs.append(Path(args[i + 1]))
        elif arg.startswith("--config-dir="):
            dirs.append(Path(arg.split("=", 1)[1]))
    searchpath = [a for a in args if a.lstrip("+~").startswith("hydra.searchpath=")]
    if searchpath:
        try:
            parsed = OverridesParser.create().parse_overrides(searchpath)
        except OverrideParseException:  # Hydra reports a malformed override with its grammar
            parsed = []
        for override in parsed:
            value = override.value()
            entries = value if isinstance(value, list) else [value]
            dirs.extend(
                Path(str(e)[len(_FILE_SCHEME) :])
                for e in entries
                if str(e).startswith(_FILE_SCHEME)
            )
    return [d for d in dirs if d.is_dir()]


def yaml_problems(dirs: Iterable[Path]) -> list[str]:
    """One line per YAML file that does not load: ``path: line L, column C: problem (context)``."""
    loader = get_yaml_loader()
    problems: list[str] = []
    seen: set[Path] = set()
    for directory in dirs:
        for path in sorted(directory.rglob("*.yaml")):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            try:
                with path.open(encoding="utf-8") as handle:
                    yaml.load(handle, Loader=loader)  # OmegaConf's loader is a SafeLoader
            except yaml.YAMLError as exc:
                problems.append(f"{_display(path)}: {_describe(exc)}")
            except UnicodeDecodeError as exc:
                problems.append(
                    f"{_display(path)}: not UTF-8 text ({exc.reason} at byte {exc.start})"
                )
    return problems


def _describe(exc: yaml.YAMLError) -> str:
    """The parser's own words, with 1-based line and column as editors show them."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return str(exc)
    where = _mark(exc.problem_mark) or _mark(exc.context_mark)
    problem = exc.problem or exc.context or "invalid YAML"
    text = f"{where}: {problem}" if where else problem
    if exc.context and exc.problem and exc.context_mark is not None:
        text += f" ({exc.context} at {_mark(exc.context_mark)})"
    return text


def _mark(mark: yaml.Mark | None) -> str:
    if mark is None:
        return ""
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _display(path: Path) -> str:
    """Relative to the working directory when under it, so the line reads like the user's tree."""
    absolute = path.resolve()
    cwd = Path.cwd().resolve()
    return str(absolute.relative_to(cwd)) if absolute.is_relative_to(cwd) else str(absolute)
