"""docs/parameters.md is generated from the catalogue and committed up to date."""

from __future__ import annotations

import pytest

from corp.spec.catalogue import CATALOGUE
from corp.spec.compose import REPO_ROOT
from corp.spec.docs import render_parameters_md
from corp.spec.policy import RULES


@pytest.fixture(scope="module")
def rendered() -> str:
    return render_parameters_md()


def test_parameters_md_is_up_to_date(rendered: str) -> None:
    committed = (REPO_ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert committed == rendered, "run `python -m corp task=docs` and commit"


def test_parameters_md_lists_every_parameter_and_rule(rendered: str) -> None:
    text = rendered
    for entry in CATALOGUE:
        assert f"`{entry.path}`" in text
    for rule_id in RULES:
        assert f"`{rule_id}`" in text
