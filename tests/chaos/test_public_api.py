"""Every harness module's ``__all__`` names things that exist (the public surface is checked)."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "chaos.backends",
    "chaos.criteria",
    "chaos.drill",
    "chaos.environment",
    "chaos.journal",
    "chaos.probes",
    "chaos.processes",
    "chaos.report",
    "chaos.runner",
    "chaos.__main__",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    missing = [item for item in module.__all__ if not hasattr(module, item)]
    assert missing == []
