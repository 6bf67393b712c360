"""The plain task functions behind python -m corp (no Hydra app, no subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corp.app import PolicyRefused, execute
from corp.spec.compose import compose_config, to_container
from corp.spec.run import SpecInvalid
from corp.tasks import DocsResult, PackResult, ShowResult, ValidateResult


def _run(overrides: list[str]) -> object:
    return execute(to_container(compose_config(overrides)), overrides).result


def test_validate_reports_identity_and_policy_summary() -> None:
    result = _run(["+profile=production", "task=validate"])
    assert isinstance(result, ValidateResult)
    lines = result.lines()
    assert lines[0] == result.identity.line()
    assert lines[1] == "policy: ok (stage production; 0 denied, 0 warnings, 0 waived)"


def test_execute_raises_with_one_problem_per_line() -> None:
    with pytest.raises(PolicyRefused) as denied:
        _run(["+profile=production", "strategy.gamma=5", "strategy.base_spread_bps=3"])
    assert len(denied.value.problems) == 2
    with pytest.raises(SpecInvalid) as invalid:
        _run(["strategy.gamma=-1", "market.seed=-1"])
    assert len(invalid.value.problems) == 2


def test_show_lists_every_value_with_its_origin() -> None:
    result = _run(["+profile=production", "task=show", "strategy.gamma=0.09"])
    assert isinstance(result, ShowResult)
    assert "strategy.gamma = 0.09  <- command line: strategy.gamma" in result.lines()


def test_pack_shows_approval_history_and_the_diff_against_another_profile() -> None:
    result = _run(["+profile=production", "task=pack", "task.against=staging"])
    assert isinstance(result, PackResult)
    lines = result.lines()
    assert "approval: production-2026-02-09.1.yaml covers every P0 value" in lines
    assert "recorded changes: 2 (conf/changes/production.yaml)" in lines
    assert "  [P1] mode.name: 'okx_demo_sim' -> 'offline'" in lines


def test_pack_without_approval_says_what_is_missing() -> None:
    result = _run(["+profile=staging", "task=pack"])
    assert "approval: none (P0 values need one before okx_demo_api or okx_live)" in (
        result.lines()  # type: ignore[attr-defined]
    )


def test_docs_writes_the_reference_and_then_finds_it_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "parameters.md"
    first = _run(["task=docs", f"task.output={out}"])
    second = _run(["task=docs", f"task.output={out}"])
    assert isinstance(first, DocsResult)
    assert (first.changed, second.changed) == (True, False)  # type: ignore[attr-defined]
    assert out.read_text(encoding="utf-8").startswith("# Parameter reference")
