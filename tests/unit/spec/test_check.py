"""check_overrides: the one-call entry other packages use."""

from __future__ import annotations

from corp.spec.check import check_overrides
from tests.unit.spec.conftest import TODAY


def test_a_valid_pack_gives_a_spec_and_an_ok_report() -> None:
    checked = check_overrides(["+profile=production"], today=TODAY)
    assert checked.ok
    assert checked.spec is not None
    assert checked.spec.pack.name == "production"
    assert checked.problem_lines() == []


def test_field_problems_stop_before_the_policy_runs() -> None:
    checked = check_overrides(["strategy.gamma=-1"], today=TODAY)
    assert not checked.ok
    assert checked.report is None
    assert checked.problem_lines() == [
        "ERROR   strategy.gamma: Input should be greater than 0 (got -1)"
    ]


def test_denied_policy_lists_only_the_errors() -> None:
    checked = check_overrides(["+profile=production", "strategy.gamma=5"], today=TODAY)
    assert not checked.ok
    assert [line.split(":")[0] for line in checked.problem_lines()] == ["ERROR   strategy.gamma"]
