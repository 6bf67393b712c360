"""Every profile with every strategy: either valid, or every problem names a dotted field."""

from __future__ import annotations

import re

import pytest

from corp.spec.check import check_overrides
from corp.spec.compose import group_options
from tests.unit.spec.conftest import TODAY

FIELD_LINE = re.compile(r"^ERROR   (pack|strategy|risk|hedge|regime|runtime|mode|market|task)\.\w+")


@pytest.mark.slow
@pytest.mark.parametrize("profile", group_options("profile"))
def test_every_profile_with_every_strategy_is_valid_or_names_each_bad_field(profile: str) -> None:
    outcomes = {}
    for strategy in group_options("strategy"):
        checked = check_overrides([f"+profile={profile}", f"strategy={strategy}"], today=TODAY)
        outcomes[strategy] = checked.ok
        for line in checked.problem_lines():
            assert FIELD_LINE.match(line), line
    assert any(outcomes.values()), outcomes
