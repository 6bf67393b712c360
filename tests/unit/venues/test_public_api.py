"""Every venues module declares its public names, and each declared name exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import corp.venues

MODULES = [
    m.name
    for m in pkgutil.walk_packages(corp.venues.__path__, "corp.venues.")
    if not m.ispkg and not m.name.endswith("__main__")
]


@pytest.mark.parametrize("name", MODULES)
def test_module_exports_only_names_it_defines(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list | tuple), name
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []
