"""Approval and change records under conf/: loaded, validated, errors name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from corp.errors import SpecError
from corp.spec.catalogue import p0_paths
from corp.spec.compose import CONF_DIR
from corp.spec.records import load_approvals, load_changes


def test_the_shipped_production_approval_covers_every_p0_parameter() -> None:
    approvals = dict(load_approvals(CONF_DIR))
    record = approvals["production-2026-02-09.1.yaml"]
    assert set(record.values) == set(p0_paths())


def test_a_malformed_approval_names_the_file_and_the_field(tmp_path: Path) -> None:
    (tmp_path / "approvals").mkdir()
    (tmp_path / "approvals" / "bad.yaml").write_text(
        "pack: production\nversion: v2\napproved_by: x\napproved_at: 2026-01-01T00:00:00Z\n"
        "expires_at: 2027-01-01T00:00:00Z\nticket: T-1\nvalues: {}\n"
    )
    with pytest.raises(SpecError) as err:
        load_approvals(tmp_path)
    assert "bad.yaml: version: String should match pattern" in str(err.value)
    assert "(got 'v2')" in str(err.value)


def test_a_change_log_filed_under_the_wrong_pack_is_refused(tmp_path: Path) -> None:
    (tmp_path / "changes").mkdir()
    (tmp_path / "changes" / "production.yaml").write_text("pack: staging\nchanges: []\n")
    with pytest.raises(SpecError, match="expected 'production'"):
        load_changes(tmp_path, "production")


def test_a_pack_without_history_has_an_empty_one(tmp_path: Path) -> None:
    assert load_changes(tmp_path, "research") == ()
