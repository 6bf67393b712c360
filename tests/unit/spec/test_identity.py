"""Pack identity: sha256 of canonical resolved values, stable across order, routes and processes;
diffs classified by risk level with relative sizes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from corp.spec.compose import REPO_ROOT, compose_config, to_container
from corp.spec.identity import ABSENT, canonical_json, diff_specs, pack_identity
from corp.spec.run import build_spec
from tests.unit.spec.conftest import spec_of


def _reversed(data: object) -> object:
    if isinstance(data, dict):
        return {k: _reversed(data[k]) for k in reversed(list(data))}
    return data


def test_hash_ignores_key_order() -> None:
    data = to_container(compose_config(["+profile=production"]))
    shuffled = _reversed(data)
    assert list(shuffled) != list(data)  # type: ignore[arg-type]
    assert pack_identity(build_spec(data)) == pack_identity(build_spec(shuffled))  # type: ignore[arg-type]


def test_hash_depends_on_values_not_on_which_file_set_them() -> None:
    explicit = spec_of(["strategy.gamma=0.1", "strategy.base_spread_bps=6"])
    assert pack_identity(explicit).sha256 == pack_identity(spec_of()).sha256


def test_hash_ignores_pack_metadata_and_task() -> None:
    base = spec_of()
    other = spec_of(["pack.description=another text", "task=show"])
    assert pack_identity(base).sha256 == pack_identity(other).sha256


def test_hash_changes_with_any_parameter() -> None:
    base = pack_identity(spec_of()).sha256
    for override in ("strategy.gamma=0.11", "mode.maker_fee_bps=2.5", "market.seed=43"):
        assert pack_identity(spec_of([override])).sha256 != base, override


def test_hash_is_the_same_in_another_process() -> None:
    code = (
        "from corp.spec.compose import compose_config, to_container;"
        "from corp.spec.run import build_spec;"
        "from corp.spec.identity import pack_identity;"
        "print(pack_identity(build_spec(to_container(compose_config(['+profile=production']))))"
        ".sha256)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert out.stdout.strip() == pack_identity(spec_of(["+profile=production"])).sha256


def test_canonical_json_is_sorted_and_compact() -> None:
    text = canonical_json(spec_of())
    assert text.startswith('{"hedge":{')
    assert ", " not in text


def test_diff_classifies_each_change_by_risk_level_with_its_relative_size() -> None:
    old = spec_of(["+profile=production"])
    new = spec_of(["+profile=production", "strategy.inventory_limit=8", "strategy.gamma=0.11",
                   "runtime.log_level=DEBUG"])  # fmt: skip
    changes = {c.path: c for c in diff_specs(old, new)}
    assert set(changes) == {"strategy.inventory_limit", "strategy.gamma", "runtime.log_level"}
    assert changes["strategy.inventory_limit"].risk == "P0"
    assert changes["strategy.inventory_limit"].relative == pytest.approx(-0.2)
    assert changes["strategy.gamma"].risk == "P1"
    assert changes["strategy.gamma"].relative == pytest.approx(0.1)
    assert changes["runtime.log_level"].risk == "P2"
    assert changes["runtime.log_level"].relative is None
    assert [c.risk for c in diff_specs(old, new)] == ["P0", "P1", "P2"]
    assert changes["strategy.gamma"].line() == "[P1] strategy.gamma: 0.1 -> 0.11 (+10 %)"


def test_diff_across_strategy_kinds_marks_fields_present_on_one_side() -> None:
    changes = {c.path: c for c in diff_specs(spec_of(), spec_of(["strategy=glft"]))}
    assert changes["strategy.kind"].new == "glft"
    assert changes["strategy.solution"].old == ABSENT
